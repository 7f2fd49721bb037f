"""``ember.nn.init``: fill parameters in place with the standard initialisation schemes.

Every function works under ``no_grad``, modifies ``tensor`` in place and returns it; the random
ones take ``generator=`` (an ``ember.Generator``) for reproducible draws.

Example::

    >>> w = ember.empty(3, 5)
    >>> nn.init.kaiming_uniform_(w, a=math.sqrt(5)).shape
    ember.Size([3, 5])
"""

from __future__ import annotations

import math
import warnings

import ember

__all__ = ["calculate_gain", "uniform_", "normal_", "trunc_normal_", "constant_", "ones_",
           "zeros_", "eye_", "dirac_", "xavier_uniform_", "xavier_normal_",
           "kaiming_uniform_", "kaiming_normal_", "orthogonal_", "sparse_"]


def _rand(tensor, generator):
    return ember.rand(tuple(tensor.shape), generator=generator, dtype=tensor.dtype,
                      device=tensor.device)


def _randn(tensor, generator):
    return ember.randn(tuple(tensor.shape), generator=generator, dtype=tensor.dtype,
                       device=tensor.device)


def _check(tensor, name):
    if not isinstance(tensor, ember.Tensor):
        raise TypeError(f"{name}(): expected an ember.Tensor, got {type(tensor).__name__}")


def calculate_gain(nonlinearity, param=None):
    """The recommended gain for a nonlinearity: ``linear``/``conv*``/``sigmoid`` 1, ``tanh``
    5/3, ``relu`` sqrt(2), ``leaky_relu`` sqrt(2 / (1 + slope^2)) (``param`` is the slope,
    default 0.01), ``selu`` 3/4.

    Example::

        >>> nn.init.calculate_gain("relu")
        1.4142135623730951
    """
    linear_fns = ["linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d",
                  "conv_transpose2d", "conv_transpose3d"]
    if nonlinearity in linear_fns or nonlinearity == "sigmoid":
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif not isinstance(param, bool) and isinstance(param, (int, float)):
            slope = param
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _fan_in_and_fan_out(tensor):
    if tensor.dim() < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer than 2 "
                         "dimensions")
    receptive = 1
    for s in tensor.shape[2:]:
        receptive *= s
    return tensor.shape[1] * receptive, tensor.shape[0] * receptive


def _calculate_fan_in_and_fan_out(tensor):
    return _fan_in_and_fan_out(tensor)


def _correct_fan(tensor, mode):
    mode = mode.lower()
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"Mode {mode} not supported, please use one of ['fan_in', 'fan_out']")
    fan_in, fan_out = _fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def uniform_(tensor, a=0.0, b=1.0, generator=None):
    """Fill with draws from ``U(a, b)``."""
    _check(tensor, "uniform_")
    with ember.no_grad():
        return tensor.copy_(_rand(tensor, generator).mul_(b - a).add_(a))


def normal_(tensor, mean=0.0, std=1.0, generator=None):
    """Fill with draws from ``N(mean, std^2)``."""
    _check(tensor, "normal_")
    with ember.no_grad():
        return tensor.copy_(_randn(tensor, generator).mul_(std).add_(mean))


def trunc_normal_(tensor, mean=0.0, std=1.0, a=-2.0, b=2.0, generator=None):
    """Fill with draws from ``N(mean, std^2)`` truncated to ``[a, b]`` (inverse-CDF sampling:
    exact, no rejection)."""
    _check(tensor, "trunc_normal_")

    def cdf(x):
        return (1.0 + math.erf(x / math.sqrt(2.0))) / 2.0

    if mean < a - 2 * std or mean > b + 2 * std:
        warnings.warn("mean is more than 2 std from [a, b] in nn.init.trunc_normal_. The "
                      "distribution of values may be incorrect.", stacklevel=2)
    with ember.no_grad():
        lo, hi = cdf((a - mean) / std), cdf((b - mean) / std)
        u = _rand(tensor, generator).mul_(2 * hi - 2 * lo).add_(2 * lo - 1)
        u = u.erfinv().mul_(std * math.sqrt(2.0)).add_(mean).clamp_(a, b)
        return tensor.copy_(u)


def constant_(tensor, val):
    """Fill with ``val``."""
    _check(tensor, "constant_")
    with ember.no_grad():
        return tensor.fill_(val)


def ones_(tensor):
    """Fill with ones."""
    return constant_(tensor, 1.0)


def zeros_(tensor):
    """Fill with zeros."""
    _check(tensor, "zeros_")
    with ember.no_grad():
        return tensor.zero_()


def eye_(tensor):
    """Fill a 2-D tensor with the identity (ones on the main diagonal)."""
    if tensor.dim() != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    with ember.no_grad():
        return tensor.copy_(ember.eye(*tensor.shape, dtype=tensor.dtype, device=tensor.device))


def dirac_(tensor, groups=1):
    """Fill a 3/4/5-D (convolution) weight with the Dirac delta: a convolution with it keeps
    its input (per group)."""
    d = tensor.dim()
    if d not in (3, 4, 5):
        raise ValueError("Only tensors with 3, 4, or 5 dimensions are supported")
    size = tensor.shape
    if size[0] % groups != 0:
        raise ValueError("dim 0 must be divisible by groups")
    out_per_group = size[0] // groups
    n = min(out_per_group, size[1])
    with ember.no_grad():
        tensor.zero_()
        if n == 0:
            return tensor
        k = ember.arange(n, device=tensor.device)
        centre = tuple(s // 2 for s in size[2:])
        for g in range(groups):
            idx = (k + g * out_per_group, k) + tuple(
                ember.full((n,), c, dtype=ember.int64, device=tensor.device) for c in centre)
            tensor[idx] = 1
        return tensor


def xavier_uniform_(tensor, gain=1.0, generator=None):
    """Glorot uniform: ``U(-b, b)`` with ``b = gain * sqrt(6 / (fan_in + fan_out))``."""
    fan_in, fan_out = _fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    b = math.sqrt(3.0) * std
    return uniform_(tensor, -b, b, generator)


def xavier_normal_(tensor, gain=1.0, generator=None):
    """Glorot normal: ``N(0, std^2)`` with ``std = gain * sqrt(2 / (fan_in + fan_out))``."""
    fan_in, fan_out = _fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return normal_(tensor, 0.0, std, generator)


def kaiming_uniform_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """He uniform: ``U(-b, b)`` with ``b = gain * sqrt(3 / fan)``; ``gain`` from
    ``calculate_gain(nonlinearity, a)``, ``fan`` the ``mode`` (``'fan_in'``/``'fan_out'``)."""
    if 0 in tuple(tensor.shape):
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=2)
        return tensor
    fan = _correct_fan(tensor, mode)
    gain = calculate_gain(nonlinearity, a)
    bound = math.sqrt(3.0) * gain / math.sqrt(fan)
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """He normal: ``N(0, std^2)`` with ``std = gain / sqrt(fan)``."""
    if 0 in tuple(tensor.shape):
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=2)
        return tensor
    fan = _correct_fan(tensor, mode)
    gain = calculate_gain(nonlinearity, a)
    return normal_(tensor, 0.0, gain / math.sqrt(fan), generator)


def orthogonal_(tensor, gain=1, generator=None):
    """Fill with a (semi-)orthogonal matrix (the tensor viewed as ``(size(0), -1)``), scaled
    by ``gain``: the Q of a QR decomposition of a Gaussian matrix, sign-corrected so the
    distribution is uniform (Haar)."""
    if tensor.dim() < 2:
        raise ValueError("Only tensors with 2 or more dimensions are supported")
    if tensor.numel() == 0:
        return tensor
    rows = tensor.shape[0]
    cols = tensor.numel() // rows
    with ember.no_grad():
        flat = ember.randn(rows, cols, generator=generator, dtype=tensor.dtype,
                           device=tensor.device)
        if rows < cols:
            flat = flat.t()
        q, r = ember.linalg.qr(flat)
        q = q * r.diagonal().sign()
        if rows < cols:
            q = q.t()
        tensor.copy_(q.reshape(tensor.shape))
        tensor.mul_(gain)
    return tensor


def sparse_(tensor, sparsity, std=0.01, generator=None):
    """Fill a 2-D tensor from ``N(0, std^2)`` and zero ``ceil(sparsity * rows)`` randomly
    chosen entries of every column."""
    if tensor.dim() != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    rows, cols = tensor.shape
    num_zeros = int(math.ceil(sparsity * rows))
    with ember.no_grad():
        normal_(tensor, 0, std, generator)
        if num_zeros:
            u = ember.rand(rows, cols, generator=generator, device=tensor.device)
            rank = u.argsort(dim=0).argsort(dim=0)   # a random permutation per column
            tensor.masked_fill_(rank < num_zeros, 0)
    return tensor
