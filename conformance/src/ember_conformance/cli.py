"""``python -m ember_conformance --device DEV [options] [pytest args]``.

Options of the runner (everything else goes to pytest unchanged, e.g. ``-k erf``, ``-x``,
``-q``, ``--tb=short``):

``--device DEV``        the device to test, found through the ``ember`` entry-point group
``--xfail-file PATH``   known failures (default: ``conformance-xfail.toml`` in the cwd)
``--report PATH``       write a JSON report (results by op x dtype x kind)
``--sample one-dtype``  run each op case in one dtype instead of all of them
``--fd full``           whole-Jacobian finite differences instead of random projections
``--register MODULE``   register MODULE as an ember plugin first (an uninstalled backend)
``--cases MODULE``      run the ``CASES`` of MODULE too
``--shard K/N``         run the K-th of N interleaved parts (N processes side by side; each
                        prints its own closing line and writes its own report)
``--list-dtypes``       probe which dtypes really work on the device, print them, exit
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

__all__ = ["main", "probe_dtypes"]

SUITE = ("ember_conformance.suite.ops", "ember_conformance.suite.semantics")


def _parser():
    p = argparse.ArgumentParser(
        prog="python -m ember_conformance", allow_abbrev=False,   # never take pytest's options
        description="Run ember's conformance suite against a device. Arguments not listed "
                    "here are passed to pytest.")
    p.add_argument("--device", help="the device to test (cpu, strict, cuda:0, mydev)")
    p.add_argument("--xfail-file", dest="xfail_file", metavar="PATH",
                   help="known failures (TOML); default: conformance-xfail.toml in the cwd")
    p.add_argument("--report", metavar="PATH", help="write a JSON report to PATH")
    p.add_argument("--sample", choices=("all", "one-dtype"), default=None,
                   help="one-dtype: each op case in one dtype only (every op still runs)")
    p.add_argument("--fd", choices=("fast", "full"), default=None,
                   help="finite differences: fast random projections (default) or full")
    p.add_argument("--register", action="append", default=[], metavar="MODULE",
                   help="import MODULE and register it as an ember plugin")
    p.add_argument("--cases", action="append", default=[], metavar="MODULE",
                   help="import MODULE and run its CASES too")
    p.add_argument("--shard", metavar="K/N",
                   help="run the K-th of N interleaved parts of the suite (K = 0..N-1)")
    p.add_argument("--list-dtypes", dest="list_dtypes", action="store_true",
                   help="probe each dtype on the device and print what really works")
    return p


def main(argv=None) -> int:
    args, rest = _parser().parse_known_args(argv)
    if not args.device:
        _parser().error("--device is required (e.g. --device cpu)")
    if args.list_dtypes:
        for name in args.register:
            import ember
            ember.register_plugin(importlib.import_module(name), name=name)
        return _print_probe(args.device)
    import pytest
    pargs = ["--ember-device", args.device]
    if args.xfail_file:
        pargs += ["--ember-xfail-file", args.xfail_file]
    if args.report:
        pargs += ["--ember-report", args.report]
    if args.sample:
        pargs += ["--ember-sample", args.sample]
    if args.fd:
        pargs += ["--ember-fd", args.fd]
    for m in args.register:
        pargs += ["--ember-register", m]
    for m in args.cases:
        pargs += ["--ember-cases", m]
    if args.shard:
        pargs += ["--ember-shard", args.shard]
    if os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD"):
        pargs += ["-p", "ember_conformance.plugin"]
    # options of pytest that take a value are passed through as given; the suite's modules
    # are the default targets unless the user names tests
    targets = [] if _names_targets(rest) else ["--pyargs", *SUITE]
    if not any(a == "--rootdir" or a.startswith("--rootdir=") for a in rest):
        # test ids relative to the suite: "ops.py::test_value[elementwise/erf-float32]"
        from . import suite
        pargs += ["--rootdir", os.path.dirname(suite.__file__)]
    return int(pytest.main(pargs + rest + targets))


def _names_targets(rest):
    """True when the pytest arguments already name test files or node ids."""
    return any(("::" in a or a.endswith(".py") or a.startswith("ember_conformance.suite"))
               and not a.startswith("-") for a in rest)


# -- the dtype probe -----------------------------------------------------------------------------

def probe_dtypes(device):
    """For every ember dtype: ``(dtype, declared, error or None)`` after actually creating,
    computing with, reducing, viewing and copying back a tensor of it on ``device``."""
    import ember
    from ember._tensor import _backend_for
    be, _ = _backend_for(device)
    declared = set(be.dtypes())
    out = []
    for d in (ember.bool, ember.uint8, ember.int8, ember.int16, ember.int32, ember.int64,
              ember.float16, ember.bfloat16, ember.float32, ember.float64, ember.complex64,
              ember.complex128):
        try:
            _exercise(ember, d, device)
            err = None
        except Exception as e:
            err = f"{type(e).__name__}: {str(e).strip().splitlines()[0] if str(e) else ''}"
        out.append((d, d in declared, err))
    return out


def _exercise(ember, d, device):
    vals = [[1, 0, 1], [0, 1, 1]] if d is ember.bool else [[1, 2, 3], [4, 5, 6]]
    t = ember.tensor(vals, dtype=d, device=device)
    if t.dtype is not d:
        raise TypeError(f"asked for {d}, got {t.dtype}")
    checks = [
        ("round trip", t.cpu(), ember.tensor(vals, dtype=d)),
        ("full", ember.full((2, 3), 1, dtype=d, device=device).cpu(),
         ember.full((2, 3), 1, dtype=d)),
        ("add", (t + t).cpu() if d is not ember.bool else (t | t).cpu(),
         (ember.tensor(vals, dtype=d) + ember.tensor(vals, dtype=d)) if d is not ember.bool
         else ember.tensor(vals, dtype=d)),
        ("mul", (t * t).cpu(), ember.tensor(vals, dtype=d) * ember.tensor(vals, dtype=d)),
        ("sum", t.sum().cpu(), ember.tensor(vals, dtype=d).sum()),
        ("compare", (t == t).all().cpu(), ember.tensor(True)),
        ("view", t.t()[::2].contiguous().cpu(), ember.tensor(vals, dtype=d).t()[::2]),
    ]
    for name, got, want in checks:
        if got.dtype is not want.dtype or got.tolist() != want.tolist():
            raise AssertionError(f"{name}: got {got.tolist()} ({got.dtype}), expected "
                                 f"{want.tolist()} ({want.dtype})")


def _print_probe(device) -> int:
    try:
        rows = probe_dtypes(device)
    except Exception as e:
        print(f"ember-conformance: cannot use device {device!r}: {type(e).__name__}: {e}",
              file=sys.stderr)
        return 2
    print(f"dtypes on {device!r} (declared: backend.dtypes(); works: created, computed "
          f"with, reduced, viewed and copied back)")
    print(f"{'dtype':<12}{'declared':<10}{'works':<7}note")
    bad = 0
    for d, declared, err in rows:
        works = err is None
        note = ""
        if declared and not works:
            note, bad = f"DECLARED BUT BROKEN: {err}", bad + 1
        elif works and not declared:
            note = "works but not declared"
        elif err:
            note = err
        print(f"{d.name:<12}{'yes' if declared else 'no':<10}{'yes' if works else 'no':<7}"
              f"{note}"[:200])
    return 1 if bad else 0
