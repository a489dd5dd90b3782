"""coursecheck.grids: a figure holding a grid of subplots, one curve per panel.

Also leaky_relu_homework.draw_grid, which draws a student's grid for the grid checks:
once per grading run when nbgrader runs the notebook (NBGRADER_EXECUTION is set),
afresh for every test otherwise.
"""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.figure import Figure

from coursecheck import grids
from coursecheck import leaky_relu_homework as homework
from tests.coursecheck import failure

ROWS = homework.DATA_HW2


def leaky(alpha):
    """The Leaky ReLU of one float (the tests' own)."""
    return lambda x: x if x >= 0 else alpha * x


CURVES = [
    (leaky(row["alpha"]), row["x_min"], row["x_max"], f"curve {i}", f"曲線 {i}")
    for i, row in enumerate(ROWS)
]


def draw_rows(axes, rows=ROWS, points=201):
    """Panel i draws rows[i]'s Leaky ReLU with `points` points and shows alpha in its title."""
    for ax, row in zip(axes, rows, strict=True):
        xs = np.linspace(row["x_min"], row["x_max"], points)
        ax.plot(xs, [leaky(row["alpha"])(x) for x in xs.tolist()])
        ax.set_title(f"alpha = {row['alpha']}")


@pytest.fixture
def figure():
    """A 3x3 grid (Figure, its Axes row by row), closed after the test."""
    fig, axs = plt.subplots(3, 3)
    yield fig, list(axs.flat)
    plt.close("all")


# --- Panels and their order ---------------------------------------------------------------------


def test_panels_are_named_the_way_students_count():
    assert grids.panel_name(0, 3) == ("panel 1 (row 1, column 1)", "第 1 張子圖（第 1 列第 1 欄）")
    assert grids.panel_name(3, 3) == ("panel 4 (row 2, column 1)", "第 4 張子圖（第 2 列第 1 欄）")
    assert grids.panel_name(5, 2)[0] == "panel 6 (row 3, column 2)"


def test_panels_come_row_by_row_whatever_order_they_were_made_in():
    fig = Figure()
    made = [fig.add_subplot(2, 2, cell) for cell in (4, 2, 1, 3)]
    extra = fig.add_axes((0.1, 0.1, 0.2, 0.2))
    assert grids.subplot_cells(made[0]) == (2, 2, 3, 3)
    assert grids.subplot_cells(extra) is None
    assert grids.panels_in_order(fig) == [made[2], made[1], made[3], made[0], extra]


def test_a_right_grid_passes(figure):
    fig, axs = figure
    assert grids.check_grid(fig, 3, 3, "fig") == axs
    grids.check_one_figure(fig, [fig], "plot(params)")


def test_a_grid_made_with_plt_subplot_in_a_loop_passes():
    fig = plt.figure()
    axs = [plt.subplot(3, 3, i + 1) for i in range(9)]
    assert grids.check_grid(fig, 3, 3, "fig") == axs
    plt.close(fig)


def test_check_one_figure():
    one, other = Figure(), Figure()
    english, chinese = failure(grids.check_one_figure, one, [one, other], "plot(p)")
    assert english.startswith("plot(p) made 2 figures; all panels belong in ONE figure")
    assert chinese.startswith("plot(p) 畫了 2 張圖")
    english, _ = failure(grids.check_one_figure, None, [one], "plot(p)")
    assert english.startswith("plot(p) should be a matplotlib Figure; it is NoneType None")
    ax = one.add_subplot()
    english, _ = failure(grids.check_one_figure, ax, [], "fig")
    assert english.startswith("fig should be a matplotlib Figure; it is Axes")


def test_panels_drawn_over_several_figures_are_all_read():
    first, second = Figure(), Figure()
    a, b = first.add_subplot(1, 2, 2), first.add_subplot(1, 2, 1)
    c = second.add_subplot()
    assert grids.panels_drawn(second, [first]) == [b, a, c]
    assert grids.panels_drawn(first, [first]) == [b, a]
    assert grids.panels_drawn("not a figure", [second]) == [c]


def grid_with(build):
    """A Figure with nine Axes made by build(fig)."""
    fig = Figure()
    build(fig)
    return fig


def nine_add_axes(fig):
    for i in range(9):
        fig.add_axes((0.1 * i, 0.1, 0.05, 0.05))


def one_spanning(fig):
    spec = fig.add_gridspec(3, 3)
    fig.add_subplot(spec[0, 0:2])
    for cell in range(2, 10):
        fig.add_subplot(3, 3, cell)


def two_in_one_cell(fig):
    for cell in [1, 1, 2, 3, 4, 5, 6, 7, 8]:
        fig.add_subplot(3, 3, cell)


@pytest.mark.parametrize(
    "build, english",
    [
        (lambda fig: fig.subplots(2, 2), "fig should have 9 panels (Axes) in a 3x3 grid; it has 4"),
        (nine_add_axes, "a panel of fig was not made as a subplot (fig.add_axes?)"),
        (lambda fig: fig.subplots(1, 9), "a panel of fig belongs to a 1x9 grid; expected a 3x3"),
        (one_spanning, "a panel of fig spans several cells of the 3x3 grid"),
        (two_in_one_cell, "fig draws more than one Axes in grid cell(s) [1]"),
    ],
    ids=["four panels", "add_axes", "one row", "spanning", "twice in a cell"],
)
def test_check_grid_says_what_is_wrong(build, english):
    assert failure(grids.check_grid, grid_with(build), 3, 3, "fig")[0].startswith(english)


def test_panels_moved_with_set_position_are_caught(figure):
    fig, axs = figure
    box = axs[1].get_position()
    axs[1].set_position((0.0, box.y0, box.width, box.height))  # panel 2 left of panel 1
    english, chinese = failure(grids.check_grid, fig, 3, 3, "fig")
    assert english == (
        "in fig, panel 2 (row 1, column 2) is not right of panel 1 (row 1, column 1) "
        "(was a panel moved with set_position?)"
    )
    assert chinese.startswith("在 fig 中，第 2 張子圖（第 1 列第 2 欄）不在第 1 張子圖")
    axs[1].set_position(box)
    axs[4].set_position((axs[4].get_position().x0, 0.95, 0.1, 0.02))  # panel 5 above panel 2
    english, _ = failure(grids.check_grid, fig, 3, 3, "fig")
    assert english.startswith("in fig, panel 5 (row 2, column 2) is not below panel 2")


# --- Curves and titles ---------------------------------------------------------------------------


def test_right_curves_and_titles_pass(figure):
    _, axs = figure
    draw_rows(axs)
    grids.check_panel_curves(axs, CURVES, 3, "In fig: ", "在 fig 中：")
    grids.check_panel_titles(axs, [row["alpha"] for row in ROWS], 3, "alpha", "", "")


def one_line(xs, ys):
    ax = Figure().add_subplot()
    ax.plot(xs, ys)
    return ax


def test_curve_problem_names_the_first_thing_wrong():
    xs = np.linspace(-1.0, 1.0, 51).tolist()
    right = [leaky(0.5)(x) for x in xs]
    assert grids.curve_problem(one_line(xs, right), leaky(0.5), -1.0, 1.0) is None
    assert grids.curve_problem(Figure().add_subplot(), leaky(0.5), -1.0, 1.0)[0].startswith(
        "it has no line"
    )
    assert grids.curve_problem(one_line(xs, [np.nan] + right[1:]), leaky(0.5), -1.0, 1.0) == (
        "its line holds NaN or infinite values",
        "它的曲線含有 NaN 或無限大的值",
    )
    short = np.linspace(-1.0, 0.9, 51).tolist()
    problem = grids.curve_problem(one_line(short, short), leaky(0.5), -1.0, 1.0)[0]
    assert problem.startswith("its line goes from x = -1 to 0.9; it should go from -1 to 1")
    few = [-1.0, 0.0, 1.0]
    assert grids.curve_problem(one_line(few, [-0.5, 0.0, 1.0]), leaky(0.5), -1.0, 1.0) == (
        "its line has only 3 points; use at least 50",
        "它的曲線只有 3 個點；至少要 50 個",
    )
    assert grids.curve_problem(one_line(xs, xs), leaky(0.5), -1.0, 1.0)[0] == (
        "at x = -1 its line has y = -1.0, expected -0.5"
    )


def test_of_several_lines_one_right_line_is_enough():
    xs = np.linspace(-1.0, 1.0, 51).tolist()
    ax = one_line(xs, [leaky(0.5)(x) for x in xs])
    ax.axhline(0.0)  # helper lines of two points do not matter
    ax.plot(xs + [2.0], xs + [2.0])  # neither does a longer wrong line...
    assert grids.curve_problem(ax, leaky(0.5), -1.0, 1.0) is None
    ax.lines[0].remove()  # ...but it is the one the message is about
    assert grids.curve_problem(ax, leaky(0.5), -1.0, 1.0)[0].startswith(
        "its line goes from x = -1 to 2"
    )


def test_check_panel_curves_names_the_first_wrong_panel(figure):
    _, axs = figure
    rows = [dict(row) for row in ROWS]
    rows[4] = {**rows[4], "alpha": 0.25}
    draw_rows(axs, rows)
    english, chinese = failure(grids.check_panel_curves, axs, CURVES, 3, "In fig: ", "在 fig 中：")
    assert english == (
        "In fig: 1 of 9 panels is wrong. panel 5 (row 2, column 2) should draw curve 4, but at "
        "x = -10 its line has y = -2.5, expected -2.0"
    )
    assert chinese.startswith(
        "在 fig 中：9 張子圖中有 1 張不對。第 5 張子圖（第 2 列第 2 欄）應該畫出曲線 4"
    )
    english, _ = failure(grids.check_panel_curves, axs[:8], CURVES, 3, "In fig: ", "")
    assert english == "In fig: expected 9 panels, found 8"


def test_panels_filled_column_by_column_get_the_row_by_row_hint(figure):
    _, axs = figure
    by_column = [axs[3 * (i % 3) + i // 3] for i in range(9)]
    draw_rows(by_column)
    english, chinese = failure(grids.check_panel_curves, axs, CURVES, 3, "", "")
    assert english.startswith("6 of 9 panels are wrong. panel 2 (row 1, column 2) should draw")
    assert english.endswith(
        ". It draws the curve meant for panel 4 (row 2, column 1): fill the panels row by row "
        "(panel i is plt.subplot(3, 3, i + 1), or axs.flat[i])"
    )
    assert "請一列一列地填子圖" in chinese


def test_the_hint_comes_only_when_wrong_panels_draw_other_panels_curves(figure):
    _, axs = figure
    draw_rows(axs[:1], ROWS[1:2])  # panel 1 draws row 2 (same x range, another alpha)
    draw_rows(axs[1:], ROWS[1:])
    english, _ = failure(grids.check_panel_curves, axs, CURVES, 3, "", "")
    assert english.startswith("1 of 9 panels is wrong. panel 1 (row 1, column 1)")
    assert "It draws the curve meant for panel 2 (row 1, column 2)" in english
    draw_rows(axs[:1], [{"alpha": 0.7, "x_min": -5.0, "x_max": 5.0}])
    axs[0].lines[0].remove()
    english, _ = failure(grids.check_panel_curves, axs, CURVES, 3, "", "")
    assert "row by row" not in english


def test_check_panel_titles(figure):
    _, axs = figure
    draw_rows(axs)
    alphas = [row["alpha"] for row in ROWS]
    axs[2].set_title("")
    axs[5].set_title("Leaky ReLU")
    english, chinese = failure(grids.check_panel_titles, axs, alphas, 3, "alpha", "In fig: ", "")
    assert english.startswith(
        "In fig: 2 of 9 panel titles do not show their alpha. panel 3 (row 1, column 3) "
        "should show alpha = 0.01 in its title, but it has no title"
    )
    assert "它沒有標題" in chinese
    axs[2].set_title("alpha = 0.01")
    english, _ = failure(grids.check_panel_titles, axs, alphas, 3, "alpha", "", "")
    assert english.startswith("1 of 9 panel titles does not show their alpha.")
    assert "but its title is 'Leaky ReLU'" in english
    english, _ = failure(grids.check_panel_titles, axs, alphas[:8], 3, "alpha", "", "")
    assert english == "expected 8 panels, found 9"


# --- How often a student's grid is drawn ---------------------------------------------------------


def counting_grid(drawings):
    """A student's plot_leaky_relu_grid, right, that counts how often it ran."""

    def plot_leaky_relu_grid(params):
        drawings.append(params)
        fig, axs = plt.subplots(3, 3)
        draw_rows(list(axs.flat), params)
        return fig

    return plot_leaky_relu_grid


@pytest.fixture
def fresh_drawings(monkeypatch, remembering):
    monkeypatch.setattr(homework, "_drawings", {})


def test_in_grading_the_grid_is_drawn_once_for_the_three_checks(monkeypatch, fresh_drawings):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    drawings = []
    plot_grid = counting_grid(drawings)
    homework.grid_layout(plot_grid)
    homework.grid_curves(plot_grid)
    homework.grid_titles(plot_grid, [dict(row) for row in ROWS])  # equal rows, another list
    assert len(drawings) == 1
    first = homework.draw_grid(plot_grid, ROWS)
    assert homework.draw_grid(plot_grid, ROWS) is first
    other = [{**row, "alpha": 0.5} for row in ROWS]  # other rows: another drawing
    homework.draw_grid(plot_grid, other)
    assert len(drawings) == 2
    homework.draw_grid(counting_grid(drawings), ROWS)  # redefined: the new code is judged
    assert len(drawings) == 3
    assert plt.get_fignums() == []  # the checks' drawings are closed


def test_outside_grading_every_check_draws_afresh(monkeypatch, fresh_drawings):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    drawings = []
    plot_grid = counting_grid(drawings)
    homework.grid_layout(plot_grid)
    homework.grid_curves(plot_grid)
    homework.grid_titles(plot_grid)
    assert len(drawings) == 3
    assert homework.draw_grid(plot_grid, ROWS) is not homework.draw_grid(plot_grid, ROWS)
    assert homework._drawings == {}
    assert plt.get_fignums() == []
