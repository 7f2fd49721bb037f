"""The demo (examples/demo.py, the README's first command) trains to >= 0.95 on Digits."""

import importlib.util
import os

import pytest

import ember

DEMO = os.path.join(os.path.dirname(__file__), "..", "..", "..", "examples", "demo.py")


def load_demo():
    spec = importlib.util.spec_from_file_location("ember_demo", DEMO)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.slow
def test_demo_trains_digits(tmp_path):
    demo = load_demo()
    out = tmp_path / "out"
    res = demo.main(["--epochs", "5", "--out", str(out), "--quiet", "--seed", "0"])
    assert res["accuracy"] >= 0.95
    hist = res["history"]
    assert len(hist) == 5 and hist[-1]["train_loss"] < hist[0]["train_loss"]
    # the plot is a PNG
    with open(res["plot"], "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    # the checkpoint restores a model with the same test accuracy
    state = ember.load(res["checkpoint"])
    model = demo.build_model(1, 8)
    model.load_state_dict(state["model"])
    test = ember.datasets.Digits(train=False)
    loader = ember.utils.data.DataLoader(test, batch_size=512)
    _, acc = demo.evaluate(model, loader, ember.get_default_device(),
                           ember.nn.CrossEntropyLoss())
    assert acc == pytest.approx(res["accuracy"])
    # TensorBoard reads the curves back
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    acc_ev = EventAccumulator(res["tensorboard"])
    acc_ev.Reload()
    accs = [e.value for e in acc_ev.Scalars("epoch/test_accuracy")]
    assert len(accs) == 5 and accs[-1] == pytest.approx(res["accuracy"], abs=1e-6)
    assert len(acc_ev.Scalars("train/loss")) == 5 * len(range(0, 1438, 32))
