"""save/load round trips, safety, torch interop, safetensors interop, atomicity."""

import io
import os
import pickle
import zipfile

import numpy as np
import pytest
import torch

import ember
from ember.serialization import SerializationError

DTYPES = [ember.float16, ember.bfloat16, ember.float32, ember.float64, ember.int8,
          ember.int16, ember.int32, ember.int64, ember.uint8, ember.bool, ember.complex64,
          ember.complex128]


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.name)
def test_round_trip_every_dtype(tmp_path, dtype):
    x = (ember.arange(12).reshape(3, 4) % 5).to(dtype)
    p = tmp_path / "x.pt"
    ember.save({"x": x, "v": x.t()[1:]}, p)
    r = ember.load(p)
    assert r["x"].dtype is dtype and r["x"].tolist() == x.tolist()
    assert r["v"].tolist() == x.t()[1:].tolist()
    assert r["v"].stride() == x.t()[1:].stride()


def test_shared_storage_stays_shared():
    a = ember.arange(6.0)
    obj = {"a": a, "view": a[2:4], "nested": [a.reshape(2, 3), (1, 2.5, "s", None, True)]}
    buf = io.BytesIO()
    ember.save(obj, buf)
    buf.seek(0)
    r = ember.load(buf)
    r["view"][0] = 100
    assert r["a"][2].item() == 100 and r["nested"][0][0, 2].item() == 100
    assert r["nested"][1] == (1, 2.5, "s", None, True)


def test_state_dict_like_objects_and_numbers():
    from collections import OrderedDict
    sd = OrderedDict(w=ember.randn(2, 2), b=ember.zeros(2))
    state = {"state": {0: {"step": ember.tensor(3.0), "exp_avg": ember.ones(2)}},
             "param_groups": [{"lr": 0.1, "params": [0], "betas": (0.9, 0.999),
                               "eps": float("inf")}]}
    buf = io.BytesIO()
    ember.save({"model": sd, "optim": state}, buf)
    buf.seek(0)
    r = ember.load(buf)
    assert isinstance(r["model"], OrderedDict) and list(r["model"]) == ["w", "b"]
    assert 0 in r["optim"]["state"]           # integer keys survive
    assert r["optim"]["param_groups"][0]["betas"] == (0.9, 0.999)
    assert r["optim"]["param_groups"][0]["eps"] == float("inf")


class Evil:
    def __reduce__(self):
        return (os.system, ("echo pwned > /tmp/ember_pwned",))


def test_malicious_pickle_refused(tmp_path):
    p = tmp_path / "evil.pt"
    ember.save({"x": Evil()}, p)       # not JSON-encodable: stored as pickle
    with pytest.raises(pickle.UnpicklingError, match="weights_only"):
        ember.load(p)
    # a torch-style zip with a malicious data.pkl
    q = tmp_path / "evil_torch.pt"
    with zipfile.ZipFile(q, "w") as z:
        z.writestr("archive/data.pkl", pickle.dumps(Evil()))
    with pytest.raises(pickle.UnpicklingError, match="weights-only"):
        ember.load(q)
    assert not os.path.exists("/tmp/ember_pwned")


def test_reads_torch_checkpoints(tmp_path):
    p = tmp_path / "t.pth"
    sd = {"w": torch.randn(3, 4), "i": torch.arange(5), "h": torch.randn(2).half(),
          "bf": torch.randn(3).bfloat16(), "view": torch.arange(10.0)[2:8:2],
          "nested": {"b": torch.tensor([True, False])}}
    torch.save(sd, p)
    r = ember.load(p)
    for k in ("w", "i", "h", "view"):
        np.testing.assert_array_equal(r[k].numpy(), sd[k].numpy())
    assert r["bf"].float().tolist() == sd["bf"].float().tolist()
    assert r["nested"]["b"].tolist() == [True, False]
    lin = torch.nn.Linear(3, 2)
    torch.save(lin.state_dict(), p)
    r = ember.load(p)
    np.testing.assert_allclose(r["weight"].numpy(), lin.weight.detach().numpy())


def test_safetensors_interop(tmp_path):
    st = pytest.importorskip("safetensors.numpy")
    from ember.utils import safetensors as es
    p = tmp_path / "a.safetensors"
    t = {"a": ember.randn(2, 3), "b": ember.arange(4).to(ember.int32),
         "c": ember.tensor([1.0, 2.0], dtype=ember.bfloat16)}
    es.save_file(t, p, metadata={"k": "v"})
    back = st.load_file(str(p))
    np.testing.assert_array_equal(back["a"], t["a"].numpy())
    np.testing.assert_array_equal(back["b"], t["b"].numpy())
    q = tmp_path / "b.safetensors"
    st.save_file({"x": np.arange(6, dtype=np.float64).reshape(2, 3)}, str(q))
    r = es.load_file(q)
    assert r["x"].dtype is ember.float64 and r["x"].tolist() == [[0, 1, 2], [3, 4, 5]]


def test_map_location(tmp_path):
    p = tmp_path / "m.pt"
    ember.save({"x": ember.ones(2)}, p)
    assert ember.load(p, map_location="cpu")["x"].device == ember.device("cpu")
    assert ember.load(p, map_location={"cpu": "cpu"})["x"].tolist() == [1, 1]
    seen = []
    r = ember.load(p, map_location=lambda t, loc: seen.append(loc) or t * 2)
    assert seen == ["cpu"] and r["x"].tolist() == [2, 2]


def test_crash_during_save_keeps_previous_file(tmp_path):
    p = tmp_path / "ckpt.pt"
    ember.save({"x": ember.ones(3)}, p)
    before = p.read_bytes()

    class Boom:
        def __reduce__(self):
            raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError, match="disk on fire"):
        ember.save({"x": ember.zeros(3), "bad": Boom()}, p)
    assert p.read_bytes() == before
    assert [f.name for f in tmp_path.iterdir()] == ["ckpt.pt"]   # no temp file left


def test_truncated_and_corrupted_files_raise_clearly(tmp_path):
    p = tmp_path / "c.pt"
    ember.save({"x": ember.arange(1000.0)}, p)
    data = p.read_bytes()
    (tmp_path / "trunc.pt").write_bytes(data[: len(data) // 2])
    with pytest.raises(SerializationError, match="trunc.pt"):
        ember.load(tmp_path / "trunc.pt")
    (tmp_path / "junk.pt").write_bytes(b"not a checkpoint at all")
    with pytest.raises(SerializationError, match="junk.pt"):
        ember.load(tmp_path / "junk.pt")
    with pytest.raises(FileNotFoundError):
        ember.load(tmp_path / "missing.pt")


def test_pickling_tensors():
    x = ember.randn(3, 4)[:, 1:]
    y = pickle.loads(pickle.dumps(x))
    assert y.tolist() == x.tolist() and y.stride() == x.stride()
    z = pickle.loads(pickle.dumps(ember.ones(2, requires_grad=True)))
    assert z.requires_grad
