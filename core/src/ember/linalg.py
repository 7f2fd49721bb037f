"""``ember.linalg``: norms, decompositions, solvers and inverses, with gradients.

Every function works on batches: the last two dimensions are the matrix, the leading ones a
batch (broadcast between operands). Inputs must be float32, float64, complex64 or complex128.

The factorizations (``inv det slogdet solve cholesky qr svd eigh eig``) run on the backend's
optional ``linalg`` kernel (NOTE [optional linalg/fft] in ``ember/backend.py``); their
gradients are written here in ember ops, so they run on any device and can be differentiated
again. Everything else (norms, ``pinv``, ``lstsq``, ``matrix_power``, ``matrix_exp``, ...)
is composed from those and from ``matmul``.

NOTE [decomposition gradients]: ``svd`` and ``eigh`` gradients divide by differences of
(squared) singular values / eigenvalues, so they are only defined when those are distinct; the
gauge of singular and eigen vectors (a sign, or a phase for complex inputs) is arbitrary, and
only losses that do not depend on it have a well-defined gradient, exactly as in PyTorch.

Example::

    >>> A = ember.tensor([[4., 1.], [1., 3.]], requires_grad=True)
    >>> ember.linalg.det(A)
    tensor(11., grad_fn=<LinalgDetBackward0>)
    >>> ember.linalg.solve(A, ember.tensor([1., 2.]))
    tensor([0.0909, 0.6364], grad_fn=<...>)
"""

from __future__ import annotations

import builtins
import collections
import math

from . import _dtype as D
from ._tensor import Tensor, _from_native, _wrap_dim
from ._ops.core import Op, write_out, _tname, _check_same_device, broadcast_shapes
from ._ops.basic import matmul as _mm, sum as _sum
from ._ops.elementwise import where as _where
from ._ops.linalg_ops import multi_dot_impl, _cross
from .autograd.grad_mode import no_grad, is_grad_enabled
from .backend import MissingPrimitive

__all__ = ["LinAlgError", "norm", "vector_norm", "matrix_norm", "det", "slogdet", "inv",
           "inv_ex", "solve", "solve_ex", "solve_triangular", "cholesky", "cholesky_ex", "qr",
           "svd", "svdvals", "eigh", "eigvalsh", "eig", "eigvals", "pinv", "lstsq",
           "matrix_power", "matrix_rank", "matrix_exp", "cross", "vecdot", "multi_dot",
           "diagonal", "matmul", "tensorinv", "tensorsolve", "cond", "vander"]

_py_max = builtins.max
_py_min = builtins.min

SlogdetResult = collections.namedtuple("linalg_slogdet", "sign logabsdet")
QRResult = collections.namedtuple("linalg_qr", "Q R")
SVDResult = collections.namedtuple("linalg_svd", "U S Vh")
EighResult = collections.namedtuple("linalg_eigh", "eigenvalues eigenvectors")
EigResult = collections.namedtuple("linalg_eig", "eigenvalues eigenvectors")
LstsqResult = collections.namedtuple("linalg_lstsq", "solution residuals rank singular_values")
InvExResult = collections.namedtuple("linalg_inv_ex", "inverse info")
CholeskyExResult = collections.namedtuple("linalg_cholesky_ex", "L info")
SolveExResult = collections.namedtuple("linalg_solve_ex", "result info")


class LinAlgError(RuntimeError):
    """A linear-algebra routine failed on its input: a singular matrix (``inv``, ``solve``)
    or one that is not positive-definite (``cholesky``). As ``torch.linalg.LinAlgError``."""


# -- helpers ----------------------------------------------------------------------------------

def _check_float(op, x):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: expected a Tensor, got {type(x).__name__}")
    d = x._dtype
    if d in (D.float16, D.bfloat16):
        raise RuntimeError(f"{op}: Low precision dtypes not supported. Got {_tname(d)}")
    if not (d.is_floating_point or d.is_complex):
        raise RuntimeError(f"{op}: Expected a floating point or complex tensor as input. Got "
                           f"{_tname(d)}")


def _check_square(op, A, name="A"):
    _check_float(op, A)
    if A.dim() < 2:
        raise RuntimeError(f"{op}: The input tensor {name} must have at least 2 dimensions.")
    if A._shape[-1] != A._shape[-2]:
        raise RuntimeError(f"{op}: {name} must be batches of square matrices, but they are "
                           f"{A._shape[-2]} by {A._shape[-1]} matrices")


def _check_matrix(op, A, name="A"):
    _check_float(op, A)
    if A.dim() < 2:
        raise RuntimeError(f"{op}: The input tensor {name} must have at least 2 dimensions.")


def _kernel(op, x):
    be = x._storage._be
    fn = getattr(be, "linalg", None)
    if fn is None:
        raise MissingPrimitive(
            f"{op}: the {getattr(be, 'name', type(be).__name__)!r} backend does not provide "
            f"the optional 'linalg' kernel this function needs (see "
            f"ember.backend.LinalgFftKernels); move the tensor to a device that has it, "
            f"e.g. with .cpu()")
    return fn


def _call(op, name, *tensors, **kw):
    """Run backend kernel ``name`` on tensors; wrap array results as tensors."""
    x = tensors[0]
    fn = _kernel(op, x)
    st = x._storage
    try:
        out = fn(name, *(t._data for t in tensors), **kw)
    except Exception as exc:
        if type(exc).__name__ == "LinAlgError":
            raise _lin_error(op, name, tensors[0]) from None
        raise
    if name in _CHECKED and not _all_finite(st._be, out) and _all_finite(st._be, x._data):
        # backends that do not raise (CuPy returns nan) fail here, as PyTorch checks info
        raise _lin_error(op, name, x)
    if isinstance(out, tuple):
        return tuple(_from_native(o, st._be, st.device) for o in out)
    return _from_native(out, st._be, st.device)


_CHECKED = ("inv", "solve", "cholesky")


def _all_finite(be, arr):
    return bool(be.all(be.isfinite(arr), None, False))


def _lin_error(op, name, A):
    shape = list(A.shape)
    where = ""
    if A.dim() > 2 and name in ("inv", "solve"):
        try:
            d = _call(op, "det", A).reshape(-1)
            bad = (d == 0).nonzero()
            if bad.numel():
                where = f"(Batch element {int(bad[0, 0].item())}): "
        except Exception:   # the diagnosis is best effort; the error below is what matters
            pass
    if name == "cholesky":
        return LinAlgError(f"{op}: {where}The factorization could not be completed because the "
                           f"input of shape {shape} is not positive-definite; check that it "
                           f"is symmetric (Hermitian) with positive eigenvalues, or add a "
                           f"small multiple of the identity")
    if name == "solve":
        return LinAlgError(f"{op}: {where}The solver failed because the input matrix of shape "
                           f"{shape} is singular; use ember.linalg.lstsq or "
                           f"ember.linalg.pinv for singular systems")
    return LinAlgError(f"{op}: {where}The inversion could not be completed because the input "
                       f"matrix of shape {shape} is singular; use ember.linalg.pinv for "
                       f"singular or ill-conditioned matrices")


def _eye(n, like, m=None):
    from ._creation import eye
    return eye(n, m, dtype=like._dtype, device=like.device)


def _tri_mask(n, m, k, lower, like):
    """Bool mask of the lower (j - i <= k) or upper (j - i >= k) triangle of an n x m
    matrix."""
    from ._creation import arange
    d = arange(m, device=like.device).unsqueeze(0) - arange(n, device=like.device).unsqueeze(1)
    return d <= k if lower else d >= k


def _tril(x, k=0):
    return _where(_tri_mask(x._shape[-2], x._shape[-1], k, True, x), x, 0.0)


def _triu(x, k=0):
    return _where(_tri_mask(x._shape[-2], x._shape[-1], k, False, x), x, 0.0)


def _diag(x):
    return x.diagonal(0, -2, -1)


def _diag_embed(v):
    n = v._shape[-1]
    return v.unsqueeze(-1) * _eye(n, v)


def _real_dtype(x):
    return x._dtype.to_real()


def _re(x):
    return x.real if x._dtype.is_complex else x


def _cat_last(a, b):
    """Concatenate along the last dim (differentiable; used by QR of wide matrices)."""
    return _CatLast.apply(a, b)


class _CatLast(Op):
    _node_name = "CatBackward0"

    @staticmethod
    def forward(ctx, a, b):
        ctx.na = a._shape[-1]
        be = a._storage._be
        return be.concat([a._data, b._data], a.dim() - 1)

    @staticmethod
    def backward(ctx, g):
        n = ctx.na
        return g.narrow(-1, 0, n), g.narrow(-1, n, g._shape[-1] - n)


# -- inv / det / slogdet ------------------------------------------------------------------------

class _Inv(Op):
    _node_name = "LinalgInvExBackward0"

    @staticmethod
    def forward(ctx, A):
        Y = _call("linalg.inv", "inv", A)
        ctx.save_for_backward(Y)
        return Y

    @staticmethod
    def backward(ctx, g):
        (Y,) = ctx.saved_tensors
        Yh = Y.mH
        return -_mm(_mm(Yh, g), Yh)


def inv(A, *, out=None):
    """The inverse of square matrices: ``(*, n, n) -> (*, n, n)``. Raises
    :class:`LinAlgError` for a singular matrix.

    Example: ``ember.linalg.inv(ember.tensor([[2., 0.], [0., 4.]]))`` is
    ``[[0.5, 0], [0, 0.25]]``."""
    _check_square("linalg.inv", A)
    r = _Inv.apply(A)
    return write_out(r, out) if out is not None else r


def inv_ex(A, *, check_errors=False, out=None):
    """``(inverse, info)``: as :func:`inv`; ``info`` is 0 for invertible matrices and
    nonzero (batch-shaped int32) for singular ones, whose inverse is filled with nan unless
    ``check_errors``."""
    _check_square("linalg.inv_ex", A)
    try:
        r = _Inv.apply(A)
        info = _zeros_int(A)
    except LinAlgError:
        if check_errors:
            raise
        d = det(A.detach())
        info = (d == 0).to(D.int32)
        safe = _where((d == 0).unsqueeze(-1).unsqueeze(-1), _eye(A._shape[-1], A), A)
        r = _where((d == 0).unsqueeze(-1).unsqueeze(-1), float("nan"), _Inv.apply(safe))
    return InvExResult(write_out(r, out) if out is not None else r, info)


def _zeros_int(A):
    from ._creation import zeros
    return zeros(tuple(A._shape[:-2]), dtype=D.int32, device=A.device)


class _Det(Op):
    _node_name = "LinalgDetBackward0"

    @staticmethod
    def forward(ctx, A):
        d = _call("linalg.det", "det", A)
        ctx.save_for_backward(A, d)
        return d

    @staticmethod
    def backward(ctx, g):
        A, d = ctx.saved_tensors
        return _det_grad(A, d, g)


def _det_grad(A, d, g):
    """``g * conj(det) * A^{-H}`` (the adjugate), through an SVD when some matrix of the
    batch is singular (where the inverse does not exist but the adjugate does)."""
    gd = (g * d.conj()).unsqueeze(-1).unsqueeze(-1)
    if not bool((d == 0).any()):
        return gd * inv(A).mH
    # adj(A)^H = conj(det U det Vh) * U diag(prod_{j != i} s_j) Vh  (for A = U S Vh)
    U, S, Vh = svd(A)
    with no_grad():
        phase = (_call("linalg.det", "det", U) * _call("linalg.det", "det", Vh)).conj()
    k = S._shape[-1]
    logs = S.log().unsqueeze(-2).expand(S._shape[:-1] + (k, k))
    others = _where(_eye(k, S).bool(), 0.0, logs).sum(-1).exp()
    adjH = _mm(U * others.unsqueeze(-2).to(U._dtype), Vh) * phase.unsqueeze(-1).unsqueeze(-1)
    return (g.unsqueeze(-1).unsqueeze(-1)) * adjH


def det(A, *, out=None):
    """Determinant of square matrices: ``(*, n, n) -> (*)``. Differentiable, also at
    singular matrices (through the adjugate).

    Example: ``ember.linalg.det(ember.tensor([[1., 2.], [3., 4.]]))`` is ``-2.``."""
    _check_square("linalg.det", A)
    r = _Det.apply(A)
    return write_out(r, out) if out is not None else r


class _Slogdet(Op):
    _node_name = "LinalgSlogdetBackward0"

    @staticmethod
    def forward(ctx, A):
        sign, logabs = _call("linalg.slogdet", "slogdet", A)
        ctx.save_for_backward(A, sign)
        if not A._dtype.is_complex:
            ctx.mark_non_differentiable(sign)
        return sign, logabs

    @staticmethod
    def backward(ctx, g_sign, g_log):
        A, sign = ctx.saved_tensors
        gz = g_log
        if A._dtype.is_complex:
            gz = g_log.to(A._dtype) - 1j * (g_sign.conj() * sign).imag
        return gz.unsqueeze(-1).unsqueeze(-1) * inv(A).mH


def slogdet(A, *, out=None):
    """``(sign, logabsdet)`` with ``det(A) == sign * exp(logabsdet)``, computed without
    overflow. ``sign`` is -1, 0 or 1 (a unit complex number for complex input); logabsdet is
    real (``-inf`` for singular matrices). Shapes: ``(*, n, n) -> (*), (*)``."""
    _check_square("linalg.slogdet", A)
    s, l = _Slogdet.apply(A)
    return SlogdetResult(s, l)


# -- solve ----------------------------------------------------------------------------------

class _Solve(Op):
    _node_name = "LinalgSolveExBackward0"

    @staticmethod
    def forward(ctx, A, B):
        X = _call("linalg.solve", "solve", A, B)
        ctx.save_for_backward(A, X)
        return X

    @staticmethod
    def backward(ctx, g):
        A, X = ctx.saved_tensors
        gB = _Solve.apply(A.mH, g)
        gA = -_mm(gB, X.mH) if ctx.needs_input_grad[0] else None
        return gA, gB


def _solve_left(op, A, B):
    # B is a batch of vectors when it is 1-D or has one dim less than A with A's batch shape
    vec = B.dim() == 1 or (B.dim() == A.dim() - 1 and B._shape == A._shape[:-1])
    Bm = B.unsqueeze(-1) if vec else B
    n = A._shape[-1]
    if Bm._shape[-2] != n:
        raise RuntimeError(f"{op}: Incompatible shapes of A and B for the equation AX = B "
                           f"({A._shape[-2]}x{n} and {Bm._shape[-2]}x{Bm._shape[-1]})")
    batch = broadcast_shapes(A._shape[:-2], Bm._shape[:-2])
    Ae = A.expand(tuple(batch) + A._shape[-2:]) if A._shape[:-2] != batch else A
    Be = Bm.expand(tuple(batch) + Bm._shape[-2:]) if Bm._shape[:-2] != batch else Bm
    X = _Solve.apply(Ae, Be)
    return X.squeeze(-1) if vec else X


def solve(A, B, *, left=True, out=None):
    """The solution ``X`` of ``A X = B`` (``X A = B`` with ``left=False``) for square,
    invertible ``A`` ``(*, n, n)`` and ``B`` ``(*, n, k)`` or a batch of vectors ``(*, n)``;
    batch dims broadcast. Raises :class:`LinAlgError` for a singular ``A``.

    Example: ``ember.linalg.solve(ember.eye(2) * 2, ember.tensor([2., 4.]))`` is ``[1., 2.]``."""
    _check_square("linalg.solve", A)
    _check_float("linalg.solve", B)
    _check_same_device("linalg.solve", A, B)
    if A._dtype is not B._dtype:
        raise RuntimeError(f"linalg.solve: Expected A and B to have the same dtype, but found "
                           f"A of type {_tname(A._dtype)} and B of type {_tname(B._dtype)} "
                           f"instead")
    if left:
        r = _solve_left("linalg.solve", A, B)
    else:
        if B.dim() < 2:
            raise RuntimeError("linalg.solve: with left=False, B must be a matrix (*, k, n)")
        r = _solve_left("linalg.solve", A.mT, B.mT).mT
    return write_out(r, out) if out is not None else r


def solve_ex(A, B, *, left=True, check_errors=False, out=None):
    """``(result, info)``: :func:`solve` with ``info`` 0 for invertible matrices and nonzero
    (batch-shaped int32) for singular ones, whose result is filled with nan unless
    ``check_errors``."""
    try:
        return SolveExResult(solve(A, B, left=left, out=out), _zeros_int(A))
    except LinAlgError:
        if check_errors:
            raise
        sing = det(A.detach()) == 0
        m = sing.unsqueeze(-1).unsqueeze(-1)
        safe = _where(m, _eye(A._shape[-1], A), A)
        r = solve(safe, B, left=left)
        vec = r.dim() == A.dim() - 1
        r = _where(m.squeeze(-1) if vec else m, float("nan"), r)
        return SolveExResult(write_out(r, out) if out is not None else r, sing.to(D.int32))


def solve_triangular(A, B, *, upper, left=True, unitriangular=False, out=None):
    """Solve ``A X = B`` (``X A = B`` with ``left=False``) for triangular ``A``; only the
    ``upper`` or lower triangle of ``A`` is read (its diagonal is taken as ones with
    ``unitriangular``), and gradients flow to that triangle only."""
    _check_square("linalg.solve_triangular", A)
    _check_matrix("linalg.solve_triangular", B, "B")
    n = A._shape[-1]
    T = _triu(A) if upper else _tril(A)
    if unitriangular:
        T = _where(_eye(n, A).bool(), 1.0, T)
    r = solve(T, B, left=left)
    return write_out(r, out) if out is not None else r


# -- cholesky -------------------------------------------------------------------------------

class _Cholesky(Op):
    _node_name = "LinalgCholeskyExBackward0"

    @staticmethod
    def forward(ctx, A):
        L = _call("linalg.cholesky", "cholesky", A)
        ctx.save_for_backward(L)
        return L

    @staticmethod
    def backward(ctx, gL):
        # A = L L^H and dL = L Phi(L^-1 dA L^-H) (Phi: lower triangle, halved diagonal) give
        # gA = L^-H S L^-1 with S = (P + tril(P, -1)^H) / 2, P = tril(L^H gL): the Hermitian
        # (symmetric) gradient, with PyTorch's convention for the diagonal's imaginary part
        (L,) = ctx.saved_tensors
        P = _tril(_mm(L.mH, gL))
        S = (P + _tril(P, -1).mH) * 0.5
        Li = inv(L)
        return _mm(_mm(Li.mH, S), Li)


def _not_pd_order(A):
    """The order of the first leading minor that is not positive-definite (for the error
    message; loops over the matrix size, error path only)."""
    n = A._shape[-1]
    for k in range(1, n + 1):
        sub = A[..., :k, :k]
        try:
            _call("linalg.cholesky", "cholesky", sub)
        except LinAlgError:
            return k
    return n


def cholesky(A, *, upper=False, out=None):
    """The Cholesky factor ``L`` (lower triangular, ``A = L L^H``) of Hermitian
    positive-definite matrices ``(*, n, n)``; ``U = L^H`` with ``upper=True``. Only the lower
    triangle of ``A`` is read. Raises :class:`LinAlgError` when ``A`` is not
    positive-definite.

    Example: ``ember.linalg.cholesky(ember.tensor([[4., 2.], [2., 5.]]))`` is
    ``[[2., 0.], [1., 2.]]``."""
    _check_square("linalg.cholesky", A)
    try:
        L = _Cholesky.apply(A)
    except LinAlgError:
        k = _not_pd_order(A.detach())
        raise LinAlgError(f"linalg.cholesky: The factorization could not be completed because "
                          f"the input of shape {list(A.shape)} is not positive-definite (the "
                          f"leading minor of order {k} is not positive-definite); check that "
                          f"it is symmetric (Hermitian) with positive eigenvalues") from None
    r = L.mH if upper else L
    return write_out(r, out) if out is not None else r


def cholesky_ex(A, *, upper=False, check_errors=False, out=None):
    """``(L, info)``: :func:`cholesky` with ``info`` 0 on success, or the order of the first
    non-positive-definite leading minor (and ``L`` filled with nan) unless
    ``check_errors``."""
    try:
        return CholeskyExResult(cholesky(A, upper=upper, out=out), _zeros_int(A))
    except LinAlgError:
        if check_errors:
            raise
        from ._creation import full
        k = _not_pd_order(A.detach())
        info = full(tuple(A._shape[:-2]), k, dtype=D.int32, device=A.device)
        return CholeskyExResult(A.detach() * float("nan"), info)


# -- qr -------------------------------------------------------------------------------------

class _QR(Op):
    _node_name = "LinalgQrBackward0"

    @staticmethod
    def forward(ctx, A, mode):
        ctx.mode = mode
        if mode == "r":
            R = _call("linalg.qr", "qr", A, mode="r")
            from ._creation import empty
            return empty(0, dtype=A._dtype, device=A.device), R
        Q, R = _call("linalg.qr", "qr", A, mode=mode)
        ctx.save_for_backward(A, Q, R)
        return Q, R

    @staticmethod
    def backward(ctx, gQ, gR):
        if ctx.mode == "r":
            raise RuntimeError("The derivative of linalg.qr depends on Q, which is not computed "
                               "when mode='r'. Please use linalg.qr(A, mode='reduced') if you "
                               "are going to differentiate through linalg.qr.")
        A, Q, R = ctx.saved_tensors
        m, n = A._shape[-2:]
        if ctx.mode == "complete" and m > n:
            raise RuntimeError("The QR decomposition is not differentiable when "
                               "mode='complete' and nrows > ncols.")
        if m >= n:
            return _qr_grad_tall(Q, R, gQ, gR), None
        # wide: A = [X | Y] with X = Q R1, Y = Q R2
        R1 = R[..., :, :m]
        gR1, gR2 = gR[..., :, :m], gR[..., :, m:]
        Y = A[..., :, m:]
        gX = _qr_grad_tall(Q, R1, gQ + _mm(Y, gR2.mH), gR1)
        gY = _mm(Q, gR2)
        return _cat_last(gX, gY), None


def _qr_grad_tall(Q, R, gQ, gR):
    """A = QR with A (m, n), m >= n, Q (m, n) orthonormal columns, R upper triangular:
    gA = [gQ + Q (triu(P) + tril(P^H, -1))] R^-H with P = gR R^H - Q^H gQ."""
    P = _mm(gR, R.mH) - _mm(Q.mH, gQ)
    n = P._shape[-1]
    up = _tri_mask(n, n, 0, False, P)
    M = _where(up, P, P.mH)
    if P._dtype.is_complex:
        # the diagonal carries a phase gauge: keep only its real part
        M = M - _diag_embed(1j * _diag(P).imag)
    b = gQ + _mm(Q, M)
    # b R^-H: solve R X^H = b^H
    return solve_triangular(R, b.mH, upper=True).mH


def qr(A, mode="reduced", *, out=None):
    """``(Q, R)`` with ``A = Q R``, ``Q`` with orthonormal columns and ``R`` upper
    triangular. ``mode``: ``"reduced"`` (Q ``(*, m, k)``, R ``(*, k, n)``, k = min(m, n)),
    ``"complete"`` (Q ``(*, m, m)``, R ``(*, m, n)``) or ``"r"`` (R only; Q is empty).

    Example: ``Q, R = ember.linalg.qr(ember.randn(5, 3))``."""
    _check_matrix("linalg.qr", A)
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of "
                           f"'reduced' (default), 'r', or 'complete'")
    Q, R = _QR.apply(A, mode)
    return QRResult(Q, R)


# -- svd ------------------------------------------------------------------------------------

class _SVD(Op):
    _node_name = "LinalgSvdBackward0"

    @staticmethod
    def forward(ctx, A, full_matrices):
        U, S, Vh = _call("linalg.svd", "svd", A, full_matrices=full_matrices, compute_uv=True)
        ctx.save_for_backward(U, S, Vh)
        ctx.shape = A._shape
        return U, S, Vh

    @staticmethod
    def backward(ctx, gU, gS, gVh):
        U, S, Vh = ctx.saved_tensors
        m, n = ctx.shape[-2:]
        k = S._shape[-1]
        # the columns beyond k of a full U / Vh are an arbitrary basis: their grads are ignored
        if U._shape[-1] != k:
            U, gU = U[..., :, :k], gU[..., :, :k]
        if Vh._shape[-2] != k:
            Vh, gVh = Vh[..., :k, :], gVh[..., :k, :]
        return _svd_grad(U, S, Vh, gU, gS, gVh, m, n), None


def _svd_grad(U, S, Vh, gU, gS, gVh, m, n):
    V = Vh.mH
    gV = gVh.mH
    Sc = S.to(U._dtype)
    k = S._shape[-1]
    gA_core = _diag_embed(gS.to(U._dtype))
    UhgU = _mm(U.mH, gU)
    VhgV = _mm(Vh, gV)
    # E_ij = s_j^2 - s_i^2 off the diagonal (1 on it, where the numerator vanishes anyway)
    s2 = S * S
    E = s2.unsqueeze(-2) - s2.unsqueeze(-1)
    eye = _eye(k, S).bool()
    E = _where(eye, 1.0, E)
    skU = (UhgU - UhgU.mH) / E.to(U._dtype)
    skV = (VhgV - VhgV.mH) / E.to(U._dtype)
    core = gA_core + skU * Sc.unsqueeze(-2) + Sc.unsqueeze(-1) * skV
    if U._dtype.is_complex:
        core = core + _diag_embed(1j * _diag(UhgU).imag / S.to(U._dtype))
    gA = _mm(_mm(U, core), Vh)
    if m > k:
        t = gU - _mm(U, UhgU)
        gA = gA + _mm(t / Sc.unsqueeze(-2), Vh)
    if n > k:
        t = gV - _mm(V, VhgV)
        gA = gA + _mm(U / Sc.unsqueeze(-2), t.mH)
    return gA


def svd(A, full_matrices=True, *, driver=None, out=None):
    """``(U, S, Vh)`` with ``A = U diag(S) Vh``; ``S`` (real, descending) has shape
    ``(*, k)``, k = min(m, n); ``U`` is ``(*, m, m)`` and ``Vh`` ``(*, n, n)`` with
    ``full_matrices`` (the default, as PyTorch), else ``(*, m, k)`` and ``(*, k, n)``.
    Gradients need distinct singular values (NOTE [decomposition gradients]).

    Example: ``U, S, Vh = ember.linalg.svd(A, full_matrices=False)``."""
    _check_matrix("linalg.svd", A)
    U, S, Vh = _SVD.apply(A, bool(full_matrices))
    return SVDResult(U, S, Vh)


def _values(A, decomposition, op, native, **native_kw):
    """Eigen- or singular values: from ``decomposition()`` (a differentiable Op's values)
    when ``A`` needs a gradient, else from the cheaper values-only backend call ``native``."""
    if A.requires_grad and is_grad_enabled():
        return decomposition()
    return _call(op, native, A, **native_kw)


def _inverse_gaps(w, conj=False):
    """``E[..., i, j] = 1 / (w_j - w_i)`` (of the conjugate difference with ``conj``), 0 on
    the diagonal: the coupling of eigenvector gradients."""
    eye = _eye(w._shape[-1], w).bool()
    diff = w.unsqueeze(-2) - w.unsqueeze(-1)
    if conj:
        diff = diff.conj()
    return _where(eye, 0.0, 1.0 / _where(eye, 1.0, diff))


def svdvals(A, *, driver=None, out=None):
    """The singular values of ``A``, descending: ``(*, m, n) -> (*, min(m, n))``. Their
    gradient ``U diag(g) Vh`` needs no distinct values."""
    _check_matrix("linalg.svdvals", A)
    r = _values(A, lambda: _SVD.apply(A, False)[1], "linalg.svdvals", "svd",
                full_matrices=False, compute_uv=False)
    return write_out(r, out) if out is not None else r


# -- eigh / eig -----------------------------------------------------------------------------

class _Eigh(Op):
    _node_name = "LinalgEighBackward0"

    @staticmethod
    def forward(ctx, A, uplo):
        w, V = _call("linalg.eigh", "eigh", A, UPLO=uplo, compute_v=True)
        ctx.save_for_backward(w, V)
        return w, V

    @staticmethod
    def backward(ctx, gw, gV):
        # gA = V (diag(gw) + E o (V^H gV)) V^H with E_ij = 1 / (w_j - w_i), 0 on the diagonal,
        # symmetrised (A is Hermitian), as PyTorch
        w, V = ctx.saved_tensors
        E = _inverse_gaps(w)
        core = _diag_embed(gw.to(V._dtype)) + _mm(V.mH, gV) * E.to(V._dtype)
        gA = _mm(_mm(V, core), V.mH)
        return (gA + gA.mH) * 0.5, None


def _check_uplo(op, UPLO):
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"{op}: Expected UPLO argument to be 'L' or 'U', but got {UPLO}")


def eigh(A, UPLO="L", *, out=None):
    """``(eigenvalues, eigenvectors)`` of Hermitian (symmetric) matrices: eigenvalues real,
    ascending ``(*, n)``; eigenvectors the columns of ``(*, n, n)``. Only the ``UPLO``
    triangle is read. Gradients need distinct eigenvalues (NOTE [decomposition gradients]).

    Example: ``w, V = ember.linalg.eigh(A)``; ``V @ diag(w) @ V.mH`` rebuilds ``A``."""
    _check_square("linalg.eigh", A)
    _check_uplo("linalg.eigh", UPLO)
    w, V = _Eigh.apply(A, UPLO)
    return EighResult(w, V)


def eigvalsh(A, UPLO="L", *, out=None):
    """The eigenvalues of Hermitian matrices, ascending: ``(*, n, n) -> (*, n)`` (real)."""
    _check_square("linalg.eigvalsh", A)
    _check_uplo("linalg.eigvalsh", UPLO)
    r = _values(A, lambda: _Eigh.apply(A, UPLO)[0], "linalg.eigvalsh", "eigh", UPLO=UPLO,
                compute_v=False)
    return write_out(r, out) if out is not None else r


class _Eig(Op):
    _node_name = "LinalgEigBackward0"

    @staticmethod
    def forward(ctx, A):
        w, V = _call("linalg.eig", "eig", A, compute_v=True)
        ctx.save_for_backward(w, V)
        ctx.real_in = not A._dtype.is_complex
        return w, V

    @staticmethod
    def backward(ctx, gw, gV):
        # A = V diag(w) V^-1 with unit-norm columns of V, E_ij = 1/conj(w_j - w_i):
        # gA = V^-H (diag(gw) + E o (V^H gV - V^H V Re(diag(V^H gV)))) V^H
        w, V = ctx.saved_tensors
        VhgV = _mm(V.mH, gV)
        diag_re = _diag(VhgV).real.to(V._dtype)
        inner = VhgV - _mm(V.mH, V) * diag_re.unsqueeze(-2)
        E = _inverse_gaps(w, conj=True)
        core = _diag_embed(gw) + inner * E
        gA = solve(V.mH, _mm(core, V.mH))
        return gA.real if ctx.real_in else gA


def eig(A, *, out=None):
    """``(eigenvalues, eigenvectors)`` of general square matrices, both complex (unit-norm
    eigenvector columns). Gradients need distinct eigenvalues.

    Example: ``w, V = ember.linalg.eig(ember.tensor([[0., -1.], [1., 0.]]))`` gives
    ``w = [i, -i]``."""
    _check_square("linalg.eig", A)
    w, V = _Eig.apply(A)
    return EigResult(w, V)


def eigvals(A, *, out=None):
    """The (complex) eigenvalues of general square matrices: ``(*, n, n) -> (*, n)``."""
    _check_square("linalg.eigvals", A)
    return _values(A, lambda: _Eig.apply(A)[0], "linalg.eigvals", "eig", compute_v=False)


# -- norms ----------------------------------------------------------------------------------

def _ord_name(o):
    return {math.inf: "inf", -math.inf: "-inf"}.get(o, o)


class _VectorNorm(Op):
    _node_name = "LinalgVectorNormBackward0"

    @staticmethod
    def forward(ctx, x, ord, dims, keepdim):
        ctx.ord, ctx.dims, ctx.keepdim = ord, dims, keepdim
        a = x.abs() if x._dtype.is_complex or ord != 2 else x
        be = x._storage._be
        st = x._storage
        if ord == math.inf or ord == -math.inf:
            prim = be.max if ord > 0 else be.min
            y = _from_native(prim(a._data, dims, keepdim), st._be, st.device)
        elif ord == 0:
            y = _sum((a != 0).to(a._dtype), dims, keepdim)
        elif ord == 1:
            y = _sum(a, dims, keepdim)
        elif ord == 2:
            y = _sum(a * a, dims, keepdim).sqrt()
        else:
            y = _sum(a ** ord, dims, keepdim) ** (1.0 / ord)
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        ord, dims, keepdim = ctx.ord, ctx.dims, ctx.keepdim
        if not keepdim:
            shape = list(x._shape)
            for d in dims:
                shape[d] = 1
            g = g.reshape(tuple(shape))
            y = y.reshape(tuple(shape))
        if ord == 0:
            return x.real * 0 if x._dtype.is_complex else x * 0, None, None, None
        sg = x.sgn()
        if ord == 1:
            r = sg * g
        elif ord == math.inf or ord == -math.inf:
            hit = (x.abs() == y).to(y._dtype)
            cnt = _sum(hit, dims, True)
            r = sg * (g * hit / cnt)
        elif ord == 2:
            nz = y != 0
            r = x * _where(nz, g / _where(nz, y, 1.0), 0.0)
        else:
            nz = y != 0
            ax = x.abs()
            pw = _where(ax != 0, ax ** (ord - 1), 0.0)
            scale = _where(nz, g / _where(nz, y, 1.0) ** (ord - 1), 0.0)
            r = sg * pw * scale
        return r, None, None, None


def _norm_dtype(op, x, dtype):
    """The dtype to compute in: ``dtype`` must hold the input without narrowing (its complex
    counterpart for complex inputs), as PyTorch requires."""
    want = dtype.to_complex() if x._dtype.is_complex else dtype
    if D.promote_types(x._dtype, want) is not want:
        raise RuntimeError(f"{op}: the dtype of the input ({_tname(x._dtype)}) should be "
                           f"convertible without narrowing to the specified dtype "
                           f"({_tname(dtype)})")
    return want


def _norm_dims(op, dim, ndim):
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, int):
        dim = (dim,)
    ds = tuple(sorted(_wrap_dim(d, ndim, op) for d in dim))
    if len(set(ds)) != len(ds):
        raise RuntimeError(f"{op}: dim {list(dim)} appears multiple times in the list of dims")
    return ds


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None, out=None):
    """The vector ``ord``-norm over ``dim`` (all elements when None): ``sum(|x|^ord)^(1/ord)``;
    ``inf``/``-inf`` are max/min ``|x|``, ``0`` counts nonzeros. Result is real. The gradient
    at a zero vector is zero, as PyTorch's.

    Example: ``ember.linalg.vector_norm(ember.tensor([3., 4.]))`` is ``5.``."""
    _check_float("linalg.vector_norm", x)
    if isinstance(ord, Tensor):
        ord = ord.item()
    if isinstance(ord, str) or isinstance(ord, bool):
        raise RuntimeError(f"linalg.vector_norm: ord must be a number, got {ord!r}")
    ord = float(ord)
    if dtype is not None:
        x = x.to(_norm_dtype("linalg.vector_norm", x, dtype))
    dims = _norm_dims("linalg.vector_norm", dim, x.dim()) if x.dim() else ()
    if x.numel() == 0 and ord < 0 or (x.numel() == 0 and ord == math.inf and (
            dim is None or any(x._shape[d] == 0 for d in dims))):
        raise RuntimeError(f"linalg.vector_norm cannot compute the {_ord_name(ord)} norm on an "
                           f"empty tensor because the operation does not have an identity")
    if x.dim() == 0:
        x1 = x.reshape(1)
        r = _VectorNorm.apply(x1, ord, (0,), False)
        if keepdim:
            r = r.reshape(())
    else:
        r = _VectorNorm.apply(x, ord, dims, keepdim)
    return write_out(r, out) if out is not None else r


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None, out=None):
    """The matrix norm over the two dims ``dim``: ``"fro"`` (Frobenius), ``"nuc"`` (sum of
    singular values), ``inf``/``-inf`` (max/min row abs-sum), ``1``/``-1`` (max/min column
    abs-sum), ``2``/``-2`` (largest/smallest singular value). Result is real, shape ``A``
    without ``dim`` (kept as 1s with ``keepdim``).

    Example: ``ember.linalg.matrix_norm(ember.eye(3), "nuc")`` is ``3.``."""
    _check_float("linalg.matrix_norm", A)
    if A.dim() < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 "
                           "dimensions.")
    if isinstance(dim, int) or len(dim) != 2:
        raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {dim}")
    d0, d1 = (_wrap_dim(d, A.dim(), "linalg.matrix_norm") for d in dim)
    if d0 == d1:
        raise RuntimeError(f"linalg.matrix_norm: dims must be different. Got ({d0}, {d1})")
    if dtype is not None:
        A = A.to(_norm_dtype("linalg.matrix_norm", A, dtype))
    if isinstance(ord, str):
        if ord not in ("fro", "nuc"):
            raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    elif ord not in (1, -1, 2, -2, math.inf, -math.inf):
        raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    if ord == "fro":
        r = vector_norm(A, 2, (d0, d1), keepdim)
    elif ord in ("nuc", 2, -2):
        M = A.movedim((d0, d1), (-2, -1))
        if ord == "nuc":
            r = svdvals(M).sum(-1)
        else:
            s = svdvals(M)
            r = s[..., 0] if ord == 2 else s[..., -1]
        if keepdim:
            for d in sorted((d0, d1)):
                r = r.unsqueeze(d)
    else:
        # 1 / -1: columns (sum over rows d0, extreme over d1); inf / -inf: the transpose
        rows, cols = (d0, d1) if ord in (1, -1) else (d1, d0)
        sums = vector_norm(A, 1, rows, True)
        ext = vector_norm(sums, math.inf if ord > 0 else -math.inf, cols, True)
        r = ext if keepdim else ext.squeeze(_py_max(d0, d1)).squeeze(_py_min(d0, d1))
    return write_out(r, out) if out is not None else r


def norm(A, ord=None, dim=None, keepdim=False, *, out=None, dtype=None):
    """A vector or matrix norm: with ``dim`` an int (or ``A`` 1-D and ``dim`` None) a vector
    norm; with ``dim`` a 2-tuple (or ``A`` 2-D) a matrix norm (:func:`matrix_norm`); with
    both ``ord`` and ``dim`` None, the 2-norm of all elements.

    Example: ``ember.linalg.norm(ember.ones(2, 2))`` is ``2.``."""
    if isinstance(dim, int):
        dim = (dim,)
    if dim is not None:
        if len(dim) == 1:
            r = vector_norm(A, 2 if ord is None else ord, dim, keepdim, dtype=dtype)
        elif len(dim) == 2:
            r = matrix_norm(A, "fro" if ord is None else ord, dim, keepdim, dtype=dtype)
        else:
            raise RuntimeError(f"linalg.norm: If dim is specified, it must be of length 1 or 2. "
                               f"Got {list(dim)}")
    elif ord is None:
        r = vector_norm(A, 2, None, keepdim, dtype=dtype)
    elif A.dim() == 1:
        r = vector_norm(A, ord, None, keepdim, dtype=dtype)
    elif A.dim() == 2:
        r = matrix_norm(A, ord, (-2, -1), keepdim, dtype=dtype)
    else:
        raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be "
                           f"1D or 2D. Got {A.dim()}D.")
    return write_out(r, out) if out is not None else r


def cond(A, p=None, *, out=None):
    """The condition number of ``A`` in the ``p`` norm (2-norm by default:
    ``s_max / s_min``)."""
    _check_matrix("linalg.cond", A)
    if p is None or p in (2, -2):
        s = svdvals(A)
        r = s[..., 0] / s[..., -1] if p != -2 else s[..., -1] / s[..., 0]
    else:
        r = matrix_norm(A, p) * matrix_norm(inv(A), p)
    return write_out(r, out) if out is not None else r


# -- pinv, lstsq, rank ----------------------------------------------------------------------

def _cutoff(S, atol, rtol, m, n):
    """Singular values <= max(atol, rtol * s_max) count as zero (PyTorch's rule: rtol
    defaults to eps * max(m, n) when both are None, to 0 when only atol is given)."""
    eps = {D.float32: 1.1920929e-07, D.float64: 2.220446049250313e-16}[S._dtype]
    if rtol is None:
        rtol = eps * _py_max(m, n) if atol is None else 0.0
    if atol is None:
        atol = 0.0
    st = S._storage
    smax = _from_native(st._be.max(S.abs()._data, (S.dim() - 1,), True), st._be, st.device) \
        if S._shape[-1] else S[..., :1]
    if isinstance(rtol, Tensor) and rtol.dim() > 0:
        rtol = rtol.unsqueeze(-1)
    if isinstance(atol, Tensor) and atol.dim() > 0:
        atol = atol.unsqueeze(-1)
    tol = smax * rtol
    return _maximum(tol, atol)


def _maximum(a, b):
    if isinstance(b, Tensor):
        return _where(a >= b, a, b)
    return a.clamp_min(b)


class _Pinv(Op):
    _node_name = "LinalgPinvBackward0"

    @staticmethod
    def forward(ctx, A, atol, rtol, hermitian):
        m, n = A._shape[-2:]
        if hermitian:
            w, V = _call("linalg.pinv", "eigh", A, UPLO="L", compute_v=True)
            tol = _cutoff(w.abs(), atol, rtol, m, n)
            keep = w.abs() > tol
            winv = _where(keep, 1.0 / _where(keep, w, 1.0), 0.0)
            P = _mm(V * winv.to(V._dtype).unsqueeze(-2), V.mH)
        else:
            U, S, Vh = _call("linalg.pinv", "svd", A, full_matrices=False, compute_uv=True)
            tol = _cutoff(S, atol, rtol, m, n)
            keep = S > tol
            sinv = _where(keep, 1.0 / _where(keep, S, 1.0), 0.0)
            P = _mm(Vh.mH * sinv.to(U._dtype).unsqueeze(-2), U.mH)
        ctx.save_for_backward(A, P)
        return P

    @staticmethod
    def backward(ctx, g):
        # dP = -P dA P + P P^H dA^H (I - A P) + (I - P A) dA^H P^H P  (constant rank)
        A, P = ctx.saved_tensors
        Ph = P.mH
        gh = g.mH
        I_AP = _eye(A._shape[-2], A) - _mm(A, P)
        I_PA = _eye(A._shape[-1], A) - _mm(P, A)
        gA = (-_mm(_mm(Ph, g), Ph) + _mm(_mm(I_AP, gh), _mm(P, Ph))
              + _mm(_mm(Ph, P), _mm(gh, I_PA)))
        return gA, None, None, None


def pinv(A, *, atol=None, rtol=None, hermitian=False, rcond=None, out=None):
    """The Moore-Penrose pseudo-inverse ``(*, m, n) -> (*, n, m)``: singular values at or
    below ``max(atol, rtol * s_max)`` are treated as zero (``rtol`` defaults to
    ``eps * max(m, n)``); ``hermitian=True`` uses an eigendecomposition of the lower
    triangle. Differentiable where the rank is locally constant.

    Example: ``ember.linalg.pinv(ember.tensor([[1., 0.], [0., 0.]]))`` is itself."""
    _check_matrix("linalg.pinv", A)
    if rcond is not None:
        rtol = rcond
    if hermitian:
        _check_square("linalg.pinv", A)
    r = _Pinv.apply(A, atol, rtol, bool(hermitian))
    return write_out(r, out) if out is not None else r


def matrix_rank(A, *, atol=None, rtol=None, hermitian=False, tol=None, out=None):
    """The number of singular values above ``max(atol, rtol * s_max)`` (int64, batch
    shape); ``rtol`` defaults to ``eps * max(m, n)``."""
    _check_matrix("linalg.matrix_rank", A)
    if tol is not None:
        atol, rtol = tol, 0.0
    m, n = A._shape[-2:]
    with no_grad():
        if hermitian:
            S = eigvalsh(A).abs()
        else:
            S = svdvals(A)
        tol_ = _cutoff(S, atol, rtol, m, n)
        r = (S > tol_).sum(-1)
    return write_out(r, out) if out is not None else r


def lstsq(A, B, rcond=None, *, driver=None):
    """Least-squares solution of ``A X = B`` for ``A`` ``(*, m, n)`` and ``B`` ``(*, m, k)``:
    ``(solution, residuals, rank, singular_values)``. The solution is the minimum-norm one
    (through the pseudo-inverse, singular values below ``rcond * s_max`` dropped; ``rcond``
    defaults to ``eps * max(m, n)``). As in PyTorch, ``residuals`` (squared column residuals,
    ``(*, k)``) are returned when m > n and every matrix has full rank, ``rank`` for drivers
    other than ``"gels"``, and ``singular_values`` for ``"gelsd"``/``"gelss"``; the rest are
    empty tensors.

    Example: ``ember.linalg.lstsq(A, B).solution``."""
    _check_matrix("linalg.lstsq", A)
    _check_float("linalg.lstsq", B)
    _check_same_device("linalg.lstsq", A, B)
    drivers = ("gels", "gelsy", "gelsd", "gelss")
    if driver is None:
        driver = "gelsy"
    if driver not in drivers:
        raise RuntimeError(f"torch.linalg.lstsq: parameter `driver` should be one of "
                           f"{drivers}")
    if A._dtype is not B._dtype:
        raise RuntimeError(f"torch.linalg.lstsq: Expected input and other to have the same "
                           f"dtype, but got input's dtype {_tname(A._dtype)} and other's dtype "
                           f"{_tname(B._dtype)}")
    vec = B.dim() == A.dim() - 1
    Bm = B.unsqueeze(-1) if vec else B
    m, n = A._shape[-2:]
    if Bm._shape[-2] != m:
        raise RuntimeError(f"torch.linalg.lstsq: input.size(-2) should match other.size(-2) "
                           f"(got {m} and {Bm._shape[-2]})")
    P = pinv(A, rtol=rcond)
    X = _mm(P, Bm)
    from ._creation import empty
    with no_grad():
        S = svdvals(A)
        rank = (S > _cutoff(S, None, rcond, m, n)).sum(-1)
    res = empty(0, dtype=_real_dtype(A), device=A.device)
    if m > n and bool((rank == n).all()) and driver != "gelsy":
        R = _mm(A, X) - Bm
        res = (R.abs() ** 2).sum(-2)
        if vec:
            res = res.squeeze(-1)
    if driver == "gels":
        rank = empty(0, dtype=D.int64, device=A.device)
    sv = S if driver in ("gelsd", "gelss") else empty(0, dtype=_real_dtype(A),
                                                      device=A.device)
    return LstsqResult(X.squeeze(-1) if vec else X, res, rank, sv)


# -- powers, exponential --------------------------------------------------------------------

def matrix_power(A, n, *, out=None):
    """``A`` multiplied by itself ``n`` times (repeated squaring); ``n = 0`` gives the
    identity, ``n < 0`` powers of ``inv(A)``.

    Example: ``ember.linalg.matrix_power(ember.tensor([[1., 1.], [0., 1.]]), 3)`` is
    ``[[1., 3.], [0., 1.]]``."""
    if A.dim() < 2 or A._shape[-1] != A._shape[-2]:
        raise RuntimeError(f"linalg.matrix_power: A must be batches of square matrices, but "
                           f"they are of shape {list(A.shape)}")
    if not isinstance(n, int):
        raise TypeError(f"linalg.matrix_power: n must be an int, got {type(n).__name__}")
    if n == 0:
        r = (_eye(A._shape[-1], A) + A * 0).expand(A._shape)
        r = r if A.requires_grad else r.contiguous()
    else:
        base = inv(A) if n < 0 else A
        k = abs(n)
        r = None
        while k:
            if k & 1:
                r = base if r is None else _mm(r, base)
            k >>= 1
            if k:
                base = _mm(base, base)
        if r is A:
            r = A.clone()
    return write_out(r, out) if out is not None else r


def matrix_exp(A):
    """The matrix exponential ``sum_k A^k / k!`` of square matrices (scaling and squaring
    with a degree-18 Taylor polynomial; differentiable through its ember ops).

    Example: ``ember.linalg.matrix_exp(ember.zeros(2, 2))`` is the identity."""
    _check_square("linalg.matrix_exp", A)
    n = A._shape[-1]
    if A.numel() == 0:
        return A.clone()
    with no_grad():
        nrm = float(matrix_norm(A.detach(), 1).max().item())
    s = 0 if nrm <= 0.5 else int(math.ceil(math.log2(nrm / 0.5)))
    X = A / (2 ** s) if s else A
    eye = _eye(n, A)
    # Horner: I + X (I + X/2 (I + X/3 (...)))
    r = eye + X / 18
    for k in range(17, 0, -1):
        r = eye + _mm(X, r) / k
    for _ in range(s):
        r = _mm(r, r)
    return r


# -- products and small helpers -------------------------------------------------------------

def cross(input, other, *, dim=-1, out=None):
    """Cross product of 3-vectors along ``dim`` (default -1); operands broadcast."""
    r = _cross("linalg.cross", input, other, dim)
    return write_out(r, out) if out is not None else r


def vecdot(x, y, *, dim=-1, out=None):
    """``sum(conj(x) * y, dim)`` (operands broadcast)."""
    _check_same_device("linalg.vecdot", x, y)
    if x._dtype is not y._dtype:
        raise RuntimeError(f"linalg.vecdot: Expected x and y to have the same dtype, but found "
                           f"x of type {_tname(x._dtype)} and y of type {_tname(y._dtype)} "
                           f"instead")
    r = (x.conj() * y).sum(dim)
    return write_out(r, out) if out is not None else r


def multi_dot(tensors, *, out=None):
    """The product of a list of matrices in the cheapest order (the first may be a row
    vector ``(n,)``, the last a column vector ``(n,)``).

    Example: ``ember.linalg.multi_dot([A, B, C])`` equals ``A @ B @ C``."""
    r = multi_dot_impl(tensors, "linalg.multi_dot")
    return write_out(r, out) if out is not None else r


def diagonal(A, *, offset=0, dim1=-2, dim2=-1):
    """The diagonal of the matrices of ``A`` (a view): ``(*, n, m) -> (*, min(n, m))``."""
    return A.diagonal(offset, dim1, dim2)


def matmul(input, other, *, out=None):
    """``ember.matmul`` (an alias)."""
    return _mm(input, other, out=out)


def tensorinv(A, ind=2, *, out=None):
    """The inverse of ``A`` seen as a linear map from its last dims to its first ``ind``
    dims: ``tensordot(tensorinv(A), A, ind)`` is the identity."""
    if ind <= 0:
        raise RuntimeError(f"Expected a strictly positive integer for 'ind', but got {ind}")
    out_shape = tuple(A._shape[:ind])
    in_shape = tuple(A._shape[ind:])
    k = 1
    for s in out_shape:
        k *= s
    k2 = 1
    for s in in_shape:
        k2 *= s
    if k != k2:
        raise RuntimeError(f"Expected self to satisfy the requirement prod(self.shape[ind:]) == "
                           f"prod(self.shape[:ind]), but got {k2} != {k}")
    r = inv(A.reshape(k, k)).reshape(in_shape + out_shape)
    return write_out(r, out) if out is not None else r


def tensorsolve(A, B, dims=None, *, out=None):
    """``X`` with ``tensordot(A, X, X.ndim) == B``; ``dims`` of ``A`` are moved to the end
    first."""
    if dims is not None:
        dims = [_wrap_dim(d, A.dim(), "linalg.tensorsolve") for d in dims]
        A = A.movedim(dims, list(range(A.dim() - len(dims), A.dim())))
    xsh = tuple(A._shape[B.dim():])
    nb = B.numel()
    r = solve(A.reshape(nb, -1), B.reshape(nb)).reshape(xsh)
    return write_out(r, out) if out is not None else r


def vander(x, *, N=None):
    """The Vandermonde matrix ``[1, x, x^2, ..., x^(N-1)]`` along a new last dim."""
    n = x._shape[-1] if N is None else N
    if n <= 0:
        raise RuntimeError("N must be greater than 1.")
    from ._creation import arange
    p = arange(n, device=x.device)
    return x.unsqueeze(-1) ** p.to(x._dtype if (x._dtype.is_floating_point or
                                                  x._dtype.is_complex) else D.int64)
