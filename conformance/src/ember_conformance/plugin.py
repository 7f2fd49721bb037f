"""The pytest plugin (registered through the ``pytest11`` entry point ``ember_conformance``).

It stays inert unless ``--ember-device`` is given (``python -m ember_conformance --device X``
passes it): then it resolves the device through ember's plugin registry, loads the
known-failures file (NOTE in ``ember_conformance.xfail``), applies it to the suite's tests
(``ember_conformance.suite``), attaches a reproduction to every failure, writes the JSON
report and prints the closing line ``conformance: N passed, M failed, K skipped`` last.

Options (all also reachable through ``python -m ember_conformance``):

``--ember-device``       the device to test (``cpu``, ``strict``, ``cuda:1``, ``mydev``)
``--ember-xfail-file``   known failures (default: ``conformance-xfail.toml`` in the cwd)
``--ember-report``       write results by op x dtype x kind to this JSON file
``--ember-sample``       ``all`` (default) or ``one-dtype``: each op case in one dtype only
``--ember-fd``           ``fast`` (default, one random projection) or ``full`` Jacobians
``--ember-register``     import a module and register it as an ember plugin (repeatable)
``--ember-cases``        import a module with extra ``CASES`` to run (repeatable)
"""

from __future__ import annotations

import importlib
import json
import os
import warnings

import pytest

from .xfail import XfailFileError, load_xfail_file

__all__ = ["ConformanceWarning", "state"]

DEFAULT_XFAIL = "conformance-xfail.toml"
_STATE = pytest.StashKey["_Session"]()
_ENTRY = pytest.StashKey[object]()
_OUTCOME = pytest.StashKey[dict]()


class ConformanceWarning(pytest.PytestWarning):
    """A problem with the conformance setup that does not fail tests (e.g. an xfail entry
    that matches no test)."""


class _Session:
    def __init__(self, device, backend, canonical, xfail, fd, sample, report, shard=None):
        self.device, self.backend, self.canonical = device, backend, canonical
        self.xfail, self.fd, self.sample, self.report = xfail, fd, sample, report
        self.shard = shard          # (k, n): this process runs every n-th test from the k-th
        self.results = {}           # nodeid -> record
        self.stale = []             # (entry, conformance id)
        self.summary = None


def state(config) -> _Session | None:
    """The conformance session of this pytest run (None when no device was given)."""
    return config.stash.get(_STATE, None)


# -- options and setup -------------------------------------------------------------------------

def pytest_addoption(parser):
    g = parser.getgroup("ember-conformance", "ember device conformance "
                                             "(usually run as python -m ember_conformance)")
    g.addoption("--ember-device", dest="ember_device", default=None, metavar="DEVICE",
                help="run the conformance suite against this ember device")
    g.addoption("--ember-xfail-file", dest="ember_xfail_file", default=None, metavar="PATH",
                help=f"known failures (TOML); default: {DEFAULT_XFAIL} in the cwd if present")
    g.addoption("--ember-report", dest="ember_report", default=None, metavar="PATH",
                help="write a JSON report (results by op x dtype x kind) to PATH")
    g.addoption("--ember-sample", dest="ember_sample", default="all",
                choices=("all", "one-dtype"),
                help="one-dtype: run each op case in one dtype (the first the device "
                     "declares) instead of all")
    g.addoption("--ember-fd", dest="ember_fd", default="fast", choices=("fast", "full"),
                help="finite differences: fast (random projection) or full Jacobians")
    g.addoption("--ember-register", dest="ember_register", action="append", default=[],
                metavar="MODULE", help="import MODULE and register it as an ember plugin "
                                       "(a backend not installed as a distribution)")
    g.addoption("--ember-cases", dest="ember_cases", action="append", default=[],
                metavar="MODULE", help="import MODULE and run its CASES too")
    g.addoption("--ember-shard", dest="ember_shard", default=None, metavar="K/N",
                help="run the K-th of N interleaved parts of the suite (K = 0..N-1), for "
                     "N processes side by side on a slow device")


def parse_shard(text):
    """``"K/N"`` -> ``(K, N)`` with ``0 <= K < N``; a UsageError that shows the form
    otherwise."""
    try:
        k, n = (int(v) for v in str(text).split("/"))
    except ValueError:
        k = n = -1
    if not 0 <= k < n:
        raise pytest.UsageError(f"--shard {text!r}: expected K/N with 0 <= K < N, e.g. "
                                f"--shard 0/4 ... --shard 3/4 for four processes")
    return k, n


def pytest_configure(config):
    device = config.getoption("ember_device", None)
    if not device:
        return
    if getattr(config.option, "numprocesses", None) or hasattr(config, "workerinput"):
        raise pytest.UsageError("ember-conformance runs in one process: results, known "
                                "failures and the closing line are kept there; drop -n/--dist")
    import ember
    from . import harness
    for name in config.getoption("ember_register"):
        try:
            mod = importlib.import_module(name)
        except Exception as e:
            raise pytest.UsageError(f"--ember-register: cannot import {name!r}: "
                                    f"{type(e).__name__}: {e}") from e
        ember.register_plugin(mod, name=name)
    for name in config.getoption("ember_cases"):
        try:
            harness.add_case_module(importlib.import_module(name))
        except ImportError as e:
            raise pytest.UsageError(f"--ember-cases: cannot import {name!r}: {e}") from e
    try:
        be, canon = harness.backend_of(device)
    except Exception as e:
        raise pytest.UsageError(f"ember-conformance: cannot use device {device!r}: "
                                f"{type(e).__name__}: {e}") from e
    path = config.getoption("ember_xfail_file")
    if path is None and os.path.exists(DEFAULT_XFAIL):
        path = DEFAULT_XFAIL
    try:
        xf = load_xfail_file(path)
    except XfailFileError as e:
        raise pytest.UsageError(str(e)) from e
    shard = config.getoption("ember_shard")
    config.stash[_STATE] = _Session(device, be, canon, xf, config.getoption("ember_fd"),
                                    config.getoption("ember_sample"),
                                    config.getoption("ember_report"),
                                    parse_shard(shard) if shard else None)


def pytest_report_header(config):
    st = state(config)
    if st is None:
        return None
    be = st.backend
    lines = [f"ember-conformance: device {st.canonical} (backend {be.name!r}, "
             f"{type(be).__module__}.{type(be).__name__}), dtypes: "
             f"{', '.join(d.name for d in be.dtypes())}",
             f"ember-conformance: known failures: "
             f"{st.xfail.path or 'none'} ({len(st.xfail.entries)} entries)"]
    return lines


@pytest.fixture
def ember_device(request):
    """The device under test (``--ember-device``)."""
    st = state(request.config)
    if st is None:
        pytest.skip("no --ember-device given: run python -m ember_conformance --device DEV")
    return st.device


# -- identifying suite tests -------------------------------------------------------------------

def _is_suite(item) -> bool:
    mod = getattr(item, "module", None)
    return mod is not None and mod.__name__.startswith("ember_conformance.suite")


def conformance_id(item) -> str:
    """``<module file>::<test>[<params>]``, e.g.
    ``ops.py::test_value[elementwise/erf-float32]`` (what pytest prints when run through
    ``python -m ember_conformance``)."""
    return f"{item.path.name}::{item.name}"


def _meta(item):
    """(op, case id, dtype name or None, kind) of a suite test."""
    params = getattr(getattr(item, "callspec", None), "params", {})
    dtype = params.get("dtype")
    dname = dtype.name if dtype is not None else None
    kind = item.originalname.removeprefix("test_")
    if hasattr(params.get("case"), "op"):
        c = params["case"]
        if kind in ("fd", "gradgrad"):
            dname = "float64"
        return c.op, c.id, dname, kind
    if hasattr(params.get("chk"), "group"):
        c = params["chk"]
        return c.name, c.id, dname, c.group
    return item.originalname, item.name, dname, kind


# -- collection: xfail entries and sampling -------------------------------------------------------

@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(session, config, items):
    st = state(config)
    if st is None:
        return
    suite = [it for it in items if _is_suite(it)]
    for it in suite:
        entry = st.xfail.find(conformance_id(it), it.nodeid)
        if entry is not None:
            entry.matched += 1
            it.stash[_ENTRY] = entry
    for e in st.xfail.entries:
        if not e.matched and st.shard is None:    # in a shard, the test may be elsewhere
            warnings.warn(ConformanceWarning(
                f"xfail entry {e.index} {e.pattern!r} in {st.xfail.path} matches no test of "
                f"this run; fix the pattern or remove the entry (ids look like "
                f"'ops.py::test_value[elementwise/erf-float32]')"), stacklevel=2)
    if st.sample == "one-dtype":
        keep, drop = _sample_one_dtype(st, items)
        if drop:
            config.hook.pytest_deselected(items=drop)
            items[:] = keep
    if st.shard is not None:
        k, n = st.shard
        keep, drop = [], []
        for i, it in enumerate(items):
            (keep if i % n == k else drop).append(it)
        if drop:
            config.hook.pytest_deselected(items=drop)
            items[:] = keep


def _sample_one_dtype(st, items):
    """Keep each op case's value/grad tests in one dtype: the first of the case's dtypes the
    device declares (so every op still runs)."""
    declared = set(st.backend.dtypes())
    chosen = {}
    keep, drop = [], []
    for it in items:
        params = getattr(getattr(it, "callspec", None), "params", {})
        if not _is_suite(it) or "case" not in params or "dtype" not in params:
            keep.append(it)
            continue
        case, dtype = params["case"], params["dtype"]
        key = (it.originalname, case.id)
        if key not in chosen:
            ok = [d for d in case.dtypes if d in declared]
            chosen[key] = ok[0] if ok else case.dtypes[0]
        (keep if dtype is chosen[key] else drop).append(it)
    return keep, drop


# -- results ------------------------------------------------------------------------------------

@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    result = yield
    st = state(item.config)
    if st is None or not _is_suite(item):
        return
    rep = result.get_result()
    entry = item.stash.get(_ENTRY, None)
    stale = False
    if entry is not None and rep.when in ("setup", "call"):
        if rep.when == "call" and rep.passed:
            stale = True
            rep.outcome = "failed"
            rep.longrepr = (f"stale xfail entry {entry.index} {entry.pattern!r} in "
                            f"{st.xfail.path}: this test now PASSES; the known failure is "
                            f"fixed, so remove the entry (its reason was: {entry.reason})")
            st.stale.append((entry, conformance_id(item)))
        elif rep.failed:
            rep.outcome = "skipped"
            rep.wasxfail = f"known failure ({st.xfail.path} entry {entry.index}): {entry.reason}"
    repro = None
    if rep.failed and not stale:
        repro = _repro(item, st)
        if repro:
            repro = (f"# test id (for a known-failures entry): {conformance_id(item)}\n"
                     + repro)
            rep.sections.append(("conformance reproduction (copy, paste, run)", repro))
    _record(item, rep, st, repro, entry)


def _repro(item, st):
    from .repro import case_repro, check_repro
    params = getattr(getattr(item, "callspec", None), "params", {})
    try:
        if hasattr(params.get("case"), "op"):
            kind = item.originalname.removeprefix("test_")
            import ember
            return case_repro(params["case"], params.get("dtype", ember.float64), st.device,
                              kind)
        if hasattr(params.get("chk"), "group"):
            return check_repro(params["chk"], st.device, params.get("dtype"))
    except Exception as e:            # never let a reproduction hide the failure
        return f"# (no reproduction: {type(e).__name__}: {e})"
    return None


def _record(item, rep, st, repro, entry):
    rec = st.results.get(item.nodeid)
    if rec is None:
        op, case, dtype, kind = _meta(item)
        rec = st.results[item.nodeid] = {
            "id": conformance_id(item), "nodeid": item.nodeid, "op": op, "case": case,
            "dtype": dtype, "kind": kind, "outcome": None, "message": None}
    if rep.when == "setup" and rep.skipped and not hasattr(rep, "wasxfail"):
        rec["outcome"] = "skipped"
        rec["message"] = _skip_reason(rep)
    elif hasattr(rep, "wasxfail") and rep.skipped:
        rec["outcome"] = "xfailed"
        rec["message"] = rep.wasxfail
    elif rep.failed:
        rec["outcome"] = "failed"
        rec["message"] = _message(rep)
        if repro:
            rec["repro"] = repro
    elif rep.when == "call" and rep.skipped:
        rec["outcome"] = "skipped"
        rec["message"] = _skip_reason(rep)
    elif rep.when == "call" and rep.passed and rec["outcome"] is None:
        rec["outcome"] = "passed"


def _skip_reason(rep):
    lr = rep.longrepr
    if isinstance(lr, tuple) and len(lr) == 3:
        return str(lr[2]).removeprefix("Skipped: ")
    return str(lr)


def _message(rep):
    crash = getattr(getattr(rep, "longrepr", None), "reprcrash", None)
    if crash is not None:
        return crash.message
    return str(rep.longrepr).strip().splitlines()[0] if rep.longrepr else "failed"


def _summary(st):
    counts = {"passed": 0, "failed": 0, "skipped": 0, "xfailed": 0}
    for rec in st.results.values():
        if rec["outcome"] in counts:
            counts[rec["outcome"]] += 1
    return counts


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session, exitstatus):
    st = state(session.config)
    if st is None:
        return
    st.summary = _summary(st)
    if st.report:
        write_report(st, st.report)


def write_report(st, path):
    """The JSON report: the run, every result, and results grouped by op x dtype x kind."""
    import ember
    from ember.backend import OPTIONAL
    by_op = {}
    for rec in st.results.values():
        slot = by_op.setdefault(rec["op"], {}).setdefault(rec["dtype"] or "-", {}) \
            .setdefault(rec["kind"], {"passed": 0, "failed": 0, "skipped": 0, "xfailed": 0})
        if rec["outcome"] in slot:
            slot[rec["outcome"]] += 1
    data = {
        "device": str(st.canonical), "backend": {
            "name": st.backend.name, "class": f"{type(st.backend).__module__}."
                                              f"{type(st.backend).__name__}",
            "dtypes": [d.name for d in st.backend.dtypes()],
            "optional_kernels": [k for k in OPTIONAL
                                 if callable(getattr(st.backend, k, None))]},
        "ember_version": ember.__version__,
        "summary": st.summary or _summary(st),
        "xfail_file": st.xfail.path,
        "xfail_entries": [{"index": e.index, "pattern": e.pattern, "reason": e.reason,
                           "matched": e.matched} for e in st.xfail.entries],
        "stale_xfail": [{"pattern": e.pattern, "test": tid} for e, tid in st.stale],
        "results": sorted(st.results.values(), key=lambda r: r["id"]),
        "by_op": by_op,
    }
    with open(path, "w") as f:
        json.dump(data, f, indent=1, sort_keys=False)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    st = state(config)
    if st is None:
        return
    tr = terminalreporter
    unmatched = [e for e in st.xfail.entries if not e.matched and st.shard is None]
    if st.stale or unmatched:
        tr.section("ember conformance: known-failures file")
        for e, tid in st.stale:
            tr.write_line(f"STALE  entry {e.index} {e.pattern!r} -- {tid} passes; remove it")
        for e in unmatched:
            tr.write_line(f"UNUSED entry {e.index} {e.pattern!r} matches no test")


def pytest_unconfigure(config):
    st = state(config)
    if st is None:
        return
    s = st.summary or _summary(st)
    tw = config.get_terminal_writer()
    if s["xfailed"]:
        tw.line(f"conformance: {s['xfailed']} known failures declared in {st.xfail.path} "
                f"(counted as skipped)")
    if st.report:
        tw.line(f"conformance: report written to {st.report}")
    tw.line(f"conformance: {s['passed']} passed, {s['failed']} failed, "
            f"{s['skipped'] + s['xfailed']} skipped")
