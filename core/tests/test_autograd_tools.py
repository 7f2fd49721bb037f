"""autograd.gradcheck / gradgradcheck, autograd.functional, detect_anomaly and
utils.checkpoint, against PyTorch where it has the same function."""

import warnings

import numpy as np
import pytest

import ember
from ember.autograd import gradcheck, gradgradcheck
from ember.autograd import functional as AF
from ember.autograd.gradcheck import GradcheckError
from ember.utils.checkpoint import checkpoint, checkpoint_sequential

torch = pytest.importorskip("torch")


def pair(a, grad=True):
    return (ember.tensor(a, dtype=ember.float64, requires_grad=grad),
            torch.tensor(a, dtype=torch.float64, requires_grad=grad))


def close(e, t, rtol=1e-7, atol=1e-9):
    if isinstance(e, (tuple, list)):
        assert isinstance(t, (tuple, list)) and len(e) == len(t)
        for a, b in zip(e, t):
            close(a, b, rtol, atol)
        return
    assert tuple(e.shape) == tuple(t.shape)
    np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=rtol, atol=atol)


class WrongBackward(ember.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x * 2

    @staticmethod
    def backward(ctx, g):
        return g * 3


class WrongDoubleBackward(ember.autograd.Function):
    """Correct first derivative of sin, but its backward detaches x, so the second
    derivative is lost."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.sin()

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * x.detach().cos()


# -- gradcheck --------------------------------------------------------------------------------

def test_gradcheck_passes_for_correct_gradients():
    rng = np.random.default_rng(0)
    x = ember.tensor(rng.uniform(-1, 1, (2, 3)), requires_grad=True)
    w = ember.tensor(rng.uniform(-1, 1, (3, 2)), requires_grad=True)
    assert gradcheck(lambda a, b: (a @ b).tanh(), (x, w)) is True
    assert gradcheck(lambda a: (a.sin(), a.exp().sum()), x)            # tuple output
    assert gradcheck(lambda a, k: a * k, (x, 3.0))                      # non-tensor input
    assert gradcheck(lambda a: a[:, ::2].sum(1), (x,), fast_mode=True)
    z = ember.complex(ember.tensor(rng.uniform(-1, 1, 4)), ember.tensor(rng.uniform(-1, 1, 4)))
    z.requires_grad_(True)
    assert gradcheck(lambda t: (t * t.conj() + t * 2j).exp(), (z,))     # complex in/out
    assert gradcheck(lambda t: ember.fft.fft(t), (z,), fast_mode=True)
    assert gradcheck(lambda t: t.abs(), (z,))                           # complex -> real


def test_gradcheck_detects_wrong_gradients():
    x = ember.randn(3, dtype=ember.float64, requires_grad=True)
    with pytest.raises(GradcheckError, match="Jacobian mismatch for output 0 with respect to "
                                             "input 0"):
        gradcheck(WrongBackward.apply, (x,))
    assert issubclass(GradcheckError, RuntimeError)
    assert gradcheck(WrongBackward.apply, (x,), raise_exception=False) is False
    assert gradcheck(WrongBackward.apply, (x,), raise_exception=False, fast_mode=True) is False
    # a function whose value depends on x through a detached path
    assert gradcheck(lambda t: t * t.detach(), (x,), raise_exception=False) is False


def test_gradcheck_argument_checks_like_torch():
    x = ember.randn(3, dtype=ember.float64)
    with pytest.raises(ValueError, match="at least one input tensor to require gradient"):
        gradcheck(lambda t: t * 2, (x,))
    with pytest.raises(ValueError, match="at least one input tensor to require gradient"):
        torch.autograd.gradcheck(lambda t: t * 2, (torch.randn(3, dtype=torch.float64),))
    x32 = ember.randn(3, requires_grad=True)
    with pytest.warns(UserWarning, match="not a double precision"):
        gradcheck(lambda t: t * 2, (x32,), atol=1e-2, rtol=1e-2, eps=1e-3)


def test_gradgradcheck():
    x = ember.randn(4, dtype=ember.float64, requires_grad=True)
    y = ember.randn(4, dtype=ember.float64, requires_grad=True)
    assert gradgradcheck(lambda a, b: (a * b).tanh() + a.pow(3), (x, y))
    go = ember.randn(4, dtype=ember.float64, requires_grad=True)
    assert gradgradcheck(lambda a: a.sigmoid(), (x,), (go,))
    assert gradgradcheck(lambda a: a.exp(), (x,), gen_non_contig_grad_outputs=True)
    assert gradcheck(WrongDoubleBackward.apply, (x,))
    assert gradgradcheck(WrongDoubleBackward.apply, (x,), raise_exception=False) is False
    with pytest.raises(GradcheckError):
        gradgradcheck(WrongDoubleBackward.apply, (x,))


# -- autograd.functional vs torch.autograd.functional -----------------------------------------

def _f1(x):
    return (x ** 3).sum(-1) * x[..., :1].sin().squeeze(-1)


def _f2(x, y):
    return x @ y.exp(), (x @ y).sum()


def test_jacobian_and_hessian_vs_torch():
    rng = np.random.default_rng(1)
    a, b = rng.uniform(-1, 1, (2, 3)), rng.uniform(-1, 1, (3, 2))
    (ea, ta), (eb, tb) = pair(a, False), pair(b, False)
    close(AF.jacobian(_f1, ea), torch.autograd.functional.jacobian(_f1, ta))
    close(AF.jacobian(_f2, (ea, eb)), torch.autograd.functional.jacobian(_f2, (ta, tb)))
    close(AF.jacobian(lambda x: (x.sin(), x.sum()), ea),
          torch.autograd.functional.jacobian(lambda x: (x.sin(), x.sum()), ta))
    close(AF.jacobian(_f1, ea, vectorize=True, strategy="forward-mode"),
          torch.autograd.functional.jacobian(_f1, ta, vectorize=True, strategy="forward-mode"))
    h = lambda x: (x.sin() * x.sum()).sum()
    close(AF.hessian(h, ea), torch.autograd.functional.hessian(h, ta))
    h2 = lambda x, y: ((x @ y) ** 2).sum()
    close(AF.hessian(h2, (ea, eb)), torch.autograd.functional.hessian(h2, (ta, tb)))


def test_vjp_jvp_vhp_hvp_vs_torch():
    rng = np.random.default_rng(2)
    a, v = rng.uniform(-1, 1, (2, 3)), rng.uniform(-1, 1, (2, 3))
    (ea, ta), (ev, tv) = pair(a, False), pair(v, False)
    f = lambda x: x.exp() * x.sum(0)
    s = lambda x: (x.sin() * x.pow(2).sum()).sum()
    TF = torch.autograd.functional
    close(AF.vjp(f, ea, ev), TF.vjp(f, ta, tv))
    close(AF.jvp(f, ea, ev), TF.jvp(f, ta, tv))
    close(AF.vhp(s, ea, ev), TF.vhp(s, ta, tv))
    close(AF.hvp(s, ea, ev), TF.hvp(s, ta, tv))
    close(AF.vjp(s, ea), TF.vjp(s, ta))                  # v omitted for a scalar output
    g = lambda x, y: (x * y, (x - y).sum())
    close(AF.vjp(g, (ea, ev), (ev, ember.tensor(2., dtype=ember.float64))),
          TF.vjp(g, (ta, tv), (tv, torch.tensor(2., dtype=torch.float64))))
    close(AF.jvp(g, (ea, ev), (ev, ea)), TF.jvp(g, (ta, tv), (tv, ta)))


def test_functional_create_graph_strict_and_errors():
    x = ember.tensor([1., 2.], dtype=ember.float64, requires_grad=True)
    out, vj = AF.vjp(lambda t: t ** 3, x, ember.ones(2, dtype=ember.float64),
                     create_graph=True)
    assert vj.requires_grad
    (g,) = ember.autograd.grad(vj.sum(), x)               # d/dx sum(3x^2) = 6x
    assert g.tolist() == [6., 12.]
    j = AF.jacobian(lambda t: t ** 2, x)
    assert not j.requires_grad and j.tolist() == [[2., 0.], [0., 4.]]
    # an output independent of an input: zeros, or an error in strict mode
    f = lambda a, b: a * 2
    jz = AF.jacobian(f, (x, x.detach().clone()))
    assert jz[1].abs().sum().item() == 0
    with pytest.raises(RuntimeError, match="independent of input 1"):
        AF.jacobian(f, (x, x.detach().clone()), strict=True)
    with pytest.raises(RuntimeError, match="independent of input 1"):
        torch.autograd.functional.jacobian(f, (torch.ones(2), torch.ones(2)), strict=True)
    with pytest.raises(RuntimeError, match="single element"):
        AF.vjp(lambda t: t * 2, x)
    with pytest.raises(RuntimeError, match="should return a single Tensor"):
        AF.hessian(lambda t: (t.sum(), t.sum()), x)
    with pytest.raises(RuntimeError, match="invalid size"):
        AF.vjp(lambda t: t * 2, x, ember.ones(3, dtype=ember.float64))
    with pytest.raises(TypeError, match="must be either a Tensor or a tuple of Tensors"):
        AF.jacobian(lambda t: t, [1.0, 2.0])
    with pytest.raises(ValueError, match="requires `vectorize=True`"):
        AF.jacobian(lambda t: t, x, strategy="forward-mode")


# -- detect_anomaly -------------------------------------------------------------------------

def test_detect_anomaly_names_the_op():
    x = ember.zeros(3, requires_grad=True)
    with ember.autograd.detect_anomaly():
        y = (x.sqrt() * 0).sum()          # d sqrt / dx at 0 is inf, times 0: nan
        with pytest.raises(RuntimeError, match="Function 'SqrtBackward0' returned nan values "
                                               "in its 0th output"):
            y.backward()
    t = torch.zeros(3, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with torch.autograd.detect_anomaly():
            with pytest.raises(RuntimeError, match="Function 'SqrtBackward0' returned nan"):
                (t.sqrt() * 0).sum().backward()
    # outside the context the nan passes silently, as in PyTorch
    x2 = ember.zeros(3, requires_grad=True)
    (x2.sqrt() * 0).sum().backward()
    assert bool(x2.grad.isnan().all())


# -- checkpoint -----------------------------------------------------------------------------

def _params():
    g = ember.Generator().manual_seed(3)
    w1 = ember.randn(4, 5, generator=g, requires_grad=True)
    w2 = ember.randn(5, 3, generator=g, requires_grad=True)
    return w1, w2


def _block(w1, w2):
    def run(x):
        h = (x @ w1).tanh()
        keep = (ember.rand(h.shape) > 0.3).to(h.dtype)         # dropout-like randomness
        return ((h * keep / 0.7) @ w2).sin()
    return run


def _grads(use_ckpt, x, w1, w2, **kw):
    for t in (x, w1, w2):
        t.grad = None
    ember.manual_seed(7)
    f = _block(w1, w2)
    y = checkpoint(f, x, **kw) if use_ckpt else f(x)
    ember.manual_seed(99)                       # the rng moves on before backward runs
    (y * y).sum().backward()
    return y.detach(), [t.grad.clone() if t.grad is not None else None for t in (x, w1, w2)]


@pytest.mark.parametrize("reentrant", [True, False])
def test_checkpoint_same_gradients_and_replayed_randomness(reentrant):
    w1, w2 = _params()
    x = ember.randn(6, 4, requires_grad=True)
    y0, g0 = _grads(False, x, w1, w2)
    y1, g1 = _grads(True, x, w1, w2, use_reentrant=reentrant)
    close(y1, y0)
    for a, b in zip(g1, g0):
        close(a, b)
    # without the saved rng state, the recomputed mask differs: so do the gradients
    _, g2 = _grads(True, x, w1, w2, use_reentrant=reentrant, preserve_rng_state=False)
    assert not np.allclose(g2[1].numpy(), g0[1].numpy())


def test_checkpoint_does_not_keep_the_segment_graph():
    w1, w2 = _params()
    x = ember.randn(6, 4, requires_grad=True)
    y = checkpoint(_block(w1, w2), x, use_reentrant=False)
    assert y.grad_fn.name() == "CheckpointFunctionBackward"
    assert all(n is None or n.name() in ("AccumulateGrad",) for n, _ in
               y.grad_fn.next_functions)


def test_checkpoint_non_reentrant_reaches_parameters_without_input_grad():
    w1, w2 = _params()
    x = ember.randn(6, 4)
    _, g0 = _grads(False, x, w1, w2)
    _, g1 = _grads(True, x, w1, w2, use_reentrant=False)
    close(g1[1], g0[1])
    close(g1[2], g0[2])
    with pytest.warns(UserWarning, match="None of the inputs have requires_grad=True"):
        y = checkpoint(_block(w1, w2), x, use_reentrant=True)
    assert not y.requires_grad


def test_checkpoint_arguments_and_outputs():
    x = ember.randn(3, requires_grad=True)
    with pytest.warns(UserWarning, match="use_reentrant parameter should be passed"):
        checkpoint(lambda t: t * 2, x)
    with pytest.raises(ValueError, match="Unexpected keyword arguments: scale"):
        checkpoint(lambda t, scale=1: t * scale, x, use_reentrant=True, scale=2)
    a, b = checkpoint(lambda t, k, scale=1: (t * k * scale, t.exp()), x, 3.0,
                      use_reentrant=False, scale=2)
    (a.sum() + b.sum()).backward()
    close(x.grad, (6 + x.exp()).detach())


def test_checkpoint_sequential_matches_plain_run():
    g = ember.Generator().manual_seed(5)
    ws = [ember.randn(4, 4, generator=g, requires_grad=True) for _ in range(5)]
    fns = [lambda t, w=w: (t @ w).tanh() for w in ws]
    x = ember.randn(2, 4, requires_grad=True)
    y = x
    for f in fns:
        y = f(y)
    y.sum().backward()
    ref = [x.grad.clone()] + [w.grad.clone() for w in ws]
    for t in [x] + ws:
        t.grad = None
    y2 = checkpoint_sequential(fns, 2, x, use_reentrant=False)
    close(y2, y)
    y2.sum().backward()
    for a, b in zip([x.grad] + [w.grad for w in ws], ref):
        close(a, b)
