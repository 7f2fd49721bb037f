"""Start of every process the launcher (``ember.distributed.run``) creates.

``python -m ember_distributed._bootstrap [-m] target [args]``: set ``RANK``, ``WORLD_SIZE``,
``LOCAL_RANK``, ``LOCAL_WORLD_SIZE`` (the variables PyTorch's launcher sets, which training
scripts read) from the variables the MPI launcher sets, then run ``target`` as ``__main__``
with ``sys.argv = [target, *args]``. MPI itself is not initialised here (the script's
``init_process_group`` does it).
"""

from __future__ import annotations

import os
import runpy
import sys

# (rank, size, local rank, local size) variables of the common MPI launchers
_LAUNCHERS = (
    ("PMI_RANK", "PMI_SIZE", "MPI_LOCALRANKID", "MPI_LOCALNRANKS"),            # MPICH hydra
    ("OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_LOCAL_RANK",
     "OMPI_COMM_WORLD_LOCAL_SIZE"),                                            # Open MPI
    ("PMIX_RANK", "PMIX_SIZE", "PMIX_LOCAL_RANK", "PMIX_LOCAL_SIZE"),
)


def _export_ranks(env=os.environ) -> None:
    for rank, size, local, local_size in _LAUNCHERS:
        if rank in env and size in env:
            env.setdefault("RANK", env[rank])
            env.setdefault("WORLD_SIZE", env[size])
            env.setdefault("LOCAL_RANK", env.get(local, env[rank]))
            env.setdefault("LOCAL_WORLD_SIZE", env.get(local_size, env[size]))
            return
    env.setdefault("RANK", "0")
    env.setdefault("WORLD_SIZE", "1")
    env.setdefault("LOCAL_RANK", "0")
    env.setdefault("LOCAL_WORLD_SIZE", "1")


def main(argv: list[str]) -> None:
    if not argv:
        raise SystemExit("usage: python -m ember_distributed._bootstrap [-m] target [args]")
    _export_ranks()
    if argv[0] == "-m":
        sys.argv = argv[1:]
        runpy.run_module(argv[1], run_name="__main__", alter_sys=True)
    else:
        sys.argv = argv
        sys.path.insert(0, os.path.dirname(os.path.abspath(argv[0])))
        runpy.run_path(argv[0], run_name="__main__")


if __name__ == "__main__":
    main(sys.argv[1:])
