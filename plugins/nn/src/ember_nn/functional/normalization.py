"""Normalization: ``batch_norm``, ``instance_norm``, ``layer_norm``, ``group_norm``,
``rms_norm`` and ``local_response_norm``.

All are composed of ember reductions and elementwise ops, so autograd (to any order) follows.
Running statistics are updated in place under ``no_grad``, as PyTorch does.
"""

from __future__ import annotations

import ember
from ember._tensor import Tensor

__all__ = ["batch_norm", "instance_norm", "layer_norm", "group_norm", "rms_norm",
           "local_response_norm"]

_EPS = {"float32": 1.1920928955078125e-07, "float64": 2.220446049250313e-16,
        "float16": 0.0009765625, "bfloat16": 0.0078125}


def _check_t(x, name, op):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument '{name}' must be Tensor, not {type(x).__name__}")


def _chan_view(t, ndim):
    """A per-channel vector (C,) viewed as (1, C, 1, ...) for an ``ndim``-d input."""
    return t.reshape((1, -1) + (1,) * (ndim - 2))


def _check_param(t, name, c, op):
    if t is None:
        return
    _check_t(t, name, op)
    if t.numel() != c:
        raise RuntimeError(f"{op}: expected {name} to have {c} elements (one per channel), but "
                           f"got {name} of shape {list(t.shape)}")


def _check_channel_params(op, c, running_mean, running_var, weight, bias):
    """Each given per-channel tensor is a Tensor of ``c`` elements."""
    for t, n in ((running_mean, "running_mean"), (running_var, "running_var"),
                 (weight, "weight"), (bias, "bias")):
        _check_param(t, n, c, op)


def _channel_affine(y, weight, bias):
    """``y * weight + bias`` with the optional per-channel ``(C,)`` weight and bias applied
    along dim 1 of ``y``."""
    nd = y.dim()
    if weight is not None:
        y = y * _chan_view(weight, nd)
    if bias is not None:
        y = y + _chan_view(bias, nd)
    return y


def _update_running(running, stat, momentum):
    """``running = (1 - momentum) * running + momentum * stat``, in place, untracked."""
    with ember.no_grad():
        running.mul_(1 - momentum).add_(stat.detach().to(running.dtype) * momentum)


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-05):
    """Batch normalization over the channel dim 1: ``(x - mean) / sqrt(var + eps) * w + b``.

    In training the batch statistics (over every dim but 1; biased variance) normalize and,
    when given, ``running_mean``/``running_var`` move towards them by ``momentum`` (the
    running variance uses the unbiased estimate). In evaluation the running statistics
    normalize.

    Args:
        input: ``(N, C)`` or ``(N, C, *)``.
        running_mean, running_var: ``(C,)`` buffers or None (required when not training).
        weight, bias: optional ``(C,)`` affine parameters.
        training (bool), momentum (float), eps (float).

    Shape: output has the input's shape.

    Example::

        >>> x = ember.randn(8, 3, 4, 4)
        >>> rm, rv = ember.zeros(3), ember.ones(3)
        >>> y = F.batch_norm(x, rm, rv, training=True)   # rm, rv updated in place
    """
    op = "batch_norm"
    _check_t(input, "input", op)
    if input.dim() < 2:
        raise ValueError(f"{op}: expected 2D or higher input (N, C, *), got {input.dim()}D input "
                         f"of size {list(input.shape)}")
    c = input.shape[1]
    _check_channel_params(op, c, running_mean, running_var, weight, bias)
    nd = input.dim()
    dims = (0,) + tuple(range(2, nd))
    if training:
        n = input.numel() // c if c else 0
        if n <= 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input "
                             f"size {list(input.shape)}")
        mean = input.mean(dims, keepdim=True)
        var = input.var(dims, correction=0, keepdim=True)
        if running_mean is not None:
            _update_running(running_mean, mean.reshape(-1), momentum)
        if running_var is not None:
            _update_running(running_var, var.reshape(-1) * (n / (n - 1)), momentum)
    else:
        if running_mean is None or running_var is None:
            raise RuntimeError(f"{op}: running_mean and running_var must be defined in "
                               f"evaluation mode (training=False)")
        mean = _chan_view(running_mean, nd).to(input.dtype)
        var = _chan_view(running_var, nd).to(input.dtype)
    return _channel_affine((input - mean) * (var + eps).rsqrt(), weight, bias)


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None,
                  use_input_stats=True, momentum=0.1, eps=1e-05):
    """Instance normalization: each ``(n, c)`` plane normalized by its own statistics.

    With ``use_input_stats`` the per-instance statistics normalize and, when given, the
    running buffers move towards their batch average; otherwise the running statistics
    normalize (evaluation with ``track_running_stats``).

    Args:
        input: ``(N, C, *)`` with at least one spatial dim.
        running_mean, running_var, weight, bias: optional ``(C,)`` tensors.

    Example::

        >>> F.instance_norm(ember.randn(2, 3, 8, 8)).shape
        ember.Size([2, 3, 8, 8])
    """
    op = "instance_norm"
    _check_t(input, "input", op)
    if input.dim() < 3:
        raise ValueError(f"{op}: expected input with a batch, a channel and at least one "
                         f"spatial dimension (N, C, *), got size {list(input.shape)}")
    c = input.shape[1]
    _check_channel_params(op, c, running_mean, running_var, weight, bias)
    nd = input.dim()
    dims = tuple(range(2, nd))
    if use_input_stats:
        n = 1
        for s in input.shape[2:]:
            n *= s
        if n <= 1:
            raise ValueError(f"Expected more than 1 spatial element when training, got input "
                             f"size {list(input.shape)}")
        mean = input.mean(dims, keepdim=True)
        var = input.var(dims, correction=0, keepdim=True)
        if running_mean is not None:
            _update_running(running_mean, mean.reshape(input.shape[0], c).mean(0), momentum)
        if running_var is not None:
            unb = var.reshape(input.shape[0], c) * (n / (n - 1))
            _update_running(running_var, unb.mean(0), momentum)
    else:
        if running_mean is None or running_var is None:
            raise RuntimeError(f"{op}: expected running_mean and running_var to be defined when "
                               f"use_input_stats is False")
        mean = _chan_view(running_mean, nd).to(input.dtype)
        var = _chan_view(running_var, nd).to(input.dtype)
    return _channel_affine((input - mean) * (var + eps).rsqrt(), weight, bias)


def _norm_shape(normalized_shape):
    if isinstance(normalized_shape, int):
        return (normalized_shape,)
    return tuple(int(s) for s in normalized_shape)


def _check_norm_shape(input, shape, op):
    k = len(shape)
    if k == 0 or input.dim() < k or tuple(input.shape[input.dim() - k:]) != shape:
        raise RuntimeError(f"Given normalized_shape={list(shape)}, expected input with shape "
                           f"[*, {', '.join(map(str, shape))}], but got input of size"
                           f"{list(input.shape)} ({op})")


def _check_affine(t, name, shape, op):
    if t is not None:
        _check_t(t, name, op)
        if tuple(t.shape) != shape:
            raise RuntimeError(f"{op}: expected {name} of shape {list(shape)} (the normalized "
                               f"shape), but got {list(t.shape)}")


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-05):
    """Layer normalization over the last ``len(normalized_shape)`` dims (biased variance).

    Args:
        input: ``(*, *normalized_shape)``.
        normalized_shape: an int or a tuple, the trailing shape to normalize over.
        weight, bias: optional tensors of ``normalized_shape``.
        eps: added to the variance.

    Example::

        >>> F.layer_norm(ember.randn(4, 10), (10,)).mean(-1).abs().max() < 1e-6
        tensor(True)
    """
    op = "layer_norm"
    _check_t(input, "input", op)
    shape = _norm_shape(normalized_shape)
    _check_norm_shape(input, shape, op)
    _check_affine(weight, "weight", shape, op)
    _check_affine(bias, "bias", shape, op)
    dims = tuple(range(input.dim() - len(shape), input.dim()))
    mean = input.mean(dims, keepdim=True)
    var = input.var(dims, correction=0, keepdim=True)
    y = (input - mean) * (var + eps).rsqrt()
    if weight is not None:
        y = y * weight
    if bias is not None:
        y = y + bias
    return y


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-05):
    """Group normalization: channels split into ``num_groups`` groups, each (per sample)
    normalized over its channels and spatial positions; then a per-channel affine.

    Args:
        input: ``(N, C, *)``; ``C`` divisible by ``num_groups``.
        weight, bias: optional ``(C,)``.

    Example::

        >>> F.group_norm(ember.randn(2, 6, 5), 3).shape
        ember.Size([2, 6, 5])
    """
    op = "group_norm"
    _check_t(input, "input", op)
    if input.dim() < 2:
        raise RuntimeError(f"{op}: Expected at least 2 dimensions for input tensor but "
                           f"received {input.dim()}")
    n, c = input.shape[0], input.shape[1]
    if num_groups <= 0 or c % num_groups:
        raise RuntimeError(f"Expected number of channels in input to be divisible by "
                           f"num_groups, but got input of shape {list(input.shape)} and "
                           f"num_groups={num_groups}")
    _check_channel_params(op, c, None, None, weight, bias)
    x = input.reshape(n, num_groups, -1)
    mean = x.mean(-1, keepdim=True)
    var = x.var(-1, correction=0, keepdim=True)
    return _channel_affine(((x - mean) * (var + eps).rsqrt()).reshape(input.shape), weight,
                           bias)


def rms_norm(input, normalized_shape, weight=None, eps=None):
    """Root-mean-square normalization: ``x / sqrt(mean(x ** 2) + eps) * weight`` over the
    trailing ``normalized_shape``; ``eps`` defaults to the dtype's machine epsilon.

    Example::

        >>> F.rms_norm(ember.tensor([[3., 4.]]), (2,))
        tensor([[0.8485, 1.1314]])
    """
    op = "rms_norm"
    _check_t(input, "input", op)
    shape = _norm_shape(normalized_shape)
    _check_norm_shape(input, shape, op)
    _check_affine(weight, "weight", shape, op)
    if eps is None:
        eps = _EPS.get(input.dtype.name, 1.1920928955078125e-07)
    dims = tuple(range(input.dim() - len(shape), input.dim()))
    y = input * ((input * input).mean(dims, keepdim=True) + eps).rsqrt()
    if weight is not None:
        y = y * weight
    return y


def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    """Local response normalization across channels:
    ``x / (k + alpha * mean over a window of `size` channels of x ** 2) ** beta``
    (the window is zero-padded at the channel ends and always divided by ``size``).

    Args:
        input: ``(N, C, *)`` with at least 3 dims.

    Example::

        >>> F.local_response_norm(ember.ones(1, 4, 2, 2), 2).shape
        ember.Size([1, 4, 2, 2])
    """
    from .pooling import avg_pool2d, avg_pool3d
    op = "local_response_norm"
    _check_t(input, "input", op)
    dim = input.dim()
    if dim < 3:
        raise ValueError(f"Expected 3D or higher dimensionality input (got {dim} dimensions)")
    if input.numel() == 0:
        return input
    sq = (input * input).unsqueeze(1)
    lo, hi = size // 2, (size - 1) // 2
    if dim == 3:
        sq = _pad_dim(sq, 2, lo, hi)                       # (N, 1, C + size - 1, L)
        div = avg_pool2d(sq, (size, 1), stride=1).squeeze(1)
    else:
        n, c = input.shape[0], input.shape[1]
        sq = sq.reshape(n, 1, c, input.shape[2], -1)
        sq = _pad_dim(sq, 2, lo, hi)
        div = avg_pool3d(sq, (size, 1, 1), stride=1).squeeze(1).reshape(input.shape)
    div = (div * alpha + k).pow(beta)
    return input / div


def _pad_dim(x, dim, lo, hi):
    """Zero-pad ``x`` along ``dim`` by ``lo``/``hi``."""
    parts = []
    if lo:
        shape = list(x.shape)
        shape[dim] = lo
        parts.append(ember.zeros(shape, dtype=x.dtype, device=x.device))
    parts.append(x)
    if hi:
        shape = list(x.shape)
        shape[dim] = hi
        parts.append(ember.zeros(shape, dtype=x.dtype, device=x.device))
    return ember.cat(parts, dim) if len(parts) > 1 else x
