"""The MPI transport: collectives on host memory through mpi4py's buffer interface.

NOTE [host buffers]: MPI reads and writes host memory. A contiguous cpu tensor of a dtype MPI
knows is handed to MPI as its own memory (``tensor.numpy()`` shares it), so MPI writes the
result in place and nothing is copied; its storage's version counter is bumped afterwards, so
autograd notices the in-place write as it does for any in-place op. Any other tensor is
*staged*: copied to a cpu tensor (float16/bfloat16 as float32, bool as uint8, since MPI has no
reduction on those types), and the result is written back with ``copy_`` under ``no_grad``
once the collective has finished. Every call is non-blocking underneath (``Iallreduce``,
``Ibcast``, ...); a blocking collective is a non-blocking one followed by ``wait()``.
"""

from __future__ import annotations

import ember
from mpi4py import MPI

from .reduce_op import ReduceOp
from .work import Work, _mark_written

__all__ = ["MPITransport"]

_R = ReduceOp.RedOpType
_MPI_OPS = {_R.SUM: MPI.SUM, _R.AVG: MPI.SUM, _R.PRODUCT: MPI.PROD, _R.MIN: MPI.MIN,
            _R.MAX: MPI.MAX, _R.BAND: MPI.BAND, _R.BOR: MPI.BOR, _R.BXOR: MPI.BXOR}
_STAGE = {ember.float16: ember.float32, ember.bfloat16: ember.float32, ember.bool: ember.uint8}
_buffer = getattr(MPI, "buffer", None) or MPI.memory      # mpi4py 4 / mpi4py 3


class _Host:
    """The host memory one tensor contributes to (or receives from) a collective."""

    __slots__ = ("t", "staged", "buf", "alias")

    def __init__(self, t):
        self.t = t
        dt = _STAGE.get(t.dtype, t.dtype)
        d = t.detach()
        direct = d.device.type == "cpu" and dt is t.dtype
        self.staged = d if direct else d.to(device="cpu", dtype=dt).contiguous()
        self.buf = self.staged.numpy()
        # True when MPI's buffer is the staged tensor's own memory (always, for ember-numpy)
        self.alias = (self.staged.numel() == 0 or
                      _buffer.frombuffer(self.buf).address == self.staged.data_ptr())

    def received(self):
        """The received values as a cpu tensor."""
        return self.staged if self.alias else ember.from_numpy(self.buf)

    def finish(self) -> None:
        """Make the result visible in the tensor (see NOTE [host buffers])."""
        if self.alias and self.staged._storage is self.t._storage:
            _mark_written(self.t)         # MPI wrote into the tensor's own memory
            return
        with ember.no_grad():
            self.t.copy_(self.received())


def _divide(h: _Host, n: int) -> None:
    """``AVG``: divide the summed values by the number of ranks (truncating for integers)."""
    s = h.received()
    with ember.no_grad():
        if s.dtype.is_floating_point or s.dtype.is_complex:
            s.div_(n)
        else:
            s.div_(n, rounding_mode="trunc")


class _MPIWork(Work):
    def __init__(self, name, requests, outputs=(), timeout=None, keep=()):
        super().__init__(name, outputs, timeout)
        self._requests = list(requests)
        self._keep = keep                # buffers MPI reads/writes stay alive until the end
        self._status = None

    def _test(self) -> bool:
        if not self._requests:
            return True
        return MPI.Request.Testall(self._requests)

    def _block(self) -> None:
        if self._requests:
            MPI.Request.Waitall(self._requests)

    def _complete(self) -> None:
        super()._complete()
        self._keep = ()


def _vec(buf, counts):
    """mpi4py's message spec of a vector collective: buffer, (counts, displacements)."""
    displs, acc = [], 0
    for c in counts:
        displs.append(acc)
        acc += c
    return [buf, (list(counts), displs)]


class MPITransport:
    """Collectives of one MPI communicator on ember tensors (any device, staged to host)."""

    name = "mpi"

    def __init__(self, comm, timeout=None):
        self.comm = comm
        self.timeout = timeout

    @property
    def rank(self) -> int:
        return self.comm.Get_rank()

    @property
    def size(self) -> int:
        return self.comm.Get_size()

    def _work(self, name, reqs, outputs, keep, done=None):
        w = _MPIWork(name, reqs, outputs, self.timeout, keep)
        if done is not None:
            w._then(done)
        return w

    # -- reductions ---------------------------------------------------------------------
    def allreduce(self, t, op) -> Work:
        h = _Host(t)
        req = self.comm.Iallreduce(MPI.IN_PLACE, h.buf, op=_MPI_OPS[op])
        n = self.size

        def done():
            if op == _R.AVG:
                _divide(h, n)
            h.finish()
        return self._work("all_reduce", [req], [t], (h,), done)

    def reduce(self, t, root, op) -> Work:
        h = _Host(t)
        if self.rank == root:
            req = self.comm.Ireduce(MPI.IN_PLACE, h.buf, op=_MPI_OPS[op], root=root)
        else:
            req = self.comm.Ireduce(h.buf, None, op=_MPI_OPS[op], root=root)
        n, mine = self.size, self.rank == root

        def done():
            if mine:
                if op == _R.AVG:
                    _divide(h, n)
                h.finish()
        return self._work("reduce", [req], [t], (h,), done)

    def reduce_scatter(self, out, inp, counts, op) -> Work:
        """``inp``: the flat concatenation of every rank's block (``counts`` elements each)."""
        ho, hi = _Host(out), _Host(inp)
        if len(set(counts)) == 1:
            req = self.comm.Ireduce_scatter_block(hi.buf, ho.buf, op=_MPI_OPS[op])
        else:
            req = self.comm.Ireduce_scatter(hi.buf, ho.buf, list(counts), op=_MPI_OPS[op])
        n = self.size

        def done():
            if op == _R.AVG:
                _divide(ho, n)
            ho.finish()
        return self._work("reduce_scatter", [req], [out], (ho, hi), done)

    # -- data movement ------------------------------------------------------------------
    def broadcast(self, t, root) -> Work:
        h = _Host(t)
        req = self.comm.Ibcast(h.buf, root=root)
        mine = self.rank == root
        return self._work("broadcast", [req], [t], (h,), None if mine else h.finish)

    def allgather(self, out, inp, counts) -> Work:
        """``out``: flat, ``sum(counts)`` elements; rank ``r`` contributes ``counts[r]``."""
        ho, hi = _Host(out), _Host(inp)
        if len(set(counts)) == 1:
            req = self.comm.Iallgather(hi.buf, ho.buf)
        else:
            req = self.comm.Iallgatherv(hi.buf, _vec(ho.buf, counts))
        return self._work("all_gather", [req], [out], (ho, hi), ho.finish)

    def gather(self, out, inp, counts, root) -> Work:
        hi = _Host(inp)
        if self.rank == root:
            ho = _Host(out)
            req = self.comm.Igatherv(hi.buf, _vec(ho.buf, counts),
                                     root=root)
            return self._work("gather", [req], [out], (ho, hi), ho.finish)
        req = self.comm.Igatherv(hi.buf, None, root=root)
        return self._work("gather", [req], [], (hi,))

    def scatter(self, out, inp, counts, root) -> Work:
        ho = _Host(out)
        if self.rank == root:
            hi = _Host(inp)
            req = self.comm.Iscatterv(_vec(hi.buf, counts), ho.buf,
                                      root=root)
            keep = (ho, hi)
        else:
            req = self.comm.Iscatterv(None, ho.buf, root=root)
            keep = (ho,)
        return self._work("scatter", [req], [out], keep, ho.finish)

    def alltoall(self, out, out_counts, inp, in_counts) -> Work:
        ho, hi = _Host(out), _Host(inp)
        req = self.comm.Ialltoallv(_vec(hi.buf, in_counts),
                                   _vec(ho.buf, out_counts))
        return self._work("all_to_all", [req], [out], (ho, hi), ho.finish)

    def barrier(self) -> Work:
        return self._work("barrier", [self.comm.Ibarrier()], [], ())

    # -- point to point -----------------------------------------------------------------
    def send(self, t, dst, tag) -> Work:
        h = _Host(t)
        return self._work("send", [self.comm.Isend(h.buf, dest=dst, tag=tag)], [t], (h,))

    def recv(self, t, src, tag) -> Work:
        """``src=None``: from any rank; the Work's ``_source`` is then the sender (group rank)."""
        h = _Host(t)
        status = MPI.Status()
        source = MPI.ANY_SOURCE if src is None else src
        req = self.comm.Irecv(h.buf, source=source, tag=tag)
        w = _RecvWork("recv", [req], [t], self.timeout, (h,), status)
        w._then(h.finish)
        return w

    # -- objects (pickled) --------------------------------------------------------------
    def bcast_object(self, obj, root):
        return self.comm.bcast(obj, root=root)

    def allgather_object(self, obj):
        return self.comm.allgather(obj)

    def gather_object(self, obj, root):
        return self.comm.gather(obj, root=root)

    def scatter_object(self, objs, root):
        return self.comm.scatter(objs, root=root)

    def free(self) -> None:
        if self.comm != MPI.COMM_NULL and self.comm != MPI.COMM_WORLD:
            self.comm.Free()


class _RecvWork(_MPIWork):
    def __init__(self, name, requests, outputs, timeout, keep, status):
        super().__init__(name, requests, outputs, timeout, keep)
        self._status = status
        self._source = None

    def _test(self) -> bool:
        done = self._requests[0].Test(self._status)
        if done:
            self._source = self._status.Get_source()
        return done

    def _block(self) -> None:
        self._requests[0].Wait(self._status)
        self._source = self._status.Get_source()
