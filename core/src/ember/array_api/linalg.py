"""``ember.array_api.linalg``: the Array API linear algebra extension on ``ember.linalg``.

Functions work on the last two axes (a stack of matrices) and broadcast the leading ones.
Decompositions return named tuples with the standard's field names. ``matmul``,
``matrix_transpose``, ``tensordot`` and ``vecdot`` are also in the main namespace.

Example::

    >>> import ember.array_api as xp
    >>> xp.linalg.solve(xp.eye(2) * 2, xp.asarray([2., 4.]))
    tensor([1., 2.])
"""

from __future__ import annotations

from typing import NamedTuple

from .. import _dtype as D
from .. import linalg as _L
from .._ops._reg import EXPORTS as _E
from .._ops.core import broadcast_shapes
from .._tensor import Tensor
from ._helpers import check_array, norm_axes, operands

__all__ = ["cholesky", "cross", "det", "diagonal", "eigh", "eigvalsh", "inv", "matmul",
           "matrix_norm", "matrix_power", "matrix_rank", "matrix_transpose", "outer", "pinv",
           "qr", "slogdet", "solve", "svd", "svdvals", "tensordot", "trace", "vecdot",
           "vector_norm"]


class EighResult(NamedTuple):
    eigenvalues: Tensor
    eigenvectors: Tensor


class QRResult(NamedTuple):
    Q: Tensor
    R: Tensor


class SlogdetResult(NamedTuple):
    sign: Tensor
    logabsdet: Tensor


class SVDResult(NamedTuple):
    U: Tensor
    S: Tensor
    Vh: Tensor


def _square(x, op):
    check_array(x, op)
    if x.ndim < 2 or x._shape[-1] != x._shape[-2]:
        raise ValueError(f"{op}(): expected a stack of square matrices (..., M, M), got shape "
                         f"{tuple(x._shape)}")
    return x


def _matrices(x, op):
    check_array(x, op)
    if x.ndim < 2:
        raise ValueError(f"{op}(): expected at least two dimensions (..., M, N), got shape "
                         f"{tuple(x._shape)}")
    return x


# -- in the main namespace too ------------------------------------------------------------

def matmul(x1, x2, /):
    """The matrix product with NumPy's rules for 1-D operands and broadcast batch axes.

    Shape: ``(..., M, K) @ (..., K, N) -> (..., M, N)``."""
    check_array(x1, "matmul", "x1")
    check_array(x2, "matmul", "x2")
    if x1.ndim == 0 or x2.ndim == 0:
        raise ValueError("matmul(): zero-dimensional operands are not allowed; use multiply")
    a, b = operands(x1, x2, "matmul")
    return _E["matmul"](a, b)


def matrix_transpose(x, /):
    """``x`` with its last two axes swapped (a view)."""
    return _matrices(x, "matrix_transpose").mT


def tensordot(x1, x2, /, *, axes=2):
    """Sum of products over ``axes``: the last ``axes`` axes of ``x1`` with the first of
    ``x2`` (an int), or explicit pairs ``(axes_of_x1, axes_of_x2)``."""
    a, b = operands(check_array(x1, "tensordot", "x1"), check_array(x2, "tensordot", "x2"),
                    "tensordot")
    if not isinstance(axes, int):
        axes = (list(axes[0]), list(axes[1]))
    return _E["tensordot"](a, b, axes)


def vecdot(x1, x2, /, *, axis=-1):
    """``sum(conj(x1) * x2, axis)``: the dot product of vectors along ``axis`` (negative, as
    the standard asks), broadcasting the other axes.

    Example::

        >>> xp.vecdot(xp.asarray([[1., 2.], [3., 4.]]), xp.asarray([1., 1.]))
        tensor([3., 7.])
    """
    check_array(x1, "vecdot", "x1")
    check_array(x2, "vecdot", "x2")
    a, b = operands(x1, x2, "vecdot")
    nd = min(a.ndim, b.ndim)
    if nd == 0 or not -nd <= axis < 0 and not 0 <= axis < nd:
        raise ValueError(f"vecdot(): axis {axis} is out of range for shapes "
                         f"{tuple(a._shape)} and {tuple(b._shape)}")
    ax = axis if axis < 0 else axis - nd
    if a._shape[ax] != b._shape[ax]:
        raise ValueError(f"vecdot(): the vectors along axis {axis} differ in length "
                         f"({a._shape[ax]} and {b._shape[ax]})")
    if a._dtype.is_complex:
        a = a.conj()
    return (a * b).sum(dim=ax, dtype=a._dtype)


# -- the extension ----------------------------------------------------------------------

def cholesky(x, /, *, upper=False):
    """The Cholesky factor of a Hermitian positive-definite ``x``: lower ``L`` with
    ``x = L @ L^H`` (upper ``U`` with ``x = U^H @ U`` when ``upper``)."""
    return _L.cholesky(_square(x, "cholesky"), upper=upper)


def cross(x1, x2, /, *, axis=-1):
    """The cross product of 3-vectors along ``axis`` of the broadcast shape of ``x1`` and
    ``x2``."""
    a, b = operands(check_array(x1, "cross", "x1"), check_array(x2, "cross", "x2"), "cross")
    a, b = _E["broadcast_tensors"](a, b)
    if a.ndim == 0 or not -a.ndim <= axis < a.ndim or a._shape[axis] != 3:
        raise ValueError(f"cross(): axis {axis} must have size 3 (shapes {tuple(x1._shape)} "
                         f"and {tuple(x2._shape)})")
    return _L.cross(a, b, dim=axis)


def det(x, /):
    """The determinant of each matrix; shape ``x.shape[:-2]``."""
    return _L.det(_square(x, "det"))


def diagonal(x, /, *, offset=0):
    """The ``offset``-th diagonal of each matrix (above the main one when positive)."""
    return _L.diagonal(_matrices(x, "diagonal"), offset=offset)


def eigh(x, /):
    """``(eigenvalues, eigenvectors)`` of a Hermitian ``x`` (values ascending, real)."""
    w, v = _L.eigh(_square(x, "eigh"))
    return EighResult(w, v)


def eigvalsh(x, /):
    """The eigenvalues of a Hermitian ``x``, ascending."""
    return _L.eigvalsh(_square(x, "eigvalsh"))


def inv(x, /):
    """The inverse of each matrix."""
    return _L.inv(_square(x, "inv"))


def matrix_norm(x, /, *, keepdims=False, ord="fro"):  # noqa: A002
    """A matrix norm of each matrix: ``"fro"``, ``"nuc"``, ``1``, ``-1``, ``2``, ``-2``,
    ``inf``, ``-inf``."""
    return _L.matrix_norm(_matrices(x, "matrix_norm"), ord, (-2, -1), keepdims)


def matrix_power(x, n, /):
    """``x`` raised to the integer power ``n`` (the inverse's power for negative ``n``)."""
    return _L.matrix_power(_square(x, "matrix_power"), n)


def matrix_rank(x, /, *, rtol=None):
    """The number of singular values above ``rtol * largest`` (``rtol`` defaults to
    ``max(M, N) * eps``); int64."""
    return _L.matrix_rank(_matrices(x, "matrix_rank"), rtol=rtol)


def outer(x1, x2, /):
    """The outer product of two 1-D arrays: shape ``(N, M)``."""
    a, b = operands(check_array(x1, "outer", "x1"), check_array(x2, "outer", "x2"), "outer")
    if a.ndim != 1 or b.ndim != 1:
        raise ValueError(f"outer(): expected 1-D arrays, got shapes {tuple(a._shape)} and "
                         f"{tuple(b._shape)}")
    return _E["outer"](a, b)


def pinv(x, /, *, rtol=None):
    """The Moore-Penrose pseudo-inverse (singular values below ``rtol * largest`` are
    treated as zero)."""
    return _L.pinv(_matrices(x, "pinv"), rtol=rtol)


def qr(x, /, *, mode="reduced"):
    """``(Q, R)`` with ``x = Q @ R``; ``mode`` ``"reduced"`` or ``"complete"``."""
    if mode not in ("reduced", "complete"):
        raise ValueError(f"qr(): mode must be 'reduced' or 'complete', got {mode!r}")
    q, r = _L.qr(_matrices(x, "qr"), mode=mode)
    return QRResult(q, r)


def slogdet(x, /):
    """``(sign, logabsdet)`` of each matrix's determinant."""
    sign, logabs = _L.slogdet(_square(x, "slogdet"))
    return SlogdetResult(sign, logabs)


def solve(x1, x2, /):
    """``x`` with ``x1 @ x = x2``. A 1-D ``x2`` is one vector; otherwise ``x2`` is a stack
    of matrices ``(..., M, K)`` whose batch axes broadcast with ``x1``'s."""
    a, b = operands(_square(x1, "solve"), check_array(x2, "solve", "x2"), "solve")
    if b.ndim == 1:
        return _L.solve(a, b.unsqueeze(-1)).squeeze(-1)
    if b.ndim < 2 or b._shape[-2] != a._shape[-1]:
        raise ValueError(f"solve(): x2 must have shape (M,) or (..., M, K) with M = "
                         f"{a._shape[-1]}, got {tuple(b._shape)}")
    batch = tuple(broadcast_shapes(a._shape[:-2], b._shape[:-2]))
    a = a.expand(batch + a._shape[-2:])
    b = b.expand(batch + b._shape[-2:])
    return _L.solve(a, b)


def svd(x, /, *, full_matrices=True):
    """``(U, S, Vh)`` with ``x = U @ diag(S) @ Vh`` (singular values descending)."""
    u, s, vh = _L.svd(_matrices(x, "svd"), full_matrices=full_matrices)
    return SVDResult(u, s, vh)


def svdvals(x, /):
    """The singular values of each matrix, descending."""
    return _L.svdvals(_matrices(x, "svdvals"))


def trace(x, /, *, offset=0, dtype=None):
    """The sum of the ``offset``-th diagonal of each matrix (integers sum in int64)."""
    dg = _L.diagonal(_matrices(x, "trace"), offset=offset)
    d = dtype if dtype is not None else (D.int64 if x._dtype._cat <= 1 else x._dtype)
    return dg.sum(dim=-1, dtype=d)


def vector_norm(x, /, *, axis=None, keepdims=False, ord=2):  # noqa: A002
    """The ``ord``-norm of the vectors along ``axis`` (all elements when None): ``2``,
    ``1``, ``inf``, ``-inf``, ``0`` (non-zero count) or any real ``p``."""
    check_array(x, "vector_norm")
    axes = norm_axes(axis, x.ndim, "vector_norm")
    if axis is None:
        r = _L.vector_norm(x.reshape(-1), ord, 0, False)
        return r.reshape((1,) * x.ndim) if keepdims else r
    return _L.vector_norm(x, ord, axes, keepdims)
