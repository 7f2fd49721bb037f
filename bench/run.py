"""ember benchmarks: the same PyTorch-API workload code runs on ember and on torch; a
hand-written NumPy forward+backward reference (``numpy_ref``) shows the limit for a
NumPy-backed framework.

    python bench/run.py --lib ember|torch|numpy_ref [--workload NAME ...] [--threads 1]
                        [--repeat 20] [--json]

Each workload prints one line: library, workload, median seconds per step (and µs/op for
op_overhead). ``--check`` compares ember's first-step loss and gradients with torch's for
identical initial weights. See bench/compare.sh for alternating A/B runs.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

WORKLOADS = ["op_overhead", "mlp_step", "cnn_step", "cnn_big_step", "lstm_step",
             "matmul_1024", "adam_step", "import"]


def _set_threads(n):
    for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
              "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS"):
        os.environ[k] = str(n)


def _lib(name):
    if name == "torch":
        import torch
        return torch
    import ember
    return ember


def _timeit(fn, repeat, warmup=3, inner=1):
    for _ in range(warmup):
        fn()
    ts = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()
        ts.append((time.perf_counter() - t0) / inner)
    return statistics.median(ts)


# -- model builders (PyTorch API: the same code for ember and torch) -------------------------

def mlp(lib):
    nn = lib.nn
    return nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU(),
                         nn.Linear(256, 10))


def lenet(lib):
    nn = lib.nn
    return nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                         nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
                         nn.Linear(84, 10))


def cnn_big(lib):
    nn = lib.nn
    return nn.Sequential(nn.Conv2d(3, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(64 * 8 * 8, 10))


class _LSTMNet:
    def __init__(self, lib):
        self.lstm = lib.nn.LSTM(32, 128)
        self.head = lib.nn.Linear(128, 10)

    def parameters(self):
        return list(self.lstm.parameters()) + list(self.head.parameters())

    def __call__(self, x):
        out, _ = self.lstm(x)
        return self.head(out[-1])


SHAPES = {"mlp_step": ((128, 784), mlp), "cnn_step": ((64, 1, 28, 28), lenet),
          "cnn_big_step": ((32, 3, 32, 32), cnn_big), "lstm_step": ((35, 32, 32), _LSTMNet)}


def _data(lib, shape, n_classes=10, seed=0):
    import numpy as np
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape).astype(np.float32)
    y = rng.integers(0, n_classes, size=(shape[1] if len(shape) == 3 else shape[0],))
    return lib.tensor(x), lib.tensor(y)


def train_step_fn(lib, name):
    shape, build = SHAPES[name]
    lib.manual_seed(0)
    model = build(lib)
    opt = lib.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    x, y = _data(lib, shape)
    F = lib.nn.functional

    def step():
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss
    return step


def op_overhead(lib, repeat):
    a = lib.ones(4, 4, requires_grad=True)
    b = lib.ones(4, 4)
    n = 2000

    def fwd():
        for _ in range(n):
            a * b

    def nograd():
        with lib.no_grad():
            for _ in range(n):
                a * b

    def fwdbwd():
        for _ in range(n // 10):
            (a * b).sum().backward()

    return {"fwd_us": _timeit(fwd, repeat) / n * 1e6,
            "no_grad_us": _timeit(nograd, repeat) / n * 1e6,
            "fwd_bwd_us": _timeit(fwdbwd, repeat) / (n // 10) * 1e6}


def matmul_1024(lib, repeat):
    a = lib.randn(1024, 1024)
    b = lib.randn(1024, 1024)
    return _timeit(lambda: a @ b, repeat)


def adam_step(lib, repeat):
    lib.manual_seed(0)
    ps = [lib.randn(64, 64, requires_grad=True) for _ in range(200)]
    for p in ps:
        p.grad = lib.randn(64, 64)
    opt = lib.optim.Adam(ps, lr=1e-3)
    return _timeit(opt.step, repeat)


def import_time(name, repeat):
    mod = "torch" if name == "torch" else ("numpy" if name == "numpy_ref" else "ember")
    ts = []
    for _ in range(max(3, repeat // 4)):
        out = subprocess.run([sys.executable, "-c",
                              f"import time; t=time.perf_counter(); import {mod}; "
                              f"print(time.perf_counter()-t)"],
                             capture_output=True, text=True, check=True)
        ts.append(float(out.stdout.strip()))
    return statistics.median(ts)


def run(lib_name, workload, repeat):
    if workload == "import":
        return import_time(lib_name, repeat)
    if lib_name == "numpy_ref":
        from numpy_ref import REF
        return REF[workload](repeat, _timeit)
    lib = _lib(lib_name)
    if workload == "op_overhead":
        return op_overhead(lib, repeat)
    if workload == "matmul_1024":
        return matmul_1024(lib, repeat)
    if workload == "adam_step":
        return adam_step(lib, repeat)
    return _timeit(train_step_fn(lib, workload), repeat)


def check(workloads):
    """First-step loss and gradients of ember vs torch for identical initial weights."""
    import numpy as np
    import torch
    import ember
    ok = True
    for name in workloads:
        if name not in SHAPES:
            continue
        shape, build = SHAPES[name]
        torch.manual_seed(0)
        tm = build(torch)
        em = build(ember)
        tparams = list(tm.parameters())
        eparams = list(em.parameters())
        with ember.no_grad():
            for e, t in zip(eparams, tparams):
                e.copy_(ember.tensor(t.detach().numpy()))
        xe, ye = _data(ember, shape)
        xt, yt = _data(torch, shape)
        le = ember.nn.functional.cross_entropy(em(xe), ye)
        lt = torch.nn.functional.cross_entropy(tm(xt), yt)
        le.backward()
        lt.backward()
        dl = abs(le.item() - lt.item())
        dg = max(float(np.abs(e.grad.numpy() - t.grad.numpy()).max())
                 for e, t in zip(eparams, tparams))
        good = dl < 1e-4 and dg < 1e-4
        ok &= good
        print(f"check {name}: |loss diff| {dl:.2e}, max |grad diff| {dg:.2e} "
              f"{'OK' if good else 'MISMATCH'}")
    return ok


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--lib", choices=["ember", "torch", "numpy_ref"], default="ember")
    p.add_argument("--workload", nargs="*", default=WORKLOADS, choices=WORKLOADS)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--repeat", type=int, default=20)
    p.add_argument("--json", action="store_true")
    p.add_argument("--check", action="store_true",
                   help="compare first-step loss and gradients with torch")
    args = p.parse_args(argv)
    _set_threads(args.threads)
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    if args.lib == "torch":
        import torch
        torch.set_num_threads(args.threads)
    if args.check:
        return 0 if check(args.workload) else 1
    for w in args.workload:
        r = run(args.lib, w, args.repeat)
        rec = {"lib": args.lib, "workload": w, "threads": args.threads}
        if isinstance(r, dict):
            rec.update(r)
        else:
            rec["seconds"] = r
        print(json.dumps(rec) if args.json else
              f"{args.lib:10s} {w:14s} " + (" ".join(f"{k}={v:.3f}" for k, v in r.items())
                                            if isinstance(r, dict) else f"{r * 1e3:.3f} ms"))
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
