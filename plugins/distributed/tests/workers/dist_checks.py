"""What every distributed test worker does per check (shared by the MPI, DDP and NCCL
workers)."""

import traceback


def run_check(fn, results, dist):
    """Run ``fn()``; record ``"ok"`` or its traceback under ``fn.__name__`` in ``results``,
    then wait for every rank, so that one rank's failure cannot leave the others blocked in a
    collective of the next check. Returns ``fn`` (usable in a decorator)."""
    try:
        fn()
        results[fn.__name__] = "ok"
    except Exception:
        results[fn.__name__] = traceback.format_exc()
    dist.barrier()
    return fn
