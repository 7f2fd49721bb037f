"""The conformance checks beyond the op table: capabilities, dtypes and promotion, views and
in-place semantics, random numbers, serialization, transfers, errors, optional kernels.

NOTE [self-contained checks]: every check is a plain function of ``(device)`` or
``(device, dtype)`` that imports what it needs inside its body, so its source code plus one
call line is a complete reproduction (the suite prints exactly that when a check fails). A
check skips, with the reason, by raising ``Unsupported`` (``pytest.skip`` inside pytest).
Register a check with ``@check(group, dtypes=...)``: ``dtypes=None`` runs it once,
``"all"`` once per ember dtype (undeclared ones skipped with a reason), ``"float"`` once per
floating dtype.
"""

from __future__ import annotations

import dataclasses
from typing import Callable

__all__ = ["Check", "CHECKS", "check", "Unsupported"]


class Unsupported(Exception):
    """The device does not declare what this check needs; the message says what."""


@dataclasses.dataclass
class Check:
    group: str
    fn: Callable
    dtypes: str | None = None

    @property
    def name(self) -> str:
        return self.fn.__name__.removeprefix("check_")

    @property
    def id(self) -> str:
        return f"{self.group}/{self.name}"


CHECKS: list[Check] = []


def check(group: str, dtypes: str | None = None):
    def deco(fn):
        CHECKS.append(Check(group, fn, dtypes))
        return fn
    return deco


def skip(reason):
    """Skip the running check with ``reason`` (inside pytest: ``pytest.skip``)."""
    try:
        import pytest
    except ImportError:        # run outside pytest (a reproduction): a plain exception
        raise Unsupported(reason) from None
    pytest.skip(reason)


def backend(device):
    from ember._tensor import _backend_for
    return _backend_for(device)[0]


def need_dtype(device, dtype):
    """Skip unless ``device`` declares ``dtype``."""
    be = backend(device)
    if dtype not in be.dtypes():
        skip(f"device {device!r} does not declare dtype {dtype} in backend.dtypes()")


def values_for(dtype, n=12, seed=0):
    """Host test values (NumPy) exactly representable in ``dtype``."""
    import numpy as np
    rng = np.random.default_rng(seed)
    name = dtype.name
    if name == "bool":
        return rng.random(n) < 0.5
    if dtype.is_complex:
        return (rng.integers(-8, 8, n) + 1j * rng.integers(-8, 8, n)) / 4
    if dtype.is_floating_point:
        return rng.integers(-64, 64, n) / 8.0
    lo = 0 if name == "uint8" else -100
    return rng.integers(lo, 100, n)


def host(t):
    """A tensor's values as a NumPy array (bfloat16 read as float32)."""
    import ember
    import numpy as np
    t = t.detach()
    if t.dtype is ember.bfloat16:
        t = t.float()
    return np.asarray(t.cpu().numpy())


def raises_naming(exc_type, words, fn):
    """Assert ``fn()`` raises ``exc_type`` whose message contains every word of ``words``."""
    try:
        fn()
    except exc_type as e:
        msg = str(e)
        missing = [w for w in words if w not in msg]
        if missing:
            raise AssertionError(f"{exc_type.__name__} raised, but its message does not name "
                                 f"{missing}: {msg!r}") from None
        return
    except Exception as e:
        raise AssertionError(f"expected {exc_type.__name__} naming {words}, got "
                             f"{type(e).__name__}: {e}") from None
    raise AssertionError(f"expected {exc_type.__name__} naming {words}; nothing was raised")


# -- capabilities ----------------------------------------------------------------------------

@check("capabilities")
def check_protocol_complete(device):
    """The backend has every required primitive of ember.backend.Backend."""
    import ember
    from ember.backend import check_backend
    be = backend(device)
    missing = check_backend(be)
    assert not missing, f"backend {be.name!r} lacks required primitives: {missing}"
    assert be.name == ember.device(device).type, (be.name, device)
    assert isinstance(be.aliasing, bool)


@check("capabilities")
def check_declared_capabilities(device):
    """dtypes(), device_count(), synchronize(), memory_stats() answer as documented."""
    import ember
    be = backend(device)
    dts = be.dtypes()
    assert isinstance(dts, tuple) and dts, f"dtypes() must be a non-empty tuple, got {dts!r}"
    assert all(isinstance(d, ember.dtype) for d in dts), dts
    assert be.device_count() >= 1
    be.synchronize(ember.device(device).index)
    stats = be.memory_stats(ember.device(device).index)
    assert {"allocated_bytes", "reserved_bytes"} <= set(stats), stats
    for d in dts:
        assert be.ember_dtype(be.native_dtype(d)) is d, f"dtype map does not round-trip {d}"


# -- dtypes ----------------------------------------------------------------------------------

@check("dtypes", dtypes="all")
def check_roundtrip(device, dtype):
    """Host values -> device -> host are exact; factories give the asked dtype."""
    import ember
    import numpy as np
    need_dtype(device, dtype)
    vals = values_for(dtype)
    t = ember.tensor(vals, dtype=dtype, device=device)
    assert t.dtype is dtype and t.device.type == ember.device(device).type, (t.dtype, t.device)
    ref = ember.tensor(vals, dtype=dtype)
    np.testing.assert_array_equal(host(t), host(ref))
    for make, expect in ((lambda: ember.zeros(2, 3, dtype=dtype, device=device), 0),
                         (lambda: ember.ones(2, 3, dtype=dtype, device=device), 1),
                         (lambda: ember.full((2, 3), 1, dtype=dtype, device=device), 1)):
        z = make()
        assert z.dtype is dtype and tuple(z.shape) == (2, 3)
        np.testing.assert_array_equal(host(z), host(ember.full((2, 3), expect, dtype=dtype)))
    if dtype is not ember.bool:
        a = ember.arange(5, dtype=dtype, device=device)
        np.testing.assert_array_equal(host(a), host(ember.arange(5, dtype=dtype)))


@check("dtypes", dtypes="all")
def check_conversions(device, dtype):
    """.to(other dtype) on the device matches the cpu for every pair of declared dtypes."""
    import ember
    import numpy as np
    need_dtype(device, dtype)
    be = backend(device)
    vals = values_for(dtype, seed=1)
    t = ember.tensor(vals, dtype=dtype, device=device)
    c = ember.tensor(vals, dtype=dtype)
    for other in be.dtypes():
        if other in (ember.uint8,) and (dtype.is_floating_point or dtype.is_complex):
            continue        # negative floats -> uint8 is undefined behaviour in C and PyTorch
        got, ref = t.to(other), c.to(other)
        assert got.dtype is other and got.device == t.device, (got.dtype, got.device)
        np.testing.assert_array_equal(host(got), host(ref), err_msg=f"{dtype} -> {other}")


@check("dtypes")
def check_promotion(device):
    """Binary ops promote as ember.promote_types says, with the cpu's values."""
    import itertools
    import ember
    import numpy as np
    be = backend(device)
    declared = [d for d in be.dtypes()]
    for a, b in itertools.product(declared, repeat=2):
        want = ember.promote_types(a, b)
        if want not in declared:
            continue
        x = ember.tensor(values_for(a, 6, 2), dtype=a, device=device)
        y = ember.tensor(values_for(b, 6, 3), dtype=b, device=device)
        for op in ("add", "mul"):
            if want is ember.bool and op == "add":
                continue
            got = getattr(ember, op)(x, y)
            assert got.dtype is want, f"{a} {op} {b}: {got.dtype}, expected {want}"
            ref = getattr(ember, op)(x.cpu(), y.cpu())
            np.testing.assert_allclose(host(got), host(ref), rtol=1e-6,
                                       err_msg=f"{a} {op} {b}")


@check("dtypes")
def check_weak_scalars_and_results(device):
    """Python scalars do not widen tensors; comparisons give bool; int / int is float."""
    import ember
    be = backend(device)
    declared = set(be.dtypes())
    default = ember.get_default_dtype()
    cases = []
    if ember.float32 in declared:
        f = ember.ones(3, dtype=ember.float32, device=device)
        cases += [(f * 2, ember.float32), (f + 2.5, ember.float32), (f > 0, ember.bool),
                  (2.0 ** f, ember.float32)]
    if ember.int64 in declared and default in declared:
        i = ember.ones(3, dtype=ember.int64, device=device)
        cases += [(i + 2, ember.int64), (i * 2.5, default), (i / i, default),
                  (i // 2, ember.int64), (i == 1, ember.bool)]
    if ember.int32 in declared and ember.int64 in declared:
        i32 = ember.ones(3, dtype=ember.int32, device=device)
        cases += [(i32 + 7, ember.int32), (i32 + ember.ones(3, dtype=ember.int64,
                                                            device=device), ember.int64)]
    if not cases:
        skip(f"device {device!r} declares neither float32 nor int64")
    for k, (t, want) in enumerate(cases):
        assert t.dtype is want, f"case {k}: {t.dtype}, expected {want}"
        assert t.device.type == ember.device(device).type


@check("dtypes")
def check_undeclared_dtype_raises(device):
    """Asking for a dtype the device does not declare raises an error naming it."""
    import ember
    be = backend(device)
    missing = [d for d in (ember.bool, ember.uint8, ember.int8, ember.int16, ember.int32,
                           ember.int64, ember.float16, ember.bfloat16, ember.float32,
                           ember.float64, ember.complex64, ember.complex128)
               if d not in be.dtypes()]
    if not missing:
        skip(f"device {device!r} declares every ember dtype")
    for d in missing:
        try:
            ember.zeros(2, dtype=d, device=device)
        except (TypeError, RuntimeError) as e:
            assert d.name in str(e) or str(d) in str(e), f"error does not name {d}: {e}"
        else:
            raise AssertionError(f"zeros(dtype={d}) on {device!r} did not raise, but the "
                                 f"backend does not declare {d}")


# -- views, storage, in-place ----------------------------------------------------------------

@check("views")
def check_strides_and_offsets(device):
    """View ops give PyTorch's strides and storage offsets, and the cpu's values."""
    import ember
    import numpy as np
    x = ember.arange(24, dtype=ember.int64, device=device).reshape(2, 3, 4)
    c = x.cpu()
    assert x.stride() == (12, 4, 1) and x.is_contiguous()
    views = [lambda t: t.transpose(0, 2), lambda t: t[1:, ::2, 1], lambda t: t[:, 1],
             lambda t: t.permute(2, 0, 1), lambda t: t.unsqueeze(1).expand(2, 5, 3, 4),
             lambda t: t.narrow(2, 1, 2), lambda t: t.diagonal(0, 1, 2), lambda t: t.view(6, 4),
             lambda t: t.select(1, 2), lambda t: t.flatten()[3:20:4],
             lambda t: t.as_strided((3, 3), (5, 2), 1)]
    for k, f in enumerate(views):
        v, r = f(x), f(c)
        assert v.stride() == r.stride(), f"view {k}: stride {v.stride()} vs {r.stride()}"
        assert v.storage_offset() == r.storage_offset(), f"view {k}: offset"
        assert v.is_contiguous() == r.is_contiguous(), f"view {k}: is_contiguous"
        np.testing.assert_array_equal(host(v), host(r), err_msg=f"view {k}")
        assert v.untyped_storage() is x.untyped_storage(), f"view {k} does not share storage"


@check("views")
def check_writes_visible_through_views(device):
    """In-place writes to a view show in the base and in every other view, and back."""
    import ember
    import numpy as np
    x = ember.zeros(4, 5, device=device)
    ref = np.zeros((4, 5), dtype=np.float32)
    col = x[:, 1]
    t = x.t()
    flat = x.view(-1)
    col.fill_(7)
    ref[:, 1] = 7
    t[3, 2] = 5.0                     # x[2, 3]
    ref[2, 3] = 5
    flat[19] = -1.0
    ref[3, 4] = -1
    x[0].add_(1)
    ref[0] += 1
    x.diagonal().mul_(2)
    np.fill_diagonal(ref, np.diagonal(ref) * 2)
    x[1:3, ::2] += 10
    ref[1:3, ::2] += 10
    for name, v, r in (("base", x, ref), ("column", col, ref[:, 1]), ("transpose", t, ref.T),
                       ("flat", flat, ref.reshape(-1)), ("expand", x[:1].expand(3, 5),
                                                         np.broadcast_to(ref[:1], (3, 5)))):
        np.testing.assert_array_equal(host(v), r, err_msg=name)


@check("views")
def check_inplace_ops_and_copy(device):
    """copy_ (also from cpu), zero_, clamp_, index_put_ and masked_fill_ act in place."""
    import ember
    import numpy as np
    x = ember.arange(12, dtype=ember.float32, device=device).reshape(3, 4)
    ref = np.arange(12, dtype=np.float32).reshape(3, 4)
    x[1].copy_(ember.tensor([9.0, 8.0, 7.0, 6.0]))            # from the cpu, explicitly
    ref[1] = [9, 8, 7, 6]
    x[:, 3].zero_()
    ref[:, 3] = 0
    x.clamp_(max=8.5)
    ref = np.minimum(ref, 8.5)
    idx = ember.tensor([0, 2, 0], device=device)
    x.index_put_((idx,), ember.ones(4, device=device), accumulate=True)
    ref[0] += 2
    ref[2] += 1
    x.masked_fill_(x > 7.5, -3.0)
    ref[ref > 7.5] = -3
    x[ember.tensor([2, 1], device=device), ember.tensor([0, 3], device=device)] = 4.0
    ref[[2, 1], [0, 3]] = 4
    np.testing.assert_array_equal(host(x), ref)


@check("views")
def check_version_counter(device):
    """In-place writes bump the storage's version counter, shared by views; autograd refuses
    a saved tensor that was modified."""
    import ember
    x = ember.ones(3, device=device)
    v = x[1:]
    before = x._version
    v.add_(1)
    assert x._version > before and v._version == x._version
    a = ember.ones(3, device=device, requires_grad=True)
    y = a.exp()                    # exp saves its output
    y.add_(1)
    try:
        y.sum().backward()
    except RuntimeError as e:
        assert "modified by an inplace operation" in str(e) or "inplace" in str(e), e
    else:
        raise AssertionError("backward through a modified saved tensor did not raise")


@check("views")
def check_contiguous_and_clone(device):
    """contiguous()/clone() copy into new storage; writes to the copy leave the base alone."""
    import ember
    import numpy as np
    x = ember.arange(6, dtype=ember.float32, device=device).reshape(2, 3)
    t = x.t()
    assert not t.is_contiguous()
    c = t.contiguous()
    assert c.is_contiguous() and c.stride() == (2, 1)
    assert c.untyped_storage() is not x.untyped_storage()
    c.fill_(0)
    k = x.clone()
    k.add_(1)
    np.testing.assert_array_equal(host(x), np.arange(6, dtype=np.float32).reshape(2, 3))
    assert x.contiguous() is x


@check("views")
def check_gradient_through_views(device):
    """Gradients flow through views and in-place writes on views (the cpu's values)."""
    import ember
    import numpy as np

    def f(dev):
        a = ember.arange(12, dtype=ember.float64, device=dev).reshape(3, 4) / 7
        a.requires_grad_(True)
        b = a * 1
        b[:, 1:3] = b[:, 1:3].exp()           # in place on a view of a non-leaf
        c = b.t()[::2].sin().sum() + b.diagonal().pow(2).sum()
        (g,) = ember.autograd.grad(c, [a])
        return g
    np.testing.assert_allclose(host(f(device)), host(f("cpu")), rtol=1e-10)


# -- random ---------------------------------------------------------------------------------

@check("random")
def check_manual_seed(device):
    """ember.manual_seed makes the device's default generator reproducible."""
    import ember
    import numpy as np
    outs = []
    for _ in range(2):
        ember.manual_seed(1234)
        outs.append([host(ember.rand(5, device=device)), host(ember.randn(4, device=device)),
                     host(ember.randint(0, 100, (6,), device=device))])
    for a, b in zip(*outs):
        np.testing.assert_array_equal(a, b)
    ember.manual_seed(1235)
    assert not np.array_equal(host(ember.rand(5, device=device)), outs[0][0]), \
        "a different seed gave the same numbers"


@check("random")
def check_generator_objects(device):
    """Generator(device) streams are reproducible and independent of the default one."""
    import ember
    import numpy as np
    g1 = ember.Generator(device).manual_seed(7)
    a = host(ember.rand(8, generator=g1, device=device))
    ember.rand(3, device=device)                       # the default generator moves on
    g2 = ember.Generator(device).manual_seed(7)
    b = host(ember.rand(8, generator=g2, device=device))
    np.testing.assert_array_equal(a, b)
    assert g1.initial_seed() == 7
    c = host(ember.rand(8, generator=g1, device=device))
    assert not np.array_equal(a, c), "a generator repeated itself"
    try:
        ember.rand(2, generator=ember.Generator("cpu"), device=device)
    except RuntimeError:
        pass
    else:
        if ember.device(device).type != "cpu":
            raise AssertionError("a cpu Generator was accepted for a device tensor")


@check("random")
def check_state_save_restore(device):
    """get_state/set_state restore a generator exactly (default and Generator objects)."""
    import ember
    import numpy as np
    gen = ember.default_generator(device)
    ember.rand(3, device=device)
    st = gen.get_state()
    assert st.dtype is ember.uint8 and st.device.type == "cpu"
    a = host(ember.randn(6, device=device))
    gen.set_state(st)
    np.testing.assert_array_equal(host(ember.randn(6, device=device)), a)
    g = ember.Generator(device).manual_seed(3)
    s2 = g.get_state()
    b = host(ember.rand(4, generator=g, device=device))
    g.set_state(s2)
    np.testing.assert_array_equal(host(ember.rand(4, generator=g, device=device)), b)


@check("random", dtypes="float")
def check_distributions(device, dtype):
    """Samples have the documented ranges, means and spreads (fixed seed, wide bounds)."""
    import ember
    import numpy as np
    need_dtype(device, dtype)
    g = ember.Generator(device).manual_seed(11)
    n = 20000
    u = host(ember.rand(n, generator=g, dtype=dtype, device=device)).astype(np.float64)
    assert u.min() >= 0 and u.max() < 1 and abs(u.mean() - 0.5) < 0.01
    z = host(ember.randn(n, generator=g, dtype=dtype, device=device)).astype(np.float64)
    assert abs(z.mean()) < 0.03 and abs(z.std() - 1) < 0.03
    e = ember.empty(n, dtype=dtype, device=device).exponential_(2.0, generator=g)
    assert abs(host(e).astype(np.float64).mean() - 0.5) < 0.02
    b = ember.bernoulli(ember.full((n,), 0.3, dtype=dtype, device=device), generator=g)
    assert abs(host(b).astype(np.float64).mean() - 0.3) < 0.02
    assert ember.rand(3, dtype=dtype, device=device).dtype is dtype


@check("random")
def check_integer_draws(device):
    """randint covers [low, high) uniformly; randperm is a permutation; multinomial
    without replacement never repeats a category."""
    import ember
    import numpy as np
    g = ember.Generator(device).manual_seed(5)
    r = host(ember.randint(-3, 4, (7000,), generator=g, device=device))
    assert r.min() == -3 and r.max() == 3
    counts = np.bincount(r + 3)
    assert counts.min() > 850, counts
    p = host(ember.randperm(50, generator=g, device=device))
    assert sorted(p.tolist()) == list(range(50))
    w = ember.tensor([[0.1, 0.0, 0.5, 0.4, 0.2]] * 4, device=device)
    m = host(ember.multinomial(w, 3, generator=g))
    assert m.shape == (4, 3) and all(len(set(row)) == 3 for row in m.tolist())
    assert 1 not in m, "a zero-probability category was drawn"
    m2 = host(ember.multinomial(w[0], 4000, replacement=True, generator=g))
    freq = np.bincount(m2, minlength=5) / 4000
    np.testing.assert_allclose(freq, [0.1 / 1.2, 0, 0.5 / 1.2, 0.4 / 1.2, 0.2 / 1.2],
                               atol=0.03)


@check("random")
def check_seed_all_devices(device):
    """ember.manual_seed also seeds every index of the device type."""
    import ember
    import numpy as np
    be = backend(device)
    typ = ember.device(device).type
    devs = [f"{typ}:{i}" for i in range(be.device_count())] if be.default_index() is not None \
        else [typ]
    ember.manual_seed(99)
    first = [host(ember.rand(4, device=d)) for d in devs]
    ember.manual_seed(99)
    again = [host(ember.rand(4, device=d)) for d in devs]
    for d, a, b in zip(devs, first, again):
        np.testing.assert_array_equal(a, b, err_msg=d)


# -- serialization ---------------------------------------------------------------------------

@check("serialization")
def check_save_load_roundtrip(device):
    """ember.save of device tensors, ember.load with map_location: exact values, the asked
    device, shared storage of views kept."""
    import io
    import ember
    import numpy as np
    be = backend(device)
    tensors = {d.name: ember.tensor(values_for(d, 6, 4), dtype=d, device=device)
               for d in be.dtypes()}
    base = ember.arange(12, dtype=ember.float32 if ember.float32 in be.dtypes()
                        else be.dtypes()[0], device=device).reshape(3, 4)
    obj = {"tensors": tensors, "base": base, "view": base.t()[1:], "meta": [1, "x", 2.5]}
    buf = io.BytesIO()
    ember.save(obj, buf)
    for loc in (device, "cpu"):
        buf.seek(0)
        back = ember.load(buf, map_location=loc)
        assert back["meta"] == [1, "x", 2.5]
        for k, t in tensors.items():
            b = back["tensors"][k]
            assert b.dtype is t.dtype and b.device.type == ember.device(loc).type, (k, b.device)
            np.testing.assert_array_equal(host(b), host(t), err_msg=k)
        v = back["view"]
        assert v.stride() == obj["view"].stride()
        assert v.storage_offset() == obj["view"].storage_offset()
        assert v.untyped_storage() is back["base"].untyped_storage(), \
            "views saved together must share storage after loading"
        back["base"][2, 1] = 100
        assert float(v[0, 2].item()) == 100.0


@check("serialization")
def check_cpu_checkpoint_to_device(device):
    """A checkpoint written on the cpu loads onto the device with map_location."""
    import io
    import ember
    import numpy as np
    w = ember.randn(4, 3, generator=ember.Generator().manual_seed(0))
    buf = io.BytesIO()
    ember.save({"w": w, "step": 3}, buf)
    buf.seek(0)
    back = ember.load(buf, map_location=ember.device(device))
    assert back["step"] == 3 and back["w"].device.type == ember.device(device).type
    np.testing.assert_array_equal(host(back["w"]), host(w))
    buf.seek(0)
    back = ember.load(buf, map_location={"cpu": str(device)})
    assert back["w"].device.type == ember.device(device).type


# -- transfers -------------------------------------------------------------------------------

@check("transfer", dtypes="all")
def check_to_and_from_cpu(device, dtype):
    """.to(device) and .cpu() keep values, dtype and shape (contiguous, strided, 0-d,
    empty)."""
    import ember
    import numpy as np
    need_dtype(device, dtype)
    vals = values_for(dtype, 24, 5).reshape(4, 6)
    c = ember.tensor(vals, dtype=dtype)
    for name, src in (("contiguous", c), ("strided", c.t()[::2]), ("0-d", c[1, 2]),
                      ("empty", c[:0]), ("offset", c[2:, 3:])):
        d = src.to(device)
        assert d.device.type == ember.device(device).type and d.dtype is dtype, name
        assert tuple(d.shape) == tuple(src.shape), name
        back = d.cpu()
        assert back.device.type == "cpu"
        np.testing.assert_array_equal(host(back), host(src), err_msg=name)
    d = c.to(device)
    np.testing.assert_array_equal(host(d.t()[::2].cpu()), host(c.t()[::2]))


@check("transfer")
def check_transfer_semantics(device):
    """.to(same device) is a no-op; .to(device, dtype) converts; gradients flow back across
    devices."""
    import ember
    import numpy as np
    t = ember.ones(3, device=device)
    assert t.to(device) is t
    assert t.to(device, copy=True) is not t
    be = backend(device)
    if ember.float64 in be.dtypes():
        assert ember.ones(2).to(device, ember.float64).dtype is ember.float64
    x = ember.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = (x.to(device) * ember.tensor([2.0, 3.0, 4.0], device=device)).sum()
    y.backward()
    assert x.grad.device.type == "cpu"
    np.testing.assert_array_equal(host(x.grad), [2.0, 3.0, 4.0])


@check("transfer")
def check_dlpack(device):
    """ember.from_dlpack / to_dlpack, where ember and the device offer them."""
    import ember
    import numpy as np
    from_dlpack = getattr(ember, "from_dlpack", None)
    to_dlpack = getattr(getattr(ember, "utils", None), "dlpack", None)
    if from_dlpack is None:
        skip("ember has no from_dlpack")
    t = ember.arange(6, dtype=ember.float32, device=device)
    try:
        cap = t.__dlpack__()
    except (AttributeError, BufferError, NotImplementedError, RuntimeError, TypeError) as e:
        skip(f"device {device!r} tensors do not export DLPack: {e}")
    del cap, to_dlpack
    back = from_dlpack(t)
    np.testing.assert_array_equal(host(back), np.arange(6, dtype=np.float32))


@check("transfer")
def check_between_device_indices(device):
    """With two or more devices: .to('<type>:1') keeps values; tensors of two indices in
    one op raise naming both; each index has its own generator."""
    import ember
    import numpy as np
    be = backend(device)
    typ = ember.device(device).type
    if be.device_count() < 2 or be.default_index() is None:
        skip(f"device type {typ!r} has {be.device_count()} device(s); this check needs 2")
    d0, d1 = f"{typ}:0", f"{typ}:1"
    a = ember.arange(6, dtype=ember.float32, device=d0).reshape(2, 3)
    b = a.to(d1)
    assert b.device == ember.device(d1)
    np.testing.assert_array_equal(host(b), host(a))
    np.testing.assert_array_equal(host(b + ember.ones(2, 3, device=d1)), host(a) + 1)
    np.testing.assert_array_equal(host(b.to(d0) - a), np.zeros((2, 3)))
    raises_naming(RuntimeError, [d0, d1], lambda: a + b)
    raises_naming(RuntimeError, [d0, d1], lambda: a @ b.t())
    g0, g1 = ember.default_generator(d0), ember.default_generator(d1)
    g0.manual_seed(1)
    g1.manual_seed(1)
    x0 = host(ember.rand(5, device=d0))
    ember.rand(100, device=d0)                      # moves only d0's stream
    x1 = host(ember.rand(5, device=d1))
    np.testing.assert_array_equal(x0, x1)


# -- errors ----------------------------------------------------------------------------------

@check("errors")
def check_device_mixing_with_cpu(device):
    """An op mixing the device with the cpu raises RuntimeError naming both devices."""
    import ember
    if ember.device(device).type == "cpu":
        skip("the device under test is the cpu: mixing needs a second device type")
    a = ember.ones(2, 3, device=device)
    c = ember.ones(2, 3)
    dev = str(a.device)
    for name, fn in (("add", lambda: a + c), ("mul", lambda: c * a),
                     ("matmul", lambda: a @ c.t()), ("where", lambda: ember.where(a > 0, a, c)),
                     ("cat", lambda: ember.cat([a, c])), ("copy into", lambda: a.add_(c))):
        try:
            raises_naming(RuntimeError, [dev, "cpu"], fn)
        except AssertionError as e:
            raise AssertionError(f"{name}: {e}") from None


@check("errors")
def check_shape_errors(device):
    """Shape mismatches raise the exception PyTorch raises."""
    import ember
    a = ember.ones(2, 3, device=device)
    b = ember.ones(4, device=device)
    raises_naming(RuntimeError, ["size"], lambda: a + b)
    raises_naming(RuntimeError, [], lambda: a @ ember.ones(4, 5, device=device))
    raises_naming(RuntimeError, [], lambda: a.view(4, 2))
    raises_naming(RuntimeError, [], lambda: ember.cat([a, ember.ones(2, 4, device=device)]))
    raises_naming(IndexError, [], lambda: a[5])
    raises_naming(IndexError, [], lambda: a[:, ember.tensor([0, 3], device=device)])


# -- optional kernels ------------------------------------------------------------------------

@check("kernels")
def check_linalg_kernel(device):
    """The optional linalg kernel: decompositions agree with the cpu, singular input raises
    ember.linalg.LinAlgError."""
    import ember
    import numpy as np
    be = backend(device)
    if not callable(getattr(be, "linalg", None)):
        skip(f"backend {be.name!r} declares no optional 'linalg' kernel")
    dt = ember.float64 if ember.float64 in be.dtypes() else ember.float32
    tol = 1e-8 if dt is ember.float64 else 1e-4
    rng = np.random.default_rng(0)
    m = rng.uniform(-1, 1, (3, 3))
    spd = m @ m.T + 3 * np.eye(3)
    A, S = ember.tensor(m, dtype=dt, device=device), ember.tensor(spd, dtype=dt, device=device)
    for name, f in (("inv", lambda t: ember.linalg.inv(t)), ("det", ember.linalg.det),
                    ("cholesky", ember.linalg.cholesky),
                    ("eigvalsh", ember.linalg.eigvalsh), ("svdvals", ember.linalg.svdvals),
                    ("solve", lambda t: ember.linalg.solve(t, t[:, :1] + 1))):
        src = S if name in ("cholesky", "eigvalsh") else A
        np.testing.assert_allclose(host(f(src)), host(f(src.cpu())), rtol=tol, atol=tol,
                                   err_msg=name)
    w = np.sort_complex(host(ember.linalg.eigvals(A)))
    np.testing.assert_allclose(w, np.sort_complex(host(ember.linalg.eigvals(A.cpu()))),
                               rtol=tol, atol=tol, err_msg="eigvals")
    sing = ember.tensor([[1.0, 2.0], [2.0, 4.0]], dtype=dt, device=device)
    try:
        ember.linalg.inv(sing)
    except ember.linalg.LinAlgError:
        pass
    else:
        raise AssertionError("inv of a singular matrix did not raise LinAlgError")


@check("kernels")
def check_fft_kernel(device):
    """The optional fft kernel: transforms agree with the cpu (single precision stays
    single)."""
    import ember
    import numpy as np
    be = backend(device)
    if not callable(getattr(be, "fft", None)):
        skip(f"backend {be.name!r} declares no optional 'fft' kernel (ember uses its dense "
             f"DFT fallback, which the op table checks)")
    rng = np.random.default_rng(1)
    for dt, tol in ((ember.float32, 1e-4), (ember.float64, 1e-10)):
        if dt not in be.dtypes():
            continue
        x = ember.tensor(rng.standard_normal((3, 8)), dtype=dt, device=device)
        for name, f in (("fft", lambda t: ember.fft.fft(t)), ("rfft", ember.fft.rfft),
                        ("ifft", lambda t: ember.fft.ifft(t, norm="ortho")),
                        ("irfft", lambda t: ember.fft.irfft(ember.fft.rfft(t), n=8))):
            got, ref = f(x), f(x.cpu())
            assert got.dtype is ref.dtype, (name, got.dtype, ref.dtype)
            np.testing.assert_allclose(host(got), host(ref), rtol=tol, atol=tol,
                                       err_msg=f"{name} {dt}")
