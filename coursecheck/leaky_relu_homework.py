"""The checks of the homework (回家作業): leaky_relu, load_params and the 3x3 grid of plots.

Each test cell of leaky_relu_homework calls one of these. Visible tests use the
rows of data_Hw2.csv written out below and the corners of each row's curve,
worked out by hand; hidden tests pass parameters the student has never seen and
their own reference. Nothing here computes a Leaky ReLU or reads a CSV file.
"""

import contextlib
import os
import tempfile

from coursecheck import grids
from coursecheck.calls import call_quietly
from coursecheck.failures import fail
from coursecheck.figures import figures_made_by
from coursecheck.figures import remember_figures as remember_figures
from coursecheck.numbers import as_floats as as_floats  # also for the hidden tests' references
from coursecheck.numbers import check_records, check_values, polyline, shape_of

NROWS = NCOLS = 3

DATA_HW2 = [  # the nine rows of data_Hw2.csv
    {"alpha": 0.0, "x_min": -5.0, "x_max": 5.0},
    {"alpha": 0.01, "x_min": -5.0, "x_max": 5.0},
    {"alpha": 0.01, "x_min": -1.0, "x_max": 0.1},
    {"alpha": 0.1, "x_min": -10.0, "x_max": 10.0},
    {"alpha": 0.2, "x_min": -10.0, "x_max": 10.0},
    {"alpha": 0.3, "x_min": -10.0, "x_max": 10.0},
    {"alpha": 1.0, "x_min": -3.0, "x_max": 3.0},
    {"alpha": -0.5, "x_min": -4.0, "x_max": 4.0},
    {"alpha": 2.0, "x_min": -2.0, "x_max": 2.0},
]
# The curve of each row by its three corners, (x_min, alpha * x_min), (0, 0), (x_max, x_max),
# worked out by hand; polyline(corners) joins them with straight lines.
CORNERS_HW2 = [
    [(-5.0, 0.0), (0.0, 0.0), (5.0, 5.0)],
    [(-5.0, -0.05), (0.0, 0.0), (5.0, 5.0)],
    [(-1.0, -0.01), (0.0, 0.0), (0.1, 0.1)],
    [(-10.0, -1.0), (0.0, 0.0), (10.0, 10.0)],
    [(-10.0, -2.0), (0.0, 0.0), (10.0, 10.0)],
    [(-10.0, -3.0), (0.0, 0.0), (10.0, 10.0)],
    [(-3.0, -3.0), (0.0, 0.0), (3.0, 3.0)],
    [(-4.0, 2.0), (0.0, 0.0), (4.0, 4.0)],
    [(-2.0, -4.0), (0.0, 0.0), (2.0, 2.0)],
]
HW2_CURVES = [polyline(corners) for corners in CORNERS_HW2]
HW2 = "the rows of data_Hw2.csv", "data_Hw2.csv 的各列"


def _visible_leaky_cases():
    import numpy as np

    return [  # (x, alpha or None for the default, expected values)
        (3.0, None, [3.0]),
        (-2.0, None, [-0.02]),  # the default alpha is 0.01
        (-2.0, 0.2, [-0.4]),
        (np.array([-4.0, -1.0, 0.0, 0.5, 6.0]), 0.1, [-0.4, -0.1, 0.0, 0.5, 6.0]),
    ]


def leaky_relu_values(leaky_relu, cases=None):
    """Part 1: leaky_relu(x[, alpha]) is x for x >= 0 and alpha * x below 0, numbers and arrays.

    `cases` are (x, alpha or None for the default, expected values element by element).
    """
    __tracebackhide__ = True
    import numpy as np

    for x, alpha, expected in _visible_leaky_cases() if cases is None else cases:
        args = (x,) if alpha is None else (x, alpha)
        shown = f"np.array({x.tolist()})" if isinstance(x, np.ndarray) else repr(x)
        call = f"leaky_relu({shown}{'' if alpha is None else ', ' + repr(alpha)})"
        outcome = call_quietly(leaky_relu, *args)
        if not outcome.ok:
            hint = hint_zh = ""
            if not isinstance(outcome.error, NotImplementedError):
                hint = (
                    ". It must work on numbers and on numpy arrays:"
                    " np.where(x >= 0, x, alpha * x) does"
                )
                hint_zh = "。它必須能處理數字與 numpy 陣列：np.where(x >= 0, x, alpha * x) 可以做到"
            fail(f"{call} {outcome.problem()}{hint}", f"{call} {outcome.problem_zh()}{hint_zh}")
        got, wanted = shape_of(outcome.value), shape_of(x)
        if got != wanted:
            fail(
                f"{call} should have shape {wanted}; yours has {got}",
                f"{call} 的形狀應為 {wanted}；你的是 {got}",
            )
        check_values(outcome.value, expected, call, inputs=as_floats(x))


def load_params_rows(load_params, path="data_Hw2.csv", expected=DATA_HW2, what=None):
    """Part 2: load_params(path) reads alpha, x_min, x_max as floats, row by row."""
    __tracebackhide__ = True
    what = what or f"load_params({path!r})".replace("'", '"')
    outcome = call_quietly(load_params, path)
    if outcome.error is not None:
        fail(f"{what} {outcome.problem()}", f"{what} {outcome.problem_zh()}")
    check_records(outcome.value, expected, what)


@contextlib.contextmanager
def csv_file(header, rows):
    """A temporary CSV file of `header` and `rows`, for a test giving load_params another file.

    It writes a file; it does not read one.
    """
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "other_params.csv")
        lines = [header] + [",".join(str(value) for value in row) for row in rows]
        with open(path, "w", encoding="utf-8") as handle:
            handle.write("\n".join(lines) + "\n")
        yield path


def _params_key(params):
    try:
        return tuple(tuple(sorted(row.items())) for row in params)
    except (AttributeError, TypeError):
        return id(params)


_drawings = {}  # (function, params) -> (outcome, figures): a grid is drawn once per grading


def draw_grid(plot_grid, params):
    """(Outcome, figures made) of plot_grid(params).

    When nbgrader runs the whole notebook in one go (Validate, autograde: it sets
    NBGRADER_EXECUTION), the three grid tests share one drawing; in a student's own
    session every test draws afresh, so it always judges the current code.
    """
    if not os.environ.get("NBGRADER_EXECUTION"):
        return figures_made_by(plot_grid, params)
    key = (id(plot_grid), getattr(plot_grid, "__code__", None), _params_key(params))
    if key not in _drawings:
        _drawings[key] = (plot_grid, figures_made_by(plot_grid, params))
    return _drawings[key][1]


def _grid_drawn(plot_grid, params, which):
    """The panels of plot_grid(params), or fail if it raised; plus how the call reads."""
    __tracebackhide__ = True
    outcome, made = draw_grid(plot_grid, params)
    call = f"plot_leaky_relu_grid({which[0]})"
    call_zh = f"plot_leaky_relu_grid（{which[1]}）"
    if outcome.error is not None:
        fail(f"{call} {outcome.problem()}", f"{call_zh} {outcome.problem_zh()}")
    return outcome, made, call, call_zh


def grid_layout(plot_grid, params=DATA_HW2, which=HW2):
    """Part 3: one figure with a 3x3 grid of subplots, panels row by row."""
    __tracebackhide__ = True
    outcome, made, call, call_zh = _grid_drawn(plot_grid, params, which)
    grids.check_one_figure(outcome.value, made, call)
    grids.check_grid(outcome.value, NROWS, NCOLS, f"the figure of {call}")


def _curve_descriptions(params, curves):
    return [
        (
            expected,
            row["x_min"],
            row["x_max"],
            f"leaky_relu with alpha = {row['alpha']!r} for x from {row['x_min']!r} "
            f"to {row['x_max']!r}",
            f" alpha = {row['alpha']!r} 的 leaky_relu（x 從 {row['x_min']!r} 到 {row['x_max']!r}）",
        )
        for row, expected in zip(params, curves, strict=True)
    ]


def grid_curves(plot_grid, params=DATA_HW2, curves=HW2_CURVES, which=HW2):
    """Part 3: panel i draws leaky_relu with alpha, x_min, x_max of params[i].

    `curves[i]` is a function of one float: the y panel i should draw at x.
    """
    __tracebackhide__ = True
    outcome, made, call, call_zh = _grid_drawn(plot_grid, params, which)
    panels = grids.panels_drawn(outcome.value, made)
    described = _curve_descriptions(params, curves)
    grids.check_panel_curves(panels, described, NCOLS, f"In {call}: ", f"在 {call_zh} 中：")


def grid_titles(plot_grid, params=DATA_HW2, which=HW2):
    """Part 3: the title of panel i shows params[i]["alpha"]."""
    __tracebackhide__ = True
    outcome, made, call, call_zh = _grid_drawn(plot_grid, params, which)
    panels = grids.panels_drawn(outcome.value, made)
    alphas = [row["alpha"] for row in params]
    grids.check_panel_titles(panels, alphas, NCOLS, "alpha", f"In {call}: ", f"在 {call_zh} 中：")


def homework_figure(fig):
    """Part 4: fig is one 3x3 grid of the nine rows of data_Hw2.csv."""
    __tracebackhide__ = True
    grids.check_one_figure(fig, [], "fig")
    panels = grids.check_grid(fig, NROWS, NCOLS, "fig")
    described = _curve_descriptions(DATA_HW2, HW2_CURVES)
    grids.check_panel_curves(panels, described, NCOLS, "In fig: ", "在 fig 中：")
