"""The NumPy backend's fused LSTM recurrence: ``lstm_scan_forward`` and ``lstm_scan_backward``
(optional backend kernels; the contract is NOTE [fused LSTM scan kernel] in ``ember.backend``).

One call runs one layer and direction over the whole (packed) sequence: the time loop is
inside, and every per-step result is written with ``out=`` into arrays allocated once per
call, so a step costs one matrix multiply and about ten in-place ufunc calls on contiguous
blocks, with no array created and no Python wrapper in between.

NOTE [LSTM scan layout]: ``rows`` are the time-major rows of the packed input; step ``t``
owns rows ``off[t]:off[t] + bs[t]`` (``bs`` non-increasing: the batch is sorted by length).

- Merged operand. Row ``r`` of ``xh`` (rows, >= K) is ``[h_prev_r | x_r | 1]``
  (``K = P + I + 1``, the 1 only with a bias): the previous hidden state of that row's
  sequence, its input and a constant. So a step's pre-activations are ONE product of its
  rows of ``xh`` with the stacked weights ``[W_hh^T; W_ih^T; b]`` (no separate input
  projection and no bias add), each step writes its ``h`` straight into the ``h_prev``
  columns of the next step's rows (and ``h_n`` for the sequences that end), and backward
  gets ``dW_hh``, ``dW_ih`` and the bias gradient from one product ``dz^T xh``. ``h0`` is
  written into the rows where each sequence starts.
- Gate-major pre-activations. ``z`` is (4, rows, H): gate ``k`` of step ``t`` is the
  contiguous block ``z[k, off[t]:off[t] + bs[t]]`` (the product above is a batched matmul
  over the four gates, as fast as the plain (B, 4H) one). With the gates side by side in a
  (B, 4H) row every gate operand would be a strided view, which NumPy's loops handle row by
  row (slower than one contiguous block).
- One ``exp`` for all four gates. As in ember-nn's generic scan (NOTE [LSTM gates]) the
  weights are pre-scaled, i, f, o by -1 and g by -2 (exact), so ``s = 1 / (1 + exp(u))`` is
  ``sigmoid`` of every gate and ``tanh`` of g is ``2 s - 1``. ``exp`` overflows to ``inf``
  for very negative pre-activations, which gives ``s = 0`` exactly (warnings off).
- Cell states live in ``cb`` (rows + B, H) with ``c0``: going forward in time ``c0`` is rows
  ``0:B`` and step t writes rows ``B + off[t]``; in reverse the steps come first and ``c0``
  is rows ``rows:rows + B``. Either way a step's previous cell state is a view (a small
  copy only in reverse over a packed batch, where the batch grows).
- Backward keeps the gradients of the state in two (B, .) arrays updated in place on rows
  ``0:bs[t]``; rows past the current batch are never touched, so they hold the gradient of
  ``h_n``/``c_n`` until their step comes, and the gradient of ``h0``/``c0`` at the end. The
  gate gradients go into ``dz`` (4, rows, H), the layout of ``z``.
"""

from __future__ import annotations

import numpy as np

__all__ = ["lstm_scan_forward", "lstm_scan_backward"]

_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


class LSTMScanSaved:
    """What ``lstm_scan_forward(keep=True)`` leaves for ``lstm_scan_backward`` (opaque to
    callers)."""

    __slots__ = ("w_ih", "w_hh", "w_hr", "xh", "K", "z", "g", "tc", "hh", "cprev", "bs", "off",
                 "order", "B", "bias")


def _layout(batch_sizes, reverse):
    bs = [int(b) for b in batch_sizes]
    off, n = [], 0
    for b in bs:
        off.append(n)
        n += b
    order = list(range(len(bs)))
    if reverse:
        order.reverse()
    return bs, off, n, order


def lstm_scan_forward(x, w_ih, bias, w_hh, w_hr, h0, c0, batch_sizes, reverse, keep):
    """One LSTM layer and direction over a whole (packed) sequence.

    Args: ``x`` (rows, I) time-major rows; ``w_ih`` (4H, I), ``w_hh`` (4H, P) in PyTorch's
    gate order i, f, g, o; ``bias`` (4H,) the sum ``b_ih + b_hh`` or None; ``w_hr`` (P, H)
    the projection or None (then P = H); ``h0`` (B, P) and ``c0`` (B, H) or None for zeros;
    ``batch_sizes`` the rows of each step (non-increasing, ``B = batch_sizes[0]``);
    ``reverse`` runs from the last step to the first; ``keep`` keeps what backward needs.

    Returns ``(out (rows, P), h_n (B, P), c_n (B, H), saved)`` (new arrays; ``saved`` is None
    without ``keep``), or ``NotImplemented`` for inputs it does not handle (dtypes other
    than float32/float64, mixed dtypes, an empty sequence or batch, growing batch sizes,
    shapes that do not fit together).
    """
    dt = x.dtype
    arrays = [a for a in (x, w_ih, bias, w_hh, w_hr, h0, c0) if a is not None]
    if dt not in _FLOATS or any(a.dtype != dt for a in arrays) or len(batch_sizes) == 0:
        return NotImplemented
    bs, off, rows, order = _layout(batch_sizes, reverse)
    T = len(bs)
    if any(bs[k] < bs[k + 1] for k in range(T - 1)) or bs[-1] <= 0:
        return NotImplemented
    B = bs[0]
    H = w_ih.shape[0] // 4
    P = w_hh.shape[1]
    I = x.shape[1]
    if (x.shape[0] != rows or w_ih.shape != (4 * H, I) or w_hh.shape[0] != 4 * H
            or (bias is not None and bias.shape != (4 * H,))
            or (P != H if w_hr is None else w_hr.shape != (P, H))
            or (h0 is not None and h0.shape != (B, P))
            or (c0 is not None and c0.shape != (B, H))):
        return NotImplemented
    mul, add, sub = np.multiply, np.add, np.subtract

    # the merged operand [h_prev | x | 1] of every row and the merged weights (NOTE [LSTM
    # scan layout]), the gates scaled by -1 (i, f, o) and -2 (g)
    K = P + I + (bias is not None)
    xh = np.empty((rows, -(-K // 16) * 16), dt)
    xh[:, P:P + I] = x
    if bias is not None:
        xh[:, P + I] = 1
    S = np.full((4, 1, 1), -1.0, dt)
    S[2] = -2.0
    w = np.empty((4, K, H), dt)
    mul(w_hh.reshape(4, H, P).transpose(0, 2, 1), S, out=w[:, :P])
    mul(w_ih.reshape(4, H, I).transpose(0, 2, 1), S, out=w[:, P:P + I])
    if bias is not None:
        mul(bias.reshape(4, 1, H), S, out=w[:, P + I:])
    whrT = None if w_hr is None else w_hr.T

    # h0 goes into the h_prev columns of the rows whose sequence starts there
    h0 = np.zeros((B, P), dt) if h0 is None else h0
    prev_n = 0
    for t in order:
        if bs[t] > prev_n:
            xh[off[t] + prev_n:off[t] + bs[t], :P] = h0[prev_n:bs[t]]
        prev_n = bs[t]
    # cell states: c0 then every step's (see the layout NOTE)
    cb = np.empty((rows + B, H), dt)
    base = rows if reverse else 0
    first = 0 if reverse else B
    cb[base:base + B] = 0 if c0 is None else c0

    z = np.empty((4, rows if keep else B, H), dt)
    n_g = rows if keep else B
    g_all = np.empty((n_g, H), dt)
    tc_all = np.empty((n_g, H), dt)
    hh_all = None if w_hr is None else np.empty((n_g, H), dt)
    h_n = np.empty((B, P), dt)
    ig = np.empty((B, H), dt)
    cprev = [None] * T if keep else None

    p = -1                                             # the previous step run
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for j, t in enumerate(order):
            n = bs[t]
            a = off[t]
            e = a + n
            if p < 0:
                cp = cb[base:base + n]
            else:
                pa = first + off[p]
                if n <= bs[p]:
                    cp = cb[pa:pa + n]
                else:                                  # reverse, the batch grows
                    m = bs[p]
                    cp = np.concatenate([cb[pa:pa + m], cb[base + m:base + n]])
            r0, r1 = (a, e) if keep else (0, n)
            zt = z[:, r0:r1]
            np.matmul(xh[a:e, :K], w, out=zt)
            np.exp(zt, out=zt)
            add(zt, 1, out=zt)
            np.reciprocal(zt, out=zt)                  # s of every gate
            g = g_all[r0:r1]
            sg = z[2, r0:r1]
            add(sg, sg, out=g)
            sub(g, 1, out=g)                           # tanh of the g gate
            c = cb[first + a:first + e]
            mul(z[1, r0:r1], cp, out=c)
            igt = ig[:n]
            mul(z[0, r0:r1], g, out=igt)
            add(c, igt, out=c)
            tc = tc_all[r0:r1]
            np.tanh(c, out=tc)
            # h goes to the h_prev columns of the next step's rows and, for the sequences
            # that end here, to h_n
            o = z[3, r0:r1]
            if j + 1 < T:
                q = order[j + 1]
                m = min(n, bs[q])
                dst = xh[off[q]:off[q] + m, :P]
            else:
                m = 0
            if w_hr is None:
                if m:
                    mul(o[:m], tc[:m], out=dst)
                if m < n:
                    mul(o[m:], tc[m:], out=h_n[m:n])
            else:
                hh = hh_all[r0:r1]
                mul(o, tc, out=hh)
                if m:
                    np.matmul(hh[:m], whrT, out=dst)
                if m < n:
                    np.matmul(hh[m:], whrT, out=h_n[m:n])
            if keep:
                cprev[t] = cp
            p = t

    # the outputs, row for row: the h_prev columns of the next step's rows, and h_n
    out = np.empty((rows, P), dt)
    for j, t in enumerate(order):
        n, a = bs[t], off[t]
        m = 0
        if j + 1 < T:
            q = order[j + 1]
            m = min(n, bs[q])
            out[a:a + m] = xh[off[q]:off[q] + m, :P]
        if m < n:
            out[a + m:a + n] = h_n[m:n]
    # c_n: the cell state of each sequence's last step
    c_n = np.empty((B, H), dt)
    lo = 0
    for t in reversed(order):
        if bs[t] > lo:
            c_n[lo:bs[t]] = cb[first + off[t] + lo:first + off[t] + bs[t]]
            lo = bs[t]
    if not keep:
        return out, h_n, c_n, None
    sv = LSTMScanSaved()
    sv.w_ih, sv.w_hh, sv.w_hr, sv.xh, sv.K = w_ih, w_hh, w_hr, xh, K
    sv.z, sv.g, sv.tc, sv.hh, sv.cprev = z, g_all, tc_all, hh_all, cprev
    sv.bs, sv.off, sv.order, sv.B, sv.bias = bs, off, order, B, bias is not None
    return out, h_n, c_n, sv


def lstm_scan_backward(saved, gout, gh_n, gc_n, needs):
    """Backpropagation through time of one ``lstm_scan_forward(keep=True)``.

    Args: ``saved`` its saved state; ``gout`` (rows, P), ``gh_n`` (B, P), ``gc_n`` (B, H) the
    gradients of its three outputs (zeros where an output was unused); ``needs`` seven
    booleans: which of ``x, w_ih, bias, w_hh, w_hr, h0, c0`` need a gradient.

    Returns the seven gradients in that order, each a new array of its input's shape, or
    None where not needed (``bias`` stands for both ``b_ih`` and ``b_hh``, whose gradients
    are equal).
    """
    sv = saved
    bs, off, order = sv.bs, sv.off, sv.order
    z, g_all, tc_all, w_hh, w_hr = sv.z, sv.g, sv.tc, sv.w_hh, sv.w_hr
    dt = z.dtype
    rows, H = z.shape[1], z.shape[2]
    P = w_hh.shape[1]
    I = sv.w_ih.shape[1]
    B = sv.B
    mul, add, sub = np.multiply, np.add, np.subtract
    whh = w_hh.reshape(4, H, P)

    dh = np.array(gh_n, dt, order="C")                 # (B, P), updated in place
    dc = np.array(gc_n, dt, order="C")                 # (B, H)
    dz = np.empty((4, rows, H), dt)
    fac = np.empty((4 * B * H,), dt)
    mmb = np.empty((4 * B * P,), dt)
    tmp = np.empty((B, H), dt)
    dhr = None if w_hr is None else np.empty((rows, P), dt)
    dhh = None if w_hr is None else np.empty((B, H), dt)

    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for t in reversed(order):
            n = bs[t]
            a = off[t]
            e = a + n
            dht, dct = dh[:n], dc[:n]
            add(dht, gout[a:e], out=dht)
            if w_hr is None:
                dhv = dht
            else:
                dhr[a:e] = dht
                dhv = dhh[:n]
                np.matmul(dht, w_hr, out=dhv)
            g, tc = g_all[a:e], tc_all[a:e]
            # dc += dh * o * (1 - tanh(c)^2)
            tt = tmp[:n]
            mul(tc, tc, out=tt)
            sub(1, tt, out=tt)
            mul(tt, z[3, a:e], out=tt)
            mul(tt, dhv, out=tt)
            add(dct, tt, out=dct)
            mul(dct, g, out=dz[0, a:e])
            mul(dct, sv.cprev[t], out=dz[1, a:e])
            mul(dct, z[0, a:e], out=dz[2, a:e])
            mul(dhv, tc, out=dz[3, a:e])
            # times s (1 - s); for the g gate 4 s (1 - s) = 1 - g^2
            st, dzt = z[:, a:e], dz[:, a:e]
            f = fac[:4 * n * H].reshape(4, n, H)
            sub(1, st, out=f)
            mul(f, st, out=f)
            mul(f[2], 4, out=f[2])
            mul(dzt, f, out=dzt)
            # dh = sum over gates of dz_k @ W_hh_k
            mt = mmb[:4 * n * P].reshape(4, n, P)
            np.matmul(dzt, whh, out=mt)
            np.add.reduce(mt, axis=0, out=dht)
            mul(dct, z[1, a:e], out=dct)

    dx = dw_ih = db = dw_hh = dw_hr = None
    n_x, n_wih, n_b, n_whh, n_whr, n_h0, n_c0 = needs
    if n_x:
        dx = np.add.reduce(np.matmul(dz, sv.w_ih.reshape(4, H, I)), axis=0)
    if n_wih or n_whh or (n_b and sv.bias):
        # one product with the merged rows [h_prev | x | 1] gives dW_hh, dW_ih and db
        lo = 0 if n_whh else P
        hi = sv.K if n_b and sv.bias else (P + I if n_wih else P)
        dw = np.matmul(dz.transpose(0, 2, 1), sv.xh[:, lo:hi])     # (4, H, hi - lo)
        if n_whh:
            dw_hh = dw[:, :, :P].reshape(4 * H, P)
        if n_wih:
            dw_ih = dw[:, :, P - lo:P - lo + I].reshape(4 * H, I)
        if n_b and sv.bias:
            db = dw[:, :, P + I - lo].reshape(4 * H)
    if n_whr:
        dw_hr = np.matmul(dhr.T, sv.hh)
    return (dx, dw_ih, db, dw_hh, dw_hr, dh if n_h0 else None, dc if n_c0 else None)
