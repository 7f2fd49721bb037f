"""all_reduce of a float32 tensor across 2 processes on this machine: ember.distributed (MPI
through mpi4py) against torch.distributed's gloo backend, plus raw mpi4py on NumPy arrays
(the engine ember runs on, without ember around it).

    python bench/allreduce.py                       # 10M float32, 2 processes, 20 timed rounds
    python bench/allreduce.py --numel 1000000 --repeat 50

ember's processes are started by ``python -m ember.distributed.run -n 2`` (mpiexec); torch's
by ``torch.multiprocessing.spawn`` with gloo on 127.0.0.1. Every round is a barrier followed
by one blocking all_reduce (SUM) timed on rank 0. Before timing, each library's result is
checked (rank r contributes r + 1 everywhere). Prints one line per library: median and best
time, and the bandwidths ``algbw = bytes / time`` and ``busbw = algbw * 2 (n - 1) / n``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

WORLD = 2


def _report(name, times, numel):
    nbytes = numel * 4
    med, best = statistics.median(times), min(times)
    algbw = nbytes / med / 1e9
    return {"library": name, "median_ms": med * 1e3, "best_ms": best * 1e3,
            "algbw_GBps": algbw, "busbw_GBps": algbw * 2 * (WORLD - 1) / WORLD,
            "rounds": len(times)}


def _check(name, t):
    """Stop unless every process's all_reduce of ``rank + 1`` gave 3 (first and last)."""
    if float(t[0]) != 3.0 or float(t[-1]) != 3.0:
        raise SystemExit(f"{name} all_reduce gave {float(t[0])}, expected 3.0")


def _timed_rounds(barrier, all_reduce, args):
    """Seconds of each ``all_reduce()`` after a ``barrier()``, the warm-up rounds left out."""
    times = []
    for i in range(args.warmup + args.repeat):
        barrier()
        t0 = time.perf_counter()
        all_reduce()
        dt = time.perf_counter() - t0
        if i >= args.warmup:
            times.append(dt)
    return times


def _measure(label, x, fill, barrier, all_reduce, rank, args):
    """The part every library shares: check one all_reduce of ``rank + 1`` (``x`` holds it),
    refill with ones, time the rounds, and let rank 0 write the report."""
    all_reduce()
    _check(label.split()[0], x)
    fill()
    times = _timed_rounds(barrier, all_reduce, args)
    if rank == 0:
        with open(args.out, "w") as f:
            json.dump(_report(label, times, args.numel), f)


# -- ember (run under mpiexec by the launcher) ----------------------------------------------

def ember_worker(args):
    import ember
    import ember.distributed as dist
    dist.init_process_group("mpi")
    rank = dist.get_rank()
    t = ember.full((args.numel,), float(rank + 1))
    _measure("ember.distributed (mpi)", t, lambda: t.fill_(1.0), dist.barrier,
             lambda: dist.all_reduce(t), rank, args)
    dist.destroy_process_group()


def mpi4py_worker(args):
    import numpy as np
    from mpi4py import MPI
    comm = MPI.COMM_WORLD
    a = np.full(args.numel, comm.rank + 1, dtype=np.float32)
    _measure("mpi4py + NumPy (no ember)", a, lambda: a.fill(1.0), comm.Barrier,
             lambda: comm.Allreduce(MPI.IN_PLACE, a, op=MPI.SUM), comm.rank, args)


# -- torch (spawned by torch.multiprocessing) -----------------------------------------------

def torch_worker(rank, port, args):
    import datetime

    import torch
    import torch.distributed as tdist
    tdist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank,
                             world_size=WORLD, timeout=datetime.timedelta(seconds=120))
    t = torch.full((args.numel,), float(rank + 1))
    _measure(f"torch.distributed (gloo) {torch.__version__}", t, lambda: t.fill_(1.0),
             tdist.barrier, lambda: tdist.all_reduce(t), rank, args)
    tdist.destroy_process_group()


def _free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run_mpi(role, args, out):
    cmd = [sys.executable, "-m", "ember.distributed.run", "-n", str(WORLD),
           os.path.abspath(__file__), "--role", role, "--out", out, "--numel", str(args.numel),
           "--repeat", str(args.repeat), "--warmup", str(args.warmup)]
    subprocess.run(cmd, check=True, timeout=600)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--numel", type=int, default=10_000_000)
    p.add_argument("--repeat", type=int, default=20)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--role", choices=["driver", "ember", "mpi4py"], default="driver")
    p.add_argument("--out", default=None)
    p.add_argument("--only", choices=["ember", "torch", "mpi4py"], action="append",
                   help="run only these (repeatable; default: all three)")
    args = p.parse_args(argv)
    if args.role == "ember":
        return ember_worker(args)
    if args.role == "mpi4py":
        return mpi4py_worker(args)
    which = args.only or ["ember", "torch", "mpi4py"]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in which:
            out = os.path.join(tmp, f"{name}.json")
            if name == "torch":
                import torch.multiprocessing as tmp_mp
                args.out = out
                tmp_mp.spawn(torch_worker, args=(_free_port(), args), nprocs=WORLD, join=True)
            else:
                _run_mpi(name, args, out)
            with open(out) as f:
                rows.append(json.load(f))
    print(f"all_reduce SUM of {args.numel:,} float32 ({args.numel * 4 / 1e6:.0f} MB), "
          f"{WORLD} processes, {args.repeat} rounds after {args.warmup} warm-up")
    print(f"{'library':<40} {'median ms':>10} {'best ms':>9} {'algbw GB/s':>11} "
          f"{'busbw GB/s':>11}")
    for r in rows:
        print(f"{r['library']:<40} {r['median_ms']:>10.1f} {r['best_ms']:>9.1f} "
              f"{r['algbw_GBps']:>11.2f} {r['busbw_GBps']:>11.2f}")
    return rows


if __name__ == "__main__":
    main()
