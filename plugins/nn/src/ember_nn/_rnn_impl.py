"""The recurrence of RNN, LSTM and GRU layers (private to ember-nn).

NOTE [fused RNN scan]: a recurrent layer is split in two. The input projection of every time
step is hoisted out of the loop: ``gx = x @ W_ih^T + b`` is one matmul over all (time, batch)
rows, done with ordinary ember ops. What remains is the recurrence, ``_Scan``: one
``autograd.Function`` for the whole sequence of one layer and direction. Its forward runs the
time loop directly on the backend's primitives (per step: one matmul ``h @ W_hh^T`` giving all
gates at once, then the gates' pointwise math), and keeps what backward needs. Its backward is
the hand-derived backpropagation through time, again one matmul per step plus pointwise work,
with the weight gradient summed over all steps in one matmul at the end. A per-step graph of
fine-grained ops would cost ~15 framework calls per step each way; this costs one.

Higher-order gradients: when backward runs with ``create_graph=True`` the fused kernel is not
used. ``_Scan.backward`` then re-runs the recurrence with composite ember ops (the same cell
functions the single-step path documents, ``lstm_cell`` ...) from the saved inputs and
differentiates that graph with ``autograd.grad(create_graph=True)``, so the gradients are
themselves differentiable, to any order, exactly as if the layer had been written op by op.

Sequences of unequal length (``PackedSequence``) share the code path: rows of the flat input
``gx`` are ordered time-major and step ``t`` uses the first ``batch_sizes[t]`` rows of the
state (the batch is sorted by decreasing length). Going forward in time the state shrinks and
the rows that drop out are final states; in the reverse direction it grows and the new rows
start from ``h0``. A dense batch is the special case of a constant batch size.

LSTM gates: sigmoid(v) = 0.5 * tanh(v / 2) + 0.5, so all four gate nonlinearities are one
``tanh`` over the (batch, 4*hidden) block after scaling the columns of the i, f, o gates by
1/2 (scaling by a power of two is exact, so the pre-scaled ``W_hh`` and ``gx`` give the same
rounding as scaling the sum).
"""

from __future__ import annotations

import ember
from ember.autograd import Function

__all__ = []

MODES = ("RNN_TANH", "RNN_RELU", "LSTM", "GRU")
GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


# -- native helpers --------------------------------------------------------------------------

def _rows(be, x, a, b):
    """Rows ``a:b`` of a C-contiguous 2-D native ``x`` (a view on aliasing backends)."""
    if a == 0 and b == x.shape[0]:
        return x
    c, flat = be.as_buffer(x)
    k = c.shape[1]
    return be.view(flat, (b - a, k), (k, 1), a * k)


def _cols(be, x, k, n):
    """Column block ``k`` of width ``n`` of a C-contiguous 2-D native ``x`` (a view)."""
    c, flat = be.as_buffer(x)
    w = c.shape[1]
    return be.view(flat, (c.shape[0], n), (w, 1), k * n)


def _split(be, x, n, k):
    """``k`` column blocks of width ``n`` of a C-contiguous 2-D native ``x`` (views)."""
    c, flat = be.as_buffer(x)
    r, w = c.shape
    return [be.view(flat, (r, n), (w, 1), j * n) for j in range(k)]


def _T(be, x):
    """The transpose of a C-contiguous 2-D native (a view)."""
    c, flat = be.as_buffer(x)
    r, k = c.shape
    return be.view(flat, (k, r), (1, k), 0)


def _native(t):
    """The native array of a tensor, C-contiguous."""
    return t.contiguous()._data


_VECS = {}


def _vec(be, dt, idx, parts):
    """A 1-D native made of ``(length, value)`` runs (cached: these are constants)."""
    key = (id(be), dt, idx, tuple(parts))
    v = _VECS.get(key)
    if v is None:
        if len(_VECS) > 64:
            _VECS.clear()
        v = _VECS[key] = be.concat([be.full((n,), val, dt, idx) for n, val in parts], 0)
    return v


def _assemble(be, pieces, like_cols, dt, idx, total):
    """Join ``(row_start, array)`` pieces into ``total`` rows (zeros where no piece is)."""
    pieces = sorted(pieces, key=lambda p: p[0])
    out, at = [], 0
    for start, arr in pieces:
        if start > at:
            out.append(be.full((start - at, like_cols), 0, dt, idx))
        out.append(arr)
        at = start + arr.shape[0]
    if at < total:
        out.append(be.full((total - at, like_cols), 0, dt, idx))
    return out[0] if len(out) == 1 else be.concat(out, 0)


class _Steps:
    """The schedule of one scan: batch size and row offset of every time step, and the
    order in which steps run."""

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

class _LSTMKernel:
    # NOTE [LSTM gates]: the gate pre-activations are computed negated, and the g gate's
    # doubled (a power-of-two scaling of W_hh^T and gx, exact), so one exp over the whole
    # (batch, 4*hidden) block gives s = sigmoid(.) of every gate: i, f, o are s and
    # g = tanh(v) = 2 * sigmoid(2v) - 1. d s/d v = s * (1 - s) (times 2 for the g block,
    # and 2 again from g = 2s - 1). The exponent is capped at 80, where s is already 0.
    def __init__(self, be, dt, idx, H, w_hh, w_hr):
        self.be, self.H = be, H
        self.S = _vec(be, dt, idx, [(2 * H, -1.0), (H, -2.0), (H, -1.0)])
        self.w_hh = _native(w_hh)                          # (4H, P)
        self.whhT = be.mul(_T(be, self.w_hh), self.S)      # (P, 4H), pre-scaled
        self.w_hr = None if w_hr is None else _native(w_hr)  # (P, H)
        self.whrT = None if w_hr is None else _T(be, self.w_hr)

    def prepare(self, gx):
        return self.be.mul(gx, self.S)

    def fwd(self, xg, state, keep):
        be, H = self.be, self.H
        h, c = state
        v = be.minimum(be.add(xg, be.matmul(h, self.whhT)), 80.0)
        s = be.div(1.0, be.add(be.exp(v), 1.0))
        i, f, sg, o = _split(be, s, H, 4)
        g = be.sub(be.mul(sg, 2.0), 1.0)
        c2 = be.add(be.mul(f, c), be.mul(i, g))
        tc = be.tanh(c2)
        hh = be.mul(o, tc)
        h2 = hh if self.whrT is None else be.matmul(hh, self.whrT)
        saved = (s, g, tc, c, hh) if keep else None
        return (h2, c2), h2, saved

    def bwd(self, dstate, h_prev, saved, acc):
        be, H = self.be, self.H
        dh, dc = dstate
        s, g, tc, c_prev, hh = saved
        if self.w_hr is not None:
            acc["dhr"].append(dh)
            acc["hh"].append(hh)
            dh = be.matmul(dh, self.w_hr)
        i, f, _, o = _split(be, s, H, 4)
        dc = be.add(dc, be.mul(be.mul(dh, o), be.sub(1.0, be.mul(tc, tc))))
        da = be.concat([be.mul(dc, g), be.mul(dc, c_prev), be.mul(be.mul(dc, i), 4.0),
                        be.mul(dh, tc)], 1)
        dz = be.mul(da, be.mul(s, be.sub(1.0, s)))
        acc["dgx"].append(dz)
        return (be.matmul(dz, self.w_hh), be.mul(dc, f)), dz

    def finish(self, dgx, hprev, acc, needs, out):
        be = self.be
        if needs[1]:
            out[1] = be.matmul(_T(be, dgx), hprev)
        if needs[3]:
            out[3] = be.matmul(_T(be, _cat(be, acc["dhr"])), _cat(be, acc["hh"]))


class _GRUKernel:
    def __init__(self, be, dt, idx, H, w_hh, b_hh):
        self.be, self.H = be, H
        self.w_hh = _native(w_hh)                          # (3H, H)
        self.whhT = _T(be, self.w_hh)
        self.b_hh = None if b_hh is None else _native(b_hh)

    def prepare(self, gx):
        return gx

    def fwd(self, xg, state, keep):
        be, H = self.be, self.H
        (h,) = state
        gh = be.matmul(h, self.whhT)
        if self.b_hh is not None:
            gh = be.add(gh, self.b_hh)
        rz = be.sigmoid(be.add(_lead(be, xg, 2 * H), _lead(be, gh, 2 * H)))
        r, z = _cols(be, rz, 0, H), _cols(be, rz, 1, H)
        ghn = _cols(be, gh, 2, H)
        n = be.tanh(be.add(_cols(be, xg, 2, H), be.mul(r, ghn)))
        h2 = be.add(n, be.mul(z, be.sub(h, n)))
        saved = (rz, n, ghn) if keep else None
        return (h2,), h2, saved

    def bwd(self, dstate, h_prev, saved, acc):
        be, H = self.be, self.H
        (dh,) = dstate
        rz, n, ghn = saved
        r, z = _cols(be, rz, 0, H), _cols(be, rz, 1, H)
        dn = be.mul(dh, be.sub(1, z))
        dpn = be.mul(dn, be.sub(1, be.mul(n, n)))
        drz = be.mul(be.concat([be.mul(dpn, ghn), be.mul(dh, be.sub(h_prev, n))], 1),
                     be.mul(rz, be.sub(1, rz)))
        acc["dgx"].append(be.concat([drz, dpn], 1))
        dgh = be.concat([drz, be.mul(dpn, r)], 1)
        acc["dgh"].append(dgh)
        return (be.add(be.mul(dh, z), be.matmul(dgh, self.w_hh)),), None

    def finish(self, dgx, hprev, acc, needs, out):
        be = self.be
        if needs[1] or needs[2]:
            dgh = _cat(be, acc["dgh"])
            if needs[1]:
                out[1] = be.matmul(_T(be, dgh), hprev)
            if needs[2]:
                out[2] = be.sum(dgh, (0,), False)


class _RNNKernel:
    def __init__(self, be, dt, idx, H, w_hh, relu):
        self.be, self.H, self.relu = be, H, relu
        self.w_hh = _native(w_hh)
        self.whhT = _T(be, self.w_hh)

    def prepare(self, gx):
        return gx

    def fwd(self, xg, state, keep):
        be = self.be
        (h,) = state
        pre = be.add(xg, be.matmul(h, self.whhT))
        h2 = be.maximum(pre, 0) if self.relu else be.tanh(pre)
        return (h2,), h2, (h2 if keep else None)

    def bwd(self, dstate, h_prev, saved, acc):
        be = self.be
        (dh,) = dstate
        h2 = saved
        if self.relu:
            dz = be.where(be.gt(h2, 0), dh, 0)
        else:
            dz = be.mul(dh, be.sub(1, be.mul(h2, h2)))
        acc["dgx"].append(dz)
        return (be.matmul(dz, self.w_hh),), dz

    def finish(self, dgx, hprev, acc, needs, out):
        if needs[1]:
            out[1] = self.be.matmul(_T(self.be, dgx), hprev)


def _lead(be, x, n):
    """The first ``n`` columns of a C-contiguous 2-D native (a view)."""
    c, flat = be.as_buffer(x)
    return be.view(flat, (c.shape[0], n), (c.shape[1], 1), 0)


def _cat(be, arrs):
    return arrs[0] if len(arrs) == 1 else be.concat(arrs, 0)


def _kernel(mode, be, dt, idx, H, w_hh, b_hh, w_hr):
    if mode == "LSTM":
        return _LSTMKernel(be, dt, idx, H, w_hh, w_hr)
    if mode == "GRU":
        return _GRUKernel(be, dt, idx, H, w_hh, b_hh)
    return _RNNKernel(be, dt, idx, H, w_hh, mode == "RNN_RELU")


# -- the fused scan ---------------------------------------------------------------------------

class _Scan(Function):
    """One layer and direction of a recurrent network over a whole (packed) sequence.

    Inputs: ``gx`` (rows, G*hidden) input projections (with the biases that can be folded in),
    ``w_hh`` (G*hidden, state), ``b_hh`` (GRU only: the recurrent bias, else None), ``w_hr``
    (LSTM projection (proj, hidden) or None), ``h0`` (batch, state), ``c0`` (LSTM: (batch,
    hidden), else None), then ``mode``, ``batch_sizes`` (list of ints), ``reverse``.
    Outputs: ``out`` (rows, state), ``h_n`` (batch, state) and for LSTM ``c_n``.
    """

    _node_name = "ScanBackward0"

    @staticmethod
    def forward(ctx, gx, w_hh, b_hh, w_hr, h0, c0, mode, batch_sizes, reverse):
        st = gx._storage
        be, idx, dt = st._be, st.device.index, gx._dtype
        H = gx._shape[1] // GATES[mode]
        steps = _Steps(batch_sizes, reverse)
        keep = any(ctx.needs_input_grad)
        k = _kernel(mode, be, dt, idx, H, w_hh, b_hh, w_hr)
        gxn = k.prepare(_native(gx))
        init = [_native(h0)] + ([_native(c0)] if c0 is not None else [])
        B = init[0].shape[0]
        state, m = None, 0
        finals, outs, saves = [], [None] * len(steps.bs), [None] * len(steps.bs)
        for t in steps.order:
            bs = steps.bs[t]
            if state is None:
                state = [_rows(be, s, 0, bs) for s in init]
            elif bs < m:
                finals.append((bs, [_rows(be, s, bs, m) for s in state]))
                state = [_rows(be, s, 0, bs) for s in state]
            elif bs > m:
                state = [be.concat([s, _rows(be, s0, m, bs)], 0) for s, s0 in zip(state, init)]
            m = bs
            h_prev = state[0]
            state, outs[t], saved = k.fwd(_rows(be, gxn, steps.off[t], steps.off[t] + bs),
                                          state, keep)
            if keep:
                saves[t] = (h_prev, saved)
        finals.append((0, state))
        res = [_cat(be, outs)]
        for j in range(len(init)):
            res.append(_assemble(be, [(s, f[j]) for s, f in finals], init[j].shape[1], dt,
                                 idx, B))
        if keep:
            ctx.save_for_backward(gx, w_hh, b_hh, w_hr, h0, c0)
            ctx.scan = (k, steps, saves, mode, B)
        return tuple(res)

    @staticmethod
    def backward(ctx, *grads):
        gx, w_hh, b_hh, w_hr, h0, c0 = ctx.saved_tensors
        k, steps, saves, mode, B = ctx.scan
        if ember.is_grad_enabled():
            return _recompute_backward(ctx, grads, (gx, w_hh, b_hh, w_hr, h0, c0), mode,
                                       steps)
        outs = _ScanGrad.apply(ctx, *grads)
        if not isinstance(outs, tuple):
            outs = (outs,)
        res = list(outs) + [None] * (6 - len(outs))
        return (*res, None, None, None)


class _ScanGrad(Function):
    """The backpropagation through time of ``_Scan`` (run without a graph: see NOTE [fused
    RNN scan] for how higher-order gradients are made)."""

    _node_name = "ScanBackwardBackward0"

    @staticmethod
    def forward(_, ctx, *grads):
        k, steps, saves, mode, B = ctx.scan
        needs = ctx.needs_input_grad
        be = k.be
        gout = _native(grads[0])
        gfin = [_native(g) for g in grads[1:]]
        acc = {"dgx": [], "dgh": [], "dhr": [], "hh": []}
        dgx, hprev = [None] * len(steps.bs), [None] * len(steps.bs)
        d0 = []
        dstate = None
        order = steps.order
        for j in range(len(order) - 1, -1, -1):
            t = order[j]
            bs = steps.bs[t]
            if dstate is None:
                dstate = [_rows(be, g, 0, bs) for g in gfin]
            dstate[0] = be.add(dstate[0], _rows(be, gout, steps.off[t], steps.off[t] + bs))
            h_prev, saved = saves[t]
            dstate, _ = k.bwd(dstate, h_prev, saved, acc)
            dstate = list(dstate)
            dgx[t] = acc["dgx"].pop()
            hprev[t] = h_prev
            m = steps.bs[order[j - 1]] if j > 0 else 0
            if bs < m:
                dstate = [be.concat([d, _rows(be, g, bs, m)], 0) for d, g in zip(dstate, gfin)]
            elif bs > m:
                d0.append((m, [_rows(be, d, m, bs) for d in dstate]))
                dstate = [_rows(be, d, 0, m) for d in dstate]
        if not steps.reverse:          # the loop visited time steps last to first
            acc["dgh"].reverse()
        dgx = _cat(be, dgx)
        out = [None] * 6
        if needs[0]:
            out[0] = dgx
        k.finish(dgx, _cat(be, hprev), acc, needs, out)
        for j, slot in enumerate((4, 5)[:len(gfin)]):
            if needs[slot]:
                out[slot] = _assemble(be, [(s, p[j]) for s, p in d0], gfin[j].shape[1],
                                      grads[0]._dtype, grads[0]._storage.device.index, B)
        return tuple(o if o is not None else None for o in out)

    @staticmethod
    def backward(ctx, *gg):
        raise RuntimeError("the fused RNN backward kernel is not differentiable itself; run "
                           "the outer backward with create_graph=True to get differentiable "
                           "gradients")


def _recompute_backward(ctx, grads, inputs, mode, steps):
    """Gradients of the scan as a differentiable graph (``create_graph=True``)."""
    needs = ctx.needs_input_grad
    with ember.enable_grad():
        outs = scan_composite(mode, *inputs, steps.bs, steps.reverse)
    wrt = [x for x, n in zip(inputs, needs) if n]
    used = [(o, g) for o, g in zip(outs, grads) if g is not None]
    gs = ember.autograd.grad([o for o, _ in used], wrt, [g for _, g in used],
                             create_graph=True, allow_unused=True)
    it = iter(gs)
    res = [next(it) if n else None for n in needs[:6]]
    return (*res, None, None, None)


def scan(mode, gx, w_hh, b_hh, w_hr, h0, c0, batch_sizes, reverse):
    """Run one layer and direction; returns ``(out, h_n)`` or ``(out, h_n, c_n)``."""
    return _Scan.apply(gx, w_hh, b_hh, w_hr, h0, c0, mode, list(batch_sizes), bool(reverse))


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


def scan_composite(mode, gx, w_hh, b_hh, w_hr, h0, c0, batch_sizes, reverse):
    """``scan`` written op by op (differentiable to any order)."""
    steps = _Steps(batch_sizes, reverse)
    init = [h0] + ([c0] if c0 is not None else [])
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
            state = [ember.cat([s, s0.narrow(0, m, bs - m)], 0) for s, s0 in zip(state, init)]
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
