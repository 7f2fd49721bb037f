"""The launcher: ``python -m ember.distributed.run -n N script.py [args]``.

It starts ``N`` copies of the script with ``mpiexec`` (found next to the Python interpreter,
as ``pip install mpich`` puts it, or on ``PATH``; ``--mpiexec`` or ``EMBER_MPIEXEC`` name
another). Each copy starts in :mod:`ember_distributed._bootstrap`, which sets PyTorch's
launcher variables ``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK``, ``LOCAL_WORLD_SIZE`` from MPI and
then runs the script as ``__main__``. The exit status is mpiexec's (non-zero when any process
fails).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys

__all__ = ["main", "find_mpiexec", "build_command"]


def find_mpiexec(explicit: str | None = None) -> str:
    """The path of ``mpiexec``: ``explicit``, ``$EMBER_MPIEXEC``, the interpreter's
    directory, then ``PATH`` (``mpiexec``, ``mpirun``). Raises ``FileNotFoundError`` naming
    where it looked.

    Example::

        >>> find_mpiexec()                                          # doctest: +SKIP
        '/opt/venv/bin/mpiexec'
    """
    for cand, origin in ((explicit, "--mpiexec"), (os.environ.get("EMBER_MPIEXEC"),
                                                   "EMBER_MPIEXEC")):
        if cand:
            found = shutil.which(cand)
            if found is None:
                raise FileNotFoundError(f"ember.distributed.run: {origin} names {cand!r}, "
                                        f"which is not an executable file")
            return found
    looked = []
    here = os.path.dirname(os.path.abspath(sys.executable))
    for name in ("mpiexec", "mpirun"):
        p = os.path.join(here, name)
        looked.append(p)
        if os.path.isfile(p) and os.access(p, os.X_OK):
            return p
    for name in ("mpiexec", "mpirun"):
        found = shutil.which(name)
        if found:
            return found
    looked.append("mpiexec/mpirun on PATH")
    raise FileNotFoundError(
        "ember.distributed.run: mpiexec was not found (looked at: " + ", ".join(looked) +
        "). Install MPI into this environment (pip install mpich mpi4py) or name the "
        "launcher with --mpiexec PATH or EMBER_MPIEXEC")


def _root_flags(mpiexec: str) -> list[str]:
    """Open MPI refuses to run as root without a flag; MPICH's hydra needs none."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return []
    try:
        out = subprocess.run([mpiexec, "--version"], capture_output=True, text=True,
                             timeout=20).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return ["--allow-run-as-root"] if "Open MPI" in out or "OpenRTE" in out else []


def build_command(nproc: int, target: list[str], module: bool = False, no_python: bool = False,
                  mpiexec: str | None = None, mpi_args: list[str] | None = None) -> list[str]:
    """The ``mpiexec`` command line that starts ``nproc`` copies of ``target``
    (``[script, *args]``, or ``[module, *args]`` with ``module=True``)."""
    if nproc < 1:
        raise ValueError(f"ember.distributed.run: -n must be at least 1, got {nproc}")
    if not target:
        raise ValueError("ember.distributed.run: give the script to run, e.g. "
                         "python -m ember.distributed.run -n 2 train.py")
    if not module and not no_python and not os.path.isfile(target[0]):
        raise ValueError(f"ember.distributed.run: script {target[0]!r} does not exist")
    exe = find_mpiexec(mpiexec)
    cmd = [exe, *_root_flags(exe), *(mpi_args or []), "-n", str(nproc)]
    if no_python:
        return cmd + target
    boot = [sys.executable, "-m", "ember_distributed._bootstrap"]
    return cmd + boot + (["-m"] if module else []) + target


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m ember.distributed.run",
        description="Start N processes of a training script with mpiexec (ember.distributed).")
    p.add_argument("-n", "--nproc-per-node", "--nproc_per_node", dest="nproc", type=int,
                   default=1, help="number of processes (default 1)")
    p.add_argument("-m", "--module", action="store_true",
                   help="run the target as a module (python -m), like python's -m")
    p.add_argument("--no-python", "--no_python", dest="no_python", action="store_true",
                   help="run the target as an executable, not with the Python interpreter")
    p.add_argument("--mpiexec", default=None, help="path of mpiexec (default: found next to "
                                                   "this Python, then on PATH)")
    p.add_argument("--mpi-arg", dest="mpi_args", action="append", default=[],
                   metavar="ARG", help="extra argument for mpiexec (repeatable), e.g. "
                                       "--mpi-arg=-hosts --mpi-arg=a,b")
    p.add_argument("target", help="the script (or module with -m) to run")
    p.add_argument("args", nargs=argparse.REMAINDER, help="arguments for the script")
    return p


def main(argv: list[str] | None = None) -> int:
    """Parse the command line, run mpiexec, return its exit status."""
    ns = _parser().parse_args(argv)
    try:
        cmd = build_command(ns.nproc, [ns.target, *ns.args], ns.module, ns.no_python,
                            ns.mpiexec, ns.mpi_args)
    except (FileNotFoundError, ValueError) as exc:
        print(exc, file=sys.stderr)
        return 2
    try:
        return subprocess.call(cmd)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
