"""coursekit.plotcheck, general part: finding figures, reading them, comparing, running quietly.

The grid-inspection section (leaky_relu_homework) is tested with that homework.
Figures that the inline backend closes are tested in a real kernel by
tests/test_sigmoid_exercise.py (the pyplot_style submission is found only through
the figure hook); here matplotlib runs headless (Agg).
Every test cell runs `plotcheck = importlib.reload(plotcheck)` first: a reload undoes
what student code assigned to plotcheck's names and keeps the figures remembered so far,
tested on a copy of plotcheck here and in a real kernel below.
"""

import contextlib
import importlib
import math
import sys
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import mpmath  # noqa: E402
import nbformat  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from nbclient import NotebookClient  # noqa: E402

from coursekit import plotcheck  # noqa: E402


@pytest.fixture
def remembering():
    """remember_figures() inside an rc_context, so the hook is gone after the test."""
    with matplotlib.rc_context():
        plotcheck.remember_figures()
        yield
        plt.close("all")


def draw_in_a_function():
    """A pyplot-style plot whose figure no variable keeps, then closed like the inline backend."""
    plt.figure()
    plt.plot([0.0, 1.0, 2.0], [0.0, 1.0, 4.0], label="square")
    plt.close("all")


# --- Finding figures ------------------------------------------------------------------------


def test_a_closed_figure_no_variable_holds_is_still_found(remembering):
    draw_in_a_function()
    assert plt.get_fignums() == []
    figures = plotcheck.candidate_figures(namespace={})
    assert len(figures) == 1
    assert plotcheck.line_data(figures[0].axes[0].lines[0]) == ([0.0, 1.0, 2.0], [0.0, 1.0, 4.0])


def test_remember_figures_installs_one_hook_and_starts_afresh(remembering):
    draw_in_a_function()
    plotcheck.remember_figures()
    hooks = matplotlib.rcParams["figure.hooks"]
    assert hooks.count("coursekit.plotcheck:_remember") == 1
    assert plotcheck.remembered_figures() == []


def test_figures_are_found_through_variables_without_the_hook():
    figure = matplotlib.figure.Figure()
    ax = figure.add_subplot()
    other = matplotlib.figure.Figure()
    grid = np.empty((1, 2), dtype=object)
    grid[0, 0], grid[0, 1] = other.add_subplot(1, 2, 1), other.add_subplot(1, 2, 2)
    lines = ax.plot([1, 2], [3, 4])
    namespace = {"ax": ax, "axs": grid, "Out": {3: lines}, "__builtins__": {}}
    found = plotcheck.figures_in_namespace(namespace)
    assert {id(f) for f in found} == {id(figure), id(other)}
    assert plotcheck.candidate_figures(namespace={"f": figure, "g": figure}) == [figure]


def test_outside_ipython_the_namespace_is_empty():
    assert plotcheck.notebook_namespace() == {}


# --- Reading figures ------------------------------------------------------------------------


def test_labels_titles_and_legends_are_read():
    figure, ax = plt.subplots()
    ax.plot([0, 1], [0, 1], label="_hidden")
    assert plotcheck.axis_labels(ax) == ("", "")
    assert plotcheck.titles(ax) == []
    assert plotcheck.legend_texts(ax) == []
    ax.set_xlabel(" x ")
    ax.set_ylabel("y")
    ax.set_title("right title", loc="right")
    figure.suptitle("whole figure")
    figure.legend(["a line"])
    assert plotcheck.axis_labels(ax) == ("x", "y")
    assert plotcheck.titles(ax) == ["right title", "whole figure"]
    assert plotcheck.legend_texts(ax) == ["a line"]
    plotcheck.check_labelled(ax)
    plt.close(figure)


@pytest.mark.parametrize(
    "missing, words",
    [
        ("xlabel", "the x label is empty"),
        ("title", "needs a title"),
        ("legend", "needs a legend with a label"),
    ],
)
def test_check_labelled_names_what_is_missing(missing, words):
    figure, ax = plt.subplots()
    ax.plot([0, 1], [0, 1], label="line")
    ax.set_xlabel("" if missing == "xlabel" else "x")
    ax.set_ylabel("y")
    ax.set_title("" if missing == "title" else "t")
    if missing != "legend":
        ax.legend()
    with pytest.raises(AssertionError, match=words):
        plotcheck.check_labelled(ax, "the plot")
    plt.close(figure)


def test_check_line_plotted_finds_the_line_or_says_what_it_saw():
    xs = plotcheck.evenly_spaced(-1.0, 1.0, 5)
    figure, ax = plt.subplots()
    with pytest.raises(AssertionError, match="No figure was found"):
        plotcheck.check_line_plotted([], xs, xs, "y = x")
    ax.plot(np.array(xs), np.array(xs) ** 3, label="cube")
    with pytest.raises(AssertionError, match=r"right x values but is not y = x: at x = -0.5"):
        plotcheck.check_line_plotted([figure], xs, xs, "y = x")
    with pytest.raises(AssertionError, match=r"found: figure 1 has line 'cube' with 5 points"):
        plotcheck.check_line_plotted([figure], xs[:4], xs[:4], "y = x")
    ax.plot(np.linspace(-1, 1, 5), np.linspace(-1, 1, 5))
    assert plotcheck.check_line_plotted([figure], xs, xs, "y = x") == (ax, ax.lines[1])
    plt.close(figure)


def test_check_line_plotted_checks_only_the_y_values_it_is_given():
    xs = plotcheck.evenly_spaced(-1.0, 1.0, 5)
    figure, ax = plt.subplots()
    ax.plot(xs, [x**3 for x in xs], label="cube")
    ends = [-1.0, None, None, None, 1.0]  # y = x and y = x**3 agree at both ends
    assert plotcheck.check_line_plotted([figure], xs, ends, "y = x") == (ax, ax.lines[0])
    with pytest.raises(AssertionError, match=r"at x = -0.5 its y is -0.125, expected -0.5"):
        plotcheck.check_line_plotted([figure], xs, [None, -0.5, None, None, None], "y = x")
    plt.close(figure)


def test_a_scatter_plot_is_named_as_such():
    figure, ax = plt.subplots()
    ax.scatter([0, 1], [0, 1])
    assert "plt.scatter draws points" in plotcheck.describe_figures([figure])
    plt.close(figure)


# --- Numbers ----------------------------------------------------------------------------------


def test_as_floats_and_shape_of():
    assert plotcheck.as_floats(np.arange(6).reshape(2, 3)) == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    assert plotcheck.as_floats(np.float64(0.5)) == [0.5]
    assert plotcheck.as_floats([1, [2.5, 3]]) == [1.0, 2.5, 3.0]
    assert plotcheck.as_floats(["1"]) is None
    assert plotcheck.as_floats(None) is None
    assert plotcheck.shape_of(np.zeros((2, 3))) == (2, 3)
    assert plotcheck.shape_of([[1, 2], [3, 4], [5, 6]]) == (3, 2)
    assert plotcheck.shape_of(0.5) == plotcheck.shape_of(np.array(0.5)) == ()


def test_is_close():
    assert plotcheck.is_close(1.0, 1.0 + 1e-12)
    assert not plotcheck.is_close(1.0, 1.0 + 1e-6)
    assert plotcheck.is_close(1e-13, 0.0)  # absolute tolerance near zero
    assert not plotcheck.is_close(math.nan, math.nan)
    assert plotcheck.is_close(math.inf, math.inf)
    assert not plotcheck.is_close(math.inf, 1e308)


def test_comparisons_ignore_rebound_numpy_and_math_helpers(monkeypatch):
    monkeypatch.setattr(np, "allclose", lambda *a, **k: True)
    monkeypatch.setattr(np, "isclose", lambda *a, **k: True)
    monkeypatch.setattr(math, "isclose", lambda *a, **k: True)
    monkeypatch.setattr(math, "exp", lambda x: 0.0)
    assert not plotcheck.is_close(1.0, 2.0)
    assert plotcheck.exp(0.0) == 1.0  # math.exp as it was when plotcheck was imported
    with pytest.raises(AssertionError, match="wrong at position 1"):
        plotcheck.check_values(np.array([0.0, 1.0]), [0.0, 2.0], "f(x)")


def test_evenly_spaced_matches_linspace():
    ours = plotcheck.evenly_spaced(-5.0, 5.0, 100)
    assert len(ours) == 100 and ours[0] == -5.0 and ours[-1] == 5.0
    assert plotcheck.first_difference(ours, np.linspace(-5, 5, 100).tolist(), 1e-15, 0) is None


def test_exp_is_math_exp():
    mpmath.mp.dps = 50
    for x in [-1000.0, -745.0, -36.7, -1.0, 0.0, 1e-9, 2.5, 709.0]:
        assert plotcheck.exp(x) == math.exp(x)
        assert plotcheck.is_close(plotcheck.exp(x), float(mpmath.exp(x)), 2**-52, 0.0), x


def test_first_difference_skips_expected_values_given_as_none():
    assert plotcheck.first_difference([1.0, 5.0, 3.0], [1.0, None, 3.0]) is None
    assert plotcheck.first_difference([1.0, 5.0, 4.0], [1.0, None, 3.0]) == 2


def test_polyline_joins_its_points_with_straight_lines():
    v_shape = plotcheck.polyline([(-4.0, 2.0), (0.0, 0.0), (4.0, 4.0)])
    assert [v_shape(x) for x in (-4.0, -1.0, 0.0, 1.0, 4.0)] == [2.0, 0.5, 0.0, 1.0, 4.0]
    assert v_shape(-5.0) == 2.5 and v_shape(5.0) == 5.0  # the end pieces, extended
    small = plotcheck.polyline([(-1.0, -0.01), (0.0, 0.0), (0.1, 0.1)])
    for x in np.linspace(-1.0, 0.1, 201).tolist():
        assert plotcheck.is_close(small(x), x if x >= 0 else 0.01 * x), x
    with pytest.raises(ValueError, match="increasing x"):
        plotcheck.polyline([(0.0, 0.0), (0.0, 1.0)])


def test_check_values_messages():
    with pytest.raises(AssertionError, match="should have 3 values; yours has 2"):
        plotcheck.check_values([1.0, 2.0], [1.0, 2.0, 3.0], "Y")
    with pytest.raises(AssertionError, match=r"at x = 7\): expected 3.0, yours is nan"):
        plotcheck.check_values([1.0, math.nan], [1.0, 3.0], "Y", inputs=[6.0, 7.0])
    with pytest.raises(AssertionError, match="Y should be numbers"):
        plotcheck.check_values("abc", [1.0], "Y")


# --- Running student code quietly -----------------------------------------------------------


def noisy(x):
    print("debug", x)
    print("to stderr", file=sys.stderr)
    return np.exp(np.array([x]))


def test_call_quietly_captures_everything(capsys):
    outcome = plotcheck.call_quietly(noisy, 1000.0)
    assert [str(w.message) for w in outcome.warnings] == ["overflow encountered in exp"]
    assert outcome.stdout == "debug 1000.0\n"
    assert outcome.stderr == "to stderr\n"
    assert not outcome.ok and outcome.problem().startswith("gave a RuntimeWarning: overflow")
    failing = plotcheck.call_quietly(math.sqrt, -1.0)
    assert isinstance(failing.error, ValueError)
    assert failing.problem() == "raised ValueError: math domain error"
    assert capsys.readouterr() == ("", "")


def test_warnings_silenced_by_the_student_come_back():
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.filterwarnings("ignore")
        outcome = plotcheck.call_quietly(np.exp, np.array([1000.0]))
    assert len(outcome.warnings) == 1


def test_underflow_stays_silent():
    outcome = plotcheck.call_quietly(np.exp, np.array([-1000.0]))
    assert outcome.ok and outcome.value.tolist() == [0.0]


def test_result_of_turns_trouble_into_plain_assertions():
    assert plotcheck.result_of(np.exp, 0.0, "exp(0)") == 1.0
    assert plotcheck.result_of(np.exp, 1000.0, "exp(1000)") == math.inf  # warnings allowed
    with pytest.raises(AssertionError, match=r"exp\(1000\) gave a RuntimeWarning.* hint"):
        plotcheck.result_of(np.exp, 1000.0, "exp(1000)", quiet=True, hint=" hint")
    with pytest.raises(AssertionError, match=r"sqrt\(-1\) raised ValueError.* try cmath"):
        plotcheck.result_of(math.sqrt, -1.0, "sqrt(-1)", error_hint=" try cmath")


# --- Reloading plotcheck, as every test cell does first ------------------------------------


@pytest.fixture
def reloadable(tmp_path, monkeypatch):
    """A copy of plotcheck imported from a folder on sys.path, so that importlib.reload finds it."""
    name = "plotcheck_reloaded_in_tests"
    (tmp_path / f"{name}.py").write_bytes(Path(plotcheck.__file__).read_bytes())
    monkeypatch.syspath_prepend(str(tmp_path))
    yield importlib.import_module(name)
    for module in (name, f"{name}:kept"):
        sys.modules.pop(module, None)


def nothing(*args, **kwargs):
    """What a student puts in place of a check: it never fails."""


def test_a_reload_undoes_what_student_code_assigned_to_plotcheck(reloadable, monkeypatch):
    real_exp = math.exp
    for name in ["check_values", "check_line_plotted", "check_labelled", "first_difference"]:
        setattr(reloadable, name, nothing)
    reloadable.result_of = lambda function, argument, *args, **kwargs: function(argument)
    reloadable.is_close = lambda *args, **kwargs: True
    reloadable.exp = reloadable._exp = reloadable._isfinite = lambda x: 0.0
    # and what it replaced elsewhere after the first import, where a reload would look again
    monkeypatch.setattr(math, "exp", lambda x: 0.0)
    monkeypatch.setattr(math, "isfinite", lambda x: True)
    monkeypatch.setattr(np, "errstate", lambda **kwargs: contextlib.nullcontext())

    fresh = importlib.reload(reloadable)

    assert fresh is reloadable
    assert not fresh.is_close(1.0, 2.0) and not fresh.is_close(math.nan, 1.0)
    assert fresh.exp(1.0) == real_exp(1.0)
    with pytest.raises(AssertionError, match="wrong at position 0: expected 2.0, yours is 1.0"):
        fresh.check_values([1.0], [2.0], "y")
    with pytest.raises(AssertionError, match="No figure was found"):
        fresh.check_line_plotted([], [0.0], [0.0], "y = x")
    with pytest.raises(AssertionError, match=r"1 / x raised ZeroDivisionError"):
        fresh.result_of(lambda x: 1 / x, 0.0, "1 / x")
    settings = np.seterr(all="ignore")  # the student silenced numpy too
    try:
        outcome = fresh.call_quietly(np.exp, np.array([1000.0]))
    finally:
        np.seterr(**settings)
    assert outcome.problem() == "gave a RuntimeWarning: overflow encountered in exp"


def test_remembered_figures_and_the_figure_hook_outlive_a_reload(reloadable):
    hook = "plotcheck_reloaded_in_tests:_remember"
    with matplotlib.rc_context():
        reloadable.remember_figures()
        draw_in_a_function()
        reloadable._remembered = []  # student code assigns; the reload takes the kept list back
        fresh = importlib.reload(reloadable)
        plt.figure()
        plt.plot([0.0, 1.0], [1.0, 0.0], label="after the reload")
        plt.close("all")
        figures = fresh.candidate_figures(namespace={})
        assert [fresh.describe_line(figure.axes[0].lines[0]) for figure in figures] == [
            "line 'square' with 3 points, x from 0 to 2",
            "line 'after the reload' with 2 points, x from 0 to 1",
        ]
        assert matplotlib.rcParams["figure.hooks"].count(hook) == 1
        fresh.remember_figures()  # again after a reload: one hook, and it starts afresh
        assert matplotlib.rcParams["figure.hooks"].count(hook) == 1
        assert fresh.remembered_figures() == []


# --- In a real kernel with the inline backend -------------------------------------------------

KERNEL_CELLS = [
    "%matplotlib inline\nimport matplotlib.pyplot as plt\nimport plotcheck\n"
    "plotcheck.remember_figures()",
    "def draw():\n    plt.plot([0, 1], [0, 1], label='closed by show')\n    plt.show()\ndraw()",
    "plt.plot([0, 1, 2], [0, 1, 2], label='closed at the end of the cell')",
    "plt.style.use('default')  # drops the figure hook from rcParams",
    "plt.plot([0, 1, 2, 3], [0, 1, 2, 3], label='after a reset in an earlier cell')\nplt.show()",
    "plt.rcdefaults()\nplt.plot([0, 1, 2, 3, 4], [0, 1, 2, 3, 4], label='reset in the same cell')",
    "import matplotlib\n"
    "print(matplotlib.pyplot.get_fignums(), matplotlib.rcParams['figure.hooks'])\n"
    "print(plotcheck.describe_figures(plotcheck.candidate_figures()))",
]


def test_figures_closed_by_the_inline_backend_are_found_in_a_later_cell(tmp_path):
    plotcheck_file = Path(plotcheck.__file__)
    (tmp_path / "plotcheck.py").write_bytes(plotcheck_file.read_bytes())
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in KERNEL_CELLS])
    client = NotebookClient(
        notebook, timeout=60, kernel_name="python3", resources={"metadata": {"path": tmp_path}}
    )
    client.execute()
    printed = "".join(o.get("text", "") for o in notebook.cells[-1].outputs)
    assert printed.splitlines() == [
        "[] ['plotcheck:_remember']",
        "figure 1 has line 'closed by show' with 2 points, x from 0 to 1. "
        "figure 2 has line 'closed at the end of the cell' with 3 points, x from 0 to 2. "
        "figure 3 has line 'after a reset in an earlier cell' with 4 points, x from 0 to 3. "
        "figure 4 has line 'reset in the same cell' with 5 points, x from 0 to 4",
    ]
    for cell in notebook.cells:
        assert not [o for o in cell.outputs if o.get("name") == "stderr"]


RELOAD_CELLS = [
    "%matplotlib inline\nimport importlib\nimport math\n\nimport matplotlib.pyplot as plt\n\n"
    "import plotcheck\n\nplotcheck.remember_figures()",
    "plt.plot([0, 1], [0, 1], label='before the reloads')\nplt.show()",
    # what a student can type in an answer cell
    "real_exp = math.exp\n"
    "plotcheck.check_values = lambda *args, **kwargs: None\n"
    "plotcheck.is_close = lambda *args, **kwargs: True\n"
    "plotcheck.exp = plotcheck._exp = math.exp = lambda x: 0.0\n"
    "plotcheck._remembered = []",
    # a test cell: the reload, then what it finds
    "plotcheck = importlib.reload(plotcheck)\n"
    "math.exp = real_exp\n"
    "try:\n"
    "    plotcheck.check_values([1.0], [2.0], 'y')\n"
    "except AssertionError as error:\n"
    "    print(error)\n"
    "print(plotcheck.is_close(1.0, 2.0), plotcheck.exp(1.0))\n"
    "plt.plot([0, 1, 2], [0, 1, 2], label='between the reloads')",
    "plotcheck = importlib.reload(plotcheck)\n"
    "print(plotcheck.describe_figures(plotcheck.candidate_figures()))\n"
    "events = get_ipython().events.callbacks\n"
    "ours = lambda: [f.__name__ for f in events['pre_run_cell'] + events['post_execute']\n"
    "                if getattr(f, '__module__', '') == 'plotcheck']\n"
    "print(ours())\n"
    "plotcheck.remember_figures()\n"
    "print(ours(), plt.rcParams['figure.hooks'])",
]


def test_a_reload_in_a_kernel_undoes_rebound_helpers_and_keeps_the_figures(tmp_path):
    """What the reload in every test cell does, between cells of a real kernel."""
    (tmp_path / "plotcheck.py").write_bytes(Path(plotcheck.__file__).read_bytes())
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in RELOAD_CELLS])
    client = NotebookClient(
        notebook, timeout=60, kernel_name="python3", resources={"metadata": {"path": tmp_path}}
    )
    client.execute()
    printed = [
        "".join(o.get("text", "") for o in notebook.cells[index].outputs).splitlines()
        for index in (3, 4)
    ]
    assert printed == [
        ["y is wrong at position 0: expected 2.0, yours is 1.0", "False 2.718281828459045"],
        [
            "figure 1 has line 'before the reloads' with 2 points, x from 0 to 1. "
            "figure 2 has line 'between the reloads' with 3 points, x from 0 to 2",
            "['_install_hook', '_remember_open_figures']",
            "['_install_hook', '_remember_open_figures'] ['plotcheck:_remember']",
        ],
    ]
    for cell in notebook.cells:
        assert not [o for o in cell.outputs if o.get("name") == "stderr"]
