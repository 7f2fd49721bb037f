"""SummaryWriter: event files that the tensorboard package reads back."""

import os
import struct

import numpy as np
import pytest

import ember
from ember.utils.tensorboard import SummaryWriter

ea_mod = pytest.importorskip("tensorboard.backend.event_processing.event_accumulator")


def load(path):
    acc = ea_mod.EventAccumulator(str(path), size_guidance={"tensors": 0, "scalars": 0,
                                                            "histograms": 0})
    acc.Reload()
    return acc


def test_crc32c_known_values():
    from ember_data.tensorboard._record import crc32c, frame, masked_crc32c
    assert crc32c(b"") == 0
    assert crc32c(b"123456789") == 0xE3069283          # the CRC-32C check value
    assert crc32c(bytes(32)) == 0x8A9136AA              # RFC 3720 test vector
    rec = frame(b"abc")
    assert struct.unpack("<Q", rec[:8])[0] == 3 and rec[12:15] == b"abc"
    assert struct.unpack("<I", rec[15:])[0] == masked_crc32c(b"abc")


def test_scalars_read_back(tmp_path):
    with SummaryWriter(tmp_path, flush_secs=1) as w:
        for step in range(5):
            w.add_scalar("train/loss", 1.0 / (step + 1), step, walltime=100.0 + step)
        w.add_scalar("acc", ember.tensor(0.75), global_step=ember.tensor(7))
        w.add_scalar("big_step", 2.0, 2 ** 40)
        w.add_scalar("neg", -3.5, -1)
        w.add_scalar("new", 0.125, 3, new_style=True)
        w.add_scalar("new64", 1 / 3, 3, new_style=True, double_precision=True)
        assert w.get_logdir() == tmp_path
    files = os.listdir(tmp_path)
    assert len(files) == 1 and files[0].startswith("events.out.tfevents.")
    acc = load(tmp_path)
    loss = acc.Scalars("train/loss")
    assert [e.step for e in loss] == list(range(5))
    np.testing.assert_allclose([e.value for e in loss], [1, 0.5, 1 / 3, 0.25, 0.2], rtol=1e-6)
    assert [e.wall_time for e in loss] == [100.0, 101.0, 102.0, 103.0, 104.0]
    assert [(e.step, e.value) for e in acc.Scalars("acc")] == [(7, 0.75)]
    assert acc.Scalars("big_step")[0].step == 2 ** 40
    assert acc.Scalars("neg")[0].step == -1 and acc.Scalars("neg")[0].value == -3.5
    from tensorboard.util import tensor_util
    new = acc.Tensors("new")[0]
    assert new.step == 3 and float(tensor_util.make_ndarray(new.tensor_proto)) == 0.125
    assert acc.SummaryMetadata("new").plugin_data.plugin_name == "scalars"
    v64 = tensor_util.make_ndarray(acc.Tensors("new64")[0].tensor_proto)
    assert v64.dtype == np.float64 and float(v64) == 1 / 3


def test_add_scalars_histogram_text(tmp_path):
    w = SummaryWriter(str(tmp_path))
    w.add_scalars("loss", {"train": 0.5, "test": 0.75}, 1)
    values = ember.tensor(np.random.RandomState(0).randn(500))
    w.add_histogram("weights", values, 0, bins=8)
    w.add_histogram("default_bins", values, 1)
    w.add_text("note", "**hello**", 2)
    w.close()
    for tag, v in (("train", 0.5), ("test", 0.75)):
        sub = load(tmp_path / f"loss_{tag}")
        assert [(e.step, e.value) for e in sub.Scalars("loss")] == [(1, v)]
    acc = load(tmp_path)
    h = acc.Histograms("weights")[0].histogram_value
    counts, edges = np.histogram(values.numpy(), bins=8)
    assert h.num == 500 and h.min == pytest.approx(edges[0]) and h.max == pytest.approx(edges[-1])
    assert h.sum == pytest.approx(values.numpy().sum())
    assert h.sum_squares == pytest.approx((values.numpy() ** 2).sum())
    assert list(h.bucket) == [0.0] + counts.tolist()
    np.testing.assert_allclose(h.bucket_limit, edges, rtol=1e-12)
    d = acc.Histograms("default_bins")[0].histogram_value
    assert sum(d.bucket) == 500 and len(d.bucket) > 50
    text = acc.Tensors("note/text_summary")[0].tensor_proto.string_val
    assert text == [b"**hello**"]
    with pytest.raises(RuntimeError, match="closed"):
        w.add_scalar("late", 1.0, 0)


def test_purge_step_and_errors(tmp_path):
    w = SummaryWriter(tmp_path, purge_step=3, filename_suffix=".x")
    w.add_scalar("a", 1.0, 3)
    w.close()
    assert os.listdir(tmp_path)[0].endswith(".x")
    assert load(tmp_path).Scalars("a")[0].value == 1.0
    w = SummaryWriter(tmp_path / "b")
    with pytest.raises(ValueError, match="single number"):
        w.add_scalar("v", ember.zeros(2), 0)
    with pytest.raises(ValueError, match="NaN or infinite"):
        w.add_histogram("h", [1.0, float("nan")], 0)
    w.close()
