"""nn.Module / Parameter / Buffer behaviour, checked against torch.nn.Module with twin modules
built from the same small class definitions (only the core base classes are used)."""

import copy
import pickle
import warnings
from collections import OrderedDict

import numpy as np
import pytest
import torch

import ember
import ember.nn as enn


def build(lib):
    """Twin module classes for ember (lib=ember) and torch (lib=torch)."""
    nn = lib.nn

    class Leaf(nn.Module):
        def __init__(self, n=3, m=2):
            super().__init__()
            self.weight = nn.Parameter(lib.arange(float(n * m)).reshape(m, n) / 10)
            self.bias = nn.Parameter(lib.zeros(m))
            self.register_buffer("running", lib.ones(m))
            self.register_buffer("scratch", lib.zeros(1), persistent=False)
            self.register_buffer("count", lib.tensor(0))

        def forward(self, x):
            return x.matmul(self.weight.t()) + self.bias

        def extra_repr(self):
            return f"n={self.weight.shape[1]}, m={self.weight.shape[0]}"

    class Multi(nn.Module):
        def extra_repr(self):
            return "first line\nsecond line"

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = Leaf()
            self.b = Leaf(2, 2)
            self.empty = None
            self.register_parameter("none_param", None)
            self.register_buffer("none_buf", None)
            self.inner = nn.Module()
            self.inner.deep = Leaf(2, 1)
            self.multi = Multi()
            self.scale = nn.Parameter(lib.tensor(2.0))

        def forward(self, x):
            return self.b(self.a(x)) * self.scale

    return Leaf, Net


ELeaf, ENet = build(ember)
TLeaf, TNet = build(torch)


def to_np(t):
    return t.detach().cpu().numpy() if isinstance(t, torch.Tensor) else t.detach().numpy()


# -- Parameter / Buffer -------------------------------------------------------------------------

def test_parameter_basics():
    data = ember.tensor([1.0, 2.0])
    p = enn.Parameter(data)
    assert isinstance(p, ember.Tensor) and isinstance(p, enn.Parameter)
    assert p.requires_grad and p.is_leaf
    assert p.data_ptr() == data.data_ptr()          # shares storage
    assert repr(p) == "Parameter containing:\ntensor([1., 2.], requires_grad=True)"
    assert repr(p) == repr(torch.nn.Parameter(torch.tensor([1.0, 2.0])))
    q = enn.Parameter(data, requires_grad=False)
    assert not q.requires_grad
    assert repr(q) == repr(torch.nn.Parameter(torch.tensor([1.0, 2.0]), requires_grad=False))
    e = enn.Parameter()
    assert tuple(e.shape) == (0,) and e.dtype is ember.float32
    y = p * 2
    assert type(y) is ember.Tensor and y.grad_fn is not None
    assert type(p.detach()) is ember.Tensor
    with pytest.raises(RuntimeError, match="floating point"):
        enn.Parameter(ember.tensor([1, 2]))
    with pytest.raises(TypeError):
        enn.Parameter([1.0, 2.0])


def test_parameter_deepcopy_and_pickle():
    p = enn.Parameter(ember.tensor([1.0, 2.0]))
    p.grad = ember.tensor([0.5, 0.5])
    q = copy.deepcopy(p)
    assert type(q) is enn.Parameter and q.requires_grad
    assert q.data_ptr() != p.data_ptr()
    np.testing.assert_array_equal(q.detach().numpy(), [1.0, 2.0])
    np.testing.assert_array_equal(q.grad.numpy(), [0.5, 0.5])
    r = pickle.loads(pickle.dumps(enn.Parameter(ember.tensor([3.0]), requires_grad=False)))
    assert type(r) is enn.Parameter and not r.requires_grad and r.tolist() == [3.0]


def test_buffer():
    b = enn.Buffer(ember.ones(2), persistent=False)
    assert isinstance(b, enn.Buffer) and isinstance(b, ember.Tensor)
    assert not isinstance(ember.ones(2), enn.Buffer)
    m = enn.Module()
    m.stat = b
    m.kept = enn.Buffer(ember.zeros(1))
    assert set(dict(m.named_buffers())) == {"stat", "kept"}
    assert list(m.state_dict()) == ["kept"]
    # re-assigning a plain tensor keeps the buffer registered (and its persistence)
    m.stat = ember.zeros(3)
    assert "stat" in m._buffers and "stat" not in m.state_dict()


# -- attribute rules ---------------------------------------------------------------------------

def test_attribute_assignment_rules():
    m = ELeaf()
    with pytest.raises(TypeError) as ei:
        m.weight = ember.ones(2, 3)
    assert str(ei.value) == ("cannot assign 'ember.FloatTensor' as parameter 'weight' "
                             "(ember.nn.Parameter or None expected)")
    m.weight = None
    assert m.weight is None and "weight" in m._parameters
    net = ENet()
    with pytest.raises(TypeError, match=r"cannot assign 'int' as child module 'a' "
                                        r"\(ember.nn.Module or None expected\)"):
        net.a = 3
    with pytest.raises(TypeError, match="as buffer 'running'"):
        m.running = 3
    # a Parameter replaces a buffer/module of the same name
    m.running = enn.Parameter(ember.ones(2))
    assert "running" in m._parameters and "running" not in m._buffers
    net.a = enn.Parameter(ember.ones(1))
    assert "a" in net._parameters and "a" not in net._modules
    # plain attributes
    m.alpha = 0.5
    assert m.alpha == 0.5 and "alpha" in m.__dict__
    with pytest.raises(AttributeError, match="'Leaf' object has no attribute 'nope'"):
        m.nope
    del m.bias
    assert "bias" not in m._parameters
    del m.count
    assert "count" not in m._buffers
    del m.alpha
    with pytest.raises(AttributeError):
        del m.alpha


def test_assignment_before_init():
    class Bad(enn.Module):
        def __init__(self):
            self.w = enn.Parameter(ember.ones(1))
            super().__init__()

    with pytest.raises(AttributeError, match="cannot assign parameters before "
                                             "Module.__init__\\(\\) call"):
        Bad()

    class Bad2(enn.Module):
        def __init__(self):
            self.sub = enn.Module()

    with pytest.raises(AttributeError, match="cannot assign module before"):
        Bad2()


def test_register_errors():
    m = enn.Module()
    with pytest.raises(KeyError, match="buffer name can.*t contain"):
        m.register_buffer("a.b", ember.ones(1))
    with pytest.raises(KeyError, match="empty string"):
        m.register_parameter("", None)
    with pytest.raises(TypeError, match="parameter name should be a string"):
        m.register_parameter(1, None)
    m.attr = 1
    with pytest.raises(KeyError, match="attribute 'attr' already exists"):
        m.register_buffer("attr", ember.ones(1))
    with pytest.raises(TypeError, match="cannot assign 'ember.FloatTensor' object to "
                                        "parameter 'p'"):
        m.register_parameter("p", ember.ones(1))
    with pytest.raises(TypeError, match="cannot assign 'int' object to buffer 'b'"):
        m.register_buffer("b", 3)
    x = ember.ones(2, requires_grad=True)
    nonleaf = enn.Parameter(x)
    nonleaf.grad_fn = (x * 2).grad_fn
    with pytest.raises(ValueError, match="Cannot assign non-leaf Tensor to parameter 'q'"):
        m.register_parameter("q", nonleaf)
    with pytest.raises(TypeError, match="is not a Module subclass"):
        m.add_module("x", 3)
    with pytest.raises(KeyError, match="module name can.*t contain"):
        m.add_module("x.y", enn.Module())
    m.register_module("child", enn.Module())
    assert isinstance(m.child, enn.Module)
    with pytest.raises(TypeError, match="unexpected keyword argument 'foo'"):
        enn.Module(foo=1)


# -- iteration ---------------------------------------------------------------------------------

def test_named_members_match_torch():
    e, t = ENet(), TNet()
    assert [k for k, _ in e.named_parameters()] == [k for k, _ in t.named_parameters()]
    assert [k for k, _ in e.named_buffers()] == [k for k, _ in t.named_buffers()]
    assert [k for k, _ in e.named_modules()] == [k for k, _ in t.named_modules()]
    assert [k for k, _ in e.named_children()] == [k for k, _ in t.named_children()]
    assert [k for k, _ in e.named_parameters(prefix="m", recurse=False)] == \
        [k for k, _ in t.named_parameters(prefix="m", recurse=False)]
    assert [k for k, _ in e.named_modules(prefix="root")] == \
        [k for k, _ in t.named_modules(prefix="root")]
    g = e.parameters()
    assert iter(g) is g and not isinstance(g, (list, tuple))
    assert len(list(e.parameters())) == 7
    assert len(list(e.buffers(recurse=False))) == 0
    assert len(list(e.modules())) == 6


def test_shared_members_deduplicated():
    for lib, Leaf in ((ember, ELeaf), (torch, TLeaf)):
        m = lib.nn.Module()
        m.x = Leaf()
        m.y = m.x                       # same module twice
        m.z = Leaf()
        m.z.weight = m.x.weight         # shared parameter
        names = [k for k, _ in m.named_parameters()]
        all_names = [k for k, _ in m.named_parameters(remove_duplicate=False)]
        mods = [k for k, _ in m.named_modules()]
        mods_all = [k for k, _ in m.named_modules(remove_duplicate=False)]
        if lib is ember:
            res = (names, all_names, mods, mods_all, len(list(m.children())))
        else:
            assert res == (names, all_names, mods, mods_all, len(list(m.children())))


def test_get_submodule_parameter_buffer():
    e = ENet()
    assert e.get_submodule("inner.deep") is e.inner.deep
    assert e.get_submodule("") is e
    assert e.get_parameter("inner.deep.weight") is e.inner.deep.weight
    assert e.get_buffer("a.running") is e.a.running
    with pytest.raises(AttributeError, match="Module has no attribute `nope`"):
        e.get_submodule("inner.nope")
    with pytest.raises(AttributeError, match="`running` is not an nn.Parameter"):
        e.get_parameter("a.running")
    with pytest.raises(AttributeError, match="`weight` is not a buffer"):
        e.get_buffer("a.weight")
    e.set_submodule("inner.deep", enn.Module())
    assert type(e.inner.deep) is enn.Module
    assert "weight" in dir(e.a) and "a" in dir(e) and "running" in dir(e.a)


# -- state_dict --------------------------------------------------------------------------------

def test_state_dict_keys_and_values_match_torch():
    e, t = ENet(), TNet()
    esd, tsd = e.state_dict(), t.state_dict()
    assert isinstance(esd, OrderedDict)
    assert list(esd) == list(tsd)
    assert "a.scratch" not in esd          # non-persistent buffer
    for k in esd:
        np.testing.assert_allclose(to_np(esd[k]), to_np(tsd[k]))
        assert not esd[k].requires_grad
    # detached values share storage with the parameters
    assert esd["a.weight"].data_ptr() == e.a.weight.data_ptr()
    kv = e.state_dict(keep_vars=True)
    assert kv["a.weight"] is e.a.weight
    assert list(e.state_dict(prefix="net.")) == list(t.state_dict(prefix="net."))
    assert list(esd._metadata) == list(tsd._metadata)


def test_load_state_dict_roundtrip_from_torch():
    e, t = ENet(), TNet()
    with torch.no_grad():
        for p in t.parameters():
            p.uniform_(-1, 1)
    sd = OrderedDict((k, ember.tensor(to_np(v))) for k, v in t.state_dict().items())
    w = e.a.weight
    res = e.load_state_dict(sd)
    assert res.missing_keys == [] and res.unexpected_keys == []
    assert repr(res) == "<All keys matched successfully>"
    assert e.a.weight is w                   # copied in place
    x = np.random.RandomState(0).randn(4, 3).astype(np.float32)
    np.testing.assert_allclose(e(ember.tensor(x)).detach().numpy(),
                               to_np(t(torch.tensor(x))), rtol=1e-5, atol=1e-6)


def test_load_state_dict_errors_and_untouched():
    e = ENet()
    before = {k: v.clone() for k, v in e.state_dict().items()}
    sd = e.state_dict()
    sd = OrderedDict((k, v.clone() + 1) for k, v in sd.items())
    del sd["b.bias"]
    sd["extra.key"] = ember.ones(1)
    sd["a.weight"] = ember.ones(5, 5)
    with pytest.raises(RuntimeError) as ei:
        e.load_state_dict(sd)
    msg = str(ei.value)
    assert msg.startswith("Error(s) in loading state_dict for Net:\n\t")
    assert 'Missing key(s) in state_dict: "b.bias".' in msg
    assert 'Unexpected key(s) in state_dict: "extra.key".' in msg
    assert ("size mismatch for a.weight: copying a param with shape ember.Size([5, 5]) from "
            "checkpoint, the shape in current model is ember.Size([2, 3]).") in msg
    for k, v in e.state_dict().items():             # nothing was copied
        np.testing.assert_array_equal(v.numpy(), before[k].numpy())
    # non-strict: the shape mismatch still fails (as torch) and nothing changes
    with pytest.raises(RuntimeError, match="size mismatch"):
        e.load_state_dict(sd, strict=False)
    for k, v in e.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), before[k].numpy())
    del sd["a.weight"]
    res = e.load_state_dict(sd, strict=False)
    assert res.missing_keys == ["a.weight", "b.bias"]
    assert res.unexpected_keys == ["extra.key"]
    np.testing.assert_array_equal(e.a.bias.detach().numpy(), before["a.bias"].numpy() + 1)
    with pytest.raises(TypeError, match="Expected state_dict to be dict-like"):
        e.load_state_dict([1, 2])
    bad = e.state_dict()
    bad["a.bias"] = [1.0, 2.0]
    with pytest.raises(RuntimeError, match='While copying the parameter named "a.bias"'):
        e.load_state_dict(bad)


def test_load_state_dict_assign():
    e = ELeaf()
    new_w = ember.full((2, 3), 7.0)
    sd = e.state_dict()
    sd["weight"] = new_w
    e.load_state_dict(sd, assign=True)
    assert isinstance(e.weight, enn.Parameter) and e.weight.requires_grad
    assert e.weight.data_ptr() == new_w.data_ptr()


def test_state_dict_and_load_hooks():
    e = ELeaf()
    calls = []
    e.register_state_dict_pre_hook(lambda m, prefix, keep_vars: calls.append(("pre", prefix)))

    def post(m, sd, prefix, meta):
        sd[prefix + "added"] = ember.zeros(1)
    e.register_state_dict_post_hook(post)
    sd = e.state_dict(prefix="p.")
    assert calls == [("pre", "p.")] and "p.added" in sd

    def tolerate(m, keys):
        calls.append(list(keys.unexpected_keys))
        keys.unexpected_keys.clear()
    h = e.register_load_state_dict_post_hook(tolerate)
    e.load_state_dict(e.state_dict())       # 'added' is unexpected, tolerated by the hook
    assert calls[-1] == ["added"]
    h.remove()
    with pytest.raises(RuntimeError, match="Unexpected key"):
        e.load_state_dict(e.state_dict())


def test_extra_state():
    class WithExtra(enn.Module):
        def __init__(self):
            super().__init__()
            self.value = 1

        def get_extra_state(self):
            return {"value": self.value}

        def set_extra_state(self, state):
            self.value = state["value"]

    m = WithExtra()
    sd = m.state_dict()
    assert sd["_extra_state"] == {"value": 1}
    m2 = WithExtra()
    m2.value = 5
    m2.load_state_dict(sd)
    assert m2.value == 1
    with pytest.raises(RuntimeError, match="Missing key"):
        m2.load_state_dict({})


# -- modes, conversion -------------------------------------------------------------------------

def test_train_eval():
    e = ENet()
    assert e.training and e.inner.deep.training
    assert e.eval() is e
    assert not any(m.training for m in e.modules())
    e.train()
    assert all(m.training for m in e.modules())
    with pytest.raises(ValueError, match="training mode is expected to be boolean"):
        e.train("yes")


def test_to_dtype_keeps_identity():
    e = ELeaf()
    w = e.weight
    e.weight.grad = ember.ones(2, 3)
    assert e.double() is e
    assert e.weight is w and w.dtype is ember.float64 and w.grad.dtype is ember.float64
    assert e.running.dtype is ember.float64
    assert e.count.dtype is ember.int64                # integer buffers are left alone
    e.to(ember.float32)
    assert w.dtype is ember.float32 and e.weight.requires_grad
    e.half()
    assert w.dtype is ember.float16
    e.float()
    e.to("cpu", ember.float64)
    assert w.dtype is ember.float64
    e.to(ember.ones(1, dtype=ember.float32))
    assert w.dtype is ember.float32
    with pytest.raises(TypeError, match="only accepts floating point or complex dtypes"):
        e.to(ember.int32)
    e.cpu()
    e.type(ember.float64)
    assert w.dtype is ember.float64
    e.bfloat16()
    assert w.dtype is ember.bfloat16


def test_zero_grad_requires_grad_apply():
    e = ELeaf()
    e(ember.ones(4, 3)).sum().backward()
    assert e.weight.grad is not None
    g = e.weight.grad
    e.zero_grad(set_to_none=False)
    assert e.weight.grad is g and float(g.abs().sum()) == 0
    e.zero_grad()
    assert e.weight.grad is None
    assert e.requires_grad_(False) is e
    assert not any(p.requires_grad for p in e.parameters())
    e.requires_grad_()
    seen = []
    net = ENet()
    assert net.apply(lambda m: seen.append(type(m).__name__)) is net
    assert seen == ["Leaf", "Leaf", "Leaf", "Module", "Multi", "Net"]


def test_deepcopy_module():
    e = ENet()
    c = copy.deepcopy(e)
    assert c.a.weight is not e.a.weight
    assert c.a.weight.data_ptr() != e.a.weight.data_ptr()
    assert list(c.state_dict()) == list(e.state_dict())
    np.testing.assert_array_equal(c.a.weight.detach().numpy(), e.a.weight.detach().numpy())


def test_repr_matches_torch():
    assert repr(ENet()) == repr(TNet())
    assert repr(enn.Module()) == "Module()"
    assert repr(ELeaf()) == "Leaf(n=3, m=2)"


def test_forward_missing():
    with pytest.raises(NotImplementedError, match=r'Module \[Module\] is missing the required '
                                                  r'"forward" function'):
        enn.Module()(1)


# -- hooks -------------------------------------------------------------------------------------

def test_forward_hooks():
    e = ELeaf()
    order = []
    h1 = e.register_forward_pre_hook(lambda m, args: (args[0] * 2,))
    e.register_forward_pre_hook(lambda m, args: order.append("pre2"))
    e.register_forward_pre_hook(lambda m, args: order.append("pre0"), prepend=True)
    e.register_forward_pre_hook(lambda m, args, kw: ((args[0] + 1,), kw), with_kwargs=True)
    h5 = e.register_forward_hook(lambda m, args, out: out * 0 + 5)
    x = ember.ones(1, 3)
    out = e(x)
    assert order == ["pre0", "pre2"]
    assert out.tolist() == [[5.0, 5.0]]
    h5.remove()
    h1.remove()
    ref = e.forward(x + 1)
    np.testing.assert_allclose(e(x).detach().numpy(), ref.detach().numpy())
    seen = {}

    def kw_hook(m, args, kwargs, out):
        seen["kw"] = dict(kwargs)
    with e.register_forward_hook(kw_hook, with_kwargs=True):
        e(x)
    assert seen["kw"] == {}
    seen.clear()
    e(x)
    assert seen == {}                       # removed by the context manager
    with pytest.raises(RuntimeError, match="forward pre-hook must return None or a tuple"):
        h = e.register_forward_pre_hook(lambda m, a, k: 3, with_kwargs=True)
        try:
            e(x)
        finally:
            h.remove()


def test_always_call_hook():
    class Boom(enn.Module):
        def forward(self, x):
            raise ValueError("boom")

    b = Boom()
    called = []
    b.register_forward_hook(lambda m, a, o: called.append("always"), always_call=True)
    b.register_forward_hook(lambda m, a, o: called.append("normal"))
    with pytest.raises(ValueError, match="boom"):
        b(1)
    assert called == ["always"]


def test_global_forward_hook():
    from ember.nn.modules.module import register_module_forward_hook
    seen = []
    h = register_module_forward_hook(lambda m, a, o: seen.append(type(m).__name__))
    try:
        ENet()(ember.ones(1, 3))
    finally:
        h.remove()
    assert seen == ["Leaf", "Leaf", "Net"]
    ENet()(ember.ones(1, 3))
    assert len(seen) == 3


def _run_backward_hooks(lib, Leaf):
    m = Leaf()
    rec = {}

    def pre(mod, gout):
        rec["pre"] = [to_np(g) for g in gout]
        return (gout[0] * 2,)

    def full(mod, gin, gout):
        rec["gin"] = [None if g is None else to_np(g) for g in gin]
        rec["gout"] = [to_np(g) for g in gout]
        return (gin[0] * 3,)

    m.register_full_backward_pre_hook(pre)
    m.register_full_backward_hook(full)
    x = lib.tensor([[1.0, -2.0, 0.5], [0.3, 0.2, 0.1]], requires_grad=True)
    y = m(x)
    (y * lib.tensor([[1.0, 2.0], [3.0, 4.0]])).sum().backward()
    rec["x.grad"] = to_np(x.grad)
    rec["w.grad"] = to_np(m.weight.grad)
    # an input that does not require grad: hooks get grad_input (None,)
    m2 = Leaf()
    got = []
    m2.register_full_backward_hook(lambda mod, gin, gout: got.append(gin))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m2(lib.ones(1, 3)).sum().backward()
    rec["no_input_grad"] = got
    return rec


def test_full_backward_hooks_match_torch():
    e = _run_backward_hooks(ember, ELeaf)
    t = _run_backward_hooks(torch, TLeaf)
    for k in ("pre", "gin", "gout"):
        assert len(e[k]) == len(t[k])
        for a, b in zip(e[k], t[k]):
            np.testing.assert_allclose(a, b, rtol=1e-6)
    np.testing.assert_allclose(e["x.grad"], t["x.grad"], rtol=1e-6)
    np.testing.assert_allclose(e["w.grad"], t["w.grad"], rtol=1e-6)
    assert e["no_input_grad"] == [(None,)] and t["no_input_grad"] == [(None,)]


def test_backward_hook_removed():
    m = ELeaf()
    calls = []
    h = m.register_full_backward_hook(lambda mod, gi, go: calls.append(1))
    x = ember.ones(1, 3, requires_grad=True)
    m(x).sum().backward()
    h.remove()
    m(x).sum().backward()
    assert calls == [1]
    with ember.no_grad():
        m.register_full_backward_hook(lambda mod, gi, go: calls.append(2))
        out = m(x)
    assert out.grad_fn is None


def test_state_dict_positional_deprecated():
    e = ELeaf()
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        d = e.state_dict(None, "pre.")
    assert "pre.weight" in d and any("Positional args" in str(x.message) for x in w)
