"""The NCCL backend (CuPy's cupy.cuda.nccl) on cuda tensors: needs a CUDA GPU and CuPy with
NCCL, so it is skipped (with the reason) everywhere else."""

import os

import pytest

from _dist_launch import WORKERS, python, run_ranks

pytestmark = pytest.mark.cuda


def _skip_without_nccl():
    from ember_distributed.process_group import is_nccl_available
    if not is_nccl_available():
        pytest.skip("NCCL backend not testable here: CuPy with NCCL (cupy.cuda.nccl) is not "
                    "installed or no CUDA GPU is present")
    import ember
    try:
        ember.ones(1, device="cuda")
    except RuntimeError as exc:
        pytest.skip(f"NCCL backend not testable here: no usable cuda device ({exc})")


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
