"""SGD: stochastic gradient descent with optional momentum, dampening and Nesterov."""

from __future__ import annotations

from ._base import ElementwiseOptimizer, check_fused, check_lr, check_nonneg, penalized_grad, value

__all__ = ["SGD"]


def sgd_update(param, grad, s, group) -> None:
    """One SGD step for ``param`` (in place); ``s`` holds ``momentum_buffer`` after the
    first step when momentum is used (the first buffer is the gradient itself)."""
    lr, momentum = value(group["lr"]), group["momentum"]
    grad = penalized_grad(param, grad, group)
    if momentum != 0:
        buf = s.get("momentum_buffer")
        if buf is None:
            buf = s["momentum_buffer"] = grad.clone()
        else:
            buf.mul_(momentum).add_(grad, alpha=1 - group["dampening"])
        grad = grad.add(buf, alpha=momentum) if group["nesterov"] else buf
    param.add_(grad, alpha=-lr)


def _sgd_kernel(fn, params, grads, flats, scalars, group):
    """Adapter for the backends' fused ``sgd_step`` (NOTE [fused optimizer kernels])."""
    out = fn(params, grads, flats.get("momentum_buffer"), lr=value(group["lr"]),
             momentum=group["momentum"], dampening=group["dampening"],
             weight_decay=value(group["weight_decay"]), nesterov=group["nesterov"],
             maximize=group["maximize"])
    return NotImplemented if out is NotImplemented else {}


class SGD(ElementwiseOptimizer):
    """Stochastic gradient descent, optionally with momentum.

    With momentum ``mu``: ``b = mu b + (1 - dampening) g`` (``b = g`` at the first step),
    ``p -= lr b`` (Nesterov: ``p -= lr (g + mu b)``). ``weight_decay`` adds ``wd p`` to the
    gradient first.

    Args:
        params: tensors, ``(name, tensor)`` pairs or param-group dicts.
        lr: learning rate (default 1e-3).
        momentum: momentum factor (default 0).
        dampening: dampening of the momentum (default 0).
        weight_decay: L2 penalty (default 0).
        nesterov: Nesterov momentum (needs momentum > 0 and dampening 0).
        maximize: maximize the objective instead of minimizing it.
        foreach: None (automatic) / True: flat multi-tensor path; False: per parameter.
        differentiable: record the step in autograd.
        fused: True selects the flat multi-tensor path.

    State per parameter: ``momentum_buffer`` (when momentum is used). Complex parameters are
    updated with complex arithmetic (the update is linear in the gradient).

    Example::

        >>> opt = ember.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True)
        >>> opt.zero_grad(); loss_fn(model(x), y).backward(); opt.step()
    """

    _scalars = ()
    _complex_ok = True
    _kernel = ("sgd_step", _sgd_kernel)

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0,
                 nesterov=False, *, maximize=False, foreach=None, differentiable=False,
                 fused=None):
        check_lr(lr)
        check_nonneg("momentum", momentum)
        check_nonneg("weight_decay", weight_decay)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        check_fused(fused, foreach, differentiable)
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening,
                        weight_decay=weight_decay, nesterov=nesterov, maximize=maximize,
                        foreach=foreach, differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)

    @staticmethod
    def _init_state(p, group):
        return {}

    _update = staticmethod(sgd_update)
