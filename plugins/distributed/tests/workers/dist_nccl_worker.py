"""Run by tests/test_distributed_nccl.py: NCCL collectives on cuda tensors, one rank per GPU.
Writes ``{check: "ok" | traceback}`` to ``<out>/rank<r>.json``."""

import json
import os
import sys

import ember
import ember.distributed as dist
import ember.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dist_checks import run_check  # noqa: E402

OUT = sys.argv[1]
dist.init_process_group("nccl")
RANK, WORLD = dist.get_rank(), dist.get_world_size()
DEV = ember.device("cuda", RANK)
checks = {}


def check(fn):
    return run_check(fn, checks, dist)


def expect(t, values):
    assert t.device.type == "cuda", t.device
    assert t.cpu().tolist() == values, (t.cpu().tolist(), values)


@check
def all_reduce_ops():
    for op, fn in ((dist.ReduceOp.SUM, sum), (dist.ReduceOp.MAX, max), (dist.ReduceOp.MIN, min)):
        t = ember.tensor([1.0, -2.0], device=DEV) * (RANK + 1)
        dist.all_reduce(t, op=op)
        expect(t, [fn(float(r + 1) for r in range(WORLD)),
                   fn(-2.0 * (r + 1) for r in range(WORLD))])
    t = ember.full((3,), float(RANK), device=DEV)
    dist.all_reduce(t, op=dist.ReduceOp.AVG, async_op=True).wait()
    expect(t, [sum(range(WORLD)) / WORLD] * 3)


@check
def broadcast_gather_scatter():
    t = ember.full((2,), float(RANK + 5), device=DEV)
    dist.broadcast(t, src=0)
    expect(t, [5.0, 5.0])
    outs = [ember.empty(r + 1, device=DEV) for r in range(WORLD)]
    dist.all_gather(outs, ember.full((RANK + 1,), float(RANK), device=DEV))
    for r in range(WORLD):
        expect(outs[r], [float(r)] * (r + 1))
    out = ember.empty(2, device=DEV)
    dist.reduce_scatter(out, [ember.full((2,), float(r), device=DEV) for r in range(WORLD)])
    expect(out, [float(RANK * WORLD)] * 2)
    cpu = ember.ones(2) * (RANK + 1)            # cpu tensors go through MPI
    dist.all_reduce(cpu)
    assert cpu.tolist() == [float(sum(range(1, WORLD + 1)))] * 2


@check
def ddp_on_cuda():
    ember.manual_seed(RANK)
    model = nn.Linear(4, 2).to(DEV)
    ddp = nn.parallel.DistributedDataParallel(model, device_ids=[RANK])
    ddp(ember.ones(3, 4)).sum().backward()      # inputs moved to the device
    g = [None] * WORLD
    dist.all_gather_object(g, model.weight.grad.cpu().tolist())
    assert all(x == g[0] for x in g)


with open(os.path.join(OUT, f"rank{RANK}.json"), "w") as f:
    json.dump(checks, f)
dist.destroy_process_group()
