"""Hand-written NumPy forward+backward references for the bench workloads: the speed a
NumPy-backed framework could reach with zero framework overhead."""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided

F32 = np.float32


def _xent(logits, y):
    m = logits.max(1, keepdims=True)
    e = np.exp(logits - m)
    s = e.sum(1, keepdims=True)
    p = e / s
    n = logits.shape[0]
    loss = -(np.log(p[np.arange(n), y])).mean()
    g = p
    g[np.arange(n), y] -= 1
    return loss, g / n


def _init(rng, shape, fan_in):
    b = 1 / np.sqrt(fan_in)
    return rng.uniform(-b, b, size=shape).astype(F32)


class _SGD:
    def __init__(self, params, lr=0.01, momentum=0.9):
        self.params, self.lr, self.mom = params, lr, momentum
        self.buf = [np.zeros_like(p) for p in params]

    def step(self, grads):
        for p, g, b in zip(self.params, grads, self.buf):
            b *= self.mom
            b += g
            p -= self.lr * b


def op_overhead(repeat, timeit):
    a = np.ones((4, 4), F32)
    b = np.ones((4, 4), F32)
    n = 2000

    def fwd():
        for _ in range(n):
            np.multiply(a, b)

    def fwdbwd():
        for _ in range(n // 10):
            y = a * b
            y.sum()
            np.multiply(np.ones_like(y), b)

    t = timeit(fwd, repeat) / n * 1e6
    return {"fwd_us": t, "no_grad_us": t, "fwd_bwd_us": timeit(fwdbwd, repeat) / (n // 10) * 1e6}


def mlp_step(repeat, timeit):
    rng = np.random.default_rng(0)
    sizes = [784, 512, 256, 10]
    W = [_init(rng, (o, i), i) for i, o in zip(sizes[:-1], sizes[1:])]
    B = [_init(rng, (o,), i) for i, o in zip(sizes[:-1], sizes[1:])]
    x = rng.standard_normal((128, 784)).astype(F32)
    y = rng.integers(0, 10, 128)
    opt = _SGD(W + B)

    def step():
        acts = [x]
        h = x
        for k in range(3):
            h = h @ W[k].T + B[k]
            if k < 2:
                h = np.maximum(h, 0)
            acts.append(h)
        _, g = _xent(h, y)
        gW, gB = [None] * 3, [None] * 3
        for k in (2, 1, 0):
            if k < 2:
                g = g * (acts[k + 1] > 0)
            gW[k] = g.T @ acts[k]
            gB[k] = g.sum(0)
            g = g @ W[k]
        opt.step(gW + gB)
    return timeit(step, repeat)


def _im2col(x, k, pad):
    if pad:
        x = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    n, c, h, w = x.shape
    oh, ow = h - k + 1, w - k + 1
    s = x.strides
    cols = as_strided(x, (n, oh, ow, c, k, k), (s[0], s[2], s[3], s[1], s[2], s[3]))
    return cols.reshape(n * oh * ow, c * k * k), (n, oh, ow), x.shape


def _col2im(gcols, xshape, k, pad, n, oh, ow):
    c = xshape[1]
    g6 = gcols.reshape(n, oh, ow, c, k, k)
    gx = np.zeros(xshape, F32)
    for i in range(k):
        for j in range(k):
            gx[:, :, i:i + oh, j:j + ow] += g6[:, :, :, :, i, j].transpose(0, 3, 1, 2)
    if pad:
        gx = gx[:, :, pad:-pad, pad:-pad]
    return gx


class _Conv:
    def __init__(self, rng, cin, cout, k, pad):
        self.W = _init(rng, (cout, cin * k * k), cin * k * k)
        self.b = _init(rng, (cout,), cin * k * k)
        self.k, self.pad = k, pad

    def fwd(self, x):
        cols, (n, oh, ow), pshape = _im2col(x, self.k, self.pad)
        self.cache = (cols, n, oh, ow, pshape)
        out = cols @ self.W.T + self.b
        return out.reshape(n, oh, ow, -1).transpose(0, 3, 1, 2)

    def bwd(self, g):
        cols, n, oh, ow, pshape = self.cache
        g2 = g.transpose(0, 2, 3, 1).reshape(n * oh * ow, -1)
        self.gW = g2.T @ cols
        self.gb = g2.sum(0)
        return _col2im(g2 @ self.W, pshape, self.k, self.pad, n, oh, ow)


def _pool_fwd(x):
    n, c, h, w = x.shape
    r = x.reshape(n, c, h // 2, 2, w // 2, 2)
    out = r.max(axis=(3, 5))
    mask = r == out[:, :, :, None, :, None]
    return out, mask


def _pool_bwd(g, mask):
    gx = mask * g[:, :, :, None, :, None]
    n, c, h2, _, w2, _ = gx.shape
    return gx.reshape(n, c, h2 * 2, w2 * 2)


def _cnn(repeat, timeit, convs, fc, xshape):
    rng = np.random.default_rng(0)
    cs = [_Conv(rng, *a) for a in convs]
    fcs = [(_init(rng, (o, i), i), _init(rng, (o,), i)) for i, o in fc]
    x = rng.standard_normal(xshape).astype(F32)
    y = rng.integers(0, 10, xshape[0])
    params = [p for c in cs for p in (c.W, c.b)] + [p for w, b in fcs for p in (w, b)]
    opt = _SGD(params)

    def step():
        h = x
        masks, relus = [], []
        for c in cs:
            h = c.fwd(h)
            relus.append(h > 0)
            h = np.maximum(h, 0)
            h, m = _pool_fwd(h)
            masks.append((m, h.shape))
        flat_shape = h.shape
        h = h.reshape(h.shape[0], -1)
        acts = [h]
        for k, (w, b) in enumerate(fcs):
            h = h @ w.T + b
            if k < len(fcs) - 1:
                h = np.maximum(h, 0)
            acts.append(h)
        _, g = _xent(h, y)
        gfc = []
        for k in range(len(fcs) - 1, -1, -1):
            if k < len(fcs) - 1:
                g = g * (acts[k + 1] > 0)
            gfc.append((g.T @ acts[k], g.sum(0)))
            g = g @ fcs[k][0]
        gfc.reverse()
        g = g.reshape(flat_shape)
        for c, (m, _), r in zip(reversed(cs), reversed(masks), reversed(relus)):
            g = _pool_bwd(g, m) * r
            g = c.bwd(g)
        grads = [q for c in cs for q in (c.gW, c.gb)] + [q for pair in gfc for q in pair]
        opt.step(grads)
    return timeit(step, repeat)


def cnn_step(repeat, timeit):
    return _cnn(repeat, timeit, [(1, 6, 5, 2), (6, 16, 5, 0)], [(400, 120), (120, 84), (84, 10)],
                (64, 1, 28, 28))


def cnn_big_step(repeat, timeit):
    return _cnn(repeat, timeit, [(3, 32, 3, 1), (32, 64, 3, 1)], [(64 * 8 * 8, 10)],
                (32, 3, 32, 32))


def _sig(x):
    return 1 / (1 + np.exp(-x))


def lstm_step(repeat, timeit):
    rng = np.random.default_rng(0)
    T, N, I, H = 35, 32, 32, 128
    Wih = _init(rng, (4 * H, I), H)
    Whh = _init(rng, (4 * H, H), H)
    b = _init(rng, (4 * H,), H) + _init(rng, (4 * H,), H)
    Wo, bo = _init(rng, (10, H), H), _init(rng, (10,), H)
    x = rng.standard_normal((T, N, I)).astype(F32)
    y = rng.integers(0, 10, N)
    opt = _SGD([Wih, Whh, b, Wo, bo])

    def step():
        xp = (x.reshape(T * N, I) @ Wih.T + b).reshape(T, N, 4 * H)
        h = np.zeros((N, H), F32)
        c = np.zeros((N, H), F32)
        cache = []
        for t in range(T):
            z = xp[t] + h @ Whh.T
            i, f, gg, o = _sig(z[:, :H]), _sig(z[:, H:2 * H]), np.tanh(z[:, 2 * H:3 * H]), \
                _sig(z[:, 3 * H:])
            c_new = f * c + i * gg
            tc = np.tanh(c_new)
            cache.append((h, c, i, f, gg, o, tc))
            h, c = o * tc, c_new
        logits = h @ Wo.T + bo
        _, g = _xent(logits, y)
        gWo, gbo = g.T @ h, g.sum(0)
        dh = g @ Wo
        dc = np.zeros_like(dh)
        dz_all = np.empty((T, N, 4 * H), F32)
        gWhh = np.zeros_like(Whh)
        for t in range(T - 1, -1, -1):
            hp, cp, i, f, gg, o, tc = cache[t]
            do = dh * tc
            dc = dc + dh * o * (1 - tc * tc)
            di, df, dg = dc * gg, dc * cp, dc * i
            dz = np.concatenate([di * i * (1 - i), df * f * (1 - f), dg * (1 - gg * gg),
                                 do * o * (1 - o)], axis=1)
            dz_all[t] = dz
            gWhh += dz.T @ hp
            dh = dz @ Whh
            dc = dc * f
        dz2 = dz_all.reshape(T * N, 4 * H)
        gWih = dz2.T @ x.reshape(T * N, I)
        gb = dz2.sum(0)
        opt.step([gWih, gWhh, gb, gWo, gbo])
    return timeit(step, repeat)


def matmul_1024(repeat, timeit):
    rng = np.random.default_rng(0)
    a = rng.standard_normal((1024, 1024)).astype(F32)
    b = rng.standard_normal((1024, 1024)).astype(F32)
    return timeit(lambda: a @ b, repeat)


def adam_step(repeat, timeit):
    rng = np.random.default_rng(0)
    p = rng.standard_normal((200, 64, 64)).astype(F32)
    g = rng.standard_normal((200, 64, 64)).astype(F32)
    m = np.zeros_like(p)
    v = np.zeros_like(p)
    state = {"t": 0}
    lr, b1, b2, eps = 1e-3, 0.9, 0.999, 1e-8

    def step():
        state["t"] += 1
        t = state["t"]
        m.__imul__(b1)
        m.__iadd__((1 - b1) * g)
        v.__imul__(b2)
        v.__iadd__((1 - b2) * g * g)
        denom = np.sqrt(v / (1 - b2 ** t)) + eps
        p.__isub__(lr / (1 - b1 ** t) * m / denom)
    return timeit(step, repeat)


REF = {"op_overhead": op_overhead, "mlp_step": mlp_step, "cnn_step": cnn_step,
       "cnn_big_step": cnn_big_step, "lstm_step": lstm_step, "matmul_1024": matmul_1024,
       "adam_step": adam_step}
