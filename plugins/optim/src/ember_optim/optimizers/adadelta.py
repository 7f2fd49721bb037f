"""Adadelta (Zeiler, 2012)."""

from __future__ import annotations

from ._base import (ElementwiseOptimizer, check_eps, check_lr, check_nonneg, fresh_state,
                    penalized_grad, value)

__all__ = ["Adadelta"]


def adadelta_update(param, grad, s, group) -> None:
    """One Adadelta step for ``param`` (in place); state ``step``, ``square_avg``,
    ``acc_delta``."""
    lr, rho, eps = value(group["lr"]), group["rho"], group["eps"]
    grad = penalized_grad(param, grad, group)
    s["step"] = s["step"] + 1
    square_avg, acc_delta = s["square_avg"], s["acc_delta"]
    square_avg.mul_(rho).addcmul_(grad, grad, value=1 - rho)
    std = square_avg.add(eps).sqrt_()
    delta = acc_delta.add(eps).sqrt_().div_(std).mul_(grad)
    acc_delta.mul_(rho).addcmul_(delta, delta, value=1 - rho)
    param.add_(delta, alpha=-lr)


class Adadelta(ElementwiseOptimizer):
    """Adadelta: steps scaled by the ratio of running RMS of past updates and of gradients.

    Args:
        params: tensors, ``(name, tensor)`` pairs or param-group dicts.
        lr: scale of the computed step (default 1.0).
        rho: decay of the running averages (default 0.9).
        eps: added inside the square roots (default 1e-6).
        weight_decay: L2 penalty (default 0).
        foreach, capturable, maximize, differentiable: as for :class:`ember.optim.Adam`.

    State per parameter: ``step``, ``square_avg``, ``acc_delta``.

    Example::

        >>> opt = ember.optim.Adadelta(model.parameters())
    """

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *,
                 capturable=False, maximize=False, differentiable=False):
        check_lr(lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        check_eps(eps)
        check_nonneg("weight_decay", weight_decay)
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay,
                        maximize=maximize, capturable=capturable, foreach=foreach,
                        differentiable=differentiable)
        super().__init__(params, defaults)

    @staticmethod
    def _init_state(p, group):
        return fresh_state(p, "square_avg", "acc_delta")

    _update = staticmethod(adadelta_update)
