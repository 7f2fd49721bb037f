"""Small helpers shared by ember-nn's functional and module code (private)."""

from __future__ import annotations

import ember

__all__ = []

REDUCTIONS = ("none", "mean", "sum")


_CONSTS = {}


def const_native(key, make):
    """A constant native array, built by ``make()`` on first use and cached under ``key``
    (which names what it is, the backend, device index and dtype); at most 64 are kept."""
    v = _CONSTS.get(key)
    if v is None:
        if len(_CONSTS) > 64:
            _CONSTS.clear()
        v = _CONSTS[key] = make()
    return v


def inplace(input, fn):
    """Apply ``fn`` to ``input`` and write the result into ``input`` (autograd-correct: the
    value is computed from a snapshot so that tensors saved by ``fn`` are not clobbered)."""
    if ember.is_grad_enabled() and input.requires_grad:
        return input.copy_(fn(input.clone()))
    with ember.no_grad():
        return input.copy_(fn(input))


def check_reduction(reduction, op):
    if reduction not in REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction ({op}: expected "
                         f"'none', 'mean' or 'sum')")


def reduce(loss, reduction):
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def legacy_reduction(size_average, reduce_, reduction):
    """PyTorch's deprecated ``size_average``/``reduce`` arguments mapped to ``reduction``."""
    if size_average is None and reduce_ is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce_ = True if reduce_ is None else reduce_
    if not reduce_:
        return "none"
    return "mean" if size_average else "sum"


def ntuple(x, n, name="argument"):
    if isinstance(x, (tuple, list)):
        if len(x) != n:
            raise ValueError(f"{name} must have {n} elements, got {len(x)}")
        return tuple(x)
    return (x,) * n


def float_check(x, op):
    if not isinstance(x, ember.Tensor):
        raise TypeError(f"{op}(): argument 'input' must be Tensor, not {type(x).__name__}")
