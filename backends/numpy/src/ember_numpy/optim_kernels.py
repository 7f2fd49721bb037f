"""The NumPy backend's fused optimizer kernels ``adam_step`` and ``sgd_step`` (optional backend
kernels, see ``ember/optim/_multi_tensor.py`` NOTE [fused optimizer kernels]).

The parameters are processed in pieces of whole parameters of about ``_CHUNK`` elements:
each piece is gathered into one contiguous array, updated with in-place ufuncs (so its
working set stays in the CPU caches and no temporaries are allocated per op) and written
back. The arithmetic is the exact op sequence of the generic update in ember-optim's
``adam_update``, so both give bit-identical results.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["adam_step", "sgd_step"]

_CHUNK = 1 << 15


def _pieces(params):
    i, n = 0, len(params)
    while i < n:
        j, k = i + 1, params[i].size
        while j < n and k + params[j].size <= _CHUNK:
            k += params[j].size
            j += 1
        yield i, j, k
        i = j


def adam_step(params, grads, exp_avg, exp_avg_sq, max_exp_avg_sq, *, lr, beta1, beta2, eps,
              weight_decay, decoupled_weight_decay, amsgrad, maximize, step):
    """One Adam/AdamW step for a list of parameters, in place.

    ``params``/``grads``: lists of arrays (any strides); ``exp_avg``, ``exp_avg_sq`` and
    (with ``amsgrad``) ``max_exp_avg_sq``: 1-D arrays holding the state of all parameters
    one after another; ``step``: the step number after this step's increment. Returns
    ``NotImplemented`` for dtypes it does not handle (the caller then uses its fallback)."""
    if exp_avg.dtype not in (np.float32, np.float64):
        return NotImplemented
    step_size = lr / (1 - beta1 ** step)
    bc2_sqrt = math.sqrt(1 - beta2 ** step)
    c1, c2 = 1 - beta1, 1 - beta2
    size = max(k for _, _, k in _pieces(params))
    tmp = np.empty(size, exp_avg.dtype)
    tmp2 = np.empty(size, exp_avg.dtype)
    off = 0
    for i, j, k in _pieces(params):
        ps = params[i:j]
        direct = j - i == 1 and ps[0].flags.c_contiguous
        if direct:
            p = ps[0].reshape(-1)
            g = grads[i].reshape(-1)
        else:
            p = np.concatenate([x.reshape(-1) for x in ps])
            g = np.concatenate([x.reshape(-1) for x in grads[i:j]])
        m, v = exp_avg[off:off + k], exp_avg_sq[off:off + k]
        t, u = tmp[:k], tmp2[:k]
        if maximize:
            g = np.negative(g)
        if weight_decay != 0:
            if decoupled_weight_decay:
                p *= 1 - lr * weight_decay
            else:
                np.multiply(p, weight_decay, out=t)
                g = np.add(g, t)
        np.subtract(g, m, out=t)
        t *= c1
        m += t
        v *= beta2
        np.multiply(g, g, out=t)
        t *= c2
        v += t
        second = v
        if amsgrad:
            second = max_exp_avg_sq[off:off + k]
            np.maximum(second, v, out=second)
        np.sqrt(second, out=t)
        t /= bc2_sqrt
        t += eps
        np.divide(m, t, out=u)
        u *= -step_size
        p += u
        if not direct:
            o = 0
            for x in ps:
                np.copyto(x, p[o:o + x.size].reshape(x.shape))
                o += x.size
        off += k
    return None


_SCRATCH = {}


def _scratch(size, dt):
    """A reusable work array of at least ``size`` elements: a fresh multi-megabyte array
    each step would be mapped and zeroed by the OS page by page on first touch."""
    buf = _SCRATCH.get(dt)
    if buf is None or buf.size < size:
        buf = _SCRATCH[dt] = np.empty(size, dt)
    return buf[:size]


def sgd_step(params, grads, momentum_buffer, *, lr, momentum, dampening, weight_decay, nesterov,
             maximize):
    """One SGD step (with momentum, dampening, Nesterov, weight decay) for a list of
    parameters, in place, parameter by parameter with in-place ufuncs (no temporaries but
    one reused scratch array, no Python op layer).

    ``params``/``grads``: lists of arrays (any strides); ``momentum_buffer``: the 1-D array
    holding every parameter's buffer one after another, or None without momentum. The
    arithmetic is the op sequence of ember-optim's ``sgd_update`` (bit-identical results).
    Returns ``NotImplemented`` for dtypes it does not handle, or when momentum is used and
    the buffers do not exist yet (the first step, where the buffer is the gradient itself)."""
    if momentum != 0 and momentum_buffer is None:
        return NotImplemented
    dt = params[0].dtype
    if dt not in (np.float32, np.float64) or (
            momentum_buffer is not None and momentum_buffer.dtype != dt):
        return NotImplemented
    tmp = _scratch(max(p.size for p in params), dt)
    off = 0
    for p, g in zip(params, grads):
        n = p.size
        t = tmp[:n].reshape(p.shape)
        if maximize:
            g = np.negative(g)
        if weight_decay != 0:
            np.multiply(p, weight_decay, out=t)
            g = np.add(g, t)
        if momentum != 0:
            buf = momentum_buffer[off:off + n].reshape(p.shape)
            buf *= momentum
            if 1 - dampening != 1:
                np.multiply(g, 1 - dampening, out=t)
                buf += t
            else:
                buf += g
            if nesterov:
                np.multiply(buf, momentum, out=t)
                g = np.add(g, t)
            else:
                g = buf
        np.multiply(g, -lr, out=t)
        p += t
        off += n
    return None
