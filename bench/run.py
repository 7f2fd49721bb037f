"""ember benchmarks: the same PyTorch-API workload code runs on ember and on torch; a
hand-written NumPy forward+backward reference (``numpy_ref``) shows the limit for a
NumPy-backed framework.

    python bench/run.py --lib ember|torch|numpy_ref [--workload NAME ...] [--threads 1]
                        [--repeat 20] [--json] [--round N] [--check]

Each workload prints one line: library, workload, wall-clock seconds per step (µs/op for
op_overhead) and the CPU time of the process for the same step (``cpu_*``,
``time.process_time``: at one thread it is the work done, less sensitive than wall time to
other processes on a shared machine). ``--stat min`` (the default) reports the best of the
``--repeat`` timings, as ``timeit`` does (the run least disturbed by other processes);
``--stat median`` the median. ``--check`` compares ember with torch for identical
initial weights: first-step loss, every gradient and the parameters after one optimizer step
of each train workload, the op_overhead values and gradients, and one Adam step.
See bench/compare.sh for alternating A/B runs.
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


class Timing(float):
    """Wall-clock seconds per call (the float value) with ``.cpu``, the CPU seconds of this
    process per call, each the ``STAT`` (min or median) over the repeats."""

    def __new__(cls, wall, cpu):
        t = super().__new__(cls, wall)
        t.cpu = cpu
        return t

    def __truediv__(self, k):
        return Timing(float(self) / k, self.cpu / k)

    def __mul__(self, k):
        return Timing(float(self) * k, self.cpu * k)


STAT = {"fn": min}
# the device the workloads run on (--device) and the call that waits for its queued work
DEVICE = {"name": "cpu", "sync": lambda: None}


def set_device(lib, name):
    """Run the workloads on device ``name`` of ``lib``; timings then wait for it."""
    DEVICE["name"] = name
    DEVICE["sync"] = lib.cuda.synchronize if name.startswith("cuda") else (lambda: None)


def _timeit(fn, repeat, warmup=3, inner=1):
    sync = DEVICE["sync"]
    for _ in range(warmup):
        fn()
    sync()
    ts, cs = [], []
    for _ in range(repeat):
        c0 = time.process_time()
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()
        sync()
        ts.append((time.perf_counter() - t0) / inner)
        cs.append((time.process_time() - c0) / inner)
    return Timing(STAT["fn"](ts), STAT["fn"](cs))


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

    def to(self, device):
        self.lstm.to(device)
        self.head.to(device)
        return self

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
    dev = DEVICE["name"]
    return lib.tensor(x).to(dev), lib.tensor(y).to(dev)


def train_step_fn(lib, name, phases=False):
    """One training step of workload ``name`` on ``lib`` as a no-argument callable (which
    returns the loss); with ``phases`` the callable returns the CPU seconds
    (``time.process_time``) of its three phases instead: ``(forward, backward, optimizer)``,
    the forward including ``zero_grad`` and the loss."""
    shape, build = SHAPES[name]
    lib.manual_seed(0)
    model = build(lib)
    if DEVICE["name"] != "cpu":
        model = model.to(DEVICE["name"])
    opt = lib.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    x, y = _data(lib, shape)
    F = lib.nn.functional

    def step():
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss

    def timed():
        clock = time.process_time
        t0 = clock()
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        t1 = clock()
        loss.backward()
        t2 = clock()
        opt.step()
        t3 = clock()
        return t1 - t0, t2 - t1, t3 - t2
    return timed if phases else step


def op_calls(lib, kind, n):
    """``n`` calls on 4x4 tensors: ``a * b`` with grad (``"fwd"``), under ``no_grad``
    (``"no_grad"``), or ``(a * b).sum().backward()`` (``"fwd_bwd"``), as one callable."""
    a = lib.ones(4, 4, requires_grad=True, device=DEVICE["name"])
    b = lib.ones(4, 4, device=DEVICE["name"])

    def fwd():
        for _ in range(n):
            a * b

    def nograd():
        with lib.no_grad():
            fwd()

    def fwdbwd():
        for _ in range(n):
            (a * b).sum().backward()

    return {"fwd": fwd, "no_grad": nograd, "fwd_bwd": fwdbwd}[kind]


def op_overhead(lib, repeat, n=2000):
    return {"fwd_us": _timeit(op_calls(lib, "fwd", n), repeat) / n * 1e6,
            "no_grad_us": _timeit(op_calls(lib, "no_grad", n), repeat) / n * 1e6,
            "fwd_bwd_us": _timeit(op_calls(lib, "fwd_bwd", n // 10), repeat) / (n // 10) * 1e6}


def matmul_1024(lib, repeat):
    a = lib.randn(1024, 1024, device=DEVICE["name"])
    b = lib.randn(1024, 1024, device=DEVICE["name"])
    return _timeit(lambda: a @ b, repeat)


def adam_step_fn(lib):
    """One Adam step over 200 parameters of 64x64 with fixed gradients, as a callable."""
    lib.manual_seed(0)
    dev = DEVICE["name"]
    ps = [lib.randn(64, 64, requires_grad=True, device=dev) for _ in range(200)]
    for p in ps:
        p.grad = lib.randn(64, 64, device=dev)
    return lib.optim.Adam(ps, lr=1e-3).step


def adam_step(lib, repeat):
    return _timeit(adam_step_fn(lib), repeat)


def import_time(name, repeat):
    """``import <lib>`` in fresh interpreters, with bytecode caches in place (as for any
    installed package: a first, untimed import writes them even where the environment sets
    PYTHONDONTWRITEBYTECODE)."""
    mod = "torch" if name == "torch" else ("numpy" if name == "numpy_ref" else "ember")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run([sys.executable, "-c", f"import {mod}"], env=env, check=True,
                   capture_output=True)
    ts, cs = [], []
    for _ in range(max(3, repeat // 4)):
        out = subprocess.run([sys.executable, "-c",
                              f"import time; c=time.process_time(); t=time.perf_counter(); "
                              f"import {mod}; "
                              f"print(time.perf_counter()-t, time.process_time()-c)"],
                             capture_output=True, text=True, check=True, env=env)
        wall, cpu = out.stdout.split()
        ts.append(float(wall))
        cs.append(float(cpu))
    return Timing(STAT["fn"](ts), STAT["fn"](cs))


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


def _close(a, b, tol):
    import numpy as np
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    scale = max(1.0, float(np.abs(b).max()) if b.size else 1.0)
    return float(np.abs(a - b).max()) / scale if a.size else 0.0


def _check_train(name, torch, ember):
    """One SGD-momentum step of a train workload on both libraries from the same weights:
    (loss diff, max grad diff, max param diff after the step), relative to magnitude, on
    ``--device``."""
    shape, build = SHAPES[name]
    torch.manual_seed(0)
    dev = DEVICE["name"]
    tm = build(torch).to(dev)
    em = build(ember).to(dev)
    tparams = list(tm.parameters())
    eparams = list(em.parameters())
    if [tuple(p.shape) for p in tparams] != [tuple(p.shape) for p in eparams]:
        raise SystemExit(f"check {name}: parameter shapes differ between ember and torch")
    with ember.no_grad():
        for e, t in zip(eparams, tparams):
            e.copy_(ember.tensor(t.detach().cpu().numpy()).to(dev))
    topt = torch.optim.SGD(tparams, lr=0.01, momentum=0.9)
    eopt = ember.optim.SGD(eparams, lr=0.01, momentum=0.9)
    xe, ye = _data(ember, shape)
    xt, yt = _data(torch, shape)
    diffs = [0.0, 0.0, 0.0]
    for k in range(2):                 # two steps: the second uses the momentum buffers
        eopt.zero_grad()
        topt.zero_grad()
        le = ember.nn.functional.cross_entropy(em(xe), ye)
        lt = torch.nn.functional.cross_entropy(tm(xt), yt)
        le.backward()
        lt.backward()
        if k == 0:
            diffs[0] = abs(le.item() - lt.item())
            diffs[1] = max(_close(e.grad.cpu().numpy(), t.grad.cpu().numpy(), 0)
                           for e, t in zip(eparams, tparams))
        eopt.step()
        topt.step()
    diffs[2] = max(_close(e.detach().cpu().numpy(), t.detach().cpu().numpy(), 0)
                   for e, t in zip(eparams, tparams))
    return diffs


def _check_op(torch, ember):
    import numpy as np
    x = np.random.default_rng(1).standard_normal((4, 4)).astype(np.float32)
    ae, be_ = ember.tensor(x, requires_grad=True), ember.tensor(x[::-1].copy())
    at, bt = torch.tensor(x, requires_grad=True), torch.tensor(x[::-1].copy())
    ye, yt = ae * be_, at * bt
    ye.sum().backward()
    yt.sum().backward()
    d = _close(ye.detach().numpy(), yt.detach().numpy(), 0)
    return [0.0, max(d, _close(ae.grad.numpy(), at.grad.numpy(), 0)), d]


def _check_adam(torch, ember):
    import numpy as np
    rng = np.random.default_rng(2)
    ws = [rng.standard_normal((64, 64)).astype(np.float32) for _ in range(20)]
    gs = [rng.standard_normal((64, 64)).astype(np.float32) for _ in range(20)]
    pe = [ember.tensor(w, requires_grad=True) for w in ws]
    pt = [torch.tensor(w, requires_grad=True) for w in ws]
    oe, ot = ember.optim.Adam(pe, lr=1e-3), torch.optim.Adam(pt, lr=1e-3)
    for _ in range(3):
        for p, g in zip(pe, gs):
            p.grad = ember.tensor(g)
        for p, g in zip(pt, gs):
            p.grad = torch.tensor(g)
        oe.step()
        ot.step()
    return [0.0, 0.0, max(_close(e.detach().numpy(), t.detach().numpy(), 0)
                          for e, t in zip(pe, pt))]


def check(workloads, tol=1e-4):
    """ember vs torch from identical initial weights: loss, gradients, parameters after an
    optimizer step (train workloads), op values/gradients, Adam parameters. Differences are
    absolute for the loss and relative to max(1, |torch value|) for arrays."""
    import torch
    import ember
    ok = True
    for name in workloads:
        if name in SHAPES:
            dl, dg, dp = _check_train(name, torch, ember)
        elif name == "op_overhead":
            dl, dg, dp = _check_op(torch, ember)
        elif name == "adam_step":
            dl, dg, dp = _check_adam(torch, ember)
        else:
            continue
        good = dl < tol and dg < tol and dp < tol
        ok &= good
        print(f"check {name:13s}: |loss diff| {dl:.2e}, max grad diff {dg:.2e}, "
              f"max param/value diff after step {dp:.2e} {'OK' if good else 'MISMATCH'}")
    return ok


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--lib", choices=["ember", "torch", "numpy_ref"], default="ember")
    p.add_argument("--workload", nargs="*", default=WORKLOADS, choices=WORKLOADS)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--device", default="cpu",
                   help="device of the workloads (cpu, cuda); timings wait for the device "
                        "(lib.cuda.synchronize) before reading the clock")
    p.add_argument("--repeat", type=int, default=20)
    p.add_argument("--json", action="store_true")
    p.add_argument("--stat", choices=["min", "median"], default="min",
                   help="statistic over the repeats (default: min, as timeit)")
    p.add_argument("--label", default=None,
                   help="name recorded in --json output instead of --lib (e.g. ember@before)")
    p.add_argument("--round", type=int, default=0,
                   help="round number recorded in --json output (bench/compare.sh)")
    p.add_argument("--check", action="store_true",
                   help="compare first-step loss and gradients with torch")
    p.add_argument("--print-workloads", action="store_true",
                   help="print the selected workloads, one per line, and exit "
                        "(bench/compare.sh)")
    args = p.parse_args(argv)
    if args.print_workloads:
        print("\n".join(args.workload))
        return 0
    STAT["fn"] = min if args.stat == "min" else statistics.median
    _set_threads(args.threads)
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    if args.lib == "torch":
        import torch
        torch.set_num_threads(args.threads)
    if args.device != "cpu":
        if args.lib == "numpy_ref":
            p.error("--lib numpy_ref runs on the cpu only")
        set_device(_lib(args.lib), args.device)
    if args.check:
        return 0 if check(args.workload) else 1
    for w in args.workload:
        r = run(args.lib, w, args.repeat)
        rec = {"lib": args.label or args.lib, "workload": w, "threads": args.threads,
               "round": args.round, "stat": args.stat, "device": args.device}
        if isinstance(r, dict):
            for k, v in r.items():
                rec[k] = float(v)
                rec["cpu_" + k] = v.cpu
        else:
            rec["seconds"] = float(r)
            rec["cpu_seconds"] = r.cpu
        print(json.dumps(rec) if args.json else
              f"{args.lib:10s} {w:14s} " + (
                  " ".join(f"{k}={v:.3f} (cpu {v.cpu:.3f})" for k, v in r.items())
                  if isinstance(r, dict) else f"{r * 1e3:.3f} ms (cpu {r.cpu * 1e3:.3f} ms)"))
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
