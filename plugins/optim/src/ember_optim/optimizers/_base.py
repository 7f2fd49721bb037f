"""Shared pieces of the built-in optimizers: PyTorch's argument checks and the base class of
the elementwise optimizers (one update function, run per parameter or on flat buffers by the
core's ``step_group``, NOTE [flat optimizer state] in ``ember/optim/_multi_tensor.py``)."""

from __future__ import annotations

from typing import Any, Callable

import ember
from ember.optim import Optimizer
from ember.optim._multi_tensor import step_group

__all__: list[str] = []


def value(x: Any) -> float:
    """A hyperparameter as a Python float (a 1-element tensor lr is read with ``item()``)."""
    return x.item() if isinstance(x, ember.Tensor) else x


def check_lr(lr) -> None:
    if isinstance(lr, ember.Tensor):
        if lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        lr = lr.item()
    if not 0.0 <= lr:
        raise ValueError(f"Invalid learning rate: {lr}")


def check_nonneg(name: str, x) -> None:
    """``Invalid <name> value: x`` unless ``x >= 0``."""
    if not 0.0 <= value(x):
        raise ValueError(f"Invalid {name} value: {x}")


def check_eps(eps) -> None:
    if not 0.0 <= eps:
        raise ValueError(f"Invalid epsilon value: {eps}")


def check_betas(betas) -> None:
    if not isinstance(betas, (tuple, list)) or len(betas) != 2:
        raise ValueError(f"betas must be a pair (beta1, beta2), got {betas!r}")
    for i, b in enumerate(betas):
        if isinstance(b, ember.Tensor) and b.numel() != 1:
            raise ValueError(f"Tensor betas[{i}] must be 1-element")
        if not 0.0 <= value(b) < 1.0:
            raise ValueError(f"Invalid beta parameter at index {i}: {b}")


def check_adam_args(lr, betas, eps, weight_decay) -> None:
    """The checks Adam and its variants share, in PyTorch's order: ``lr``, ``eps``,
    ``betas``, ``weight_decay``."""
    check_lr(lr)
    check_eps(eps)
    check_betas(betas)
    check_nonneg("weight_decay", weight_decay)


def check_fused(fused, foreach, differentiable) -> None:
    if fused:
        if differentiable:
            raise RuntimeError("`fused` does not support `differentiable`")
        if foreach:
            raise RuntimeError("`fused` and `foreach` cannot be `True` together.")


def fresh_state(p, *tensors: str, **scalars: float) -> dict:
    """The lazily created state of an elementwise optimizer: ``step`` 0, the given scalar
    values, then a zero tensor shaped like ``p`` for each name in ``tensors`` (in that
    order, which is the order ``state_dict`` shows)."""
    st: dict = {"step": 0.0, **scalars}
    for name in tensors:
        st[name] = ember.zeros_like(p)
    return st


def penalized_grad(param, grad, group):
    """The gradient an update follows: ``grad`` negated with ``maximize``, plus the L2 term
    ``weight_decay * param``; with ``group["decoupled_weight_decay"]`` (AdamW style) the
    gradient keeps no such term and ``param`` is scaled by ``1 - lr * weight_decay`` in
    place instead."""
    if group["maximize"]:
        grad = -grad
    wd = value(group["weight_decay"])
    if wd != 0:
        if group.get("decoupled_weight_decay", False):
            param.mul_(1 - value(group["lr"]) * wd)
        else:
            grad = grad.add(param, alpha=wd)
    return grad


class ElementwiseOptimizer(Optimizer):
    """An optimizer whose update is elementwise: subclasses give ``_init_state(p, group)``
    (the lazily created state: tensors shaped like ``p``, Python numbers for the names in
    ``_scalars``) and ``_update(p, grad, s, group)`` (the one update function)."""

    _scalars: tuple = ("step",)
    _complex_ok = False
    #: (backend kernel name, adapter): NOTE [fused optimizer kernels] in the core
    _kernel: tuple | None = None
    _init_state: Callable
    _update: Callable

    def step(self, closure: Callable[[], Any] | None = None):
        """Perform one optimization step. ``closure``: re-evaluates the model and returns
        the loss (optional); its value is returned."""
        loss = None
        if closure is not None:
            with ember.enable_grad():
                loss = closure()
        for group in self.param_groups:
            step_group(self, group, self._init_state, self._update, self._scalars,
                       self._complex_ok, self._kernel)
        return loss
