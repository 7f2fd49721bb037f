"""Helpers shared by the schedulers."""

from __future__ import annotations

import types

import ember

__all__: list[str] = []


def per_group(name, optimizer, value) -> list:
    """``value`` as one entry per param group (a list/tuple must already have that length);
    tensors are cloned so they never alias the caller's."""
    n = len(optimizer.param_groups)
    if isinstance(value, (list, tuple)):
        if len(value) != n:
            raise ValueError(f"{name} must have the same length as optimizer.param_groups. "
                             f"{name} has {len(value)} values, param_groups has {n}.")
        values = list(value)
    else:
        values = [value] * n
    return [v.clone() if isinstance(v, ember.Tensor) else v for v in values]


def callables_state(fns) -> list:
    """How a list of user functions goes into a state dict: None for plain functions and
    lambdas (not picklable), the attribute dict of callable objects."""
    return [None if isinstance(fn, types.FunctionType) else dict(fn.__dict__) for fn in fns]


def restore_callables(fns, saved) -> None:
    for fn, st in zip(fns, saved, strict=False):
        if st is not None:
            fn.__dict__.update(st)
