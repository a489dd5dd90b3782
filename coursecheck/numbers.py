"""Comparing numbers in plain Python: floats, lists of floats, rows of a table.

Comparisons never call numpy or a student's object: values are turned into
Python floats first (`as_floats`), then compared with plain arithmetic, so a
student who rebinds np.allclose, math.isclose or np.testing changes nothing here.
"""

import itertools
import math
import re

from coursecheck.failures import fail

REL_TOL = 1e-9  # relative tolerance: a few hundred float64 roundings
ABS_TOL = 1e-12  # absolute tolerance for values that should be (nearly) zero

# math.exp and math.isfinite as they were when the checks were imported, which in
# grading is before any student code ran.
_exp = math.exp
_isfinite = math.isfinite


def exp(x):
    """e**x of one float: for the references that hidden tests write."""
    return _exp(x)


def isfinite(x):
    return _isfinite(x)


def short(value):
    """A number written briefly for messages: 4.9, 0.006693, 1e-05."""
    return f"{value:.4g}" if isinstance(value, float) else repr(value)


def shape_of(value):
    """The shape of an array, nested list or number: (2, 3), (100,) or () for one number."""
    shape = getattr(value, "shape", None)
    if isinstance(shape, tuple):
        return shape
    if isinstance(value, (list, tuple)):
        return (len(value),) + (shape_of(value[0]) if value else ())
    return ()


def as_floats(values):
    """A flat list of Python floats from a number, list or array; None if not all numbers."""
    if hasattr(values, "tolist"):
        values = values.tolist()
    if not isinstance(values, (list, tuple)):
        values = [values]
    flat = []
    for value in values:
        if isinstance(value, (list, tuple)):
            inner = as_floats(value)
            if inner is None:
                return None
            flat.extend(inner)
            continue
        if isinstance(value, (str, bytes)) or value is None:
            return None
        try:
            flat.append(float(value))
        except (TypeError, ValueError):
            return None
    return flat


def is_close(actual, expected, rel_tol=REL_TOL, abs_tol=ABS_TOL):
    """True when two floats agree within rel_tol (relative) or abs_tol (absolute).

    NaN is never close to anything; infinities are close only to themselves.
    """
    if actual == expected:
        return True
    if not (_isfinite(actual) and _isfinite(expected)):
        return False
    difference = actual - expected
    if difference < 0:
        difference = -difference
    size = expected if expected >= 0 else -expected
    return difference <= abs_tol or difference <= rel_tol * size


def first_difference(actual, expected, rel_tol=REL_TOL, abs_tol=ABS_TOL):
    """Index of the first pair that is not close, or None when all agree (lengths must match).

    None in `expected` accepts any value there: a visible test that knows only some
    of the expected values (the hidden tests check the rest).
    """
    if len(actual) != len(expected):
        raise ValueError("first_difference needs sequences of the same length")
    for index in range(len(expected)):
        if expected[index] is None:
            continue
        if not is_close(actual[index], expected[index], rel_tol, abs_tol):
            return index
    return None


def evenly_spaced(start, stop, count):
    """`count` evenly spaced floats from start to stop, both included (like np.linspace)."""
    step = (stop - start) / (count - 1)
    points = [start + index * step for index in range(count)]
    points[-1] = float(stop)
    return points


def polyline(points):
    """The function whose graph joins the (x, y) `points` (sorted by x) with straight lines.

    Lets a visible test describe a piecewise-linear curve by its corners, written out
    as numbers. Beyond the first or last point the end pieces are extended.
    """
    points = [(float(x), float(y)) for x, y in points]
    if len(points) < 2 or any(a[0] >= b[0] for a, b in itertools.pairwise(points)):
        raise ValueError("polyline needs two or more points with increasing x")

    def value_at(x):
        piece = 0
        while piece < len(points) - 2 and x > points[piece + 1][0]:
            piece += 1
        (x0, y0), (x1, y1) = points[piece], points[piece + 1]
        slope = (y1 - y0) / (x1 - x0)
        if x - x0 <= x1 - x:  # measure from the nearer corner: exact at the corners
            return y0 + (x - x0) * slope
        return y1 - (x1 - x) * slope

    return value_at


def check_values(actual, expected, what, rel_tol=REL_TOL, abs_tol=ABS_TOL, inputs=None):
    """Assert that `actual` (number, list or array) holds the floats `expected`, in order.

    `what` names the result in messages, e.g. "sigmoid(points)"; `inputs`, when
    given, are the x values behind `expected` so a message can say where it went wrong.
    """
    __tracebackhide__ = True
    values = as_floats(actual)
    if values is None:
        kind = type(actual).__name__
        fail(
            f"{what} should be numbers; yours is {kind} {actual!r:.80}",
            f"{what} 應該是數字；你的是 {kind} {actual!r:.80}",
        )
    if len(values) != len(expected):
        fail(
            f"{what} should have {len(expected)} values; yours has {len(values)}",
            f"{what} 應該有 {len(expected)} 個值；你的有 {len(values)} 個",
        )
    index = first_difference(values, expected, rel_tol, abs_tol)
    if index is not None:
        where = f" (at x = {short(inputs[index])})" if inputs is not None else ""
        where_zh = f"（x = {short(inputs[index])} 處）" if inputs is not None else ""
        fail(
            f"{what} is wrong at position {index}{where}: expected {expected[index]!r}, "
            f"yours is {values[index]!r}",
            f"{what} 在第 {index} 個位置{where_zh}不對：應為 {expected[index]!r}，"
            f"你的是 {values[index]!r}",
        )


def check_records(value, expected, what):
    """Assert that `value` is a list of dicts equal to `expected` (dicts of floats), in order."""
    __tracebackhide__ = True
    if not isinstance(value, list):
        kind = type(value).__name__
        fail(
            f"{what} should return a list (of {len(expected)} dicts); it returned {kind} "
            f"{value!r:.60}",
            f"{what} 應該回傳一個 list（內含 {len(expected)} 個 dict）；"
            f"它回傳了 {kind} {value!r:.60}",
        )
    if len(value) != len(expected):
        fail(
            f"{what} should return {len(expected)} dicts, one per row; it returned {len(value)}",
            f"{what} 應該回傳 {len(expected)} 個 dict，每一列一個；它回傳了 {len(value)} 個",
        )
    for number, (got, wanted) in enumerate(zip(value, expected, strict=True), start=1):
        if not isinstance(got, dict):
            kind = type(got).__name__
            fail(
                f"{what}: item {number} should be a dict; it is {kind} {got!r:.60}",
                f"{what}：第 {number} 項應該是 dict；它是 {kind} {got!r:.60}",
            )
        if set(got) != set(wanted):
            keys, found = sorted(wanted), sorted(got, key=str)
            fail(
                f"{what}: row {number} should have the keys {keys}; it has {found}",
                f"{what}：第 {number} 列應該有鍵 {keys}；它有 {found}",
            )
        for key, expected_value in wanted.items():
            actual = got[key]
            if not isinstance(actual, float):
                kind = type(actual).__name__
                fail(
                    f"{what}: row {number}[{key!r}] should be a float; it is {kind} "
                    f"{actual!r:.40} (convert it with float(...))",
                    f"{what}：第 {number} 列的 [{key!r}] 應該是 float；它是 {kind} "
                    f"{actual!r:.40}（請用 float(...) 轉換）",
                )
            if not is_close(actual, expected_value):
                fail(
                    f"{what}: row {number}[{key!r}] should be {expected_value!r}; it is {actual!r}",
                    f"{what}：第 {number} 列的 [{key!r}] 應為 {expected_value!r}；它是 {actual!r}",
                )


NUMBER_PATTERN = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def numbers_in(text):
    """The numbers written in a text, as (value, decimals shown): 'alpha = -0.25' -> [(-0.25, 2)].

    A unicode minus (matplotlib writes one) counts as a minus sign.
    """
    found = []
    for match in NUMBER_PATTERN.finditer(text.replace("\u2212", "-")):
        written = match.group()
        mantissa = written.lower().split("e")[0]
        decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
        found.append((float(written), decimals))
    return found


def shows_number(text, value):
    """True when `text` writes `value`, exactly or rounded to 2 or more decimals."""
    for number, decimals in numbers_in(text):
        if is_close(number, value):
            return True
        if decimals >= 2 and abs(number - value) <= 0.5 * 10.0**-decimals * (1 + 1e-9):
            return True
    return False
