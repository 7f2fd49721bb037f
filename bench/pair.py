"""ember and torch alternating step by step in ONE process: the per-workload median of the
ratios of back-to-back calls, for a machine too noisy for fresh-process rounds.

    python bench/pair.py [--workload mlp_step cnn_step ...] [--pairs 200] [--threads 1]
    python bench/pair.py --phases [--workload mlp_step ...]    # forward / backward / step

``compare.sh`` measures each library in its own fresh processes; on a shared machine whose
speed drifts over seconds (other tenants), the two processes of a round can run in different
phases and a round's ratio moves by +-20%. Here every ember call is followed at once by the
same call on torch (the order flips every pair), each timed with ``time.process_time``; the
ratio of each pair is taken, and the median over pairs is reported, with the min and median
time of each library. Both libraries live in one process (each with its own kernels and
allocations; one thread each), so this complements ``compare.sh``, it does not replace it.
Workloads: the training steps of ``run.py``, ``op_overhead`` (as ``fwd_bwd``: 20 calls of
``(a * b).sum().backward()``, and ``fwd``: 200 calls of ``a * b`` with grad) and ``adam_step``.

``--phases`` (training steps only) times each step's forward (with ``zero_grad`` and the
loss), backward and optimizer step separately, and reports the median ratio per phase:
which part of a step is behind.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import run  # noqa: E402  (bench/run.py: the workload builders; sets nothing on import)

PAIRED = ["op_overhead.fwd", "op_overhead.fwd_bwd", "mlp_step", "cnn_step", "cnn_big_step",
          "lstm_step", "adam_step"]


OP_CALLS = {"fwd": 200, "fwd_bwd": 20}      # op calls per timed unit


def build(lib, workload):
    """A no-argument callable doing one unit of ``workload`` on ``lib``."""
    if workload.startswith("op_overhead."):
        kind = workload.split(".")[1]
        return run.op_calls(lib, kind, OP_CALLS[kind])
    if workload == "adam_step":
        return run.adam_step_fn(lib)
    return run.train_step_fn(lib, workload)


def _alternate(fe, ft, n, warmup=5):
    """``(ember results, torch results)``: what ``fe`` and ``ft`` return over ``n`` calls
    each, back to back, the order flipped every pair, after ``warmup`` untimed pairs."""
    for _ in range(warmup):
        fe()
        ft()
    te, tt = [], []
    for i in range(n):
        if i % 2 == 0:
            te.append(fe())
            tt.append(ft())
        else:
            tt.append(ft())
            te.append(fe())
    return te, tt


def _timed(fn):
    """``fn`` as a callable returning the CPU seconds of one call."""
    clock = time.process_time

    def call():
        t0 = clock()
        fn()
        return clock() - t0
    return call


def pair(workload, n, warmup=5):
    """``(ratio median, ember min, ember median, torch min, torch median)`` over ``n`` pairs
    (seconds per call)."""
    import ember
    import torch
    te, tt = _alternate(_timed(build(ember, workload)), _timed(build(torch, workload)), n,
                        warmup)
    ratios = [a / b for a, b in zip(te, tt, strict=True) if b > 0]
    return (statistics.median(ratios), min(te), statistics.median(te), min(tt),
            statistics.median(tt))


def pair_phases(workload, n, warmup=5):
    """Per phase (forward, backward, optimizer): ``(ratio median, ember median, torch
    median)`` over ``n`` alternating steps (seconds)."""
    import ember
    import torch
    te, tt = _alternate(run.train_step_fn(ember, workload, phases=True),
                        run.train_step_fn(torch, workload, phases=True), n, warmup)
    out = []
    for k in range(3):
        ratios = [a[k] / b[k] for a, b in zip(te, tt, strict=True) if b[k] > 0]
        out.append((statistics.median(ratios), statistics.median(a[k] for a in te),
                    statistics.median(b[k] for b in tt)))
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--workload", nargs="*", default=PAIRED, choices=PAIRED)
    p.add_argument("--pairs", type=int, default=200)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--phases", action="store_true",
                   help="forward / backward / optimizer of the training steps separately")
    args = p.parse_args(argv)
    run._set_threads(args.threads)
    import torch
    torch.set_num_threads(args.threads)
    if args.phases:
        steps = [w for w in args.workload if w in run.SHAPES]
        if not steps:
            p.error("--phases needs training-step workloads: " + " ".join(sorted(run.SHAPES)))
        print(f"Command: `python bench/pair.py --phases --workload {' '.join(steps)} --pairs "
              f"{args.pairs} --threads {args.threads}`; CPU time per phase of one step, ember "
              f"and torch alternating step by step in one process.\n")
        print("| workload | phase | ember median | torch median | ember/torch (median of "
              "pair ratios) |")
        print("|---|---|---|---|---|")
        for w in steps:
            for name, (r, e, t) in zip(("forward", "backward", "optimizer"),
                                       pair_phases(w, args.pairs), strict=True):
                print(f"| {w} | {name} | {e * 1e3:.3f} ms | {t * 1e3:.3f} ms | {r:.2f} |")
            sys.stdout.flush()
        return 0
    print(f"Command: `python bench/pair.py --pairs {args.pairs} --threads {args.threads}`; "
          f"CPU time per call (`time.process_time`), ember and torch alternating in one "
          f"process.\n")
    print("| workload | ember min / median | torch min / median | ember/torch (median of "
          "pair ratios) |")
    print("|---|---|---|---|")
    for w in args.workload:
        r, emin, emed, tmin, tmed = pair(w, args.pairs)
        unit, k = ("µs", 1e6) if w.startswith("op_") else ("ms", 1e3)
        if w.startswith("op_"):                 # per op call
            per = OP_CALLS[w.split(".")[1]]
            emin, emed, tmin, tmed = (v / per for v in (emin, emed, tmin, tmed))
        print(f"| {w} | {emin * k:.3f} / {emed * k:.3f} {unit} | {tmin * k:.3f} / "
              f"{tmed * k:.3f} {unit} | {r:.2f} |")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
