"""The checks of the class exercise (課程練習): X, sigmoid, Y and the plot.

Each test cell of sigmoid_exercise calls one of these. Visible tests use the
literal values below (worked out to 50 digits with mpmath, rounded to float64);
hidden tests pass their own points, expected values or reference function.
Nothing here computes a sigmoid.
"""

import numpy as np

from coursecheck.calls import result_of
from coursecheck.failures import fail
from coursecheck.figures import check_labelled, check_line_plotted, latest_figures
from coursecheck.figures import remember_figures as remember_figures
from coursecheck.numbers import as_floats, check_values, evenly_spaced, is_close, shape_of
from coursecheck.numbers import exp as exp

START, STOP, COUNT = -5.0, 5.0, 100

# sigmoid at these points, worked out with mpmath and rounded to float64
VISIBLE_POINTS = [-4.0, -1.0, 0.0, 0.5, 2.0]
VISIBLE_VALUES = [
    0.01798620996209156,
    0.2689414213699951,
    0.5,
    0.6224593312018546,
    0.8807970779778824,
]
# sigmoid(-1000) is about 5e-435, below the smallest float64: it rounds to 0.0
EXTREME_POINTS = [-1000.0, 1000.0, 10000.0]
EXTREME_VALUES = [0.0, 1.0, 1.0]
ENDS = {-5.0: 0.0066928509242848554, 5.0: 0.9933071490757152}  # sigmoid(-5), sigmoid(5)

ARRAY_HINT = (
    " — sigmoid must work on a whole numpy array, element by element"
    " (np.exp takes arrays; math.exp takes one number only)",
    "——sigmoid 必須能對整個 numpy 陣列逐元素計算（np.exp 可以處理陣列；math.exp 只能處理一個數）",
)
OVERFLOW_HINT = (
    " — e**1000 is far beyond the largest float (about 1.8e308), so np.exp overflows."
    " Call exp only on numbers <= 0: see 'Why ±1000 matters' above.",
    "——e**1000 遠超過最大的浮點數（約 1.8e308），所以 np.exp 會溢位。"
    "只對 ≤ 0 的數呼叫 exp：請看上方「為什麼要在意 ±1000？」。",
)


def x_values(X):
    """Test 1: X is 100 evenly spaced points from -5 to 5, both ends included."""
    __tracebackhide__ = True
    values = as_floats(X)
    if not values:
        fail(
            f"X should be a numpy array of 100 numbers; yours is {X!r:.80}",
            f"X 應該是含 100 個數的 numpy 陣列；你的是 {X!r:.80}",
        )
    if shape_of(X) != (len(values),):
        fail(
            f"X should be one row of numbers, shape (100,); yours has shape {shape_of(X)}",
            f"X 應該是一列數字，形狀 (100,)；你的形狀是 {shape_of(X)}",
        )
    first, last = values[0], values[-1]
    starts_right, ends_right = is_close(first, START), is_close(last, STOP)
    hint = hint_zh = ""
    if starts_right and 4.0 < last < 5.0:
        hint = " (np.arange leaves out the stop value — try np.linspace)"
        hint_zh = "（np.arange 不包含終點——試試 np.linspace）"
    elif starts_right and ends_right:
        hint = " (np.linspace's third argument is the number of points, both ends counted)"
        hint_zh = "（np.linspace 的第三個參數是點的個數，兩端點都算在內）"
    if not (len(values) == COUNT and starts_right and ends_right):
        fail(
            "X should have 100 points from -5 to 5 with both ends included; "
            f"yours has {len(values)} points from {first:.4g} to {last:.4g}{hint}",
            f"X 應該有 100 個點、從 -5 到 5、包含兩端點；你的有 {len(values)} 個點，"
            f"從 {first:.4g} 到 {last:.4g}{hint_zh}",
        )
    check_values(values, evenly_spaced(START, STOP, COUNT), "X (evenly spaced)")


def sigmoid_values(sigmoid, points=VISIBLE_POINTS, expected=VISIBLE_VALUES, call=None):
    """Test 2a: sigmoid gives the right values on a numpy array, element by element."""
    __tracebackhide__ = True
    call = call or f"sigmoid(np.array({points!r}))"
    result = result_of(sigmoid, np.array(points), call, error_hint=ARRAY_HINT)
    check_values(result, expected, call, inputs=points)


def sigmoid_stable(sigmoid, points=EXTREME_POINTS, expected=EXTREME_VALUES, call=None):
    """Test 2b: no overflow, warning or NaN for huge inputs."""
    __tracebackhide__ = True
    call = call or f"sigmoid(np.array({points!r}))"
    result = result_of(sigmoid, np.array(points), call, quiet=True, hint=OVERFLOW_HINT)
    check_values(result, expected, call, inputs=points)


VISIBLE_SHAPES = [
    (0.0, "sigmoid(0.0)", [0.5]),
    (np.zeros((2, 3)), "sigmoid(np.zeros((2, 3)))", [0.5] * 6),
]


def sigmoid_shapes(sigmoid, cases=VISIBLE_SHAPES):
    """Test 2c: Python numbers and arrays of any shape in, floats of the same shape out.

    `cases` are (argument, how the call reads, expected values, element by element).
    """
    __tracebackhide__ = True
    for argument, call, expected in cases:
        result = result_of(sigmoid, argument, call)
        wanted, got = shape_of(argument), shape_of(result)
        if got != wanted and wanted == ():
            fail(
                f"{call} should be one number; yours has shape {got}",
                f"{call} 應該是一個數；你的形狀是 {got}",
            )
        if got != wanted:
            fail(
                f"{call} should have shape {wanted}, like its input; yours has shape {got}",
                f"{call} 的形狀應該和輸入一樣是 {wanted}；你的形狀是 {got}",
            )
        inputs = as_floats(argument) if wanted else None
        check_values(result, expected, call, inputs=inputs)


def y_values(X, Y, reference=None):
    """Test 3: Y holds sigmoid(X), one value for each point of X.

    Visible: the values at x = -5 and x = 5. With `reference` (a function of one
    float, from the hidden tests), every value.
    """
    __tracebackhide__ = True
    xs = as_floats(X)
    if xs is None:
        fail("X should be numbers: see test 1", "X 應該是數字：請看測試 1")
    ys = as_floats(Y)
    if ys is None:
        fail(
            f"Y = sigmoid(X) should be numbers; yours is {Y!r:.80}",
            f"Y = sigmoid(X) 應該是數字；你的是 {Y!r:.80}",
        )
    if len(ys) != len(xs):
        fail(
            f"Y = sigmoid(X) should have one value for each of the {len(xs)} points of X; "
            f"yours has {len(ys)}",
            f"Y = sigmoid(X) 應該對 X 的 {len(xs)} 個點各有一個值；你的有 {len(ys)} 個",
        )
    for x, y in zip(xs, ys, strict=True):
        if x in ENDS:
            check_values(y, [ENDS[x]], f"Y = sigmoid(X) at x = {x}")
    if reference is not None:
        check_values(ys, [reference(x) for x in xs], "Y = sigmoid(X)", inputs=xs)


def sigmoid_plot(reference=None):
    """Test 4: a line of sigmoid(X) against X, with axis labels, a title and a legend.

    Reads the figures of the last cell that drew any. Visible: the line's ends.
    With `reference` (from the hidden tests), every point of the line.
    """
    __tracebackhide__ = True
    x_grid = evenly_spaced(START, STOP, COUNT)
    if reference is None:  # None accepts any value: the hidden test checks the 98 between
        y_grid = [ENDS[START]] + [None] * (COUNT - 2) + [ENDS[STOP]]
    else:
        y_grid = [reference(x) for x in x_grid]
    what, what_zh = "sigmoid(X) against X", "以 X 為橫軸的 sigmoid(X) 曲線"
    ax, _ = check_line_plotted(latest_figures(), x_grid, y_grid, what, what_zh)
    check_labelled(ax, "your sigmoid plot", "你的 sigmoid 圖")
