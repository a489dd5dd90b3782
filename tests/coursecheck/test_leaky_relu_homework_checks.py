"""coursecheck.leaky_relu_homework: the named checks of the homework's test cells.

The instructor's answers are the solution cells of the source notebook; the wrong
answers are mistakes students make. How often a grid is drawn: test_grids.
"""

import csv
import re
import shutil

import matplotlib.pyplot as plt
import nbformat
import numpy as np
import pytest

from coursecheck import leaky_relu_homework as check
from coursekit.course import REPO
from tests.coursecheck import failure, instructor_answers

FOLDER = REPO / "source" / "leaky_relu_homework"
UNSEEN = [  # nine rows the visible tests never use, as a hidden test gives them
    {"alpha": a, "x_min": lo, "x_max": hi}
    for a, lo, hi in [
        (0.05, -6.5, 2.0),
        (-1.5, -3.0, 7.25),
        (0.0, -0.5, 0.5),
        (0.42, -12.0, -2.0),
        (1.0, 0.5, 9.0),
        (3.3, -1.0, 1.0),
        (0.007, -8.0, 8.0),
        (-0.2, -2.5, 2.5),
        (0.6, -4.0, 12.5),
    ]
]
UNSEEN_CURVES = [lambda x, a=row["alpha"]: x if x >= 0 else a * x for row in UNSEEN]
WHICH = ("nine other parameter rows", "另外九列參數")


@pytest.fixture(scope="module")
def answers():
    return instructor_answers(
        "leaky_relu_homework", "answer_leaky_relu", "answer_load_params", "answer_plot_grid"
    )


@pytest.fixture
def grading(monkeypatch, remembering):
    """As in nbgrader's Validate and autograde: the three grid checks share one drawing."""
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    monkeypatch.setattr(check, "_drawings", {})


@pytest.fixture
def in_the_homework_folder(tmp_path, monkeypatch):
    """The working folder holds data_Hw2.csv, as the notebook's folder does."""
    shutil.copyfile(FOLDER / "data_Hw2.csv", tmp_path / "data_Hw2.csv")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_the_rows_written_out_are_those_of_data_hw2_csv():
    with open(FOLDER / "data_Hw2.csv", newline="", encoding="utf-8") as file:
        rows = [{key: float(value) for key, value in row.items()} for row in csv.DictReader(file)]
    assert rows == check.DATA_HW2


def test_the_corners_are_those_of_each_rows_curve():
    for row, corners, curve in zip(
        check.DATA_HW2, check.CORNERS_HW2, check.HW2_CURVES, strict=True
    ):
        alpha, low, high = row["alpha"], row["x_min"], row["x_max"]
        assert corners == [(low, alpha * low), (0.0, 0.0), (high, high)], row
        for x in np.linspace(low, high, 201).tolist():
            assert abs(curve(x) - (x if x >= 0 else alpha * x)) <= 1e-12 * max(1.0, abs(x)), x


def test_every_check_the_notebook_calls_exists():
    notebook = nbformat.read(FOLDER / "leaky_relu_homework.ipynb", as_version=4)
    called = set(re.findall(r"\bcheck\.(\w+)", "\n".join(c.source for c in notebook.cells)))
    assert called >= {"remember_figures", "leaky_relu_values", "grid_layout", "homework_figure"}
    assert [name for name in sorted(called) if not hasattr(check, name)] == []


def test_the_instructors_answers_pass(answers, in_the_homework_folder, grading):
    check.leaky_relu_values(answers["leaky_relu"])
    check.load_params_rows(answers["load_params"])
    plot_grid = answers["plot_leaky_relu_grid"]
    for params, curves, which in [
        (check.DATA_HW2, check.HW2_CURVES, check.HW2),
        (UNSEEN, UNSEEN_CURVES, WHICH),
    ]:
        check.grid_layout(plot_grid, params, which)
        check.grid_curves(plot_grid, params, curves, which)
        check.grid_titles(plot_grid, params, which)
    fig = instructor_answers(
        "leaky_relu_homework",
        "answer_leaky_relu",
        "answer_load_params",
        "answer_plot_grid",
        "answer_fig",
    )["fig"]
    check.homework_figure(fig)


# --- Part 1: leaky_relu ---------------------------------------------------------------------


def test_leaky_relu_values_with_the_hidden_tests_cases(answers):
    cases = [
        (-5.0, 0.0, [0.0]),
        (np.array([-3.0, 3.0]), 2.0, [-6.0, 3.0]),
        (np.array([[-7], [7]]), 0.25, [-1.75, 7.0]),
    ]
    check.leaky_relu_values(answers["leaky_relu"], cases)
    english, chinese = failure(
        check.leaky_relu_values, lambda x, alpha: np.maximum(alpha * x, x), cases
    )
    assert english == (
        "leaky_relu(np.array([-3.0, 3.0]), 2.0) is wrong at position 0 (at x = -3): "
        "expected -6.0, yours is -3.0"
    )
    assert chinese.startswith(
        "leaky_relu(np.array([-3.0, 3.0]), 2.0) 在第 0 個位置（x = -3 處）不對"
    )


def test_leaky_relu_values_says_what_is_wrong():
    def for_numbers_only(x, alpha=0.01):
        return x if x >= 0 else alpha * x

    english, chinese = failure(check.leaky_relu_values, for_numbers_only)
    assert english.startswith(
        "leaky_relu(np.array([-4.0, -1.0, 0.0, 0.5, 6.0]), 0.1) raised ValueError"
    )
    assert english.endswith(
        ". It must work on numbers and on numpy arrays: np.where(x >= 0, x, alpha * x) does"
    )
    assert chinese.endswith(
        "。它必須能處理數字與 numpy 陣列：np.where(x >= 0, x, alpha * x) 可以做到"
    )

    def untouched(x, alpha=0.01):
        raise NotImplementedError()

    english, _ = failure(check.leaky_relu_values, untouched)
    assert english == "leaky_relu(3.0) raised NotImplementedError: "  # no hint for the stub

    english, _ = failure(
        check.leaky_relu_values, lambda x, alpha=0.1: np.where(x >= 0, x, alpha * x)
    )
    assert english == (
        "leaky_relu(-2.0) is wrong at position 0 (at x = -2): expected -0.02, yours is -0.2"
    )
    english, _ = failure(check.leaky_relu_values, lambda x, alpha=0.01: np.atleast_1d(x))
    assert english == "leaky_relu(3.0) should have shape (); yours has (1,)"

    def noisy(x, alpha=0.01):
        x = np.asarray(x, dtype=float)
        return np.where(x >= 0, x, alpha * x) + 0 * np.log(x)  # log of negatives: a warning

    english, _ = failure(check.leaky_relu_values, noisy)
    assert english.startswith("leaky_relu(-2.0) gave a RuntimeWarning: invalid value")


# --- Part 2: load_params --------------------------------------------------------------------


def test_load_params_rows_says_what_is_wrong(in_the_homework_folder):
    def as_strings(path):
        with open(path, newline="", encoding="utf-8") as file:
            return list(csv.DictReader(file))

    english, chinese = failure(check.load_params_rows, as_strings)
    assert english == (
        "load_params(\"data_Hw2.csv\"): row 1['alpha'] should be a float; it is str '0' "
        "(convert it with float(...))"
    )
    assert "（請用 float(...) 轉換）" in chinese
    english, _ = failure(check.load_params_rows, lambda path: open(path + ".missing"))
    assert english.startswith('load_params("data_Hw2.csv") raised FileNotFoundError')
    english, _ = failure(check.load_params_rows, lambda path: check.DATA_HW2[1:])
    assert english.endswith("should return 9 dicts, one per row; it returned 8")


def test_a_hidden_test_gives_load_params_another_file(answers):
    rows = [(row["alpha"], row["x_min"], row["x_max"]) for row in UNSEEN]
    what = "load_params on another CSV file"
    with check.csv_file("alpha,x_min,x_max", rows) as path:
        with open(path, encoding="utf-8") as file:
            assert file.readline() == "alpha,x_min,x_max\n"
        check.load_params_rows(answers["load_params"], path, UNSEEN, what)
        english, _ = failure(check.load_params_rows, lambda p: check.DATA_HW2, path, UNSEEN, what)
        assert (
            english == "load_params on another CSV file: row 1['alpha'] should be 0.05; it is 0.0"
        )
    assert not path_exists(path)  # the temporary file is gone


def path_exists(path):
    import os

    return os.path.exists(path)


# --- Part 3: the grid -------------------------------------------------------------------------


def test_grid_checks_say_what_is_wrong(answers, grading):
    leaky_relu = answers["leaky_relu"]

    def by_columns(params):
        fig, axs = plt.subplots(3, 3)
        for ax, row in zip(axs.T.flat, params, strict=True):
            x = np.linspace(row["x_min"], row["x_max"], 101)
            ax.plot(x, leaky_relu(x, row["alpha"]))
        return fig

    check.grid_layout(by_columns)
    english, chinese = failure(check.grid_curves, by_columns)
    assert english.startswith(
        "In plot_leaky_relu_grid(the rows of data_Hw2.csv): 6 of 9 panels are wrong. "
        "panel 2 (row 1, column 2) should draw leaky_relu with alpha = 0.01 for x from -5.0 to 5.0"
    )
    assert english.endswith(
        "fill the panels row by row (panel i is plt.subplot(3, 3, i + 1), or axs.flat[i])"
    )
    assert chinese.startswith(
        "在 plot_leaky_relu_grid（data_Hw2.csv 的各列） 中：9 張子圖中有 6 張不對。"
    )
    english, _ = failure(check.grid_titles, by_columns, UNSEEN, WHICH)
    assert english.startswith(
        "In plot_leaky_relu_grid(nine other parameter rows): 9 of 9 panel titles do not show "
        "their alpha. panel 1 (row 1, column 1) should show alpha = 0.05 in its title, but it "
        "has no title"
    )

    def one_figure_each(params):
        for row in params:
            plt.figure()
            x = np.linspace(row["x_min"], row["x_max"], 101)
            plt.plot(x, leaky_relu(x, row["alpha"]))
            plt.title(f"alpha = {row['alpha']}")
        return plt.gcf()

    english, _ = failure(check.grid_layout, one_figure_each)
    assert english.startswith("plot_leaky_relu_grid(the rows of data_Hw2.csv) made 9 figures")
    check.grid_curves(one_figure_each)  # curves and titles are read from all nine figures
    check.grid_titles(one_figure_each)

    def forgets_return(params):
        answers["plot_leaky_relu_grid"](params)

    english, _ = failure(check.grid_layout, forgets_return)
    assert english.startswith(
        "plot_leaky_relu_grid(the rows of data_Hw2.csv) should be a matplotlib Figure; "
        "it is NoneType None (a function should end with `return fig`"
    )
    check.grid_curves(forgets_return)  # the panels are read from the figure it made

    def raises(params):
        return params[9]

    english, chinese = failure(check.grid_layout, raises, UNSEEN, WHICH)
    assert english == (
        "plot_leaky_relu_grid(nine other parameter rows) raised IndexError: list index out of range"
    )
    assert (
        chinese
        == "plot_leaky_relu_grid（另外九列參數） 發生錯誤 IndexError: list index out of range"
    )
    assert plt.get_fignums() == []  # what the checks drew is closed


# --- Part 4: fig ------------------------------------------------------------------------------


def test_homework_figure_says_what_is_wrong(answers):
    english, chinese = failure(check.homework_figure, None)
    assert english.startswith("fig should be a matplotlib Figure; it is NoneType None")
    assert chinese.startswith("fig 應該是 matplotlib 的 Figure")
    fig = answers["plot_leaky_relu_grid"](UNSEEN)
    english, _ = failure(check.homework_figure, fig)
    assert english.startswith(
        "In fig: 9 of 9 panels are wrong. panel 1 (row 1, column 1) should draw"
    )
    fig, _ = plt.subplots(2, 2)
    english, _ = failure(check.homework_figure, fig)
    assert english == "fig should have 9 panels (Axes) in a 3x3 grid; it has 4"
    plt.close("all")
