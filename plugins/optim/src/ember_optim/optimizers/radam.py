"""RAdam: rectified Adam (Liu et al., 2019)."""

from __future__ import annotations

import math

from ._base import ElementwiseOptimizer, check_adam_args, fresh_state, penalized_grad, value

__all__ = ["RAdam"]


def radam_update(param, grad, s, group) -> None:
    """One RAdam step for ``param`` (in place); state ``step``, ``exp_avg``, ``exp_avg_sq``."""
    lr, eps = value(group["lr"]), group["eps"]
    beta1, beta2 = group["betas"]
    grad = penalized_grad(param, grad, group)
    s["step"] = step = s["step"] + 1
    exp_avg, exp_avg_sq = s["exp_avg"], s["exp_avg_sq"]
    exp_avg.lerp_(grad, 1 - beta1)
    exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
    bias_correction1 = 1 - beta1 ** step
    bias_correction2 = 1 - beta2 ** step
    corrected = exp_avg / bias_correction1
    # length of the approximated simple moving average, and its limit
    rho_inf = 2 / (1 - beta2) - 1
    rho_t = rho_inf - 2 * step * (beta2 ** step) / bias_correction2
    if rho_t > 5.0:       # the variance is tractable: rectified adaptive step
        rect = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf
                         / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
        adaptive = math.sqrt(bias_correction2) / exp_avg_sq.sqrt().add_(eps)
        param.add_(corrected * lr * adaptive * rect, alpha=-1.0)
    else:                 # early steps: SGD with momentum
        param.add_(corrected * lr, alpha=-1.0)


class RAdam(ElementwiseOptimizer):
    """RAdam: Adam whose adaptive learning rate is rectified by the variance of its
    estimate (plain momentum SGD while that variance is intractable, ``rho_t <= 5``).

    Args:
        params: tensors, ``(name, tensor)`` pairs or param-group dicts.
        lr: learning rate (default 1e-3).
        betas, eps: as for :class:`ember.optim.Adam`.
        weight_decay: L2 penalty (default 0); decoupled with ``decoupled_weight_decay``.
        foreach, maximize, capturable, differentiable: as for Adam.

    State per parameter: ``step``, ``exp_avg``, ``exp_avg_sq``.

    Example::

        >>> opt = ember.optim.RAdam(model.parameters(), lr=1e-3)
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False,
                 capturable=False, differentiable=False):
        check_adam_args(lr, betas, eps, weight_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        maximize=maximize, foreach=foreach, capturable=capturable,
                        decoupled_weight_decay=decoupled_weight_decay,
                        differentiable=differentiable)
        super().__init__(params, defaults)

    @staticmethod
    def _init_state(p, group):
        return fresh_state(p, "exp_avg", "exp_avg_sq")

    _update = staticmethod(radam_update)
