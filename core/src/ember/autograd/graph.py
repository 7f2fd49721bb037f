"""Graph nodes. A ``Node`` is what ``tensor.grad_fn`` returns: it knows its inputs' nodes
(``next_functions``) and how to map output gradients to input gradients."""

from __future__ import annotations

import itertools
import weakref

__all__ = ["Node", "AccumulateGrad"]

_seq = itertools.count()


class Node:
    """A backward function in the autograd graph.

    ``next_functions`` is a tuple of ``(node, output_nr)`` pairs (``(None, 0)`` for inputs that
    need no gradient), one per differentiable input, as in PyTorch.
    """

    _name = "Node"
    # defaults shared by all nodes (a node stores only what it sets: creating one is cheap)
    next_functions = ()
    _pre_hooks = None              # {output_nr: [fn(grad) -> grad|None]} (tensor hooks)
    _node_pre_hooks = None
    _hooks = None                  # [fn(grad_inputs, grad_outputs)]
    _released = False
    _out_meta = None               # ((shape, dtype, device) or None per output)
    _is_acc = False                # True for AccumulateGrad (one test in the engine's loop)

    def __init__(self):
        self._seq = next(_seq)

    def name(self) -> str:
        return self._name

    def __repr__(self):
        return f"<{self.name()} object at {id(self):#x}>"

    def register_hook(self, fn):
        """``fn(grad_inputs, grad_outputs)`` runs after this node; it may return new
        grad_inputs."""
        if self._hooks is None:
            self._hooks = []
        self._hooks.append(fn)
        return _Handle(self._hooks, fn)

    def register_prehook(self, fn):
        """``fn(grad_outputs)`` runs before this node; it may return new grad_outputs."""
        if self._node_pre_hooks is None:
            self._node_pre_hooks = []
        self._node_pre_hooks.append(fn)
        return _Handle(self._node_pre_hooks, fn)

    def _add_tensor_hook(self, output_nr, fn):
        if self._pre_hooks is None:
            self._pre_hooks = {}
        lst = self._pre_hooks.setdefault(output_nr, [])
        lst.append(fn)
        return _Handle(lst, fn)

    def apply(self, grads):  # pragma: no cover - overridden
        raise NotImplementedError(f"{self.name()}.apply")

    def _release(self):
        self._released = True


class _Handle:
    """Returned by ``register_hook``; ``remove()`` unregisters."""

    def __init__(self, lst, fn):
        self._lst, self._fn = lst, fn

    def remove(self):
        try:
            self._lst.remove(self._fn)
        except ValueError:
            pass


class AccumulateGrad(Node):
    """The node of a leaf tensor that requires grad: adds the incoming gradient to ``.grad``."""

    _name = "AccumulateGrad"

    _post_acc = None
    _is_acc = True

    def __init__(self, variable):
        self._seq = next(_seq)
        self.variable = variable

    def apply(self, grads, fresh=False):
        """Accumulate ``grads[0]`` into the leaf's ``.grad``; ``fresh``: the caller holds the
        only reference to that gradient (it may then become ``.grad`` without a copy)."""
        _accumulate_into_grad = _ACC[0] if _ACC else _load_acc()
        _accumulate_into_grad(self.variable, grads[0], fresh=fresh)
        if self._post_acc:
            for h in list(self._post_acc):
                h(self.variable)
        return ()


_ACC = []


def _load_acc():
    from .._tensor import _accumulate_into_grad
    _ACC.append(_accumulate_into_grad)
    return _accumulate_into_grad


NO_EDGE = (None, 0)      # the edge of an input that needs no gradient


def gradient_edge(t):
    """``(node, output_nr)``: where the gradient of ``t`` (a tensor that requires grad)
    flows -- the output of its ``grad_fn``, or the AccumulateGrad node of a leaf."""
    gf = t.grad_fn
    return (gf, t._output_nr) if gf is not None else (grad_accumulator(t), 0)


def grad_accumulator(t):
    """The (cached, weakly held) AccumulateGrad node of leaf ``t``."""
    ref = t.__dict__.get("_accum")
    acc = ref() if ref is not None else None
    if acc is None:
        acc = AccumulateGrad(t)
        t.__dict__["_accum"] = weakref.ref(acc)
    return acc
