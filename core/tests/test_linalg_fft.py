"""ember.linalg, ember.fft and the products of _ops/linalg_ops.py against PyTorch: values,
gradients (also of decompositions that need special inputs: positive-definite, symmetric),
second derivatives, errors, and the core's behaviour on a backend without the optional
``linalg`` / ``fft`` kernels."""

import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import ember
from ember.autograd import gradcheck, gradgradcheck

torch = pytest.importorskip("torch")

SET = settings(max_examples=15, deadline=None, derandomize=True)   # seeded: no flaky draws


def pair(a, dtype="float64", grad=True):
    e = ember.tensor(a, dtype=getattr(ember, dtype), requires_grad=grad)
    t = torch.tensor(a, dtype=getattr(torch, dtype), requires_grad=grad)
    return e, t


def close(e, t, rtol=1e-6, atol=1e-8):
    if isinstance(t, torch.Tensor):
        t = t.detach().resolve_conj().resolve_neg().numpy()
    elif isinstance(t, ember.Tensor):
        t = t.detach().numpy()
    np.testing.assert_allclose(e.detach().numpy(), t, rtol=rtol, atol=atol)


def check_grads(fe, ft, arrays, dtype="float64", rtol=1e-6, atol=1e-8, seed=0):
    """Values and gradients of sum(w * f(...)) over every (real) output, ember vs torch."""
    es, ts = zip(*[pair(a, dtype) for a in arrays])
    oe, ot = fe(*es), ft(*ts)
    oe = oe if isinstance(oe, tuple) else (oe,)
    ot = ot if isinstance(ot, tuple) else (ot,)
    rng = np.random.default_rng(seed)
    le = lt = 0
    for a, b in zip(oe, ot):
        close(a, b, rtol, atol)
        w = rng.uniform(0.5, 1.5, tuple(b.shape))
        se = (a * ember.tensor(w, dtype=a.dtype)).sum()
        stt = (b * torch.tensor(w, dtype=b.dtype)).sum()
        if b.is_complex():                  # a real loss: Re(sum(w * f))
            se, stt = se.real, stt.real
        le, lt = le + se, lt + stt
    for g, h in zip(ember.autograd.grad(le, list(es)), torch.autograd.grad(lt, list(ts))):
        close(g, h, rtol * 10, atol * 10)


def rand(rng, *shape, complex_=False):
    a = rng.uniform(-1, 1, shape)
    if complex_:
        a = a + 1j * rng.uniform(-1, 1, shape)
    return a


def well_conditioned(rng, batch, n, complex_=False):
    return rand(rng, *batch, n, n, complex_=complex_) + n * np.eye(n)


def spd(rng, batch, n, complex_=False):
    a = rand(rng, *batch, n, n, complex_=complex_)
    return a @ np.conj(np.swapaxes(a, -1, -2)) + n * np.eye(n)


batches = st.sampled_from([(), (1,), (3,), (2, 2)])
sizes = st.integers(1, 4)


# -- batched factorizations vs torch (hypothesis over batch shapes and sizes) ---------------

@SET
@given(batch=batches, n=sizes, seed=st.integers(0, 2 ** 16))
def test_inv_det_slogdet_solve_batched(batch, n, seed):
    rng = np.random.default_rng(seed)
    A = well_conditioned(rng, batch, n)
    B = rand(rng, *batch, n, 2)
    L, T = ember.linalg, torch.linalg
    check_grads(L.inv, T.inv, [A])
    check_grads(L.det, T.det, [A])
    check_grads(lambda a: L.slogdet(a)[1], lambda a: T.slogdet(a)[1], [A])
    check_grads(L.solve, T.solve, [A, B])


@SET
@given(batch=batches, n=sizes, seed=st.integers(0, 2 ** 16), upper=st.booleans())
def test_cholesky_vs_torch(batch, n, seed, upper):
    A = spd(np.random.default_rng(seed), batch, n)
    check_grads(lambda a: ember.linalg.cholesky(a, upper=upper),
                lambda a: torch.linalg.cholesky(a, upper=upper), [A])


def test_cholesky_complex_and_gradcheck():
    rng = np.random.default_rng(0)
    A = spd(rng, (2,), 3, complex_=True)
    check_grads(ember.linalg.cholesky, torch.linalg.cholesky,
                [A], dtype="complex128")
    # finite differences need a Hermitian input: differentiate through X -> X X^T + 3I
    X = ember.tensor(rand(rng, 3, 3), dtype=ember.float64, requires_grad=True)
    f = lambda x: ember.linalg.cholesky(x @ x.mT + 3 * ember.eye(3, dtype=ember.float64))
    assert gradcheck(f, (X,))
    assert gradgradcheck(f, (X,))


def test_eigh_gradcheck_on_symmetric_input():
    rng = np.random.default_rng(1)
    X = ember.tensor(rand(rng, 4, 4), dtype=ember.float64, requires_grad=True)

    def f(x):
        w, v = ember.linalg.eigh(x + x.mT)
        return w, v * v[..., :1, :].sign()      # a sign-invariant function of the vectors
    assert gradcheck(f, (X,))
    assert gradcheck(lambda x: ember.linalg.eigvalsh(x + x.mT, UPLO="U"), (X,))


def test_eigh_complex_vs_torch():
    A = spd(np.random.default_rng(2), (), 3, complex_=True)

    def post(lib):
        def f(a):
            w, v = lib.linalg.eigh(a)
            d = v[..., :1, :]
            v = v * (d.abs() / d)                 # fix each vector's phase
            return w, v.real * 1, v.imag * 1
        return f
    check_grads(post(ember), post(torch), [A], dtype="complex128")


def test_eig_vs_torch_with_order_free_loss():
    A = rand(np.random.default_rng(3), 4, 4)

    def loss(lib):
        def f(a):
            w, v = lib.linalg.eig(a)
            # symmetric in the eigenpairs and phase-free in the vectors
            return ((w.real ** 3) * (v[..., 0, :].abs() ** 2)).sum() + (w.imag ** 2).sum()
        return f
    check_grads(loss(ember), loss(torch), [A])
    e = ember.tensor(A)
    w, V = ember.linalg.eig(e)
    assert w.dtype is ember.complex128
    close(e.to(ember.complex128) @ V, V * w.unsqueeze(-2), atol=1e-10)
    close(ember.linalg.eigvals(e).abs().sort().values,
          torch.linalg.eigvals(torch.tensor(A)).abs().sort().values)


@SET
@given(m=st.integers(1, 5), n=st.integers(1, 5), seed=st.integers(0, 2 ** 16),
       complex_=st.booleans())
def test_svd_qr_pinv_shapes_and_reconstruction(m, n, seed, complex_):
    A = ember.tensor(rand(np.random.default_rng(seed), 2, m, n, complex_=complex_))
    k = min(m, n)
    U, S, Vh = ember.linalg.svd(A, full_matrices=False)
    assert (U.shape, S.shape, Vh.shape) == ((2, m, k), (2, k), (2, k, n))
    close(U @ (S.unsqueeze(-1).to(U.dtype) * Vh), A, atol=1e-10)
    U, S, Vh = ember.linalg.svd(A)
    assert (U.shape, Vh.shape) == ((2, m, m), (2, n, n))
    Q, R = ember.linalg.qr(A)
    assert (Q.shape, R.shape) == ((2, m, k), (2, k, n))
    close(Q @ R, A, atol=1e-10)
    Q, R = ember.linalg.qr(A, mode="complete")
    assert (Q.shape, R.shape) == ((2, m, m), (2, m, n))
    tA = torch.tensor(A.numpy())
    close(ember.linalg.pinv(A), torch.linalg.pinv(tA), rtol=1e-5, atol=1e-7)
    close(ember.linalg.matrix_rank(A), torch.linalg.matrix_rank(tA))
    close(ember.linalg.svdvals(A), torch.linalg.svdvals(tA))


def test_decomposition_gradients_complex():
    rng = np.random.default_rng(4)
    M = rand(rng, 4, 3, complex_=True)

    def svd_post(lib):
        def f(a):
            u, s, vh = lib.linalg.svd(a, full_matrices=False)
            d = u[..., :1, :]
            ph = d.abs() / d
            u, vh = u * ph, vh * ph.mH
            return s, u.real * 1, u.imag * 1, vh.real * 1, vh.imag * 1
        return f

    def qr_post(lib):
        def f(a):
            q, r = lib.linalg.qr(a)
            d = r.diagonal(0, -2, -1)
            ph = d / d.abs()
            q, r = q * ph.unsqueeze(-2), r * ph.conj().unsqueeze(-1)
            return q.real * 1, q.imag * 1, r.real * 1, r.imag * 1
        return f
    check_grads(svd_post(ember), svd_post(torch), [M], dtype="complex128")
    check_grads(qr_post(ember), qr_post(torch), [M], dtype="complex128")
    check_grads(qr_post(ember), qr_post(torch), [M.T.copy()], dtype="complex128")
    check_grads(lambda a: ember.linalg.pinv(a).abs(), lambda a: torch.linalg.pinv(a).abs(),
                [M], dtype="complex128")
    A = well_conditioned(rng, (), 3, True)
    check_grads(lambda a: tuple(x.real * 1 for x in ember.linalg.slogdet(a)) + (
        ember.linalg.slogdet(a)[0].imag * 1,),
        lambda a: tuple(x.real * 1 for x in torch.linalg.slogdet(a)) + (
        torch.linalg.slogdet(a)[0].imag * 1,), [A], dtype="complex128")


def test_second_derivatives():
    rng = np.random.default_rng(5)
    A = ember.tensor(well_conditioned(rng, (), 3), requires_grad=True)
    B = ember.tensor(rand(rng, 3, 2), requires_grad=True)
    assert gradgradcheck(ember.linalg.inv, (A,))
    assert gradgradcheck(ember.linalg.det, (A,))
    assert gradgradcheck(ember.linalg.solve, (A, B))
    assert gradgradcheck(lambda a: ember.linalg.vector_norm(a, 3), (B,))
    assert gradgradcheck(lambda a, b: ember.einsum("ij,jk->ik", a, b), (A, B))
    x = ember.tensor(rand(rng, 6), requires_grad=True)
    assert gradgradcheck(lambda t: ember.fft.rfft(t).abs(), (x,))
    assert gradgradcheck(lambda t: ember.fft.irfft(ember.fft.rfft(t) * 2, n=6), (x,))


def test_det_gradient_at_singular_matrix_is_the_adjugate():
    # rank 2: the adjugate is nonzero (PyTorch returns 0 here; finite differences agree
    # with the adjugate)
    A = ember.tensor([[1., 2., 3.], [2., 4., 6.], [1., 0., 1.]], dtype=ember.float64,
                     requires_grad=True)
    d = ember.linalg.det(A)
    assert float(d) == 0.0
    (g,) = ember.autograd.grad(d, A)
    close(g, np.array([[4., 4., -4.], [-2., -2., 2.], [0., 0., 0.]]), atol=1e-10)


def test_lstsq_outputs_like_torch():
    rng = np.random.default_rng(6)
    A, B = rand(rng, 2, 5, 3), rand(rng, 2, 5, 2)
    ea, eb = ember.tensor(A), ember.tensor(B)
    ta, tb = torch.tensor(A), torch.tensor(B)
    for driver in (None, "gels", "gelsd", "gelss"):
        e = ember.linalg.lstsq(ea, eb, driver=driver)
        t = torch.linalg.lstsq(ta, tb, driver=driver)
        for name in ("solution", "residuals", "rank", "singular_values"):
            a, b = getattr(e, name), getattr(t, name)
            assert tuple(a.shape) == tuple(b.shape), (driver, name)
            close(a, b, atol=1e-10)
    check_grads(lambda a, b: ember.linalg.lstsq(a, b).solution,
                lambda a, b: torch.linalg.lstsq(a, b).solution, [A, B])


@pytest.mark.filterwarnings("ignore:torch.cholesky is deprecated")
def test_torch_namespace_aliases():
    rng = np.random.default_rng(7)
    A = well_conditioned(rng, (2,), 3)
    ea, ta = ember.tensor(A), torch.tensor(A)
    close(ember.inverse(ea), torch.inverse(ta))
    close(ember.det(ea), torch.det(ta))
    close(ea.det(), ta.det())
    S = spd(rng, (), 3)
    close(ember.logdet(ember.tensor(S)), torch.logdet(torch.tensor(S)))
    close(ember.cholesky(ember.tensor(S), upper=True), torch.cholesky(torch.tensor(S), upper=True))
    U, s, V = ember.svd(ea)
    tU, ts, tV = torch.svd(ta)
    close(s, ts)
    close(U @ (s.unsqueeze(-1) * V.mT), ta)
    _, s0, V0 = ember.svd(ea, compute_uv=False)
    assert V0.shape == (2, 3, 3) and float(V0.abs().sum()) == 0
    close(ember.matrix_power(ea, 2), torch.matrix_power(ta, 2))
    close(ember.pinverse(ea), torch.pinverse(ta))
    close(ember.matrix_exp(ea), torch.matrix_exp(ta))
    Q, R = ember.qr(ea)
    close(Q @ R, ta)
    L = np.linalg.cholesky(S)
    b = rand(rng, 3, 2)
    close(ember.cholesky_solve(ember.tensor(b), ember.tensor(L)),
          torch.cholesky_solve(torch.tensor(b), torch.tensor(L)))
    close(ember.cholesky_inverse(ember.tensor(L)), torch.cholesky_inverse(torch.tensor(L)))
    res = ember.linalg.slogdet(ea)
    assert res.sign.shape == (2,) and res.logabsdet.shape == (2,)
    assert ember.linalg.eigh(ea).eigenvalues.shape == (2, 3)


def test_inv_ex_and_cholesky_ex_info():
    A = ember.tensor([[[1., 2.], [2., 4.]], [[2., 0.], [0., 2.]]])
    inv, info = ember.linalg.inv_ex(A)
    assert info.tolist() == [1, 0] and info.dtype is ember.int32
    assert bool(inv[0].isnan().all()) and inv[1].tolist() == [[0.5, 0.], [0., 0.5]]
    X, info = ember.linalg.solve_ex(A, ember.ones(2))
    assert info.tolist() == [1, 0] and bool(X[0].isnan().all())
    assert X[1].tolist() == [0.5, 0.5]
    L, info = ember.linalg.cholesky_ex(ember.tensor([[1., 2.], [2., 1.]]))
    assert info.tolist() == 2
    with pytest.raises(ember.linalg.LinAlgError):
        ember.linalg.inv_ex(A, check_errors=True)


def test_matrix_norm_orders_keepdim_and_dims():
    A = rand(np.random.default_rng(8), 2, 3, 4)
    ea, ta = pair(A)
    for ordv in ("fro", "nuc", 1, -1, 2, -2, math.inf, -math.inf):
        for dim in ((-2, -1), (0, 2), (2, 1)):
            for keep in (False, True):
                close(ember.linalg.matrix_norm(ea, ordv, dim, keep),
                      torch.linalg.matrix_norm(ta, ordv, dim, keep))
    close(ember.linalg.norm(ea), torch.linalg.norm(ta))
    close(ember.linalg.norm(ea, dim=(0, 1)), torch.linalg.norm(ta, dim=(0, 1)))
    e32, t32 = ea.float(), ta.float()
    close(ember.linalg.vector_norm(e32, 2, dtype=ember.float64),
          torch.linalg.vector_norm(t32, 2, dtype=torch.float64))
    with pytest.raises(RuntimeError, match="without narrowing"):
        ember.linalg.vector_norm(ea, dtype=ember.float32)
    assert ember.linalg.vector_norm(ea.to(ember.complex64)).dtype is ember.float32


def test_vector_norm_gradient_at_zero_is_zero():
    for o in (2, 3, 0.5, 1, math.inf):
        x = ember.zeros(3, requires_grad=True)
        (g,) = ember.autograd.grad(ember.linalg.vector_norm(x, o), x)
        t = torch.zeros(3, requires_grad=True)
        (h,) = torch.autograd.grad(torch.linalg.vector_norm(t, o), t)
        close(g, h)


def test_cdist_zero_distance_gradient_and_large_inputs():
    rng = np.random.default_rng(9)
    x = rand(rng, 3, 2)
    check_grads(ember.cdist, torch.cdist, [x, x.copy()])
    check_grads(ember.cdist, torch.cdist, [rand(rng, 40, 3), rand(rng, 30, 3)], rtol=1e-5,
                atol=1e-7)


# -- einsum against torch on random equations ------------------------------------------------

@st.composite
def einsum_problem(draw):
    letters = "abcde"
    size = {c: draw(st.integers(1, 3)) for c in letters}
    n_ops = draw(st.integers(1, 3))
    terms = []
    for _ in range(n_ops):
        k = draw(st.integers(0, 3))
        terms.append("".join(draw(st.permutations(letters))[:k]))
    used = sorted(set("".join(terms)))
    out = draw(st.permutations(used)) if used else []
    out = "".join(out[:draw(st.integers(0, len(used)))])
    implicit = draw(st.booleans())
    eq = ",".join(terms) + ("" if implicit else "->" + out)
    shapes = [tuple(size[c] for c in t) for t in terms]
    return eq, shapes


@SET
@given(problem=einsum_problem(), seed=st.integers(0, 2 ** 16))
def test_einsum_random_equations(problem, seed):
    eq, shapes = problem
    rng = np.random.default_rng(seed)
    check_grads(lambda *a: ember.einsum(eq, *a), lambda *a: torch.einsum(eq, *a),
                [rand(rng, *s) for s in shapes])


def test_einsum_forms_and_dtypes():
    a = np.arange(6.).reshape(2, 3)
    ea, ta = ember.tensor(a), torch.tensor(a)
    close(ember.einsum(ea, [0, 1], [1]), torch.einsum(ta, [0, 1], [1]))
    close(ember.einsum(ea, [Ellipsis, 1], [Ellipsis]), torch.einsum(ta, [Ellipsis, 1], [Ellipsis]))
    close(ember.einsum("i j -> j i", ea), torch.einsum("i j -> j i", ta))
    r = ember.einsum("ij->j", ember.tensor([[1, 2], [3, 4]]))
    assert r.dtype is ember.int64 and r.tolist() == [4, 6]


# -- errors ---------------------------------------------------------------------------------

def _both_raise(fe, ft, exc, match):
    with pytest.raises(exc, match=match):
        fe()
    with pytest.raises(exc, match=match):
        ft()


def test_linalg_errors_like_torch():
    sing = [[1., 2.], [2., 4.]]
    for fe, ft in ((lambda: ember.linalg.inv(ember.tensor(sing)),
                    lambda: torch.linalg.inv(torch.tensor(sing))),
                   (lambda: ember.linalg.solve(ember.tensor(sing), ember.ones(2)),
                    lambda: torch.linalg.solve(torch.tensor(sing), torch.ones(2)))):
        with pytest.raises(ember.linalg.LinAlgError, match="singular"):
            fe()
        with pytest.raises(torch.linalg.LinAlgError):
            ft()
    assert issubclass(ember.linalg.LinAlgError, RuntimeError)
    with pytest.raises(ember.linalg.LinAlgError, match=r"\(Batch element 1\)"):
        ember.linalg.inv(ember.stack([ember.eye(2), ember.tensor(sing)]))
    not_pd = [[1., 2.], [2., 1.]]
    with pytest.raises(ember.linalg.LinAlgError, match="leading minor of order 2"):
        ember.linalg.cholesky(ember.tensor(not_pd))
    with pytest.raises(torch.linalg.LinAlgError, match="leading minor of order 2"):
        torch.linalg.cholesky(torch.tensor(not_pd))
    _both_raise(lambda: ember.linalg.inv(ember.ones(2, 2, dtype=ember.int64)),
                lambda: torch.linalg.inv(torch.ones(2, 2, dtype=torch.long)),
                RuntimeError, "Expected a floating point or complex tensor as input. Got Long")
    _both_raise(lambda: ember.linalg.det(ember.ones(2, 3)),
                lambda: torch.linalg.det(torch.ones(2, 3)),
                RuntimeError, "must be batches of square matrices, but they are 2 by 3")
    _both_raise(lambda: ember.linalg.inv(ember.ones(3)), lambda: torch.linalg.inv(torch.ones(3)),
                RuntimeError, "at least 2 dimensions")
    _both_raise(lambda: ember.linalg.solve(ember.eye(3), ember.ones(2, 1)),
                lambda: torch.linalg.solve(torch.eye(3), torch.ones(2, 1)),
                RuntimeError, "Incompatible shapes")
    _both_raise(lambda: ember.linalg.matrix_norm(ember.ones(2, 2), 3),
                lambda: torch.linalg.matrix_norm(torch.ones(2, 2), 3),
                RuntimeError, "Order 3 not supported")
    _both_raise(lambda: ember.linalg.norm(ember.ones(2, 2, 2), 2),
                lambda: torch.linalg.norm(torch.ones(2, 2, 2), 2), RuntimeError, "1D or 2D")
    _both_raise(lambda: ember.linalg.qr(ember.ones(2, 2), mode="bad"),
                lambda: torch.linalg.qr(torch.ones(2, 2), mode="bad"),
                RuntimeError, "unrecognized mode")
    _both_raise(lambda: ember.linalg.cross(ember.ones(2, 2), ember.ones(2, 2)),
                lambda: torch.linalg.cross(torch.ones(2, 2), torch.ones(2, 2)),
                RuntimeError, "must have length 3")
    _both_raise(lambda: ember.linalg.vector_norm(ember.ones(0), math.inf),
                lambda: torch.linalg.vector_norm(torch.ones(0), math.inf),
                RuntimeError, "empty tensor")
    q, r = ember.linalg.qr(ember.ones(3, 2, requires_grad=True), mode="r")
    assert q.numel() == 0
    with pytest.raises(RuntimeError, match="mode='r'"):
        r.sum().backward()


def test_product_errors_like_torch():
    cases = [
        (lambda m: m.einsum("ij,jk->ik", m.ones(2, 3), m.ones(4, 5)),
         "subscript j has size 4 for operand 1"),
        (lambda m: m.einsum("ii->i", m.ones(2, 3)), "sizes don't match, 3 != 2"),
        (lambda m: m.einsum("ij->iz", m.ones(2, 3)), "output subscript z does not appear"),
        (lambda m: m.einsum("ij", m.ones(2, 3), m.ones(3)), "more operands"),
        (lambda m: m.einsum("ijk", m.ones(2, 3)), "does not match the number of dimensions"),
        (lambda m: m.einsum("i,i->", m.ones(3), m.ones(3, dtype=m.float64)),
         "expected scalar type"),
        (lambda m: m.tensordot(m.ones(2, 3), m.ones(4, 3), 1),
         "contracted dimensions need to match"),
        (lambda m: m.addmm(m.ones(2, 2), m.ones(2, 3), m.ones(3, 2, dtype=m.float64)),
         "same dtype"),
        (lambda m: m.vdot(m.ones(2), m.ones(3)), "inconsistent tensor size"),
        (lambda m: m.inner(m.ones(2, 3), m.ones(4)), "the last dimension must match"),
        (lambda m: m.outer(m.ones(2, 2), m.ones(2)), "Expected 1-D argument self"),
        (lambda m: m.cdist(m.ones(3), m.ones(3)), "at least 2D tensors"),
        (lambda m: m.cdist(m.ones(2, 3), m.ones(2, 4)), "same number of columns"),
        (lambda m: m.linalg.cross(m.ones(2, 1, 3), m.ones(4, 3)), "same number of dimensions"),
    ]
    for f, msg in cases:
        with pytest.raises(RuntimeError, match=msg):
            f(ember)
        with pytest.raises(RuntimeError, match=msg):
            f(torch)


def test_fft_errors_like_torch():
    cases = [
        (lambda m: m.fft.fft(m.ones(4), norm="bad"), "Invalid normalization mode"),
        (lambda m: m.fft.fft(m.ones(4), n=0), r"Invalid number of data points \(0\)"),
        (lambda m: m.fft.fftn(m.ones(3, 4), dim=(0, 0)), "FFT dims must be unique"),
        (lambda m: m.fft.fft(m.ones(4, dtype=m.float16)), "Unsupported dtype Half"),
        (lambda m: m.fft.rfft(m.ones(3, dtype=m.complex64)), "expects a real input tensor"),
        (lambda m: m.fft.fftn(m.ones(3, 4), s=(2,), dim=(0, 1)), "must have the same length"),
        (lambda m: m.fft.irfft(m.ones(1, dtype=m.complex64)), "Invalid number of data points"),
    ]
    for f, msg in cases:
        with pytest.raises(RuntimeError, match=msg):
            f(ember)
        with pytest.raises(RuntimeError, match=msg):
            f(torch)
    with pytest.raises(IndexError):
        ember.fft.fft(ember.tensor(3.))


# -- fft: dtypes and the backends without the optional kernels --------------------------------

def test_fft_dtypes_like_torch():
    for d in ("float32", "float64", "complex64", "complex128", "int64"):
        e = ember.ones(4, dtype=getattr(ember, d))
        t = torch.ones(4, dtype=getattr(torch, d))
        for name in ("fft", "ifft", "fftn"):
            assert getattr(ember.fft, name)(e).dtype.name == str(
                getattr(torch.fft, name)(t).dtype).split(".")[1]
        if not e.dtype.is_complex:
            assert ember.fft.rfft(e).dtype.name == str(torch.fft.rfft(t).dtype).split(".")[1]
        assert ember.fft.irfft(e).dtype.name == str(torch.fft.irfft(t).dtype).split(".")[1]
    assert ember.fft.fftfreq(4, dtype=ember.float64).dtype is ember.float64


def test_fft_shift_and_freq_like_torch():
    for n in (1, 4, 7):
        close(ember.fft.fftfreq(n, 0.3), torch.fft.fftfreq(n, 0.3))
        close(ember.fft.rfftfreq(n, 0.3), torch.fft.rfftfreq(n, 0.3))
    x = np.arange(30.).reshape(5, 6)
    close(ember.fft.fftshift(ember.tensor(x)), torch.fft.fftshift(torch.tensor(x)))
    close(ember.fft.ifftshift(ember.tensor(x), 0), torch.fft.ifftshift(torch.tensor(x), 0))
    close(ember.fft.ifftshift(ember.fft.fftshift(ember.tensor(x))), x)


@pytest.fixture
def no_fft_kernel(monkeypatch):
    be = type(ember.tensor([1.])._storage._be)
    monkeypatch.delattr(be, "fft")
    return be


def test_fft_dense_fallback_matches_torch(no_fft_kernel):
    rng = np.random.default_rng(10)
    x = rand(rng, 3, 6)
    xc = x + 1j * rand(rng, 3, 6)
    for nm in (None, "ortho", "forward"):
        check_grads(lambda a, nm=nm: ember.fft.fft(a, norm=nm).abs(),
                    lambda a, nm=nm: torch.fft.fft(a, norm=nm).abs(), [x])
        check_grads(lambda a, nm=nm: ember.fft.rfft(a, n=5, norm=nm).abs(),
                    lambda a, nm=nm: torch.fft.rfft(a, n=5, norm=nm).abs(), [x])
        check_grads(lambda a, nm=nm: ember.fft.irfft(a, n=7, dim=0, norm=nm),
                    lambda a, nm=nm: torch.fft.irfft(a, n=7, dim=0, norm=nm), [xc],
                    "complex128")
    assert ember.fft.fft(ember.ones(4)).dtype is ember.complex64


def test_linalg_without_backend_kernel_names_backend_and_function(monkeypatch):
    be = type(ember.tensor([1.])._storage._be)
    monkeypatch.delattr(be, "linalg")
    with pytest.raises(NotImplementedError, match=r"linalg\.inv: the 'cpu' backend .*'linalg'"):
        ember.linalg.inv(ember.eye(2))
    with pytest.raises(NotImplementedError, match=r"linalg\.svd"):
        ember.linalg.svd(ember.eye(2))
    # what needs no kernel keeps working
    close(ember.linalg.vector_norm(ember.tensor([3., 4.])), np.array(5.))
    close(ember.einsum("ii", ember.eye(3)), np.array(3.))
