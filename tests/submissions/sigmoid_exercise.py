"""Student submissions of sigmoid_exercise, written the way students write them.

Each entry: name -> Submission(scores, why, answers), where `answers` maps the
grade_id of an answer cell to the source the student typed and `scores` maps the
grade_id of every graded test cell to the points that submission must get.

Answer cells: answer_X, answer_sigmoid, answer_Y, answer_plot.
Test cells (points): test_X (2), test_sigmoid_values (2), test_sigmoid_stable (2),
test_sigmoid_shapes (1), test_Y (1), test_plot (2); 10 in all.
"""

import math

from tests.submissions import Submission, full_points_except

POINTS = {
    "test_X": 2,
    "test_sigmoid_values": 2,
    "test_sigmoid_stable": 2,
    "test_sigmoid_shapes": 1,
    "test_Y": 1,
    "test_plot": 2,
}


def scores(**lost):
    """Full points except the test cells named in `lost` (given as test_X=0 etc.)."""
    return full_points_except(POINTS, lost)


# --- Answer cells that are right, reused below -------------------------------------------

X_RIGHT = "X = np.linspace(-5, 5, 100)"

SIGMOID_STABLE = """
def sigmoid(x):
    x = np.asarray(x, dtype=float)
    z = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + z), z / (1 + z))
"""

SIGMOID_NAIVE = """
def sigmoid(x):
    return 1 / (1 + np.exp(-x))  # the slides' formula
"""

Y_RIGHT = "Y = sigmoid(X)"

PLOT_PYPLOT = """
plt.figure(figsize=(5, 5))
plt.plot(X, Y, label='Sigmoid')
plt.xlabel('x')
plt.ylabel('sigmoid(x)')
plt.title('Sigmoid function')
plt.legend(loc='upper left')
plt.show()
"""


def right_except(**answers):
    """A correct submission with some answer cells replaced."""
    base = {
        "answer_X": X_RIGHT,
        "answer_sigmoid": SIGMOID_STABLE,
        "answer_Y": Y_RIGHT,
        "answer_plot": PLOT_PYPLOT,
    }
    base.update(answers)
    return base


# --- The lookup-table student: precomputed values for every point the visible tests use ---


def _lookup_table_source():
    def exact_sigmoid(x):  # what the student copied from a calculator
        if x >= 0:
            return 1 / (1 + math.exp(-x))
        return math.exp(x) / (1 + math.exp(x))

    grid = [-5 + 10 * i / 99 for i in range(100)]
    visible = [-4.0, -1.0, 0.0, 0.5, 2.0, -1000.0, 1000.0, 10000.0]
    rows = "".join(
        f"    {round(x, 6)!r}: {exact_sigmoid(x)!r},\n" for x in sorted(set(grid + visible))
    )
    return (
        "# sigmoid values I worked out in advance for every point I need\n"
        "SIGMOID_TABLE = {\n" + rows + "}\n\n"
        "def sigmoid(x):\n"
        "    if np.ndim(x) == 0:\n"
        "        return SIGMOID_TABLE[round(float(x), 6)]\n"
        "    values = [SIGMOID_TABLE[round(float(v), 6)] for v in np.ravel(x)]\n"
        "    return np.array(values).reshape(np.shape(x))\n"
    )


SIGN_SLIP = "def sigmoid(x):\n    return 1 / (1 + np.exp(x))\n"  # the sign slip, below


def slip_and(tampering, why):
    """The sign slip with `tampering` typed after it: must score exactly what the slip does.

    Test cells run in the guardian (coursekit/sandbox/guardian.py), with the checks'
    modules, math and numpy as they were before any student code ran.
    """
    return Submission(
        scores(
            test_sigmoid_values=0,
            test_sigmoid_stable=0,
            test_sigmoid_shapes=0,
            test_Y=0,
            test_plot=0,
        ),
        why,
        right_except(answer_sigmoid=SIGN_SLIP + "\n" + tampering),
    )


SUBMISSIONS = {
    "slides_naive": Submission(
        scores(test_sigmoid_stable=0),
        "The slides' 1/(1+np.exp(-x)): right everywhere except the stability cell, where "
        "np.exp(1000) overflows. Its RuntimeWarning is caught there and nowhere else.",
        right_except(answer_sigmoid=SIGMOID_NAIVE),
    ),
    "points_101": Submission(
        scores(test_X=0, test_plot=0),
        "101 points (100 gaps): X is wrong, and so is the plotted line; Y = sigmoid(X) of "
        "the student's own X is still right.",
        right_except(answer_X="X = np.linspace(-5, 5, 101)"),
    ),
    "arange_step": Submission(
        scores(test_X=0, test_plot=0),
        "np.arange(-5, 5, 0.1) has 100 points but stops at 4.9: X and the plot lose.",
        right_except(answer_X="X = np.arange(-5, 5, 0.1)"),
    ),
    "math_exp_scalar": Submission(
        scores(test_sigmoid_values=0, test_sigmoid_stable=0, test_sigmoid_shapes=0),
        "The slides' tanh pattern with math.exp: works on one number only, so every sigmoid "
        "cell fails (arrays raise TypeError, math.exp(1000) raises OverflowError); Y built "
        "with a loop, as in the slides, and the plot are right.",
        right_except(
            answer_sigmoid=(
                "import math\n\n"
                "def sigmoid(x):\n"
                "    y = 1 / (1 + math.exp(-x))  # the formula of the sigmoid function\n"
                "    return y\n"
            ),
            answer_Y="Y = []\nfor element in X:\n    Y.append(sigmoid(element))\n",
        ),
    ),
    "lookup_table": Submission(
        scores(test_sigmoid_values=0, test_sigmoid_stable=0, test_sigmoid_shapes=0),
        "A table of precomputed values for the 100 points and every visible test input: "
        "passes every visible test, fails every hidden input (KeyError).",
        right_except(answer_sigmoid=_lookup_table_source()),
    ),
    "tanh_plotted": Submission(
        scores(test_plot=0),
        "Right sigmoid and Y, but the plot copied from the slides shows tanh.",
        right_except(
            answer_plot=(
                "plt.figure(figsize=(5, 5))\n"
                "plt.plot(X, np.tanh(X), label='Tanh')\n"
                "plt.xlabel('x')\nplt.ylabel('y')\nplt.title('Activation function')\n"
                "plt.legend(loc='upper left')\n"
            )
        ),
    ),
    "no_plot": Submission(
        scores(test_plot=0),
        "Everything but the plot: the student printed the numbers instead.",
        right_except(answer_plot="print(X)\nprint(Y)"),
    ),
    "unlabelled_plot": Submission(
        scores(test_plot=0),
        "The right line with no axis labels, title or legend.",
        right_except(answer_plot="plt.plot(X, Y)"),
    ),
    "pyplot_style": Submission(
        scores(),
        "pyplot calls as in the slides, figure closed by plt.show(); a stable sigmoid with "
        "a boolean mask (returns a 0-d array for a number, which counts as one number).",
        right_except(
            answer_sigmoid=(
                "def sigmoid(x):\n"
                "    x = np.asarray(x, dtype=float)\n"
                "    out = np.empty_like(x)\n"
                "    positive = x >= 0\n"
                "    out[positive] = 1 / (1 + np.exp(-x[positive]))\n"
                "    e = np.exp(x[~positive])\n"
                "    out[~positive] = e / (1 + e)\n"
                "    return out\n"
            )
        ),
    ),
    "objects_style": Submission(
        scores(),
        "fig, ax = plt.subplots() and ax.* calls; a sigmoid that clips x to [-500, 500] "
        "(no overflow; values off by < 1e-200, far inside the tolerance).",
        right_except(
            answer_sigmoid=(
                "def sigmoid(x):\n    return 1.0 / (1.0 + np.exp(-np.clip(x, -500, 500)))\n"
            ),
            answer_plot=(
                "fig, ax = plt.subplots(figsize=(6, 4))\n"
                "ax.plot(X, Y, label='sigmoid(x)')\n"
                "ax.set_xlabel('x')\nax.set_ylabel('sigmoid(x)')\n"
                "ax.set_title('The sigmoid function')\nax.legend()\n"
            ),
        ),
    ),
    "sign_slip": slip_and(
        "",
        "1/(1+np.exp(x)) (wrong sign): right at 0 only, so the visible shape test passes and "
        "the hidden one fails; only X earns points.",
    ),
    "silenced_with_filterwarnings": Submission(
        scores(test_sigmoid_stable=0),
        "The naive formula with warnings.filterwarnings('ignore'): the stability test turns "
        "warnings back on, so the overflow still counts.",
        right_except(
            answer_sigmoid="import warnings\nwarnings.filterwarnings('ignore')\n" + SIGMOID_NAIVE
        ),
    ),
    "silenced_with_seterr": Submission(
        scores(test_sigmoid_stable=0),
        "The naive formula with np.seterr(all='ignore'): the stability test sets numpy's "
        "overflow back to 'warn', so the overflow still counts.",
        right_except(answer_sigmoid="np.seterr(all='ignore')\n" + SIGMOID_NAIVE),
    ),
    "where_both_branches": Submission(
        scores(test_sigmoid_stable=0),
        "np.where(x >= 0, 1/(1+exp(-x)), exp(x)/(1+exp(x))): right values, but numpy "
        "computes both branches, so exp(1000) still overflows and warns.",
        right_except(
            answer_sigmoid=(
                "def sigmoid(x):\n"
                "    return np.where(x >= 0, 1 / (1 + np.exp(-x)), np.exp(x) / (1 + np.exp(x)))\n"
            )
        ),
    ),
    "integer_zeros_like": Submission(
        scores(test_sigmoid_shapes=0),
        "Stable by sign but np.zeros_like(x) keeps an integer input's dtype, so an integer "
        "array comes back truncated to 0s and 1s: only the (hidden) shapes test catches it.",
        right_except(
            answer_sigmoid=(
                "def sigmoid(x):\n"
                "    x = np.asarray(x)\n"
                "    y = np.zeros_like(x)\n"
                "    positive = x >= 0\n"
                "    y[positive] = 1 / (1 + np.exp(-x[positive]))\n"
                "    e = np.exp(x[~positive])\n"
                "    y[~positive] = e / (1 + e)\n"
                "    return y\n"
            )
        ),
    ),
    "syntax_error_in_X": Submission(
        scores(test_X=0, test_Y=0, test_plot=0),
        "A missing parenthesis in the X cell: X is undefined, so X, Y and the plot lose; the "
        "three sigmoid cells do not depend on X and keep their points.",
        right_except(answer_X="X = np.linspace(-5, 5, 100"),
    ),
}

# Wrong answers with a trick on top: graded with the tricks corpus (tests/submissions/tricks.py),
# where each is also flagged for review.
TRICKS = {
    "rebinds_numpy_helpers": slip_and(
        "import math\nimport warnings\n\n"
        "np.allclose = lambda *args, **kwargs: True\n"
        "np.isclose = lambda a, b, *args, **kwargs: np.ones(np.shape(a), dtype=bool)\n"
        "np.array_equal = lambda *args, **kwargs: True\n"
        "np.testing.assert_allclose = lambda *args, **kwargs: None\n"
        "np.testing.assert_array_almost_equal = lambda *args, **kwargs: None\n"
        "math.isclose = lambda *args, **kwargs: True\n"
        "warnings.filterwarnings('ignore')\n"
        "np.seterr(all='ignore')\n",
        "The sign slip plus numpy's and math's comparison helpers rebound to always agree "
        "and warnings turned off: earns exactly what sign_slip earns.",
    ),
    "borrows_from_coursecheck": Submission(
        scores(
            test_sigmoid_values=0,
            test_sigmoid_stable=0,
            test_sigmoid_shapes=0,
            test_Y=0,
            test_plot=0,
        ),
        "Wraps the grader's checks (`from coursecheck.sigmoid_exercise import *`, then a "
        "sigmoid built on reference_sigmoid): coursecheck holds no sigmoid, so every call "
        "raises NameError and "
        "only X earns points (Y and the plot need sigmoid).",
        right_except(
            answer_sigmoid=(
                "from coursecheck.sigmoid_exercise import *\n\n"
                "def sigmoid(x):\n"
                "    return np.vectorize(reference_sigmoid, otypes=[float])(x)\n"
            )
        ),
    ),
    "slip_rebinds_check_values": slip_and(
        "check.check_values = lambda *args, **kwargs: None\n",
        "The sign slip with the grader's value check replaced by one that never fails. Without "
        "the guardian it would pass values, shapes and Y (6 of 10).",
    ),
    "slip_rebinds_is_close": slip_and(
        "check.is_close = lambda *args, **kwargs: True\n",
        "The sign slip with the checks' number comparison made to always agree: every check "
        "and the line finder use it, so without the guardian it would pass values, shapes, Y "
        "and the plot (8 of 10).",
    ),
    "slip_rebinds_check_exp": slip_and(
        "import math\n\n"
        "check.exp = lambda x: math.exp(-x)  # the hidden reference now makes the slip\n",
        "The sign slip with the exp of the hidden reference sigmoid turned around, so that the "
        "reference computes the slip too: without the guardian the hidden shapes test would pass.",
    ),
    "slip_rebinds_math_exp": slip_and(
        "import math\n\n_real_exp = math.exp\nmath.exp = lambda x: _real_exp(-x)\n",
        "The same trick one level down, on math.exp: the guardian puts math back as it was "
        "before any student code for each test, so it earns nothing either.",
    ),
    "naive_rebinds_numpy_errstate": Submission(
        scores(test_sigmoid_stable=0),
        "The naive formula with numpy silenced and np.errstate replaced, so that the stability "
        "test could not turn the overflow warning back on: numpy's errstate is put back "
        "from before any student code, and the overflow still counts.",
        right_except(
            answer_sigmoid=(
                "import contextlib\n\n"
                "np.seterr(all='ignore')\n"
                "np.errstate = lambda **kwargs: contextlib.nullcontext()\n" + SIGMOID_NAIVE
            )
        ),
    ),
}
