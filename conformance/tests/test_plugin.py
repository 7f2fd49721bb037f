"""The conformance plugin itself: closing line, JSON report, known-failures file (known
failures, stale entries, unused entries, bad files), reproductions, sampling, the dtype
probe. Runs use ``python -m ember_conformance`` in subprocesses on small selections; the
``fakebug`` device (conformance/tests/fakedev) has deliberate bugs (``erf`` off by 1e-3,
``tanh`` 1% too large)."""

import json
import re

import numpy as np
import pytest

import ember
from ember.testing import all_cases
from ember_conformance.repro import case_repro, check_repro
from ember_conformance.checks import CHECKS
from ember_conformance.xfail import XfailFileError, glob_to_regex, load_xfail_file

CLOSING = re.compile(r"^conformance: (\d+) passed, (\d+) failed, (\d+) skipped$")


def closing(stdout):
    last = stdout.strip().splitlines()[-1]
    m = CLOSING.match(last)
    assert m, f"the last line is not the closing line: {last!r}"
    return tuple(int(g) for g in m.groups())


def test_closing_line_report_and_default_xfail_file(conformance, tmp_path):
    (tmp_path / "conformance-xfail.toml").write_text(
        '[[xfail]]\npattern = "semantics.py::test_check[no/such/check*]"\n'
        'reason = "an entry that matches nothing"\n')
    r = conformance("--device", "cpu", "--report", "out.json", "-k", "views or promotion",
                    "--pyargs", "ember_conformance.suite.semantics")
    assert r.returncode == 0, r.stdout + r.stderr
    passed, failed, skipped = closing(r.stdout)
    assert passed >= 7 and failed == 0
    # the default file in the cwd was read, and its unused entry warned about
    assert "known failures: conformance-xfail.toml (1 entries)" in r.stdout
    assert "matches no test" in r.stdout and "no/such/check" in r.stdout
    rep = json.loads((tmp_path / "out.json").read_text())
    assert rep["device"] == "cpu" and rep["backend"]["name"] == "cpu"
    # the optional kernels the NumPy backend provides, as named in ember.backend.OPTIONAL
    assert {"adam_step", "sgd_step", "linalg", "fft", "binary_into", "lstm_scan_forward",
            "lstm_scan_backward"} <= set(rep["backend"]["optional_kernels"])
    s = rep["summary"]
    assert (s["passed"], s["failed"], s["skipped"] + s["xfailed"]) == (passed, failed, skipped)
    assert len(rep["results"]) == passed + failed + skipped
    kinds = {r["kind"] for r in rep["results"]}
    assert kinds == {"views", "dtypes"}
    rec = next(x for x in rep["results"] if x["case"] == "views/version_counter")
    assert rec["outcome"] == "passed" and rec["id"] == \
        "semantics.py::test_check[views/version_counter]"
    assert rep["by_op"]["version_counter"]["-"]["views"]["passed"] == 1
    assert rep["xfail_entries"][0]["matched"] == 0


def test_failures_known_failures_stale_entries_and_repro(conformance, python, tmp_path):
    (tmp_path / "known.toml").write_text(
        '[[xfail]]\npattern = "ops.py::test_value[elementwise/erf-*]"\n'
        'reason = "erf is off by 1e-3 on this device"\n\n'
        '[[xfail]]\npattern = "*test_value[elementwise/erf/empty-float32]"\n'
        'reason = "listed although it passes"\n')
    r = conformance("--device", "fakebug", "--register", "fakedev", "--xfail-file",
                    "known.toml", "--report", "out.json", "-k",
                    "(test_value and elementwise/erf and not erfinv) or "
                    "(test_fd and elementwise/tanh)")
    out = r.stdout
    assert r.returncode == 1, out + r.stderr
    # erf/empty-float64 passes; 0d and noncontig (x2 dtypes) fail; erf/empty-float32 passes
    # but is listed: a stale entry, reported as a failure; erf-float32/64 are known failures.
    # tanh: finite differences fail for 3 cases, the empty one passes
    assert closing(out) == (2, 8, 2)
    assert "2 known failures declared in known.toml" in out
    assert "stale xfail entry 2" in out and "now PASSES" in out
    assert "conformance reproduction" in out and "ember.erf(x0)" in out
    rep = json.loads((tmp_path / "out.json").read_text())
    by_case = {(x["case"], x["dtype"]): x for x in rep["results"]}
    assert by_case[("elementwise/erf", "float32")]["outcome"] == "xfailed"
    assert "off by 1e-3" in by_case[("elementwise/erf", "float32")]["message"]
    assert by_case[("elementwise/erf/empty", "float32")]["outcome"] == "failed"
    assert rep["stale_xfail"] == [{"pattern": "*test_value[elementwise/erf/empty-float32]",
                                   "test": "ops.py::test_value[elementwise/erf/empty-float32]"}]
    assert rep["by_op"]["erf"]["float64"]["value"] == {"passed": 1, "failed": 2, "skipped": 0,
                                                        "xfailed": 1}
    bad = by_case[("elementwise/erf/0d", "float64")]
    assert bad["outcome"] == "failed" and "differ" in bad["message"]
    # the reproduction runs as printed (after registering the uninstalled fake device) and
    # shows the device's value next to the cpu's
    src = "import ember, fakedev\nember.register_plugin(fakedev)\n" + bad["repro"]
    assert "# test id (for a known-failures entry): ops.py::test_value[elementwise/erf/0d-" \
           "float64]" in bad["repro"]
    run = python(src)
    assert run.returncode == 0, run.stdout + run.stderr
    got, ref = [float(re.search(r"tensor\(([-0-9.e]+)", ln).group(1))
                for ln in run.stdout.strip().splitlines()]
    assert abs((got - ref) - 1e-3) < 1e-6
    # a finite-differences failure reproduces as a plain ember.autograd.gradcheck call
    fd = by_case[("elementwise/tanh", "float64")]
    assert fd["kind"] == "fd" and fd["outcome"] == "failed"
    assert "ember.autograd.gradcheck(lambda x0: ember.tanh(x0)" in fd["repro"]
    run = python("import ember, fakedev\nember.register_plugin(fakedev)\n" + fd["repro"])
    assert run.returncode == 1 and "GradcheckError" in run.stderr


def test_usage_errors(conformance, tmp_path):
    (tmp_path / "bad.toml").write_text('[[xfail]]\npattern = "ops.py::*"\n')
    r = conformance("--device", "cpu", "--xfail-file", "bad.toml", "--co")
    assert r.returncode == 4 and "needs a non-empty 'reason'" in r.stdout + r.stderr
    r = conformance("--device", "nosuchdevice", "--co")
    assert r.returncode == 4
    assert "nosuchdevice" in r.stdout + r.stderr and "no backend is installed" in \
        r.stdout + r.stderr


def test_sample_one_dtype_keeps_every_case(conformance):
    r = conformance("--device", "cpu", "--sample", "one-dtype", "--co", "-q", "-k",
                    "test_value and elementwise/exp")
    ids = [ln for ln in r.stdout.splitlines() if "::test_value[" in ln]
    names = [ln.split("[", 1)[1].rsplit("-", 1)[0] for ln in ids]
    assert {"elementwise/exp", "elementwise/exp/0d", "elementwise/exp/noncontig",
            "elementwise/exp/empty"} <= set(names)
    assert len(names) == len(set(names)), "a case ran in more than one dtype"
    assert all(ln.endswith("-float32]") for ln in ids), ids
    assert "deselected" in r.stdout


def test_list_dtypes_probes_the_device(conformance):
    r = conformance("--device", "fake", "--register", "fakedev", "--list-dtypes")
    assert r.returncode == 0, r.stdout + r.stderr
    rows = {ln.split()[0]: ln.split()[1:3] for ln in r.stdout.splitlines()[2:]}
    assert rows["float32"] == ["yes", "yes"] and rows["complex128"] == ["yes", "yes"]
    assert rows["float16"] == ["no", "no"] and rows["bfloat16"] == ["no", "no"]


# -- in-process: the reproductions of every kind are valid Python that runs -----------------

def _sample_cases():
    cases = all_cases()
    pick, seen = [], set()
    for c in cases:
        traits = (c.group, c.post is not None, c.op.startswith("Tensor."),
                  any(isinstance(a, (list, tuple)) for a in c.args), bool(c.kwargs))
        if traits not in seen:
            seen.add(traits)
            pick.append(c)
    return pick


@pytest.mark.parametrize("kind", ["value", "grad", "fd"])
def test_case_repro_runs(kind):
    n = 0
    for case in _sample_cases():
        if kind != "value" and (not case.grad or case.skip_fd or
                                ember.float64 not in case.dtypes):
            continue
        dtype = case.dtypes[-1] if kind == "value" else ember.float64
        src = case_repro(case, dtype, "cpu", kind)
        compile(src, f"<repro {case.id}>", "exec")
        ns = {}
        try:
            exec(src, ns)
        except Exception as e:
            raise AssertionError(f"repro of {case.id} ({kind}) failed: {e}\n{src}") from e
        n += 1
    assert n >= 10


def test_check_repro_is_self_contained():
    chk = next(c for c in CHECKS if c.id == "views/writes_visible_through_views")
    src = check_repro(chk, "cpu")
    assert src.splitlines()[-1] == "check_writes_visible_through_views('cpu')"
    exec(src, {})
    chk = next(c for c in CHECKS if c.id == "transfer/to_and_from_cpu")
    src = check_repro(chk, "cpu", ember.int16)
    assert src.splitlines()[-1] == "check_to_and_from_cpu('cpu', ember.int16)"
    exec(src, {})


def test_case_repro_literal_inputs_match_the_suite():
    case = next(c for c in all_cases() if c.id == "elementwise/atan2/noncontig")
    src = case_repro(case, ember.float32, "cpu", "value")
    ns = {}
    exec(src.replace("print(", "(lambda *a: None)("), ns)
    from ember_conformance.harness import build, run
    args, _ = build(case, ember.float32, "cpu", grad=False)
    np.testing.assert_array_equal(ns["out"].numpy(), run(case, args).numpy())
    assert not ns["x0"].is_contiguous()


# -- in-process: the known-failures file ------------------------------------------------------

def test_glob_brackets_are_literal():
    rx = glob_to_regex("ops.py::test_value[elementwise/erf-*]")
    assert rx.fullmatch("ops.py::test_value[elementwise/erf-float32]")
    assert not rx.fullmatch("ops.py::test_value[elementwise/erf/0d-float32]")
    assert glob_to_regex("*erf?0d*").fullmatch("ops.py::test_value[elementwise/erf/0d-x]")


@pytest.mark.parametrize("text,msg", [
    ("[[xfail]]\nreason = 'r'\n", "non-empty string 'pattern'"),
    ("[[xfail]]\npattern = 'a'\nreason = ''\n", "non-empty 'reason'"),
    ("[[xfail]]\npattern = 'a'\nreason = 'r'\nwhy = 1\n", "unknown keys ['why']"),
    ("[known]\npattern = 'a'\n", "unknown top-level keys"),
    ("[[xfail]\n", "not valid TOML"),
])
def test_bad_files_name_the_problem(tmp_path, text, msg):
    p = tmp_path / "x.toml"
    p.write_text(text)
    with pytest.raises(XfailFileError, match=re.escape(msg)):
        load_xfail_file(str(p))


def test_entries_in_order():
    f = load_xfail_file(None)
    assert f.entries == [] and f.find("anything") is None


def test_shards_partition_the_suite(conformance):
    def ids(*extra):
        r = conformance("--device", "cpu", "--co", "-q", "-k", "elementwise/exp", *extra)
        assert r.returncode == 0, r.stdout + r.stderr
        return [ln for ln in r.stdout.splitlines() if "::" in ln]
    whole = ids()
    parts = [ids("--shard", f"{k}/3") for k in range(3)]
    assert len(whole) > 6 and all(parts)
    assert sorted(sum(parts, [])) == sorted(whole)
    assert not set(parts[0]) & set(parts[1])
    r = conformance("--device", "cpu", "--co", "--shard", "3/3")
    assert r.returncode == 4 and "expected K/N with 0 <= K < N" in r.stdout + r.stderr
