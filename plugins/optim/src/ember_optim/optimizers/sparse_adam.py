"""SparseAdam: the "lazy" Adam for sparse gradients (embeddings)."""

from __future__ import annotations

import math

import ember

from ._base import ElementwiseOptimizer, check_betas, check_eps, check_lr, fresh_state, value

__all__ = ["SparseAdam"]


def sparse_adam_update(param, grad, s, group) -> None:
    """One SparseAdam step: the moments and the parameter change only where ``grad`` is
    nonzero (the entries a sparse gradient would hold); state ``step``, ``exp_avg``,
    ``exp_avg_sq``."""
    lr, eps = value(group["lr"]), group["eps"]
    beta1, beta2 = group["betas"]
    if group["maximize"]:
        grad = -grad
    s["step"] = step = s["step"] + 1
    held = grad != 0
    exp_avg, exp_avg_sq = s["exp_avg"], s["exp_avg_sq"]
    avg = exp_avg + (grad - exp_avg).mul_(1 - beta1)
    sq = exp_avg_sq + (grad * grad - exp_avg_sq).mul_(1 - beta2)
    exp_avg.copy_(ember.where(held, avg, exp_avg))
    exp_avg_sq.copy_(ember.where(held, sq, exp_avg_sq))
    step_size = lr * math.sqrt(1 - beta2 ** step) / (1 - beta1 ** step)
    change = avg.div_(sq.sqrt().add_(eps)).mul_(-step_size)
    param.add_(ember.where(held, change, 0.0))


class SparseAdam(ElementwiseOptimizer):
    """SparseAdam: Adam that updates only the entries present in the gradient, for
    embedding tables where each step touches a few rows ("lazy Adam").

    NOTE [SparseAdam on dense gradients]: ember has no sparse tensors, so the gradient is
    dense and the entries it "holds" are its nonzero entries: exactly what PyTorch's
    ``SparseAdam`` does with ``grad.to_sparse()``, and what it does with an embedding's
    sparse gradient except for a looked-up entry whose gradient is exactly zero (PyTorch
    decays its moments; ember leaves it alone). Entries never touched keep their moments and
    values, unlike :class:`ember.optim.Adam`, whose moments decay at every step.

    Args:
        params: tensors, ``(name, tensor)`` pairs or param-group dicts.
        lr: learning rate (default 1e-3).
        betas, eps: as for :class:`ember.optim.Adam` (here ``eps`` is added to
            ``sqrt(v)`` before the bias correction, as in PyTorch's SparseAdam).
        maximize: maximize the objective instead of minimizing it.

    State per parameter: ``step``, ``exp_avg``, ``exp_avg_sq``.

    Example::

        >>> emb = ember.nn.Embedding(10000, 64)
        >>> opt = ember.optim.SparseAdam(emb.parameters(), lr=1e-3)
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, maximize=False):
        check_lr(lr)
        check_eps(eps)
        check_betas(betas)
        defaults = dict(lr=lr, betas=betas, eps=eps, maximize=maximize)
        super().__init__(params, defaults)

    @staticmethod
    def _init_state(p, group):
        return fresh_state(p, "exp_avg", "exp_avg_sq")

    _update = staticmethod(sparse_adam_update)
