"""Tests of the conformance plugin itself and of the fake two-device backend
(``fakedev``, registered by hand: it is not an installed distribution)."""

import os
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))


@pytest.fixture(scope="session")
def fake_devices():
    """Register the fake backend (devices ``fake:0``, ``fake:1`` and ``fakebug``) once."""
    import ember
    import fakedev
    from ember._plugins import registry
    if "fake" not in registry().backends:
        ember.register_plugin(fakedev, name="fakedev")
    return "fake"


def _subprocess(args, cwd, timeout=300):
    env = dict(os.environ)
    env["PYTHONPATH"] = HERE + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("PYTEST_ADDOPTS", None)
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=cwd,
                          env=env, timeout=timeout)


@pytest.fixture
def conformance(tmp_path):
    """``conformance(*args)``: ``python -m ember_conformance *args`` in a subprocess (cwd:
    a fresh temporary directory) that can import ``fakedev``."""
    def run(*args):
        return _subprocess(["-m", "ember_conformance", *args, "-p", "no:cacheprovider"],
                           tmp_path)
    return run


@pytest.fixture
def python(tmp_path):
    """``python(source)``: run Python source in a subprocess that can import ``fakedev``."""
    def run(source):
        path = tmp_path / "snippet.py"
        path.write_text(source)
        return _subprocess([str(path)], tmp_path)
    return run
