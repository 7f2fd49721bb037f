"""The NumPy backend's fused mean cross entropy (optional kernel ``cross_entropy_mean``; the
contract is NOTE [fused cross entropy kernel] in ``ember.backend``).

The generic op builds the loss from a dozen backend calls, each with its Python wrapper and,
for a division, an ``errstate`` context; on the (batch, classes) logits of a training step
those calls, not the arithmetic, are the cost. Here the same arithmetic runs as bare ufunc
calls, with the target range check folded in.
"""

from __future__ import annotations

import numpy as np

__all__ = ["cross_entropy_mean", "cross_entropy_mean_backward"]

_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))
_I64 = np.dtype(np.int64)


def cross_entropy_mean(x, t):
    """``mean_n(logsumexp(x_n) - x_n[t_n])`` and ``softmax(x)`` for (N, C) float32/float64
    logits ``x`` and (N,) int64 class indices ``t``: ``(loss, probs)`` with ``loss`` a 0-d
    array of ``x``'s dtype and ``probs`` a new (N, C) array. ``NotImplemented`` for anything
    else -- other dtypes or shapes, an empty batch, or a target outside ``[0, C)`` -- so that
    the caller's general path handles it (and raises for bad targets)."""
    if (x.ndim != 2 or t.ndim != 1 or x.dtype not in _FLOATS or t.dtype != _I64
            or x.shape[0] != t.shape[0] or x.size == 0):
        return NotImplemented
    n, c = x.shape
    if np.minimum.reduce(t) < 0 or np.maximum.reduce(t) >= c:
        return NotImplemented
    z = np.subtract(x, np.maximum.reduce(x, axis=1, keepdims=True))     # shifted logits <= 0
    e = np.exp(z)
    s = np.add.reduce(e, axis=1, keepdims=True)                          # >= 1 (or NaN)
    # loss_n = log(s_n) - z_n[t_n]
    loss = (np.add.reduce(np.log(s), axis=None) - np.add.reduce(z[np.arange(n), t])) / n
    np.divide(e, s, out=e)
    return np.asarray(loss, dtype=x.dtype), e


def cross_entropy_mean_backward(p, t, g):
    """The logits' gradient of ``cross_entropy_mean``: ``(p - onehot(t)) * (g * (1/N))``
    as a new array, bit for bit the generic backward (``p - 0`` is ``p``, so only the target
    entries need the subtraction): one product over ``p`` instead of a one-hot comparison,
    a cast, a difference and a product. ``p`` is left unchanged (a second backward reads it
    again)."""
    if p.ndim != 2 or p.dtype not in _FLOATS or t.ndim != 1 or t.shape[0] != p.shape[0]:
        return NotImplemented
    n = p.shape[0]
    gs = np.multiply(g, 1.0 / n)
    gx = np.multiply(p, gs)
    rows = np.arange(n)
    gx[rows, t] = np.multiply(np.subtract(p[rows, t], 1), gs)
    return gx
