"""Collectives on tensors: ``all_reduce``, ``broadcast``, ``all_gather``, ``reduce_scatter``, ...

Every function follows PyTorch's ``torch.distributed``: it is called by every process of the
group, works in place on the tensors it is given, and returns None, or a :class:`Work` with
``async_op=True`` (call ``wait()`` before reading the outputs). Ranks given as ``src``/``dst``
are global ranks; ``group_src``/``group_dst`` are ranks within ``group``. A process outside
``group`` does nothing and gets None.

Lists of tensors go through one flat buffer on the tensors' device (one collective, then one
copy per list entry).
"""

from __future__ import annotations

import ember

from .process_group import ProcessGroup, _resolve
from .reduce_op import ReduceOp, _check_op
from .work import Work

__all__ = ["all_reduce", "broadcast", "reduce", "all_gather", "all_gather_into_tensor",
           "all_gather_single", "reduce_scatter", "reduce_scatter_tensor",
           "reduce_scatter_single", "gather", "scatter", "all_to_all_single",
           "all_to_all", "barrier", "send", "recv", "isend", "irecv", "P2POp",
           "batch_isend_irecv"]

_R = ReduceOp.RedOpType


# -- argument checks --------------------------------------------------------------------------

def _tensor(t, name: str, op: str, contiguous: bool = True):
    if not isinstance(t, ember.Tensor):
        raise TypeError(f"{op}: expected parameter `{name}` of type ember.Tensor but got "
                        f"{type(t).__name__}")
    if contiguous and not t.is_contiguous():
        raise RuntimeError(f"{op}: `{name}` (shape {list(t.shape)}, strides {list(t.stride())})"
                           f" must be contiguous; call .contiguous() on it first")
    return t


def _tensor_list(ts, name: str, op: str):
    if not isinstance(ts, (list, tuple)) or not all(isinstance(t, ember.Tensor) for t in ts):
        raise TypeError(f"{op}: expected parameter `{name}` of type list[ember.Tensor] but got "
                        f"{type(ts).__name__}"
                        + (f" of {[type(t).__name__ for t in ts]}"
                           if isinstance(ts, (list, tuple)) else ""))
    return list(ts)


def _same(op: str, ts) -> None:
    """One dtype and one device for every tensor of a collective."""
    first = ts[0]
    for t in ts[1:]:
        if t.dtype is not first.dtype:
            raise ValueError(f"{op}: invalid usage of tensors with different dtypes: found "
                             f"{first.dtype} and {t.dtype}")
        if t.device != first.device:
            raise RuntimeError(f"{op}: every tensor must be on one device; found "
                               f"{first.device} and {t.device}")


def _reduction(op, t, where: str):
    """The validated reduction for tensor ``t`` (bools: SUM is OR, PRODUCT is AND)."""
    op = _check_op(op, where)
    if t.dtype.is_complex and op not in (_R.SUM, _R.AVG):
        raise ValueError(f"{where} does not support {op.name} on complex tensors")
    if op in (_R.BAND, _R.BOR, _R.BXOR) and (t.dtype.is_floating_point or t.dtype.is_complex):
        raise ValueError(f"{where}: ReduceOp.{op.name} needs integer or bool tensors, got "
                         f"{t.dtype}")
    if t.dtype is ember.bool:
        if op is _R.AVG:
            raise ValueError(f"{where}: ReduceOp.AVG is not defined for bool tensors")
        op = {_R.SUM: _R.MAX, _R.PRODUCT: _R.MIN}.get(op, op)
    return op


def _peer(pg: ProcessGroup, rank, group_rank, op: str, arg: str, required: bool = True):
    """A group rank from a global ``rank`` or a ``group_rank`` (exactly one of them)."""
    if rank is not None and group_rank is not None:
        raise ValueError(f"{op}: can't specify both {arg} and group_{arg}")
    if group_rank is not None:
        if not 0 <= group_rank < pg.size():
            raise ValueError(f"{op}: group_{arg}={group_rank} is outside the group of "
                             f"{pg.size()} processes")
        return int(group_rank)
    if rank is None:
        if required:
            raise ValueError(f"{op}: specify {arg} (a global rank) or group_{arg}")
        return None
    if rank not in pg._ranks:
        raise ValueError(f"{op}: {arg}={rank} is not part of the group (global ranks "
                         f"{pg._ranks})")
    return pg._ranks.index(rank)


def _per_process(op: str, pg: ProcessGroup, ts, name: str, t, t_name: str = "tensor"):
    """The element counts of ``ts``, a list of one tensor per process that goes with this
    process's ``t``, after checking its length, one dtype and device for all, and that this
    process's entry has as many elements as ``t``."""
    if len(ts) != pg.size():
        raise ValueError(f"{op}: {name} has {len(ts)} tensors but the group has "
                         f"{pg.size()} processes; give one tensor per process")
    _same(op, [t] + ts)
    counts = [x.numel() for x in ts]
    me = pg.rank()
    if counts[me] != t.numel():
        raise RuntimeError(f"{op}: {t_name} has {t.numel()} elements but "
                           f"{name}[{me}] has {counts[me]}; they must match")
    return counts


def _root_list(op: str, pg: ProcessGroup, lst, name: str, rank, group_rank, arg: str):
    """``(root, tensors)`` of a rooted list collective (gather, scatter): the root's group
    rank from ``rank`` (global) or ``group_rank`` (default: global rank 0) and, on the root,
    ``lst`` checked as a list of tensors; elsewhere ``tensors`` is None and ``lst`` must not
    be given (as in PyTorch)."""
    if rank is None and group_rank is None:
        rank = 0                      # PyTorch's default: global rank 0
    root = _peer(pg, rank, group_rank, op, arg)
    role = {"dst": "destination", "src": "source"}[arg]
    if pg.rank() != root:
        if lst:
            raise ValueError(f"Argument ``{name}`` must NOT be specified on non-{role} ranks.")
        return root, None
    if not lst:
        raise ValueError(f"Argument ``{name}`` must be specified on {role} rank.")
    return root, _tensor_list(lst, name, op)


def _finish(work: Work, async_op: bool):
    if async_op:
        return work
    work.wait()
    return None


def _finish_into(work: Work, flat, outs, async_op: bool):
    """``_finish`` for a collective that receives into the flat buffer ``flat``: once the
    work completes, its consecutive pieces are copied into the tensors ``outs``."""
    work._outputs = outs
    work._then(lambda: _split_into(flat, outs))
    return _finish(work, async_op)


def _flat(ts, device, dtype):
    """One new contiguous 1-D tensor holding ``ts`` one after the other."""
    if not ts:
        return ember.empty(0, dtype=dtype, device=device)
    return ember.cat([t.detach().reshape(-1) for t in ts])


def _split_into(flat, outs) -> None:
    """Copy consecutive pieces of ``flat`` into the tensors ``outs``."""
    with ember.no_grad():
        start = 0
        for o in outs:
            n = o.numel()
            o.copy_(flat[start:start + n].reshape(o.shape))
            start += n


def _overlap(a, b) -> bool:
    """True when two tensors share bytes (MPI forbids overlapping send and receive buffers)."""
    if a.device != b.device or a.numel() == 0 or b.numel() == 0:
        return False
    pa, pb = a.data_ptr(), b.data_ptr()
    return pa < pb + b.numel() * b.element_size() and pb < pa + a.numel() * a.element_size()


# -- reductions -------------------------------------------------------------------------------

def all_reduce(tensor, op=ReduceOp.SUM, group: ProcessGroup | None = None,
               async_op: bool = False):
    """Reduce ``tensor`` over all processes of ``group``, in place: afterwards every process
    holds the same result.

    Args:
        tensor: contiguous, the same shape and dtype on every process.
        op: a :class:`ReduceOp` (default ``SUM``).
        group: default: the world.
        async_op: return a :class:`Work` instead of waiting.

    Example (2 processes)::

        >>> t = ember.tensor([1.0, 2.0]) * (dist.get_rank() + 1)   # doctest: +SKIP
        >>> dist.all_reduce(t)                                      # doctest: +SKIP
        >>> t                                                       # doctest: +SKIP
        tensor([3., 6.])
    """
    _tensor(tensor, "tensor", "all_reduce")
    pg = _resolve(group)
    if pg is None:
        return None
    r = _reduction(op, tensor, "all_reduce")
    return _finish(pg._transport(tensor.device).allreduce(tensor, r), async_op)


def reduce(tensor, dst: int | None = None, op=ReduceOp.SUM, group: ProcessGroup | None = None,
           async_op: bool = False, group_dst: int | None = None):
    """Reduce ``tensor`` over the group into process ``dst`` (a global rank; or ``group_dst``,
    a group rank); the other processes' tensors are left unchanged.

    Example::

        >>> dist.reduce(t, dst=0, op=dist.ReduceOp.MAX)             # doctest: +SKIP
    """
    _tensor(tensor, "tensor", "reduce")
    pg = _resolve(group)
    if pg is None:
        return None
    root = _peer(pg, dst, group_dst, "reduce", "dst")
    r = _reduction(op, tensor, "reduce")
    return _finish(pg._transport(tensor.device).reduce(tensor, root, r), async_op)


def reduce_scatter(output, input_list, op=ReduceOp.SUM, group: ProcessGroup | None = None,
                   async_op: bool = False):
    """Reduce ``input_list`` element-wise over the group and give process ``i`` the reduced
    ``input_list[i]`` in ``output``.

    Shapes: ``input_list`` has one tensor per process; ``input_list[rank]`` has as many
    elements as ``output`` (the others may differ in size).

    Example (2 processes)::

        >>> out = ember.empty(2)                                    # doctest: +SKIP
        >>> dist.reduce_scatter(out, [ember.ones(2), ember.ones(2) * 2])   # doctest: +SKIP
        >>> out                       # rank 0: [2., 2.]; rank 1: [4., 4.]   # doctest: +SKIP
    """
    _tensor(output, "output", "reduce_scatter")
    ins = _tensor_list(input_list, "input_list", "reduce_scatter")
    pg = _resolve(group)
    if pg is None:
        return None
    counts = _per_process("reduce_scatter", pg, ins, "input_list", output, "output")
    r = _reduction(op, output, "reduce_scatter")
    flat = _flat(ins, output.device, output.dtype)
    work = pg._transport(output.device).reduce_scatter(output, flat, counts, r)
    return _finish(work, async_op)


def reduce_scatter_tensor(output, input, op=ReduceOp.SUM, group: ProcessGroup | None = None,
                          async_op: bool = False):
    """``reduce_scatter`` with one input tensor: ``input`` (``world_size * output.numel()``
    elements, e.g. shape ``(world_size * n, ...)`` or ``(world_size, n, ...)``) is split into
    equal blocks along its memory; process ``i`` receives the reduced block ``i``.

    Example::

        >>> dist.reduce_scatter_tensor(out, inp)                    # doctest: +SKIP
    """
    _tensor(output, "output", "reduce_scatter_tensor")
    _tensor(input, "input", "reduce_scatter_tensor")
    pg = _resolve(group)
    if pg is None:
        return None
    _same("reduce_scatter_tensor", [output, input])
    n = pg.size()
    if input.numel() != n * output.numel():
        raise RuntimeError(f"reduce_scatter_tensor: input has {input.numel()} elements; it must "
                           f"have world_size ({n}) times the {output.numel()} of output")
    r = _reduction(op, output, "reduce_scatter_tensor")
    src = input.detach().clone() if _overlap(input, output) else input
    work = pg._transport(output.device).reduce_scatter(output, src, [output.numel()] * n, r)
    return _finish(work, async_op)


#: PyTorch 2.13's name for ``reduce_scatter_tensor``
reduce_scatter_single = reduce_scatter_tensor


# -- data movement ----------------------------------------------------------------------------

def broadcast(tensor, src: int | None = None, group: ProcessGroup | None = None,
              async_op: bool = False, group_src: int | None = None):
    """Copy ``tensor`` of process ``src`` (a global rank; or ``group_src``) into ``tensor`` of
    every other process of the group.

    Example::

        >>> dist.broadcast(weights, src=0)                          # doctest: +SKIP
    """
    _tensor(tensor, "tensor", "broadcast")
    pg = _resolve(group)
    if pg is None:
        return None
    root = _peer(pg, src, group_src, "broadcast", "src")
    return _finish(pg._transport(tensor.device).broadcast(tensor, root), async_op)


def all_gather(tensor_list, tensor, group: ProcessGroup | None = None, async_op: bool = False):
    """Gather ``tensor`` from every process into ``tensor_list`` (one tensor per process,
    ``tensor_list[i]`` receives process ``i``'s tensor) on every process.

    Shapes: ``tensor_list[rank]`` has as many elements as ``tensor``; the entries for other
    processes match what those processes send (sizes may differ between processes).

    Example (2 processes)::

        >>> out = [ember.empty(2) for _ in range(2)]                # doctest: +SKIP
        >>> dist.all_gather(out, ember.full((2,), float(dist.get_rank())))   # doctest: +SKIP
        >>> out                                                     # doctest: +SKIP
        [tensor([0., 0.]), tensor([1., 1.])]
    """
    outs = _tensor_list(tensor_list, "tensor_list", "all_gather")
    _tensor(tensor, "tensor", "all_gather")
    pg = _resolve(group)
    if pg is None:
        return None
    counts = _per_process("all_gather", pg, outs, "tensor_list", tensor)
    flat = ember.empty(sum(counts), dtype=tensor.dtype, device=tensor.device)
    work = pg._transport(tensor.device).allgather(flat, tensor, counts)
    return _finish_into(work, flat, outs, async_op)


def all_gather_into_tensor(output_tensor, input_tensor, group: ProcessGroup | None = None,
                           async_op: bool = False):
    """Gather ``input_tensor`` from every process into ``output_tensor``: process ``i``'s
    tensor fills block ``i`` of ``output_tensor``'s memory (``world_size * input.numel()``
    elements, e.g. shape ``(world_size * n, ...)`` or ``(world_size, n, ...)``).

    Example::

        >>> out = ember.empty(dist.get_world_size() * 4)            # doctest: +SKIP
        >>> dist.all_gather_into_tensor(out, ember.ones(4))         # doctest: +SKIP
    """
    _tensor(output_tensor, "output_tensor", "all_gather_into_tensor")
    _tensor(input_tensor, "input_tensor", "all_gather_into_tensor")
    pg = _resolve(group)
    if pg is None:
        return None
    _same("all_gather_into_tensor", [output_tensor, input_tensor])
    n = pg.size()
    if output_tensor.numel() != n * input_tensor.numel():
        raise RuntimeError(f"all_gather_into_tensor: output_tensor has {output_tensor.numel()} "
                           f"elements; it must have world_size ({n}) times the "
                           f"{input_tensor.numel()} of input_tensor")
    src = (input_tensor.detach().clone() if _overlap(input_tensor, output_tensor)
           else input_tensor)
    work = pg._transport(output_tensor.device).allgather(output_tensor, src,
                                                         [input_tensor.numel()] * n)
    return _finish(work, async_op)


#: PyTorch 2.13's name for ``all_gather_into_tensor``
all_gather_single = all_gather_into_tensor


def gather(tensor, gather_list=None, dst: int | None = None, group: ProcessGroup | None = None,
           async_op: bool = False, group_dst: int | None = None):
    """Gather ``tensor`` of every process into ``gather_list`` on process ``dst`` (a global
    rank; or ``group_dst``). Only ``dst`` passes ``gather_list`` (one tensor per process).

    Example::

        >>> out = [ember.empty(3) for _ in range(n)] if rank == 0 else None   # doctest: +SKIP
        >>> dist.gather(t, out, dst=0)                              # doctest: +SKIP
    """
    _tensor(tensor, "tensor", "gather")
    pg = _resolve(group)
    if pg is None:
        return None
    root, outs = _root_list("gather", pg, gather_list, "gather_list", dst, group_dst, "dst")
    tp = pg._transport(tensor.device)
    if outs is None:
        return _finish(tp.gather(None, tensor, None, root), async_op)
    counts = _per_process("gather", pg, outs, "gather_list", tensor)
    flat = ember.empty(sum(counts), dtype=tensor.dtype, device=tensor.device)
    return _finish_into(tp.gather(flat, tensor, counts, root), flat, outs, async_op)


def scatter(tensor, scatter_list=None, src: int | None = None,
            group: ProcessGroup | None = None, async_op: bool = False,
            group_src: int | None = None):
    """Give process ``i`` the tensor ``scatter_list[i]`` of process ``src`` (a global rank;
    or ``group_src``), written into its ``tensor``. Only ``src`` passes ``scatter_list``.

    Example::

        >>> parts = list(ember.arange(4.).chunk(2)) if rank == 0 else None   # doctest: +SKIP
        >>> dist.scatter(out, parts, src=0)                         # doctest: +SKIP
    """
    _tensor(tensor, "tensor", "scatter")
    pg = _resolve(group)
    if pg is None:
        return None
    root, ins = _root_list("scatter", pg, scatter_list, "scatter_list", src, group_src, "src")
    tp = pg._transport(tensor.device)
    if ins is None:
        return _finish(tp.scatter(tensor, None, None, root), async_op)
    counts = _per_process("scatter", pg, ins, "scatter_list", tensor)
    return _finish(tp.scatter(tensor, _flat(ins, tensor.device, tensor.dtype), counts, root),
                   async_op)


def _splits(sizes, t, n: int, op: str, which: str):
    """Element counts per process from split sizes along dim 0 (equal split when None)."""
    rows = t.shape[0] if t.dim() else 1
    per_row = t.numel() // rows if rows else 0
    if sizes is None:
        if rows % n:
            raise ValueError(f"{op}: {which} has {rows} rows along dim 0, not divisible by the "
                             f"{n} processes; pass {which}_split_sizes")
        return [rows // n * per_row] * n
    sizes = [int(s) for s in sizes]
    if len(sizes) != n or sum(sizes) != rows:
        raise ValueError(f"{op}: {which}_split_sizes {sizes} must have {n} entries summing to "
                         f"{which}.shape[0] = {rows}")
    return [s * per_row for s in sizes]


def all_to_all_single(output, input, output_split_sizes=None, input_split_sizes=None,
                      group: ProcessGroup | None = None, async_op: bool = False):
    """Split ``input`` along dim 0 into one block per process, send block ``i`` to process
    ``i``, and concatenate the blocks received into ``output`` (by sender rank).

    ``input_split_sizes``/``output_split_sizes`` give the rows per process (default: equal).

    Example (2 processes, rank r sends [2r, 2r+1])::

        >>> out = ember.empty(2)                                    # doctest: +SKIP
        >>> dist.all_to_all_single(out, ember.arange(2.) + 2 * rank)   # doctest: +SKIP
        >>> out                          # rank 0: [0., 2.]; rank 1: [1., 3.]   # doctest: +SKIP
    """
    _tensor(output, "output", "all_to_all_single")
    _tensor(input, "input", "all_to_all_single")
    pg = _resolve(group)
    if pg is None:
        return None
    _same("all_to_all_single", [output, input])
    n = pg.size()
    sc = _splits(input_split_sizes, input, n, "all_to_all_single", "input")
    rc = _splits(output_split_sizes, output, n, "all_to_all_single", "output")
    src = input.detach().clone() if _overlap(input, output) else input
    return _finish(pg._transport(output.device).alltoall(output, rc, src, sc), async_op)


def all_to_all(output_tensor_list, input_tensor_list, group: ProcessGroup | None = None,
               async_op: bool = False):
    """Send ``input_tensor_list[i]`` to process ``i`` and receive process ``i``'s tensor for
    this process into ``output_tensor_list[i]``.

    Example::

        >>> dist.all_to_all(outs, ins)                              # doctest: +SKIP
    """
    outs = _tensor_list(output_tensor_list, "output_tensor_list", "all_to_all")
    ins = _tensor_list(input_tensor_list, "input_tensor_list", "all_to_all")
    pg = _resolve(group)
    if pg is None:
        return None
    n = pg.size()
    if len(outs) != n or len(ins) != n:
        raise ValueError(f"all_to_all: give one output and one input tensor per process "
                         f"({n}); got {len(outs)} and {len(ins)}")
    _same("all_to_all", outs + ins)
    rc = [t.numel() for t in outs]
    dev, dt = ins[0].device, ins[0].dtype
    flat_out = ember.empty(sum(rc), dtype=dt, device=dev)
    work = pg._transport(dev).alltoall(flat_out, rc, _flat(ins, dev, dt), [t.numel() for t in ins])
    return _finish_into(work, flat_out, outs, async_op)


def barrier(group: ProcessGroup | None = None, async_op: bool = False, device_ids=None):
    """Block until every process of the group has called ``barrier``. With the NCCL backend the
    current cuda stream is synchronised first.

    Example::

        >>> dist.barrier()                                          # doctest: +SKIP
    """
    pg = _resolve(group)
    if pg is None:
        return None
    if pg._nccl is not None and pg._nccl._comms:
        pg._nccl.synchronize()
    return _finish(pg._mpi.barrier(), async_op)


# -- point to point ---------------------------------------------------------------------------

def isend(tensor, dst: int | None = None, group: ProcessGroup | None = None, tag: int = 0,
          group_dst: int | None = None) -> Work | None:
    """Start sending ``tensor`` to process ``dst`` (global rank; or ``group_dst``); returns a
    :class:`Work`. Do not modify ``tensor`` before ``wait()``.

    Example::

        >>> dist.isend(t, dst=1).wait()                             # doctest: +SKIP
    """
    _tensor(tensor, "tensor", "isend")
    pg = _resolve(group)
    if pg is None:
        return None
    peer = _peer(pg, dst, group_dst, "isend", "dst")
    if peer == pg.rank():
        raise ValueError("isend: invalid destination rank: it should not be the same as the "
                         "rank of the current process")
    return pg._transport(tensor.device).send(tensor, peer, tag)


def irecv(tensor, src: int | None = None, group: ProcessGroup | None = None, tag: int = 0,
          group_src: int | None = None) -> Work | None:
    """Start receiving into ``tensor`` from process ``src`` (global rank; or ``group_src``;
    neither: any process, MPI only); returns a :class:`Work`.

    Example::

        >>> dist.irecv(t, src=0).wait()                             # doctest: +SKIP
    """
    _tensor(tensor, "tensor", "irecv")
    pg = _resolve(group)
    if pg is None:
        return None
    peer = _peer(pg, src, group_src, "irecv", "src", required=False)
    return pg._transport(tensor.device).recv(tensor, peer, tag)


def send(tensor, dst: int | None = None, group: ProcessGroup | None = None, tag: int = 0,
         group_dst: int | None = None) -> None:
    """Send ``tensor`` to process ``dst`` (global rank; or ``group_dst``) and wait.

    Example::

        >>> dist.send(ember.ones(3), dst=1)                         # doctest: +SKIP
    """
    work = isend(tensor, dst, group, tag, group_dst)
    if work is not None:
        work.wait()


def recv(tensor, src: int | None = None, group: ProcessGroup | None = None, tag: int = 0,
         group_src: int | None = None) -> int:
    """Receive into ``tensor`` from process ``src`` (global rank; or ``group_src``; neither:
    any process) and wait. Returns the sender's global rank (-1 outside the group).

    Example::

        >>> sender = dist.recv(t)                                   # doctest: +SKIP
    """
    work = irecv(tensor, src, group, tag, group_src)
    if work is None:
        return -1
    work.wait()
    pg = _resolve(group)
    return pg._ranks[work._source]


class P2POp:
    """One point-to-point operation for :func:`batch_isend_irecv`: ``op`` is ``isend`` or
    ``irecv``, ``peer`` a global rank (or ``group_peer`` a group rank).

    Example::

        >>> ops = [dist.P2POp(dist.isend, t_out, peer=1), dist.P2POp(dist.irecv, t_in, peer=1)]
        >>> for w in dist.batch_isend_irecv(ops): w.wait()          # doctest: +SKIP
    """

    def __init__(self, op, tensor, peer: int | None = None, group: ProcessGroup | None = None,
                 tag: int = 0, group_peer: int | None = None) -> None:
        if op not in (isend, irecv):
            raise ValueError("Invalid ``op``. Expected ``op`` to be of type "
                             "``ember.distributed.isend`` or ``ember.distributed.irecv``.")
        _tensor(tensor, "tensor", "P2POp")
        if peer is None and group_peer is None:
            raise ValueError("P2POp: specify peer (a global rank) or group_peer")
        self.op, self.tensor, self.peer, self.group = op, tensor, peer, group
        self.tag, self.group_peer = tag, group_peer

    def __repr__(self) -> str:
        return (f"P2POp({self.op.__name__}, peer={self.peer}, shape={list(self.tensor.shape)},"
                f" tag={self.tag})")


def batch_isend_irecv(p2p_op_list) -> list[Work]:
    """Start every operation of ``p2p_op_list`` (a list of :class:`P2POp`) and return their
    :class:`Work` handles, in order. The operations proceed together, so sends and receives
    between the same processes cannot block each other.

    Example::

        >>> works = dist.batch_isend_irecv(ops)                     # doctest: +SKIP
    """
    ops = list(p2p_op_list)
    if not ops or not all(isinstance(o, P2POp) for o in ops):
        raise ValueError("batch_isend_irecv: expected a non-empty list of P2POp")
    works = []
    for o in ops:
        if o.op is isend:
            w = isend(o.tensor, o.peer, o.group, o.tag, o.group_peer)
        else:
            w = irecv(o.tensor, o.peer, o.group, o.tag, o.group_peer)
        if w is not None:
            works.append(w)
    return works
