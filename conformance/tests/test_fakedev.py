"""Device mixing, transfers and per-device random streams on the fake two-device backend
(``fake:0``, ``fake:1``; conformance/tests/fakedev), without hardware."""

import io
import json

import numpy as np
import pytest

import ember


@pytest.fixture(autouse=True)
def _fake(fake_devices):
    return fake_devices


def test_two_devices_in_one_op_raise_naming_both():
    a = ember.ones(2, 3, device="fake:0")
    b = ember.ones(2, 3, device="fake:1")
    for fn in (lambda: a + b, lambda: b * a, lambda: a @ b.t(), lambda: ember.cat([a, b]),
               lambda: ember.where(a > 0, a, b), lambda: a.add_(b)):
        with pytest.raises(RuntimeError) as e:
            fn()
        assert "fake:0" in str(e.value) and "fake:1" in str(e.value)


def test_the_fake_backend_itself_refuses_mixed_arrays():
    # the guard behind the core's check: arrays of two indices never meet in a kernel
    from fakedev.backend import DeviceMixError
    be = ember.ones(1, device="fake:0")._storage._be
    a = be.full((2,), 1.0, ember.float32, 0)
    b = be.full((2,), 1.0, ember.float32, 1)
    with pytest.raises(DeviceMixError, match="fake:0 and fake:1"):
        be.add(a, b)


def test_to_other_index_keeps_values_and_lands_there():
    x = ember.arange(12, dtype=ember.float32, device="fake:0").reshape(3, 4)
    y = x.t()[1:].to("fake:1")
    assert y.device == ember.device("fake:1")
    np.testing.assert_array_equal(y.cpu().numpy(), x.cpu().numpy().T[1:])
    # the copy really lives on fake:1: it combines with fake:1 tensors
    z = y + ember.ones(3, 3, device="fake:1")
    np.testing.assert_array_equal(z.cpu().numpy(), x.cpu().numpy().T[1:] + 1)
    back = z.to("fake:0")
    assert back.device == ember.device("fake:0")
    np.testing.assert_array_equal((back - x.t()[1:]).cpu().numpy(), np.ones((3, 3)))
    w = ember.zeros(3, 3, device="fake:1")
    w.copy_(back)                                  # explicit cross-index copy
    np.testing.assert_array_equal(w.cpu().numpy(), back.cpu().numpy())


def test_gradients_cross_indices():
    a = ember.tensor([1.0, 2.0], device="fake:0", requires_grad=True)
    (a.to("fake:1") * ember.tensor([3.0, 4.0], device="fake:1")).sum().backward()
    assert a.grad.device == ember.device("fake:0")
    np.testing.assert_array_equal(a.grad.cpu().numpy(), [3.0, 4.0])


def test_per_device_generators_are_independent():
    g0, g1 = ember.default_generator("fake:0"), ember.default_generator("fake:1")
    g0.manual_seed(5)
    g1.manual_seed(5)
    a = ember.rand(6, device="fake:0").cpu().numpy()
    ember.randn(50, device="fake:0")                  # advances fake:0 only
    b = ember.rand(6, device="fake:1").cpu().numpy()
    np.testing.assert_array_equal(a, b)
    s1 = g1.get_state()
    c = ember.rand(4, device="fake:1").cpu().numpy()
    g0.manual_seed(6)                                 # reseeding fake:0 leaves fake:1 alone
    g1.set_state(s1)
    np.testing.assert_array_equal(ember.rand(4, device="fake:1").cpu().numpy(), c)
    with pytest.raises(RuntimeError):
        ember.rand(2, device="fake:1", generator=ember.Generator("cpu"))


def test_save_load_between_indices():
    t = ember.arange(6, dtype=ember.float64, device="fake:1").reshape(2, 3)
    buf = io.BytesIO()
    ember.save({"t": t}, buf)
    buf.seek(0)
    back = ember.load(buf, map_location="fake:0")["t"]
    assert back.device == ember.device("fake:0")
    np.testing.assert_array_equal((back + ember.zeros(2, 3, dtype=ember.float64,
                                                      device="fake:0")).cpu().numpy(),
                                  t.cpu().numpy())


def test_semantics_suite_passes_on_the_fake_devices(conformance, tmp_path):
    r = conformance("--device", "fake", "--register", "fakedev", "--report", "out.json",
                    "--pyargs", "ember_conformance.suite.semantics")
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-2000:]
    rep = json.loads((tmp_path / "out.json").read_text())
    res = {x["case"]: x for x in rep["results"] if x["dtype"] is None}
    assert res["transfer/between_device_indices"]["outcome"] == "passed"
    assert res["errors/device_mixing_with_cpu"]["outcome"] == "passed"
    assert res["random/seed_all_devices"]["outcome"] == "passed"
    # what the fake device does not declare is skipped, with the reason
    assert res["kernels/linalg_kernel"]["outcome"] == "skipped"
    assert "declares no optional 'linalg' kernel" in res["kernels/linalg_kernel"]["message"]
    f16 = next(x for x in rep["results"] if x["case"] == "dtypes/roundtrip" and
               x["dtype"] == "float16")
    assert f16["outcome"] == "skipped" and "does not declare dtype" in f16["message"]
