"""Define-by-run automatic differentiation: ``backward``, ``grad``, ``Function``, grad modes.

NOTE [graph freeing]: see ``engine.py``: saved tensors are dropped node by node as backward
runs unless ``retain_graph=True``; outputs saved by their own node are kept as grad-less
aliases (``function.py`` NOTE [saved outputs]) so no reference cycle keeps a graph alive.
"""

from __future__ import annotations

from .anomaly_mode import detect_anomaly, set_detect_anomaly
from .engine import run_backward
from .function import Function, FunctionCtx, BackwardNode, once_differentiable
from .grad_mode import (enable_grad, inference_mode, is_grad_enabled, no_grad,
                        set_grad_enabled, is_inference_mode_enabled)
from .graph import Node

__all__ = ["backward", "grad", "Function", "FunctionCtx", "BackwardNode", "once_differentiable",
           "is_inference_mode_enabled", "no_grad",
           "enable_grad", "set_grad_enabled", "inference_mode", "is_grad_enabled",
           "detect_anomaly", "set_detect_anomaly", "Node", "graph", "gradcheck",
           "gradgradcheck", "functional"]

from . import graph  # noqa: E402  (module attribute, as torch.autograd.graph)
from . import functional  # noqa: E402  (ember.autograd.functional.jacobian, ...)
from .gradcheck import gradcheck, gradgradcheck  # noqa: E402


_LAZY = {}


def _core():
    """(Tensor, _from_native, _creation), imported once (they import this package)."""
    c = _LAZY.get("core")
    if c is None:
        from .._tensor import Tensor, _from_native
        from .. import _creation
        c = _LAZY["core"] = (Tensor, _from_native, _creation)
    return c


def _make_grads(outputs, grads):
    Tensor, _from_native, _creation = _core()
    out = []
    for i, (o, g) in enumerate(zip(outputs, grads)):
        if g is None:
            if o.numel() != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs; "
                                   f"output {i} has shape {list(o.shape)}: pass gradient= "
                                   f"(a tensor of that shape) to backward()")
            if not (o._dtype.is_floating_point or o._dtype.is_complex):
                raise RuntimeError("grad can be implicitly created only for real scalar "
                                   "outputs but got " + str(o._dtype))
            st = o._storage       # the seed gradient: ones on o's device (one kernel call)
            g = _from_native(st._be.full(o._shape, 1, o._dtype, st.device.index), st._be,
                             st.device, o._dtype)
        elif not isinstance(g, Tensor):
            g = _creation.tensor(g, dtype=o._dtype, device=o.device)
        else:
            if g._shape != o._shape:
                raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of "
                                   f"{list(g.shape)} and output[{i}] has a shape of "
                                   f"{list(o.shape)}.")
            if g.device != o.device:
                raise RuntimeError(f"invalid gradient at index {i} - expected device "
                                   f"{o.device} but got {g.device}")
        out.append(g)
    return out


def _seq(x):
    if x is None:
        return None
    if isinstance(x, (list, tuple)):
        return list(x)
    if hasattr(x, "_storage"):         # a Tensor
        return [x]
    return list(x)


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False,
             grad_variables=None, inputs=None):
    """Accumulate gradients of ``tensors`` into the ``.grad`` of graph leaves (or only of
    ``inputs`` when given).

    Example::

        >>> x = ember.ones(3, requires_grad=True)
        >>> ember.autograd.backward((x * 2).sum()); x.grad
        tensor([2., 2., 2.])
    """
    tensors = _seq(tensors)
    grads = _seq(grad_tensors if grad_tensors is not None else grad_variables)
    if grads is None:
        grads = [None] * len(tensors)
    if len(grads) != len(tensors):
        raise RuntimeError(f"got {len(grads)} gradients for {len(tensors)} tensors")
    grads = _make_grads(tensors, grads)
    if retain_graph is None:
        retain_graph = create_graph
    if inputs is not None:
        inputs = _seq(inputs)
        got = run_backward(tensors, grads, retain_graph, create_graph, inputs=inputs,
                           allow_unused=True, accumulate=False)
        from .._tensor import _accumulate_into_grad
        from .grad_mode import STATE
        prev = STATE.grad_enabled
        STATE.grad_enabled = bool(create_graph)
        try:
            for x, g in zip(inputs, got):
                if g is not None:
                    _accumulate_into_grad(x, g)
        finally:
            STATE.grad_enabled = prev
        return
    run_backward(tensors, grads, retain_graph, create_graph)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         only_inputs=True, allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """The gradients of ``outputs`` w.r.t. ``inputs`` (a tuple, one per input), without
    touching ``.grad``. With ``create_graph=True`` the result is differentiable again, so
    higher-order derivatives work.

    Example::

        >>> x = ember.tensor(2., requires_grad=True)
        >>> (g,) = ember.autograd.grad(x ** 3, x, create_graph=True)   # 3x^2 = 12
        >>> ember.autograd.grad(g, x)                                    # 6x = 12
        (tensor(12.),)
    """
    outputs = _seq(outputs)
    inputs = _seq(inputs)
    grads = _seq(grad_outputs)
    if grads is None:
        grads = [None] * len(outputs)
    grads = _make_grads(outputs, grads)
    if retain_graph is None:
        retain_graph = create_graph
    if allow_unused is None:
        allow_unused = materialize_grads
    res = run_backward(outputs, grads, retain_graph, create_graph, inputs=inputs,
                       allow_unused=allow_unused, accumulate=False)
    if materialize_grads:
        from .. import _creation
        res = [r if r is not None else _creation.zeros_like(x) for r, x in zip(res, inputs)]
    return tuple(res)
