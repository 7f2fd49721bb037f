"""Every collective with 2 MPI processes (plain ``mpiexec -n 2``), compared with
torch.distributed's gloo backend on the same inputs where gloo offers the operation."""

import os
import socket

import pytest

from _dist_launch import WORKERS, python, run_ranks

pytest.importorskip("mpi4py")

CHECKS = ["all_reduce_ops_vs_gloo", "all_reduce_bitwise_and_bool_vs_gloo",
          "all_reduce_avg_complex_bfloat16", "all_reduce_async_work_and_version",
          "all_reduce_other_device_staged", "reduce_vs_gloo", "reduce_scatter_lists_and_tensor",
          "broadcast_vs_gloo", "all_gather_vs_gloo", "all_gather_into_tensor_vs_gloo",
          "gather_scatter_vs_gloo", "all_to_all_vs_gloo", "point_to_point_and_barrier",
          "wait_timeout", "object_collectives_vs_gloo", "subgroups", "argument_errors"]


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def collective_results(tmp_path_factory):
    from ember_distributed.run import find_mpiexec
    try:
        mpiexec = find_mpiexec()
    except FileNotFoundError as exc:
        pytest.skip(str(exc))
    out = tmp_path_factory.mktemp("collectives")
    cmd = [mpiexec, "-n", "2", python(), os.path.join(WORKERS, "dist_collectives_worker.py"),
           str(out), str(_free_port())]
    return run_ranks(cmd, str(out))


@pytest.mark.parametrize("name", CHECKS)
def test_collective(collective_results, name):
    for rank, res in enumerate(collective_results):
        assert set(res) == set(CHECKS), sorted(set(res) ^ set(CHECKS))
        assert res[name] == "ok", f"rank {rank}: {res[name]}"
