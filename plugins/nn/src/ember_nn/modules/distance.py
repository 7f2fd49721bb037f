"""``PairwiseDistance`` and ``CosineSimilarity``."""

from __future__ import annotations

from ember.nn import Module

from ..functional.distance import cosine_similarity, pairwise_distance

__all__ = ["PairwiseDistance", "CosineSimilarity"]


class PairwiseDistance(Module):
    """The ``p``-norm of ``x1 - x2 + eps`` over the last dim.

    Args:
        p (float): the norm degree. Default: 2.
        eps (float): added to the difference (avoids a zero norm). Default: 1e-6.
        keepdim (bool): keep the last dim (size 1). Default: ``False``.

    Shape: ``(N, D)`` or ``(D,)`` inputs (broadcast) -> ``(N,)`` or ``()``.

    Example::

        >>> nn.PairwiseDistance(p=2)(ember.randn(100, 128), ember.randn(100, 128)).shape
        ember.Size([100])
    """

    def __init__(self, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> None:
        super().__init__()
        self.norm = p
        self.eps = eps
        self.keepdim = keepdim

    def forward(self, x1, x2):
        return pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)


class CosineSimilarity(Module):
    """``x1 . x2 / (max(||x1||, eps) max(||x2||, eps))`` along ``dim``.

    Args:
        dim (int): the dim of the vectors. Default: 1.
        eps (float): lower bound of the norms. Default: 1e-8.

    Shape: ``(*1, D, *2)`` inputs (broadcast) -> ``(*1, *2)``.

    Example::

        >>> nn.CosineSimilarity(dim=1)(ember.randn(100, 128), ember.randn(100, 128)).shape
        ember.Size([100])
    """

    def __init__(self, dim: int = 1, eps: float = 1e-8) -> None:
        super().__init__()
        self.dim = dim
        self.eps = eps

    def forward(self, x1, x2):
        return cosine_similarity(x1, x2, self.dim, self.eps)
