"""The checks of ``ember_conformance.checks`` (capabilities, dtypes and promotion, views and
in-place semantics, random numbers, serialization, transfers, errors, optional kernels) on
the device under test."""

import pytest

import ember

from ember_conformance.checks import CHECKS, Unsupported
from ember_conformance.plugin import state

ALL_DTYPES = (ember.bool, ember.uint8, ember.int8, ember.int16, ember.int32, ember.int64,
              ember.float16, ember.bfloat16, ember.float32, ember.float64, ember.complex64,
              ember.complex128)


def pytest_generate_tests(metafunc):
    if metafunc.function.__name__ != "test_check":
        return
    checks = CHECKS if state(metafunc.config) is not None else []
    params, ids = [], []
    for c in checks:
        if c.dtypes is None:
            params.append((c, None))
            ids.append(c.id)
            continue
        for d in ALL_DTYPES:
            if c.dtypes == "float" and not d.is_floating_point:
                continue
            params.append((c, d))
            ids.append(f"{c.id}-{d.name}")
    metafunc.parametrize("chk,dtype", params, ids=ids)


def test_check(ember_device, chk, dtype):
    try:
        if dtype is None:
            chk.fn(ember_device)
        else:
            chk.fn(ember_device, dtype)
    except Unsupported as e:
        pytest.skip(str(e))
