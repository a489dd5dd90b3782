"""course/activations.py against references that share none of its code.

Values are compared with mpmath evaluations at 50 significant digits of the textbook
formulas, derivatives with mpmath's numerical (finite-difference) derivative of those
same references. Bars: 1e-9 relative on values, 1e-7 relative on derivatives, plus an
absolute floor of 1e-300: below it float64 numbers are subnormal or underflow to 0
(e.g. sigmoid(-1000) ~ 5e-435 is 0.0 in float64), so relative error is meaningless
there. No other allowance is made near 0 (the points include +-1e-8 and +-1e-300).

Every test runs with warnings as errors and np.errstate(all="raise"), so an overflow
or an invalid operation (the naive sigmoid at -1000, say) fails it.
`test_the_checks_reject_naive_formulas` shows that the checks do catch naive formulas.
"""

import functools
import inspect
import math
import warnings

import mpmath as mp
import numpy as np
import pytest

from course import activations as act

DIGITS = 50
VALUE_RTOL = 1e-9
DERIVATIVE_RTOL = 1e-7
ABSOLUTE_FLOOR = mp.mpf("1e-300")
KINK_CLEARANCE = 1e-6  # derivatives of piecewise functions are checked this far from 0

MAGNITUDES = [1e4, 1000, 750, 709, 100, 40, 38, 30, 20, 10, 5, 3, 2, 1.5, 1, 0.75, 0.5]
MAGNITUDES += [0.25, 0.1, 1e-3, 1e-8, 1e-300]
POINTS = np.array(
    sorted(
        {0.0} | {sign * m for m in MAGNITUDES for sign in (1, -1)} | set(np.linspace(-12, 12, 49))
    )
)


@pytest.fixture(autouse=True)
def strict_floating_point():
    """Any warning is an error, and so is every floating-point exception numpy can signal."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise"):
            yield


# --- Independent references (mpmath, 50 digits) -------------------------------------------


def selu_constants_from_closed_forms():
    """alpha_01 and lambda_01 as written in the SELU paper (Klambauer et al., 2017, eq. 14)."""
    with mp.workdps(DIGITS):
        e, r = mp.e, mp.erfc(1 / mp.sqrt(2))
        alpha = -mp.sqrt(2 / mp.pi) / (r * mp.sqrt(e) - 1)
        root = mp.sqrt(
            2 * mp.erfc(mp.sqrt(2)) * e**2
            + mp.pi * r**2 * e
            - 2 * (2 + mp.pi) * r * mp.sqrt(e)
            + mp.pi
            + 2
        )
        scale = (1 - r * mp.sqrt(e)) * mp.sqrt(2 * mp.pi) / root
    return alpha, scale


SELU_ALPHA, SELU_SCALE = selu_constants_from_closed_forms()


def ref_leaky_relu(alpha):
    return lambda x: x if x > 0 else mp.mpf(alpha) * x


def ref_elu(alpha):
    return lambda x: x if x > 0 else mp.mpf(alpha) * mp.expm1(x)


def ref_softplus(x):
    return mp.log1p(mp.exp(x))


REFERENCES = {
    "step": lambda x: mp.mpf(1) if x > 0 else mp.mpf(0),
    "identity": lambda x: x,
    "sigmoid": lambda x: 1 / (1 + mp.exp(-x)),
    "tanh": lambda x: (mp.exp(x) - mp.exp(-x)) / (mp.exp(x) + mp.exp(-x)),
    "relu": lambda x: max(x, mp.mpf(0)),
    "leaky_relu": ref_leaky_relu(0.01),
    "elu": ref_elu(1.0),
    "selu": lambda x: SELU_SCALE * (x if x > 0 else SELU_ALPHA * mp.expm1(x)),
    "softplus": ref_softplus,
    "gelu": lambda x: x * mp.ncdf(x),
    "silu": lambda x: x / (1 + mp.exp(-x)),
    "mish": lambda x: x * mp.tanh(ref_softplus(x)),
}

# id -> (function, derivative or None, reference, has a kink at 0)
CASES = {
    name: (
        function,
        derivative,
        REFERENCES[name],
        name in ("step", "relu", "leaky_relu", "elu", "selu"),
    )
    for name, (function, derivative, _, _) in act.ACTIVATIONS.items()
}
for _alpha in (0.2, 0.5):
    CASES[f"leaky_relu(alpha={_alpha})"] = (
        functools.partial(act.leaky_relu, alpha=_alpha),
        functools.partial(act.leaky_relu_grad, alpha=_alpha),
        ref_leaky_relu(_alpha),
        True,
    )
for _alpha in (0.5, 2.0):
    CASES[f"elu(alpha={_alpha})"] = (
        functools.partial(act.elu, alpha=_alpha),
        functools.partial(act.elu_grad, alpha=_alpha),
        ref_elu(_alpha),
        True,
    )
DIFFERENTIABLE = [name for name, case in CASES.items() if case[1] is not None]


def reference_value(reference, x):
    with mp.workdps(DIGITS):
        return +reference(mp.mpf(float(x)))


def reference_derivative(reference, x):
    """Central-difference derivative (mpmath.diff) of a reference at x.

    Where the derivative is far smaller than the value (tanh'(1000) ~ 1e-868 while
    tanh(1000) ~ 1), differences of values cancel at 50 digits; then it is recomputed
    with |x| more digits, enough for the exp(-2|x|)-sized derivatives met here.
    """
    for digits in (DIGITS, DIGITS + 10 + int(abs(x))):
        with mp.workdps(digits):
            point = mp.mpf(float(x))
            derivative = mp.diff(reference, point)
            value = reference(point)
            enough_digits = derivative != 0 and (
                value == 0 or mp.log10(abs(value / derivative)) < digits - 30
            )
            if enough_digits:
                break
    with mp.workdps(DIGITS):
        return +derivative


def mismatches(computed, expected, rtol):
    """The (index, got, expected) where |got - expected| > rtol |expected| + floor (NaN fails)."""
    bad = []
    with mp.workdps(DIGITS):
        for index, (got, want) in enumerate(zip(np.ravel(computed), expected, strict=True)):
            error = abs(mp.mpf(float(got)) - want)
            if not error <= rtol * abs(want) + ABSOLUTE_FLOOR:
                bad.append((index, float(got), mp.nstr(want, 17)))
    return bad


def value_mismatches(function, reference, points=POINTS):
    expected = [reference_value(reference, x) for x in points]
    return [
        (points[i], got, want)
        for i, got, want in mismatches(function(points), expected, VALUE_RTOL)
    ]


def derivative_points(has_kink):
    return POINTS[np.abs(POINTS) >= KINK_CLEARANCE] if has_kink else POINTS


def derivative_mismatches(derivative, reference, points):
    expected = [reference_derivative(reference, x) for x in points]
    computed = derivative(points)
    return [
        (points[i], got, want) for i, got, want in mismatches(computed, expected, DERIVATIVE_RTOL)
    ]


# --- Values and derivatives ---------------------------------------------------------------


@pytest.mark.parametrize("name", CASES)
def test_values_match_mpmath(name):
    function, _, reference, _ = CASES[name]
    assert value_mismatches(function, reference) == []


@pytest.mark.parametrize("name", DIFFERENTIABLE)
def test_derivatives_match_finite_differences(name):
    _, derivative, reference, has_kink = CASES[name]
    points = derivative_points(has_kink)
    assert derivative_mismatches(derivative, reference, points) == []


def test_convention_at_the_kink():
    assert act.step(0.0) == 0.0
    assert act.relu_grad(0.0) == 0.0
    assert act.leaky_relu_grad(0.0) == 0.01
    assert act.leaky_relu_grad(0.0, alpha=0.3) == 0.3
    assert act.elu_grad(0.0, alpha=0.5) == 0.5
    assert act.selu_grad(0.0) == act.SELU_SCALE * act.SELU_ALPHA
    # Just either side of 0 the branches are the ordinary ones.
    assert act.relu_grad(1e-300) == 1.0
    assert act.leaky_relu_grad(-1e-300, alpha=0.3) == 0.3
    assert act.step(1e-300) == 1.0


def test_the_checks_reject_naive_formulas():
    """The same checks fail on the textbook formulas that overflow or cancel."""

    def naive_sigmoid(x):
        return 1 / (1 + np.exp(-x))

    def naive_elu(x):
        return np.where(x > 0, x, np.exp(x) - 1)  # exp of the unused branch overflows

    def naive_softmax(x):
        return np.exp(x) / np.sum(np.exp(x))

    for naive in (naive_sigmoid, naive_elu, naive_softmax):
        with pytest.raises(FloatingPointError):
            naive(POINTS)

    def naive_tanh_grad(x):
        return 1 - np.tanh(x) ** 2  # 0 instead of 4 exp(-2|x|) for |x| > 19

    def naive_softplus(x):
        return np.log(1 + np.exp(np.minimum(x, 700)))  # 0 instead of exp(x) for x < -37

    def naive_gelu(x):
        erf = np.array([math.erf(t / math.sqrt(2)) for t in x])
        return 0.5 * x * (1 + erf)  # 1 + erf cancels for x < -8

    # These fail on precision alone (underflow, which the module also allows, is let through).
    moderate = POINTS[np.abs(POINTS) <= 100]
    with np.errstate(under="ignore"):
        assert derivative_mismatches(naive_tanh_grad, REFERENCES["tanh"], moderate) != []
        assert value_mismatches(naive_softplus, REFERENCES["softplus"], moderate) != []
        assert value_mismatches(naive_gelu, REFERENCES["gelu"]) != []


def test_no_nan_or_warning_over_the_whole_range():
    x = np.linspace(-1e4, 1e4, 200_001)
    for name, (function, derivative, _, _) in act.ACTIVATIONS.items():
        for f in (function, derivative):
            if f is not None:
                assert np.all(np.isfinite(f(x))), name


# --- Identities ---------------------------------------------------------------------------


def test_tanh_is_a_rescaled_sigmoid():
    # tanh(x) = 2 sigmoid(2x) - 1. The right side cancels near 0, hence an absolute bar.
    x = np.linspace(-30, 30, 6001)
    assert np.max(np.abs(act.tanh(x) - (2 * act.sigmoid(2 * x) - 1))) <= 4e-16


def test_sigmoid_is_symmetric():
    # sigmoid(-x) = 1 - sigmoid(x), to an absolute bar (1 - sigmoid cancels for large x).
    x = np.linspace(-40, 40, 8001)
    assert np.max(np.abs(act.sigmoid(-x) - (1 - act.sigmoid(x)))) <= 2.3e-16


def test_softplus_derivative_is_the_sigmoid():
    points = POINTS[np.abs(POINTS) <= 1000]
    expected = [reference_derivative(ref_softplus, x) for x in points]
    assert mismatches(act.sigmoid(points), expected, DERIVATIVE_RTOL) == []
    np.testing.assert_array_equal(act.softplus_grad(POINTS), act.sigmoid(POINTS))


def test_selu_constants_match_the_closed_forms():
    assert act.SELU_ALPHA == float(SELU_ALPHA)
    assert act.SELU_SCALE == float(SELU_SCALE)
    assert mp.nstr(SELU_ALPHA, 30) == "1.67326324235437728481704299167"
    assert mp.nstr(SELU_SCALE, 30) == "1.05070098735548049341933498529"


# --- Softmax ------------------------------------------------------------------------------


def reference_softmax(values):
    with mp.workdps(DIGITS):
        exps = [mp.exp(mp.mpf(float(v))) for v in values]
        total = mp.fsum(exps)
        return [e / total for e in exps]


def test_softmax_of_huge_inputs():
    x = np.array([1000.0, 1001.0, 1002.0])
    result = act.softmax(x)
    assert mismatches(result, reference_softmax(x), VALUE_RTOL) == []
    np.testing.assert_allclose(result, act.softmax(x - 1000.0), rtol=1e-15)


@pytest.mark.parametrize("axis", [0, 1, 2, -1, -2])
def test_softmax_along_each_axis_of_a_3d_array(axis):
    rng = np.random.default_rng(535300)
    x = rng.normal(scale=3.0, size=(2, 3, 4))
    x[0] += 1000.0
    x[1, 0] -= 1e4
    x[1, 1] += 1e4
    x[1, 2, 1] += 50.0
    result = act.softmax(x, axis=axis)
    assert result.shape == x.shape and result.dtype == np.float64
    np.testing.assert_allclose(np.sum(result, axis=axis), 1.0, rtol=0, atol=4e-16)
    moved_x, moved_result = np.moveaxis(x, axis, -1), np.moveaxis(result, axis, -1)
    for index in np.ndindex(moved_x.shape[:-1]):
        expected = reference_softmax(moved_x[index])
        assert mismatches(moved_result[index], expected, VALUE_RTOL) == [], (axis, index)


# --- Shapes, types, registry --------------------------------------------------------------

ALL_FUNCTIONS = [f for entry in act.ACTIVATIONS.values() for f in entry[:2] if f is not None] + [
    act.softmax
]


@pytest.mark.parametrize("function", ALL_FUNCTIONS, ids=lambda f: f.__name__)
def test_shapes_and_dtype(function):
    shapes = [(5,), (2, 3, 4), (1, 1)]
    if function is not act.softmax:  # softmax of an empty axis is an error, as np.max is
        shapes.append((0,))
    for shape in shapes:
        x = np.linspace(-3, 3, math.prod(shape)).astype(np.float32).reshape(shape)
        result = function(x)
        assert isinstance(result, np.ndarray) and result.shape == shape
        assert result.dtype == np.float64
        # Computed in float64, not in the input's float32 and then converted.
        np.testing.assert_array_equal(result, function(x.astype(np.float64)))
    integers = function([1, 2, 3])
    assert integers.dtype == np.float64 and integers.shape == (3,)


@pytest.mark.parametrize("function", ALL_FUNCTIONS[:-1], ids=lambda f: f.__name__)
def test_scalar_input_gives_a_float64_scalar(function):
    for scalar in (0.5, 2, np.float64(-1.5), np.array(0.25)):
        result = function(scalar)
        assert isinstance(result, np.float64) and np.ndim(result) == 0
        assert result == function(np.array([scalar]))[0]


def test_inputs_are_not_modified_and_identity_copies():
    x = np.linspace(-5, 5, 11)
    before = x.copy()
    for function in ALL_FUNCTIONS:
        function(x)
    np.testing.assert_array_equal(x, before)
    assert not np.shares_memory(act.identity(x), x)


def test_registry():
    assert list(act.ACTIVATIONS) == [
        "step", "identity", "sigmoid", "tanh", "relu", "leaky_relu",
        "elu", "selu", "softplus", "gelu", "silu", "mish",
    ]  # fmt: skip
    for name, (function, derivative, parameter, default) in act.ACTIVATIONS.items():
        assert function is getattr(act, name)
        if name in ("step", "identity"):
            assert derivative is None
        else:
            assert derivative is getattr(act, name + "_grad")
        if parameter is None:
            assert default is None
        else:
            for f in (function, derivative):
                assert inspect.signature(f).parameters[parameter].default == default
            x = np.linspace(-2, 2, 9)
            np.testing.assert_array_equal(function(x, **{parameter: default}), function(x))
    assert act.ACTIVATIONS["leaky_relu"][2:] == ("alpha", 0.01)
    assert act.ACTIVATIONS["elu"][2:] == ("alpha", 1.0)
