"""Dropout functions (``ember.nn.functional``): elementwise, channel-wise (1d/2d/3d) and the
self-normalising alpha variants. All are the identity when ``training=False`` or ``p == 0``.
"""

from __future__ import annotations

import warnings

import ember

__all__ = ["dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout",
           "feature_alpha_dropout"]

_SELU_NEG_SAT = 1.7580993408473766   # -scale * alpha of selu: the value alpha dropout sets


def _check_p(p):
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _keep_mask(input, shape, p):
    """Float mask of ``shape`` with ones kept with probability ``1 - p``."""
    with ember.no_grad():
        u = ember.rand(shape, dtype=input.dtype if input.dtype.is_floating_point else None,
                       device=input.device)
        return (u >= p).to(input.dtype)


def _apply(input, noise, inplace, bias=None):
    if inplace:
        if ember.is_grad_enabled() and input.requires_grad:
            out = input.clone() * noise
            if bias is not None:
                out = out + bias
            return input.copy_(out)
        with ember.no_grad():
            input.mul_(noise)
            if bias is not None:
                input.add_(bias)
            return input
    out = input * noise
    return out + bias if bias is not None else out


def _dropout_impl(input, p, training, inplace, feature_shape, alpha):
    _check_p(p)
    if not training or p == 0 or input.numel() == 0:
        return input
    if p == 1:
        with ember.no_grad():
            z = ember.zeros((), dtype=input.dtype, device=input.device)
        return _apply(input, z, inplace)
    keep = _keep_mask(input, feature_shape, p)
    if not alpha:
        return _apply(input, keep.mul_(1.0 / (1.0 - p)), inplace)
    a = 1.0 / ((_SELU_NEG_SAT ** 2 * p + 1) * (1 - p)) ** 0.5
    b = (keep - 1.0).mul_(_SELU_NEG_SAT * a).add_(_SELU_NEG_SAT * a * p)
    return _apply(input, keep.mul_(a), inplace, b)


def dropout(input, p=0.5, training=True, inplace=False):
    """Zero each element with probability ``p`` and scale the rest by ``1 / (1 - p)``.

    Shape: any. Example::

        >>> F.dropout(ember.ones(4), p=0.5, training=False)
        tensor([1., 1., 1., 1.])
    """
    return _dropout_impl(input, p, training, inplace, input.shape, False)


def _channel_shape(input, batched_ndim, name):
    nd = input.dim()
    if nd not in (batched_ndim - 1, batched_ndim):
        raise RuntimeError(f"{name}: Expected {batched_ndim - 1}D or {batched_ndim}D input, but "
                           f"received a {nd}D input. Inputs are (N, C, *spatial) or "
                           f"unbatched (C, *spatial).")
    lead = 1 if nd == batched_ndim - 1 else 2
    return tuple(input.shape[:lead]) + (1,) * (nd - lead)


def dropout1d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels: input ``(N, C, L)`` or ``(C, L)``; each channel is zeroed with
    probability ``p``, the rest scaled by ``1 / (1 - p)``."""
    _check_p(p)
    shape = _channel_shape(input, 3, "dropout1d")
    return _dropout_impl(input, p, training, inplace, shape, False)


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of ``(N, C, H, W)`` (or unbatched ``(C, H, W)``) input.

    A 3-D input is treated as ``(N, C, L)`` with channel-wise 1-D dropout, with a warning, as
    PyTorch does."""
    _check_p(p)
    nd = input.dim()
    if nd not in (3, 4):
        warnings.warn(f"dropout2d: Received a {nd}-D input to dropout2d, which is deprecated "
                      f"and will result in an error in a future release. To retain the "
                      f"behavior and silence this warning, please use dropout instead. Note "
                      f"that dropout2d exists to provide channel-wise dropout on inputs with 2 "
                      f"spatial dimensions, a channel dimension, and an optional batch "
                      f"dimension (i.e. 3D or 4D inputs).", stacklevel=2)
    if nd == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that "
                      "channel-wise 1D dropout behavior is desired - input is interpreted as "
                      "shape (N, C, L), where C is the channel dim. This behavior will change "
                      "in a future release to interpret the input as one without a batch "
                      "dimension, i.e. shape (C, H, W). To maintain the 1D channel-wise "
                      "dropout behavior, please switch to using dropout1d instead.",
                      stacklevel=2)
    if nd < 2:
        shape = input.shape
    else:
        shape = tuple(input.shape[:2]) + (1,) * (nd - 2)
    return _dropout_impl(input, p, training, inplace, shape, False)


def dropout3d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of ``(N, C, D, H, W)`` (or unbatched ``(C, D, H, W)``) input."""
    _check_p(p)
    nd = input.dim()
    if nd not in (4, 5):
        warnings.warn(f"dropout3d: Received a {nd}-D input to dropout3d, which is deprecated "
                      f"and will result in an error in a future release. To retain the "
                      f"behavior and silence this warning, please use dropout instead.",
                      stacklevel=2)
    if nd == 4:
        shape = (input.shape[0],) + (1,) * 3
    elif nd >= 2:
        shape = tuple(input.shape[:2]) + (1,) * (nd - 2)
    else:
        shape = input.shape
    return _dropout_impl(input, p, training, inplace, shape, False)


def alpha_dropout(input, p=0.5, training=False, inplace=False):
    """Dropout that keeps the mean and variance of self-normalising (SELU) activations:
    dropped elements are set to the SELU saturation value and an affine map restores the
    statistics."""
    return _dropout_impl(input, p, training, inplace, input.shape, True)


def feature_alpha_dropout(input, p=0.5, training=False, inplace=False):
    """Alpha dropout of whole channels (dims after the first two share one draw)."""
    _check_p(p)
    nd = input.dim()
    shape = (tuple(input.shape[:2]) + (1,) * (nd - 2)) if nd >= 2 else input.shape
    return _dropout_impl(input, p, training, inplace, shape, True)
