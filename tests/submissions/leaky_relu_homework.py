"""Student submissions of leaky_relu_homework, written the way students write them.

Each entry: name -> Submission(scores, why, answers), where `answers` maps the
grade_id of an answer cell to the source the student typed and `scores` maps the
grade_id of every auto-graded test cell to the points that submission must get.

Answer cells: answer_leaky_relu, answer_load_params, answer_plot_grid, answer_fig,
answer_written (Part 5, graded by hand: 4 points, never auto-graded).
Test cells (points): test_leaky_relu (2), test_load_params (2), test_grid_layout (3),
test_grid_curves (3), test_grid_titles (1), test_fig (1); 12 in all.
rubric_written (0 points) only carries the instructors' rubric in a hidden region: it
always scores 0 of 0.
"""

from tests.submissions import Submission, full_points_except

POINTS = {
    "test_leaky_relu": 2,
    "test_load_params": 2,
    "test_grid_layout": 3,
    "test_grid_curves": 3,
    "test_grid_titles": 1,
    "test_fig": 1,
    "rubric_written": 0,
}
AUTO_POINTS = sum(POINTS.values())  # 12
MANUAL_POINTS = {"answer_written": 4}


def scores(**lost):
    """Full points except the test cells named in `lost` (given as test_fig=0 etc.)."""
    return full_points_except(POINTS, lost)


# --- Answer cells that are right, reused below -------------------------------------------

LEAKY_WHERE = """
def leaky_relu(x, alpha=0.01):
    return np.where(x < 0, alpha * x, x)
"""

LOAD_DICTREADER = """
def load_params(path):
    params = []
    with open(path) as f:
        for row in csv.DictReader(f):
            params.append({key: float(value) for key, value in row.items()})
    return params
"""

GRID_OBJECTS = """
def plot_leaky_relu_grid(params):
    fig, axs = plt.subplots(3, 3, figsize=(12, 10))
    for ax, p in zip(axs.flat, params):
        x = np.linspace(p["x_min"], p["x_max"], 200)
        ax.plot(x, leaky_relu(x, p["alpha"]))
        ax.set_title(f"alpha = {p['alpha']}")
    fig.tight_layout()
    return fig
"""

FIG_RIGHT = 'fig = plot_leaky_relu_grid(load_params("data_Hw2.csv"))'


def right_except(**answers):
    """A correct submission with some answer cells replaced."""
    base = {
        "answer_leaky_relu": LEAKY_WHERE,
        "answer_load_params": LOAD_DICTREADER,
        "answer_plot_grid": GRID_OBJECTS,
        "answer_fig": FIG_RIGHT,
    }
    base.update(answers)
    return base


def grid_with(
    panel="ax = axs.flat[i]",
    x="np.linspace(p['x_min'], p['x_max'], 200)",
    y="leaky_relu(x, p['alpha'])",
    title="ax.set_title(f\"alpha = {p['alpha']}\")",
    first_line="",
):
    """The objects-style grid function with one of its lines changed."""
    return (
        "def plot_leaky_relu_grid(params):\n"
        + (f"    {first_line}\n" if first_line else "")
        + "    fig, axs = plt.subplots(3, 3, figsize=(12, 10))\n"
        "    for i, p in enumerate(params):\n"
        f"        {panel}\n"
        f"        x = {x}\n"
        f"        ax.plot(x, {y})\n"
        + (f"        {title}\n" if title else "")
        + "    fig.tight_layout()\n"
        "    return fig\n"
    )


GRID_2X5 = (
    "def plot_leaky_relu_grid(params):\n"
    "    plt.figure(figsize=(15, 6))\n"
    "    for i, p in enumerate(params):\n"
    "        plt.subplot(2, 5, i + 1)\n"
    "        x = np.linspace(p['x_min'], p['x_max'], 200)\n"
    "        plt.plot(x, leaky_relu(x, p['alpha']))\n"
    "        plt.title(f\"alpha = {p['alpha']}\")\n"
    "    return plt.gcf()\n"
)  # nine subplots in a 2x5 grid, row by row


SUBMISSIONS = {
    "objects_style": Submission(
        scores(),
        "fig, axes = plt.subplots(3, 3) indexed axes[i // 3][i % 3], constrained layout, "
        "mathtext titles, horizontal and vertical zero lines, parameters read with "
        "np.genfromtxt: full marks.",
        right_except(
            answer_leaky_relu=(
                "def leaky_relu(x, alpha=0.01):\n"
                "    x = np.asarray(x, dtype=float)\n"
                "    return np.where(x >= 0, x, alpha * x)\n"
            ),
            answer_load_params=(
                "def load_params(path):\n"
                "    table = np.genfromtxt(path, delimiter=',', names=True)\n"
                "    return [{'alpha': float(r['alpha']), 'x_min': float(r['x_min']),\n"
                "             'x_max': float(r['x_max'])} for r in table]\n"
            ),
            answer_plot_grid=(
                "def plot_leaky_relu_grid(params):\n"
                "    fig, axes = plt.subplots(nrows=3, ncols=3, figsize=(11, 9),\n"
                "                             constrained_layout=True)\n"
                "    for i, p in enumerate(params):\n"
                "        ax = axes[i // 3][i % 3]\n"
                "        x = np.linspace(p['x_min'], p['x_max'], 500)\n"
                "        ax.axhline(0, color='grey', lw=0.5)\n"
                "        ax.axvline(0, color='grey', lw=0.5)\n"
                "        ax.plot(x, leaky_relu(x, p['alpha']), color='tab:red')\n"
                "        ax.set_title(rf\"Leaky ReLU, $\\alpha = {p['alpha']:.2f}$\")\n"
                "        ax.set_xlabel('x')\n"
                "    return fig\n"
            ),
        ),
    ),
    "subplot_state_style": Submission(
        scores(),
        "The slides' pyplot state style: plt.figure, plt.subplot(3, 3, i + 1), plt.plot, "
        "plt.title, return plt.gcf(); the CSV split by hand: full marks.",
        right_except(
            answer_load_params=(
                "def load_params(path):\n"
                "    lines = open(path).read().strip().split('\\n')\n"
                "    names = lines[0].split(',')\n"
                "    params = []\n"
                "    for line in lines[1:]:\n"
                "        values = [float(v) for v in line.split(',')]\n"
                "        params.append(dict(zip(names, values)))\n"
                "    return params\n"
            ),
            answer_plot_grid=(
                "def plot_leaky_relu_grid(params):\n"
                "    plt.figure(figsize=(10, 10))\n"
                "    for i in range(9):\n"
                "        plt.subplot(3, 3, i + 1)\n"
                "        a = params[i]['alpha']\n"
                "        x = np.linspace(params[i]['x_min'], params[i]['x_max'], 100)\n"
                "        plt.plot(x, leaky_relu(x, a), label='Leaky ReLU')\n"
                "        plt.title('alpha=' + str(a))\n"
                "        plt.legend(loc='upper left')\n"
                "    plt.tight_layout()\n"
                "    return plt.gcf()\n"
            ),
        ),
    ),
    "column_major": Submission(
        scores(test_grid_curves=0, test_grid_titles=0, test_fig=0),
        "axs[i % 3, i // 3] fills the grid column by column: a fine 3x3 layout, but panel 2 "
        "draws row 4 of the table, so curves, titles and fig lose.",
        right_except(answer_plot_grid=grid_with(panel="ax = axs[i % 3, i // 3]")),
    ),
    "nine_figures": Submission(
        scores(test_grid_layout=0, test_fig=0),
        "plt.figure() for every panel: nine figures, not one grid (the layout cell and fig "
        "lose); each curve and title is right, so those cells keep their points.",
        right_except(
            answer_plot_grid=(
                "def plot_leaky_relu_grid(params):\n"
                "    for p in params:\n"
                "        plt.figure()\n"
                "        x = np.linspace(p['x_min'], p['x_max'], 200)\n"
                "        plt.plot(x, leaky_relu(x, p['alpha']))\n"
                "        plt.title(f\"alpha = {p['alpha']}\")\n"
                "    return plt.gcf()\n"
            )
        ),
    ),
    "grid_2x5": Submission(
        scores(test_grid_layout=0, test_fig=0),
        "plt.subplot(2, 5, i + 1): nine subplots in a 2x5 grid, row by row. The layout cell "
        "and fig (a 3x3 grid) lose; curves and titles are right.",
        right_except(answer_plot_grid=GRID_2X5),
    ),
    "ignores_params": Submission(
        scores(test_grid_curves=0, test_grid_titles=0),
        "The grid function reads data_Hw2.csv itself instead of using its argument: right for "
        "the homework's own rows (visible tests, fig), wrong for the hidden parameter rows.",
        right_except(answer_plot_grid=grid_with(first_line='params = load_params("data_Hw2.csv")')),
    ),
    "fixed_alpha": Submission(
        scores(test_grid_curves=0, test_fig=0),
        "leaky_relu(x) without alpha in the plot: every curve uses 0.01 while the titles "
        "show the right alpha.",
        right_except(answer_plot_grid=grid_with(y="leaky_relu(x)")),
    ),
    "swapped_branches": Submission(
        scores(test_leaky_relu=0, test_grid_curves=0, test_fig=0),
        "alpha * x for x > 0 and x below: leaky_relu is wrong and so is every curve drawn "
        "with it; layout, titles and load_params are right.",
        right_except(
            answer_leaky_relu=(
                "def leaky_relu(x, alpha=0.01):\n    return np.where(x > 0, alpha * x, x)\n"
            )
        ),
    ),
    "max_formula": Submission(
        scores(test_leaky_relu=0, test_grid_curves=0, test_fig=0),
        "The slides' max(alpha * x, x): right for alpha <= 1 only; alpha = 2 (row 9, and "
        "hidden inputs) gives 2x for positive x.",
        right_except(
            answer_leaky_relu=(
                "def leaky_relu(x, alpha=0.01):\n    return np.maximum(alpha * x, x)\n"
            )
        ),
    ),
    "fixed_x_range": Submission(
        scores(test_grid_curves=0, test_fig=0),
        "np.linspace(-5, 5, 200) in every panel: right alphas, wrong x ranges.",
        right_except(answer_plot_grid=grid_with(x="np.linspace(-5, 5, 200)")),
    ),
    "arange_end_missing": Submission(
        scores(test_grid_curves=0, test_fig=0),
        "np.arange(x_min, x_max, 0.01) stops before x_max: the curves miss their right end.",
        right_except(answer_plot_grid=grid_with(x="np.arange(p['x_min'], p['x_max'], 0.01)")),
    ),
    "missing_titles": Submission(
        scores(test_grid_titles=0),
        "Everything right but no panel has a title.",
        right_except(answer_plot_grid=grid_with(title="")),
    ),
    "load_params_strings": Submission(
        scores(test_load_params=0, test_fig=0),
        "load_params returns csv.DictReader's rows as they come (strings): its own cell "
        "fails, and so does the Part 4 cell (np.linspace of strings raises), leaving no fig. "
        "The grid tests pass their own float parameters and are right.",
        right_except(
            answer_load_params=(
                "def load_params(path):\n"
                "    with open(path) as f:\n"
                "        return list(csv.DictReader(f))\n"
            )
        ),
    ),
    "hard_coded_params": Submission(
        scores(test_load_params=0),
        "load_params ignores its path and returns data_Hw2.csv's rows typed in: right for "
        "data_Hw2.csv (visible test, fig), wrong for the hidden CSV file.",
        right_except(
            answer_load_params=(
                "def load_params(path):\n"
                "    rows = [(0, -5, 5), (0.01, -5, 5), (0.01, -1, 0.1),\n"
                "            (0.1, -10, 10), (0.2, -10, 10), (0.3, -10, 10),\n"
                "            (1, -3, 3), (-0.5, -4, 4), (2, -2, 2)]\n"
                "    return [{'alpha': float(a), 'x_min': float(lo), 'x_max': float(hi)}\n"
                "            for a, lo, hi in rows]\n"
            )
        ),
    ),
    "scalar_leaky_relu": Submission(
        scores(test_leaky_relu=0),
        "leaky_relu with if/else works on one number only (arrays raise ValueError), but the "
        "plot calls it point by point, as in the slides' loop: only Part 1 loses.",
        right_except(
            answer_leaky_relu=(
                "def leaky_relu(x, alpha=0.01):\n"
                "    if x >= 0:\n"
                "        return x\n"
                "    else:\n"
                "        return alpha * x\n"
            ),
            answer_plot_grid=grid_with(y="[leaky_relu(v, p['alpha']) for v in x]"),
        ),
    ),
    "borrows_coursecheck_reader": Submission(
        scores(test_load_params=0, test_fig=0),
        "load_params = check.float_rows: coursecheck holds no CSV reader, so the answer cell "
        "raises AttributeError and load_params is undefined; Part 4 then has no fig. The grid "
        "tests pass their own parameters and are right.",
        right_except(answer_load_params="load_params = check.float_rows\n"),
    ),
    "borrows_coursecheck_leaky_relu": Submission(
        scores(
            test_leaky_relu=0,
            test_grid_layout=0,
            test_grid_curves=0,
            test_grid_titles=0,
            test_fig=0,
        ),
        "leaky_relu wraps check.reference_leaky_relu: coursecheck holds no Leaky ReLU, so "
        "every call raises AttributeError, and so does the grid function that calls it; only "
        "load_params earns points.",
        right_except(
            answer_leaky_relu=(
                "def leaky_relu(x, alpha=0.01):\n"
                "    return np.vectorize(check.reference_leaky_relu)(x, alpha)\n"
            )
        ),
    ),
    "no_return": Submission(
        scores(test_grid_layout=0, test_fig=0),
        "The grid is drawn right but the function forgets `return fig`: it returns None, so "
        "the layout cell and fig lose; curves and titles are found in the figure it made.",
        right_except(answer_plot_grid=GRID_OBJECTS.replace("    return fig\n", "    plt.show()\n")),
    ),
}

# Wrong answers with a trick on top: graded with the tricks corpus (tests/submissions/tricks.py).
TRICKS = {
    "grid_2x5_rebinds_check_grid": Submission(
        scores(test_grid_layout=0, test_fig=0),
        "grid_2x5 with the grader's grid check replaced by one that never fails "
        "(check.check_grid = lambda *a, **k: None): without the guardian, "
        "the layout cell would pass (3 points). It scores exactly what grid_2x5 does.",
        right_except(
            answer_plot_grid=GRID_2X5 + "\ncheck.check_grid = lambda *args, **kwargs: None\n"
        ),
    ),
}
