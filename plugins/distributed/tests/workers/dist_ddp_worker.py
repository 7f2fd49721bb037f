"""Run by tests/test_distributed_ddp.py as ``python -m ember.distributed.run -n 2``.

Trains with DistributedDataParallel and saves, per rank, ``<out>/rank<r>.pt`` (parameters
and gradients of each scenario, compared by the test with a single-process run) and
``<out>/rank<r>.json`` (checks made here: ``{name: "ok" | traceback}``).
"""

import json
import os
import sys

import ember
import ember.distributed as dist
import ember.nn as nn
import ember.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dist_checks import run_check  # noqa: E402
from dist_ddp_common import Branchy, data, demo_cnn, params, share, train_cnn  # noqa: E402

DDP = nn.parallel.DistributedDataParallel
OUT = sys.argv[1]
dist.init_process_group("mpi")
RANK, WORLD = dist.get_rank(), dist.get_world_size()
saved, checks = {}, {}


def check(fn):
    return run_check(fn, checks, dist)


@check
def launcher_environment():
    assert os.environ["RANK"] == str(RANK) and os.environ["WORLD_SIZE"] == str(WORLD)
    assert os.environ["LOCAL_RANK"] == str(RANK) and WORLD == 2


@check
def cnn_k_steps():
    xs, ys = data()
    ember.manual_seed(100)
    ref0 = params(demo_cnn())
    for as_view in (False, True):
        ember.manual_seed(100 + RANK)          # different initial weights on every rank ...
        model = demo_cnn()
        ddp = DDP(model, bucket_cap_mb=0.01, gradient_as_bucket_view=as_view)
        # ... rank 0's are broadcast at construction
        equal = all(bool((ref0[k] == v).all()) for k, v in params(model).items())
        assert len(ddp.reducer.buckets) >= 3, len(ddp.reducer.buckets)
        ddp.reducer._trace = []
        train_cnn(ddp, xs, ys, RANK, WORLD)
        nb = len(ddp.reducer.buckets)
        trace = ddp.reducer._trace
        first = trace[:trace.index(("launch", nb - 1)) + 1]          # the first iteration
        assert [ev for ev in first if ev[0] == "launch"] == [("launch", b) for b in range(nb)]
        assert sum(ev[0] == "ready" for ev in first) == len(list(model.parameters()))
        # overlap: the first bucket starts before backward has produced every gradient
        last_ready = max(i for i, ev in enumerate(first) if ev[0] == "ready")
        assert first.index(("launch", 0)) < last_ready, first
        saved[f"cnn_view{int(as_view)}"] = params(model)
        assert equal, "rank 0's initial parameters were not broadcast"
        if as_view:
            g = model[0].weight.grad
            flat = ddp.reducer.buckets[ddp.reducer.where[0][0]].flat
            assert g.data_ptr() == flat.data_ptr() + ddp.reducer.where[0][1] * 4


@check
def no_sync_accumulation():
    xs, ys = data(steps=2, seed=11)
    ember.manual_seed(5)
    model = nn.Sequential(nn.Linear(64, 16), nn.Tanh(), nn.Linear(16, 10))
    ddp = DDP(model)
    ddp.reducer._trace = []
    with ddp.no_sync():
        F.cross_entropy(ddp(share(xs[0], RANK, WORLD).flatten(1)),
                        share(ys[0], RANK, WORLD)).backward()
    assert not any(ev[0] == "launch" for ev in ddp.reducer._trace), "no_sync communicated"
    F.cross_entropy(ddp(share(xs[1], RANK, WORLD).flatten(1)),
                    share(ys[1], RANK, WORLD)).backward()
    saved["no_sync_grads"] = {k: p.grad.clone() for k, p in model.named_parameters()}


@check
def find_unused_parameters():
    xs, _ = data(steps=1, seed=3)
    x = share(xs[0, :, 0, 0, :4], RANK, WORLD)
    ember.manual_seed(9)
    model = Branchy()
    ddp = DDP(model, find_unused_parameters=True)
    for _ in range(2):                 # twice: the reducer re-arms every iteration
        model.zero_grad()
        ddp(x, use_extra=(RANK == 1)).pow(2).mean().backward()
    assert model.never.weight.grad is None, "a parameter no rank used got a gradient"
    assert model.extra.weight.grad is not None, "a parameter another rank used got no grad"
    saved["unused_grads"] = {k: p.grad.clone() for k, p in model.named_parameters()
                             if p.grad is not None}


@check
def unused_without_find_unused_raises():
    ember.manual_seed(9)
    model = Branchy()
    ddp = DDP(model)
    x = ember.ones(2, 4)
    ddp(x, use_extra=True).sum().backward()
    try:
        ddp(x, use_extra=True)
    except RuntimeError as exc:
        assert "find_unused_parameters=True" in str(exc), exc
    else:
        raise AssertionError("no error for parameters that were never reduced")


@check
def broadcast_buffers_and_state_dict():
    model = nn.Sequential(nn.Linear(3, 3), nn.BatchNorm1d(3))
    with ember.no_grad():
        model[1].running_mean.fill_(float(RANK + 1))
    ddp = DDP(model)
    assert model[1].running_mean.tolist() == [1.0] * 3          # rank 0's, at construction
    ddp(ember.randn(4, 3) + RANK * 10).sum().backward()          # batch statistics differ
    before = model[1].running_mean.clone()
    ddp.eval()
    with ember.no_grad():
        ddp(ember.zeros(2, 3))       # follows a synchronised forward: buffers broadcast first
    got = [None] * WORLD
    dist.all_gather_object(got, model[1].running_mean.tolist())
    assert got[0] == got[1], got
    if RANK == 1:
        assert got[1] != before.tolist()
    keys = list(ddp.state_dict())
    assert keys[0] == "module.0.weight" and all(k.startswith("module.") for k in keys), keys
    plain = nn.Sequential(nn.Linear(3, 3), nn.BatchNorm1d(3))
    plain.load_state_dict({k[len("module."):]: v for k, v in ddp.state_dict().items()})
    assert bool((plain[0].weight == model[0].weight).all())


@check
def model_mismatch_is_an_error():
    model = nn.Linear(3, 2 + RANK)
    try:
        DDP(model)
    except RuntimeError as exc:
        assert "same model" in str(exc), exc
    else:
        raise AssertionError("different models on the ranks were accepted")


@check
def distributed_sampler_uses_the_process_group():
    from ember.utils.data import DataLoader, DistributedSampler, TensorDataset
    ds = TensorDataset(ember.arange(11, dtype=ember.float32))
    sampler = DistributedSampler(ds, shuffle=True, seed=3)
    assert (sampler.num_replicas, sampler.rank) == (WORLD, RANK)
    mine = [int(b[0].item()) for b in DataLoader(ds, batch_size=1, sampler=sampler)]
    everyone = [None] * WORLD
    dist.all_gather_object(everyone, mine)
    assert len(mine) == 6 and sorted(set(sum(everyone, []))) == list(range(11)), everyone


ember.save(saved, os.path.join(OUT, f"rank{RANK}.pt"))
with open(os.path.join(OUT, f"rank{RANK}.json"), "w") as f:
    json.dump(checks, f)
dist.destroy_process_group()
