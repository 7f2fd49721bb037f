"""Activation functions: ``relu``, ``gelu``, ``softmax``, ... (``ember.nn.functional``).

Each takes a tensor of any shape and returns one of the same shape (``glu`` halves ``dim``);
``inplace=True`` variants overwrite ``input`` and return it.
"""

from __future__ import annotations

import math
import warnings

import ember

from .._util import inplace as _inplace

__all__ = ["relu", "relu_", "relu6", "leaky_relu", "leaky_relu_", "prelu", "rrelu", "rrelu_",
           "elu", "elu_", "selu", "selu_", "celu", "celu_", "gelu", "silu", "mish", "sigmoid",
           "tanh", "hardtanh", "hardtanh_", "hardsigmoid", "hardswish", "softplus", "softsign",
           "softmax", "log_softmax", "softmin", "threshold", "threshold_", "glu", "logsigmoid",
           "tanhshrink", "softshrink", "hardshrink"]

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _maybe_inplace(input, inplace, fn):
    return _inplace(input, fn) if inplace else fn(input)


def relu(input, inplace=False):
    """``max(0, x)`` elementwise.

    Example::

        >>> F.relu(ember.tensor([-1., 2.]))
        tensor([0., 2.])
    """
    return input.relu_() if inplace else ember.relu(input)


def relu_(input):
    """In-place ``relu``."""
    return input.relu_()


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """``clamp(x, min_val, max_val)``; the gradient is zero outside ``(min_val, max_val)``."""
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val ({min_val}) cannot be greater than max_val "
                         f"({max_val})")
    return _maybe_inplace(input, inplace, lambda x: x.clamp(min_val, max_val))


def hardtanh_(input, min_val=-1.0, max_val=1.0):
    """In-place ``hardtanh``."""
    return hardtanh(input, min_val, max_val, True)


def relu6(input, inplace=False):
    """``min(max(0, x), 6)``."""
    return hardtanh(input, 0.0, 6.0, inplace)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    """``x`` for ``x > 0``, else ``negative_slope * x``."""
    return _maybe_inplace(input, inplace,
                          lambda x: ember.where(x > 0, x, x * negative_slope))


def leaky_relu_(input, negative_slope=0.01):
    """In-place ``leaky_relu``."""
    return leaky_relu(input, negative_slope, True)


def prelu(input, weight):
    """``x`` for ``x > 0``, else ``weight * x``; ``weight`` has one element or one per channel
    (dim 1 of ``input``; inputs with fewer than 2 dims have a single channel)."""
    n = weight.numel()
    if n != 1:
        if input.dim() < 2 and not (input.dim() == 1 and input.shape[0] == n):
            raise RuntimeError(f"prelu: not allowed with num_parameters={n} for an input of "
                               f"{input.dim()} dims; use num_parameters=1")
        cdim = 1 if input.dim() >= 2 else 0
        if input.shape[cdim] != n:
            raise RuntimeError(f"prelu: mismatch of parameter numbers and input channel size. "
                               f"Found parameter numbers = {n} and channel size = "
                               f"{input.shape[cdim]}.")
        w = weight.reshape((n,) + (1,) * (input.dim() - cdim - 1))
    else:
        w = weight.reshape(())
    return ember.where(input > 0, input, w * input)


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False):
    """Randomized leaky ReLU: in training the negative slope of each element is drawn from
    ``U(lower, upper)``; in evaluation it is ``(lower + upper) / 2``."""
    if training:
        with ember.no_grad():
            a = ember.rand(input.shape, dtype=input.dtype, device=input.device)
            a = a * (upper - lower) + lower
        return _maybe_inplace(input, inplace, lambda x: ember.where(x >= 0, x, x * a))
    return leaky_relu(input, (lower + upper) / 2, inplace)


def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False):
    """In-place ``rrelu``."""
    return rrelu(input, lower, upper, training, True)


def _elu(x, alpha, scale=1.0, input_scale=1.0):
    neg = (x.clamp(max=0) * input_scale).expm1() * alpha
    out = ember.where(x > 0, x, neg)
    return out * scale if scale != 1.0 else out


def elu(input, alpha=1.0, inplace=False):
    """``x`` for ``x > 0``, else ``alpha * (exp(x) - 1)``."""
    return _maybe_inplace(input, inplace, lambda x: _elu(x, alpha))


def elu_(input, alpha=1.0):
    """In-place ``elu``."""
    return elu(input, alpha, True)


def selu(input, inplace=False):
    """``scale * elu(x, alpha)`` with the self-normalising constants
    (``alpha = 1.6733``, ``scale = 1.0507``)."""
    return _maybe_inplace(input, inplace, lambda x: _elu(x, _SELU_ALPHA, _SELU_SCALE))


def selu_(input):
    """In-place ``selu``."""
    return selu(input, True)


def celu(input, alpha=1.0, inplace=False):
    """``max(0, x) + min(0, alpha * (exp(x / alpha) - 1))``."""
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError: celu: alpha must not be 0")
    return _maybe_inplace(input, inplace, lambda x: _elu(x, alpha, 1.0, 1.0 / alpha))


def celu_(input, alpha=1.0):
    """In-place ``celu``."""
    return celu(input, alpha, True)


def gelu(input, approximate="none"):
    """``x * Phi(x)`` (``Phi`` the standard normal CDF); ``approximate='tanh'`` uses
    ``0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))``."""
    if approximate == "none":
        return input * 0.5 * (1.0 + (input * (1.0 / math.sqrt(2.0))).erf())
    if approximate == "tanh":
        inner = (input + input * input * input * 0.044715) * math.sqrt(2.0 / math.pi)
        return input * 0.5 * (1.0 + inner.tanh())
    raise RuntimeError(f"approximate argument must be either none or tanh, got "
                       f"{approximate!r}")


def silu(input, inplace=False):
    """``x * sigmoid(x)`` (swish)."""
    return _maybe_inplace(input, inplace, lambda x: x * x.sigmoid())


def mish(input, inplace=False):
    """``x * tanh(softplus(x))``."""
    return _maybe_inplace(input, inplace, lambda x: x * softplus(x).tanh())


def sigmoid(input):
    """``1 / (1 + exp(-x))``."""
    return input.sigmoid()


def tanh(input):
    """Hyperbolic tangent."""
    return input.tanh()


def hardsigmoid(input, inplace=False):
    """``clamp(x / 6 + 1/2, 0, 1)``."""
    return _maybe_inplace(input, inplace, lambda x: (x * (1.0 / 6.0) + 0.5).clamp(0.0, 1.0))


def hardswish(input, inplace=False):
    """``x * clamp(x + 3, 0, 6) / 6``."""
    return _maybe_inplace(input, inplace,
                          lambda x: x * (x + 3.0).clamp(0.0, 6.0) * (1.0 / 6.0))


def softplus(input, beta=1.0, threshold=20.0):
    """``log(1 + exp(beta * x)) / beta``, and ``x`` where ``beta * x > threshold``."""
    bx = input * beta if beta != 1 else input
    soft = bx.clamp(max=threshold).exp().log1p()
    if beta != 1:
        soft = soft / beta
    return ember.where(bx > threshold, input, soft)


def softsign(input):
    """``x / (1 + |x|)``."""
    return input / (input.abs() + 1.0)


def threshold(input, threshold, value, inplace=False):
    """``x`` where ``x > threshold``, else ``value``."""
    return _maybe_inplace(input, inplace, lambda x: ember.where(x > threshold, x, value))


def threshold_(input, threshold, value):
    """In-place ``threshold``."""
    return globals()["threshold"](input, threshold, value, True)


def glu(input, dim=-1):
    """Gated linear unit: split ``input`` in halves ``a, b`` along ``dim``; ``a * sigmoid(b)``.

    Shape: ``(*, 2N, *)`` -> ``(*, N, *)``.
    """
    if input.dim() == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    d = dim % input.dim()
    n = input.shape[d]
    if n % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {d} is size {n}")
    h = n // 2
    return input.narrow(d, 0, h) * input.narrow(d, h, h).sigmoid()


def logsigmoid(input):
    """``log(sigmoid(x))``, computed stably as ``min(x, 0) - log(1 + exp(-|x|))``."""
    return input.clamp(max=0) - (-input.abs()).exp().log1p()


def tanhshrink(input):
    """``x - tanh(x)``."""
    return input - input.tanh()


def softshrink(input, lambd=0.5):
    """``x - lambd`` for ``x > lambd``, ``x + lambd`` for ``x < -lambd``, else 0."""
    if lambd < 0:
        raise RuntimeError(f"lambda must be greater or equal to 0, but found to be {lambd}.")
    return ember.where(input > lambd, input - lambd,
                       ember.where(input < -lambd, input + lambd, input * 0))


def hardshrink(input, lambd=0.5):
    """``x`` where ``|x| > lambd``, else 0."""
    return ember.where(input.abs() > lambd, input, input * 0)


# -- softmax family -----------------------------------------------------------------------------

def _implicit_dim(name, ndim):
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call "
                  f"to include dim=X as an argument.", UserWarning, stacklevel=3)
    return 0 if ndim in (0, 1, 3) else 1


def _softmax_prep(input, dim, dtype, name):
    if dim is None:
        dim = _implicit_dim(name, input.dim())
    if dtype is not None:
        input = input.to(dtype)
    if not (input.dtype.is_floating_point or input.dtype.is_complex):
        raise RuntimeError(f"{name}: expected a floating-point input, got {input.dtype}; pass "
                           f"dtype=ember.float32 or convert the input")
    nd = max(input.dim(), 1)
    if not -nd <= dim < nd:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-nd}, "
                         f"{nd - 1}], but got {dim})")
    return input, dim % nd


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    """``exp(x) / exp(x).sum(dim)`` along ``dim`` (stable: the maximum is subtracted first).
    ``dtype`` casts the input first.

    Example::

        >>> F.softmax(ember.tensor([1., 1.]), dim=0)
        tensor([0.5000, 0.5000])
    """
    input, dim = _softmax_prep(input, dim, dtype, "softmax")
    return ember.softmax(input, dim)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    """``log(softmax(x))`` along ``dim``, computed stably as ``x - logsumexp(x)``."""
    input, dim = _softmax_prep(input, dim, dtype, "log_softmax")
    return ember.log_softmax(input, dim)


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    """``softmax(-x)`` along ``dim``."""
    if dim is None:
        dim = _implicit_dim("softmin", input.dim())
    if dtype is not None:
        input = input.to(dtype)
    return softmax(-input, dim)
