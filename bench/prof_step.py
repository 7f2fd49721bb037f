"""Profile one workload of bench/run.py with cProfile: where a training step's time goes.

    python bench/prof_step.py [--lib ember] [--device cpu|cuda] [--workload mlp_step]
                            [--steps 200] [--sort tottime|cumulative] [--top 40]

Runs the workload's step a few times untimed (first-use costs such as CUDA kernel
compilation), then ``--steps`` more under cProfile, waiting for the device before the
profile stops, and prints the ``--top`` functions by ``--sort``, plus the number of calls
of each function per step (how many kernels, host transfers and graph nodes a step makes).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import run  # noqa: E402  (bench/run.py: the workloads)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--lib", choices=["ember", "torch"], default="ember")
    p.add_argument("--device", default="cpu")
    p.add_argument("--workload", default="mlp_step", choices=sorted(run.SHAPES))
    p.add_argument("--steps", type=int, default=200)
    p.add_argument("--sort", choices=["tottime", "cumulative"], default="tottime")
    p.add_argument("--top", type=int, default=40)
    args = p.parse_args(argv)
    run._set_threads(1)
    lib = run._lib(args.lib)
    if args.lib == "torch":
        lib.set_num_threads(1)
    run.set_device(lib, args.device)
    sync = run.DEVICE["sync"]
    step = run.train_step_fn(lib, args.workload)
    for _ in range(5):
        step()
    sync()
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(args.steps):
        step()
    sync()
    prof.disable()
    out = io.StringIO()
    st = pstats.Stats(prof, stream=out)
    total = st.total_tt
    st.sort_stats(args.sort).print_stats(args.top)
    print(f"{args.lib} {args.workload} on {args.device}: {total / args.steps * 1e3:.3f} ms "
          f"per step under the profiler ({args.steps} steps); ncalls / {args.steps} = calls "
          f"per step")
    print(out.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
