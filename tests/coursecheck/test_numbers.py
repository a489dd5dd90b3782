"""coursecheck.numbers: floats compared in plain Python, whatever student code rebinds."""

import math

import mpmath
import numpy as np
import pytest

from coursecheck import numbers
from tests.coursecheck import failure

# --- Turning values into floats ---------------------------------------------------------------


def test_as_floats_and_shape_of():
    assert numbers.as_floats(np.arange(6).reshape(2, 3)) == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    assert numbers.as_floats(np.float64(0.5)) == [0.5]
    assert numbers.as_floats([1, [2.5, 3]]) == [1.0, 2.5, 3.0]
    assert numbers.as_floats((True, 2)) == [1.0, 2.0]
    assert numbers.as_floats(["1"]) is None
    assert numbers.as_floats([[1.0], [None]]) is None
    assert numbers.as_floats(None) is None
    assert numbers.as_floats(object()) is None
    assert numbers.shape_of(np.zeros((2, 3))) == (2, 3)
    assert numbers.shape_of([[1, 2], [3, 4], [5, 6]]) == (3, 2)
    assert numbers.shape_of([]) == (0,)
    assert numbers.shape_of(0.5) == numbers.shape_of(np.array(0.5)) == ()


def test_short_writes_numbers_briefly():
    assert numbers.short(4.9) == "4.9"
    assert numbers.short(0.0066928509242848554) == "0.006693"
    assert numbers.short(1e-5) == "1e-05"
    assert numbers.short(-5.0) == "-5"
    assert numbers.short(3) == "3"  # not a float: as written


# --- Comparing ----------------------------------------------------------------------------------


def test_is_close():
    assert numbers.is_close(1.0, 1.0 + 1e-12)
    assert not numbers.is_close(1.0, 1.0 + 1e-6)
    assert numbers.is_close(1e-13, 0.0)  # absolute tolerance near zero
    assert not numbers.is_close(1e-6, 0.0)
    assert numbers.is_close(-2.0, -2.0 * (1 + 1e-10))  # relative to the size of a negative value
    assert not numbers.is_close(math.nan, math.nan)
    assert numbers.is_close(math.inf, math.inf)
    assert not numbers.is_close(math.inf, 1e308)
    assert not numbers.is_close(-math.inf, math.inf)
    assert numbers.is_close(1.0, 1.01, rel_tol=0.1)


def test_comparisons_ignore_rebound_numpy_and_math_helpers(monkeypatch):
    monkeypatch.setattr(np, "allclose", lambda *a, **k: True)
    monkeypatch.setattr(np, "isclose", lambda *a, **k: True)
    monkeypatch.setattr(np.testing, "assert_allclose", lambda *a, **k: None)
    monkeypatch.setattr(math, "isclose", lambda *a, **k: True)
    monkeypatch.setattr(math, "isfinite", lambda x: True)
    monkeypatch.setattr(math, "exp", lambda x: 0.0)
    assert not numbers.is_close(1.0, 2.0)
    assert not numbers.is_close(math.nan, 1.0)
    assert numbers.exp(0.0) == 1.0  # math.exp as it was when numbers was imported
    assert not numbers.isfinite(math.inf)
    english, _ = failure(numbers.check_values, np.array([0.0, 1.0]), [0.0, 2.0], "f(x)")
    assert "wrong at position 1" in english


def test_exp_is_math_exp():
    with mpmath.workdps(50):
        for x in [-1000.0, -745.0, -36.7, -1.0, 0.0, 1e-9, 2.5, 709.0]:
            assert numbers.exp(x) == math.exp(x)
            assert numbers.is_close(numbers.exp(x), float(mpmath.exp(x)), 2**-52, 0.0), x


def test_evenly_spaced_matches_linspace():
    ours = numbers.evenly_spaced(-5.0, 5.0, 100)
    assert len(ours) == 100 and ours[0] == -5.0 and ours[-1] == 5.0
    assert numbers.first_difference(ours, np.linspace(-5, 5, 100).tolist(), 1e-15, 0) is None
    assert numbers.evenly_spaced(0, 1, 3) == [0.0, 0.5, 1.0]


def test_first_difference_skips_expected_values_given_as_none():
    assert numbers.first_difference([1.0, 5.0, 3.0], [1.0, None, 3.0]) is None
    assert numbers.first_difference([1.0, 5.0, 4.0], [1.0, None, 3.0]) == 2
    with pytest.raises(ValueError, match="same length"):
        numbers.first_difference([1.0], [1.0, 2.0])


def test_polyline_joins_its_points_with_straight_lines():
    v_shape = numbers.polyline([(-4.0, 2.0), (0.0, 0.0), (4.0, 4.0)])
    assert [v_shape(x) for x in (-4.0, -1.0, 0.0, 1.0, 4.0)] == [2.0, 0.5, 0.0, 1.0, 4.0]
    assert v_shape(-5.0) == 2.5 and v_shape(5.0) == 5.0  # the end pieces, extended
    small = numbers.polyline([(-1.0, -0.01), (0.0, 0.0), (0.1, 0.1)])
    for x in np.linspace(-1.0, 0.1, 201).tolist():
        assert numbers.is_close(small(x), x if x >= 0 else 0.01 * x), x
    with pytest.raises(ValueError, match="increasing x"):
        numbers.polyline([(0.0, 0.0), (0.0, 1.0)])
    with pytest.raises(ValueError, match="two or more points"):
        numbers.polyline([(0.0, 0.0)])


# --- Checks ------------------------------------------------------------------------------------


def test_check_values_passes_on_the_expected_values():
    numbers.check_values(np.array([[0.5, 1.0]]), [0.5, 1.0], "Y")
    numbers.check_values(0.25, [0.25], "y")
    numbers.check_values([1.0, 7.0], [1.0, None], "Y")  # None accepts any value


def test_check_values_messages():
    english, chinese = failure(numbers.check_values, [1.0, 2.0], [1.0, 2.0, 3.0], "Y")
    assert english == "Y should have 3 values; yours has 2"
    assert chinese == "Y 應該有 3 個值；你的有 2 個"
    english, chinese = failure(
        numbers.check_values, [1.0, math.nan], [1.0, 3.0], "Y", inputs=[6.0, 7.0]
    )
    assert english == "Y is wrong at position 1 (at x = 7): expected 3.0, yours is nan"
    assert chinese == "Y 在第 1 個位置（x = 7 處）不對：應為 3.0，你的是 nan"
    english, _ = failure(numbers.check_values, [0.0], [1.0], "Y")
    assert english == "Y is wrong at position 0: expected 1.0, yours is 0.0"
    english, _ = failure(numbers.check_values, "abc", [1.0], "Y")
    assert english == "Y should be numbers; yours is str 'abc'"


ROWS = [{"alpha": 0.5, "x_min": -1.0, "x_max": 1.0}, {"alpha": 0.0, "x_min": -2.0, "x_max": 2.0}]


def test_check_records_passes_on_equal_rows_of_floats():
    numbers.check_records([dict(row) for row in ROWS], ROWS, "load_params(path)")
    numbers.check_records([{"x_max": 1.0, "alpha": 0.5, "x_min": -1.0}, ROWS[1]], ROWS, "rows")


@pytest.mark.parametrize(
    "value, english",
    [
        (
            ROWS[0],
            "rows should return a list (of 2 dicts); it returned dict "
            "{'alpha': 0.5, 'x_min': -1.0, 'x_max': 1.0}",
        ),
        (ROWS[:1], "rows should return 2 dicts, one per row; it returned 1"),
        ([ROWS[0], [0.0, -2.0, 2.0]], "rows: item 2 should be a dict; it is list [0.0, -2.0, 2.0]"),
        (
            [ROWS[0], {"alpha": 0.0, "x_min": -2.0}],
            "rows: row 2 should have the keys ['alpha', 'x_max', 'x_min']; "
            "it has ['alpha', 'x_min']",
        ),
        (
            [{"alpha": "0.5", "x_min": -1.0, "x_max": 1.0}, ROWS[1]],
            "rows: row 1['alpha'] should be a float; it is str '0.5' (convert it with float(...))",
        ),
        (
            [{"alpha": 1, "x_min": -1.0, "x_max": 1.0}, ROWS[1]],
            "rows: row 1['alpha'] should be a float; it is int 1 (convert it with float(...))",
        ),
        (
            [ROWS[0], {"alpha": 0.0, "x_min": -2.0, "x_max": 3.0}],
            "rows: row 2['x_max'] should be 2.0; it is 3.0",
        ),
    ],
    ids=["not a list", "count", "not a dict", "keys", "string", "int", "value"],
)
def test_check_records_says_what_is_wrong(value, english):
    assert failure(numbers.check_records, value, ROWS, "rows")[0] == english


# --- Numbers written in text (panel titles) -----------------------------------------------------


def test_numbers_in_reads_numbers_and_their_decimals():
    assert numbers.numbers_in("alpha = -0.25") == [(-0.25, 2)]
    assert numbers.numbers_in("\u03b1 = \u22120.5") == [(-0.5, 1)]  # matplotlib's minus sign
    assert numbers.numbers_in("a=1e-2, b=.5, c=3.") == [(0.01, 0), (0.5, 1), (3.0, 0)]
    assert numbers.numbers_in("no number") == []


def test_shows_number_accepts_the_value_exactly_or_rounded_to_two_decimals():
    assert numbers.shows_number("alpha = 0.01", 0.01)
    assert numbers.shows_number("alpha = 1e-2", 0.01)
    assert numbers.shows_number("alpha = 2", 2.0)
    assert numbers.shows_number("Leaky ReLU (\u03b1=\u22120.5)", -0.5)
    assert numbers.shows_number("alpha = 0.33", 1 / 3)
    assert not numbers.shows_number("alpha = 0.3", 1 / 3)  # one decimal is not enough
    assert not numbers.shows_number("alpha = 0.5", -0.5)
    assert not numbers.shows_number("alpha = 0.1", 0.01)
    assert not numbers.shows_number("", 0.0)
