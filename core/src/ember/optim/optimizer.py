"""``ember.optim.Optimizer``: the base class every optimizer extends (built-in or a plugin's).

An optimizer holds *parameter groups* (``param_groups``: a list of dicts, each with a
``"params"`` list and that group's options) and per-parameter *state* (``state``: a
``defaultdict(dict)`` keyed by the parameter tensor). Subclasses check their arguments, pass
the defaults to ``Optimizer.__init__`` and implement ``step(closure=None)``.

NOTE [optimizer state_dict layout]: ``state_dict()`` returns PyTorch's layout::

    {"state": {0: {"step": tensor(3.), "exp_avg": ...}, 1: {...}},
     "param_groups": [{"lr": 0.001, ..., "params": [0, 1]}, ...]}

Parameters are numbered in the order they appear across the groups; ``state`` only lists the
parameters that have state. ``load_state_dict`` maps the numbers back onto this optimizer's
parameters (groups must have the same sizes) and converts floating-point state tensors to the
parameter's dtype and device ("step" is kept as saved), as PyTorch does.
"""

from __future__ import annotations

import copy
import itertools
import warnings
from collections import OrderedDict, defaultdict
from typing import Any, Callable, Iterable

from .._tensor import Tensor
from ..autograd.grad_mode import no_grad

__all__ = ["Optimizer", "required", "register_optimizer_step_pre_hook",
           "register_optimizer_step_post_hook"]


class _RequiredParameter:
    """Singleton marking a default that every parameter group must give."""

    def __repr__(self) -> str:
        return "<required parameter>"


#: Marks an optimizer default without a value: each param group must specify it.
required = _RequiredParameter()


class _Handle:
    """A removable hook registration (``handle.remove()``; also a context manager)."""

    _ids = itertools.count()

    def __init__(self, table: "OrderedDict[int, Callable]"):
        self._table = table
        self.id = next(_Handle._ids)

    def remove(self) -> None:
        self._table.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


def _add_hook(table, hook, prepend=False) -> _Handle:
    h = _Handle(table)
    table[h.id] = hook
    if prepend:
        table.move_to_end(h.id, last=False)
    return h


_global_step_pre_hooks: "OrderedDict[int, Callable]" = OrderedDict()
_global_step_post_hooks: "OrderedDict[int, Callable]" = OrderedDict()


def register_optimizer_step_pre_hook(hook: Callable) -> _Handle:
    """Register ``hook(optimizer, args, kwargs)`` to run before ``step`` of *every*
    optimizer. It may return ``(new_args, new_kwargs)``. Returns a handle with ``remove()``."""
    return _add_hook(_global_step_pre_hooks, hook)


def register_optimizer_step_post_hook(hook: Callable) -> _Handle:
    """Register ``hook(optimizer, args, kwargs)`` to run after ``step`` of every optimizer."""
    return _add_hook(_global_step_post_hooks, hook)


def _typename(obj) -> str:
    if isinstance(obj, Tensor):
        return obj.type()
    t = type(obj)
    mod = t.__module__
    return t.__qualname__ if mod in ("builtins", None) else f"{mod}.{t.__qualname__}"


def _wrap_step(fn):
    """Run the global and per-optimizer step hooks around a subclass's ``step``."""
    if getattr(fn, "_ember_hooked", False):
        return fn

    def step(self, *args, **kwargs):
        if self.__dict__.get("_in_step"):          # super().step() from an overriding step
            return fn(self, *args, **kwargs)
        pre = list(_global_step_pre_hooks.values())
        pre += list(self.__dict__.get("_optimizer_step_pre_hooks", {}).values())
        for hook in pre:
            result = hook(self, args, kwargs)
            if result is not None:
                if isinstance(result, tuple) and len(result) == 2:
                    args, kwargs = result
                else:
                    raise RuntimeError(f"{fn} must return None or a tuple of (new_args, "
                                       f"new_kwargs), but got {result}.")
        self.__dict__["_in_step"] = True
        try:
            out = fn(self, *args, **kwargs)
        finally:
            self.__dict__["_in_step"] = False
        post = list(self.__dict__.get("_optimizer_step_post_hooks", {}).values())
        post += list(_global_step_post_hooks.values())
        for hook in post:
            hook(self, args, kwargs)
        return out

    step._ember_hooked = True
    step.__wrapped__ = fn
    step.__name__ = getattr(fn, "__name__", "step")
    step.__qualname__ = getattr(fn, "__qualname__", "step")
    step.__doc__ = getattr(fn, "__doc__", None)
    return step


class Optimizer:
    """Base class of all optimizers.

    Args:
        params: an iterable of tensors, of ``(name, tensor)`` pairs, or of dicts (parameter
            groups: ``{"params": [...], "lr": 0.1, ...}``) whose keys override ``defaults``.
        defaults: the default value of each option (``required`` for options every group
            must give).

    A subclass calls ``super().__init__(params, defaults)`` after checking its arguments and
    implements ``step(closure=None)``; hooks registered with ``register_step_pre_hook`` /
    ``register_step_post_hook`` run around every ``step`` automatically.

    Example::

        >>> class PlainSGD(ember.optim.Optimizer):
        ...     def __init__(self, params, lr=0.1):
        ...         super().__init__(params, {"lr": lr})
        ...     @ember.no_grad()
        ...     def step(self, closure=None):
        ...         for group in self.param_groups:
        ...             for p in group["params"]:
        ...                 if p.grad is not None:
        ...                     p.add_(p.grad, alpha=-group["lr"])
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "step" in cls.__dict__:
            cls.step = _wrap_step(cls.__dict__["step"])

    def __init__(self, params: Iterable[Any], defaults: dict[str, Any]) -> None:
        self.defaults = defaults
        self._init_hooks()
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of "
                            "Tensors or dicts, but got " + _typename(params))
        if isinstance(params, dict):
            raise TypeError("params argument given to the optimizer should be an iterable of "
                            "Tensors or dicts, but got a dict; wrap a single parameter group "
                            "in a list: [group]")
        self.state: defaultdict = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for group in param_groups:
            self.add_param_group(group)

    def _init_hooks(self) -> None:
        self._optimizer_step_pre_hooks: OrderedDict = OrderedDict()
        self._optimizer_step_post_hooks: OrderedDict = OrderedDict()
        self._optimizer_state_dict_pre_hooks: OrderedDict = OrderedDict()
        self._optimizer_state_dict_post_hooks: OrderedDict = OrderedDict()
        self._optimizer_load_state_dict_pre_hooks: OrderedDict = OrderedDict()
        self._optimizer_load_state_dict_post_hooks: OrderedDict = OrderedDict()

    # -- pickling -------------------------------------------------------------------------
    def __getstate__(self) -> dict[str, Any]:
        return {"defaults": self.defaults, "state": self.state,
                "param_groups": self.param_groups}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        if "_optimizer_step_pre_hooks" not in self.__dict__:
            self._init_hooks()
        self.__dict__.pop("_flat_cache", None)
        if not isinstance(self.state, defaultdict):
            self.state = defaultdict(dict, self.state)
        for group in self.param_groups:
            for k, v in self.defaults.items():
                if v is not required:
                    group.setdefault(k, v)

    def __repr__(self) -> str:
        out = self.__class__.__name__ + " ("
        for i, group in enumerate(self.param_groups):
            out += f"\nParameter Group {i}\n"
            for key in sorted(group.keys()):
                if key != "params":
                    out += f"    {key}: {group[key]}\n"
        return out + ")"

    # -- parameter groups -----------------------------------------------------------------
    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a parameter group (a dict with ``"params"`` and optional per-group options;
        missing options take this optimizer's defaults). Useful when fine-tuning: unfreeze
        layers and hand them to the optimizer with their own learning rate.

        Example::

            >>> opt.add_param_group({"params": head.parameters(), "lr": 1e-4})
        """
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group)}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, (set, frozenset)):
            raise TypeError("optimizer parameters need to be organized in ordered collections, "
                            "but the ordering of tensors in sets will change between runs. "
                            "Please use a list instead.")
        else:
            params = list(params)
        tensors, names = [], []
        for item in params:
            if isinstance(item, tuple):
                if len(item) != 2:
                    raise TypeError(f"named parameters must be (name, tensor) pairs, got a "
                                    f"tuple of length {len(item)}")
                names.append(item[0])
                tensors.append(item[1])
            else:
                tensors.append(item)
        param_group["params"] = tensors
        if names:
            if len(names) != len(tensors):
                raise ValueError("all optimizer params should be with/without names. Some "
                                 "param names are missing")
            param_group["param_names"] = names

        differentiable = self.defaults.get("differentiable", False)
        for p in tensors:
            if not isinstance(p, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is "
                                + _typename(p))
            if not differentiable and not (p.is_leaf or p.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")

        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError("parameter group didn't specify a value of required "
                                 f"optimization parameter {name}")
            param_group.setdefault(name, default)

        if len({id(p) for p in tensors}) != len(tensors):
            warnings.warn("optimizer contains a parameter group with duplicate parameters; "
                          "in future, this will cause an error; see "
                          "github.com/pytorch/pytorch/issues/40967 for more information",
                          stacklevel=3)

        seen = set()
        for group in self.param_groups:
            seen.update(id(p) for p in group["params"])
            if ("param_names" in param_group) != ("param_names" in group):
                current = "with names" if "param_names" in param_group else "without names"
                raise ValueError("all optimizer param groups should be with/without names. "
                                 f"cannot add param group {current} to the optimizer")
        if any(id(p) in seen for p in tensors):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    # -- gradients ------------------------------------------------------------------------
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of all optimized tensors.

        Args:
            set_to_none: set ``.grad`` to None (default; saves memory, and optimizers skip
                parameters whose grad is None) instead of filling it with zeros.
        """
        for group in self.param_groups:
            for p in group["params"]:
                g = p.grad
                if g is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    if g.grad_fn is not None:
                        g.detach_()
                    else:
                        g.requires_grad_(False)
                    g.zero_()

    def step(self, closure: Callable[[], Any] | None = None):
        """Perform one optimization step. ``closure`` re-evaluates the model and returns the
        loss (required by some optimizers such as ``LBFGS``)."""
        raise NotImplementedError(f"{type(self).__name__} does not implement step(); an "
                                  f"Optimizer subclass must define step(closure=None)")

    # -- hooks ----------------------------------------------------------------------------
    def register_step_pre_hook(self, hook: Callable) -> _Handle:
        """``hook(optimizer, args, kwargs) -> None or (new_args, new_kwargs)`` runs before
        each ``step``. Returns a handle; ``handle.remove()`` unregisters it."""
        return _add_hook(self._optimizer_step_pre_hooks, hook)

    def register_step_post_hook(self, hook: Callable) -> _Handle:
        """``hook(optimizer, args, kwargs) -> None`` runs after each ``step``."""
        return _add_hook(self._optimizer_step_post_hooks, hook)

    def register_state_dict_pre_hook(self, hook: Callable, prepend: bool = False) -> _Handle:
        """``hook(optimizer) -> None`` runs before ``state_dict()`` builds its result."""
        return _add_hook(self._optimizer_state_dict_pre_hooks, hook, prepend)

    def register_state_dict_post_hook(self, hook: Callable, prepend: bool = False) -> _Handle:
        """``hook(optimizer, state_dict) -> state_dict or None`` runs on the result of
        ``state_dict()``; a returned dict replaces it."""
        return _add_hook(self._optimizer_state_dict_post_hooks, hook, prepend)

    def register_load_state_dict_pre_hook(self, hook: Callable,
                                          prepend: bool = False) -> _Handle:
        """``hook(optimizer, state_dict) -> state_dict or None`` runs before
        ``load_state_dict``; a returned dict is loaded instead."""
        return _add_hook(self._optimizer_load_state_dict_pre_hooks, hook, prepend)

    def register_load_state_dict_post_hook(self, hook: Callable,
                                           prepend: bool = False) -> _Handle:
        """``hook(optimizer) -> None`` runs after ``load_state_dict``."""
        return _add_hook(self._optimizer_load_state_dict_post_hooks, hook, prepend)

    # -- state dict -----------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """The optimizer's state as ``{"state": {index: {...}}, "param_groups": [...]}``
        (NOTE [optimizer state_dict layout]). Tensors are references, not copies: deep-copy
        or ``ember.save`` the result to keep a snapshot.

        Example::

            >>> ember.save({"model": model.state_dict(), "optim": opt.state_dict()}, path)
        """
        for hook in list(self._optimizer_state_dict_pre_hooks.values()):
            hook(self)
        index: dict[int, int] = {}
        start = 0
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            for i, p in enumerate(group["params"], start):
                index.setdefault(id(p), i)
            packed["params"] = [index[id(p)] for p in group["params"]]
            start += len(packed["params"])
            groups.append(packed)
        state = {(index[id(k)] if isinstance(k, Tensor) else k): v
                 for k, v in self.state.items()}
        out = {"state": state, "param_groups": groups}
        for hook in list(self._optimizer_state_dict_post_hooks.values()):
            result = hook(self, out)
            if result is not None:
                out = result
        return out

    @staticmethod
    def _cast_state(param: Tensor, value: Any, key: Any = None) -> Any:
        if isinstance(value, Tensor):
            if key == "step":
                return value
            if param.is_floating_point():
                return value.to(dtype=param.dtype, device=param.device)
            return value.to(device=param.device)
        if isinstance(value, dict):
            return {k: Optimizer._cast_state(param, v, k) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return type(value)(Optimizer._cast_state(param, v, key) for v in value)
        return value

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Load a ``state_dict()`` (of an optimizer over parameters of the same shapes, in
        the same group layout). Tensors are converted to each parameter's dtype and device.

        Example::

            >>> opt.load_state_dict(ember.load(path)["optim"])
        """
        state_dict = dict(state_dict)
        for hook in list(self._optimizer_load_state_dict_pre_hooks.values()):
            result = hook(self, state_dict)
            if result is not None:
                state_dict = result
        if "state" not in state_dict or "param_groups" not in state_dict:
            raise KeyError("load_state_dict: expected a dict with keys 'state' and "
                           f"'param_groups' (from Optimizer.state_dict()), got keys "
                           f"{sorted(map(str, state_dict))}")
        groups = self.param_groups
        saved_groups = copy.deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"])
               for g, s in zip(groups, saved_groups, strict=True)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match "
                             "the size of optimizer's group")
        id_map = dict(zip(itertools.chain.from_iterable(s["params"] for s in saved_groups),
                          itertools.chain.from_iterable(g["params"] for g in groups), strict=False))
        state: defaultdict = defaultdict(dict)
        with no_grad():
            for k, v in state_dict["state"].items():
                if k in id_map:
                    param = id_map[k]
                    state[param] = self._cast_state(param, v)
                else:
                    state[k] = v
        new_groups = []
        for group, saved in zip(groups, saved_groups, strict=False):
            saved["params"] = group["params"]
            if "param_names" in group and "param_names" not in saved:
                saved["param_names"] = group["param_names"]
            new_groups.append(saved)
        self.__setstate__({"state": state, "param_groups": new_groups})
        for hook in list(self._optimizer_load_state_dict_post_hooks.values()):
            hook(self)
