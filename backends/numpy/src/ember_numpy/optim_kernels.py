"""The NumPy backend's fused optimizer kernels ``adam_step`` and ``sgd_step`` (optional backend
kernels, see ``ember/optim/_multi_tensor.py`` NOTE [fused optimizer kernels]).

Adam processes the parameters in pieces of whole parameters of about ``_CHUNK`` elements:
each piece is gathered into one contiguous array, updated with in-place ufuncs (so its
working set stays in the CPU caches and no temporaries are allocated per op) and written
back. The arithmetic is the exact op sequence of the generic update in ember-optim's
``adam_update``, so both give bit-identical results.

SGD is memory-bound (a few flops per element of three arrays): it runs each update as the
BLAS's in-place ``axpy``/``scal``, one pass over memory each, where NumPy's ufuncs need a
second pass for ``alpha * y``; ``axpy`` rounds ``y + alpha * x`` once, as PyTorch does.
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


def _blas(dt):
    """``(scal, axpy)`` of the BLAS (SciPy's) for float32 or float64: ``scal(a, x)`` is
    ``x *= a`` and ``axpy(x, y, a=a)`` is ``y += a * x`` with one rounding per element (a
    fused multiply-add), both in place on contiguous 1-D arrays and in one pass over memory."""
    from scipy.linalg import blas
    return (blas.sscal, blas.saxpy) if dt == np.float32 else (blas.dscal, blas.daxpy)


def sgd_step(params, grads, momentum_buffer, *, lr, momentum, dampening, weight_decay, nesterov,
             maximize):
    """One SGD step (with momentum, dampening, Nesterov, weight decay) for a list of
    parameters, in place, parameter by parameter with the BLAS's ``scal`` and ``axpy`` (no
    Python op layer, one pass over memory per update, no temporaries on the default path).

    ``params``/``grads``: lists of arrays (any strides); ``momentum_buffer``: the 1-D array
    holding every parameter's buffer one after another, or None without momentum. The op
    sequence is ember-optim's ``sgd_update``, and every ``x + alpha * y`` rounds once, as
    PyTorch's CPU ``add(alpha=)`` does (a fused multiply-add): the results are PyTorch's bits
    but for a few elements in 10^5 (loop tails that either side rounds twice), and within an
    ulp of the generic path, which rounds ``alpha * y`` first. Returns
    ``NotImplemented`` for dtypes it does not handle, or when momentum is used and the buffers
    do not exist yet (the first step, where the buffer is the gradient itself)."""
    if momentum != 0 and momentum_buffer is None:
        return NotImplemented
    dt = params[0].dtype
    if dt not in (np.float32, np.float64) or (
            momentum_buffer is not None and momentum_buffer.dtype != dt):
        return NotImplemented
    scal, axpy = _blas(dt)
    off = 0
    for p, g in zip(params, grads, strict=True):
        n = p.size
        if n == 0:
            continue
        direct = p.flags.c_contiguous
        flat = p.reshape(-1) if direct else np.ascontiguousarray(p).reshape(-1)
        owned = not g.flags.c_contiguous          # ascontiguousarray below copies it
        g = np.ascontiguousarray(g).reshape(-1)
        if maximize:
            g, owned = np.negative(g), True
        if weight_decay != 0:
            g, owned = axpy(flat, g if owned else g.copy(), a=weight_decay), True
        if momentum != 0:
            buf = momentum_buffer[off:off + n]
            scal(momentum, buf)
            axpy(g, buf, a=1 - dampening)
            g = axpy(buf, g if owned else g.copy(), a=momentum) if nesterov else buf
        axpy(g, flat, a=-lr)
        if not direct:
            np.copyto(p, flat.reshape(p.shape))
        off += n
    return None
