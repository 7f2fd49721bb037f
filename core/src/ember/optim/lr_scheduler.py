"""``ember.optim.lr_scheduler``: the :class:`LRScheduler` base class (core) and the schedulers
plugins provide (``StepLR``, ``CosineAnnealingLR``, ``OneCycleLR``, ... from ember-optim),
resolved on first access.

NOTE [chainable schedulers]: ``step()`` advances ``last_epoch`` and asks ``get_lr()`` for the
new learning rates. Most schedulers compute them *from the current* ``group["lr"]`` (the
chainable form), so several schedulers can act on one optimizer in turn (their factors
multiply); ``_get_closed_form_lr()`` computes the same schedule from ``base_lrs`` alone and
is used by the deprecated ``step(epoch)``. The first step, made by the constructor, runs with
``_is_initial`` set: schedulers then keep the current learning rate unless their schedule
changes it at epoch 0 (``LinearLR``, ``ConstantLR``, ``LambdaLR``, ...), so constructing a
scheduler when resuming (``last_epoch >= 0``) does not advance the rate.
"""

from __future__ import annotations

import warnings
from typing import Any

from .._plugins import LazyNamespace as _LazyNamespace
from .._tensor import Tensor
from .optimizer import Optimizer

__all__ = ["LRScheduler", "_LRScheduler"]

_EPOCH_WARNING = (
    "Passing an epoch to `scheduler.step(epoch)` is deprecated: call `scheduler.step()` once "
    "per epoch (or iteration) instead. While it is supported, a given epoch makes the "
    "scheduler use its closed-form schedule where it has one instead of the chainable form.")


def _mark_optimizer_stepped(optimizer, args, kwargs):
    optimizer._opt_called = True


class LRScheduler:
    """Base class of learning-rate schedulers.

    Args:
        optimizer: the :class:`~ember.optim.Optimizer` whose ``group["lr"]`` values this
            scheduler sets.
        last_epoch: index of the last epoch seen; ``-1`` (default) starts a new schedule and
            records each group's current lr as ``group["initial_lr"]``. Give the saved value
            only when resuming (the groups must then have ``"initial_lr"``).

    A subclass sets its own attributes, calls ``super().__init__(optimizer, last_epoch)``
    and implements ``get_lr()`` (the learning rates for ``self.last_epoch``, see NOTE
    [chainable schedulers]). ``state_dict()`` holds every attribute but the optimizer.

    Example::

        >>> sched = ember.optim.lr_scheduler.StepLR(opt, step_size=10, gamma=0.5)
        >>> for epoch in range(30):
        ...     train_one_epoch(); opt.step(); sched.step()
        >>> sched.get_last_lr()
        [0.0125]
    """

    _get_lr_called_within_step: bool = False
    _is_initial: bool = False

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                lr = group["lr"]
                group.setdefault("initial_lr", lr.clone() if isinstance(lr, Tensor) else lr)
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(
                        f"param 'initial_lr' is not specified in param_groups[{i}] when "
                        f"resuming scheduler with last_epoch >= 0 ({last_epoch}): load the "
                        f"optimizer's state_dict (which holds 'initial_lr') before creating "
                        f"the scheduler, or use last_epoch=-1 for a fresh run")
        self.base_lrs: list[Any] = self._group_values("initial_lr")
        self.last_epoch = last_epoch
        if not getattr(optimizer, "_ember_lr_sched_hooked", False):
            optimizer.register_step_post_hook(_mark_optimizer_stepped)
            optimizer._ember_lr_sched_hooked = True
        self._initial_step()

    # -- helpers for subclasses -----------------------------------------------------------
    def _group_values(self, key: str) -> list[Any]:
        """``group[key]`` of every param group (tensors cloned, so they never alias)."""
        return [g[key].clone() if isinstance(g[key], Tensor) else g[key]
                for g in self.optimizer.param_groups]

    @staticmethod
    def _set_group_value(group: dict, key: str, value: Any) -> None:
        """Set ``group[key]`` (in place when it is a tensor, as a tensor lr must stay one)."""
        if isinstance(group.get(key), Tensor):
            group[key].fill_(value)
        else:
            group[key] = value

    def _warn_get_lr(self) -> None:
        if not self._get_lr_called_within_step:
            warnings.warn("To get the last learning rate computed by the scheduler, please use "
                          "`get_last_lr()`.", UserWarning, stacklevel=3)

    # -- the schedule ---------------------------------------------------------------------
    def _initial_step(self) -> None:
        self._step_count = 0
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False

    def get_lr(self) -> list[Any]:
        """The learning rate of every param group at ``self.last_epoch`` (called by
        ``step``; read the current values with :meth:`get_last_lr`)."""
        raise NotImplementedError(f"{type(self).__name__} must implement get_lr()")

    def get_last_lr(self) -> list[Any]:
        """The learning rates this scheduler set last, one per param group."""
        return self._last_lr

    def step(self, epoch: int | None = None) -> None:
        """Advance the schedule by one epoch (call it after ``optimizer.step()``).
        ``epoch`` (deprecated) jumps to that epoch, using the closed form when available."""
        if self._step_count == 1 and not getattr(self.optimizer, "_opt_called", False):
            warnings.warn(
                "Detected call of `lr_scheduler.step()` before `optimizer.step()`. Call "
                "`optimizer.step()` first, then `lr_scheduler.step()`; in the other order the "
                "first value of the learning-rate schedule is skipped.", UserWarning,
                stacklevel=2)
        self._step_count += 1
        if epoch is not None:
            warnings.warn(_EPOCH_WARNING, UserWarning, stacklevel=2)
        self._update_lr(epoch)

    def _update_lr(self, epoch: int | None = None) -> None:
        self._get_lr_called_within_step = True
        try:
            if epoch is None:
                self.last_epoch += 1
                values = self.get_lr()
            else:
                self.last_epoch = epoch
                closed = getattr(self, "_get_closed_form_lr", None)
                values = closed() if closed is not None else self.get_lr()
        finally:
            self._get_lr_called_within_step = False
        groups = self.optimizer.param_groups
        if len(values) != len(groups):
            raise ValueError(f"{type(self).__name__}.get_lr() returned {len(values)} values "
                             f"for {len(groups)} param groups")
        for group, lr in zip(groups, values, strict=False):
            self._set_group_value(group, "lr", lr)
        self._last_lr = self._group_values("lr")

    # -- state ----------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """Every attribute of the scheduler except the optimizer.

        Example::

            >>> ckpt = {"optim": opt.state_dict(), "sched": sched.state_dict()}
        """
        return {k: v for k, v in self.__dict__.items() if k != "optimizer"}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore the attributes saved by :meth:`state_dict`."""
        self.__dict__.update(state_dict)


class _LRScheduler(LRScheduler):
    """The old name of :class:`LRScheduler` (kept for code written against it)."""


_names = _LazyNamespace("ember.optim.lr_scheduler")


def __getattr__(name):
    return _names(name)


def __dir__():
    return sorted(set(__all__) | set(_names.names()))
