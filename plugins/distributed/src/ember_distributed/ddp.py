"""``DistributedDataParallel``: data-parallel training over a process group.

NOTE [ddp reducer]: every process holds a full replica of the module. At construction the
parameters and buffers of group rank 0 are broadcast to the others, so all replicas start
equal. The parameters that require grad are cut into *buckets* (about ``bucket_cap_mb`` each,
in reverse registration order, which is roughly the order backward produces their gradients;
one dtype and device per bucket), and each bucket owns one flat buffer.

A forward with grad enabled (outside ``no_sync()``) *arms* the reducer. During backward, the
post-accumulate-grad hook of each parameter marks it ready; when every parameter of a bucket
is ready, its gradients are copied into the flat buffer, divided by the world size, and a
non-blocking all-reduce (MPI ``Iallreduce`` or NCCL) starts on it while backward continues
with earlier layers. Buckets start strictly in index order (every process must start the same
collectives in the same order). When the last bucket has started, the reducer waits for all
of them and writes the averaged gradients back into ``.grad`` -- still inside backward, so
``loss.backward()`` returns with synchronised gradients and ``optimizer.step()`` can follow.

With ``find_unused_parameters=True`` the autograd graph of the forward's outputs is walked
once per iteration; parameters it does not reach are marked ready at once (contributing
zeros), and a small all-reduce of "used" flags at the end tells which parameters no process
used: their ``.grad`` is left untouched. Without it, a parameter that gets no gradient leaves
the reduction unfinished, and the next forward raises an error that says so.
"""

from __future__ import annotations

import contextlib
import dataclasses
import weakref
from typing import Any

import ember
from ember.nn import Module

from .collectives import _split_into, all_reduce, broadcast
from .objects import all_gather_object
from .process_group import ProcessGroup, _resolve
from .reduce_op import ReduceOp

__all__ = ["DistributedDataParallel"]

_MB = 1024 * 1024
_DEFAULT_BUCKET_MB = 25
_DEFAULT_FIRST_BUCKET_BYTES = 1 * _MB


class _Bucket:
    __slots__ = ("index", "members", "flat", "pending", "work")

    def __init__(self, index: int, members: list, flat) -> None:
        self.index = index
        self.members = members          # [(param index, offset, numel)]
        self.flat = flat                # 1-D tensor of the bucket's dtype and device
        self.pending = len(members)
        self.work = None


def _assign_buckets(params, first_cap: int, cap: int) -> list[list[int]]:
    """Parameter indices per bucket: reverse order, by (dtype, device), ~``cap`` bytes each."""
    done: list[list[int]] = []
    open_: dict[tuple, tuple[list[int], int]] = {}
    for i in reversed(range(len(params))):
        p = params[i]
        key = (p.dtype, p.device)
        members, size = open_.get(key, ([], 0))
        members.append(i)
        size += p.numel() * p.element_size()
        limit = first_cap if not done else cap
        if size >= limit:
            done.append(members)
            open_.pop(key, None)
        else:
            open_[key] = (members, size)
    done.extend(m for m, _ in open_.values())
    return done


def _find_tensors(obj) -> list:
    """The tensors inside a forward's output (tensors, lists, tuples, dicts, dataclasses)."""
    if isinstance(obj, ember.Tensor):
        return [obj]
    if isinstance(obj, (list, tuple)):
        return [t for o in obj for t in _find_tensors(o)]
    if isinstance(obj, dict):
        return [t for o in obj.values() for t in _find_tensors(o)]
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return [t for f in dataclasses.fields(obj) for t in _find_tensors(getattr(obj, f.name))]
    return []


def _reached_leaves(outputs) -> set[int]:
    """ids of the leaf tensors the autograd graph of ``outputs`` leads to."""
    ids: set[int] = set()
    stack, seen = [], set()
    for t in outputs:
        if t.grad_fn is not None:
            stack.append(t.grad_fn)
        elif t.requires_grad:
            ids.add(id(t))
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        var = getattr(node, "variable", None)
        if var is not None:
            ids.add(id(var))
        stack.extend(n for n, _ in node.next_functions if n is not None and n not in seen)
    return ids


class _Reducer:
    """Bucketed, backward-overlapped gradient averaging (NOTE [ddp reducer])."""

    def __init__(self, params, group: ProcessGroup, first_cap: int, cap: int,
                 gradient_as_bucket_view: bool) -> None:
        self.params = params
        self.group = group
        self.as_view = gradient_as_bucket_view
        self.buckets: list[_Bucket] = []
        self.where: list[tuple[int, int]] = [(0, 0)] * len(params)   # (bucket, offset)
        for b, idx in enumerate(_assign_buckets(params, first_cap, cap)):
            members, off = [], 0
            for i in idx:
                n = params[i].numel()
                members.append((i, off, n))
                self.where[i] = (b, off)
                off += n
            p0 = params[idx[0]]
            flat = ember.zeros(off, dtype=p0.dtype, device=p0.device)
            self.buckets.append(_Bucket(b, members, flat))
        self.armed = False          # a synchronised backward is expected
        self.started = False        # ... and has begun (some parameter is ready)
        self.find_unused = False
        self.ready = [False] * len(params)
        self.used = [False] * len(params)    # got a gradient since the last reduction
        self.next_bucket = 0
        self._trace: list | None = None      # tests: ("ready", i) / ("launch", b) events
        ref = weakref.ref(self)
        self.handles = [p.register_post_accumulate_grad_hook(_hook(ref, i))
                        for i, p in enumerate(params)]

    # -- per iteration ----------------------------------------------------------------------
    def prepare_for_forward(self) -> None:
        if self.armed and self.started:
            missing = [i for i, r in enumerate(self.ready) if not r]
            self.armed = self.started = False
            raise RuntimeError(
                "DistributedDataParallel: expected to have finished reduction in the prior "
                "iteration before starting a new one. This means that your module has "
                f"parameters that were not used in producing loss (parameter indices "
                f"{missing[:10]}{'...' if len(missing) > 10 else ''}). Pass "
                "find_unused_parameters=True to DistributedDataParallel, or make sure every "
                "output of forward takes part in the loss")

    def prepare_for_backward(self, outputs, find_unused: bool) -> None:
        self.armed, self.started, self.find_unused = True, False, find_unused
        self.ready = [False] * len(self.params)
        self.next_bucket = 0
        for b in self.buckets:
            b.pending, b.work = len(b.members), None
        if find_unused:
            reached = _reached_leaves(_find_tensors(outputs))
            for i, p in enumerate(self.params):
                if id(p) not in reached:
                    self.mark_ready(i)

    def on_grad(self, i: int) -> None:
        self.used[i] = True
        if not self.armed:
            return                  # no_sync, no DDP forward, or already reduced
        if self.ready[i]:
            raise RuntimeError(
                f"DistributedDataParallel: parameter {i} got a gradient twice in one "
                f"iteration (a second backward through the same forward, or a parameter used "
                f"by reentrant backward). Call forward again before the next backward, or "
                f"accumulate inside no_sync()")
        self.mark_ready(i)

    def mark_ready(self, i: int) -> None:
        self.started = True
        self.ready[i] = True
        if self._trace is not None:
            self._trace.append(("ready", i))
        b = self.buckets[self.where[i][0]]
        b.pending -= 1
        if b.pending == 0 and b.index == self.next_bucket:
            self._launch_ready()
        else:
            self._progress()

    # -- buckets ----------------------------------------------------------------------------
    def _launch_ready(self) -> None:
        while self.next_bucket < len(self.buckets) and \
                self.buckets[self.next_bucket].pending == 0:
            self._launch(self.buckets[self.next_bucket])
            self.next_bucket += 1
        if self.next_bucket == len(self.buckets):
            self._finalize()

    def _launch(self, b: _Bucket) -> None:
        flat = b.flat
        with ember.no_grad():
            for i, off, n in b.members:
                g = self.params[i].grad
                part = flat[off:off + n]
                if g is None:
                    part.zero_()
                elif not _is_view_of(g, flat, off):
                    part.copy_(g.reshape(-1))
            flat.div_(self.group.size())
        if self._trace is not None:
            self._trace.append(("launch", b.index))
        b.work = all_reduce(flat, ReduceOp.SUM, group=self.group, async_op=True)

    def _progress(self) -> None:
        """Let the communication library advance started buckets (MPI progresses non-blocking
        collectives only inside its calls)."""
        for b in self.buckets[:self.next_bucket]:
            if not b.work.is_completed():
                break

    def _finalize(self) -> None:
        self.armed = False
        used = None
        if self.find_unused:
            flags = ember.tensor([1 if u else 0 for u in self.used], dtype=ember.uint8)
            all_reduce(flags, ReduceOp.MAX, group=self.group)
            used = flags.tolist()
        for b in self.buckets:
            b.work.wait()
            for i, off, n in b.members:
                if used is not None and not used[i]:
                    continue                     # no process used it: leave .grad alone
                p = self.params[i]
                view = b.flat[off:off + n].view(p.shape)
                with ember.no_grad():
                    if self.as_view:
                        p.grad = view
                    elif p.grad is None:
                        p.grad = view.clone()
                    elif not _is_view_of(p.grad, b.flat, off):
                        p.grad.copy_(view)
        self.used = [False] * len(self.params)

    def remove_hooks(self) -> None:
        for h in self.handles:
            h.remove()
        self.handles = []


def _hook(ref, i: int):
    def hook(param):
        reducer = ref()
        if reducer is not None:
            reducer.on_grad(i)
    return hook


def _is_view_of(g, flat, off: int) -> bool:
    return (g.device == flat.device and g.dtype is flat.dtype and g.is_contiguous() and
            g.data_ptr() == flat.data_ptr() + off * flat.element_size())


def _to_device(obj, device):
    if isinstance(obj, ember.Tensor):
        return obj.to(device)
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):
        return type(obj)(*(_to_device(o, device) for o in obj))
    if isinstance(obj, (list, tuple)):
        return type(obj)(_to_device(o, device) for o in obj)
    if isinstance(obj, dict):
        return {k: _to_device(v, device) for k, v in obj.items()}
    return obj


class DistributedDataParallel(Module):
    """Data-parallel training: each process runs ``module`` on its share of the batch, and
    backward averages the gradients over the process group, overlapped with backward
    (NOTE [ddp reducer]).

    Args:
        module: the model; every process builds the same architecture. Its parameters and
            buffers are replaced by those of group rank 0 at construction.
        device_ids: None for cpu modules and modules on several devices; ``[i]`` for a module
            on one cuda device (inputs are moved there).
        output_device: kept for PyTorch compatibility (default ``device_ids[0]``).
        dim: kept for PyTorch compatibility.
        broadcast_buffers: broadcast rank 0's buffers (e.g. BatchNorm statistics) at the start
            of each forward that follows a synchronised one.
        process_group: the group to average over (default: the world).
        bucket_cap_mb: bucket size in MiB (default 25; the first bucket is 1 MiB then).
        find_unused_parameters: allow parameters that get no gradient in an iteration.
        check_reduction: ignored (deprecated in PyTorch).
        gradient_as_bucket_view: after each reduction ``.grad`` is a view into the bucket
            buffer (saves one copy per step and the memory of the gradients).
        static_graph: accepted; ember treats the graph as dynamic every iteration (as with
            ``find_unused_parameters=True``), which is always correct.

    Shape: whatever ``module`` takes and returns; each process passes its own batch share.

    The wrapped model is ``ddp.module``; ``ddp.state_dict()`` keys start with ``"module."``
    as in PyTorch (save ``ddp.module.state_dict()`` for a checkpoint without the prefix).

    Example::

        >>> dist.init_process_group("mpi")                          # doctest: +SKIP
        >>> model = nn.parallel.DistributedDataParallel(build_model())   # doctest: +SKIP
        >>> loss = loss_fn(model(x_share), y_share)                 # doctest: +SKIP
        >>> loss.backward()              # gradients averaged over the processes   # doctest: +SKIP
        >>> optimizer.step()                                        # doctest: +SKIP
    """

    def __init__(self, module: Module, device_ids=None, output_device=None, dim: int = 0,
                 broadcast_buffers: bool = True, process_group: ProcessGroup | None = None,
                 bucket_cap_mb: float | None = None, find_unused_parameters: bool = False,
                 check_reduction: bool = False, gradient_as_bucket_view: bool = False,
                 static_graph: bool = False) -> None:
        super().__init__()
        if not isinstance(module, Module):
            raise TypeError(f"DistributedDataParallel: module must be an ember.nn.Module, got "
                            f"{type(module).__name__}")
        group = _resolve(process_group)
        if group is None:
            raise ValueError("DistributedDataParallel: this process is not a member of "
                             "process_group")
        params = [p for p in module.parameters() if p.requires_grad]
        if not params:
            raise RuntimeError("DistributedDataParallel is not needed when a module doesn't "
                               "have any parameter that requires a gradient.")
        devices = {p.device for p in module.parameters()}
        if device_ids is not None:
            device_ids = list(device_ids)
            if len(devices) > 1 or next(iter(devices)).type == "cpu":
                raise ValueError(
                    f"DistributedDataParallel device_ids and output_device arguments only work "
                    f"with single-device accelerator modules, but got device_ids "
                    f"{device_ids}, output_device {output_device}, and module parameters "
                    f"{sorted(str(d) for d in devices)}; pass device_ids=None")
            if len(device_ids) != 1:
                raise ValueError(f"DistributedDataParallel: device_ids can only be None or "
                                 f"contain a single element, got {device_ids}")
        if bucket_cap_mb is not None and not bucket_cap_mb > 0:
            raise ValueError(f"DistributedDataParallel: bucket_cap_mb must be positive, got "
                             f"{bucket_cap_mb}")
        self.module = module
        self.device_ids = device_ids
        self.output_device = (output_device if output_device is not None else
                              device_ids[0] if device_ids else None)
        self.dim = dim
        self.process_group = group
        self.broadcast_buffers = broadcast_buffers
        self.find_unused_parameters = find_unused_parameters
        self.gradient_as_bucket_view = gradient_as_bucket_view
        self.static_graph = static_graph
        self.require_backward_grad_sync = True
        self.require_forward_param_sync = True
        cap = int((bucket_cap_mb if bucket_cap_mb is not None else _DEFAULT_BUCKET_MB) * _MB)
        self.bucket_bytes_cap = cap
        first = _DEFAULT_FIRST_BUCKET_BYTES if bucket_cap_mb is None else cap
        self._module_buffers = [b for b in module.buffers()]
        self._verify_same_model()
        self._sync_states([p for p in module.parameters()] + self._module_buffers)
        self.reducer = _Reducer(params, group, max(first, 1), max(cap, 1),
                                gradient_as_bucket_view)

    # -- construction helpers -------------------------------------------------------------
    def _verify_same_model(self) -> None:
        mine = [(name, tuple(p.shape), str(p.dtype))
                for name, p in self.module.named_parameters()]
        everyone = [None] * self.process_group.size()
        all_gather_object(everyone, mine, group=self.process_group)
        for r, theirs in enumerate(everyone):
            if theirs != everyone[0]:
                diff = next(((a, b) for a, b in zip(everyone[0], theirs, strict=False)
                             if a != b),
                            (f"{len(everyone[0])} parameters", f"{len(theirs)} parameters"))
                raise RuntimeError(
                    f"DistributedDataParallel: every process must build the same model, but "
                    f"group rank {r} has {diff[1]} where group rank 0 has {diff[0]}")

    def _sync_states(self, tensors) -> None:
        """Broadcast ``tensors`` from group rank 0, one flat message per dtype and device."""
        by_kind: dict[tuple, list] = {}
        for t in tensors:
            if t.numel():
                by_kind.setdefault((t.dtype, t.device), []).append(t.detach())
        mine = self.process_group.rank() == 0
        for ts in by_kind.values():
            flat = ember.cat([t.reshape(-1) for t in ts])
            broadcast(flat, group=self.process_group, group_src=0)
            if not mine:
                _split_into(flat, ts)

    # -- training ---------------------------------------------------------------------------
    def forward(self, *inputs: Any, **kwargs: Any) -> Any:
        sync = ember.is_grad_enabled() and self.require_backward_grad_sync
        if sync:
            self.reducer.prepare_for_forward()
        if self.require_forward_param_sync and self.broadcast_buffers and \
                self._module_buffers:
            self._sync_states(self._module_buffers)
        if self.device_ids:
            dev = ember.device(self.device_ids[0]) if not isinstance(self.device_ids[0], int) \
                else ember.device("cuda", self.device_ids[0])
            inputs, kwargs = _to_device(inputs, dev), _to_device(kwargs, dev)
        output = self.module(*inputs, **kwargs)
        if sync:
            self.require_forward_param_sync = True
            self.reducer.prepare_for_backward(
                output, self.find_unused_parameters or self.static_graph)
        else:
            self.require_forward_param_sync = False
        return output

    @contextlib.contextmanager
    def no_sync(self):
        """Within this context gradients are accumulated locally, not averaged; the first
        backward after it averages everything accumulated.

        Example::

            >>> with ddp.no_sync():                                 # doctest: +SKIP
            ...     ddp(x1).sum().backward()                        # no communication
            >>> ddp(x2).sum().backward()    # averages x1's and x2's gradients  # doctest: +SKIP
        """
        old = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = old

    def extra_repr(self) -> str:
        return (f"world_size={self.process_group.size()}, "
                f"bucket_cap_mb={self.bucket_bytes_cap / _MB:g}, "
                f"find_unused_parameters={self.find_unused_parameters}")
