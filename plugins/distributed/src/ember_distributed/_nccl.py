"""The NCCL transport: collectives on cuda tensors through CuPy's ``cupy.cuda.nccl``.

NOTE [nccl]: a process group created with ``backend="nccl"`` keeps its MPI communicator (for
cpu tensors, objects and ``barrier``) and adds this transport for cuda tensors. The NCCL unique
id is made on group rank 0 and sent to the others over MPI; one NCCL communicator per cuda
device is created on the first collective on that device (every rank calls the collective,
so they create it together). Operations are enqueued on CuPy's current stream, which is the
stream ember's cuda backend computes on, and read and write the tensors' device memory in
place (``data_ptr()``). ``Work.wait()`` makes the current stream wait for the collective (the
host is not blocked), as PyTorch's NCCL work does; collectives on one stream are ordered
anyway.

This module is imported only when a group asks for NCCL. It has no tests on machines without
a GPU (see tests/test_nccl.py).
"""

from __future__ import annotations

import importlib

import ember

from .reduce_op import ReduceOp
from .work import Work, _mark_written

__all__ = ["NCCLTransport", "nccl_available"]

_R = ReduceOp.RedOpType
# ember dtype name -> (NCCL type constant name, NCCL elements per tensor element)
_TYPES = {"float16": ("NCCL_FLOAT16", 1), "bfloat16": ("NCCL_BFLOAT16", 1),
          "float32": ("NCCL_FLOAT32", 1), "float64": ("NCCL_FLOAT64", 1),
          "int8": ("NCCL_INT8", 1), "uint8": ("NCCL_UINT8", 1), "bool": ("NCCL_UINT8", 1),
          "int32": ("NCCL_INT32", 1), "int64": ("NCCL_INT64", 1),
          "complex64": ("NCCL_FLOAT32", 2), "complex128": ("NCCL_FLOAT64", 2)}
_OPS = {_R.SUM: "NCCL_SUM", _R.PRODUCT: "NCCL_PROD", _R.MIN: "NCCL_MIN", _R.MAX: "NCCL_MAX",
        _R.AVG: "NCCL_AVG"}


def _import_cupy():
    try:
        cp = importlib.import_module("cupy")
        nccl = importlib.import_module("cupy.cuda.nccl")
    except ImportError as exc:
        raise RuntimeError(
            f"ember.distributed backend 'nccl' needs CuPy built with NCCL (cupy.cuda.nccl): "
            f"{type(exc).__name__}: {exc}. Install the CuPy wheel for your CUDA (e.g. "
            f"pip install cupy-cuda12x) or use backend='mpi'") from exc
    if not getattr(nccl, "available", True):
        raise RuntimeError("ember.distributed backend 'nccl': this CuPy was built without "
                           "NCCL (cupy.cuda.nccl.available is False); use backend='mpi'")
    return cp, nccl


def nccl_available() -> bool:
    """True when CuPy with NCCL support can be imported."""
    try:
        _import_cupy()
    except RuntimeError:
        return False
    return True


class _NCCLWork(Work):
    def __init__(self, name, outputs, event, cp):
        super().__init__(name, outputs)
        self._event = event
        self._cp = cp

    def _test(self) -> bool:
        return self._event.done

    def _block(self) -> None:
        self._cp.cuda.get_current_stream().wait_event(self._event)

    def wait(self, timeout=None) -> bool:
        """Make the current stream wait for the collective (the host does not block)."""
        if not self._finished:
            self._block()
            self._complete()
        return True


class NCCLTransport:
    """Collectives of one group on cuda tensors (see NOTE [nccl])."""

    name = "nccl"

    def __init__(self, mpi_comm, timeout=None):
        self.cp, self.nccl = _import_cupy()
        self.mpi = mpi_comm
        self.timeout = timeout
        self._comms: dict[int, object] = {}

    @property
    def rank(self) -> int:
        return self.mpi.Get_rank()

    @property
    def size(self) -> int:
        return self.mpi.Get_size()

    def _device(self, t) -> int:
        idx = t.device.index
        return self.cp.cuda.runtime.getDevice() if idx is None else idx

    def _comm(self, dev: int):
        comm = self._comms.get(dev)
        if comm is None:
            uid = self.nccl.get_unique_id() if self.rank == 0 else None
            uid = self.mpi.bcast(uid, root=0)
            with self.cp.cuda.Device(dev):
                comm = self.nccl.NcclCommunicator(self.size, uid, self.rank)
            self._comms[dev] = comm
        return comm

    def _type(self, t):
        entry = _TYPES.get(t.dtype.name)
        const = getattr(self.nccl, entry[0], None) if entry else None
        if const is None:
            raise TypeError(f"ember.distributed (nccl): dtype {t.dtype} is not supported by "
                            f"NCCL; convert the tensor (e.g. .to(ember.float32)) first")
        return const, entry[1], t.element_size() // entry[1]

    def _op(self, op, t):
        if t.dtype is ember.bool:                  # bools: OR for sums, AND for products
            op = {_R.SUM: _R.MAX, _R.PRODUCT: _R.MIN}.get(op, op)
        const = getattr(self.nccl, _OPS.get(op, ""), None)
        if const is None:
            raise ValueError(f"ember.distributed (nccl): ReduceOp.{op.name} is not supported "
                             f"by NCCL")
        return const

    def _launch(self, name, t, outputs, fn) -> Work:
        dev = self._device(t)
        comm = self._comm(dev)
        with self.cp.cuda.Device(dev):
            stream = self.cp.cuda.get_current_stream()
            fn(comm, stream.ptr)
            event = self.cp.cuda.Event(disable_timing=True)
            event.record(stream)
        for o in outputs:
            _mark_written(o)
        return _NCCLWork(name, outputs, event, self.cp)

    def _grouped(self, calls):
        self.nccl.groupStart()
        try:
            for c in calls:
                c()
        finally:
            self.nccl.groupEnd()

    # -- collectives (same signatures as MPITransport) -------------------------------------
    def allreduce(self, t, op) -> Work:
        dt, k, _ = self._type(t)
        nop = self._op(op, t)
        p = t.data_ptr()
        return self._launch("all_reduce", t, [t], lambda c, s: c.allReduce(
            p, p, t.numel() * k, dt, nop, s))

    def reduce(self, t, root, op) -> Work:
        dt, k, _ = self._type(t)
        nop = self._op(op, t)
        p = t.data_ptr()
        outs = [t] if self.rank == root else []
        return self._launch("reduce", t, outs, lambda c, s: c.reduce(
            p, p, t.numel() * k, dt, nop, root, s))

    def broadcast(self, t, root) -> Work:
        dt, k, _ = self._type(t)
        p = t.data_ptr()
        return self._launch("broadcast", t, [t], lambda c, s: c.bcast(
            p, t.numel() * k, dt, root, s))

    def allgather(self, out, inp, counts) -> Work:
        dt, k, isz = self._type(inp)
        pi, po = inp.data_ptr(), out.data_ptr()
        if len(set(counts)) == 1:
            return self._launch("all_gather", inp, [out], lambda c, s: c.allGather(
                pi, po, counts[0] * k, dt, s))
        offs = _offsets(counts)
        return self._launch("all_gather", inp, [out], lambda c, s: self._grouped(
            [(lambda r=r: c.broadcast(pi, po + offs[r] * k * isz, counts[r] * k, dt, r, s))
             for r in range(self.size)]))

    def reduce_scatter(self, out, inp, counts, op) -> Work:
        dt, k, isz = self._type(inp)
        nop = self._op(op, inp)
        pi, po = inp.data_ptr(), out.data_ptr()
        if len(set(counts)) == 1:
            return self._launch("reduce_scatter", inp, [out], lambda c, s: c.reduceScatter(
                pi, po, counts[0] * k, dt, nop, s))
        offs = _offsets(counts)
        me = self.rank
        return self._launch("reduce_scatter", inp, [out], lambda c, s: self._grouped(
            [(lambda r=r: c.reduce(pi + offs[r] * k * isz, po if r == me else
                                   pi + offs[r] * k * isz, counts[r] * k, dt, nop, r, s))
             for r in range(self.size)]))

    def _exchange(self, name, t, outputs, sends, recvs) -> Work:
        """Grouped point-to-point: ``sends``/``recvs`` are (pointer, count, peer)."""
        dt, k, _ = self._type(t)

        def run(c, s):
            self._grouped([(lambda a=a: c.send(a[0], a[1] * k, dt, a[2], s)) for a in sends] +
                          [(lambda a=a: c.recv(a[0], a[1] * k, dt, a[2], s)) for a in recvs])
        return self._launch(name, t, outputs, run)

    def gather(self, out, inp, counts, root) -> Work:
        _, _, isz = self._type(inp)
        k = _TYPES[inp.dtype.name][1]
        if self.rank != root:
            return self._exchange("gather", inp, [], [(inp.data_ptr(), inp.numel(), root)], [])
        offs = _offsets(counts)
        po = out.data_ptr()
        with ember.no_grad():
            out[offs[root]:offs[root] + counts[root]].copy_(inp.reshape(-1))
        recvs = [(po + offs[r] * k * isz, counts[r], r) for r in range(self.size) if r != root]
        return self._exchange("gather", inp, [out], [], recvs)

    def scatter(self, out, inp, counts, root) -> Work:
        if self.rank != root:
            return self._exchange("scatter", out, [out], [], [(out.data_ptr(), out.numel(),
                                                               root)])
        _, _, isz = self._type(inp)
        k = _TYPES[inp.dtype.name][1]
        offs = _offsets(counts)
        pi = inp.data_ptr()
        with ember.no_grad():
            out.reshape(-1).copy_(inp[offs[root]:offs[root] + counts[root]])
        sends = [(pi + offs[r] * k * isz, counts[r], r) for r in range(self.size) if r != root]
        return self._exchange("scatter", inp, [out], sends, [])

    def alltoall(self, out, out_counts, inp, in_counts) -> Work:
        _, _, isz = self._type(inp)
        k = _TYPES[inp.dtype.name][1]
        oi, oo = _offsets(in_counts), _offsets(out_counts)
        pi, po = inp.data_ptr(), out.data_ptr()
        sends = [(pi + oi[r] * k * isz, in_counts[r], r) for r in range(self.size)]
        recvs = [(po + oo[r] * k * isz, out_counts[r], r) for r in range(self.size)]
        return self._exchange("all_to_all", inp, [out], sends, recvs)

    def send(self, t, dst, tag) -> Work:
        return self._exchange("send", t, [], [(t.data_ptr(), t.numel(), dst)], [])

    def recv(self, t, src, tag) -> Work:
        if src is None:
            raise ValueError("ember.distributed (nccl): recv needs src= (NCCL cannot receive "
                             "from any rank)")
        w = self._exchange("recv", t, [t], [], [(t.data_ptr(), t.numel(), src)])
        w._source = src
        return w

    def synchronize(self) -> None:
        self.cp.cuda.get_current_stream().synchronize()

    def free(self) -> None:
        for comm in self._comms.values():
            comm.destroy()
        self._comms.clear()


def _offsets(counts):
    out, acc = [], 0
    for c in counts:
        out.append(acc)
        acc += c
    return out
