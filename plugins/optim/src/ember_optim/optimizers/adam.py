"""Adam and AdamW (Kingma & Ba, 2014; Loshchilov & Hutter, 2017)."""

from __future__ import annotations

import math

import ember

from ._base import ElementwiseOptimizer, check_adam_args, check_fused, fresh_state, value

__all__ = ["Adam", "AdamW"]


def adam_update(param, grad, s, group) -> None:
    """One Adam step for ``param`` (in place) given ``grad`` and its state ``s``
    (``step``, ``exp_avg``, ``exp_avg_sq``, ``max_exp_avg_sq`` with amsgrad).

    Written with single-rounding ops in a fixed order: the backends' fused ``adam_step``
    kernels apply exactly this sequence (NOTE [fused optimizer kernels])."""
    lr, wd, eps = value(group["lr"]), group["weight_decay"], group["eps"]
    beta1, beta2 = (value(b) for b in group["betas"])
    if group["maximize"]:
        grad = -grad
    s["step"] = step = s["step"] + 1
    if wd != 0:
        if group["decoupled_weight_decay"]:
            param.mul_(1 - lr * wd)
        else:
            grad = grad + param * wd
    exp_avg, exp_avg_sq = s["exp_avg"], s["exp_avg_sq"]
    exp_avg.add_((grad - exp_avg).mul_(1 - beta1))
    exp_avg_sq.mul_(beta2).add_((grad * grad).mul_(1 - beta2))
    step_size = lr / (1 - beta1 ** step)
    bias_correction2_sqrt = math.sqrt(1 - beta2 ** step)
    if group["amsgrad"]:
        second = s["max_exp_avg_sq"]
        ember.maximum(second, exp_avg_sq, out=second)
    else:
        second = exp_avg_sq
    denom = (second.sqrt() / bias_correction2_sqrt).add_(eps)
    param.add_((exp_avg / denom).mul_(-step_size))


def _adam_kernel(fn, params, grads, flats, scalars, group):
    """Adapter for the backends' fused ``adam_step`` (NOTE [fused optimizer kernels])."""
    step = scalars["step"] + 1
    beta1, beta2 = (value(b) for b in group["betas"])
    out = fn(params, grads, flats["exp_avg"], flats["exp_avg_sq"],
             flats.get("max_exp_avg_sq") if group["amsgrad"] else None,
             lr=value(group["lr"]), beta1=beta1, beta2=beta2, eps=group["eps"],
             weight_decay=group["weight_decay"],
             decoupled_weight_decay=group["decoupled_weight_decay"],
             amsgrad=group["amsgrad"], maximize=group["maximize"], step=step)
    return NotImplemented if out is NotImplemented else {"step": step}


class Adam(ElementwiseOptimizer):
    """Adam: adaptive moment estimation.

    ``m = beta1 m + (1 - beta1) g``; ``v = beta2 v + (1 - beta2) g²``;
    ``p -= lr m̂ / (sqrt(v̂) + eps)`` with bias-corrected ``m̂, v̂``.

    Args:
        params: tensors, ``(name, tensor)`` pairs or param-group dicts.
        lr: learning rate (default 1e-3; a float or a 1-element tensor).
        betas: coefficients of the running averages of the gradient and its square.
        eps: added to the denominator for numerical stability (default 1e-8).
        weight_decay: L2 penalty (default 0), or decoupled decay with
            ``decoupled_weight_decay=True`` (that is AdamW).
        amsgrad: use the running maximum of ``v`` (AMSGrad).
        foreach: None (default: automatic) or True update all parameters of a group through
            flat buffers in a few large ops; False updates one parameter at a time.
        maximize: maximize the objective instead of minimizing it.
        capturable: keep ``step`` on the parameter's device (results are the same).
        differentiable: record the step in autograd (per-parameter path).
        fused: True selects the flat multi-tensor path (as ``foreach``).
        decoupled_weight_decay: apply weight decay as AdamW does.

    State per parameter: ``step`` (0-d tensor), ``exp_avg``, ``exp_avg_sq`` and, with
    amsgrad, ``max_exp_avg_sq`` (shaped like the parameter).

    Example::

        >>> opt = ember.optim.Adam(model.parameters(), lr=1e-3)
        >>> loss = loss_fn(model(x), y); opt.zero_grad(); loss.backward(); opt.step()
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 amsgrad=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False, fused=None, decoupled_weight_decay=False):
        check_adam_args(lr, betas, eps, weight_decay)
        check_fused(fused, foreach, differentiable)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        amsgrad=amsgrad, maximize=maximize, foreach=foreach,
                        capturable=capturable, differentiable=differentiable, fused=fused,
                        decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)

    @staticmethod
    def _init_state(p, group):
        st = fresh_state(p, "exp_avg", "exp_avg_sq")
        if group["amsgrad"]:
            st["max_exp_avg_sq"] = ember.zeros_like(p)
        return st

    _update = staticmethod(adam_update)
    _kernel = ("adam_step", _adam_kernel)


class AdamW(Adam):
    """AdamW: Adam with decoupled weight decay (``p *= 1 - lr * weight_decay`` before the Adam
    step, instead of adding ``weight_decay * p`` to the gradient).

    Args: as :class:`Adam`, with ``weight_decay`` defaulting to 1e-2.

    Example::

        >>> opt = ember.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.05)
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                 amsgrad=False, *, maximize=False, foreach=None, capturable=False,
                 differentiable=False, fused=None):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach,
                         maximize=maximize, capturable=capturable,
                         differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)
