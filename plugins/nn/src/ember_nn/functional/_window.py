"""Sliding-window machinery shared by convolution, pooling and ``unfold``/``fold``.

NOTE [window geometry]: a window op looks at an input of shape ``(N, C, *S)``, padded by
``plo``/``phi`` per spatial dim (to ``Sp``), through windows of size ``k`` with stride ``s``
and dilation ``d``; there are ``O`` windows per dim. The *canonical* window view has dims
``(N, C, *O, *K)``: ``view[n, c, o, kk] = padded[n, c, o * s + kk * d]``. It is a strided view
of the padded buffer, no copy (``as_strided``). Each user picks a permutation of the canonical
dims that suits its matrix product: convolution uses ``(C, *K, N, *O)`` so that one matmul
``W (G, OCg, Cg*K) @ cols (G, Cg*K, N*L)`` does the whole batch; pooling keeps the canonical
order and reduces over the last dims.

NOTE [conv ops]: convolution is three ``Op``s that are each other's derivatives, so gradients
of any order stay inside this closed set:

    y  = conv(x, w)                 dx = conv_input_grad(gy, w)    dw = conv_weight_grad(x, gy)
    d conv_input_grad(gy, w)  / (gy, w) = conv(ggx, w),           conv_weight_grad(ggx, gy)
    d conv_weight_grad(x, gy) / (x, gy) = conv_input_grad(gy, ggw), conv(x, ggw)

``conv_input_grad`` is also the transposed convolution. Its forward is one matmul
(``W^T @ gy``) followed by ``col2im``: the window view's adjoint, which scatters each kernel
offset's slab back into the padded input (one write when windows do not overlap, else one
vectorized add per kernel offset).
"""

from __future__ import annotations

import itertools

import ember
from ember._ops.core import Op, mask_mul
from ember._tensor import Tensor, _from_native, _prod

__all__ = ["Geom", "ntuple", "Unfold", "Fold", "MaxPool", "MaxPoolGrad", "MaxPoolSelect",
           "MaxLast", "WindowSum", "WindowSumGrad", "Conv", "ConvInputGrad",
           "ConvWeightGrad", "contig_strides", "native_view", "pad_native"]


def ntuple(v, n, name, op):
    """``v`` as an ``n``-tuple of ints (an int is repeated); TypeError/RuntimeError naming
    ``op`` and ``name`` otherwise."""
    if isinstance(v, Tensor):
        v = v.tolist()
    if isinstance(v, (list, tuple)):
        if len(v) == 1 and n != 1:
            v = tuple(v) * n
        if len(v) != n:
            raise RuntimeError(f"{op}: expected {name} to be a single integer value or a list of "
                               f"{n} values to match the convolution dimensions, but got "
                               f"{name}={list(v)}")
        out = []
        for e in v:
            if isinstance(e, bool) or not isinstance(e, int):
                try:
                    e = e.__index__()
                except AttributeError:
                    raise TypeError(f"{op}: {name} must be a tuple of ints, got "
                                    f"{type(e).__name__}") from None
            out.append(e)
        return tuple(out)
    if isinstance(v, bool) or not isinstance(v, int):
        try:
            v = v.__index__()
        except AttributeError:
            raise TypeError(f"{op}: {name} must be an int or a tuple of ints, got "
                            f"{type(v).__name__}") from None
    return (v,) * n


def contig_strides(shape):
    out, s = [], 1
    for n in reversed(shape):
        out.append(s)
        s *= n
    return tuple(reversed(out))


class Geom:
    """Window geometry (NOTE [window geometry]); hashable, immutable."""

    __slots__ = ("in_sp", "k", "s", "d", "plo", "phi", "out_sp")

    def __init__(self, in_sp, k, s, d, plo, phi, out_sp=None):
        self.in_sp, self.k, self.s, self.d = tuple(in_sp), tuple(k), tuple(s), tuple(d)
        self.plo, self.phi = tuple(plo), tuple(phi)
        if out_sp is None:
            out_sp = tuple((i + a + b - dd * (kk - 1) - 1) // ss + 1 for i, a, b, kk, ss, dd
                           in zip(self.in_sp, self.plo, self.phi, self.k, self.s, self.d,
                                  strict=False))
        self.out_sp = tuple(out_sp)

    @property
    def n(self):
        return len(self.in_sp)

    @property
    def padded(self):
        return tuple(i + a + b for i, a, b in zip(self.in_sp, self.plo, self.phi, strict=False))

    @property
    def has_pad(self):
        return any(self.plo) or any(self.phi)

    def with_in(self, in_sp):
        return Geom(in_sp, self.k, self.s, self.d, self.plo, self.phi, self.out_sp)

    def tiles(self, i):
        """True when the windows of dim ``i`` cover its padded size exactly once (stride =
        kernel, no dilation: e.g. a 2x2 pool with stride 2 on an even size)."""
        return self.d[i] == 1 and self.s[i] == self.k[i] and (
            self.k[i] * self.out_sp[i] == self.padded[i])

    def overlapping(self):
        """True when two window taps land on the same input position."""
        for o, kk, ss, dd in zip(self.out_sp, self.k, self.s, self.d, strict=False):
            for dk in range(1, kk):
                if (dd * dk) % ss == 0 and (dd * dk) // ss < o:
                    return True
        return False

    def __eq__(self, other):
        return isinstance(other, Geom) and all(
            getattr(self, a) == getattr(other, a) for a in self.__slots__)

    def __hash__(self):
        return hash(tuple(getattr(self, a) for a in self.__slots__))

    def __repr__(self):
        return ("Geom(" + ", ".join(f"{a}={getattr(self, a)}" for a in self.__slots__) + ")")


def native_view(t):
    """(backend, flat buffer, strides, offset) of tensor ``t`` (materialising its storage)."""
    buf = t._buffer()
    return t._storage._be, buf, t._strides(), t._offset


def _win_native(be, buf, nc, strides, offset, g, perm):
    """The window view (a native) of a padded buffer ``buf`` laid out with ``strides`` over
    ``(N, C, *Sp)``; ``nc`` = (N, C); dims in ``perm`` order."""
    shape = nc + g.out_sp + g.k
    sp = strides[2:]
    st = (strides[0], strides[1]) + tuple(a * b for a, b in zip(sp, g.s, strict=False)) + tuple(
        a * b for a, b in zip(sp, g.d, strict=False))
    return be.view(buf, tuple(shape[p] for p in perm), tuple(st[p] for p in perm), offset)


def _tap_key(g, kk):
    """The basic index of tap ``kk`` (a kernel offset) of every window in a padded
    (N, C, *Sp) array: positions ``o * s + kk * d`` for the ``O`` windows per dim."""
    return (slice(None), slice(None)) + tuple(
        slice(a * dd, a * dd + ss * (o - 1) + 1, ss)
        for a, dd, ss, o in zip(kk, g.d, g.s, g.out_sp, strict=False))


def pad_native(x, g, value, scratch=None):
    """``x`` (N, C, *S) padded per ``g`` with ``value``: (be, flat buffer, strides, offset)
    of an ``(N, C, *Sp)`` layout. Without padding the input's own storage is used (no copy).
    With ``scratch`` (a list) a reusable buffer is used and its key appended to the list
    (NOTE [scratch buffers]): the caller hands it back with ``_scratch_give``."""
    be, buf, strides, off = native_view(x)
    if not g.has_pad:
        return be, buf, strides, off
    full = x._shape[:2] + g.padded
    pst = contig_strides(full)
    src = be.view(buf, x._shape, strides, off)
    size = _prod(full)
    if scratch is None:
        out = be.full((size,), value, x._dtype, x._storage.device.index)
    else:
        key, out = _scratch_take(be, x._dtype, x._storage.device.index, size)
        out = be.write(out, (size,), (1,), 0, value)
        scratch.append((key, out))
    ioff = sum(a * s for a, s in zip(g.plo, pst[2:], strict=False))
    out = be.write(out, x._shape, pst, ioff, src)
    if scratch is not None:
        scratch[-1] = (scratch[-1][0], out)
    return be, out, pst, 0


def _canon_perm(kind, n):
    """Permutations of the canonical dims (N, C, *O, *K)."""
    O = tuple(range(2, 2 + n))
    K = tuple(range(2 + n, 2 + 2 * n))
    if kind == "pool":
        return (0, 1) + O + K
    if kind == "kpool":
        return K + (0, 1) + O
    if kind == "unfold":
        return (0, 1) + K + O
    raise ValueError(kind)


def _inverse(perm):
    inv = [0] * len(perm)
    for i, p in enumerate(perm):
        inv[p] = i
    return tuple(inv)


class Unfold(Op):
    """``x`` (N, C, *S) -> its window view in ``perm`` order (a strided view of the padded
    input; the padding value fills positions outside the input). Backward: ``Fold``."""

    _node_name = "Im2ColBackward0"

    @staticmethod
    def forward(ctx, x, g, kind, value):
        ctx.g, ctx.kind, ctx.nc = g, kind, x._shape[:2]
        be, buf, st, off = pad_native(x, g, value)
        return _win_native(be, buf, x._shape[:2], st, off, g, _canon_perm(kind, g.n))

    @staticmethod
    def backward(ctx, grad):
        return Fold.apply(grad, ctx.g, ctx.kind, ctx.nc), None, None, None


def _col2im(be, cflat, cst, coff, g, kind, nc, dtype, index):
    """Sum window slabs back into a zero padded (N, C, *Sp) native; returns it.

    ``cflat``/``cst``/``coff``: a flat native holding the slabs, their strides in ``kind``
    order and offset. One in-place (accumulating when windows overlap) write per kernel
    offset, each over a whole (N, C, *O) slab."""
    n = g.n
    inv = _inverse(_canon_perm(kind, n))
    canon = tuple(cst[inv[i]] for i in range(2 + 2 * n))      # strides per canonical dim
    buf = be.full(nc + g.padded, 0, dtype, index)
    region = nc + g.out_sp
    sst = canon[:2 + n]
    kst = canon[2 + n:]
    acc = g.overlapping()
    for kk in itertools.product(*(range(k) for k in g.k)):
        src = be.view(cflat, region, sst, coff + sum(a * s for a, s in zip(kk, kst, strict=False)))
        be.setitem(buf, _tap_key(g, kk), src, acc)
    return buf


def _crop(be, buf, nc, g, dtype, index):
    """The (N, C, *S) interior of a padded (N, C, *Sp) native, as a native view."""
    pst = contig_strides(nc + g.padded)
    _, buf = be.as_buffer(buf)
    off = sum(max(a, 0) * s for a, s in zip(g.plo, pst[2:], strict=False))
    return be.view(buf, nc + g.in_sp, pst, off)


class Fold(Op):
    """Adjoint of ``Unfold``: window slabs (``kind`` order) summed into (N, C, *S)."""

    _node_name = "Col2ImBackward0"

    @staticmethod
    def forward(ctx, cols, g, kind, nc):
        ctx.g, ctx.kind = g, kind
        be, cflat, cst, coff = native_view(cols)
        index = cols._storage.device.index
        buf = _col2im(be, cflat, cst, coff, g, kind, nc, cols._dtype, index)
        return _crop(be, buf, nc, g, cols._dtype, index)

    @staticmethod
    def backward(ctx, grad):
        return Unfold.apply(grad, ctx.g, ctx.kind, 0), None, None, None


def _nd_view(be, flat, shape):
    return be.view(flat, tuple(shape), contig_strides(shape), 0)


def _dim_slab(be, arr, shape, dim, t, k):
    """Tap ``t`` of 1-D windows along ``dim`` of a C-contiguous native ``arr`` of ``shape``:
    positions ``o * s + t * d`` for the ``o`` < out windows (``k`` = (s, d, out))."""
    s_, d_, o_ = k
    st = contig_strides(shape)
    sl_shape = list(shape)
    sl_shape[dim] = o_
    sl_st = list(st)
    sl_st[dim] = st[dim] * s_
    _, flat = be.as_buffer(arr)
    return be.view(flat, tuple(sl_shape), tuple(sl_st), t * d_ * st[dim])


class _PoolStages:
    """Separable window maximum (NOTE [max pool ops]): a 1-D windowed max along each spatial
    dim in turn (last dim first), keeping per stage which tap won. PyTorch's rule per tap,
    ``v > best or isnan(v)``, applied dim by dim selects exactly the tap a row-major scan of
    the whole window selects: the first maximum, or the last NaN."""

    def __init__(self, x, g, low, with_index):
        be, buf, st, off = pad_native(x, g, low)
        nc = x._shape[:2]
        shape = list(nc + g.padded)
        cur = be.view(buf, tuple(shape), st, off)
        if st != contig_strides(tuple(shape)) or off:
            cur = be.copy(cur)
        self.be, self.g, self.nc = be, g, nc
        self.index = x._storage.device.index
        self.stages = []               # (dim, in_shape, index native or None)
        isfloat = x._dtype.is_floating_point
        for i in range(g.n - 1, -1, -1):
            dim = 2 + i
            k = (g.s[i], g.d[i], g.out_sp[i])
            slabs = [_dim_slab(be, cur, shape, dim, t, k) for t in range(g.k[i])]
            best, idx = slabs[0], None
            for t in range(1, g.k[i]):
                if with_index:
                    upd = be.gt(slabs[t], best)
                    if isfloat:
                        upd = be.logical_or(upd, be.isnan(slabs[t]))
                    if t == 1:
                        idx = upd if g.k[i] == 2 else be.astype(upd, ember.int8)
                    else:
                        idx = be.where(upd, t, idx)
                best = be.maximum(best, slabs[t])
            if g.k[i] == 1:
                best = be.copy(best)
            self.stages.append((dim, tuple(shape), idx))
            shape[dim] = g.out_sp[i]
            cur = best
        self.out = cur

    def scatter(self, gy, dtype, index):
        return _stage_scatter(self, gy, dtype, index)

    def gather(self, v, dtype):
        return _stage_gather(self, v, dtype)

    def local_index(self):
        return _stage_index(self)

    def tap_masks(self, stage):
        """One bool-or-int mask per tap of a stage (tap t selected where mask is true)."""
        be = self.be
        dim, _, idx = self.stages[stage]
        kk = self.g.k[dim - 2]
        if kk == 1:
            return [None]
        if kk == 2:
            return [be.logical_not(idx), idx]
        return [be.eq(idx, t) for t in range(kk)]


# most max pools have windows of a few taps (2x2); on the cpu backend a scan over the taps
# beats the stages there (NOTE [max pool ops]). It takes about three times as many kernel
# calls, so devices whose ops cost a launch each (cuda) keep the stages.
_TAP_SCAN_MAX = 4


def _tap_view(be, buf, strides, offset, nc, g, kk):
    """Tap ``kk`` (a kernel offset) of every window of a padded (N, C, *Sp) buffer laid out
    with ``strides``: the strided (N, C, *O) view of ``padded[n, c, o * s + kk * d]``."""
    sp = strides[2:]
    st = (strides[0], strides[1]) + tuple(a * b for a, b in zip(sp, g.s, strict=False))
    off = offset + sum(a * dd * t for a, dd, t in zip(kk, g.d, sp, strict=False))
    return be.view(buf, nc + g.out_sp, st, off)


class _PoolTaps:
    """Window maximum as a scan over the kernel taps in row-major order (NOTE [max pool
    ops]), for windows of at most ``_TAP_SCAN_MAX`` taps. Each tap's (N, C, *O) slab is
    first copied out of the strided window view (a strided read is cheap as a copy, costly
    inside a comparison), then ``best``/``gt`` run on contiguous arrays. The chosen tap is
    the last one that beat the running maximum (``v > best or isnan(v)``, PyTorch's rule),
    so ``idx = max_t(t * upd_t)``: no ``where`` (NumPy's ``where`` branches per element)."""

    def __init__(self, x, g, low, with_index):
        be, buf, st, off = pad_native(x, g, low)
        nc = x._shape[:2]
        self.be, self.g, self.nc = be, g, nc
        self.index = x._storage.device.index
        self.kks = list(itertools.product(*(range(k) for k in g.k)))
        isfloat = x._dtype.is_floating_point
        best, idx = None, None
        for t, kk in enumerate(self.kks):
            tap = be.copy(_tap_view(be, buf, st, off, nc, g, kk))
            if best is None:
                best = tap
                continue
            if with_index:
                upd = be.gt(tap, best)
                if isfloat:
                    upd = be.logical_or(upd, be.isnan(tap))
                if len(self.kks) == 2:
                    idx = upd
                else:
                    ti = be.mul(be.astype(upd, ember.int8), t)
                    idx = ti if idx is None else be.maximum(idx, ti)
            best = be.maximum(best, tap)
        self.out, self.idx = best, idx

    def masks(self):
        """One mask per tap (tap t chosen where true); None for a single tap."""
        be, idx = self.be, self.idx
        if len(self.kks) == 1:
            return [None]
        if len(self.kks) == 2:
            return [be.logical_not(idx), idx]
        return [be.eq(idx, t) for t in range(len(self.kks))]

    def scatter(self, gy, dtype, index):
        """``gy`` (N, C, *O) put at the chosen taps of a zero (N, C, *Sp) native."""
        be, g = self.be, self.g
        shape = self.nc + g.padded
        tiled = all(g.tiles(i) for i in range(g.n))
        # windows that tile the plane exactly: every element is written once below
        buf = be.empty(shape, dtype, index) if tiled else be.full(shape, 0, dtype, index)
        acc = g.overlapping()
        # tiled: each product goes straight into its strided slab (one pass, not two)
        into = getattr(be, "binary_into", None) if tiled and be.aliasing else None
        if into is not None:
            _, flat = be.as_buffer(buf)
            st = contig_strides(shape)
        for kk, m in zip(self.kks, self.masks(), strict=True):
            if into is not None and m is not None and into(
                    "mul", gy, m, _tap_view(be, flat, st, 0, self.nc, g, kk)):
                continue
            be.setitem(buf, _tap_key(g, kk),
                       gy if m is None else mask_mul(be, gy, m, dtype), acc)
        return buf

    def gather(self, v, dtype):
        """The padded C-contiguous native ``v`` (N, C, *Sp) read at the chosen taps."""
        be, g = self.be, self.g
        _, flat = be.as_buffer(v)
        st = contig_strides(self.nc + g.padded)
        slabs = [_tap_view(be, flat, st, 0, self.nc, g, kk) for kk in self.kks]
        return _pick(be, slabs, self.masks(), dtype)

    def local_index(self):
        """The chosen tap of each window, row-major over the kernel (int64)."""
        be = self.be
        if self.idx is None:
            return be.full(self.nc + self.g.out_sp, 0, ember.int64, self.index)
        return be.astype(self.idx, ember.int64)


def _pick(be, slabs, masks, dtype):
    """``sum_t slabs[t] * masks[t]``: each window's value at its chosen tap (a mask of None
    is a single tap, copied)."""
    res = None
    for sl, m in zip(slabs, masks, strict=True):
        term = be.copy(sl) if m is None else mask_mul(be, sl, m, dtype)
        res = term if res is None else be.add(res, term)
    return res


def _stage_scatter(ps, gy, dtype, index):
    """``gy`` (N, C, *O) routed back through the stages to the padded input (a native)."""
    be = ps.be
    cur = gy
    for stage in range(len(ps.stages) - 1, -1, -1):
        dim, in_shape, _ = ps.stages[stage]
        i = dim - 2
        g = ps.g
        acc = Geom((g.padded[i],), (g.k[i],), (g.s[i],), (g.d[i],), (0,), (0,),
                   (g.out_sp[i],)).overlapping()
        if g.tiles(i):
            # every element is written once below, so no zero fill first
            buf = be.empty(in_shape, dtype, index)
        else:
            buf = be.full(in_shape, 0, dtype, index)
        for t, m in enumerate(ps.tap_masks(stage)):
            key = [slice(None)] * len(in_shape)
            key[dim] = slice(t * g.d[i], t * g.d[i] + g.s[i] * (g.out_sp[i] - 1) + 1, g.s[i])
            be.setitem(buf, tuple(key), cur if m is None else mask_mul(be, cur, m, dtype), acc)
        cur = buf
    return cur


def _stage_gather(ps, v, dtype):
    """The padded native ``v`` (N, C, *Sp) read at the selected taps: (N, C, *O)."""
    be = ps.be
    cur, shape = v, list(ps.nc + ps.g.padded)
    for stage in range(len(ps.stages)):
        dim, in_shape, _ = ps.stages[stage]
        i = dim - 2
        g = ps.g
        k = (g.s[i], g.d[i], g.out_sp[i])
        slabs = [_dim_slab(be, cur, shape, dim, t, k) for t in range(g.k[i])]
        cur = _pick(be, slabs, ps.tap_masks(stage), dtype)
        shape[dim] = g.out_sp[i]
    return cur


def _stage_index(ps):
    """The selected tap of each window as a row-major index over the kernel (int64)."""
    be, g = ps.be, ps.g
    # per dim, the winning tap along that dim, carried to the output positions: the index
    # of stage j lives at the padded positions of the dims pooled after it; read it at the
    # taps those later stages selected
    local = None
    for j in range(len(ps.stages)):
        dim, _, idx = ps.stages[j]
        i = dim - 2
        if idx is None:
            k_i = be.full(ps.nc + g.out_sp, 0, ember.int64, ps.index)
        else:
            cur = be.astype(idx, ember.int64)
            shape = list(ps.stages[j][1])
            shape[dim] = g.out_sp[i]
            for later in range(j + 1, len(ps.stages)):
                ldim = ps.stages[later][0]
                li = ldim - 2
                k = (g.s[li], g.d[li], g.out_sp[li])
                slabs = [_dim_slab(be, cur, shape, ldim, t, k) for t in range(g.k[li])]
                cur = _pick(be, slabs, ps.tap_masks(later), ember.int64)
                shape[ldim] = g.out_sp[li]
            k_i = cur
        stride = _prod(g.k[i + 1:])
        term = be.mul(k_i, stride) if stride != 1 else k_i
        local = term if local is None else be.add(local, term)
    return local


class MaxPool(Op):
    """Window maximum of ``x`` (N, C, *S) and, on request, the tap that holds it
    (row-major over the kernel; the first one on ties, the last NaN, as PyTorch).

    NOTE [max pool ops]: the maximum is separable: a 1-D windowed maximum along each spatial
    dim in turn (``_PoolStages``), each a few vectorized ``maximum``/``gt`` calls over strided
    slabs, remembering which tap won per stage. On the cpu, windows of at most
    ``_TAP_SCAN_MAX`` taps (the common 2x2) scan the taps instead (``_PoolTaps``): each
    tap's slab is copied out once, and the comparisons run on contiguous arrays of the
    output's size (about 1.5-2x faster than the stages there, in three times as many
    kernel calls). The backward is ``MaxPoolGrad`` (route each
    gradient back through the stages to its tap), whose backward is ``MaxPoolSelect`` (read
    at the selected taps), whose backward is ``MaxPoolGrad`` again: gradients of any order
    stay in this set."""

    _node_name = "MaxPool2DWithIndicesBackward0"

    @staticmethod
    def forward(ctx, x, g, low, want_idx):
        need = bool(ctx.needs_input_grad)
        taps = _prod(g.k) <= _TAP_SCAN_MAX and x._storage.device.type == "cpu"
        scan = _PoolTaps if taps else _PoolStages
        ps = scan(x, g, low, want_idx or need)
        be = ps.be
        dev = x._storage.device
        out = _from_native(ps.out, be, dev, x._dtype)
        if need:
            ctx.ps, ctx.shape = ps, x._shape
        if not want_idx:
            return out
        idx = _from_native(ps.local_index(), be, dev, ember.int64)
        ctx.mark_non_differentiable(idx)
        return out, idx

    @staticmethod
    def backward(ctx, gv, gi=None):
        return MaxPoolGrad.apply(gv, ctx.ps, ctx.shape), None, None, None


class MaxPoolGrad(Op):
    """``gy`` (N, C, *O) scattered to the selected taps: the input gradient of ``MaxPool``
    (NOTE [max pool ops])."""

    _node_name = "MaxPool2DWithIndicesBackwardBackward0"

    @staticmethod
    def forward(ctx, gy, ps, shape):
        index = gy._storage.device.index
        gd = gy._data if gy.is_contiguous() else gy.contiguous()._data
        buf = ps.scatter(gd, gy._dtype, index)
        if ctx.needs_input_grad:
            ctx.ps = ps
        return _crop(ps.be, buf, ps.nc, ps.g, gy._dtype, index)

    @staticmethod
    def backward(ctx, ggx):
        return MaxPoolSelect.apply(ggx, ctx.ps), None, None


class MaxPoolSelect(Op):
    """``v`` (N, C, *S) read at the selected taps of each window: (N, C, *O), the adjoint
    of ``MaxPoolGrad`` (NOTE [max pool ops])."""

    _node_name = "MaxPool2DWithIndicesBackwardBackward0"

    @staticmethod
    def forward(ctx, v, ps):
        be, buf, st, off = pad_native(v, ps.g, 0)
        shape = ps.nc + ps.g.padded
        pv = be.view(buf, shape, st, off)
        if st != contig_strides(shape) or off:
            pv = be.copy(pv)
        if ctx.needs_input_grad:
            ctx.ps, ctx.shape = ps, v._shape
        return ps.gather(pv, v._dtype)

    @staticmethod
    def backward(ctx, gy):
        return MaxPoolGrad.apply(gy, ctx.ps, ctx.shape), None


def _stage_shapes(nc, g):
    """Input shapes of the per-dim stages of a separable window op (last dim first)."""
    shape = list(nc + g.padded)
    out = []
    for i in range(g.n - 1, -1, -1):
        out.append((2 + i, tuple(shape)))
        shape[2 + i] = g.out_sp[i]
    return out


class WindowSum(Op):
    """Sum of each window of ``x`` (N, C, *S), zero padded: (N, C, *O). Separable: a 1-D
    windowed sum per dim (NOTE [max pool ops] for the scheme). Backward: ``WindowSumGrad``."""

    _node_name = "AvgPool2DBackward0"

    @staticmethod
    def forward(ctx, x, g):
        be, buf, st, off = pad_native(x, g, 0)
        nc = x._shape[:2]
        shape = nc + g.padded
        cur = be.view(buf, shape, st, off)
        if st != contig_strides(shape) or off:
            cur = be.copy(cur)
        for dim, in_shape in _stage_shapes(nc, g):
            i = dim - 2
            k = (g.s[i], g.d[i], g.out_sp[i])
            res = _dim_slab(be, cur, in_shape, dim, 0, k)
            if g.k[i] == 1:
                res = be.copy(res)
            for t in range(1, g.k[i]):
                res = be.add(res, _dim_slab(be, cur, in_shape, dim, t, k))
            cur = res
        if ctx.needs_input_grad:
            ctx.g, ctx.nc = g, nc
        return cur

    @staticmethod
    def backward(ctx, gy):
        return WindowSumGrad.apply(gy, ctx.g, ctx.nc), None


class WindowSumGrad(Op):
    """Adjoint of ``WindowSum``: ``gy`` (N, C, *O) added to every tap of its window, the
    padding cropped: (N, C, *S)."""

    _node_name = "AvgPool2DBackwardBackward0"

    @staticmethod
    def forward(ctx, gy, g, nc):
        be = gy._storage._be
        index = gy._storage.device.index
        cur = gy._data if gy.is_contiguous() else gy.contiguous()._data
        for dim, in_shape in reversed(_stage_shapes(nc, g)):
            i = dim - 2
            buf = be.full(in_shape, 0, gy._dtype, index)
            acc = Geom((g.padded[i],), (g.k[i],), (g.s[i],), (g.d[i],), (0,), (0,),
                       (g.out_sp[i],)).overlapping()
            for t in range(g.k[i]):
                key = [slice(None)] * len(in_shape)
                key[dim] = slice(t * g.d[i], t * g.d[i] + g.s[i] * (g.out_sp[i] - 1) + 1,
                                 g.s[i])
                be.setitem(buf, tuple(key), cur, acc)
            cur = buf
        if ctx.needs_input_grad:
            ctx.g = g
        return _crop(be, cur, nc, g, gy._dtype, index)

    @staticmethod
    def backward(ctx, ggx):
        return WindowSum.apply(ggx, ctx.g), None, None


class MaxLast(Op):
    """``(values, indices)`` of the maximum over the last dim (first one on ties, NaN wins).
    Backward routes the gradient to the chosen position."""

    _node_name = "MaxBackward0"

    @staticmethod
    def forward(ctx, x):
        be = x._storage._be
        xd = x._data
        idx = be.argmax(xd, len(x._shape) - 1, True)
        vals = be.take_along_axis(xd, idx, len(x._shape) - 1)
        dev = x._storage.device
        shape = x._shape[:-1]
        vals = _from_native(vals, be, dev).reshape(shape)
        idx = _from_native(idx, be, dev).reshape(shape)
        ctx.save_for_backward(idx)
        ctx.k = x._shape[-1]
        ctx.mark_non_differentiable(idx)
        return vals, idx

    @staticmethod
    def backward(ctx, gv, gi):
        (idx,) = ctx.saved_tensors
        hit = idx.unsqueeze(-1) == ember.arange(ctx.k, device=idx.device)
        return ember.where(hit, gv.unsqueeze(-1), 0.0).to(gv.dtype)


# -- convolution ------------------------------------------------------------------------------

# NOTE [scratch buffers]: the convolution matrix (im2col) is the largest temporary of a
# convolution and has the same shape every step of a training loop. Fresh multi-megabyte
# allocations are costly (the OS maps and zeroes new pages on first touch), so the buffer is
# handed back after its last use (the weight gradient, or the forward when no weight
# gradient is needed) and reused by the next convolution of the same shape. At most one
# buffer per (backend, device, dtype, size) is kept, and at most _SCRATCH_KEYS sizes.
_SCRATCH = {}
_SCRATCH_KEYS = 16


def _scratch_take(be, dtype, index, size):
    key = (id(be), index, dtype, size)
    buf = _SCRATCH.pop(key, None)
    if buf is None:
        buf = be.empty((size,), dtype, index)
    return key, buf


def _scratch_give(key, buf):
    if key in _SCRATCH:
        return
    if len(_SCRATCH) >= _SCRATCH_KEYS:
        _SCRATCH.pop(next(iter(_SCRATCH)))
    _SCRATCH[key] = buf


class _Cols:
    """An im2col matrix: the native (N, G, Cg*K, L) view and its scratch buffer."""

    __slots__ = ("mat", "key", "buf")

    def __init__(self, mat, key, buf):
        self.mat, self.key, self.buf = mat, key, buf

    def release(self):
        if self.buf is not None:
            _scratch_give(self.key, self.buf)
            self.buf = self.mat = None


def _im2col(x, g, groups):
    """The convolution matrix of ``x`` (N, C, *S): a ``_Cols`` holding a C-contiguous
    native of shape (N, G, Cg*K, L) (NOTE [scratch buffers]), and the backend."""
    padbuf = []
    be, buf, st, off = pad_native(x, g, 0, padbuf)
    N, C = x._shape[:2]
    perm = _canon_perm("unfold", g.n)
    view = _win_native(be, buf, (N, C), st, off, g, perm)
    shape = (N, groups, C // groups * _prod(g.k), _prod(g.out_sp))
    size = _prod(shape)
    key, flat = _scratch_take(be, x._dtype, x._storage.device.index, size)
    vshape = (N, C) + g.k + g.out_sp
    flat = be.write(flat, vshape, contig_strides(vshape), 0, view)
    del view, buf
    for k, b in padbuf:
        _scratch_give(k, b)
    return _Cols(be.view(flat, shape, contig_strides(shape), 0), key, flat), be


def _mat(t, groups, order):
    """A weight (OC, Cg, *K) as (G, OCg, Cg*K) (``order='w'``) or its transpose
    (G, Cg*K, OCg) (``order='wT'``), as a native view."""
    be, buf, st, off = native_view(t if t.is_contiguous() else t.contiguous())
    oc = t._shape[0]
    rest = _prod(t._shape[1:])
    ocg = oc // groups
    if order == "w":
        return be.view(buf, (groups, ocg, rest), (ocg * rest, rest, 1), off)
    return be.view(buf, (groups, rest, ocg), (ocg * rest, 1, rest), off)


def _grouped(t, groups):
    """``t`` (N, OC, *O) as a native (N, G, OCg, L) view of a contiguous copy."""
    if not t.is_contiguous():
        t = t.contiguous()
    be, buf, st, off = native_view(t)
    N, OC = t._shape[:2]
    L = _prod(t._shape[2:])
    ocg = OC // groups
    return be.view(buf, (N, groups, ocg, L), (OC * L, ocg * L, L, 1), off)


class Conv(Op):
    """``conv(x, w) (+ b)``: x (N, C, *S), w (OC, C/G, *K) -> (N, OC, *O), one (batched)
    matmul over the window view (NOTE [conv ops])."""

    _node_name = "ConvolutionBackward0"

    @staticmethod
    def forward(ctx, x, w, b, g, groups):
        cols, be = _im2col(x, g, groups)                          # (N, G, Cg*K, L)
        out = be.matmul(_mat(w, groups, "w"), cols.mat)            # (N, G, OCg, L)
        N, OC = x._shape[0], w._shape[0]
        L = _prod(g.out_sp)
        _, flat = be.as_buffer(out)
        if b is not None:
            out2 = be.view(flat, (N, OC, L), (OC * L, L, 1), 0)
            bv = be.view(b._buffer(), (OC, 1), (b._strides()[0], 0), b._offset)
            if L > 1:
                # the bias laid out once per output plane (OC, L): adding it then broadcasts
                # over the batch only, with contiguous inner loops (a stride-0 inner operand
                # takes NumPy's slower scalar loop, ~2x for the whole output)
                bv = be.add(be.full((OC, L), 0, x._dtype, x._storage.device.index), bv)
            if be.aliasing:          # add in place into the fresh matmul result
                be.setitem(out2, (slice(None),) * 3, bv, True)
            else:
                _, flat = be.as_buffer(be.add(out2, bv))
        shape = (N, OC) + g.out_sp
        res = be.view(flat, shape, contig_strides(shape), 0)
        need = ctx.needs_input_grad
        if need:
            ctx.save_for_backward(x, w)
            ctx.g, ctx.groups = g, groups
            ctx.has_b = b is not None
            if need[1]:
                ctx.cols = cols
                return res
        cols.release()
        return res

    @staticmethod
    def backward(ctx, gy):
        x, w = ctx.saved_tensors
        need = ctx.needs_input_grad
        gx = gw = gb = None
        if need[0]:
            gx = ConvInputGrad.apply(gy, w, ctx.g, ctx.groups, x._shape[:2])
        if need[1]:
            cols, ctx.cols = ctx.cols, None
            gw = ConvWeightGrad.apply(x, gy, ctx.g, ctx.groups, w._shape, cols)
        if ctx.has_b and need[2]:
            gb = gy.sum((0,) + tuple(range(2, gy.dim())))
        return gx, gw, gb, None, None


def _input_grad_wide(be, gy, w, g, groups, nc, dtype, index):
    """Conv input gradient for stride 1 (any dilation): the flat-shift form.

    NOTE [wide col2im]: with stride 1 the window tap ``kk`` of output position ``o`` is the
    input position ``o + kk * d``; flattening the padded spatial dims makes that a constant
    shift ``s_kk`` of the flat index. ``gy`` is embedded (zeros elsewhere) in a channel-major
    ``(OC, N * Lp)`` layout with ``Lp`` the padded plane size; one matmul gives the slabs
    ``(C, *K, N * Lp)`` and each kernel offset adds one long contiguous run, shifted by
    ``s_kk``, into the padded gradient. Positions that are not outputs hold zeros, so what
    spills across image borders adds nothing."""
    N, C = nc
    OC = gy._shape[1]
    sp = g.padded
    lp = _prod(sp)
    spst = contig_strides(sp)
    ebe, gbuf, gst, goff = native_view(gy)
    src = be.view(gbuf, gy._shape, gst, goff)
    key, gcm = _scratch_take(be, dtype, index, OC * N * lp)
    gcm = be.write(gcm, (OC * N * lp,), (1,), 0, 0)
    gcm = be.write(gcm, gy._shape, (lp, N * lp) + spst, 0, src)
    ocg = OC // groups
    gm = be.view(gcm, (groups, ocg, N * lp), (ocg * N * lp, N * lp, 1), 0)
    cg = be.matmul(_mat(w, groups, "wT"), gm)                    # (G, Cg*K, N*Lp)
    del gm
    _scratch_give(key, gcm)
    _, cflat = be.as_buffer(cg)
    kk_n = _prod(g.k)
    margin = sum((k - 1) * d * s for k, d, s in zip(g.k, g.d, spst, strict=False))
    gx = be.full((C, N * lp + margin), 0, dtype, index)
    for j, kk in enumerate(itertools.product(*(range(k) for k in g.k))):
        shift = sum(a * d * s for a, d, s in zip(kk, g.d, spst, strict=False))
        slab = be.view(cflat, (C, N * lp), (kk_n * N * lp, 1), j * N * lp)
        be.setitem(gx, (slice(None), slice(shift, shift + N * lp)), slab, True)
    _, flat = be.as_buffer(gx)
    off = sum(a * s for a, s in zip(g.plo, spst, strict=False))
    return be.view(flat, nc + g.in_sp, (lp, N * lp + margin) + spst, off)


class ConvInputGrad(Op):
    """The adjoint of ``Conv`` in its input (the transposed convolution): gy (N, OC, *O),
    w (OC, C/G, *K) -> (N, C, *S) with S = ``g.in_sp``."""

    _node_name = "ConvolutionBackward0"

    @staticmethod
    def forward(ctx, gy, w, g, groups, nc):
        be = gy._storage._be
        index = gy._storage.device.index
        if ctx.needs_input_grad:
            ctx.save_for_backward(gy, w)
            ctx.g, ctx.groups = g, groups
        if all(s == 1 for s in g.s):
            return _input_grad_wide(be, gy, w, g, groups, nc, gy._dtype, index)
        N, C = nc
        cg = be.matmul(_mat(w, groups, "wT"), _grouped(gy, groups))    # (N, G, Cg*K, L)
        _, cflat = be.as_buffer(cg)
        cshape = (N, C) + g.k + g.out_sp
        buf = _col2im(be, cflat, contig_strides(cshape), 0, g, "unfold", nc, gy._dtype, index)
        return _crop(be, buf, nc, g, gy._dtype, index)

    @staticmethod
    def backward(ctx, ggx):
        gy, w = ctx.saved_tensors
        need = ctx.needs_input_grad
        a = Conv.apply(ggx, w, None, ctx.g, ctx.groups) if need[0] else None
        b = ConvWeightGrad.apply(ggx, gy, ctx.g, ctx.groups, w._shape, None) if need[1] else None
        return a, b, None, None, None


class ConvWeightGrad(Op):
    """The adjoint of ``Conv`` in its weight: x (N, C, *S), gy (N, OC, *O) -> (OC, C/G, *K).
    ``cols`` (optional) is the forward's convolution matrix of ``x``, reused."""

    _node_name = "ConvolutionBackward0"

    @staticmethod
    def forward(ctx, x, gy, g, groups, wshape, cols=None):
        if cols is None or cols.mat is None:
            cols, be = _im2col(x, g, groups)
        else:
            be = x._storage._be
        N, G, K, L = cols.mat.shape
        gyc = gy if gy.is_contiguous() else gy.contiguous()
        _, gbuf, _, goff = native_view(gyc)
        OC = gy._shape[1]
        ocg = OC // groups
        gyT = be.view(gbuf, (N, G, L, ocg), (OC * L, ocg * L, 1, L), goff)
        # sum_n cols_n @ gy_n^T, then transposed: OpenBLAS is faster this way round
        gwT = be.sum(be.matmul(cols.mat, gyT), (0,), False)             # (G, Cg*K, OCg)
        cols.release()
        _, tflat = be.as_buffer(gwT)
        gw = be.copy(be.view(tflat, (G, ocg, K), (K * ocg, 1, ocg), 0))
        _, flat = be.as_buffer(gw)
        if ctx.needs_input_grad:
            ctx.save_for_backward(x, gy)
            ctx.g, ctx.groups = g, groups
        return be.view(flat, tuple(wshape), contig_strides(wshape), 0)

    @staticmethod
    def backward(ctx, ggw):
        x, gy = ctx.saved_tensors
        need = ctx.needs_input_grad
        a = ConvInputGrad.apply(gy, ggw, ctx.g, ctx.groups, x._shape[:2]) if need[0] else None
        b = Conv.apply(x, ggw, None, ctx.g, ctx.groups) if need[1] else None
        return a, b, None, None, None, None
