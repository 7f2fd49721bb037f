"""The multi-tensor ("foreach") optimizer step over flat buffers, for any optimizer.

NOTE [flat optimizer state]: an elementwise optimizer (SGD, Adam, RMSprop, ...) applies the
same arithmetic to every element of every parameter. So instead of running its update once
per parameter (a dozen small ops each: 200 parameters cost 2 400 op calls), ``step_group``
concatenates a group's parameters and gradients into two flat tensors and runs the *same*
update function once on them; the per-parameter state tensors (``exp_avg``, ...) are views
into flat state buffers that live as long as the optimizer, so the update works on the flat
buffers directly and ``optimizer.state[p]`` still shows each parameter's own tensors
(what ``state_dict`` saves). The new parameter values are written back through each
parameter's own storage view (the parameter objects never change).

Scalar state (``step``, NAdam's ``mu_product``, ...) is a 0-d tensor per parameter, a view of
a flat buffer too: the flat path needs its values to be equal across the bucket (they are
unless parameters were added or skipped at different times) and uses the per-parameter path
otherwise, as it does when an optimizer is ``foreach=False`` or ``differentiable=True``, for a
single parameter, for complex parameters, or when the state was replaced (``load_state_dict``:
the flat buffers are rebuilt from the loaded tensors at the next step). Both paths run the
same update function on the same values, so their results are identical.

The update function's contract: ``update(param, grad, s, group)`` where ``s`` maps state
names to tensors shaped like ``param`` (updated in place) and scalar-state names to Python
floats (reassigned in ``s``); a missing tensor key may be set in ``s`` (e.g. SGD's first
momentum buffer). ``param`` is updated in place; ``grad`` must not be modified.

The flat path runs the update on *pieces* of about ``_CHUNK`` elements (runs of whole
parameters; a parameter larger than that is a piece alone, updated directly on its own
storage): one flat update over a few megabytes would stream every intermediate through main
memory, while pieces keep their working set in the CPU caches at a cost of a few op calls per
piece.

NOTE [fused optimizer kernels]: a backend may offer a fused multi-tensor kernel for an
optimizer (``Backend.adam_step``, listed in ``ember.backend.OPTIONAL``). An optimizer names it
with ``step_group(..., kernel=(name, call))``; on the flat path, when the bucket's backend
has that method (and aliases memory), the core calls
``call(fn, params, grads, flats, scalars, group)`` with the backend's native arrays: ``params``
and ``grads`` lists of each parameter's and gradient's array (any strides; parameters are
written in place), ``flats`` the flat state buffers (1-D, the parameters' state one after
another), ``scalars`` the scalar state values before the step. ``call`` returns the new
scalar values, or ``NotImplemented`` when the kernel declines (the generic update runs
instead). The kernel must apply exactly the arithmetic of the optimizer's update function
(same ops, same order), so that every path gives the same bits, with one allowance: it may
round an ``x + alpha * y`` (``add(alpha=)``) once, as PyTorch's CPU kernels do with a fused
multiply-add, where the generic update rounds ``alpha * y`` first (so within an ulp of it
per op; the NumPy backend's ``sgd_step`` does this and gives PyTorch's bits).

``adam_step(params, grads, exp_avg, exp_avg_sq, max_exp_avg_sq, *, lr, beta1, beta2, eps,
weight_decay, decoupled_weight_decay, amsgrad, maximize, step)``: one Adam/AdamW step in place;
``max_exp_avg_sq`` is None without amsgrad; ``step`` is the step number after the increment;
returns None, or ``NotImplemented`` for a dtype it does not handle.

``sgd_step(params, grads, momentum_buffer, *, lr, momentum, dampening, weight_decay, nesterov,
maximize)``: one SGD step in place; ``momentum_buffer`` is the flat buffer of every parameter's
momentum (None without momentum); returns None, or ``NotImplemented`` for a dtype it does not
handle or when momentum is used and the buffers do not exist yet (the first step).
"""

from __future__ import annotations

from typing import Any, Callable

from .. import _dtype as D
from .._tensor import Tensor, _contig_strides, _from_native, _prod
from ..autograd.grad_mode import STATE, no_grad, set_grad_enabled
from .._ops.core import _view_of, _write

__all__ = ["flatten", "unflatten_into", "step_group", "scalar_dtype"]

#: set to False to make the flat path ignore backend kernels (tests, benchmarks)
USE_KERNELS = True


def scalar_dtype():
    """The dtype of scalar optimizer state (``step``): float64 when the default dtype is
    float64, else float32 (as PyTorch)."""
    return D.float64 if D.get_default_dtype() is D.float64 else D.float32


def _flat_native(t: Tensor):
    be = t._storage._be
    n = _prod(t._shape)
    if t._stride is None or t._stride == _contig_strides(t._shape):
        return be.view(t._buffer(), (n,), (1,), t._offset)
    return be.as_buffer(t._data)[1]


def flatten(tensors: list[Tensor]) -> Tensor:
    """A new 1-D tensor holding the elements of ``tensors`` (same device and dtype) one after
    another, in C order: one backend call for the whole list.

    Example::

        >>> flat = flatten([a, b])          # a: (2, 3), b: (4,)  ->  flat: (10,)
    """
    t0 = tensors[0]
    st = t0._storage
    be = st._be
    for t in tensors:
        if t._storage.device != st.device or t._dtype is not t0._dtype:
            raise RuntimeError(f"flatten: all tensors must share one device and dtype, got "
                               f"{t0.dtype} on {st.device} and {t.dtype} on {t._storage.device}")
    natives = [_flat_native(t) for t in tensors]
    arr = be.concat(natives, 0) if len(natives) > 1 else be.copy(natives[0])
    return _from_native(arr, be, st.device, t0._dtype)


def unflatten_into(flat: Tensor, tensors: list[Tensor]) -> None:
    """Write consecutive segments of the 1-D ``flat`` into ``tensors`` in place (the inverse
    of :func:`flatten`); each tensor's version counter advances as for any in-place op."""
    be = flat._storage._be
    buf = flat._buffer()
    off = flat._offset
    for t in tensors:
        shape = t._shape
        _write(t, be.view(buf, shape, _contig_strides(shape), off))
        off += _prod(shape)


def _segment_views(flat: Tensor, params: list[Tensor], scalar: bool = False) -> list[Tensor]:
    flat._buffer()
    off = flat._offset
    out = []
    for p in params:
        if scalar:
            out.append(_view_of(flat, (), (), off))
            off += 1
        else:
            shape = p._shape
            out.append(_view_of(flat, shape, _contig_strides(shape), off))
            off += _prod(shape)
    return out


def _scalar_tensor(value: float, param: Tensor, group: dict) -> Tensor:
    from .._creation import tensor
    dev = param.device if (group.get("capturable") or group.get("fused")) else "cpu"
    return tensor(float(value), dtype=scalar_dtype(), device=dev)


def _scalar_value(v: Any) -> float:
    return v.item() if isinstance(v, Tensor) else float(v)


#: elements per piece of the flat path (NOTE [flat optimizer state]): large enough that op
#: overhead is small, small enough that a piece's working set stays in the CPU caches
_CHUNK = 1 << 16


class _Bucket:
    """Flat state buffers of one (params with grad, device, dtype) set, their per-parameter
    views, and the pieces (runs of whole parameters) the update runs on."""

    __slots__ = ("keys", "skeys", "flats", "views", "sflats", "sviews", "pieces", "total")

    def __init__(self, params):
        self.keys: list[str] = []
        self.skeys: list[str] = []
        self.flats: dict[str, Tensor] = {}
        self.views: dict[str, list[Tensor]] = {}
        self.sflats: dict[str, Tensor] = {}
        self.sviews: dict[str, list[Tensor]] = {}
        self.pieces: list[tuple[int, int, int, int]] = []     # (first, stop, offset, numel)
        first = off = n = 0
        for i, p in enumerate(params):
            k = _prod(p._shape)
            if i > first and n + k > _CHUNK:
                self.pieces.append((first, i, off, n))
                first, off, n = i, off + n, 0
            n += k
        self.pieces.append((first, len(params), off, n))
        self.total = off + n

    def valid(self, params, state) -> bool:
        n = len(self.keys) + len(self.skeys)
        for i, p in enumerate(params):
            st = state.get(p)
            if st is None:
                if n:
                    return False
                continue
            if len(st) != n:
                return False
            for k in self.keys:
                if st.get(k) is not self.views[k][i]:
                    return False
            for k in self.skeys:
                if st.get(k) is not self.sviews[k][i]:
                    return False
        return True

    def add_tensor(self, k, flat, params, state):
        self.keys.append(k)
        self.flats[k] = flat
        self.views[k] = vs = _segment_views(flat, params)
        for p, v in zip(params, vs, strict=False):
            state[p][k] = v

    def add_scalar(self, k, value, params, state, group):
        """A flat scalar buffer holding ``value`` (a float, or a list with one per param)."""
        from .._creation import tensor
        dev = _scalar_tensor(0, params[0], group).device
        vals = value if isinstance(value, list) else [float(value)] * len(params)
        flat = tensor(vals, dtype=scalar_dtype(), device=dev)
        self.skeys.append(k)
        self.sflats[k] = flat
        self.sviews[k] = vs = _segment_views(flat, params, scalar=True)
        for p, v in zip(params, vs, strict=False):
            state[p][k] = v


def _build(params, state, scalars, group) -> _Bucket | None:
    """Flat buffers from the current per-parameter state, or None when the state cannot be
    laid out flat (different keys, shapes or dtypes across the parameters)."""
    first = state.get(params[0]) or {}
    keys = [k for k, v in first.items() if v is not None]
    kset = set(keys)
    for p in params:
        st = state.get(p) or {}
        if {k for k, v in st.items() if v is not None} != kset:
            return None
        for k in keys:
            v = st[k]
            if k in scalars:
                if isinstance(v, Tensor) and v.numel() != 1:
                    return None
            elif (not isinstance(v, Tensor) or v._shape != p._shape or v._dtype is not p._dtype
                  or v._storage.device != p._storage.device):
                return None
    b = _Bucket(params)
    for k in keys:
        if k in scalars:
            b.add_scalar(k, [_scalar_value(state[p][k]) for p in params], params, state, group)
        else:
            b.add_tensor(k, flatten([state[p][k] for p in params]), params, state)
    return b


def _single(optimizer, p: Tensor, group: dict, init: Callable, update: Callable,
            scalars: tuple) -> None:
    st = optimizer.state.get(p)
    if not st:
        first = init(p, group)
        if first:
            st = optimizer.state[p]
            for k, v in first.items():
                st[k] = _scalar_tensor(v, p, group) if k in scalars else v
    s = {} if not st else {k: (_scalar_value(v) if k in scalars else v)
                           for k, v in st.items() if v is not None}
    before = dict(s)
    update(p, p.grad, s, group)
    for k, v in s.items():
        old = before.get(k)
        if k in scalars:
            if v != old:
                cur = optimizer.state[p].get(k)
                if isinstance(cur, Tensor):
                    cur.fill_(v)
                else:
                    optimizer.state[p][k] = _scalar_tensor(v, p, group)
        elif v is not old:
            optimizer.state[p][k] = v


def _bucket(optimizer, params, group, init, scalars) -> _Bucket | None:
    """The valid flat state of ``params``: cached, built from the per-parameter state, or
    created by ``init`` on the flattened parameters. None: use the per-parameter path."""
    state = optimizer.state
    cache = optimizer.__dict__.setdefault("_flat_cache", {})
    key = tuple(id(p) for p in params)
    b = cache.get(key)
    if b is not None and b.valid(params, state):
        return b
    empty = [not state.get(p) for p in params]
    if all(empty):
        b = _Bucket(params)
        for k, v in init(flatten(params), group).items():
            if k in scalars:
                b.add_scalar(k, v, params, state, group)
            else:
                b.add_tensor(k, v.contiguous(), params, state)
    else:
        for p, e in zip(params, empty, strict=False):
            if e:
                for k, v in init(p, group).items():
                    state[p][k] = _scalar_tensor(v, p, group) if k in scalars else v
        b = _build(params, state, scalars, group)
    # buckets over any of these parameters are stale now (their views were replaced):
    # drop them so their flat buffers are freed
    ids = set(key)
    for k in [k for k in cache if not ids.isdisjoint(k)]:
        del cache[k]
    if b is not None:
        cache[key] = b
    return b


def _run_kernel(kernel, params, b, svals, group) -> bool:
    name, call = kernel
    be = params[0]._storage._be
    fn = getattr(be, name, None) if be.aliasing else None
    if fn is None:
        return False
    for p in params:
        p._buffer()
    pn = [p._data for p in params]
    gn = [p.grad._data for p in params]
    flats = {k: (f._buffer(), f._data)[1] for k, f in b.flats.items()}
    out = call(fn, pn, gn, flats, dict(svals), group)
    if out is NotImplemented:
        return False
    for p in params:
        p._storage._version += 1
    for f in b.flats.values():
        f._storage._version += 1
    for k, v in out.items():
        if v != svals[k]:
            b.sflats[k].fill_(v)
    return True


def _flat(optimizer, params: list[Tensor], group: dict, init: Callable, update: Callable,
          scalars: tuple, kernel=None) -> None:
    b = _bucket(optimizer, params, group, init, scalars)
    svals: dict[str, float] = {}
    if b is not None:
        for k in b.skeys:
            vals = b.sflats[k].tolist()
            if any(v != vals[0] for v in vals):      # e.g. parameters started at other steps
                b = None
                break
            svals[k] = vals[0]
    if b is None:
        for p in params:
            _single(optimizer, p, group, init, update, scalars)
        return
    if kernel is not None and USE_KERNELS and _run_kernel(kernel, params, b, svals, group):
        return
    state = optimizer.state
    new: dict[str, Tensor] = {}
    s: dict[str, Any] = {}
    for first, stop, off, n in b.pieces:
        s = dict(svals)
        if stop - first == 1:                      # one parameter: update it directly
            p = params[first]
            given = {k: b.views[k][first] for k in b.keys}
            s.update(given)
            update(p, p.grad, s, group)
        else:
            given = {k: _view_of(f, (n,), (1,), f._offset + off) for k, f in b.flats.items()}
            s.update(given)
            ps = params[first:stop]
            pflat = flatten(ps)
            update(pflat, flatten([p.grad for p in ps]), s, group)
            unflatten_into(pflat, ps)
        for k, v in s.items():
            if k in scalars:
                continue
            if k in given:
                if v is not given[k]:
                    given[k].copy_(v)
            else:                                  # state the update created (SGD's buffer)
                if k not in new:
                    from .._creation import empty
                    new[k] = empty((b.total,), dtype=v.dtype, device=v.device)
                _view_of(new[k], (n,), (1,), off).copy_(v.reshape(-1))
    for k, f in new.items():
        b.add_tensor(k, f, params, state)
    for k, v in s.items():
        if k in scalars:
            if k in b.sflats:
                if v != svals[k]:
                    b.sflats[k].fill_(v)
            else:
                b.add_scalar(k, v, params, state, group)


def step_group(optimizer, group: dict, init: Callable, update: Callable,
               scalars: tuple = ("step",), complex_ok: bool = False,
               kernel: tuple[str, Callable] | None = None) -> None:
    """Apply ``update`` to every parameter of ``group`` that has a gradient.

    ``init(param, group) -> dict`` makes a parameter's first state (tensors shaped like
    ``param``; Python numbers for the names in ``scalars``), created lazily at its first
    step. ``update(param, grad, s, group)`` is the optimizer's single update function
    (NOTE [flat optimizer state] gives its contract). With ``group["foreach"]`` None (the
    default) or True, or ``group["fused"]`` True, parameters sharing a device and dtype are
    updated together through flat buffers; ``foreach=False`` and ``differentiable=True``
    update one parameter at a time. The results are the same either way. Complex
    ``kernel``: an optional fused backend kernel for the flat path (NOTE [fused optimizer
    kernels]). Complex
    parameters are updated with complex arithmetic when ``complex_ok`` (right for updates
    that are linear in the gradient, like SGD's); otherwise they raise ``NotImplementedError``.

    Example::

        >>> def update(p, g, s, group):
        ...     s["step"] += 1
        ...     p.add_(g, alpha=-group["lr"])
        >>> step_group(opt, group, lambda p, g: {"step": 0.0}, update)
    """
    params = [p for p in group["params"] if p.grad is not None]
    if not params:
        return
    if not complex_ok:
        for p in params:
            if p._dtype.is_complex:
                raise NotImplementedError(
                    f"{type(optimizer).__name__}: complex parameters are not supported yet "
                    f"(got a {p.dtype} parameter of shape {list(p.shape)}); PyTorch updates "
                    f"them as (real, imag) pairs. Optimize the real and imaginary parts as "
                    f"two real parameters instead")
    differentiable = bool(group.get("differentiable", False))
    foreach = group.get("foreach")
    flat_ok = (not differentiable and foreach is not False
               and len({id(p) for p in params}) == len(params)
               and (len(params) > 1 or foreach or group.get("fused")))
    prev = STATE.grad_enabled
    with set_grad_enabled(differentiable and prev) if differentiable else no_grad():
        if not flat_ok:
            for p in params:
                _single(optimizer, p, group, init, update, scalars)
            return
        buckets: dict[tuple, list[Tensor]] = {}
        for p in params:
            buckets.setdefault((p._storage.device, p._dtype), []).append(p)
        for ps in buckets.values():
            if len(ps) == 1 and not (foreach or group.get("fused")):
                _single(optimizer, ps[0], group, init, update, scalars)
            else:
                _flat(optimizer, ps, group, init, update, scalars, kernel)
