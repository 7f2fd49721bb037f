"""``ember.mode`` on floating inputs with NaN: the rule in docs/differences.md (NaN sorts last,
every NaN counts once), equal to PyTorch wherever PyTorch's answer does not depend on its sort
(the NaNs come after the other values along ``dim``)."""

import math

import numpy as np
import torch
from hypothesis import given, settings, strategies as st

import ember

NAN = math.nan


@settings(max_examples=25, deadline=None)
@given(rows=st.lists(st.tuples(st.lists(st.integers(0, 3), min_size=0, max_size=8),
                               st.integers(0, 4)), min_size=1, max_size=3).filter(
    lambda r: all(len(v) + k > 0 for v, k in r)))
def test_mode_nan_trailing_matches_torch(rows):
    width = max(len(v) + k for v, k in rows)
    for vals, k in rows:
        x = np.array([float(v) for v in vals] + [NAN] * k + [NAN] * (width - len(vals) - k))
        t = torch.mode(torch.tensor(x))
        e = ember.mode(ember.tensor(x))
        np.testing.assert_equal(e.values.numpy(), t.values.numpy())
        assert e.indices.item() == t.indices.item(), (x, e, t)


def test_mode_nan_rule():
    x = ember.tensor([[NAN, NAN, 1.], [3., 3., NAN, 2., 2., 2.][:3], [NAN, NAN, NAN]])
    r = ember.mode(x, 1)
    np.testing.assert_equal(r.values.numpy(), [1., 3., NAN])
    assert r.indices.tolist() == [2, 1, 0]
    r = ember.mode(ember.tensor([3., 3., NAN, 2., 2., 2.]))
    assert (r.values.item(), r.indices.item()) == (2., 5)
    # NaNs are never grouped: two NaNs do not beat a single value
    r = ember.mode(ember.tensor([NAN, 5., NAN]))
    assert (r.values.item(), r.indices.item()) == (5., 1)
    r = ember.mode(ember.tensor([[NAN, 4.], [NAN, NAN]]), 0, keepdim=True)
    assert r.values.shape == (1, 2)
    np.testing.assert_equal(r.values.numpy(), [[NAN, 4.]])
    assert r.indices.tolist() == [[0, 0]]
