"""Distances and normalisation: ``pairwise_distance``, ``cosine_similarity``, ``normalize``
(``ember.nn.functional``)."""

from __future__ import annotations

import ember

__all__ = ["pairwise_distance", "cosine_similarity", "normalize"]


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """The ``p``-norm of ``x1 - x2 + eps`` over the last dim (inputs broadcast).

    Shape: ``(N, D)`` or ``(D,)`` inputs -> ``(N,)`` or ``()`` (``keepdim``: the last dim
    kept as 1).

    Example::

        >>> F.pairwise_distance(ember.zeros(2, 3), ember.ones(2, 3), eps=0.).shape
        ember.Size([2])
    """
    nd = max(x1.dim(), x2.dim())
    if nd == 0:
        raise RuntimeError("pairwise_distance: inputs must have at least 1 dimension, got 0-d "
                           "tensors")
    return (x1 - x2 + eps).norm(p, dim=nd - 1, keepdim=keepdim)


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """``x1 . x2 / (max(||x1||, eps) * max(||x2||, eps))`` along ``dim`` (inputs broadcast).

    The eps clamp does not stop gradients through the norms, as in PyTorch.

    Shape: ``(*, D, *)`` -> ``(*, *)`` (``dim`` removed).

    Example::

        >>> F.cosine_similarity(ember.tensor([[1., 0.]]), ember.tensor([[1., 1.]]))
        tensor([0.7071])
    """
    shape = ember.broadcast_shapes(x1.shape, x2.shape)
    if x1.shape != shape:
        x1 = x1.expand(shape)
    if x2.shape != shape:
        x2 = x2.expand(shape)
    n1 = x1.norm(2, dim=dim, keepdim=True)
    n2 = x2.norm(2, dim=dim, keepdim=True)
    n1 = n1 + (n1.clamp(min=eps) - n1).detach()
    n2 = n2 + (n2.clamp(min=eps) - n2).detach()
    return ((x1 / n1) * (x2 / n2)).sum(dim)


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    """``input / max(||input||_p, eps)`` along ``dim``.

    Example::

        >>> F.normalize(ember.tensor([[3., 4.]]))
        tensor([[0.6000, 0.8000]])
    """
    denom = input.norm(p, dim=dim, keepdim=True).clamp(min=eps).expand_as(input)
    r = input / denom
    if out is not None:
        out.copy_(r)
        return out
    return r
