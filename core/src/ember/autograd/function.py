"""``autograd.Function``: forward and backward side by side.

Every built-in differentiable op is a small ``Function`` subclass; user-defined functions use
the same class. ``forward(ctx, *args)`` computes the result (it may return backend-native arrays,
which are wrapped), ``backward(ctx, *grads)`` returns one gradient per ``forward`` argument
(None for non-tensors), written in ember ops so it is itself differentiable.

NOTE [saved outputs]: a tensor that is an *output* of the node and also saved for backward
would make a cycle (output -> grad_fn -> saved output). The node instead keeps a grad-less
alias of the output and rebuilds a tensor with ``grad_fn=node`` when ``saved_tensors`` is
read, as PyTorch's SavedVariable does. The graph is then freed by reference counting alone.
"""

from __future__ import annotations

import functools

from .graph import NO_EDGE, Node, gradient_edge
from .grad_mode import STATE
from . import anomaly_mode as _anomaly

__all__ = ["Function", "FunctionCtx", "BackwardNode", "once_differentiable"]


_T = []
_H = {}     # helpers from modules that import this one (filled on first use)


def _tensor_cls():
    if not _T:
        from .._tensor import Tensor, _from_native_like, _sum_to
        _T.append(Tensor)
        _H["from_native_like"] = _from_native_like
        _H["sum_to"] = _sum_to
    return _T[0]


class FunctionCtx:
    """What ``forward`` and ``backward`` share: ``save_for_backward``, ``saved_tensors``,
    ``needs_input_grad``, ``mark_dirty``, ``mark_non_differentiable``,
    ``set_materialize_grads``. Attributes set on it in forward are visible in backward."""

    needs_input_grad = ()
    _saved = ()
    _dirty = ()
    _non_diff = ()
    materialize_grads = True

    def save_for_backward(self, *tensors):
        self._saved = tensors

    def mark_dirty(self, *tensors):
        self._dirty = tensors

    def mark_non_differentiable(self, *tensors):
        self._non_diff = tensors

    def set_materialize_grads(self, value: bool):
        self.materialize_grads = bool(value)

    @property
    def saved_tensors(self):
        return self._saved


class _NoGradCtx(FunctionCtx):
    """The ctx of an op run without grad: saving is a no-op."""

    def save_for_backward(self, *tensors):
        pass


_NO_GRAD_CTX = _NoGradCtx()


class _SavedOut:
    __slots__ = ("alias", "nr", "version")

    def __init__(self, alias, nr, version):
        self.alias, self.nr, self.version = alias, nr, version


class BackwardNode(Node, FunctionCtx):
    """The graph node of one ``Function`` application; also the ``ctx`` its methods see."""

    _fn = None
    _in_meta = ()
    _versions = ()

    def name(self):
        return self._name

    @property
    def needs_input_grad(self):
        """One bool per ``forward`` argument: does it need a gradient (derived from the
        graph edges, so that recording a node stores less)."""
        return tuple([e[0] is not None for e in self.next_functions])

    @property
    def saved_tensors(self):
        if self._released:
            raise RuntimeError(
                "Trying to backward through the graph a second time (or directly access saved "
                "tensors after they have already been freed). Saved intermediate values of the "
                "graph are freed when you call .backward() or autograd.grad(). Specify "
                "retain_graph=True if you need to backward through the graph a second time or "
                "if you need to access saved tensors after calling backward.")
        out = []
        for s, ver in zip(self._saved, self._versions):
            if isinstance(s, _SavedOut):
                t = s.alias._alias()
                if STATE.grad_enabled or True:
                    t.grad_fn = self
                    t._output_nr = s.nr
                    t._rg = True
                cur = s.alias._storage._version
                if cur != s.version:
                    self._raise_version(s.alias, s.nr, cur, s.version, output=True)
                out.append(t)
            elif s is None:
                out.append(None)
            else:
                cur = s._storage._version
                if cur != ver:
                    self._raise_version(s, None, cur, ver)
                out.append(s)
        return tuple(out)

    def _raise_version(self, t, nr, cur, expected, output=False):
        where = (f"which is output {nr} of {self.name()}" if output else
                 f"which is saved by {self.name()}")
        raise RuntimeError(
            f"one of the variables needed for gradient computation has been modified by an "
            f"inplace operation: [{t.type()} {list(t.shape)}], {where}, is at version {cur}; "
            f"expected version {expected} instead. Hint: replace the in-place op (e.g. x += 1, "
            f"x.add_()) with its out-of-place form, or clone() the tensor before modifying it.")

    def _release(self):
        self._released = True
        self._saved = ()

    def apply(self, grads):
        Tensor = _T[0] if _T else _tensor_cls()
        fn = self._fn
        if self.materialize_grads:
            for g in grads:
                if g is None:
                    grads = tuple(g if g is not None else self._zeros_for_output(i)
                                  for i, g in enumerate(grads))
                    break
        res = fn.backward(self, *grads)
        if res.__class__ is not tuple:
            res = tuple(res) if isinstance(res, tuple) else (res,)
        meta = self._in_meta
        n = len(meta)
        if len(res) < n:
            raise RuntimeError(
                f"function {fn.__name__}.backward returned an incorrect number of gradients "
                f"(expected {n}, got {len(res)})")
        out = []
        append = out.append
        for i, m, g in zip(range(n), meta, res):
            if m is None or g is None:
                append(None)
                continue
            if g.__class__ is not Tensor and not isinstance(g, Tensor):
                raise TypeError(f"{fn.__name__}.backward must return Tensors or None, got "
                                f"{type(g).__name__} for input {i}")
            shape, dtype, dev = m
            if g._shape != shape:
                try:
                    g = _H["sum_to"](g, shape)
                except RuntimeError:
                    raise RuntimeError(
                        f"Function {self.name()} returned an invalid gradient at index {i} - "
                        f"got {list(g._shape)} but expected shape compatible with "
                        f"{list(shape)}") from None
            if g._dtype is not dtype and dtype is not None:
                g = g.to(dtype)
            append(g)
        return tuple(out)

    def _zeros_for_output(self, i):
        from .. import _creation
        shape, dtype, dev = self._out_meta[i]
        return _creation.zeros(shape, dtype=dtype, device=dev)


class _FunctionMeta(type):
    def __init__(cls, name, bases, ns):
        super().__init__(name, bases, ns)
        node_name = ns.get("_node_name") or f"{name}Backward"
        cls._backward_cls = type(node_name, (BackwardNode,), {"_fn": cls, "_name": node_name})


class Function(metaclass=_FunctionMeta):
    """Base class for differentiable operations with a hand-written backward.

    Example::

        class Exp(ember.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                y = x.exp()
                ctx.save_for_backward(y)
                return y

            @staticmethod
            def backward(ctx, grad):
                (y,) = ctx.saved_tensors
                return grad * y

        y = Exp.apply(x)      # shape of x; y.grad_fn is <ExpBackward ...>
    """

    _builtin = False

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom "
                                  "autograd.Function.")

    @staticmethod
    def backward(ctx, *grads):
        raise NotImplementedError("You must implement either the backward or vjp method for "
                                  "your custom autograd.Function to use it with backward mode AD.")

    vjp = backward

    def __init__(self, *args, **kwargs):
        raise RuntimeError("autograd.Function is used through its classmethod apply(), "
                           "e.g. MyFn.apply(x); do not instantiate it")

    @classmethod
    def apply(cls, *args, **kwargs):
        Tensor = _T[0] if _T else _tensor_cls()
        needs = False
        if STATE.grad_enabled:
            for a in args:
                if isinstance(a, Tensor) and a._rg:
                    needs = True
                    break
        if not needs:
            if cls._builtin:
                out = cls.forward(_NO_GRAD_CTX, *args, **kwargs)
                if out.__class__ is Tensor:
                    return out
                return _wrap_outputs(out, args)
            ctx = FunctionCtx()
            prev = STATE.grad_enabled
            STATE.grad_enabled = False
            try:
                out = cls.forward(ctx, *args, **kwargs)
            finally:
                STATE.grad_enabled = prev
            return _wrap_outputs(out, args)
        return _apply_with_grad(cls, args, kwargs)


def _wrap_outputs(out, args):
    Tensor = _T[0] if _T else _tensor_cls()
    wrap = _H["from_native_like"]
    if isinstance(out, tuple):
        return tuple(o if (o is None or isinstance(o, Tensor) or not hasattr(o, "shape"))
                     else wrap(o, args) for o in out)
    if isinstance(out, Tensor) or not hasattr(out, "shape"):
        return out
    return wrap(out, args)


def _apply_with_grad(cls, args, kwargs):
    """Run ``cls.forward`` with a new node as ctx and connect its outputs to the graph.

    NOTE [apply fast path]: this runs for every differentiable op while grad is on, so it is
    written for the common case (tensor inputs, one output, nothing dirty or
    non-differentiable) with plain loops and attribute access; the general cases share the
    same code below it."""
    Tensor = _T[0] if _T else _tensor_cls()
    node = cls._backward_cls()
    if _anomaly._state["on"]:
        _anomaly.record_stack(node)
    edges = []
    meta = []
    for a in args:
        if isinstance(a, Tensor) and a._rg:
            edges.append(gradient_edge(a))
            meta.append((a._shape, a._dtype, a._storage.device))
        else:
            edges.append(NO_EDGE)
            meta.append(None)
    node.next_functions = tuple(edges)
    node._in_meta = tuple(meta)
    prev = STATE.grad_enabled
    STATE.grad_enabled = False
    try:
        out = cls.forward(node, *args, **kwargs) if kwargs else cls.forward(node, *args)
    finally:
        STATE.grad_enabled = prev
    if out.__class__ is not Tensor:
        out = _wrap_outputs(out, args)
    single = not isinstance(out, tuple)
    outs = (out,) if single else out
    dirty = node._dirty
    non_diff = node._non_diff
    out_meta = []
    for i, o in enumerate(outs):
        if not isinstance(o, Tensor):
            out_meta.append(None)
            continue
        dt = o._dtype
        out_meta.append((o._shape, dt, o._storage.device))
        if not (dt.is_floating_point or dt.is_complex):
            continue
        if non_diff and any(o is n for n in non_diff):
            continue
        if dirty and any(o is d for d in dirty):
            if o.grad_fn is None and o._rg and STATE.grad_enabled:
                raise RuntimeError("a leaf Variable that requires grad is being used in an "
                                   "in-place operation.")
            o._storage._version += 1
        else:
            for a in args:
                if o is a:
                    # forward returned an input unchanged: give the output its own identity
                    o = o._alias()
                    outs = outs[:i] + (o,) + outs[i + 1:]
                    break
        o.grad_fn = node
        o._output_nr = i
        o._rg = True
    node._out_meta = tuple(out_meta)
    # saved tensors: outputs become aliases (NOTE [saved outputs]); record versions
    saved = node._saved
    if saved:
        conv = []
        vers = []
        for s in saved:
            if s is None:
                conv.append(None)
                vers.append(0)
                continue
            if not isinstance(s, Tensor):
                raise TypeError(f"save_for_backward can only save tensors, but argument got "
                                f"{type(s).__name__}")
            for k, o in enumerate(outs):
                if o is s:
                    conv.append(_SavedOut(s._alias(), k, s._storage._version))
                    vers.append(0)
                    break
            else:
                conv.append(s)
                vers.append(s._storage._version)
        node._saved = tuple(conv)
        node._versions = tuple(vers)
    return outs[0] if single else outs


def _record_unary(cls, x, out, extra=0):
    """Connect ``out``, the fresh result of a one-tensor op ``cls`` that the caller computed
    from ``x`` (a tensor that requires grad, grad mode on), to a new ``cls`` node: what
    ``_apply_with_grad`` records for it -- the edge to ``x`` (then ``extra`` edges of
    non-tensor arguments), input and output metadata -- without its generic loops
    (NOTE [binary fast path] in ``_ops/elementwise.py``). Returns the node, for the caller to
    set its ctx fields and saved tensors."""
    node = cls._backward_cls()
    if _anomaly._state["on"]:
        _anomaly.record_stack(node)
    dev = x._storage.device
    node.next_functions = (gradient_edge(x),) + (NO_EDGE,) * extra
    node._in_meta = ((x._shape, x._dtype, dev),) + (None,) * extra
    d = out.__dict__
    d["grad_fn"] = node
    d["_rg"] = True
    node._out_meta = ((out._shape, out._dtype, out._storage.device),)
    return node


def once_differentiable(fn):
    """Decorator for ``backward``: run it without recording a graph (its result cannot be
    differentiated again; doing so raises)."""

    @functools.wraps(fn)
    def wrapper(ctx, *grads):
        from .grad_mode import no_grad
        with no_grad():
            return fn(ctx, *grads)
    return wrapper
