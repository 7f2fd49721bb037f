"""Adagrad (Duchi et al., 2011)."""

from __future__ import annotations

import ember

from ember.optim._multi_tensor import scalar_dtype

from ._base import (ElementwiseOptimizer, check_eps, check_fused, check_lr, check_nonneg,
                    penalized_grad, value)

__all__ = ["Adagrad"]


def adagrad_update(param, grad, s, group) -> None:
    """One Adagrad step for ``param`` (in place); state ``step``, ``sum``."""
    lr, eps = value(group["lr"]), group["eps"]
    grad = penalized_grad(param, grad, group)
    s["step"] = step = s["step"] + 1
    clr = lr / (1 + (step - 1) * group["lr_decay"])
    state_sum = s["sum"]
    state_sum.addcmul_(grad, grad, value=1)
    std = state_sum.sqrt().add_(eps)
    param.addcdiv_(grad, std, value=-clr)


class Adagrad(ElementwiseOptimizer):
    """Adagrad: per-coordinate learning rates ``lr / sqrt(sum of squared gradients)``.

    Args:
        params: tensors, ``(name, tensor)`` pairs or param-group dicts.
        lr: learning rate (default 1e-2).
        lr_decay: ``lr_t = lr / (1 + (t - 1) lr_decay)`` (default 0).
        weight_decay: L2 penalty (default 0).
        initial_accumulator_value: starting value of the sums (default 0).
        eps: added to the denominator (default 1e-10).
        foreach, maximize, differentiable, fused: as for :class:`ember.optim.Adam`.

    State per parameter (created here, not lazily, as PyTorch does): ``step``, ``sum``.

    Example::

        >>> opt = ember.optim.Adagrad(model.parameters(), lr=0.01)
    """

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0,
                 initial_accumulator_value=0, eps=1e-10, foreach=None, *, maximize=False,
                 differentiable=False, fused=None):
        check_lr(lr)
        check_nonneg("lr_decay", lr_decay)
        check_nonneg("weight_decay", weight_decay)
        check_nonneg("initial_accumulator_value", initial_accumulator_value)
        check_eps(eps)
        check_fused(fused, foreach, differentiable)
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                st = self.state[p]
                dev = p.device if group["fused"] else "cpu"
                st["step"] = ember.tensor(0.0, dtype=scalar_dtype(), device=dev)
                st["sum"] = self._init_state(p, group)["sum"]

    @staticmethod
    def _init_state(p, group):
        init = group["initial_accumulator_value"]
        return {"step": 0.0, "sum": ember.full_like(p, init)}

    def share_memory(self) -> None:
        """Move the ``sum`` buffers to shared memory (for multiprocess training). ember
        tensors are process-local NumPy/device memory, so this keeps them as they are."""
        return None

    _update = staticmethod(adagrad_update)
