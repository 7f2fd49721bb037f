"""ASGD: averaged stochastic gradient descent (Polyak & Juditsky, 1992)."""

from __future__ import annotations

from ._base import ElementwiseOptimizer, check_lr, check_nonneg, fresh_state, penalized_grad, value

__all__ = ["ASGD"]


def asgd_update(param, grad, s, group) -> None:
    """One ASGD step for ``param`` (in place); state ``step``, ``eta``, ``mu`` (0-d) and the
    running average ``ax``."""
    lr, lambd, alpha = value(group["lr"]), group["lambd"], group["alpha"]
    t0 = group["t0"]
    grad = penalized_grad(param, grad, group)
    s["step"] = step = s["step"] + 1
    eta, mu = s["eta"], s["mu"]
    param.mul_(1 - lambd * eta)
    param.add_(grad, alpha=-eta)
    ax = s["ax"]
    if mu != 1:
        ax.add_(param.sub(ax).mul_(mu))
    else:
        ax.copy_(param)
    s["eta"] = lr / ((1 + lambd * lr * step) ** alpha)
    s["mu"] = 1 / max(1, step - t0)


class ASGD(ElementwiseOptimizer):
    """Averaged SGD: SGD with a decaying step ``eta_t = lr / (1 + lambd lr t)^alpha`` and a
    running average ``ax`` of the iterates, started after ``t0`` steps (read it from
    ``optimizer.state[p]["ax"]``).

    Args:
        params: tensors, ``(name, tensor)`` pairs or param-group dicts.
        lr: learning rate (default 1e-2).
        lambd: decay term (default 1e-4).
        alpha: power of the eta decay (default 0.75).
        t0: step at which averaging starts (default 1e6).
        weight_decay: L2 penalty (default 0).
        foreach, maximize, differentiable, capturable: as for :class:`ember.optim.Adam`.

    State per parameter: ``step``, ``eta``, ``mu`` (0-d), ``ax``.

    Example::

        >>> opt = ember.optim.ASGD(model.parameters(), lr=0.01, t0=100)
    """

    _scalars = ("step", "eta", "mu")

    def __init__(self, params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0,
                 foreach=None, maximize=False, differentiable=False, capturable=False):
        check_lr(lr)
        check_nonneg("weight_decay", weight_decay)
        defaults = dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay,
                        foreach=foreach, maximize=maximize, capturable=capturable,
                        differentiable=differentiable)
        super().__init__(params, defaults)

    @staticmethod
    def _init_state(p, group):
        return fresh_state(p, "ax", eta=value(group["lr"]), mu=1.0)

    _update = staticmethod(asgd_update)
