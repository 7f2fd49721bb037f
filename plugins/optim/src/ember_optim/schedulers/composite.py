"""Schedulers built from other schedulers: ``SequentialLR`` (one after another at
milestones) and ``ChainedScheduler`` (all at once, their factors multiplying)."""

from __future__ import annotations

from bisect import bisect_right

from ember.optim.lr_scheduler import LRScheduler

from .plateau import ReduceLROnPlateau

__all__ = ["SequentialLR", "ChainedScheduler"]


def _check_members(owner, optimizer, schedulers):
    name = type(owner).__name__
    for i, s in enumerate(schedulers):
        if not hasattr(s, "optimizer"):
            raise TypeError(f"{name} at index {i} should have `optimizer` as its attribute.")
        if isinstance(s, ReduceLROnPlateau):
            raise ValueError(f"{name} does not support `ReduceLROnPlateau` scheduler as it "
                             f"requires additional kwargs to be specified when calling `step`, "
                             f"but got one at index {i} in the given schedulers sequence.")
        if optimizer is not s.optimizer:
            raise ValueError(f"{name} expects all schedulers to belong to the same optimizer, "
                             f"but got scheduler {type(s).__name__} at index {i} has "
                             f"{s.optimizer}, which is different from "
                             f"{type(optimizer).__name__}.")


class _Composite:
    """state_dict of a scheduler made of schedulers: theirs nested under ``_schedulers``."""

    def state_dict(self):
        out = {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "_schedulers")}
        out["_schedulers"] = [s.state_dict() for s in self._schedulers]
        return out

    def load_state_dict(self, state_dict):
        state = dict(state_dict)
        inner = state.pop("_schedulers")
        self.__dict__.update(state)
        for s, st in zip(self._schedulers, inner, strict=False):
            s.load_state_dict(st)


class SequentialLR(_Composite, LRScheduler):
    """Run ``schedulers[0]`` until ``milestones[0]``, then ``schedulers[1]`` (restarted at its
    epoch 0), and so on.

    Args:
        optimizer: the optimizer all the schedulers act on.
        schedulers: the schedulers, in order (constructing them already stepped each once;
            this undoes that).
        milestones: the epochs at which to switch (one fewer than schedulers).
        last_epoch: the last epoch seen (-1 to start).

    Example::

        >>> warm = LinearLR(opt, start_factor=0.1, total_iters=5)
        >>> decay = ExponentialLR(opt, gamma=0.9)
        >>> sched = SequentialLR(opt, [warm, decay], milestones=[5])
    """

    def __init__(self, optimizer, schedulers, milestones, last_epoch=-1):
        if len(schedulers) < 1:
            raise ValueError(f"{type(self).__name__} expects at least one scheduler, but got "
                             f"no scheduler.")
        _check_members(self, optimizer, schedulers)
        if len(milestones) != len(schedulers) - 1:
            raise ValueError(
                "Sequential Schedulers expects number of schedulers provided to be one more "
                f"than the number of milestone points, but got number of schedulers "
                f"{len(schedulers)} and the number of milestones to be equal to "
                f"{len(milestones)}")
        self._schedulers = schedulers
        self._milestones = milestones
        self.last_epoch = last_epoch + 1
        self.optimizer = optimizer
        # back to the start: the schedulers' constructors each took a first step
        for group in optimizer.param_groups:
            self._set_group_value(group, "lr", group["initial_lr"])
        self._rewind(self)
        first = self._schedulers[bisect_right(self._milestones, 0)]
        first._initial_step()
        self._last_lr = first.get_last_lr()

    def _rewind(self, sched) -> None:
        if hasattr(sched, "_schedulers"):
            for s in sched._schedulers:
                self._rewind(s)
        elif hasattr(sched, "last_epoch"):
            sched.last_epoch -= 1

    def step(self):
        """Advance one epoch with the scheduler in charge now (restarting it at a
        milestone)."""
        self.last_epoch += 1
        i = bisect_right(self._milestones, self.last_epoch)
        s = self._schedulers[i]
        if i > 0 and self._milestones[i - 1] == self.last_epoch:
            s._update_lr(0)
        else:
            s.step()
        self._last_lr = s.get_last_lr()


class ChainedScheduler(_Composite, LRScheduler):
    """Step several schedulers together at every ``step()``; with chainable schedulers their
    factors multiply.

    Args:
        schedulers: the schedulers (all on one optimizer).
        optimizer: that optimizer (default: the first scheduler's).

    Example::

        >>> sched = ChainedScheduler([ConstantLR(opt, 0.1, total_iters=2),
        ...                           ExponentialLR(opt, gamma=0.9)])
    """

    def __init__(self, schedulers, optimizer=None):
        if len(schedulers) < 1:
            raise ValueError(f"{type(self).__name__} expects at least one scheduler to be "
                             f"chained, but got no scheduler.")
        optimizer = optimizer or schedulers[0].optimizer
        _check_members(self, optimizer, schedulers)
        self._schedulers = schedulers
        self.optimizer = optimizer
        self._last_lr = [g["lr"].clone() if hasattr(g["lr"], "clone") else g["lr"]
                         for g in schedulers[-1].optimizer.param_groups]

    def step(self):
        """Step every scheduler once."""
        for s in self._schedulers:
            s.step()
        self._last_lr = [g["lr"].clone() if hasattr(g["lr"], "clone") else g["lr"]
                         for g in self._schedulers[-1].optimizer.param_groups]
