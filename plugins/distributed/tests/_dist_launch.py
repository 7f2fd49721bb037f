"""Helpers for the ember-distributed tests: start a worker under MPI and read its results."""

import json
import os
import subprocess
import sys

import pytest

WORKERS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "workers")
TIMEOUT = 120


def run_ranks(cmd, out_dir, world=2):
    """Run ``cmd`` (which starts ``world`` ranks that write ``rank<r>.json`` into
    ``out_dir``); return the per-rank check results. Fails the test with the output."""
    env = dict(os.environ, PYTHONHASHSEED="0", OMP_NUM_THREADS="1")
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT, env=env)
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"{cmd} did not finish in {TIMEOUT} s:\n{exc.stdout}\n{exc.stderr}")
    if proc.returncode != 0:
        pytest.fail(f"{cmd} exited with {proc.returncode}:\n{proc.stdout}\n{proc.stderr}")
    results = []
    for r in range(world):
        with open(os.path.join(out_dir, f"rank{r}.json")) as f:
            results.append(json.load(f))
    return results


def python():
    return sys.executable
