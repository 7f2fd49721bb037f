"""Run by tests/test_distributed_collectives.py under ``mpiexec -n 2``.

Every check runs the same collective through ember.distributed (MPI) and, where gloo offers
it, through torch.distributed (gloo, on 127.0.0.1) on the same inputs, and compares. Each rank
writes ``{check: "ok" | traceback}`` to ``<out>/rank<r>.json``. Checks never raise between
collectives, so a failing check cannot leave the other rank waiting.
"""

import datetime
import json
import os
import sys

import numpy as np
import torch
import torch.distributed as tdist

import ember
import ember.distributed as dist

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dist_checks import run_check  # noqa: E402

OUT, PORT = sys.argv[1], int(sys.argv[2])
dist.init_process_group("mpi")
RANK, WORLD = dist.get_rank(), dist.get_world_size()
tdist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{PORT}", rank=RANK,
                         world_size=WORLD, timeout=datetime.timedelta(seconds=60))

CHECKS = []
SHAPES = [(), (5,), (3, 4), (2, 3, 2), (0, 3)]
E_DT = {"float32": ember.float32, "float64": ember.float64, "int64": ember.int64,
        "int32": ember.int32, "float16": ember.float16, "bool": ember.bool,
        "uint8": ember.uint8, "complex64": ember.complex64}


def check(fn):
    CHECKS.append(fn)
    return fn


def data(shape, dtype, rank, salt=0):
    """Rank-dependent values, exact in every dtype."""
    rng = np.random.default_rng(1000 * salt + 17 * rank + len(shape))
    if dtype == "bool":
        return rng.integers(0, 2, shape).astype(bool)
    if dtype.startswith("complex"):
        return (rng.integers(-4, 5, shape) + 1j * rng.integers(-4, 5, shape)).astype(dtype)
    lo = 0 if dtype == "uint8" else -6
    return rng.integers(lo, 7, shape).astype(dtype)


def E(a):
    return ember.tensor(a.tolist(), dtype=E_DT[str(a.dtype)]).reshape(a.shape)


def T(a):
    return torch.from_numpy(np.ascontiguousarray(a).copy())


def same(e, t, what):
    ev = np.asarray(e.tolist(), dtype=np.asarray(t.numpy()).dtype).reshape(tuple(t.shape))
    tv = t.numpy()
    assert ev.shape == tv.shape, f"{what}: shape {ev.shape} vs torch {tv.shape}"
    assert np.array_equal(ev, tv), f"{what}: ember {ev} vs torch {tv}"


# -- reductions -------------------------------------------------------------------------------

def all_reduce_both(a, name, what):
    """all_reduce ``a`` with op ``name`` through ember (MPI) and torch (gloo); same result."""
    e, t = E(a), T(a)
    dist.all_reduce(e, op=getattr(dist.ReduceOp, name))
    tdist.all_reduce(t, op=getattr(tdist.ReduceOp, name))
    same(e, t, what)


@check
def all_reduce_ops_vs_gloo():
    for dtype in ("float32", "float64", "int64", "int32", "float16"):
        for shape in SHAPES:
            for name in ("SUM", "PRODUCT", "MIN", "MAX"):
                all_reduce_both(data(shape, dtype, RANK), name,
                                f"all_reduce {name} {dtype} {shape}")


@check
def all_reduce_bitwise_and_bool_vs_gloo():
    for dtype in ("int64", "uint8", "bool"):
        for name in ("BAND", "BOR", "BXOR", "SUM", "MAX", "MIN"):
            if dtype == "bool" and name == "BXOR":
                continue
            all_reduce_both(data((7,), dtype, RANK, salt=3), name, f"all_reduce {name} {dtype}")


@check
def all_reduce_avg_complex_bfloat16():
    a = data((4, 3), "float32", RANK, salt=5)
    e, t = E(a), T(a)
    dist.all_reduce(e, op=dist.ReduceOp.AVG)
    tdist.all_reduce(t)
    np.testing.assert_allclose(np.array(e.tolist()), t.numpy() / WORLD, rtol=1e-6)
    ai = np.array([7, -7, 3], dtype=np.int64) * (RANK + 1)       # sums 21, -21, 9
    ei = E(ai)
    dist.all_reduce(ei, op=dist.ReduceOp.AVG)
    assert ei.tolist() == [10, -10, 4], ei.tolist()                # truncating division
    c = data((5,), "complex64", RANK)
    ec, tc = E(c), T(c)
    dist.all_reduce(ec)
    tdist.all_reduce(tc)
    same(ec, tc, "all_reduce complex64")
    bf = ember.tensor([1.5, -2.0, 3.25], dtype=ember.bfloat16) * (RANK + 1)
    tb = torch.tensor([1.5, -2.0, 3.25], dtype=torch.bfloat16) * (RANK + 1)
    dist.all_reduce(bf)
    tdist.all_reduce(tb)
    assert bf.dtype is ember.bfloat16
    assert bf.float().tolist() == tb.float().tolist(), (bf, tb)


@check
def all_reduce_async_work_and_version():
    x = ember.arange(6, dtype=ember.float32).reshape(2, 3) + RANK
    v0 = x._version
    w = dist.all_reduce(x, async_op=True)
    assert isinstance(w, dist.Work)
    assert w.wait() is True and w.is_completed()
    assert w.result()[0] is x
    assert x.tolist() == [[1.0, 3.0, 5.0], [7.0, 9.0, 11.0]], x.tolist()
    assert x._version > v0
    # autograd sees the in-place write into a tensor saved for backward
    p = ember.ones(3, requires_grad=True)
    s = ember.ones(3) * 2
    y = (p * s).sum()
    dist.all_reduce(s)
    try:
        y.backward()
    except RuntimeError as exc:
        assert "modified by an inplace operation" in str(exc), exc
    else:
        raise AssertionError("backward did not notice the all_reduce write")
    # a view: the collective writes through to the base tensor
    base = ember.zeros(2, 4)
    row = base[1]
    row.fill_(float(RANK + 1))
    dist.all_reduce(row)
    assert base.tolist() == [[0.0] * 4, [3.0] * 4], base.tolist()


@check
def all_reduce_other_device_staged():
    s = ember.arange(4, dtype=ember.float32, device="strict") * (RANK + 1)
    dist.all_reduce(s, op=dist.ReduceOp.MAX)
    assert s.device.type == "strict"
    assert s.tolist() == [0.0, 2.0, 4.0, 6.0], s.tolist()


@check
def reduce_vs_gloo():
    for dst in range(WORLD):
        for name in ("SUM", "MAX"):
            a = data((3, 2), "float32", RANK, salt=dst)
            e, t = E(a), T(a)
            dist.reduce(e, dst=dst, op=getattr(dist.ReduceOp, name))
            tdist.reduce(t, dst=dst, op=getattr(tdist.ReduceOp, name))
            if RANK == dst:
                same(e, t, f"reduce {name} dst={dst}")
            else:
                assert np.array_equal(np.array(e.tolist()), a), "reduce changed a non-dst tensor"


@check
def reduce_scatter_lists_and_tensor():
    inputs = [data((r + 2,), "float32", RANK, salt=r) for r in range(WORLD)]   # uneven sizes
    out = ember.empty(RANK + 2)
    dist.reduce_scatter(out, [E(a) for a in inputs])
    expect = sum(data((RANK + 2,), "float32", r, salt=RANK) for r in range(WORLD))
    assert np.array_equal(np.array(out.tolist()), expect), (out, expect)
    big = data((WORLD * 3, 2), "float64", RANK, salt=9)
    out2 = ember.empty(3, 2, dtype=ember.float64)
    dist.reduce_scatter_tensor(out2, E(big), op=dist.ReduceOp.AVG)
    full = sum(data((WORLD * 3, 2), "float64", r, salt=9) for r in range(WORLD)) / WORLD
    np.testing.assert_allclose(np.array(out2.tolist()), full[RANK * 3:(RANK + 1) * 3])
    # output aliasing its own block of the input
    buf = E(big)
    dist.reduce_scatter_tensor(buf[RANK * 3:(RANK + 1) * 3], buf)
    np.testing.assert_allclose(np.array(buf.tolist())[RANK * 3:(RANK + 1) * 3],
                               full[RANK * 3:(RANK + 1) * 3] * WORLD)


# -- data movement ----------------------------------------------------------------------------

@check
def broadcast_vs_gloo():
    for src in range(WORLD):
        for dtype in ("float32", "int64", "bool", "float16"):
            a = data((4, 2), dtype, RANK, salt=src)
            e, t = E(a), T(a)
            dist.broadcast(e, src=src)
            tdist.broadcast(t, src=src)
            same(e, t, f"broadcast {dtype} src={src}")
    e = E(data((3,), "float32", RANK))
    dist.broadcast(e, group_src=1)
    assert np.array_equal(np.array(e.tolist()), data((3,), "float32", 1))


@check
def all_gather_vs_gloo():
    for dtype in ("float32", "int32", "bool"):
        a = data((2, 3), dtype, RANK)
        eo = [ember.empty(2, 3, dtype=E_DT[dtype]) for _ in range(WORLD)]
        to = [torch.empty(2, 3, dtype=getattr(torch, dtype)) for _ in range(WORLD)]
        dist.all_gather(eo, E(a))
        tdist.all_gather(to, T(a))
        for i in range(WORLD):
            same(eo[i], to[i], f"all_gather {dtype} [{i}]")
    # sizes that differ between ranks (gloo cannot; compare with the inputs)
    eo = [ember.empty(r + 1) for r in range(WORLD)]
    dist.all_gather(eo, E(data((RANK + 1,), "float32", RANK)))
    for r in range(WORLD):
        assert np.array_equal(np.array(eo[r].tolist()), data((r + 1,), "float32", r))


@check
def all_gather_into_tensor_vs_gloo():
    a = data((2, 3), "float32", RANK)
    t = torch.empty(WORLD * 2, 3)
    tdist.all_gather_single(t, T(a))
    e = ember.empty(WORLD * 2, 3)
    dist.all_gather_into_tensor(e, E(a))
    same(e, t, "all_gather_into_tensor (concatenated)")
    e = ember.empty(WORLD, 2, 3)                 # stacked form (gloo in torch 2.13 refuses it)
    dist.all_gather_single(e, E(a))
    same(e, t.reshape(WORLD, 2, 3), "all_gather_single (stacked)")
    # in place: the input is this rank's block of the output
    out = ember.zeros(WORLD * 2, 3)
    out[RANK * 2:(RANK + 1) * 2] = E(a)
    dist.all_gather_into_tensor(out, out[RANK * 2:(RANK + 1) * 2])
    same(out, t.reshape(WORLD * 2, 3), "all_gather_into_tensor in place")


@check
def gather_scatter_vs_gloo():
    for root in range(WORLD):
        a = data((3,), "float32", RANK, salt=root)
        eg = [ember.empty(3) for _ in range(WORLD)] if RANK == root else None
        tg = [torch.empty(3) for _ in range(WORLD)] if RANK == root else None
        dist.gather(E(a), eg, dst=root)
        tdist.gather(T(a), tg, dst=root)
        if RANK == root:
            for i in range(WORLD):
                same(eg[i], tg[i], f"gather dst={root} [{i}]")
        parts = [data((2, 2), "int64", root, salt=i) for i in range(WORLD)]
        es, ts = ember.empty(2, 2, dtype=ember.int64), torch.empty(2, 2, dtype=torch.int64)
        dist.scatter(es, [E(p) for p in parts] if RANK == root else None, src=root)
        tdist.scatter(ts, [T(p) for p in parts] if RANK == root else None, src=root)
        same(es, ts, f"scatter src={root}")


@check
def all_to_all_vs_gloo():
    a = data((WORLD * 2, 3), "float32", RANK)
    e, t = ember.empty(WORLD * 2, 3), torch.empty(WORLD * 2, 3)
    dist.all_to_all_single(e, E(a))
    tdist.all_to_all_single(t, T(a))
    same(e, t, "all_to_all_single")
    # uneven splits: rank r sends r+1 rows to each rank
    ins = [r2 for r2 in range(WORLD)]
    in_splits = [RANK + 1] * WORLD
    out_splits = [r + 1 for r in ins]
    src = data((sum(in_splits), 2), "float64", RANK, salt=4)
    e = ember.empty(sum(out_splits), 2, dtype=ember.float64)
    t = torch.empty(sum(out_splits), 2, dtype=torch.float64)
    dist.all_to_all_single(e, E(src), out_splits, in_splits)
    tdist.all_to_all_single(t, T(src), out_splits, in_splits)
    same(e, t, "all_to_all_single uneven")
    li = [E(data((r + 2,), "int64", RANK, salt=r)) for r in range(WORLD)]
    lo = [ember.empty(RANK + 2, dtype=ember.int64) for _ in range(WORLD)]
    dist.all_to_all(lo, li)
    for r in range(WORLD):
        assert np.array_equal(np.array(lo[r].tolist()), data((RANK + 2,), "int64", r, salt=RANK))


@check
def point_to_point_and_barrier():
    if RANK == 0:
        dist.send(ember.arange(3, dtype=ember.float32), dst=1)
        w = dist.isend(ember.full((2,), 7.0), dst=1, tag=3)
        w.wait()
        got = ember.empty(2, dtype=ember.int64)
        assert dist.recv(got) == 1 and got.tolist() == [4, 5]
    else:
        x = ember.empty(3)
        assert dist.recv(x, src=0) == 0 and x.tolist() == [0.0, 1.0, 2.0]
        y = ember.empty(2)
        dist.irecv(y, src=0, tag=3).wait()
        assert y.tolist() == [7.0, 7.0]
        dist.send(ember.tensor([4, 5]), dst=0)
    peer = 1 - RANK
    mine, theirs = ember.full((3,), float(RANK)), ember.empty(3)
    works = dist.batch_isend_irecv([dist.P2POp(dist.irecv, theirs, peer=peer),
                                    dist.P2POp(dist.isend, mine, peer=peer)])
    for w in works:
        w.wait()
    assert theirs.tolist() == [float(peer)] * 3, theirs
    assert dist.barrier() is None
    w = dist.barrier(async_op=True)
    w.wait()


@check
def wait_timeout():
    t = ember.zeros(2)
    if RANK == 1:
        w = dist.irecv(t, src=0, tag=11)
        try:
            w.wait(timeout=datetime.timedelta(milliseconds=200))
        except RuntimeError as exc:
            assert "recv did not finish" in str(exc), exc
        else:
            raise AssertionError("wait() ignored its timeout")
        dist.barrier()
        w._block()
        w._complete()
        assert t.tolist() == [1.0, 1.0]
    else:
        dist.barrier()
        dist.send(ember.ones(2), dst=1, tag=11)


@check
def object_collectives_vs_gloo():
    objs = [{"rank": RANK, "v": [RANK] * 3}, f"r{RANK}"]
    eo, to = list(objs), list(objs)
    dist.broadcast_object_list(eo, src=1)
    tdist.broadcast_object_list(to, src=1)
    assert eo == to == [{"rank": 1, "v": [1, 1, 1]}, "r1"], (eo, to)
    e_all, t_all = [None] * WORLD, [None] * WORLD
    dist.all_gather_object(e_all, (RANK, "x"))
    tdist.all_gather_object(t_all, (RANK, "x"))
    assert e_all == t_all
    eg = [None] * WORLD if RANK == 0 else None
    dist.gather_object({"r": RANK}, eg, dst=0)
    if RANK == 0:
        assert eg == [{"r": r} for r in range(WORLD)], eg
    out = [None]
    dist.scatter_object_list(out, [f"to{r}" for r in range(WORLD)] if RANK == 0 else None,
                             src=0)
    assert out == [f"to{RANK}"], out


@check
def subgroups():
    g = dist.new_group([1])
    if RANK == 1:
        assert dist.get_rank(g) == 0 and dist.get_world_size(g) == 1
        assert dist.get_process_group_ranks(g) == [1]
        assert dist.get_global_rank(g, 0) == 1 and dist.get_group_rank(g, 1) == 0
        x = ember.ones(2)
        dist.all_reduce(x, group=g)
        assert x.tolist() == [1.0, 1.0]
        dist.destroy_process_group(g)
    else:
        assert g is dist.GroupMember.NON_GROUP_MEMBER
        assert dist.get_rank(g) == -1 and dist.get_world_size(g) == -1
        x = ember.ones(2)
        assert dist.all_reduce(x, group=g) is None and x.tolist() == [1.0, 1.0]
    both = dist.new_group([1, 0])
    assert dist.get_process_group_ranks(both) == [0, 1]
    x = ember.ones(1) * (RANK + 1)
    dist.all_reduce(x, group=both)
    assert x.tolist() == [3.0]
    assert dist.get_backend() == "mpi" and dist.group.WORLD is dist.GroupMember.WORLD
    local = dist.new_group([0], use_local_synchronization=True) if RANK == 0 else None
    if RANK == 0:
        assert dist.get_world_size(local) == 1


@check
def argument_errors():
    def raises(exc, fn, text):
        try:
            fn()
        except exc as e:
            assert text in str(e), f"{exc.__name__} message {e!r} lacks {text!r}"
        else:
            raise AssertionError(f"no {exc.__name__} ({text})")
    nc = ember.zeros(3, 4).t()
    raises(RuntimeError, lambda: dist.all_reduce(nc), "must be contiguous")
    raises(TypeError, lambda: dist.all_reduce([1.0]), "ember.Tensor")
    raises(ValueError, lambda: dist.all_reduce(ember.zeros(2, dtype=ember.complex64),
                                               op=dist.ReduceOp.MAX), "complex")
    raises(ValueError, lambda: dist.all_reduce(ember.zeros(2), op=dist.ReduceOp.BAND),
           "integer or bool")
    raises(ValueError, lambda: dist.all_gather([ember.zeros(2)], ember.zeros(2)),
           "one tensor per process")
    raises(ValueError, lambda: dist.all_gather([ember.zeros(2)] * WORLD,
                                               ember.zeros(2, dtype=ember.int64)),
           "different dtypes")
    raises(RuntimeError, lambda: dist.all_gather_into_tensor(ember.zeros(3), ember.zeros(2)),
           "world_size")
    raises(ValueError, lambda: dist.broadcast(ember.zeros(1)), "specify src")
    raises(ValueError, lambda: dist.broadcast(ember.zeros(1), src=5), "not part of the group")
    raises(ValueError, lambda: dist.gather(ember.zeros(1), [ember.zeros(1)] * WORLD,
                                           dst=1 - RANK), "must NOT be specified")
    raises(ValueError, lambda: dist.init_process_group("mpi"), "twice")
    raises(ValueError, lambda: dist.new_group([0, 0]), "duplicates")
    raises(TypeError, lambda: dist.all_reduce(ember.zeros(1), op="mean"), "ReduceOp")


results = {}
for fn in CHECKS:
    run_check(fn, results, dist)
with open(os.path.join(OUT, f"rank{RANK}.json"), "w") as f:
    json.dump(results, f)
tdist.destroy_process_group()
dist.destroy_process_group()
