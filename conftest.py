"""Repository-wide test setup: every test starts from fixed random seeds (ember's own
conftests seed ember; this also seeds torch, NumPy and Python's random), so reference models
built with torch's default initialisation are deterministic too."""

import random
import sys

import pytest


@pytest.fixture(autouse=True)
def _fixed_seeds():
    random.seed(0)
    np = sys.modules.get("numpy")
    if np is not None:
        np.random.seed(0)
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.manual_seed(0)
    yield
