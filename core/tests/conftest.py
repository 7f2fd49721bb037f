import pytest

import ember


@pytest.fixture(autouse=True)
def _seed_and_defaults():
    ember.manual_seed(0)
    prev = ember.get_default_dtype()
    yield
    ember.set_default_dtype(prev)
