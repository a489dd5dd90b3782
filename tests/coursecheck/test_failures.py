"""coursecheck.failures: every failure message is two lines, English then 繁體中文.

fail() itself, then every place in coursecheck that calls it: SCENARIOS hold one
mistake (or odd input) for each call of fail() in the package, each message is
checked, and a test checks that the scenarios reach every call of fail() found in
the source, so a message added in one language only is caught.
"""

import ast
import importlib
import math
import pkgutil
import sys
from pathlib import Path

import numpy as np
import pytest
from matplotlib.figure import Figure

import coursecheck
from coursecheck import calls, failures, figures, grids, numbers
from coursecheck import leaky_relu_homework as homework
from coursecheck import sigmoid_exercise as exercise
from tests.coursecheck import english_and_chinese

MODULES = [
    importlib.import_module(f"coursecheck.{module.name}")
    for module in pkgutil.iter_modules(coursecheck.__path__)
]


def test_fail_raises_an_assertion_error_of_two_lines():
    with pytest.raises(AssertionError) as raised:
        failures.fail("X should be 1", "X 應該是 1")
    assert str(raised.value) == "X should be 1\nX 應該是 1"
    assert english_and_chinese(raised.value) == ("X should be 1", "X 應該是 1")


def test_ipython_shows_the_message_first_and_the_failing_line():
    """In a notebook (and in Validate) the message comes first, not coursecheck's frames."""
    with pytest.raises(AssertionError) as raised:
        exercise.x_values(np.arange(-5, 5, 0.1))  # the line a test cell would hold
    error = raised.value
    assert type(error).__name__ == "AssertionError"
    shown = error._render_traceback_()
    assert shown[0].endswith(str(error)) and "AssertionError" in shown[0]
    assert shown[-1].endswith(
        "exercise.x_values(np.arange(-5, 5, 0.1))  # the line a test cell would hold"
    )
    assert not any("coursecheck" in line for line in shown)


def test_the_helper_rejects_messages_in_one_language():
    for message in ["only English", "English\nEnglish again", "英文\n中文", "a\n中文\nc"]:
        with pytest.raises(AssertionError):
            english_and_chinese(message)


# --- One scenario for each call of fail() ----------------------------------------------------

X = np.linspace(-5, 5, 100)
Y = 1 / (1 + np.exp(-X))
ROWS = [{"alpha": 0.5, "x_min": -1.0, "x_max": 1.0}]
ALPHAS = [row["alpha"] for row in homework.DATA_HW2]
CURVES = [(lambda x: x, -1.0, 1.0, "y = x", "y = x")] * 9


def ax_missing(what):
    """An Axes with a labelled line and everything check_labelled wants but `what`."""
    ax = Figure().add_subplot()
    ax.plot([0, 1], [0, 1], label="line")
    if what != "labels":
        ax.set_xlabel("x")
        ax.set_ylabel("y")
    if what != "title":
        ax.set_title("t")
    if what != "legend":
        ax.legend()
    return ax


def line_figure(xs, ys):
    figure = Figure()
    figure.add_subplot().plot(xs, ys)
    return figure


def grid_figure(build):
    figure = Figure()
    build(figure)
    return figure


def panels(count=9):
    return list(Figure().subplots(3, 3).flat)[:count]


def moved(index, x0=None, y0=None):
    """A 3x3 grid whose panel `index` was moved with set_position."""
    figure = Figure()
    axs = list(figure.subplots(3, 3).flat)
    box = axs[index].get_position()
    axs[index].set_position((box.x0 if x0 is None else x0, box.y0 if y0 is None else y0, 0.1, 0.1))
    return figure


def spanning(figure):
    figure.add_subplot(figure.add_gridspec(3, 3)[0, 0:2])
    for cell in range(2, 10):
        figure.add_subplot(3, 3, cell)


def stub(*args):
    raise NotImplementedError()


SCENARIOS = {  # id: (words of the English line, what fails)
    "values: not numbers": ("Y should be numbers", lambda: numbers.check_values("a", [1.0], "Y")),
    "values: count": ("should have 2 values", lambda: numbers.check_values([1.0], [1.0, 2.0], "Y")),
    "values: wrong": ("wrong at position 0", lambda: numbers.check_values([2.0], [1.0], "Y")),
    "records: not a list": ("should return a list", lambda: numbers.check_records(None, ROWS, "f")),
    "records: count": ("should return 1 dicts", lambda: numbers.check_records([], ROWS, "f")),
    "records: not a dict": ("should be a dict", lambda: numbers.check_records([1], ROWS, "f")),
    "records: keys": ("should have the keys", lambda: numbers.check_records([{}], ROWS, "f")),
    "records: not a float": (
        "should be a float",
        lambda: numbers.check_records([{**ROWS[0], "alpha": "0.5"}], ROWS, "f"),
    ),
    "records: wrong": (
        "should be 0.5; it is 0.25",
        lambda: numbers.check_records([{**ROWS[0], "alpha": 0.25}], ROWS, "f"),
    ),
    "result_of: error": ("raised ValueError", lambda: calls.result_of(math.sqrt, -1.0, "sqrt")),
    "result_of: warning": (
        "gave a RuntimeWarning",
        lambda: calls.result_of(np.exp, 1000.0, "exp", quiet=True),
    ),
    "defined": ("is not defined", lambda: calls.defined("no_such_variable", "define it", "定義")),
    "line: no figure": (
        "No figure was found",
        lambda: figures.check_line_plotted([], X, Y, "s", "s"),
    ),
    "line: other y": (
        "has the right x values but is not s",
        lambda: figures.check_line_plotted([line_figure(X, X)], X, Y, "s", "s"),
    ),
    "line: none": (
        "No line in your last drawn figure is s",
        lambda: figures.check_line_plotted([line_figure(Y, X)], X, Y, "s", "s"),
    ),
    "labelled: labels": (
        "needs axis labels",
        lambda: figures.check_labelled(ax_missing("labels"), "p", "圖"),
    ),
    "labelled: title": (
        "needs a title",
        lambda: figures.check_labelled(ax_missing("title"), "p", "圖"),
    ),
    "labelled: legend": (
        "needs a legend",
        lambda: figures.check_labelled(ax_missing("legend"), "p", "圖"),
    ),
    "one figure: several": (
        "made 2 figures",
        lambda: grids.check_one_figure(Figure(), [Figure(), Figure()], "f"),
    ),
    "one figure: not a figure": (
        "should be a matplotlib Figure",
        lambda: grids.check_one_figure(1, [], "f"),
    ),
    "grid: count": (
        "should have 9 panels",
        lambda: grids.check_grid(grid_figure(lambda f: f.subplots(2, 2)), 3, 3, "fig"),
    ),
    "grid: add_axes": (
        "was not made as a subplot",
        lambda: grids.check_grid(
            grid_figure(lambda f: [f.add_axes((0.1 * i, 0, 0.1, 0.1)) for i in range(9)]),
            3,
            3,
            "fig",
        ),
    ),
    "grid: geometry": (
        "belongs to a 1x9 grid",
        lambda: grids.check_grid(grid_figure(lambda f: f.subplots(1, 9)), 3, 3, "fig"),
    ),
    "grid: spanning": (
        "spans several cells",
        lambda: grids.check_grid(grid_figure(spanning), 3, 3, "fig"),
    ),
    "grid: twice in a cell": (
        "more than one Axes in grid cell(s) [1]",
        lambda: grids.check_grid(
            grid_figure(lambda f: [f.add_subplot(3, 3, c) for c in [1, 1, 2, 3, 4, 5, 6, 7, 8]]),
            3,
            3,
            "fig",
        ),
    ),
    "order: not right": (
        "is not right of",
        lambda: grids.check_grid(moved(1, x0=0.0), 3, 3, "fig"),
    ),
    "order: not below": ("is not below", lambda: grids.check_grid(moved(4, y0=0.95), 3, 3, "fig")),
    "curves: count": (
        "expected 9 panels, found 8",
        lambda: grids.check_panel_curves(panels(8), CURVES, 3, "", ""),
    ),
    "curves: wrong": (
        "9 of 9 panels are wrong",
        lambda: grids.check_panel_curves(panels(), CURVES, 3, "", ""),
    ),
    "titles: count": (
        "expected 9 panels, found 8",
        lambda: grids.check_panel_titles(panels(8), ALPHAS, 3, "alpha", "", ""),
    ),
    "titles: wrong": (
        "9 of 9 panel titles do not show their alpha",
        lambda: grids.check_panel_titles(panels(), ALPHAS, 3, "alpha", "", ""),
    ),
    "leaky_relu: raises": (
        "leaky_relu(3.0) raised NotImplementedError",
        lambda: homework.leaky_relu_values(stub),
    ),
    "leaky_relu: shape": (
        "should have shape ()",
        lambda: homework.leaky_relu_values(lambda x, alpha=0.01: np.atleast_1d(x)),
    ),
    "load_params: raises": ("raised NotImplementedError", lambda: homework.load_params_rows(stub)),
    "grid: raises": ("raised NotImplementedError", lambda: homework.grid_layout(stub)),
    "X: not numbers": ("X should be a numpy array of 100 numbers", lambda: exercise.x_values(None)),
    "X: shape": ("X should be one row of numbers", lambda: exercise.x_values(X.reshape(2, 50))),
    "X: points": (
        "np.arange leaves out the stop value",
        lambda: exercise.x_values(np.arange(-5, 5, 0.1)),
    ),
    "Y: X not numbers": ("X should be numbers: see test 1", lambda: exercise.y_values(None, Y)),
    "Y: not numbers": ("Y = sigmoid(X) should be numbers", lambda: exercise.y_values(X, "Y")),
    "Y: count": ("one value for each of the 100 points", lambda: exercise.y_values(X, Y[:5])),
    "shapes: one number": (
        "sigmoid(0.0) should be one number",
        lambda: exercise.sigmoid_shapes(lambda x: np.atleast_1d(0.5)),
    ),
    "shapes: shape": (
        "should have shape (2, 3), like its input",
        lambda: exercise.sigmoid_shapes(lambda x: np.full(np.shape(x), 0.5).T),
    ),
}


@pytest.mark.parametrize("name", SCENARIOS)
def test_every_failure_is_english_then_chinese(name):
    words, failing = SCENARIOS[name]
    with pytest.raises(AssertionError) as raised:
        failing()
    english, _ = english_and_chinese(raised.value)
    assert words in english


def fail_calls():
    """(module, line) of every call of fail() in the source of coursecheck."""
    found = set()
    for module in MODULES:
        tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                function = node.func
                name = (
                    function.id if isinstance(function, ast.Name) else getattr(function, "attr", "")
                )
                if name == "fail":
                    found.add((module.__name__, node.lineno))
    return found


def test_the_scenarios_reach_every_call_of_fail(monkeypatch):
    reached = set()
    fail = failures.fail

    def recording_fail(english, chinese):
        caller = sys._getframe(1)
        reached.add((caller.f_globals["__name__"], caller.f_lineno))
        fail(english, chinese)

    patched = [
        module
        for module in MODULES
        if getattr(module, "fail", None) is fail and module is not failures
    ]
    assert {module.__name__ for module in patched} >= {"coursecheck.numbers", "coursecheck.grids"}
    for module in patched:
        monkeypatch.setattr(module, "fail", recording_fail)
    for _, failing in SCENARIOS.values():
        with pytest.raises(AssertionError):
            failing()
    calls_of_fail = fail_calls()
    assert len(calls_of_fail) > 40
    assert sorted(calls_of_fail - reached) == [], "calls of fail() that no scenario reaches"
