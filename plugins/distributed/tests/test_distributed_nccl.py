"""The NCCL backend (CuPy's cupy.cuda.nccl). The 2-process test needs CUDA GPUs and CuPy with
NCCL, so it is skipped (with the reason) everywhere else; the call-level tests below run
anywhere, against a recording stand-in for cupy.cuda.nccl."""

import os
import sys
import types

import pytest

import ember
from ember_distributed.reduce_op import ReduceOp

from _dist_launch import WORKERS, python, run_ranks


def _skip_without_nccl():
    from ember_distributed.process_group import is_nccl_available
    if not is_nccl_available():
        pytest.skip("NCCL backend not testable here: CuPy with NCCL (cupy.cuda.nccl) is not "
                    "installed or no CUDA GPU is present")
    try:
        ember.ones(1, device="cuda")
    except RuntimeError as exc:
        pytest.skip(f"NCCL backend not testable here: no usable cuda device ({exc})")


@pytest.mark.cuda
def test_nccl_collectives_one_rank_per_gpu(tmp_path):
    _skip_without_nccl()
    import cupy
    n = min(2, cupy.cuda.runtime.getDeviceCount())
    from ember_distributed.run import find_mpiexec
    cmd = [find_mpiexec(), "-n", str(n), python(), os.path.join(WORKERS,
                                                                "dist_nccl_worker.py"),
           str(tmp_path)]
    for rank, res in enumerate(run_ranks(cmd, str(tmp_path), world=n)):
        for name, status in res.items():
            assert status == "ok", f"rank {rank} {name}: {status}"


# -- the NCCL calls the transport makes, against a recording stand-in for cupy.cuda.nccl ---------
# (no GPU needed: it checks counts, byte offsets, datatypes, ops and stream handling; the
# 2-GPU test above checks the communication itself)


class _Recorder:
    def __init__(self, calls, name):
        self.calls, self.name = calls, name

    def __call__(self, *args):
        self.calls.append((self.name, *args))


class _FakeComm:
    def __init__(self, calls):
        self.calls = calls

    def __getattr__(self, name):
        return _Recorder(self.calls, name)


class _FakeMPI:
    def __init__(self, rank, size):
        self.rank, self.size = rank, size

    def Get_rank(self):
        return self.rank

    def Get_size(self):
        return self.size

    def bcast(self, obj, root=0):
        return b"uid"


@pytest.fixture
def fake_nccl(monkeypatch):
    calls = []
    nccl = types.ModuleType("cupy.cuda.nccl")
    for i, n in enumerate(["NCCL_FLOAT16", "NCCL_FLOAT32", "NCCL_FLOAT64", "NCCL_INT8",
                           "NCCL_UINT8", "NCCL_INT32", "NCCL_INT64", "NCCL_BFLOAT16"]):
        setattr(nccl, n, 100 + i)
    for i, n in enumerate(["NCCL_SUM", "NCCL_PROD", "NCCL_MAX", "NCCL_MIN", "NCCL_AVG"]):
        setattr(nccl, n, 200 + i)
    nccl.available = True
    nccl.get_unique_id = lambda: b"uid"
    nccl.NcclCommunicator = lambda n, uid, rank: _FakeComm(calls)
    nccl.groupStart = lambda: calls.append(("groupStart",))
    nccl.groupEnd = lambda: calls.append(("groupEnd",))

    class Stream:
        ptr = 4242

        def wait_event(self, ev):
            calls.append(("wait_event", ev))

        def synchronize(self):
            calls.append(("synchronize",))

    class Event:
        def __init__(self, disable_timing=False):
            self.done = True

        def record(self, stream):
            calls.append(("record", stream.ptr))

    class Device:
        def __init__(self, i):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *a):
            return False

    stream = Stream()
    cuda = types.ModuleType("cupy.cuda")
    cuda.nccl, cuda.Event, cuda.Device = nccl, Event, Device
    cuda.get_current_stream = lambda: stream
    cuda.runtime = types.SimpleNamespace(getDevice=lambda: 0)
    cp = types.ModuleType("cupy")
    cp.cuda = cuda
    monkeypatch.setitem(sys.modules, "cupy", cp)
    monkeypatch.setitem(sys.modules, "cupy.cuda", cuda)
    monkeypatch.setitem(sys.modules, "cupy.cuda.nccl", nccl)
    from ember_distributed._nccl import NCCLTransport

    def make(rank=0, size=2):
        calls.clear()
        return NCCLTransport(_FakeMPI(rank, size)), calls
    return make


def _ops(calls):
    return [c for c in calls if c[0] not in ("record",)]


def test_nccl_allreduce_calls(fake_nccl):
    tp, calls = fake_nccl()
    t = ember.ones(2, 3)
    v = t._version
    w = tp.allreduce(t, ReduceOp.SUM)
    p = t.data_ptr()
    assert _ops(calls) == [("allReduce", p, p, 6, 101, 200, 4242)]
    assert t._version == v + 1                       # autograd sees the write
    w.wait()
    assert calls[-1][0] == "wait_event" and w.is_completed()
    c = ember.zeros(4, dtype=ember.complex64)
    tp.allreduce(c, ReduceOp.AVG)                    # complex: 2 floats per element
    assert _ops(calls)[-1][3:6] == (8, 101, 204)
    b = ember.zeros(3, dtype=ember.bool)
    tp.allreduce(b, ReduceOp.SUM)                    # bool sum is a logical or (MAX)
    assert _ops(calls)[-1][4:6] == (104, 202)
    with pytest.raises(ValueError, match="BAND"):
        tp.allreduce(ember.zeros(2, dtype=ember.int64), ReduceOp.BAND)
    with pytest.raises(TypeError, match="int16"):
        tp.allreduce(ember.zeros(2, dtype=ember.int16), ReduceOp.SUM)


def test_nccl_uneven_all_gather_is_grouped_broadcasts(fake_nccl):
    tp, calls = fake_nccl(rank=1, size=3)
    inp = ember.ones(2)
    out = ember.empty(1 + 2 + 3)
    tp.allgather(out, inp, [1, 2, 3])
    pi, po = inp.data_ptr(), out.data_ptr()
    assert _ops(calls) == [("groupStart",),
                           ("broadcast", pi, po, 1, 101, 0, 4242),
                           ("broadcast", pi, po + 4, 2, 101, 1, 4242),
                           ("broadcast", pi, po + 12, 3, 101, 2, 4242),
                           ("groupEnd",)]
    tp.allgather(ember.empty(4), inp, [2, 2])
    assert _ops(calls)[-1][0] == "allGather" and _ops(calls)[-1][3] == 2


def test_nccl_gather_scatter_alltoall_point_to_point(fake_nccl):
    tp, calls = fake_nccl(rank=0, size=2)
    inp, out = ember.full((2,), 5.0, dtype=ember.float64), ember.zeros(4, dtype=ember.float64)
    tp.gather(out, inp, [2, 2], 0)
    assert out.tolist()[:2] == [5.0, 5.0]             # the root's own block, copied locally
    assert ("recv", out.data_ptr() + 16, 2, 102, 1, 4242) in calls
    tp2, calls2 = fake_nccl(rank=1, size=2)
    tp2.gather(None, inp, None, 0)
    assert ("send", inp.data_ptr(), 2, 102, 0, 4242) in calls2
    tp, calls = fake_nccl(rank=0, size=2)
    x = ember.arange(4, dtype=ember.int32)
    y = ember.empty(4, dtype=ember.int32)
    tp.alltoall(y, [2, 2], x, [2, 2])
    assert ("send", x.data_ptr() + 8, 2, 105, 1, 4242) in calls
    assert ("recv", y.data_ptr() + 8, 2, 105, 1, 4242) in calls
    with pytest.raises(ValueError, match="src="):
        tp.recv(y, None, 0)
    w = tp.recv(y, 1, 0)
    assert w._source == 1
    tp.reduce_scatter(ember.empty(2), ember.ones(4), [2, 2], ReduceOp.MAX)
    assert _ops(calls)[-1][0] == "reduceScatter" and _ops(calls)[-1][3:6] == (2, 101, 202)
