"""Rprop: resilient backpropagation (Riedmiller & Braun, 1993)."""

from __future__ import annotations

import ember

from ._base import ElementwiseOptimizer, check_lr, value

__all__ = ["Rprop"]


def rprop_update(param, grad, s, group) -> None:
    """One Rprop step for ``param`` (in place); state ``step``, ``prev`` (the last gradient
    used) and the per-element ``step_size``."""
    etaminus, etaplus = group["etas"]
    step_size_min, step_size_max = group["step_sizes"]
    if group["maximize"]:
        grad = -grad
    s["step"] = s["step"] + 1
    prev, step_size = s["prev"], s["step_size"]
    agree = grad.mul(prev).sign()
    # same sign: grow the step; sign flip: shrink it and skip this element's update
    factor = ember.where(agree > 0, etaplus, ember.where(agree < 0, etaminus, 1.0))
    factor = factor.to(step_size.dtype)
    step_size.mul_(factor).clamp_(step_size_min, step_size_max)
    grad = ember.where(factor == etaminus, 0.0, grad)
    param.addcmul_(grad.sign(), step_size, value=-1)
    prev.copy_(grad)


class Rprop(ElementwiseOptimizer):
    """Rprop: per-element step sizes that grow by ``etaplus`` while the gradient keeps its
    sign and shrink by ``etaminus`` when it flips; only the sign of the gradient is used.

    Args:
        params: tensors, ``(name, tensor)`` pairs or param-group dicts.
        lr: initial step size (default 1e-2).
        etas: ``(etaminus, etaplus)``, with ``0 < etaminus < 1 < etaplus``.
        step_sizes: ``(min, max)`` allowed step sizes.
        capturable, foreach, maximize, differentiable: as for :class:`ember.optim.Adam`.

    State per parameter: ``step``, ``prev``, ``step_size``.

    Example::

        >>> opt = ember.optim.Rprop(model.parameters(), lr=0.01)
    """

    def __init__(self, params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *,
                 capturable=False, foreach=None, maximize=False, differentiable=False):
        check_lr(lr)
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        defaults = dict(lr=lr, etas=etas, step_sizes=step_sizes, foreach=foreach,
                        maximize=maximize, differentiable=differentiable,
                        capturable=capturable)
        super().__init__(params, defaults)

    @staticmethod
    def _init_state(p, group):
        return {"step": 0.0, "prev": ember.zeros_like(p),
                "step_size": ember.full_like(p, value(group["lr"]))}

    _update = staticmethod(rprop_update)
