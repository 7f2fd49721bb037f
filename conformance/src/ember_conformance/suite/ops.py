"""The shared op case table (``ember.testing.all_cases()``) on the device under test.

``test_value``: outputs against the cpu reference, per case and dtype; ``test_grad``:
gradients of ``sum(w * op(x))`` against the cpu's; ``test_fd``: gradients against central
finite differences in float64 (``ember.autograd.gradcheck``); ``test_gradgrad``: second
derivatives where the case declares ``gradgrad``. Dtypes the device does not declare, and
optional kernels it does not offer, are skipped with the reason.
"""

import pytest

import ember
from ember.backend import OPTIONAL, MissingPrimitive

from ember_conformance import harness as H
from ember_conformance.plugin import state


def _floating(d):
    return d.is_floating_point or d.is_complex


def pytest_generate_tests(metafunc):
    st = state(metafunc.config)
    name = metafunc.function.__name__
    cases = H.cases() if st is not None else []
    if name == "test_value":
        params = [(c, d) for c in cases for d in c.dtypes]
    elif name == "test_grad":
        params = [(c, d) for c in cases if c.grad for d in c.dtypes if _floating(d)]
    elif name == "test_fd":
        params = [c for c in cases if c.grad and not c.skip_fd and ember.float64 in c.dtypes]
    elif name == "test_gradgrad":
        params = [c for c in cases if c.gradgrad and ember.float64 in c.dtypes]
    else:
        return
    if not params and st is not None:
        # nothing to run: one test that says so, rather than a silent gap
        metafunc.parametrize("case,dtype" if name in ("test_value", "test_grad") else "case",
                             [(None, None)] if name in ("test_value", "test_grad") else [None],
                             ids=["no-case"])
        return
    if name in ("test_value", "test_grad"):
        metafunc.parametrize("case,dtype", params,
                             ids=[f"{c.id}-{d.name}" for c, d in params])
    else:
        metafunc.parametrize("case", params, ids=[c.id for c in params])


def _require(device, case, dtype, kind=""):
    if case is None:
        pytest.skip(f"no op case of ember.testing.all_cases() asks for this check{kind}")
    be, _ = H.backend_of(device)
    missing = sorted(d.name for d in H.needed_dtypes(case, dtype) if d not in be.dtypes())
    if missing:
        pytest.skip(f"device {device!r} does not declare dtype(s) {', '.join(missing)} "
                    f"(backend.dtypes())")


def _run(device, fn, *args):
    be, _ = H.backend_of(device)
    try:
        fn(*args)
    except H.CaseSkip as e:
        pytest.skip(str(e))
    except MissingPrimitive as e:
        for k in OPTIONAL:
            if f"'{k}'" in str(e) and not callable(getattr(be, k, None)):
                pytest.skip(f"backend {be.name!r} declares no optional {k!r} kernel: {e}")
        raise


def test_value(ember_device, case, dtype):
    _require(ember_device, case, dtype)
    _run(ember_device, H.check_value, case, dtype, ember_device)


def test_grad(ember_device, case, dtype):
    _require(ember_device, case, dtype)
    _run(ember_device, H.check_grad, case, dtype, ember_device)


def test_fd(ember_device, case, request):
    _require(ember_device, case, ember.float64)
    fast = state(request.config).fd == "fast"
    _run(ember_device, H.check_fd, case, ember_device, fast)


def test_gradgrad(ember_device, case, request):
    _require(ember_device, case, ember.float64, " (none declares gradgrad=True)")
    fast = state(request.config).fd == "fast"
    _run(ember_device, H.check_gradgrad, case, ember_device, fast)
