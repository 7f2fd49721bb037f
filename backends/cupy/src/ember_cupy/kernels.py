"""Fused CUDA kernels of the cuda backend.

``adam_step`` follows the contract of NOTE [fused optimizer kernels] in
``ember/optim/_multi_tensor.py``: exactly the op sequence of ember-optim's ``adam_update``,
each op rounded on its own (``__f*_rn``/``__d*_rn`` intrinsics keep the compiler from
contracting a multiply and an add into one FMA), so the fused kernel, the flat path and the
one-parameter-at-a-time path give the same bits on the GPU.
"""

from __future__ import annotations

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


def _adam_kernel(cp, ctype):
    k = _cache.get(ctype)
    if k is None:
        ops = _OPS[ctype]
        body = _ADAM_BODY
        for name in ("ADD", "MUL", "SUB", "DIV"):
            body = body.replace(f"{name}(", f"{ops[name]}(")
        body = body.replace("SQRT(", f"{ops['SQRT']}(")
        k = cp.ElementwiseKernel(
            "T g, T wd, T decay, T c1, T beta2, T c2, T bc2, T eps, T neg_step, "
            "bool maximize, bool decoupled, bool amsgrad",
            "T p, T m, T v, T mx", body, f"ember_adam_step_{ctype}")
        _cache[ctype] = k
    return k


def adam_step(cp, params, grads, exp_avg, exp_avg_sq, max_exp_avg_sq, *, lr, beta1, beta2,
              eps, weight_decay, decoupled_weight_decay, amsgrad, maximize, step):
    """One Adam/AdamW step over a list of parameters, in place, one kernel per parameter."""
    if exp_avg.dtype == cp.float32:
        ctype, T = "float", cp.float32
    elif exp_avg.dtype == cp.float64:
        ctype, T = "double", cp.float64
    else:
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
