"""DistributedDataParallel with 2 MPI processes (started by ``python -m ember.distributed.run``)
against a single process on the combined batch."""

import os

import numpy as np
import pytest

import ember
import ember.nn.functional as F
from ember.distributed.run import find_mpiexec  # noqa: F401  (the launcher resolves)

from _dist_launch import WORKERS, python, run_ranks

pytest.importorskip("mpi4py")

import sys  # noqa: E402

sys.path.insert(0, WORKERS)
from dist_ddp_common import Branchy, data, demo_cnn, params, train_cnn  # noqa: E402

CHECKS = ["launcher_environment", "cnn_k_steps", "no_sync_accumulation",
          "find_unused_parameters", "unused_without_find_unused_raises",
          "broadcast_buffers_and_state_dict", "model_mismatch_is_an_error",
          "distributed_sampler_uses_the_process_group"]


@pytest.fixture(scope="module")
def ddp_run(tmp_path_factory):
    try:
        find_mpiexec()
    except FileNotFoundError as exc:
        pytest.skip(str(exc))
    out = tmp_path_factory.mktemp("ddp")
    cmd = [python(), "-m", "ember.distributed.run", "-n", "2",
           os.path.join(WORKERS, "dist_ddp_worker.py"), str(out)]
    checks = run_ranks(cmd, str(out))
    saved = [ember.load(os.path.join(out, f"rank{r}.pt")) for r in range(2)]
    return checks, saved


@pytest.mark.parametrize("name", CHECKS)
def test_ddp_worker_check(ddp_run, name):
    checks, _ = ddp_run
    for rank, res in enumerate(checks):
        assert set(res) == set(CHECKS)
        assert res[name] == "ok", f"rank {rank}: {res[name]}"


def _close(a, b, what, rtol=1e-4, atol=1e-5):
    assert a.shape == b.shape, what
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=rtol, atol=atol,
                               err_msg=what)


@pytest.mark.parametrize("key", ["cnn_view0", "cnn_view1"])
def test_ddp_cnn_equals_single_process_on_combined_batch(ddp_run, key):
    _, saved = ddp_run
    xs, ys = data()
    ember.manual_seed(100)
    ref = params(train_cnn(demo_cnn(), xs, ys))
    ember.manual_seed(100)
    start = params(demo_cnn())
    for rank in range(2):
        got = saved[rank][key]
        assert set(got) == set(ref)
        for k in ref:
            _close(got[k], ref[k], f"rank {rank} {key} {k}")
            # the parameters moved: the comparison is not vacuous
            assert float((ref[k] - start[k]).abs().max()) > 1e-4, k
        for k in ref:                     # every process holds bitwise the same replica
            assert bool((saved[0][key][k] == saved[1][key][k]).all()), k


def test_ddp_no_sync_accumulates_then_averages(ddp_run):
    _, saved = ddp_run
    xs, ys = data(steps=2, seed=11)
    ember.manual_seed(5)
    import ember.nn as nn
    model = nn.Sequential(nn.Linear(64, 16), nn.Tanh(), nn.Linear(16, 10))
    for x, y in zip(xs, ys, strict=True):
        F.cross_entropy(model(x.flatten(1)), y).backward()
    for rank in range(2):
        for k, p in model.named_parameters():
            _close(saved[rank]["no_sync_grads"][k], p.grad, f"rank {rank} {k}")


def test_ddp_find_unused_parameters_averages_over_users(ddp_run):
    _, saved = ddp_run
    xs, _ = data(steps=1, seed=3)
    x = xs[0, :, 0, 0, :4]
    ember.manual_seed(9)
    model = Branchy()
    half = x.shape[0] // 2
    out = ember.cat([model(x[:half], use_extra=False), model(x[half:], use_extra=True)])
    out.pow(2).mean().backward()
    for rank in range(2):
        got = saved[rank]["unused_grads"]
        assert sorted(got) == ["extra.bias", "extra.weight", "lin.bias", "lin.weight"]
        for k in got:
            _close(got[k], model.get_parameter(k).grad, f"rank {rank} {k}")
