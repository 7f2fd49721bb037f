"""``ember.utils.checkpoint``: trade compute for memory by recomputing a segment of the
forward pass during backward, as ``torch.utils.checkpoint``.

NOTE [checkpoint]: ``checkpoint(fn, *args)`` runs ``fn`` without recording a graph and keeps
only its tensor arguments (and the random generator states). When backward reaches it, it
restores the generator states, re-runs ``fn`` on detached copies of the arguments with grad
enabled, and back-propagates the incoming gradients through that fresh graph with
``ember.autograd.backward``: gradients of the arguments are returned to the outer graph, and
tensors ``fn`` uses without receiving them (module parameters) get theirs accumulated into
``.grad`` during that inner pass. So, as with PyTorch's reentrant variant, those tensors must
be reached by ``.backward()``; ``ember.autograd.grad(..., inputs=params)`` cannot see them
through a checkpoint (pass them as arguments instead). With ``use_reentrant=False`` the
outputs require grad even when no argument does, so parameters used inside still get
gradients (PyTorch's non-reentrant behaviour for ``.backward()``).

Example::

    >>> y = ember.utils.checkpoint.checkpoint(block, x, use_reentrant=False)
    >>> y.sum().backward()      # block's activations were recomputed here
"""

from __future__ import annotations

import contextlib
import warnings

from .._tensor import Tensor
from ..autograd.function import Function
from ..autograd.grad_mode import enable_grad, no_grad, is_grad_enabled

__all__ = ["checkpoint", "checkpoint_sequential"]


def _rng_devices(tensors):
    """The non-cpu devices of ``tensors`` (their generators are saved with the cpu's)."""
    seen = []
    for t in tensors:
        d = t.device
        if d.type != "cpu" and d not in seen:
            seen.append(d)
    return seen


def _get_rng(devices):
    from .. import random as R
    return R.get_rng_state(), [(d, R.default_generator(d).get_state()) for d in devices]


def _set_rng(state):
    from .. import random as R
    cpu, devs = state
    R.set_rng_state(cpu)
    for d, st in devs:
        R.default_generator(d).set_state(st)


class _Checkpoint(Function):
    """``apply(run_function, preserve_rng, kwargs, contexts, n_dummy, *args)``."""

    _node_name = "CheckpointFunctionBackward"

    @staticmethod
    def forward(ctx, run_function, preserve_rng, kwargs, contexts, n_dummy, *args):
        args = args[n_dummy:]
        fwd_ctx, ctx.recompute_ctx = contexts
        ctx.run_function = run_function
        ctx.kwargs = kwargs
        ctx.n_dummy = n_dummy
        ctx.preserve_rng = preserve_rng
        tensors = [a for a in args if isinstance(a, Tensor)]
        if preserve_rng:
            ctx.rng = _get_rng(_rng_devices(tensors))
        ctx.tensor_pos = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        ctx.args = [None if isinstance(a, Tensor) else a for a in args]
        ctx.save_for_backward(*tensors)
        ctx.set_materialize_grads(False)
        with no_grad(), fwd_ctx:
            out = run_function(*args, **kwargs)
        if isinstance(out, Tensor):
            return out
        if isinstance(out, (tuple, list)):
            return tuple(out)
        raise TypeError(f"checkpoint: the function must return a Tensor or a tuple of them, "
                        f"got {type(out).__name__}")

    @staticmethod
    def backward(ctx, *grads):
        from .. import autograd
        saved = ctx.saved_tensors
        args = list(ctx.args)
        detached = []
        for pos, t in zip(ctx.tensor_pos, saved):
            d = t.detach().requires_grad_(t.requires_grad)
            args[pos] = d
            detached.append(d)
        current = None
        if ctx.preserve_rng:
            current = _get_rng([d for d, _ in ctx.rng[1]])
            _set_rng(ctx.rng)
        try:
            with enable_grad(), ctx.recompute_ctx:
                out = ctx.run_function(*args, **ctx.kwargs)
        finally:
            if current is not None:
                _set_rng(current)
        outs = (out,) if isinstance(out, Tensor) else tuple(out)
        roots, root_grads = [], []
        for o, g in zip(outs, grads):
            if isinstance(o, Tensor) and o.requires_grad and g is not None:
                roots.append(o)
                root_grads.append(g)
        if roots:
            autograd.backward(roots, root_grads)
        in_grads = []
        it = iter(detached)
        for i in range(len(ctx.args)):
            if i in ctx.tensor_pos:
                d = next(it)
                in_grads.append(d.grad if d.requires_grad else None)
            else:
                in_grads.append(None)
        return (None,) * (5 + ctx.n_dummy) + tuple(in_grads)


def checkpoint(function, *args, use_reentrant=None, context_fn=None, determinism_check="default",
               debug=False, preserve_rng_state=True, early_stop=True, **kwargs):
    """Run ``function(*args, **kwargs)`` without keeping its intermediate activations; they
    are recomputed when backward reaches the result (NOTE [checkpoint]). Random ops inside
    (dropout) replay the same numbers during recomputation when ``preserve_rng_state``.

    ``use_reentrant`` should be given explicitly (a warning says so otherwise; it then
    defaults to True). With ``use_reentrant=True`` keyword arguments are not supported and
    the result requires grad only if some tensor argument does; with False the result
    always records the checkpoint, so parameters used by ``function`` get gradients.

    Shape: whatever ``function`` returns (a Tensor or a tuple of Tensors).

    Example::

        >>> out = checkpoint(lambda x: (x.sin() * 2).exp(), x, use_reentrant=False)
    """
    if use_reentrant is None:
        warnings.warn("ember.utils.checkpoint: the use_reentrant parameter should be passed "
                      "explicitly; use_reentrant=False is recommended (it defaults to True "
                      "here, as PyTorch).", stacklevel=2)
        use_reentrant = True
    if determinism_check not in ("default", "none"):
        raise ValueError(f"determinism_check should be one of ['default', 'none'], but got "
                         f"{determinism_check}")
    if use_reentrant:
        if context_fn is not None or debug:
            raise ValueError("Passing `context_fn` or `debug` is only supported when "
                             "use_reentrant=False.")
        if kwargs:
            raise ValueError("Unexpected keyword arguments: " + ",".join(kwargs))
        if is_grad_enabled() and not any(isinstance(a, Tensor) and a.requires_grad
                                         for a in args):
            warnings.warn("None of the inputs have requires_grad=True. Gradients will be None",
                          stacklevel=2)
    contexts = context_fn() if context_fn is not None else (
        contextlib.nullcontext(), contextlib.nullcontext())
    dummy = ()
    if not use_reentrant and is_grad_enabled() and not any(
            isinstance(a, Tensor) and a.requires_grad for a in args):
        from .._creation import empty
        dummy = (empty(0, requires_grad=True),)
    return _Checkpoint.apply(function, bool(preserve_rng_state), kwargs, tuple(contexts),
                             len(dummy), *dummy, *args)


def checkpoint_sequential(functions, segments, input, use_reentrant=None, **kwargs):
    """Run a sequence of modules/functions in ``segments`` chunks, checkpointing every chunk
    but the last (which runs normally, as PyTorch). ``functions`` is an ``nn.Sequential``
    or a list of callables applied in order.

    Example::

        >>> out = checkpoint_sequential(model, 2, x, use_reentrant=False)
    """
    if use_reentrant is None:
        warnings.warn("ember.utils.checkpoint.checkpoint_sequential: the use_reentrant "
                      "parameter should be passed explicitly; use_reentrant=False is "
                      "recommended (it defaults to True here, as PyTorch).", stacklevel=2)
        use_reentrant = True
    preserve = kwargs.pop("preserve_rng_state", True)
    if kwargs:
        raise ValueError("Unexpected keyword arguments: " + ",".join(kwargs))
    if hasattr(functions, "children") and not isinstance(functions, (list, tuple)):
        functions = list(functions.children())
    functions = list(functions)
    if segments < 1:
        raise ValueError(f"checkpoint_sequential: segments must be >= 1, got {segments}")

    def run(start, end):
        def forward(x):
            for j in range(start, end + 1):
                x = functions[j](x)
            return x
        return forward

    size = len(functions) // segments
    end = -1
    for start in range(0, size * (segments - 1), size):
        end = start + size - 1
        input = checkpoint(run(start, end), input, use_reentrant=use_reentrant,
                           preserve_rng_state=preserve)
    return run(end + 1, len(functions) - 1)(input)
