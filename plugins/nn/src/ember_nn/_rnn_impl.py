"""The recurrence of RNN, LSTM and GRU layers (private to ember-nn).

NOTE [fused RNN scan]: one layer and direction of a recurrent network over a whole sequence
is one ``autograd.Function``, ``_Scan``. Its forward works directly on the backend's
primitives: first the input projections of all time steps at once (``gx = x @ W_ih^T + b``,
one matmul over every (time, batch) row), then the time loop, where each step does one
matmul ``h @ W_hh^T`` giving all gates together and the gates' pointwise math. It keeps what
backward needs. Its backward is the hand-derived backpropagation through time, one matmul per
step plus pointwise work; the gradients of ``W_ih``, ``W_hh``, the biases and the input are
then each one matmul (or sum) over all steps. A graph of fine-grained ops would cost ~15
framework calls per step each way; this costs one per layer.

A backend may run the whole LSTM recurrence itself: with the optional members
``lstm_scan_forward``/``lstm_scan_backward`` (NOTE [fused LSTM scan kernel] in
``ember.backend``; the NumPy backend has them) ``_Scan`` hands them the layer's natives and
gets back the outputs, then the gradients of every input; without them, or when the kernel
declines (returns ``NotImplemented``: a dtype or layout it does not handle), the loop below
runs. ``USE_KERNELS = False`` forces the loop below (tests, benchmarks).

Higher-order gradients: when backward runs with ``create_graph=True`` the fused kernel is not
used. ``_Scan.backward`` then re-runs the recurrence with composite ember ops
(``scan_composite``, built from the documented cell functions ``lstm_cell`` ...) from the saved
inputs and differentiates that graph with ``autograd.grad(create_graph=True)``: the gradients
are differentiable, to any order, exactly as if the layer had been written op by op.

Sequences of unequal length (``PackedSequence``) share the code path: rows of the flat input
are ordered time-major and step ``t`` uses the first ``batch_sizes[t]`` rows of the state (the
batch is sorted by decreasing length). Going forward in time the state shrinks and the rows
that drop out are final states; in the reverse direction it grows and the new rows start from
``h0``. A dense batch is the special case of a constant batch size.

NOTE [LSTM gates]: the LSTM's gate pre-activations are computed negated, the g gate's also
doubled (a power-of-two scaling of ``W_ih``, ``W_hh`` and the bias: exact), so one ``exp`` over
the whole (batch, 4*hidden) block gives ``s = sigmoid(.)`` of every gate: i, f, o are ``s`` and
``g = tanh(v) = 2 sigmoid(2v) - 1``. Then ``ds/dv = s (1 - s)`` (4x that for the g block).
The exponent is capped at 80 (where ``s`` is already 0 in every float type) so it never
overflows.
"""

from __future__ import annotations

import ember
from ember.autograd import Function

from ._util import const_native

__all__ = []

GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}

#: set to False to make the scan ignore the backends' fused LSTM kernel (tests, benchmarks)
USE_KERNELS = True

# input slots of _Scan
_X, _WIH, _BIH, _WHH, _BHH, _WHR, _H0, _C0 = range(8)


# -- native helpers --------------------------------------------------------------------------

def _native(t):
    """The native array of a tensor, C-contiguous."""
    return t.contiguous()._data


def _flat(be, x):
    """``(c, flat)``: a C-contiguous 2-D native and its 1-D alias."""
    return be.as_buffer(x)


def _rows(be, flat, width, a, b):
    """Rows ``a:b`` of the (n, width) array whose 1-D alias is ``flat`` (a view)."""
    return be.view(flat, (b - a, width), (width, 1), a * width)


def _T(be, x):
    """The transpose of a 2-D native (a view of a C-contiguous copy)."""
    c, flat = be.as_buffer(x)
    r, k = c.shape
    return be.view(flat, (k, r), (1, k), 0)


def _vec(be, dt, idx, parts):
    """A 1-D native made of ``(length, value)`` runs (cached: these are constants)."""
    return const_native(("runs", id(be), dt, idx, tuple(parts)), lambda: be.concat(
        [be.full((n,), val, dt, idx) for n, val in parts], 0))


def _cat(be, arrs):
    return arrs[0] if len(arrs) == 1 else be.concat(arrs, 0)


def _into(be):
    """The backend's optional in-place kernel ``binary_into`` (NOTE [in-place kernels] in
    ``ember.backend``), or None: with it the backward writes each step's gate gradients
    straight into one preallocated array instead of concatenating pieces."""
    return getattr(be, "binary_into", None) if be.aliasing else None


def _assemble(be, pieces, cols, dt, idx, total):
    """Join ``(row_start, array)`` pieces into ``total`` rows (zeros where no piece is)."""
    pieces = sorted(pieces, key=lambda p: p[0])
    out, at = [], 0
    for start, arr in pieces:
        if start > at:
            out.append(be.full((start - at, cols), 0, dt, idx))
        out.append(arr)
        at = start + arr.shape[0]
    if at < total:
        out.append(be.full((total - at, cols), 0, dt, idx))
    return _cat(be, out)


class _Steps:
    """The schedule of one scan: batch size and row offset of every time step, and the
    order in which the steps run."""

    def __init__(self, batch_sizes, reverse):
        self.bs = list(batch_sizes)
        self.off = []
        n = 0
        for b in self.bs:
            self.off.append(n)
            n += b
        self.rows = n
        self.order = list(range(len(self.bs)))
        if reverse:
            self.order.reverse()
        self.reverse = reverse


# -- cell kernels on natives -----------------------------------------------------------------

class _Kernel:
    """What every mode shares: the input projection and its gradients."""

    S = None          # column scaling of the projections (LSTM only)
    fold_b_hh = True  # b_hh joins the input projection (all modes but GRU)

    def __init__(self, be, H, G, x, w_ih, b_ih, b_hh):
        self.be, self.H, self.G = be, H, G
        self.x = _native(x)
        self.w_ih = _native(w_ih)
        b = None if b_ih is None else _native(b_ih)
        if self.fold_b_hh and b_hh is not None:
            b = _native(b_hh) if b is None else be.add(b, _native(b_hh))
        self.b = b

    def project(self):
        be = self.be
        w = _T(be, self.w_ih)
        b = self.b
        if self.S is not None:
            w = be.mul(w, self.S)
            b = None if b is None else be.mul(b, self.S)
        gx = be.matmul(self.x, w)
        return gx if b is None else be.add(gx, b)

    def finish_input(self, dgx, needs, out):
        be = self.be
        if needs[_X]:
            out[_X] = be.matmul(dgx, self.w_ih)
        if needs[_WIH]:
            out[_WIH] = be.matmul(_T(be, dgx), self.x)
        fold = self.fold_b_hh and needs[_BHH]
        if needs[_BIH] or fold:
            db = be.sum(dgx, (0,), False)
            if needs[_BIH]:
                out[_BIH] = db
            if fold:
                out[_BHH] = db


class _LSTMKernel(_Kernel):
    def __init__(self, be, dt, idx, H, x, w_ih, b_ih, w_hh, b_hh, w_hr):
        super().__init__(be, H, 4 * H, x, w_ih, b_ih, b_hh)
        self.dt, self.idx = dt, idx
        self.S = _vec(be, dt, idx, [(2 * H, -1.0), (H, -2.0), (H, -1.0)])
        self.w_hh = _native(w_hh)                          # (4H, P)
        self.whhT = be.mul(_T(be, self.w_hh), self.S)      # (P, 4H), pre-scaled
        self.w_hr = None if w_hr is None else _native(w_hr)  # (P, H)
        self.whrT = None if w_hr is None else _T(be, self.w_hr)

    def fwd(self, xg, state, keep):
        be, H = self.be, self.H
        h, c = state
        s = be.div(1.0, be.add(be.exp(be.minimum(be.add(xg, be.matmul(h, self.whhT)), 80.0)),
                               1.0))
        flat = be.as_buffer(s)[1]
        r, W, view = s.shape[0], 4 * H, be.view
        i = view(flat, (r, H), (W, 1), 0)
        f = view(flat, (r, H), (W, 1), H)
        g = be.sub(be.mul(view(flat, (r, H), (W, 1), 2 * H), 2.0), 1.0)
        o = view(flat, (r, H), (W, 1), 3 * H)
        c2 = be.add(be.mul(f, c), be.mul(i, g))
        tc = be.tanh(c2)
        hh = be.mul(o, tc)
        h2 = hh if self.whrT is None else be.matmul(hh, self.whrT)
        return [h2, c2], h2, ((s, i, f, g, o, tc, c, hh) if keep else None)

    def bwd(self, dstate, saved, acc, out=None):
        be = self.be
        mul = be.mul
        dh, dc = dstate
        s, i, f, g, o, tc, c_prev, hh = saved
        if self.w_hr is not None:
            acc.append((dh, hh))
            dh = be.matmul(dh, self.w_hr)
        dc = be.add(dc, mul(mul(dh, o), be.sub(1.0, mul(tc, tc))))
        into = None if out is None else _into(be)
        if into is None:
            da = be.concat([mul(dc, g), mul(dc, c_prev), mul(mul(dc, i), 4.0), mul(dh, tc)], 1)
            dz = mul(da, mul(s, be.sub(1.0, s)))
        else:
            # the same products, written into a reused (rows, 4H) array and then into the
            # step's rows of the preallocated gate gradient ``out``
            r, H = dc.shape[0], self.H
            W = 4 * H
            da_flat = self._scratch(r * W)
            view = be.view
            into("mul", dc, g, view(da_flat, (r, H), (W, 1), 0))
            into("mul", dc, c_prev, view(da_flat, (r, H), (W, 1), H))
            into("mul", mul(dc, i), 4.0, view(da_flat, (r, H), (W, 1), 2 * H))
            into("mul", dh, tc, view(da_flat, (r, H), (W, 1), 3 * H))
            into("mul", view(da_flat, (r, W), (W, 1), 0), mul(s, be.sub(1.0, s)), out)
            dz = out
        return [be.matmul(dz, self.w_hh), mul(dc, f)], dz, None

    def _scratch(self, n):
        buf = getattr(self, "_da", None)
        if buf is None or buf.shape[0] < n:
            buf = self._da = self.be.empty((n,), self.dt, self.idx)
        return buf

    def finish(self, dgx, dgh, hprev, acc, needs, out):
        be = self.be
        if needs[_WHH]:
            out[_WHH] = be.matmul(_T(be, dgx), hprev)
        if needs[_WHR]:
            dhr = _cat(be, [a for a, _ in acc])
            out[_WHR] = be.matmul(_T(be, dhr), _cat(be, [b for _, b in acc]))


class _GRUKernel(_Kernel):
    fold_b_hh = False

    def __init__(self, be, dt, idx, H, x, w_ih, b_ih, w_hh, b_hh):
        super().__init__(be, H, 3 * H, x, w_ih, b_ih, b_hh)
        self.w_hh = _native(w_hh)                          # (3H, H)
        self.whhT = _T(be, self.w_hh)
        self.b_hh = None if b_hh is None else _native(b_hh)

    def fwd(self, xg, state, keep):
        be, H = self.be, self.H
        (h,) = state
        gh = be.matmul(h, self.whhT)
        if self.b_hh is not None:
            gh = be.add(gh, self.b_hh)
        r_, W, view = h.shape[0], 3 * H, be.view
        xflat, hflat = be.as_buffer(xg)[1], be.as_buffer(gh)[1]
        rz = be.sigmoid(be.add(view(xflat, (r_, 2 * H), (W, 1), 0),
                               view(hflat, (r_, 2 * H), (W, 1), 0)))
        rzflat = be.as_buffer(rz)[1]
        r = view(rzflat, (r_, H), (2 * H, 1), 0)
        z = view(rzflat, (r_, H), (2 * H, 1), H)
        ghn = view(hflat, (r_, H), (W, 1), 2 * H)
        n = be.tanh(be.add(view(xflat, (r_, H), (W, 1), 2 * H), be.mul(r, ghn)))
        h2 = be.add(n, be.mul(z, be.sub(h, n)))
        return [h2], h2, ((rz, r, z, n, ghn, h) if keep else None)

    def bwd(self, dstate, saved, acc):
        be = self.be
        mul, sub = be.mul, be.sub
        (dh,) = dstate
        rz, r, z, n, ghn, h_prev = saved
        dpn = mul(mul(dh, sub(1.0, z)), sub(1.0, mul(n, n)))
        drz = mul(be.concat([mul(dpn, ghn), mul(dh, sub(h_prev, n))], 1),
                  mul(rz, sub(1.0, rz)))
        dgh = be.concat([drz, mul(dpn, r)], 1)
        return [be.add(mul(dh, z), be.matmul(dgh, self.w_hh))], be.concat([drz, dpn], 1), dgh

    def finish(self, dgx, dgh, hprev, acc, needs, out):
        be = self.be
        if needs[_WHH]:
            out[_WHH] = be.matmul(_T(be, dgh), hprev)
        if needs[_BHH]:
            out[_BHH] = be.sum(dgh, (0,), False)


class _RNNKernel(_Kernel):
    def __init__(self, be, dt, idx, H, x, w_ih, b_ih, w_hh, b_hh, relu):
        super().__init__(be, H, H, x, w_ih, b_ih, b_hh)
        self.relu = relu
        self.w_hh = _native(w_hh)
        self.whhT = _T(be, self.w_hh)

    def fwd(self, xg, state, keep):
        be = self.be
        pre = be.add(xg, be.matmul(state[0], self.whhT))
        h2 = be.maximum(pre, 0) if self.relu else be.tanh(pre)
        return [h2], h2, (h2 if keep else None)

    def bwd(self, dstate, h2, acc):
        be = self.be
        dh = dstate[0]
        if self.relu:
            dz = be.where(be.gt(h2, 0), dh, 0)
        else:
            dz = be.mul(dh, be.sub(1.0, be.mul(h2, h2)))
        return [be.matmul(dz, self.w_hh)], dz, None

    def finish(self, dgx, dgh, hprev, acc, needs, out):
        if needs[_WHH]:
            out[_WHH] = self.be.matmul(_T(self.be, dgx), hprev)


def _kernel(mode, be, dt, idx, H, x, w_ih, b_ih, w_hh, b_hh, w_hr):
    if mode == "LSTM":
        return _LSTMKernel(be, dt, idx, H, x, w_ih, b_ih, w_hh, b_hh, w_hr)
    if mode == "GRU":
        return _GRUKernel(be, dt, idx, H, x, w_ih, b_ih, w_hh, b_hh)
    return _RNNKernel(be, dt, idx, H, x, w_ih, b_ih, w_hh, b_hh, mode == "RNN_RELU")


# -- the fused scan ---------------------------------------------------------------------------

class _Scan(Function):
    """One layer and direction of a recurrent network over a whole (packed) sequence.

    Inputs: ``x`` (rows, in) time-major rows, ``w_ih`` (G*hidden, in), ``b_ih``, ``w_hh``
    (G*hidden, state), ``b_hh`` (biases (G*hidden,) or None), ``w_hr`` (LSTM projection
    (proj, hidden) or None), ``h0`` (batch, state) and ``c0`` (LSTM: (batch, hidden)), None
    meaning zeros, then ``mode``, ``batch_sizes`` (list of ints) and ``reverse``.
    Outputs: ``out`` (rows, state), ``h_n`` (batch, state) and for LSTM ``c_n``.
    """

    _node_name = "ScanBackward0"

    @staticmethod
    def forward(ctx, x, w_ih, b_ih, w_hh, b_hh, w_hr, h0, c0, mode, batch_sizes, reverse):
        st = x._storage
        be, idx, dt = st._be, st.device.index, x._dtype
        H = w_ih._shape[0] // GATES[mode]
        steps = _Steps(batch_sizes, reverse)
        keep = any(ctx.needs_input_grad)
        ctx.fused = None
        if mode == "LSTM" and USE_KERNELS and getattr(be, "lstm_scan_forward", None) is not None:
            res = _lstm_fused_forward(ctx, be, steps, keep, x, w_ih, b_ih, w_hh, b_hh, w_hr,
                                      h0, c0)
            if res is not NotImplemented:
                return res
        k = _kernel(mode, be, dt, idx, H, x, w_ih, b_ih, w_hh, b_hh, w_hr)
        gflat = be.as_buffer(k.project())[1]
        G = k.G
        B = steps.bs[0] if steps.bs else 0
        P = w_hh._shape[1]
        init = [be.full((B, P), 0, dt, idx) if h0 is None else _native(h0)]
        if mode == "LSTM":
            init.append(be.full((B, H), 0, dt, idx) if c0 is None else _native(c0))
        B = init[0].shape[0]
        bsz, off = steps.bs, steps.off
        state, m = None, 0
        finals, outs = [], [None] * len(bsz)
        saves = [None] * len(bsz) if keep else None
        fwd = k.fwd
        for t in steps.order:
            bs = bsz[t]
            if bs != m:
                if state is None:
                    state = [_rows(be, be.as_buffer(s)[1], s.shape[1], 0, bs) for s in init]
                elif bs < m:
                    finals.append((bs, [_sub(be, s, bs, m) for s in state]))
                    state = [_sub(be, s, 0, bs) for s in state]
                else:
                    state = [be.concat([s, _sub(be, s0, m, bs)], 0)
                             for s, s0 in zip(state, init, strict=True)]
                m = bs
            h_prev = state[0]
            state, outs[t], saved = fwd(_rows(be, gflat, G, off[t], off[t] + bs), state, keep)
            if keep:
                saves[t] = (h_prev, saved)
        finals.append((0, state))
        res = [_cat(be, outs)]
        for j in range(len(init)):
            res.append(_assemble(be, [(s, f[j]) for s, f in finals], init[j].shape[1], dt,
                                 idx, B))
        if keep:
            ctx.save_for_backward(x, w_ih, b_ih, w_hh, b_hh, w_hr, h0, c0)
            ctx.scan = (k, steps, saves, mode, B)
        return tuple(res)

    @staticmethod
    def backward(ctx, *grads):
        inputs = ctx.saved_tensors
        if ember.is_grad_enabled():
            return _recompute_backward(ctx, grads, inputs)
        res = _ScanGrad.apply(ctx, *grads)
        return (*res, None, None, None)


def _sub(be, x, a, b):
    """Rows ``a:b`` of a C-contiguous 2-D native."""
    return _rows(be, be.as_buffer(x)[1], x.shape[1], a, b)


class _ScanGrad(Function):
    """The backpropagation through time of ``_Scan`` (run without a graph: see NOTE [fused
    RNN scan] for how higher-order gradients are made)."""

    _node_name = "ScanBackwardBackward0"

    @staticmethod
    def forward(_, ctx, *grads):
        if ctx.fused is not None:
            return _lstm_fused_backward(ctx, grads)
        k, steps, saves, mode, B = ctx.scan
        needs = ctx.needs_input_grad
        be = k.be
        gout = _native(grads[0])
        oflat, ow = be.as_buffer(gout)[1], gout.shape[1]
        gfin = [_native(g) for g in grads[1:]]
        bsz, off, order = steps.bs, steps.off, steps.order
        n = len(bsz)
        dgx, dgh, hprev = [None] * n, [None] * n, [None] * n
        acc, d0 = [], []
        dstate = None
        bwd, add = k.bwd, be.add
        G = k.G
        # LSTM: every step's gate gradients go into one preallocated array (no concat)
        dflat = None
        if mode == "LSTM" and _into(be) is not None:
            dflat = be.empty((steps.rows * G,), grads[0]._dtype, grads[0]._storage.device.index)
        for j in range(n - 1, -1, -1):
            t = order[j]
            bs = bsz[t]
            if dstate is None:
                dstate = [_sub(be, g, 0, bs) for g in gfin]
            dstate[0] = add(dstate[0], _rows(be, oflat, ow, off[t], off[t] + bs))
            h_prev, saved = saves[t]
            if dflat is None:
                dstate, dgx[t], dgh[t] = bwd(dstate, saved, acc)
            else:
                dstate, dgx[t], dgh[t] = bwd(dstate, saved, acc,
                                             _rows(be, dflat, G, off[t], off[t] + bs))
            hprev[t] = h_prev
            m = bsz[order[j - 1]] if j > 0 else 0
            if bs < m:
                dstate = [be.concat([d, _sub(be, g, bs, m)], 0)
                          for d, g in zip(dstate, gfin, strict=True)]
            elif bs > m:
                d0.append((m, [_sub(be, d, m, bs) for d in dstate]))
                dstate = [_sub(be, d, 0, m) for d in dstate]
        dgx = _cat(be, dgx) if dflat is None else be.view(dflat, (steps.rows, G), (G, 1), 0)
        out = [None] * 8
        k.finish_input(dgx, needs, out)
        k.finish(dgx, _cat(be, dgh) if dgh[0] is not None else None, _cat(be, hprev), acc,
                 needs, out)
        dt, idx = grads[0]._dtype, grads[0]._storage.device.index
        for j, slot in enumerate((_H0, _C0)[:len(gfin)]):
            if needs[slot]:
                out[slot] = _assemble(be, [(s, p[j]) for s, p in d0], gfin[j].shape[1], dt,
                                      idx, B)
        return tuple(out)

    @staticmethod
    def backward(ctx, *gg):
        raise RuntimeError("the fused RNN backward kernel is not differentiable itself; run "
                           "the outer backward with create_graph=True to get differentiable "
                           "gradients")


def _lstm_fused_forward(ctx, be, steps, keep, x, w_ih, b_ih, w_hh, b_hh, w_hr, h0, c0):
    """``_Scan.forward`` of an LSTM through the backend's fused kernel (NOTE [fused LSTM scan
    kernel] in ``ember.backend``), or ``NotImplemented`` when the kernel declines."""
    b = None if b_ih is None else _native(b_ih)
    if b_hh is not None:
        b = _native(b_hh) if b is None else be.add(b, _native(b_hh))
    res = be.lstm_scan_forward(_native(x), _native(w_ih), b, _native(w_hh),
                               None if w_hr is None else _native(w_hr),
                               None if h0 is None else _native(h0),
                               None if c0 is None else _native(c0),
                               steps.bs, steps.reverse, keep)
    if res is NotImplemented:
        return res
    out, h_n, c_n, saved = res
    if keep:
        ctx.save_for_backward(x, w_ih, b_ih, w_hh, b_hh, w_hr, h0, c0)
        ctx.scan = (None, steps, None, "LSTM", h_n.shape[0])
        ctx.fused = saved
    return out, h_n, c_n


def _lstm_fused_backward(ctx, grads):
    """``_ScanGrad.forward`` for a scan run by the fused LSTM kernel: the kernel does the whole
    backpropagation through time and the weights' gradients."""
    x = ctx.saved_tensors[0]           # (checks that no saved input changed in place)
    be = x._storage._be
    n = ctx.needs_input_grad
    dx, dw_ih, db, dw_hh, dw_hr, dh0, dc0 = be.lstm_scan_backward(
        ctx.fused, *(_native(g) for g in grads),
        (n[_X], n[_WIH], n[_BIH] or n[_BHH], n[_WHH], n[_WHR], n[_H0], n[_C0]))
    return (dx, dw_ih, db if n[_BIH] else None, dw_hh, db if n[_BHH] else None, dw_hr, dh0,
            dc0)


def _recompute_backward(ctx, grads, inputs):
    """Gradients of the scan as a differentiable graph (``create_graph=True``)."""
    _, steps, _, mode, _ = ctx.scan
    needs = ctx.needs_input_grad
    with ember.enable_grad():
        outs = scan_composite(mode, *inputs, steps.bs, steps.reverse)
    wrt = [x for x, n in zip(inputs, needs[:8], strict=True) if n]
    used = [(o, g) for o, g in zip(outs, grads, strict=True) if g is not None]
    gs = ember.autograd.grad([o for o, _ in used], wrt, [g for _, g in used],
                             create_graph=True, allow_unused=True)
    it = iter(gs)
    res = [next(it) if n else None for n in needs[:8]]
    return (*res, None, None, None)


def scan(mode, x, w_ih, b_ih, w_hh, b_hh, w_hr, h0, c0, batch_sizes, reverse):
    """Run one layer and direction over time-major rows ``x``; returns ``(out, h_n)`` or,
    for LSTM, ``(out, h_n, c_n)``. See ``_Scan`` for the arguments."""
    return _Scan.apply(x, w_ih, b_ih, w_hh, b_hh, w_hr, h0, c0, mode, list(batch_sizes),
                       bool(reverse))


# -- composite (op-by-op) recurrence -----------------------------------------------------------

def lstm_cell(gx, h, c, w_hh, w_hr=None):
    """One LSTM step from the input projection ``gx`` (batch, 4*hidden, biases included):
    gates ``i, f, g, o`` in PyTorch's order; returns ``(h', c')``."""
    H = c.shape[-1]
    z = gx + h.matmul(w_hh.t())
    i = z.narrow(1, 0, H).sigmoid()
    f = z.narrow(1, H, H).sigmoid()
    g = z.narrow(1, 2 * H, H).tanh()
    o = z.narrow(1, 3 * H, H).sigmoid()
    c2 = f * c + i * g
    h2 = o * c2.tanh()
    if w_hr is not None:
        h2 = h2.matmul(w_hr.t())
    return h2, c2


def gru_cell(gx, h, w_hh, b_hh=None):
    """One GRU step from ``gx = x @ W_ih^T + b_ih`` (batch, 3*hidden); returns ``h'``."""
    H = h.shape[-1]
    gh = h.matmul(w_hh.t())
    if b_hh is not None:
        gh = gh + b_hh
    r = (gx.narrow(1, 0, H) + gh.narrow(1, 0, H)).sigmoid()
    z = (gx.narrow(1, H, H) + gh.narrow(1, H, H)).sigmoid()
    n = (gx.narrow(1, 2 * H, H) + r * gh.narrow(1, 2 * H, H)).tanh()
    return n + z * (h - n)


def rnn_cell(gx, h, w_hh, relu=False):
    """One Elman step from ``gx`` (biases included); returns ``h'``."""
    pre = gx + h.matmul(w_hh.t())
    return pre.relu() if relu else pre.tanh()


def scan_composite(mode, x, w_ih, b_ih, w_hh, b_hh, w_hr, h0, c0, batch_sizes, reverse):
    """``scan`` written op by op (differentiable to any order)."""
    steps = _Steps(batch_sizes, reverse)
    gx = x.matmul(w_ih.t())
    if b_ih is not None:
        gx = gx + b_ih
    if mode != "GRU" and b_hh is not None:
        gx = gx + b_hh
        b_hh = None
    B = steps.bs[0] if steps.bs else 0
    if h0 is None:
        h0 = ember.zeros((B, w_hh.shape[1]), dtype=x.dtype, device=x.device)
    if mode == "LSTM" and c0 is None:
        c0 = ember.zeros((B, w_hh.shape[0] // 4), dtype=x.dtype, device=x.device)
    init = [h0] + ([c0] if mode == "LSTM" else [])
    B = h0.shape[0]
    state, m = None, 0
    finals, outs = [], [None] * len(steps.bs)
    for t in steps.order:
        bs = steps.bs[t]
        if state is None:
            state = [s.narrow(0, 0, bs) for s in init]
        elif bs < m:
            finals.append((bs, [s.narrow(0, bs, m - bs) for s in state]))
            state = [s.narrow(0, 0, bs) for s in state]
        elif bs > m:
            state = [ember.cat([s, s0.narrow(0, m, bs - m)], 0)
                     for s, s0 in zip(state, init, strict=True)]
        m = bs
        xg = gx.narrow(0, steps.off[t], bs)
        if mode == "LSTM":
            state = list(lstm_cell(xg, state[0], state[1], w_hh, w_hr))
        elif mode == "GRU":
            state = [gru_cell(xg, state[0], w_hh, b_hh)]
        else:
            state = [rnn_cell(xg, state[0], w_hh, mode == "RNN_RELU")]
        outs[t] = state[0]
    finals.append((0, state))
    finals.sort(key=lambda p: p[0])
    res = [outs[0] if len(outs) == 1 else ember.cat(outs, 0)]
    for j in range(len(init)):
        parts = [f[j] for _, f in finals]
        last = finals[-1][0] + parts[-1].shape[0]
        if last < B:
            parts.append(ember.zeros(B - last, init[j].shape[1], dtype=h0.dtype,
                                     device=h0.device))
        res.append(parts[0] if len(parts) == 1 else ember.cat(parts, 0))
    return tuple(res)
