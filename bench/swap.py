"""One backend kernel of another checkout against this checkout's, inside ember's training
step, alternating in ONE process: the median ratio new/old of back-to-back blocks of steps.

    python bench/swap.py --root /path/to/other/checkout --kernel sgd_step
                         [--workload mlp_step ...] [--blocks 60] [--steps 5] [--threads 1]

For a change confined to one kernel of the cpu backend (``Backend.sgd_step``, ...), where
``compare.sh ember ember@ROOT`` runs each checkout in its own processes and a shared
machine's drift between them (often 20-40%) hides a 5% difference. Here the kernel is a
plain function stored on the backend class (``sgd_step = staticmethod(...)``); the module
that defines this checkout's function is loaded a second time from ROOT (same path inside
the repository, same package, so relative imports resolve to this checkout's modules) and
its function of the same name is the "old" one. Blocks of ``--steps`` steps run with one
kernel then the other (order flipped every block), each timed with ``time.process_time``;
the ratio of each pair of blocks is taken and the median over ``--blocks`` pairs reported,
with the min time per step of each kernel. Everything else in the step is this checkout's.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import run  # noqa: E402  (bench/run.py: the workload builders)

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def other_kernel(current, root):
    """The function named like ``current`` from the copy under ``root`` of the module file
    that defines ``current``."""
    mod = sys.modules[current.__module__]
    rel = os.path.relpath(os.path.abspath(mod.__file__), REPO)
    path = os.path.join(root, rel)
    if rel.startswith("..") or not os.path.exists(path):
        raise SystemExit(f"swap.py: {current.__module__} is {mod.__file__}; no {rel} under "
                         f"{root}")
    spec = importlib.util.spec_from_file_location(f"{mod.__name__}__swap_other", path)
    other = importlib.util.module_from_spec(spec)
    other.__package__ = mod.__package__
    spec.loader.exec_module(other)
    fn = getattr(other, current.__name__, None)
    if fn is None:
        raise SystemExit(f"swap.py: {path} defines no {current.__name__}")
    return fn


def swap(workload, kernel, root, blocks, steps):
    """``(median new/old, min new, min old)``, seconds per step."""
    import ember
    from ember._tensor import _backend_for
    be, _ = _backend_for("cpu")
    cls = type(be)
    new = getattr(cls, kernel)
    old = other_kernel(new, root)
    step = run.train_step_fn(ember, workload)
    for _ in range(5):
        step()
    tn, to = [], []
    try:
        for i in range(blocks):
            order = [(new, tn), (old, to)]
            for fn, acc in order if i % 2 == 0 else order[::-1]:
                setattr(cls, kernel, staticmethod(fn))
                step()                                  # first use after the swap, untimed
                t = time.process_time()
                for _ in range(steps):
                    step()
                acc.append((time.process_time() - t) / steps)
    finally:
        setattr(cls, kernel, staticmethod(new))
    ratios = [a / b for a, b in zip(tn, to, strict=True) if b > 0]
    return statistics.median(ratios), min(tn), min(to)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--root", required=True, help="the other checkout (e.g. a git worktree)")
    p.add_argument("--kernel", required=True, help="backend attribute, e.g. sgd_step")
    p.add_argument("--workload", nargs="*", default=["mlp_step"], choices=sorted(run.SHAPES))
    p.add_argument("--blocks", type=int, default=60)
    p.add_argument("--steps", type=int, default=5)
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args(argv)
    run._set_threads(args.threads)
    print(f"Command: `python bench/swap.py --root {args.root} --kernel {args.kernel} "
          f"--workload {' '.join(args.workload)} --blocks {args.blocks} --steps "
          f"{args.steps} --threads {args.threads}`; CPU time per step, this checkout's "
          f"kernel (new) and ROOT's (old) alternating in one process.\n")
    print("| workload | new min | old min | new/old (median of block ratios) |")
    print("|---|---|---|---|")
    for w in args.workload:
        r, tn, to = swap(w, args.kernel, args.root, args.blocks, args.steps)
        print(f"| {w} | {tn * 1e3:.3f} ms | {to * 1e3:.3f} ms | {r:.3f} |")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
