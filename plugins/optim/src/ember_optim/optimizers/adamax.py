"""Adamax: Adam with the infinity norm (Kingma & Ba, 2014, section 7)."""

from __future__ import annotations

import ember

from ._base import ElementwiseOptimizer, check_adam_args, fresh_state, penalized_grad, value

__all__ = ["Adamax"]


def adamax_update(param, grad, s, group) -> None:
    """One Adamax step for ``param`` (in place); state ``step``, ``exp_avg``, ``exp_inf``."""
    lr, eps = value(group["lr"]), group["eps"]
    beta1, beta2 = group["betas"]
    grad = penalized_grad(param, grad, group)
    s["step"] = step = s["step"] + 1
    exp_avg, exp_inf = s["exp_avg"], s["exp_inf"]
    exp_avg.lerp_(grad, 1 - beta1)
    ember.maximum(exp_inf.mul_(beta2), grad.abs().add_(eps), out=exp_inf)
    param.addcdiv_(exp_avg, exp_inf, value=-lr / (1 - beta1 ** step))


class Adamax(ElementwiseOptimizer):
    """Adamax: ``m = beta1 m + (1 - beta1) g``; ``u = max(beta2 u, |g| + eps)``;
    ``p -= lr / (1 - beta1^t) * m / u``.

    Args:
        params: tensors, ``(name, tensor)`` pairs or param-group dicts.
        lr: learning rate (default 2e-3).
        betas: coefficients of the gradient average and of the infinity norm.
        eps: added to ``|g|`` (default 1e-8).
        weight_decay: L2 penalty (default 0).
        foreach, maximize, differentiable, capturable: as for :class:`ember.optim.Adam`.

    State per parameter: ``step``, ``exp_avg``, ``exp_inf``.

    Example::

        >>> opt = ember.optim.Adamax(model.parameters())
    """

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 foreach=None, *, maximize=False, differentiable=False, capturable=False):
        check_adam_args(lr, betas, eps, weight_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        foreach=foreach, maximize=maximize, differentiable=differentiable,
                        capturable=capturable)
        super().__init__(params, defaults)

    @staticmethod
    def _init_state(p, group):
        return fresh_state(p, "exp_avg", "exp_inf")

    _update = staticmethod(adamax_update)
