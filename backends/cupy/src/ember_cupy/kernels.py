"""Fused CUDA kernels of the cuda backend.

On a GPU a small training step is paid in kernel launches and Python calls, not arithmetic,
so the hot paths that take a dozen primitives each get one kernel (or a few) here.

``adam_step`` and ``sgd_step`` follow the contract of NOTE [fused optimizer kernels] in
``ember/optim/_multi_tensor.py``: exactly the op sequence of ember-optim's ``adam_update``,
each op rounded on its own (``__f*_rn``/``__d*_rn`` intrinsics keep the compiler from
contracting a multiply and an add into one FMA), so the fused kernel, the flat path and the
one-parameter-at-a-time path give the same bits on the GPU.
"""

from __future__ import annotations

import numpy as np

_ADAM_BODY = """
T gg = maximize ? -g : g;
if (wd != (T)0) {
    if (decoupled) { p = MUL(p, decay); }
    else { gg = ADD(gg, MUL(p, wd)); }
}
m = ADD(m, MUL(SUB(gg, m), c1));
v = ADD(MUL(v, beta2), MUL(MUL(gg, gg), c2));
T second = v;
if (amsgrad) { mx = mx > v ? mx : v; second = mx; }
T denom = ADD(DIV(SQRT(second), bc2), eps);
p = ADD(p, MUL(DIV(m, denom), neg_step));
"""

_OPS = {
    "float": dict(ADD="__fadd_rn", MUL="__fmul_rn", SUB="__fsub_rn", DIV="__fdiv_rn",
                  SQRT="__fsqrt_rn"),
    "double": dict(ADD="__dadd_rn", MUL="__dmul_rn", SUB="__dsub_rn", DIV="__ddiv_rn",
                   SQRT="__dsqrt_rn"),
}

_cache = {}


def _rounded(body, ctype):
    """``body`` with ADD/MUL/... spelled as the round-to-nearest intrinsics of ``ctype``."""
    ops = _OPS[ctype]
    for name in ("ADD", "MUL", "SUB", "DIV", "SQRT"):
        body = body.replace(f"{name}(", f"{ops[name]}(")
    return body


def _adam_kernel(cp, ctype):
    k = _cache.get(("adam", ctype))
    if k is None:
        k = _cache["adam", ctype] = cp.ElementwiseKernel(
            "T g, T wd, T decay, T c1, T beta2, T c2, T bc2, T eps, T neg_step, "
            "bool maximize, bool decoupled, bool amsgrad",
            "T p, T m, T v, T mx", _rounded(_ADAM_BODY, ctype), f"ember_adam_step_{ctype}")
    return k


def _sgd_kernel(cp, ctype, maximize, decay, momentum, nesterov):
    """The SGD kernel of one configuration, its body only the steps that configuration
    takes (so each call passes only the arrays and scalars it uses: CuPy charges per
    argument)."""
    key = ("sgd", ctype, maximize, decay, momentum, nesterov)
    k = _cache.get(key)
    if k is None:
        body = ["T gg = -g;" if maximize else "T gg = g;"]
        ins = ["T g"]
        if decay:
            body.append("gg = ADD(gg, MUL(p, wd));")
            ins.append("T wd")
        if momentum:
            body.append("buf = ADD(MUL(buf, momentum), MUL(gg, damp1));")
            body.append("gg = ADD(gg, MUL(buf, momentum));" if nesterov else "gg = buf;")
            ins += ["T momentum", "T damp1"]
        body.append("p = ADD(p, MUL(gg, neg_lr));")
        ins.append("T neg_lr")
        tag = "".join("1" if v else "0" for v in (maximize, decay, momentum, nesterov))
        k = _cache[key] = cp.ElementwiseKernel(
            ", ".join(ins), "T p, T buf" if momentum else "T p",
            _rounded("\n".join(body), ctype), f"ember_sgd_{ctype}_{tag}")
    return k


def _ctype(cp, dtype):
    if dtype == cp.float32:
        return "float", cp.float32
    if dtype == cp.float64:
        return "double", cp.float64
    return None, None


def adam_step(cp, params, grads, exp_avg, exp_avg_sq, max_exp_avg_sq, *, lr, beta1, beta2,
              eps, weight_decay, decoupled_weight_decay, amsgrad, maximize, step):
    """One Adam/AdamW step over a list of parameters, in place, one kernel per parameter."""
    ctype, T = _ctype(cp, exp_avg.dtype)
    if ctype is None or any(p.dtype != exp_avg.dtype for p in params):
        return NotImplemented
    kern = _adam_kernel(cp, ctype)
    step_size = lr / (1 - beta1 ** step)
    bc2 = (1 - beta2 ** step) ** 0.5
    scal = [T(weight_decay), T(1 - lr * weight_decay), T(1 - beta1), T(beta2), T(1 - beta2),
            T(bc2), T(eps), T(-step_size)]
    off = 0
    for p, g in zip(params, grads):
        n = p.size
        m = exp_avg[off:off + n].reshape(p.shape)
        v = exp_avg_sq[off:off + n].reshape(p.shape)
        mx = max_exp_avg_sq[off:off + n].reshape(p.shape) if amsgrad else v
        kern(g, *scal, bool(maximize), bool(decoupled_weight_decay), bool(amsgrad), p, m, v, mx)
        off += n
    return None


def sgd_step(cp, params, grads, momentum_buffer, *, lr, momentum, dampening, weight_decay,
             nesterov, maximize):
    """One SGD step (momentum, dampening, Nesterov, weight decay, maximize) over a list of
    parameters, in place, one kernel per parameter; the op sequence of ember-optim's
    ``sgd_update``, each op rounded on its own. ``NotImplemented`` for other dtypes and for
    the first momentum step (the buffer is then the gradient itself)."""
    if momentum != 0 and momentum_buffer is None:
        return NotImplemented
    ctype, T = _ctype(cp, params[0].dtype)
    if ctype is None or any(p.dtype != params[0].dtype for p in params) or (
            momentum_buffer is not None and momentum_buffer.dtype != params[0].dtype):
        return NotImplemented
    use_m, decay = momentum != 0, weight_decay != 0
    kern = _sgd_kernel(cp, ctype, bool(maximize), decay, use_m, bool(nesterov))
    scal = ([T(weight_decay)] if decay else []) + (
        [T(momentum), T(1 - dampening)] if use_m else []) + [T(-lr)]
    off = 0
    for p, g in zip(params, grads):
        n = p.size
        if use_m:
            kern(g, *scal, p, momentum_buffer[off:off + n].reshape(p.shape))
        else:
            kern(g, *scal, p)
        off += n
    return None


_CE_FORWARD = r"""
typedef REAL T;
extern "C" __global__ void NAME(const T* __restrict__ x, const long long* __restrict__ t,
                                T* __restrict__ probs, T* __restrict__ rows,
                                int* __restrict__ bad, const long long c, const T inv_n) {
    // one block of 256 threads per row of the (N, C) logits
    __shared__ T red[256];
    const long long r = blockIdx.x;
    const int tid = threadIdx.x;
    const T* xr = x + r * c;
    T* pr = probs + r * c;
    T m = xr[0];                                   // the row maximum (a NaN wins)
    for (long long j = tid; j < c; j += 256) {
        const T v = xr[j];
        if (v > m || v != v) m = v;
    }
    red[tid] = m;
    __syncthreads();
    for (int h = 128; h > 0; h >>= 1) {
        if (tid < h) {
            const T a = red[tid], b = red[tid + h];
            if (b > a || b != b) red[tid] = b;
        }
        __syncthreads();
    }
    m = red[0];
    __syncthreads();
    T acc = 0;                                     // sum of exp(x - m), e kept in probs
    for (long long j = tid; j < c; j += 256) {
        const T e = exp(xr[j] - m);
        pr[j] = e;
        acc += e;
    }
    red[tid] = acc;
    __syncthreads();
    for (int h = 128; h > 0; h >>= 1) {
        if (tid < h) red[tid] += red[tid + h];
        __syncthreads();
    }
    const T s = red[0];
    for (long long j = tid; j < c; j += 256) pr[j] = pr[j] / s;
    if (tid == 0) {
        const long long k = t[r];
        if (k < 0 || k >= c) {
            bad[0] = 1;
            rows[r] = 0;
        } else {
            rows[r] = (log(s) - (xr[k] - m)) * inv_n;
        }
    }
}
"""

_COLSUM = r"""
typedef REAL T;
extern "C" __global__ void NAME(const T* __restrict__ x, T* __restrict__ out,
                                const long long m, const long long k) {
    // column sums of a C-contiguous (m, k) array, rows added in order (as NumPy does)
    const long long j = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (j >= k) return;
    T acc = 0;
    for (long long i = 0; i < m; ++i) acc += x[i * k + j];
    out[j] = acc;
}
"""


def _raw(cp, src, name, ctype):
    key = ("raw", name, ctype)
    k = _cache.get(key)
    if k is None:
        full = f"{name}_{ctype}"
        k = _cache[key] = cp.RawKernel(src.replace("REAL", ctype).replace("NAME", full), full)
    return k


def cross_entropy_mean(cp, x, t):
    """``(loss, probs)``: ``mean_n(logsumexp(x_n) - x_n[t_n])`` as a 0-d array of ``x``'s
    dtype and ``softmax(x, 1)``, for (N, C) float32/float64 logits and (N,) int64 targets:
    one kernel (a block per row: maximum, exponentials, probabilities and the row's loss),
    a sum, and one host sync for the target range check. ``NotImplemented`` for anything
    else and for a target outside ``[0, C)`` (NOTE [fused cross entropy kernel] in
    ``ember.backend``)."""
    if (x.ndim != 2 or t.ndim != 1 or x.dtype not in (cp.float32, cp.float64)
            or t.dtype != cp.int64 or x.shape[0] != t.shape[0] or x.size == 0):
        return NotImplemented
    ctype, T = _ctype(cp, x.dtype)
    n, c = x.shape
    x = cp.ascontiguousarray(x)
    t = cp.ascontiguousarray(t)
    probs = cp.empty_like(x)
    rows = cp.empty((n,), dtype=x.dtype)
    bad = cp.zeros((1,), dtype=cp.int32)
    _raw(cp, _CE_FORWARD, "ember_ce_forward", ctype)(
        (n,), (256,), (x, t, probs, rows, bad, np.int64(c), T(1.0 / n)))
    loss = rows.sum()
    if int(bad[0]):                 # the one sync: a bad target takes the general path
        return NotImplemented
    return loss, probs


def _ce_backward_kernel(cp):
    k = _cache.get("ce_backward")
    if k is None:
        k = _cache["ce_backward"] = cp.ElementwiseKernel(
            "T p, raw int64 t, raw T g, T inv_n, int64 c", "T gx",
            "const T gs = g[0] * inv_n;"
            "gx = (p - ((long long)(i % c) == t[i / c] ? (T)1 : (T)0)) * gs;",
            "ember_ce_backward")
    return k


def cross_entropy_mean_backward(cp, probs, t, g):
    """The gradient of ``cross_entropy_mean`` in the logits: ``(probs - onehot(t)) * (g /
    N)`` in one kernel, the op sequence of the generic backward (same bits)."""
    if probs.dtype not in (cp.float32, cp.float64) or not probs.flags.c_contiguous:
        return NotImplemented
    n, c = probs.shape
    T = probs.dtype.type
    return _ce_backward_kernel(cp)(probs, cp.ascontiguousarray(t), g.reshape(1), T(1.0 / n),
                                   c)


def column_sum(cp, x):
    """``x.sum(0)`` of a C-contiguous (m, k) float32/float64 array with rows added in order,
    one thread per column (a reduction kernel costs several launches' worth on small
    arrays); ``None`` where that would be slow or does not apply."""
    if (x.ndim != 2 or x.dtype not in (cp.float32, cp.float64) or not x.flags.c_contiguous
            or x.shape[0] > 2048 or x.shape[1] < 32 or x.shape[0] == 0):
        return None
    m, k = x.shape
    ctype, _ = _ctype(cp, x.dtype)
    out = cp.empty((k,), dtype=x.dtype)
    _raw(cp, _COLSUM, "ember_colsum", ctype)(((k + 127) // 128,), (128,),
                                            (x, out, np.int64(m), np.int64(k)))
    return out
