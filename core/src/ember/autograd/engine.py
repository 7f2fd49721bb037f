"""The backward engine: runs a graph of ``Node``s in dependency order.

NOTE [engine]: the engine first walks the graph from the roots to count, for every node, how
many edges point at it. It then runs nodes whose count has reached zero, newest first (by
creation sequence), summing gradients that arrive at the same (node, output) slot. With
``retain_graph=False`` each node drops its saved tensors right after it runs, so memory is
released while backward proceeds. ``autograd.grad`` captures gradients at the requested
inputs instead of accumulating into ``.grad``, and only runs nodes that lead to them.
"""

from __future__ import annotations

import heapq
from sys import getrefcount as _getrefcount

from . import anomaly_mode as _anomaly
from .graph import gradient_edge
from .grad_mode import STATE

__all__ = ["run_backward"]


def _add(a, b):
    if a is None:
        return b
    if b is None:
        return a
    return a + b


def run_backward(roots, grad_roots, retain_graph, create_graph, inputs=None,
                 allow_unused=False, accumulate=True):
    """roots: tensors; grad_roots: matching gradient tensors. Returns captured grads for
    ``inputs`` (a tuple of tensors) when given with ``accumulate=False``.

    NOTE [engine fast path]: the loop below runs once per graph node, so it keeps to plain
    dict/heap operations; capture points, hooks and anomaly checks cost one test each when
    unused."""
    root_edges = []
    stack = []
    for t, g in zip(roots, grad_roots):
        gf = t.grad_fn
        if gf is None and not t._rg:
            raise RuntimeError("element 0 of tensors does not require grad and does not have a "
                               "grad_fn; call .requires_grad_() on the inputs, or check that "
                               "the computation is not inside ember.no_grad()")
        # a loss (non-leaf) inline: a call here is measurable in (a * b).sum().backward()
        edge = (gf, t._output_nr) if gf is not None else gradient_edge(t)
        root_edges.append((edge, g))
        stack.append(edge[0])

    # capture points for autograd.grad
    capture = {}
    if inputs is not None:
        for i, x in enumerate(inputs):
            if x.grad_fn is None and not x._rg:
                raise RuntimeError(f"One of the differentiated Tensors (input {i}) does not "
                                   f"require grad; set requires_grad=True on it")
            capture.setdefault(gradient_edge(x), []).append(i)

    # dependency counting (iterative DFS)
    deps = {}
    seen = set(stack)
    while stack:
        for nxt, _ in stack.pop().next_functions:
            if nxt is None:
                continue
            if nxt in deps:
                deps[nxt] += 1
            else:
                deps[nxt] = 1
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append(nxt)

    needed = None
    if inputs is not None:
        targets = {k[0] for k in capture}
        needed = set()
        # a node is needed when some target is reachable from it through its inputs; a
        # target itself only runs when it leads to another target (its own gradient is
        # captured on arrival), so grad() w.r.t. a non-leaf never frees the graph above it
        order = _topo(seen)
        for node in order:                        # children before parents
            if any(n in needed or n in targets for n, _ in node.next_functions
                   if n is not None):
                needed.add(node)

    buffers = {}
    for (node, nr), g in root_edges:
        buf = buffers.setdefault(node, {})
        buf[nr] = _add(buf.get(nr), g)
    ready = []
    for node in buffers:
        if deps.get(node, 0) == 0:
            heapq.heappush(ready, (-node._seq, id(node), node))

    results = [None] * (len(inputs) if inputs is not None else 0)
    cap_nodes = {k[0] for k in capture} if capture else ()
    anomaly = _anomaly._state
    heappop, heappush = heapq.heappop, heapq.heappush
    prev = STATE.grad_enabled
    STATE.grad_enabled = bool(create_graph)
    try:
        while ready:
            node = heappop(ready)[2]
            buf = buffers.pop(node, None)
            if node._is_acc:
                g = buf.pop(0, None) if buf else None
                hooks = node.variable.__dict__.get("_leaf_hooks")
                if hooks and g is not None:
                    for h in list(hooks):
                        r = h(g)
                        if r is not None:
                            g = r
                if node._node_pre_hooks:
                    for h in list(node._node_pre_hooks):
                        r = h((g,))
                        if r is not None:
                            g = r[0]
                if capture:
                    idx = capture.get((node, 0))
                    if idx is not None:
                        for i in idx:
                            results[i] = g
                if needed is not None and node not in needed:
                    continue
                if accumulate and g is not None:
                    # fresh: only this frame holds g (NOTE [in-place kernels], ember.backend)
                    fresh = not create_graph and _getrefcount(g) == 2
                    node.apply((g,), fresh)
                continue
            out_meta = node._out_meta
            n_out = len(out_meta) if out_meta else 1
            if not buf:
                grads = [None] * n_out
            elif n_out == 1 and len(buf) == 1 and 0 in buf:
                grads = [buf[0]]
            else:
                top = max(buf) + 1
                if top > n_out:
                    n_out = top
                grads = [buf.get(i) for i in range(n_out)]
            # tensor hooks (registered on the output slot this node consumes)
            if node._pre_hooks:
                for nr, hs in node._pre_hooks.items():
                    if nr < len(grads) and grads[nr] is not None:
                        for h in list(hs):
                            r = h(grads[nr])
                            if r is not None:
                                grads[nr] = r
            if node._node_pre_hooks:
                for h in list(node._node_pre_hooks):
                    r = h(tuple(grads))
                    if r is not None:
                        grads = list(r)
            if capture:
                for nr in range(len(grads)):
                    idx = capture.get((node, nr))
                    if idx is not None:
                        for i in idx:
                            results[i] = grads[nr]
            if needed is not None and node not in needed:
                continue
            if node._released:
                node.saved_tensors  # raises the "backward a second time" error
            if anomaly["on"]:
                in_grads = _anomaly.run_checked(node, grads)
            else:
                in_grads = node.apply(tuple(grads))
            if node._hooks:
                for h in list(node._hooks):
                    r = h(in_grads, tuple(grads))
                    if r is not None:
                        in_grads = tuple(r)
            del grads, buf
            if not retain_graph:
                node._release()
            for (nxt, nr), g in zip(node.next_functions, in_grads):
                if nxt is None:
                    continue
                if g is not None:
                    b = buffers.get(nxt)
                    if b is None:
                        buffers[nxt] = {nr: g}
                    else:
                        old = b.get(nr)
                        b[nr] = g if old is None else old + g
                d = deps[nxt] - 1
                deps[nxt] = d
                if d == 0:
                    if nxt in buffers or nxt in cap_nodes:
                        heappush(ready, (-nxt._seq, id(nxt), nxt))
                    else:
                        # no gradient reached it: its subgraph still needs its deps released
                        _propagate_none(nxt, deps, buffers, ready)
            del in_grads
    finally:
        STATE.grad_enabled = prev
    if inputs is not None:
        for i, r in enumerate(results):
            if r is None and not allow_unused:
                raise RuntimeError(
                    f"One of the differentiated Tensors (input {i}) appears to not have been "
                    f"used in the graph. Set allow_unused=True if this is the desired behavior.")
    return results


def _propagate_none(node, deps, buffers, ready):
    stack = [node]
    while stack:
        n = stack.pop()
        for nxt, _ in n.next_functions:
            if nxt is None:
                continue
            d = deps[nxt] - 1
            deps[nxt] = d
            if d == 0:
                if nxt in buffers:
                    heapq.heappush(ready, (-nxt._seq, id(nxt), nxt))
                else:
                    stack.append(nxt)


def _topo(nodes):
    """Nodes ordered so that every node comes after all nodes it points to."""
    order = []
    state = {}
    for start in nodes:
        if start in state:
            continue
        stack = [(start, iter([n for n, _ in start.next_functions if n is not None]))]
        state[start] = 1
        while stack:
            node, it = stack[-1]
            for nxt in it:
                if nxt not in state:
                    state[nxt] = 1
                    stack.append((nxt, iter([n for n, _ in nxt.next_functions if n is not None])))
                    break
            else:
                stack.pop()
                order.append(node)
    return order
