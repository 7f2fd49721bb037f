"""The NumPy backend's fused LSTM recurrence: ``lstm_scan_forward`` and ``lstm_scan_backward``
(optional backend kernels; the contract is NOTE [fused LSTM scan kernel] in ``ember.backend``).

One call runs one layer and direction over the whole (packed) sequence: the time loop is
inside, and every per-step result is written with ``out=`` into arrays allocated once per
call, so a step costs one matrix multiply and about ten in-place ufunc calls on contiguous
blocks, with no array created and no Python wrapper in between.

NOTE [LSTM scan layout]: ``rows`` are the time-major rows of the packed input; step ``t``
owns rows ``off[t]:off[t] + bs[t]`` (``bs`` non-increasing: the batch is sorted by length).

- Gate-major pre-activations. ``z`` is (4, rows, H): gate ``k`` of step ``t`` is the
  contiguous block ``z[k, off[t]:off[t] + bs[t]]``. The input projection of all steps is one
  batched matmul ``x @ W_ih_k^T`` into ``z``; each step adds ``h @ W_hh_k^T`` (one batched
  matmul, as fast as the plain (B, 4H) one) and turns its rows into the gate activations in
  place. With the gates side by side in a (B, 4H) row every gate operand would be a strided
  view, and NumPy's loops over (32, 128) strided views cost two to three times those over
  contiguous blocks: about a third of the step.
- One ``exp`` for all four gates. As in ember-nn's generic scan (NOTE [LSTM gates]) the
  weights are pre-scaled, i, f, o by -1 and g by -2 (exact), so ``s = 1 / (1 + exp(u))`` is
  ``sigmoid`` of every gate and ``tanh`` of g is ``2 s - 1``. ``exp`` overflows to ``inf``
  for very negative pre-activations, which gives ``s = 0`` exactly (warnings off).
- Hidden states live in one array ``hb`` (rows + B, P) that holds ``h0`` and every step's
  output: going forward in time ``h0`` is rows ``0:B`` and step t writes rows
  ``B + off[t]``; in reverse the outputs come first and ``h0`` is rows ``rows:rows + B``.
  Either way the previous state of a step is a view of ``hb`` (no copy), except in reverse
  over a packed batch at a step where the batch grows (a few small copies). Cell states live
  in ``cb`` the same way.
- Backward keeps the gradients of the state in two (B, .) arrays updated in place on rows
  ``0:bs[t]``; rows past the current batch are never touched, so they hold the gradient of
  ``h_n``/``c_n`` until their step comes, and the gradient of ``h0``/``c0`` at the end. The
  gate gradients go into ``dz`` (4, rows, H), the same layout as ``z``; the weight gradients
  are then one batched matmul each over all steps.
"""

from __future__ import annotations

import numpy as np

__all__ = ["lstm_scan_forward", "lstm_scan_backward"]

_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


class LSTMScanSaved:
    """What ``lstm_scan_forward(keep=True)`` leaves for ``lstm_scan_backward`` (opaque to
    callers)."""

    __slots__ = ("x", "w_ih", "w_hh", "w_hr", "z", "g", "tc", "hh", "hb", "prev", "bs", "off",
                 "order", "dense", "reverse", "B")


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
    if any(bs[k] < bs[k + 1] for k in range(len(bs) - 1)) or bs[-1] <= 0:
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
    dense = bs[-1] == B
    mul, add, sub = np.multiply, np.add, np.subtract

    # gate scaling (NOTE [LSTM scan layout]): -1 for i, f, o and -2 for g, per gate
    S = np.full((4, 1, 1), -1.0, dt)
    S[2] = -2.0
    z = np.matmul(x, (w_ih.reshape(4, H, I) * S).transpose(0, 2, 1))   # (4, rows, H)
    if bias is not None:
        z += bias.reshape(4, 1, H) * S
    whh = np.empty((4, P, H), dt)                      # C order: faster per-step matmul
    mul(w_hh.reshape(4, H, P).transpose(0, 2, 1), S, out=whh)
    whrT = None if w_hr is None else w_hr.T

    # hidden and cell states with h0 / c0 (NOTE [LSTM scan layout])
    hb = np.empty((rows + B, P), dt)
    cb = np.empty((rows + B, H), dt)
    base = rows if reverse else 0                      # where h0, c0 sit
    first = 0 if reverse else B                        # where step 0's rows start
    hb[base:base + B] = 0 if h0 is None else h0
    cb[base:base + B] = 0 if c0 is None else c0

    n_g = rows if keep else B
    g_all = np.empty((n_g, H), dt)
    tc_all = np.empty((n_g, H), dt)
    hh_all = None if w_hr is None else np.empty((n_g, H), dt)
    mm = np.empty((4 * B * H,), dt)
    ig = np.empty((B, H), dt)
    prev = [None] * len(bs) if keep else None

    p = -1                                             # the previous step run
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for t in order:
            n = bs[t]
            a = off[t]
            e = a + n
            if p < 0:
                hp, cp = hb[base:base + n], cb[base:base + n]
            else:
                pa = first + off[p]
                if n <= bs[p]:
                    hp, cp = hb[pa:pa + n], cb[pa:pa + n]
                else:                                  # reverse, the batch grows
                    m = bs[p]
                    hp = np.concatenate([hb[pa:pa + m], hb[base + m:base + n]])
                    cp = np.concatenate([cb[pa:pa + m], cb[base + m:base + n]])
            zt = z[:, a:e]
            mmt = mm[:4 * n * H].reshape(4, n, H)
            np.matmul(hp, whh, out=mmt)
            add(zt, mmt, out=zt)
            np.exp(zt, out=zt)
            add(zt, 1, out=zt)
            np.reciprocal(zt, out=zt)                  # s of every gate
            r0, r1 = (a, e) if keep else (0, n)
            g = g_all[r0:r1]
            sg = z[2, a:e]
            add(sg, sg, out=g)
            sub(g, 1, out=g)                           # tanh of the g gate
            c = cb[first + a:first + e]
            mul(z[1, a:e], cp, out=c)
            igt = ig[:n]
            mul(z[0, a:e], g, out=igt)
            add(c, igt, out=c)
            tc = tc_all[r0:r1]
            np.tanh(c, out=tc)
            h = hb[first + a:first + e]
            if w_hr is None:
                mul(z[3, a:e], tc, out=h)
            else:
                hh = hh_all[r0:r1]
                mul(z[3, a:e], tc, out=hh)
                np.matmul(hh, whrT, out=h)
            if keep:
                prev[t] = (hp, cp)
            p = t

    out_rows = hb[first:first + rows]
    # the final states: rows of each sequence's last step
    if reverse or dense:
        last = first + off[order[-1]]
        h_n = hb[last:last + B].copy()
        c_n = cb[last:last + B].copy()
    else:
        h_n = np.empty((B, P), dt)
        c_n = np.empty((B, H), dt)
        for t in range(len(bs)):
            lo = bs[t + 1] if t + 1 < len(bs) else 0
            if lo < bs[t]:
                a = first + off[t]
                h_n[lo:bs[t]] = hb[a + lo:a + bs[t]]
                c_n[lo:bs[t]] = cb[a + lo:a + bs[t]]
    if not keep:
        return out_rows, h_n, c_n, None
    sv = LSTMScanSaved()
    sv.x, sv.w_ih, sv.w_hh, sv.w_hr = x, w_ih, w_hh, w_hr
    sv.z, sv.g, sv.tc, sv.hb, sv.prev = z, g_all, tc_all, hb, prev
    sv.hh = out_rows if w_hr is None else hh_all
    sv.bs, sv.off, sv.order, sv.dense, sv.reverse, sv.B = bs, off, order, dense, reverse, B
    # the caller gets its own copy of the outputs: an in-place change of ``out`` must not
    # reach the states backward reads
    return out_rows.copy(), h_n, c_n, sv


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
    z, g_all, tc_all, hh_all = sv.z, sv.g, sv.tc, sv.hh
    w_hh, w_hr = sv.w_hh, sv.w_hr
    dt = z.dtype
    rows, H = z.shape[1], z.shape[2]
    P = w_hh.shape[1]
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
            g, tc, hh = g_all[a:e], tc_all[a:e], hh_all[a:e]
            cp = sv.prev[t][1]
            # dc += dh * o * (1 - tanh(c)^2), with o * tanh(c) = hh
            tt = tmp[:n]
            mul(hh, tc, out=tt)
            sub(z[3, a:e], tt, out=tt)
            mul(tt, dhv, out=tt)
            add(dct, tt, out=dct)
            mul(dct, g, out=dz[0, a:e])
            mul(dct, cp, out=dz[1, a:e])
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
    dzT = dz.transpose(0, 2, 1)                        # (4, H, rows)
    if n_x:
        dx = np.add.reduce(np.matmul(dz, sv.w_ih.reshape(4, H, -1)), axis=0)
    if n_wih:
        dw_ih = np.matmul(dzT, sv.x).reshape(4 * H, -1)
    if n_b:
        db = dz.sum(axis=1).reshape(4 * H)
    if n_whh:
        if sv.dense:
            b0 = B if sv.reverse else 0
            hprev = sv.hb[b0:b0 + rows]
        else:
            hprev = np.concatenate([sv.prev[t][0] for t in range(len(bs))])
        dw_hh = np.matmul(dzT, hprev).reshape(4 * H, P)
    if n_whr:
        dw_hr = np.matmul(dhr.T, hh_all)
    return (dx, dw_ih, db, dw_hh, dw_hr, dh if n_h0 else None, dc if n_c0 else None)
