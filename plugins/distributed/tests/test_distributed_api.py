"""ember.distributed in one process, without starting MPI: namespaces, ReduceOp, Backend,
errors before init_process_group, and the launcher's command line."""

import datetime
import os
import subprocess
import sys

import pytest

import ember
import ember.distributed as dist
import ember.nn as nn


def test_namespaces_resolve_through_the_plugin():
    from ember_distributed.ddp import DistributedDataParallel
    assert nn.parallel.DistributedDataParallel is DistributedDataParallel
    assert dist.is_available() is True
    for name in ("init_process_group", "all_reduce", "broadcast", "all_gather",
                 "reduce_scatter", "barrier", "destroy_process_group", "ReduceOp", "Work",
                 "all_gather_into_tensor", "reduce_scatter_tensor", "gather", "scatter"):
        assert callable(getattr(dist, name)), name
    assert "all_reduce" in dir(dist)
    import ember.distributed.run as run
    from ember_distributed.run import main
    assert run.main is main


def test_reduce_op():
    assert dist.ReduceOp.SUM == dist.ReduceOp.RedOpType.SUM
    assert repr(dist.ReduceOp.AVG) == "ReduceOp.AVG"
    assert dist.ReduceOp(dist.ReduceOp.MAX) == dist.ReduceOp.MAX
    assert len({dist.ReduceOp.SUM, dist.ReduceOp.PRODUCT, dist.ReduceOp.MIN, dist.ReduceOp.MAX,
                dist.ReduceOp.AVG, dist.ReduceOp.BAND, dist.ReduceOp.BOR,
                dist.ReduceOp.BXOR}) == 8
    with pytest.raises(TypeError, match="ReduceOp"):
        dist.ReduceOp("median")


def test_backend_names():
    assert dist.Backend("MPI") == dist.Backend.MPI == "mpi"
    assert dist.Backend("cpu:mpi,cuda:nccl") == "nccl"
    with pytest.raises(ValueError, match="use backend='mpi'"):
        dist.Backend("gloo")
    with pytest.raises(ValueError, match="unknown backend"):
        dist.Backend("ucc")


def test_errors_before_init():
    assert dist.is_initialized() is False
    assert dist.GroupMember.WORLD is None
    with pytest.raises(ValueError, match="has not been initialized"):
        dist.get_rank()
    with pytest.raises(ValueError, match="has not been initialized"):
        dist.all_reduce(ember.ones(2))
    with pytest.raises(TypeError, match="timedelta"):
        dist.init_process_group("mpi", timeout=30)
    with pytest.raises(ValueError, match="unknown backend"):
        dist.init_process_group("gloo")
    with pytest.raises(TypeError, match="ember.Tensor"):
        dist.all_reduce([1.0, 2.0])


def test_ddp_needs_a_process_group():
    with pytest.raises(ValueError, match="has not been initialized"):
        nn.parallel.DistributedDataParallel(nn.Linear(2, 2))


def test_launcher_command_line(tmp_path):
    from ember_distributed.run import build_command, find_mpiexec
    script = tmp_path / "train.py"
    script.write_text("print('hi')\n")
    mpiexec = find_mpiexec()
    cmd = build_command(3, [str(script), "--lr", "0.1"])
    assert cmd[0] == mpiexec and cmd[cmd.index("-n") + 1] == "3"
    assert cmd[-5:] == ["-m", "ember_distributed._bootstrap", str(script), "--lr", "0.1"]
    assert build_command(2, ["pkg.train"], module=True)[-2:] == ["-m", "pkg.train"]
    with pytest.raises(ValueError, match="at least 1"):
        build_command(0, [str(script)])
    with pytest.raises(ValueError, match="does not exist"):
        build_command(2, [str(tmp_path / "missing.py")])
    with pytest.raises(FileNotFoundError, match="--mpiexec"):
        find_mpiexec(str(tmp_path / "no-mpiexec"))


def test_launcher_reports_missing_mpiexec(tmp_path):
    script = tmp_path / "train.py"
    script.write_text("print('hi')\n")
    env = dict(os.environ, EMBER_MPIEXEC=str(tmp_path / "nowhere"))
    proc = subprocess.run([sys.executable, "-m", "ember.distributed.run", "-n", "2",
                           str(script)], capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 2
    assert "EMBER_MPIEXEC" in proc.stderr and "not an executable" in proc.stderr


def test_bootstrap_exports_torch_launcher_variables():
    from ember_distributed._bootstrap import _export_ranks
    env = {"PMI_RANK": "1", "PMI_SIZE": "4", "MPI_LOCALRANKID": "1", "MPI_LOCALNRANKS": "2"}
    _export_ranks(env)
    assert (env["RANK"], env["WORLD_SIZE"], env["LOCAL_RANK"], env["LOCAL_WORLD_SIZE"]) == \
        ("1", "4", "1", "2")
    env = {"OMPI_COMM_WORLD_RANK": "0", "OMPI_COMM_WORLD_SIZE": "2",
           "OMPI_COMM_WORLD_LOCAL_RANK": "0", "OMPI_COMM_WORLD_LOCAL_SIZE": "2"}
    _export_ranks(env)
    assert env["RANK"] == "0" and env["WORLD_SIZE"] == "2"


def test_get_node_local_rank(monkeypatch):
    monkeypatch.delenv("LOCAL_RANK", raising=False)
    assert dist.get_node_local_rank(fallback_rank=3) == 3
    with pytest.raises(RuntimeError, match="LOCAL_RANK"):
        dist.get_node_local_rank()
    monkeypatch.setenv("LOCAL_RANK", "1")
    assert dist.get_node_local_rank(fallback_rank=3) == 1


def test_p2p_op_checks():
    with pytest.raises(ValueError, match="isend"):
        dist.P2POp(dist.all_reduce, ember.ones(1), peer=0)
    with pytest.raises(ValueError, match="peer"):
        dist.P2POp(dist.isend, ember.ones(1))
    with pytest.raises(ValueError, match="P2POp"):
        dist.batch_isend_irecv([])


def test_work_timeout_type():
    from ember_distributed.work import Work

    class Never(Work):
        def _test(self):
            return False

    with pytest.raises(RuntimeError, match="did not finish within"):
        Never("all_reduce").wait(timeout=datetime.timedelta(milliseconds=20))
    with pytest.raises(TypeError, match="timedelta"):
        Never("all_reduce").wait(timeout=5)
