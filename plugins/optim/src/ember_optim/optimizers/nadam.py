"""NAdam: Adam with Nesterov momentum (Dozat, 2016)."""

from __future__ import annotations

from ._base import (ElementwiseOptimizer, check_adam_args, check_nonneg, fresh_state,
                    penalized_grad, value)

__all__ = ["NAdam"]


def nadam_update(param, grad, s, group) -> None:
    """One NAdam step for ``param`` (in place); state ``step``, ``mu_product``, ``exp_avg``,
    ``exp_avg_sq``."""
    lr, eps = value(group["lr"]), group["eps"]
    beta1, beta2 = group["betas"]
    psi = group["momentum_decay"]
    grad = penalized_grad(param, grad, group)
    s["step"] = step = s["step"] + 1
    bias_correction2 = 1 - beta2 ** step
    mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * psi))
    mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * psi))
    s["mu_product"] = mu_product = s["mu_product"] * mu
    mu_product_next = mu_product * mu_next
    exp_avg, exp_avg_sq = s["exp_avg"], s["exp_avg_sq"]
    exp_avg.lerp_(grad, 1 - beta1)
    exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
    denom = exp_avg_sq.div(bias_correction2).sqrt().add_(eps)
    param.addcdiv_(grad, denom, value=-lr * (1.0 - mu) / (1.0 - mu_product))
    param.addcdiv_(exp_avg, denom, value=-lr * mu_next / (1.0 - mu_product_next))


class NAdam(ElementwiseOptimizer):
    """NAdam: Adam whose first moment uses Nesterov momentum with the warming-up schedule
    ``mu_t = beta1 (1 - 0.5 * 0.96^(t * momentum_decay))``.

    Args:
        params: tensors, ``(name, tensor)`` pairs or param-group dicts.
        lr: learning rate (default 2e-3).
        betas, eps: as for :class:`ember.optim.Adam`.
        weight_decay: L2 penalty (default 0); decoupled (AdamW-style) with
            ``decoupled_weight_decay=True``.
        momentum_decay: ``psi`` of the momentum schedule (default 4e-3).
        foreach, maximize, capturable, differentiable: as for Adam.

    State per parameter: ``step``, ``mu_product`` (0-d), ``exp_avg``, ``exp_avg_sq``.

    Example::

        >>> opt = ember.optim.NAdam(model.parameters(), lr=2e-3)
    """

    _scalars = ("step", "mu_product")

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 momentum_decay=4e-3, decoupled_weight_decay=False, *, foreach=None,
                 maximize=False, capturable=False, differentiable=False):
        check_adam_args(lr, betas, eps, weight_decay)
        check_nonneg("momentum_decay", momentum_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        momentum_decay=momentum_decay,
                        decoupled_weight_decay=decoupled_weight_decay, maximize=maximize,
                        foreach=foreach, capturable=capturable, differentiable=differentiable)
        super().__init__(params, defaults)

    @staticmethod
    def _init_state(p, group):
        return fresh_state(p, "exp_avg", "exp_avg_sq", mu_product=1.0)

    _update = staticmethod(nadam_update)
