"""Cases for products, ``einsum`` and ``ember.linalg`` (NOTE [op cases]).

Random square inputs in [-1, 1] are invertible and reasonably conditioned for the fixed seed
the table uses; tolerances are widened where float32 round-off is amplified by the condition
number. Decompositions are compared through sign-normalising ``post`` functions (an SVD or
QR is unique only up to the signs of its vectors): ``_svd_post`` and friends flip each
vector so that a fixed component is positive, which makes the loss -- and so the gradient --
independent of the sign LAPACK happened to pick. ``eigh`` reads one triangle, so finite
differences (which perturb every entry) do not apply; ``core/tests/test_linalg_fft.py``
checks it with ``gradcheck`` on a symmetrised input, and covers ``cholesky`` (which needs
positive-definite inputs) and ``eig``.
"""

import math

from ... import _dtype as D
from ..opinfo import OpCase, T

F = (D.float32, D.float64)
C = (D.complex64, D.complex128)
F64 = (D.float64,)


def M(*shape, noncontig=False, grad=True):
    return T(shape, -1.0, 1.0, noncontig=noncontig, grad=grad)


def _ri(o):
    """Complex outputs as (real, imag), materialised."""
    return o.real * 1, o.imag * 1


def _qr_post(out):
    q, r = out
    s = r.diagonal(0, -2, -1).sign()
    return q * s.unsqueeze(-2), r * s.unsqueeze(-1)


def _svd_post(out):
    u, s, vh = out
    k = s.shape[-1]
    u, vh = u[..., :, :k], vh[..., :k, :]
    sg = u[..., :1, :].sign()
    return u * sg, s, vh * sg.mT


def _eigh_post(out):
    w, v = out
    return w, v * v[..., :1, :].sign()


def _first(out):
    return out[0]


def _second(out):
    return out[1]


def _lstsq_post(out):
    return out[0]


CASES = [
    # vector and matrix products
    OpCase("vdot", "vdot", (M(4), M(4))),
    OpCase("vdot/complex", "vdot", (M(3), M(3)), dtypes=C, post=_ri),
    OpCase("inner", "inner", (M(2, 3), M(4, 3))),
    OpCase("inner/0d", "inner", (M(2, 3), M())),
    OpCase("outer", "outer", (M(3), M(4))),
    OpCase("ger", "ger", (M(3), M(2))),
    OpCase("addmm", "addmm", (M(2, 4), M(2, 3), M(3, 4))),
    OpCase("addmm/scaled_broadcast", "addmm", (M(4), M(2, 3), M(3, 4)),
           {"beta": 0.5, "alpha": 2.0}),
    OpCase("addmm/beta0", "addmm", (M(2, 4), M(2, 3), M(3, 4)), {"beta": 0}),
    OpCase("addmv", "addmv", (M(2), M(2, 3), M(3)), {"alpha": -1.5}),
    OpCase("addr", "addr", (M(2, 3), M(2), M(3)), {"beta": 2.0}),
    OpCase("baddbmm", "baddbmm", (M(2, 3, 4), M(2, 3, 5), M(2, 5, 4)), {"alpha": 0.5}),
    OpCase("addbmm", "addbmm", (M(3, 4), M(2, 3, 5), M(2, 5, 4)), {"beta": 0.25}),
    OpCase("tensordot", "tensordot", (M(2, 3, 4), M(3, 4, 2))),
    OpCase("tensordot/pairs", "tensordot", (M(2, 3, 4), M(4, 2, 5), ([2, 0], [0, 1]))),
    OpCase("tensordot/outer", "tensordot", (M(2, 3), M(3), 0)),
    OpCase("kron", "kron", (M(2, 3), M(3, 2))),
    OpCase("kron/rank", "kron", (M(2, 2), M(2, 1, 3))),
    OpCase("cross", "cross", (M(4, 3), M(4, 3)), {"dim": 1}),
    OpCase("cross/broadcast", "cross", (M(2, 1, 3), M(1, 4, 3)), {"dim": -1}),
    OpCase("linalg.cross", "linalg.cross", (M(3, 2, 3), M(3, 2, 3))),
    OpCase("cdist", "cdist", (M(4, 3), M(5, 3))),
    OpCase("cdist/batch", "cdist", (M(2, 3, 4), M(2, 5, 4))),
    OpCase("cdist/p1", "cdist", (M(4, 3), M(5, 3), 1.0)),
    OpCase("cdist/p3", "cdist", (M(4, 3), M(5, 3), 3.0)),
    OpCase("cdist/inf", "cdist", (M(4, 3), M(5, 3), math.inf), skip_fd=True),
    OpCase("cdist/mm", "cdist", (M(30, 3), M(27, 3)), rtol=1e-3, atol=1e-4),
    OpCase("chain_matmul", "chain_matmul", (M(2, 3), M(3, 4), M(4, 2))),
    OpCase("linalg.multi_dot", "linalg.multi_dot", ([M(3), M(3, 4), M(4, 5), M(5)],)),
    OpCase("linalg.vecdot", "linalg.vecdot", (M(2, 3), M(3))),

    # einsum
    OpCase("einsum/matmul", "einsum", ("ij,jk->ik", M(2, 3), M(3, 4))),
    OpCase("einsum/implicit", "einsum", ("ij,jk", M(2, 3), M(3, 4))),
    OpCase("einsum/batch", "einsum", ("bij,bjk->bik", M(2, 3, 4), M(2, 4, 5))),
    OpCase("einsum/ellipsis", "einsum", ("...ij,...jk->...ik", M(2, 1, 3, 4), M(5, 4, 2))),
    OpCase("einsum/diag", "einsum", ("ii->i", M(3, 3))),
    OpCase("einsum/trace", "einsum", ("ii", M(3, 3))),
    OpCase("einsum/repeated3", "einsum", ("iji->j", M(3, 2, 3))),
    OpCase("einsum/outer", "einsum", ("i,j->ij", M(3), M(4))),
    OpCase("einsum/sum", "einsum", ("ij->", M(2, 3))),
    OpCase("einsum/transpose", "einsum", ("ij->ji", M(2, 3, noncontig=True))),
    OpCase("einsum/three", "einsum", ("ijk,ikl,lm->jm", M(2, 3, 4), M(2, 4, 5), M(5, 2))),
    OpCase("einsum/broadcast1", "einsum", ("i,i->i", M(3), M(1))),
    OpCase("einsum/bilinear", "einsum", ("bn,anm,bm->ba", M(2, 3), M(4, 3, 5), M(2, 5))),
    OpCase("einsum/complex", "einsum", ("ij,jk->ik", M(2, 3), M(3, 2)), dtypes=C, post=_ri),

    # determinants, inverses, solvers
    OpCase("linalg.det", "linalg.det", (M(3, 3),)),
    OpCase("linalg.det/batch", "linalg.det", (M(2, 3, 3),)),
    OpCase("linalg.det/complex", "linalg.det", (M(3, 3),), dtypes=C, post=_ri),
    OpCase("det/method", "Tensor.det", (M(2, 2),)),
    OpCase("linalg.slogdet", "linalg.slogdet", (M(2, 3, 3),)),
    OpCase("logdet", "logdet", (T((3, 1, 1), 0.5, 2.0),)),
    OpCase("linalg.inv", "linalg.inv", (M(3, 3),), rtol=1e-3, atol=1e-4),
    OpCase("linalg.inv/batch_noncontig", "linalg.inv", (M(2, 3, 3, noncontig=True),),
           rtol=1e-3, atol=1e-4),
    OpCase("linalg.inv/complex", "linalg.inv", (M(3, 3),), dtypes=C, post=_ri, rtol=1e-3,
           atol=1e-4),
    OpCase("inverse", "inverse", (M(2, 2),)),
    OpCase("linalg.solve", "linalg.solve", (M(3, 3), M(3, 2)), rtol=1e-3, atol=1e-4),
    OpCase("linalg.solve/vector", "linalg.solve", (M(3, 3), M(3)), rtol=1e-3, atol=1e-4),
    OpCase("linalg.solve/broadcast", "linalg.solve", (M(2, 3, 3), M(3, 1)), rtol=1e-3,
           atol=1e-4),
    OpCase("linalg.solve/right", "linalg.solve", (M(3, 3), M(2, 3)), {"left": False},
           rtol=1e-3, atol=1e-4),
    OpCase("linalg.solve_triangular", "linalg.solve_triangular", (M(3, 3), M(3, 2)),
           {"upper": True}, rtol=1e-3, atol=1e-4),
    OpCase("linalg.solve_triangular/lower_unit", "linalg.solve_triangular",
           (M(3, 3), M(3, 2)), {"upper": False, "unitriangular": True}),
    OpCase("linalg.matrix_power/3", "linalg.matrix_power", (M(3, 3), 3)),
    OpCase("linalg.matrix_power/0", "linalg.matrix_power", (M(2, 3, 3), 0)),
    OpCase("linalg.matrix_power/-2", "linalg.matrix_power", (M(3, 3), -2), rtol=1e-3,
           atol=1e-4),
    OpCase("linalg.matrix_exp", "linalg.matrix_exp", (M(2, 3, 3),)),
    OpCase("linalg.cholesky/1x1", "linalg.cholesky", (T((3, 1, 1), 0.5, 2.0),)),

    # decompositions
    OpCase("linalg.qr", "linalg.qr", (M(4, 3),), post=_qr_post),
    OpCase("linalg.qr/wide", "linalg.qr", (M(3, 5),), post=_qr_post),
    OpCase("linalg.qr/square_batch", "linalg.qr", (M(2, 3, 3),), post=_qr_post),
    OpCase("linalg.qr/complete", "linalg.qr", (M(3, 4),), {"mode": "complete"},
           post=_qr_post),
    OpCase("linalg.qr/r", "linalg.qr", (M(4, 3),), {"mode": "r"}, grad=False,
           post=lambda o: o[1].abs()),
    OpCase("linalg.svd", "linalg.svd", (M(4, 3),), {"full_matrices": False},
           post=_svd_post),
    OpCase("linalg.svd/wide_batch", "linalg.svd", (M(2, 3, 5),), {"full_matrices": False},
           post=_svd_post),
    OpCase("linalg.svd/full", "linalg.svd", (M(4, 3),), post=_svd_post),
    OpCase("linalg.svdvals", "linalg.svdvals", (M(2, 4, 3),)),
    OpCase("linalg.svdvals/complex", "linalg.svdvals", (M(3, 4),), dtypes=C),
    OpCase("svd/torch", "svd", (M(4, 3),), post=lambda o: (o[1],)),
    OpCase("linalg.eigh", "linalg.eigh", (M(3, 3),), post=_eigh_post, skip_fd=True),
    OpCase("linalg.eigh/upper", "linalg.eigh", (M(2, 3, 3),), {"UPLO": "U"},
           post=_eigh_post, skip_fd=True),
    OpCase("linalg.eigvalsh", "linalg.eigvalsh", (M(3, 3),), skip_fd=True),
    OpCase("linalg.pinv", "linalg.pinv", (M(4, 3),)),
    OpCase("linalg.pinv/wide", "linalg.pinv", (M(2, 3, 5),)),
    OpCase("pinverse", "pinverse", (M(3, 2),)),
    OpCase("linalg.lstsq", "linalg.lstsq", (M(5, 3), M(5, 2)), post=_lstsq_post,
           rtol=1e-3, atol=1e-4),
    OpCase("linalg.matrix_rank", "linalg.matrix_rank", (M(3, 4),), grad=False),
    OpCase("linalg.cond", "linalg.cond", (M(3, 3),), rtol=1e-3),

    # norms
    OpCase("linalg.vector_norm", "linalg.vector_norm", (M(3, 4),)),
    OpCase("linalg.vector_norm/dim", "linalg.vector_norm", (M(3, 4), 2, 1)),
    OpCase("linalg.vector_norm/p1_keepdim", "linalg.vector_norm", (M(3, 4), 1, 0, True)),
    OpCase("linalg.vector_norm/p3", "linalg.vector_norm", (M(3, 4), 3.0, (0, 1))),
    OpCase("linalg.vector_norm/p0.5", "linalg.vector_norm", (M(3, 4), 0.5, -1)),
    OpCase("linalg.vector_norm/inf", "linalg.vector_norm", (M(3, 4), math.inf, 1)),
    OpCase("linalg.vector_norm/-inf", "linalg.vector_norm", (M(3, 4), -math.inf)),
    OpCase("linalg.vector_norm/0", "linalg.vector_norm", (M(3, 4), 0)),
    OpCase("linalg.vector_norm/0d", "linalg.vector_norm", (M(),)),
    OpCase("linalg.vector_norm/empty", "linalg.vector_norm", (T((0, 3)),)),
    OpCase("linalg.vector_norm/noncontig", "linalg.vector_norm", (M(3, 4, noncontig=True),)),
    OpCase("linalg.vector_norm/complex", "linalg.vector_norm", (M(3, 4), 3.0), dtypes=C),
    OpCase("linalg.matrix_norm/fro", "linalg.matrix_norm", (M(2, 3, 4),)),
    OpCase("linalg.matrix_norm/nuc", "linalg.matrix_norm", (M(3, 4), "nuc")),
    OpCase("linalg.matrix_norm/1", "linalg.matrix_norm", (M(3, 4), 1)),
    OpCase("linalg.matrix_norm/-1", "linalg.matrix_norm", (M(3, 4), -1)),
    OpCase("linalg.matrix_norm/inf", "linalg.matrix_norm", (M(3, 4), math.inf)),
    OpCase("linalg.matrix_norm/-inf_keepdim", "linalg.matrix_norm",
           (M(2, 3, 4), -math.inf, (-2, -1), True)),
    OpCase("linalg.matrix_norm/2", "linalg.matrix_norm", (M(3, 4), 2)),
    OpCase("linalg.matrix_norm/-2_dims", "linalg.matrix_norm", (M(3, 2, 4), -2, (0, 2))),
    OpCase("linalg.matrix_norm/complex_nuc", "linalg.matrix_norm", (M(3, 3), "nuc"),
           dtypes=C),
    OpCase("linalg.norm", "linalg.norm", (M(2, 3, 4),)),
    OpCase("linalg.norm/vector_ord", "linalg.norm", (M(5), 3)),
    OpCase("linalg.norm/matrix_ord", "linalg.norm", (M(3, 4), "nuc")),
    OpCase("linalg.norm/dim", "linalg.norm", (M(3, 4), 1, 1)),
    OpCase("linalg.norm/dims", "linalg.norm", (M(2, 3, 4), math.inf, (0, 2))),
]
