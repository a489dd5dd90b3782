"""Reference implementation of the course's activation functions and their derivatives.

Every function takes a number or an array-like of any shape and returns float64 of the
same shape: an ndarray for array input, a numpy float64 scalar for scalar (0-d) input,
which is numpy's own convention (``np.exp(0.0)`` is a scalar too).

The formulas are written in numerically stable forms, so that for any finite input
(tested up to +-1e4) the results are exact to float64 rounding, with no overflow, no
NaN and no warning. Values far below the smallest float64 (e.g. sigmoid(-1000) ~ 5e-435)
correctly round to 0.0; that underflow is expected, so it is silenced even under
``np.seterr(all="raise")``. Overflow, division by zero and invalid operations are not.

Convention at kinks (where the derivative does not exist): the derivative takes the
value of the branch for x <= 0, e.g. relu_grad(0) = 0, leaky_relu_grad(0) = alpha,
elu_grad(0) = alpha. This matches the slides' step(0) = 0.
"""

import functools
import math

import numpy as np

# SELU constants (Klambauer et al., 2017, "Self-Normalizing Neural Networks").
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946

_SQRT_2 = math.sqrt(2.0)
_SQRT_2PI = math.sqrt(2.0 * math.pi)


def _float64_in_out(function):
    """Convert the input to float64, silence harmless underflow, keep numpy's scalar rule."""

    @functools.wraps(function)
    def wrapper(x, *args, **kwargs):
        x = np.asarray(x, dtype=np.float64)
        with np.errstate(under="ignore"):
            result = function(x, *args, **kwargs)
        # [()] turns a 0-d array into a float64 scalar and leaves other arrays as they are.
        return np.asarray(result, dtype=np.float64)[()]

    return wrapper


def _erfc(t):
    """Complementary error function, elementwise, via math.erfc (numpy has no erf)."""
    values = np.fromiter(map(math.erfc, t.ravel()), dtype=np.float64, count=t.size)
    return values.reshape(t.shape)


def _normal_cdf(x):
    """Phi(x) = 0.5 * erfc(-x / sqrt(2)).

    Written with erfc rather than 0.5 * (1 + erf(x / sqrt(2))): for very negative x,
    1 + erf(...) cancels to 0 while erfc keeps full relative precision.
    """
    return 0.5 * _erfc(-x / _SQRT_2)


def _normal_pdf(x):
    """phi(x) = exp(-x**2 / 2) / sqrt(2 pi).

    |x| is clipped at 40, where phi is already 0.0 in float64, so x**2 cannot overflow.
    """
    x = np.minimum(np.abs(x), 40.0)
    return np.exp(-0.5 * x * x) / _SQRT_2PI


def _sech_squared_of_nonnegative(s):
    """sech(s)**2 = 4 w / (1 + w)**2 with w = exp(-2 s), for s >= 0.

    Avoids 1 - tanh(s)**2, which cancels to 0 for large s, and cosh(s), which overflows.
    """
    w = np.exp(-2.0 * s)
    return 4.0 * w / (1.0 + w) ** 2


# --- Functions without a derivative here -------------------------------------------------


@_float64_in_out
def step(x):
    """Heaviside step: 1 if x > 0, else 0 (step(0) = 0, as in the slides). NaN stays NaN."""
    return np.heaviside(x, 0.0)


@_float64_in_out
def identity(x):
    """Identity (linear) activation: x. Returns a new array, never the input itself."""
    return np.array(x, dtype=np.float64, copy=True)


# --- Sigmoid and tanh ------------------------------------------------------------------


@_float64_in_out
def sigmoid(x):
    """Logistic sigmoid: 1 / (1 + exp(-x)).

    Computed by sign from z = exp(-|x|) <= 1: 1 / (1 + z) for x >= 0 and z / (1 + z)
    for x < 0. The naive formula overflows in exp(-x) for x < -709.
    """
    z = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + z), z / (1.0 + z))


@_float64_in_out
def sigmoid_grad(x):
    """sigmoid'(x) = sigmoid(x) * (1 - sigmoid(x)) = z / (1 + z)**2 with z = exp(-|x|).

    The product form loses everything to cancellation in 1 - sigmoid(x) for large x;
    the z form is exact for every x (the derivative is even).
    """
    z = np.exp(-np.abs(x))
    return z / (1.0 + z) ** 2


@_float64_in_out
def tanh(x):
    """Hyperbolic tangent: (exp(x) - exp(-x)) / (exp(x) + exp(-x)), via np.tanh (stable)."""
    return np.tanh(x)


@_float64_in_out
def tanh_grad(x):
    """tanh'(x) = 1 - tanh(x)**2 = sech(x)**2, computed as 4 w / (1 + w)**2, w = exp(-2|x|).

    1 - tanh(x)**2 cancels to 0 for |x| > 19; 1 / cosh(x)**2 overflows for |x| > 710.
    """
    return _sech_squared_of_nonnegative(np.abs(x))


# --- ReLU family ---------------------------------------------------------------------------


@_float64_in_out
def relu(x):
    """Rectified linear unit: max(x, 0)."""
    return np.maximum(x, 0.0)


@_float64_in_out
def relu_grad(x):
    """relu'(x) = 1 if x > 0, else 0. At the kink, relu_grad(0) = 0 (the x <= 0 branch)."""
    return np.heaviside(x, 0.0)


@_float64_in_out
def leaky_relu(x, alpha=0.01):
    """Leaky ReLU: x if x > 0, else alpha * x."""
    return np.where(x > 0, x, alpha * x)


@_float64_in_out
def leaky_relu_grad(x, alpha=0.01):
    """leaky_relu'(x) = 1 if x > 0, else alpha. At the kink, leaky_relu_grad(0) = alpha."""
    return np.where(x > 0, 1.0, alpha)


@_float64_in_out
def elu(x, alpha=1.0):
    """Exponential linear unit: x if x > 0, else alpha * (exp(x) - 1).

    The negative branch uses expm1 (exact near 0, where exp(x) - 1 cancels) on
    min(x, 0): np.where evaluates both branches, so exp must never see large positives.
    """
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0.0)))


@_float64_in_out
def elu_grad(x, alpha=1.0):
    """elu'(x) = 1 if x > 0, else alpha * exp(x). At the kink, elu_grad(0) = alpha."""
    return np.where(x > 0, 1.0, alpha * np.exp(np.minimum(x, 0.0)))


@_float64_in_out
def selu(x):
    """Scaled ELU: SELU_SCALE * elu(x, SELU_ALPHA), with the paper's exact constants.

    lambda ~ 1.0507009873554804934, alpha ~ 1.6732632423543772848.
    """
    return SELU_SCALE * elu(x, SELU_ALPHA)


@_float64_in_out
def selu_grad(x):
    """selu'(x) = SELU_SCALE if x > 0, else SELU_SCALE * SELU_ALPHA * exp(x) (x = 0 included)."""
    return SELU_SCALE * elu_grad(x, SELU_ALPHA)


# --- Smooth functions ----------------------------------------------------------------------


@_float64_in_out
def softplus(x):
    """Softplus: log(1 + exp(x)), computed as max(x, 0) + log1p(exp(-|x|)).

    The naive form overflows for x > 709 and returns 0 instead of exp(x) for x < -37.
    """
    return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))


def softplus_grad(x):
    """softplus'(x) = sigmoid(x) (computed by the stable sigmoid)."""
    return sigmoid(x)


@_float64_in_out
def gelu(x):
    """Gaussian error linear unit, exact form: x * Phi(x), Phi(x) = 0.5 * erfc(-x / sqrt(2)).

    Phi is the standard normal CDF. Not the tanh approximation. erfc keeps full relative
    precision in the negative tail, where 1 + erf cancels.
    """
    return x * _normal_cdf(x)


@_float64_in_out
def gelu_grad(x):
    """gelu'(x) = Phi(x) + x * phi(x), phi(x) = exp(-x**2 / 2) / sqrt(2 pi)."""
    return _normal_cdf(x) + x * _normal_pdf(x)


@_float64_in_out
def silu(x):
    """Sigmoid linear unit (swish): x * sigmoid(x), with the stable sigmoid."""
    return x * sigmoid(x)


@_float64_in_out
def silu_grad(x):
    """silu'(x) = sigmoid(x) + x * sigmoid'(x), both factors in their stable forms.

    Equal to sigmoid(x) * (1 + x * (1 - sigmoid(x))), which would cancel for large x.
    """
    return sigmoid(x) + x * sigmoid_grad(x)


@_float64_in_out
def mish(x):
    """Mish: x * tanh(softplus(x)), with the stable softplus."""
    return x * np.tanh(softplus(x))


@_float64_in_out
def mish_grad(x):
    """mish'(x) = tanh(s) + x * sech(s)**2 * sigmoid(x), with s = softplus(x) >= 0.

    sech(s)**2 is computed as 4 w / (1 + w)**2, w = exp(-2 s), not as 1 - tanh(s)**2.
    """
    s = softplus(x)
    return np.tanh(s) + x * _sech_squared_of_nonnegative(s) * sigmoid(x)


# --- Softmax (not elementwise) -------------------------------------------------------------


@_float64_in_out
def softmax(x, axis=-1):
    """Softmax along `axis`: exp(x_i) / sum_j exp(x_j).

    The maximum along the axis is subtracted first: the result is mathematically the
    same, but exp then never sees a positive number, so it cannot overflow (e.g. for
    [1000, 1001, 1002]). Needs at least one dimension, and a non-empty axis.
    """
    shifted = x - np.max(x, axis=axis, keepdims=True)
    exps = np.exp(shifted)
    return exps / np.sum(exps, axis=axis, keepdims=True)


# --- Registry for plots and the explorer ---------------------------------------------------

# name -> (function, derivative or None, parameter name or None, default parameter value).
# Only elementwise functions (softmax is not one). A function with a parameter is called
# as function(x, **{parameter: value}), e.g. elu(x, alpha=0.5).
ACTIVATIONS = {
    "step": (step, None, None, None),
    "identity": (identity, None, None, None),
    "sigmoid": (sigmoid, sigmoid_grad, None, None),
    "tanh": (tanh, tanh_grad, None, None),
    "relu": (relu, relu_grad, None, None),
    "leaky_relu": (leaky_relu, leaky_relu_grad, "alpha", 0.01),
    "elu": (elu, elu_grad, "alpha", 1.0),
    "selu": (selu, selu_grad, None, None),
    "softplus": (softplus, softplus_grad, None, None),
    "gelu": (gelu, gelu_grad, None, None),
    "silu": (silu, silu_grad, None, None),
    "mish": (mish, mish_grad, None, None),
}
