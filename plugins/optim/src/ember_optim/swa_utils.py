"""``ember.optim.swa_utils``: stochastic weight averaging (Izmailov et al., 2018) and
exponential moving averages of a model's weights.

- :class:`AveragedModel` keeps a running average (SWA by default, or EMA) of a model;
- :class:`SWALR` anneals each param group's learning rate to a constant ``swa_lr``;
- :func:`update_bn` recomputes batch-norm statistics for the averaged weights;
- ``get_swa_avg_fn``/``get_ema_avg_fn`` (one tensor) and ``get_swa_multi_avg_fn``/
  ``get_ema_multi_avg_fn`` (lists of tensors, in place) make averaging functions.
"""

from __future__ import annotations

import copy
import math
import warnings
from typing import Any, Callable, Iterable

import ember
from ember.nn import Module
from ember.optim._multi_tensor import flatten, unflatten_into
from ember.optim.lr_scheduler import LRScheduler

from .schedulers._util import per_group

__all__ = ["AveragedModel", "update_bn", "SWALR", "get_ema_multi_avg_fn",
           "get_swa_multi_avg_fn", "get_ema_avg_fn", "get_swa_avg_fn"]


def _check_decay(decay):
    if decay < 0.0 or decay > 1.0:
        raise ValueError(f"Invalid decay value {decay} provided. Please provide a value in "
                         f"[0,1] range.")


def _floating(t) -> bool:
    return t.dtype.is_floating_point or t.dtype.is_complex


def get_ema_multi_avg_fn(decay=0.999):
    """An in-place EMA over lists: ``ema = decay * ema + (1 - decay) * current``.

    Example::

        >>> swa = AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(0.999))
    """
    _check_decay(decay)

    @ember.no_grad()
    def ema_update(ema_params, current_params, num_averaged) -> None:
        if _floating(ema_params[0]):
            for e, c in zip(ema_params, current_params, strict=False):
                e.lerp_(c, 1 - decay)
        else:
            for e, c in zip(ema_params, current_params, strict=False):
                e.copy_(e * decay + c * (1 - decay))
    return ema_update


def get_swa_multi_avg_fn():
    """An in-place equal-weight running average over lists:
    ``avg += (current - avg) / (num_averaged + 1)``."""

    @ember.no_grad()
    def swa_update(averaged_params, current_params, num_averaged) -> None:
        n = num_averaged + 1
        if _floating(averaged_params[0]):
            w = 1 / n
            w = w.item() if isinstance(w, ember.Tensor) else w
            for a, c in zip(averaged_params, current_params, strict=False):
                a.lerp_(c, w)
        else:
            for a, c in zip(averaged_params, current_params, strict=False):
                a.copy_(a + (c - a) / n)
    return swa_update


def get_ema_avg_fn(decay=0.999):
    """``(ema, current, num_averaged) -> decay * ema + (1 - decay) * current``."""
    _check_decay(decay)

    @ember.no_grad()
    def ema_update(ema_param, current_param, num_averaged):
        return decay * ema_param + (1 - decay) * current_param
    return ema_update


def get_swa_avg_fn():
    """``(avg, current, num_averaged) -> avg + (current - avg) / (num_averaged + 1)``."""

    @ember.no_grad()
    def swa_update(averaged_param, current_param, num_averaged):
        return averaged_param + (current_param - averaged_param) / (num_averaged + 1)
    return swa_update


class AveragedModel(Module):
    """A copy of ``model`` whose parameters are the running average of ``model``'s
    parameters at each :meth:`update_parameters` call (SWA: equal weights; or any
    ``avg_fn``/``multi_avg_fn``, e.g. an EMA). Calling it runs the averaged copy.

    Args:
        model: the model to average (deep-copied).
        device: where to keep the copy (default: where the model is).
        avg_fn: ``(averaged, current, num_averaged) -> new averaged`` for one tensor.
        multi_avg_fn: ``(averaged_list, current_list, num_averaged) -> None`` updating in
            place (only one of ``avg_fn`` and ``multi_avg_fn``).
        use_buffers: average the buffers too (otherwise they are copied from ``model``).

    ``n_averaged`` (a buffer) counts the updates.

    Example::

        >>> swa_model = AveragedModel(model)
        >>> for epoch in range(100):
        ...     train(model)
        ...     if epoch >= 75:
        ...         swa_model.update_parameters(model)
        >>> update_bn(loader, swa_model)
    """

    def __init__(self, model: Module, device=None, avg_fn: Callable | None = None,
                 multi_avg_fn: Callable | None = None, use_buffers: bool = False) -> None:
        super().__init__()
        if avg_fn is not None and multi_avg_fn is not None:
            raise AssertionError("Only one of avg_fn and multi_avg_fn should be provided")
        self.module = copy.deepcopy(model)
        if device is not None:
            self.module = self.module.to(device)
        self.register_buffer("n_averaged", ember.tensor(0, dtype=ember.long, device=device))
        self.avg_fn = avg_fn
        self.multi_avg_fn = multi_avg_fn
        self.use_buffers = use_buffers

    def forward(self, *args, **kwargs):
        return self.module(*args, **kwargs)

    def _tensors(self, model: Module) -> list:
        if self.use_buffers:
            return list(model.parameters()) + list(model.buffers())
        return list(model.parameters())

    @ember.no_grad()
    def update_parameters(self, model: Module) -> None:
        """Fold ``model``'s current parameters into the average (the first call copies
        them)."""
        mine = self._tensors(self.module)
        theirs = [t.detach().to(m.device) for m, t in zip(mine, self._tensors(model), strict=False)]
        mine = [m.detach() for m in mine[:len(theirs)]]
        n = int(self.n_averaged.item())
        if n == 0:
            for m, t in zip(mine, theirs, strict=False):
                m.copy_(t)
        elif self.avg_fn is not None:
            for m, t in zip(mine, theirs, strict=False):
                m.copy_(self.avg_fn(m, t, self.n_averaged.to(m.device)))
        else:
            groups: dict[tuple, tuple[list, list]] = {}
            for m, t in zip(mine, theirs, strict=False):
                ms, ts = groups.setdefault((str(m.device), m.dtype), ([], []))
                ms.append(m)
                ts.append(t.to(m.dtype))
            for (dev, dtype), (ms, ts) in groups.items():
                count = self.n_averaged.to(dev)
                if self.multi_avg_fn is not None:
                    self.multi_avg_fn(ms, ts, count)
                elif dtype.is_floating_point:
                    # the equal-weight average over one flat buffer per device and dtype
                    avg = flatten(ms)
                    avg.add_((flatten(ts) - avg) / (count + 1))
                    unflatten_into(avg, ms)
                else:
                    fn = get_swa_avg_fn()
                    for m, t in zip(ms, ts, strict=False):
                        m.copy_(fn(m, t, count))
        if not self.use_buffers:
            for b_mine, b_theirs in zip(self.module.buffers(), model.buffers(), strict=False):
                b_mine.detach().copy_(b_theirs.detach().to(b_mine.device))
        self.n_averaged += 1


def _is_batchnorm(module) -> bool:
    # the batch-norm layers come from an nn plugin: recognise them by their base class name
    names = {c.__name__ for c in type(module).__mro__}
    return bool(names & {"_BatchNorm", "BatchNorm1d", "BatchNorm2d", "BatchNorm3d",
                         "SyncBatchNorm", "LazyBatchNorm1d", "LazyBatchNorm2d",
                         "LazyBatchNorm3d"}) and hasattr(module, "reset_running_stats")


@ember.no_grad()
def update_bn(loader: Iterable[Any], model: Module, device=None) -> None:
    """Recompute the running statistics of ``model``'s batch-norm layers with one pass over
    ``loader`` (batches, or ``(input, ...)`` tuples whose first item is the input), using
    a cumulative average (``momentum=None``) as SWA needs.

    Example::

        >>> update_bn(train_loader, swa_model)
    """
    momenta = {}
    for module in model.modules():
        if _is_batchnorm(module):
            module.reset_running_stats()
            momenta[module] = module.momentum
    if not momenta:
        return
    was_training = model.training
    model.train()
    for module in momenta:
        module.momentum = None
    for batch in loader:
        if isinstance(batch, (list, tuple)):
            batch = batch[0]
        if device is not None:
            batch = batch.to(device)
        model(batch)
    for module, momentum in momenta.items():
        module.momentum = momentum
    model.train(was_training)


class SWALR(LRScheduler):
    """Anneal each param group's learning rate from its current value to ``swa_lr`` over
    ``anneal_epochs`` epochs (cosine or linear), then hold it: the schedule SWA uses.

    Args:
        optimizer: the optimizer.
        swa_lr: the target learning rate (one value or one per param group).
        anneal_epochs: epochs of annealing (an int >= 0, default 10).
        anneal_strategy: ``"cos"`` (default) or ``"linear"``.
        last_epoch: the last epoch seen (-1 to start).

    Example::

        >>> swa_sched = SWALR(opt, swa_lr=0.05, anneal_epochs=5)
    """

    def __init__(self, optimizer, swa_lr, anneal_epochs=10, anneal_strategy="cos",
                 last_epoch=-1):
        swa_lrs = per_group("swa_lr", optimizer, swa_lr)
        for lr, group in zip(swa_lrs, optimizer.param_groups, strict=True):
            group["swa_lr"] = lr
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"anneal_strategy must be one of 'cos' or 'linear', instead got "
                             f"{anneal_strategy}")
        self._set_anneal_func(anneal_strategy)
        if not isinstance(anneal_epochs, int) or anneal_epochs < 0:
            raise ValueError(f"anneal_epochs must be equal or greater than 0, got "
                             f"{anneal_epochs}")
        self.anneal_epochs = anneal_epochs
        super().__init__(optimizer, last_epoch)

    @staticmethod
    def _linear_anneal(t):
        return t

    @staticmethod
    def _cosine_anneal(t):
        return (1 - math.cos(math.pi * t)) / 2

    @staticmethod
    def _get_initial_lr(lr, swa_lr, alpha):
        # the lr the annealing started from, given the current lr at progress alpha
        if alpha == 1:
            return swa_lr
        return (lr - alpha * swa_lr) / (1 - alpha)

    def _set_anneal_func(self, strategy):
        self._anneal_strategy = strategy
        self.anneal_func = self._cosine_anneal if strategy == "cos" else self._linear_anneal

    def get_lr(self):
        if not self._get_lr_called_within_step:
            warnings.warn("To get the last learning rate computed by the scheduler, please use "
                          "`get_last_lr()`.", UserWarning, stacklevel=2)
        step = self._step_count - 1
        if self.anneal_epochs == 0:
            step = max(1, step)
        span = max(1, self.anneal_epochs)
        prev_alpha = self.anneal_func(max(0, min(1, (step - 1) / span)))
        starts = [self._get_initial_lr(g["lr"], g["swa_lr"], prev_alpha)
                  for g in self.optimizer.param_groups]
        alpha = self.anneal_func(max(0, min(1, step / span)))
        return [g["swa_lr"] * alpha + lr * (1 - alpha)
                for g, lr in zip(self.optimizer.param_groups, starts, strict=False)]

    def state_dict(self):
        return {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "anneal_func")}

    def load_state_dict(self, state_dict):
        self.__dict__.update(state_dict)
        self._set_anneal_func(self._anneal_strategy)
