"""coursecheck.sigmoid_exercise: the named checks of the class exercise's test cells.

The instructor's answers are the solution cells of the source notebook; the wrong
answers are mistakes students make.
"""

import math
import re

import matplotlib.pyplot as plt
import mpmath
import nbformat
import numpy as np
import pytest

from coursecheck import sigmoid_exercise as check
from coursekit.course import REPO
from tests.coursecheck import failure, instructor_answers


@pytest.fixture(scope="module")
def answers():
    return instructor_answers("sigmoid_exercise", "answer_X", "answer_sigmoid", "answer_Y")


def sigmoid_of(x):
    """The tests' own sigmoid of one float, worked out with mpmath."""
    with mpmath.workdps(50):
        return float(1 / (1 + mpmath.exp(-mpmath.mpf(x))))


def naive_sigmoid(x):
    return 1 / (1 + np.exp(-x))


def math_sigmoid(x):
    return 1 / (1 + math.exp(-x))


def test_the_literal_values_are_the_sigmoid_rounded_to_float64():
    assert check.VISIBLE_VALUES == [sigmoid_of(x) for x in check.VISIBLE_POINTS]
    assert check.EXTREME_VALUES == [sigmoid_of(x) for x in check.EXTREME_POINTS]
    assert check.ENDS == {x: sigmoid_of(x) for x in (check.START, check.STOP)}
    assert [expected for *_, expected in check.VISIBLE_SHAPES] == [[0.5], [0.5] * 6]


def test_every_check_the_notebook_calls_exists():
    path = REPO / "source" / "sigmoid_exercise" / "sigmoid_exercise.ipynb"
    notebook = nbformat.read(path, as_version=4)
    called = set(re.findall(r"\bcheck\.(\w+)", "\n".join(c.source for c in notebook.cells)))
    assert called >= {"remember_figures", "x_values", "sigmoid_values", "sigmoid_plot", "exp"}
    assert [name for name in sorted(called) if not hasattr(check, name)] == []


def test_the_instructors_answers_pass(answers):
    check.x_values(answers["X"])
    check.sigmoid_values(answers["sigmoid"])
    check.sigmoid_stable(answers["sigmoid"])
    check.sigmoid_shapes(answers["sigmoid"])
    check.y_values(answers["X"], answers["Y"])
    check.y_values(answers["X"], answers["Y"], reference=sigmoid_of)


def test_the_instructors_plot_passes(remembering):
    instructor_answers("sigmoid_exercise", "answer_X", "answer_sigmoid", "answer_Y", "answer_plot")
    check.sigmoid_plot()
    check.sigmoid_plot(reference=sigmoid_of)


# --- Test 1: X ---------------------------------------------------------------------------------


def test_x_values_accepts_a_list_too():
    check.x_values(np.linspace(-5, 5, 100).tolist())


@pytest.mark.parametrize(
    "X, english, chinese",
    [
        (None, "X should be a numpy array of 100 numbers; yours is None", "X 應該是含 100 個數"),
        (np.array([]), "X should be a numpy array of 100 numbers", "你的是 array([]"),
        (
            np.linspace(-5, 5, 100).reshape(1, 100),
            "X should be one row of numbers, shape (100,); yours has shape (1, 100)",
            "你的形狀是 (1, 100)",
        ),
        (
            np.arange(-5, 5, 0.1),
            "yours has 100 points from -5 to 4.9 (np.arange leaves out the stop value — "
            "try np.linspace)",
            "np.arange 不包含終點",
        ),
        (
            np.linspace(-5, 5, 101),
            "yours has 101 points from -5 to 5 (np.linspace's third argument is the number of "
            "points, both ends counted)",
            "兩端點都算在內",
        ),
        (np.linspace(-5, 5, 50), "X should have 100 points from -5 to 5", "你的有 50 個點"),
        (np.linspace(0, 1, 100), "yours has 100 points from 0 to 1", "從 0 到 1"),
        (
            np.concatenate([np.linspace(-5, 0, 50), np.linspace(0.2, 5, 50)]),
            "X (evenly spaced) is wrong at position 1",
            "X (evenly spaced) 在第 1 個位置",
        ),
    ],
    ids=["None", "empty", "2-D", "arange", "101 points", "50 points", "0 to 1", "uneven"],
)
def test_x_values_says_what_is_wrong(X, english, chinese):
    found_english, found_chinese = failure(check.x_values, X)
    assert english in found_english and chinese in found_chinese


# --- Test 2: sigmoid ----------------------------------------------------------------------------


def test_sigmoid_values_on_an_array():
    check.sigmoid_values(naive_sigmoid)  # right where nothing overflows
    english, chinese = failure(check.sigmoid_values, math_sigmoid)
    assert english.startswith("sigmoid(np.array([-4.0, -1.0, 0.0, 0.5, 2.0])) raised TypeError")
    assert english.endswith(
        " — sigmoid must work on a whole numpy array, element by element "
        "(np.exp takes arrays; math.exp takes one number only)"
    )
    assert chinese.endswith("（np.exp 可以處理陣列；math.exp 只能處理一個數）")
    english, _ = failure(check.sigmoid_values, lambda x: 1 / (1 + np.exp(x)))
    assert english == (
        "sigmoid(np.array([-4.0, -1.0, 0.0, 0.5, 2.0])) is wrong at position 0 (at x = -4): "
        "expected 0.01798620996209156, yours is 0.9820137900379085"
    )


def test_sigmoid_values_with_the_hidden_tests_points(answers):
    points = [-30.0, -0.1, 0.1, 29.5]
    expected = [sigmoid_of(x) for x in points]
    check.sigmoid_values(answers["sigmoid"], points, expected, "sigmoid of 4 points")
    english, _ = failure(check.sigmoid_values, np.tanh, points, expected, "sigmoid of 4 points")
    assert english.startswith("sigmoid of 4 points is wrong at position 0 (at x = -30)")


def test_sigmoid_stable_fails_on_overflow_even_when_the_student_silenced_it(answers):
    for silenced in (False, True):
        settings = np.seterr(all="ignore" if silenced else "warn")
        try:
            english, chinese = failure(check.sigmoid_stable, naive_sigmoid)
        finally:
            np.seterr(**settings)
        assert english.startswith(
            "sigmoid(np.array([-1000.0, 1000.0, 10000.0])) gave a RuntimeWarning: overflow "
            "encountered in exp — e**1000 is far beyond the largest float"
        )
        assert "「為什麼要在意 ±1000？」" in chinese
    english, _ = failure(check.sigmoid_stable, lambda x: np.full(np.shape(x), 0.5))
    assert english.startswith("sigmoid(np.array([-1000.0, 1000.0, 10000.0])) is wrong at position")
    points, expected = [-745.5, 36.7, 1e300], [sigmoid_of(x) for x in (-745.5, 36.7, 1e300)]
    check.sigmoid_stable(answers["sigmoid"], points, expected, "sigmoid of 3 points")


def test_sigmoid_shapes(answers):
    english, chinese = failure(check.sigmoid_shapes, lambda x: naive_sigmoid(np.atleast_1d(x)))
    assert english == "sigmoid(0.0) should be one number; yours has shape (1,)"
    assert chinese == "sigmoid(0.0) 應該是一個數；你的形狀是 (1,)"
    english, _ = failure(check.sigmoid_shapes, lambda x: naive_sigmoid(x).T)
    assert english == (
        "sigmoid(np.zeros((2, 3))) should have shape (2, 3), like its input; yours has shape (3, 2)"
    )
    english, _ = failure(check.sigmoid_shapes, lambda x: x)
    assert english == "sigmoid(0.0) is wrong at position 0: expected 0.5, yours is 0.0"
    grid = np.array([[-2, 0], [3, -6]])  # integers in, as a hidden test gives
    cases = [(grid, "sigmoid of integers", [sigmoid_of(x) for x in grid.ravel().tolist()])]
    check.sigmoid_shapes(answers["sigmoid"], cases)
    english, _ = failure(check.sigmoid_shapes, np.tanh, cases)
    assert english.startswith("sigmoid of integers is wrong at position 0 (at x = -2)")


# --- Test 3: Y ----------------------------------------------------------------------------------


def test_y_values(answers):
    X = answers["X"]
    english, chinese = failure(check.y_values, "X", answers["Y"])
    assert (english, chinese) == ("X should be numbers: see test 1", "X 應該是數字：請看測試 1")
    english, _ = failure(check.y_values, X, None)
    assert english == "Y = sigmoid(X) should be numbers; yours is None"
    english, _ = failure(check.y_values, X, answers["Y"][:99])
    assert english == (
        "Y = sigmoid(X) should have one value for each of the 100 points of X; yours has 99"
    )
    english, _ = failure(check.y_values, X, np.tanh(X))
    assert english.startswith("Y = sigmoid(X) at x = -5.0 is wrong at position 0")
    check.y_values(np.linspace(-4, 4, 7), np.tanh(np.linspace(-4, 4, 7)))  # no end: no value
    middle_wrong = answers["Y"].copy()
    middle_wrong[50] += 1e-3
    check.y_values(X, middle_wrong)  # the visible test knows the ends only
    english, _ = failure(check.y_values, X, middle_wrong, reference=sigmoid_of)
    assert english.startswith("Y = sigmoid(X) is wrong at position 50 (at x = 0.05051)")


# --- Test 4: the plot ---------------------------------------------------------------------------


def draw(X, Y, labelled=True, **line):
    plt.figure()
    plt.plot(X, Y, **line)
    if labelled:
        plt.xlabel("x")
        plt.ylabel("sigmoid(x)")
        plt.title("The sigmoid")
        plt.legend()
    plt.close("all")  # as the inline backend does at the end of the cell


def test_sigmoid_plot(answers, remembering):
    X, Y = answers["X"], answers["Y"]
    english, chinese = failure(check.sigmoid_plot)
    assert english.startswith("No figure was found: draw sigmoid(X) against X in your answer")
    assert "以 X 為橫軸的 sigmoid(X) 曲線" in chinese
    draw(X, Y, label="sigmoid")
    check.sigmoid_plot()
    check.sigmoid_plot(reference=sigmoid_of)


def test_sigmoid_plot_says_what_is_wrong(answers, remembering):
    X, Y = answers["X"], answers["Y"]
    draw(X, np.tanh(X), label="tanh")
    english, _ = failure(check.sigmoid_plot)
    assert english.startswith(
        "line 'tanh' with 100 points, x from -5 to 5 has the right x values but is not "
        "sigmoid(X) against X: at x = -5 its y is"
    )
    check.remember_figures()
    plt.figure()
    plt.scatter(X, Y)
    plt.close("all")
    english, _ = failure(check.sigmoid_plot)
    assert "found: figure 1 has scattered points but no line" in english
    check.remember_figures()
    draw(X, Y, labelled=False)
    english, chinese = failure(check.sigmoid_plot)
    assert english.startswith("your sigmoid plot needs axis labels; the x and y labels are empty")
    assert chinese.startswith("你的 sigmoid 圖需要座標軸標籤")
    check.remember_figures()
    middle_wrong = Y.copy()
    middle_wrong[1] = 0.5
    draw(X, middle_wrong, label="sigmoid")
    check.sigmoid_plot()  # the visible test knows the ends only
    english, _ = failure(check.sigmoid_plot, reference=sigmoid_of)
    assert "at x = -4.899 its y is 0.5" in english
