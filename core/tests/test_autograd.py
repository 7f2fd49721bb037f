"""The autograd engine against PyTorch: graphs, higher order, hooks, in-place rules,
custom Functions, grad modes, and that graphs are freed by reference counting alone."""

import gc
import weakref

import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

import ember


def E(a, rg=True):
    return ember.tensor(np.asarray(a, dtype=np.float64), requires_grad=rg)


def T(a, rg=True):
    return torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=rg)


def close(e, t):
    np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=1e-10, atol=1e-12)


def test_leaf_and_grad_fn_names():
    x = ember.ones(2, requires_grad=True)
    y = x * 2 + 1
    assert x.is_leaf and not y.is_leaf and y.requires_grad
    assert y.grad_fn.name() == "AddBackward0"
    (mul, _), = [(f, n) for f, n in y.grad_fn.next_functions if f is not None]
    assert mul.name() == "MulBackward0"
    assert mul.next_functions[0][0].name() == "AccumulateGrad"
    assert mul.next_functions[0][0].variable is x
    assert ember.ones(2).requires_grad is False
    with pytest.raises(RuntimeError, match="only Tensors of floating point"):
        ember.ones(2, dtype=ember.int64).requires_grad_()


def test_backward_rules():
    x = E([1.0, 2.0, 3.0])
    y = x * x
    with pytest.raises(RuntimeError, match="implicitly created only for scalar outputs"):
        y.backward()
    y.backward(ember.tensor([1.0, 0.5, 0.25], dtype=ember.float64), retain_graph=True)
    assert x.grad.tolist() == [2.0, 2.0, 1.5]
    y.sum().backward()                      # accumulates
    assert x.grad.tolist() == [4.0, 6.0, 7.5]
    z = (x * x).sum()
    z.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        z.backward()
    with pytest.raises(RuntimeError, match="does not require grad"):
        ember.ones(2).sum().backward()


@settings(max_examples=25, deadline=None)
@given(st.lists(st.floats(0.2, 2.0), min_size=1, max_size=5), st.integers(0, 5))
def test_composite_gradients_match_torch(vals, which):
    fs = [lambda m, x: (m.exp(x) * x).sum(),
          lambda m, x: (x.sigmoid() / (1 + x * x)).mean(),
          lambda m, x: (x.tanh() ** 3 - x.log()).sum(),
          lambda m, x: (x.unsqueeze(0) * x.unsqueeze(1)).sum(0).pow(2).sum(),
          lambda m, x: (x[::2] + x.flip(0)[: (len(vals) + 1) // 2] if False else x[::2] * 3).sum(),
          lambda m, x: m.matmul(x.unsqueeze(1), x.unsqueeze(0)).relu().sum()]
    f = fs[which]
    xe, xt = E(vals), T(vals)
    ge, = ember.autograd.grad(f(ember, xe), xe, create_graph=True)
    gt, = torch.autograd.grad(f(torch, xt), xt, create_graph=True)
    close(ge, gt)
    if not ge.requires_grad:      # the gradient is constant in x
        return
    gge, = ember.autograd.grad(ge.sum(), xe, allow_unused=True)
    ggt, = torch.autograd.grad(gt.sum(), xt, allow_unused=True)
    if ggt is None:
        assert gge is None or not bool((gge != 0).any())
    else:
        close(gge, ggt)


def test_third_order():
    x = E(1.5)
    y = x ** 4
    g1, = ember.autograd.grad(y, x, create_graph=True)
    g2, = ember.autograd.grad(g1, x, create_graph=True)
    g3, = ember.autograd.grad(g2, x)
    assert g1.item() == pytest.approx(4 * 1.5 ** 3)
    assert g2.item() == pytest.approx(12 * 1.5 ** 2)
    assert g3.item() == pytest.approx(24 * 1.5)


def test_gradient_with_zero_derivative_does_not_require_grad():
    # docs/differences.md: PyTorch marks it (ThresholdBackwardBackward0) and differentiates
    # it to zeros; ember records no edge where the derivative is identically zero
    x = E([1.0, -2.0, 3.0])
    g, = ember.autograd.grad(x.relu().sum(), x, create_graph=True)
    assert g.tolist() == [1.0, 0.0, 1.0] and not g.requires_grad and g.grad_fn is None
    with pytest.raises(RuntimeError, match="does not require grad"):
        g.sum().backward()
    w = E([2.0, 2.0, 2.0])                  # with a weight on the path it is differentiable
    g, = ember.autograd.grad((x * w).relu().sum(), x, create_graph=True)
    g.sum().backward()
    assert w.grad.tolist() == [1.0, 0.0, 1.0]


def test_grad_allow_unused_and_nonleaf_inputs():
    x, y = E([1.0, 2.0]), E([3.0, 4.0])
    z = x * 2
    out = (z * z).sum()
    with pytest.raises(RuntimeError, match="appears to not have been used"):
        ember.autograd.grad(out, [x, y], retain_graph=True)
    gx, gy = ember.autograd.grad(out, [x, y], allow_unused=True, retain_graph=True)
    assert gy is None and gx.tolist() == [8.0, 16.0]
    gz, = ember.autograd.grad(out, z)
    assert gz.tolist() == [4.0, 8.0]
    assert x.grad is None


def test_grad_modes():
    x = E([1.0])
    with ember.no_grad():
        assert not (x * 2).requires_grad
        with ember.enable_grad():
            assert (x * 2).requires_grad
    with ember.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert ember.is_grad_enabled()

    @ember.no_grad()
    def f(t):
        return t * 2
    assert not f(x).requires_grad
    with ember.inference_mode():
        y = x * 2
        assert not y.requires_grad and y.is_inference()
    ember.set_grad_enabled(False)
    assert not ember.is_grad_enabled()
    ember.set_grad_enabled(True)


def test_hooks_and_retain_grad():
    x = E([1.0, 2.0])
    y = x * 3
    y.retain_grad()
    h = y.register_hook(lambda g: g * 10)
    x.register_hook(lambda g: g + 1)
    (y * y).sum().backward()
    # retain_grad runs after the user hook: sees the modified grad, as in torch
    assert y.grad.tolist() == [60.0, 120.0]
    assert x.grad.tolist() == [181.0, 361.0]
    h.remove()
    xt = T([1.0, 2.0])
    yt = xt * 3
    yt.retain_grad()
    yt.register_hook(lambda g: g * 10)
    xt.register_hook(lambda g: g + 1)
    (yt * yt).sum().backward()
    assert y.grad.tolist() == yt.grad.tolist() and x.grad.tolist() == xt.grad.tolist()


def test_version_counter_error():
    x = E([1.0, 2.0])
    y = x.exp()
    z = y * 2
    y.add_(1)             # exp saved its output: modified in place
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.sum().backward(retain_graph=True)
        y.sum().backward()
    a = E([1.0, 2.0])
    b = a * 1
    c = b.sin()
    b.mul_(2)
    with pytest.raises(RuntimeError, match="is at version 1; expected version 0"):
        c.sum().backward()


def test_leaf_inplace_error_and_no_grad_inplace():
    x = E([1.0])
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        x.add_(1)
    with ember.no_grad():
        x.add_(1)
    assert x.item() == 2.0


def test_inplace_on_views_matches_torch():
    for lib, mk in ((ember, E), (torch, T)):
        base = mk(np.arange(6.0).reshape(2, 3))
        w = mk([1.0, 2.0, 3.0])
        h = base * 1
        h[0] = w * w              # in-place through a view (CopySlices)
        h[:, 1] += 5 * w[1]
        out = (h ** 2).sum()
        out.backward()
        if lib is ember:
            eb, ew, eh = base.grad, w.grad, h
        else:
            close(eb, base.grad)
            close(ew, w.grad)
            close(eh, h)


def test_inplace_out_of_place_equivalence_matches_torch():
    for lib, mk in ((ember, E), (torch, T)):
        x = mk([0.5, 1.5, -2.0])
        y = x * 2
        y.mul_(x).add_(1).tanh_()
        y.sum().backward()
        if lib is ember:
            gx = x.grad
        else:
            close(gx, x.grad)


class Cube(ember.autograd.Function):
    @staticmethod
    def forward(ctx, x, k):
        ctx.save_for_backward(x)
        ctx.k = k
        return x ** 3 * k

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        assert ctx.needs_input_grad == (True, False)
        return g * 3 * x ** 2 * ctx.k, None


class SortDirty(ember.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        x.mul_(2)
        ctx.mark_dirty(x)
        idx = ember.arange(x.shape[0])
        ctx.mark_non_differentiable(idx)
        return x, idx

    @staticmethod
    @ember.autograd.once_differentiable
    def backward(ctx, g, gi):
        return g * 2


def test_custom_function():
    x = E([1.0, 2.0])
    y = Cube.apply(x, 2.0)
    assert y.grad_fn.name() == "CubeBackward"
    g, = ember.autograd.grad(y.sum(), x, create_graph=True)
    assert g.tolist() == [6.0, 24.0]
    gg, = ember.autograd.grad(g.sum(), x)
    assert gg.tolist() == [12.0, 24.0]
    a = E([1.0, 2.0])
    b = a * 1
    out, idx = SortDirty.apply(b)
    assert out is b and not idx.requires_grad and b.tolist() == [2.0, 4.0]
    out.sum().backward()
    assert a.grad.tolist() == [2.0, 2.0]
    with pytest.raises(RuntimeError, match="instantiate"):
        Cube()


def test_saved_output_does_not_make_a_cycle():
    gc.collect()
    gc.disable()
    try:
        x = E(np.ones(1000))
        y = x.exp()                # ExpBackward saves its output
        z = y.tanh()
        ref_y = weakref.ref(y)
        ref_node = weakref.ref(z.grad_fn)
        del y
        z.sum().backward()
        del z
        assert ref_node() is None, "graph kept alive after backward"
        assert ref_y() is None, "intermediate kept alive (reference cycle)"
    finally:
        gc.enable()


def test_graph_freed_during_backward():
    x = E(np.ones(10))
    y = (x * 2).exp()
    node = y.grad_fn
    y.sum().backward()
    assert node._released and node._saved == ()


def test_detect_anomaly_names_op():
    x = E([0.0, 1.0])
    with ember.autograd.detect_anomaly():
        y = (x.sqrt() * 0.0).sum()    # d sqrt at 0 is inf, * 0 -> nan
        with pytest.raises(RuntimeError, match="SqrtBackward0"):
            y.backward()


def test_detach_and_data():
    x = E([1.0, 2.0])
    d = x.detach()
    assert not d.requires_grad and d.untyped_storage().data_ptr() == x.untyped_storage().data_ptr()
    d[0] = 5
    assert x[0].item() == 5
    y = x * 2
    y.detach_()
    assert y.grad_fn is None and not y.requires_grad
    x.data = ember.tensor([7.0, 8.0], dtype=ember.float64)
    assert x.tolist() == [7.0, 8.0] and x.requires_grad


def test_unbroadcast_in_engine():
    a = E(np.ones((3, 1)))
    b = E(np.ones(4))
    (a * b).sum().backward()
    assert a.grad.shape == (3, 1) and a.grad.tolist() == [[4.0]] * 3
    assert b.grad.tolist() == [3.0] * 4


def test_backward_inputs_argument():
    x, y = E([1.0]), E([2.0])
    (x * y).sum().backward(inputs=[x])
    assert x.grad.item() == 2.0 and y.grad is None
