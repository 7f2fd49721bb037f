"""RMSprop (Hinton, lecture 6e), optionally centered (Graves, 2013) and with momentum."""

from __future__ import annotations

import ember

from ._base import (ElementwiseOptimizer, check_eps, check_lr, check_nonneg, fresh_state,
                    penalized_grad, value)

__all__ = ["RMSprop"]


def rmsprop_update(param, grad, s, group) -> None:
    """One RMSprop step for ``param`` (in place); state ``step``, ``square_avg`` and
    ``momentum_buffer`` (momentum > 0), ``grad_avg`` (centered)."""
    lr, alpha, eps = value(group["lr"]), group["alpha"], group["eps"]
    momentum = group["momentum"]
    grad = penalized_grad(param, grad, group)
    s["step"] = s["step"] + 1
    square_avg = s["square_avg"]
    square_avg.mul_(alpha).addcmul_(grad, grad, value=1 - alpha)
    if group["centered"]:
        grad_avg = s["grad_avg"]
        grad_avg.lerp_(grad, 1 - alpha)
        avg = square_avg.addcmul(grad_avg, grad_avg, value=-1).sqrt_()
    else:
        avg = square_avg.sqrt()
    avg = avg.add_(eps)
    if momentum > 0:
        buf = s["momentum_buffer"]
        buf.mul_(momentum).addcdiv_(grad, avg)
        param.add_(buf, alpha=-lr)
    else:
        param.addcdiv_(grad, avg, value=-lr)


class RMSprop(ElementwiseOptimizer):
    """RMSprop: divide the gradient by a running root mean square of recent gradients.

    ``v = alpha v + (1 - alpha) g²``; centered: subtract the squared running mean of ``g``;
    ``p -= lr g / (sqrt(v) + eps)`` (through a momentum buffer when ``momentum > 0``).

    Args:
        params: tensors, ``(name, tensor)`` pairs or param-group dicts.
        lr: learning rate (default 1e-2).
        alpha: smoothing constant (default 0.99).
        eps: added to the denominator (default 1e-8).
        weight_decay: L2 penalty (default 0).
        momentum: momentum factor (default 0).
        centered: normalise by an estimate of the gradient's variance.
        capturable, foreach, maximize, differentiable: as for :class:`ember.optim.Adam`.

    State per parameter: ``step``, ``square_avg``, ``momentum_buffer``, ``grad_avg``.

    Example::

        >>> opt = ember.optim.RMSprop(model.parameters(), lr=1e-2, momentum=0.9)
    """

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                 centered=False, capturable=False, foreach=None, maximize=False,
                 differentiable=False):
        check_lr(lr)
        check_eps(eps)
        check_nonneg("momentum", momentum)
        check_nonneg("weight_decay", weight_decay)
        check_nonneg("alpha", alpha)
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                        weight_decay=weight_decay, capturable=capturable, foreach=foreach,
                        maximize=maximize, differentiable=differentiable)
        super().__init__(params, defaults)

    @staticmethod
    def _init_state(p, group):
        st = fresh_state(p, "square_avg")
        if group["momentum"] > 0:
            st["momentum_buffer"] = ember.zeros_like(p)
        if group["centered"]:
            st["grad_avg"] = ember.zeros_like(p)
        return st

    _update = staticmethod(rmsprop_update)
