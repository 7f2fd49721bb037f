"""RNN, LSTM, GRU, their cells and nn.utils.rnn against PyTorch (values and gradients, with
identical weights copied through the state dict)."""

import math
import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

import ember
import ember.nn as nn
from nn_compare import E, close
from ember.nn.utils.rnn import (PackedSequence, pack_padded_sequence, pack_sequence,
                                pad_packed_sequence, pad_sequence, unpack_sequence,
                                unpad_sequence)

TR = torch.nn.utils.rnn


def twin(torch_cls, ember_cls, *args, **kwargs):
    """The same layer in both libraries (float64), ember's weights copied from torch's."""
    torch.manual_seed(0)
    t = torch_cls(*args, **kwargs).double()
    e = ember_cls(*args, **kwargs).double()
    e.load_state_dict({k: E(v) for k, v in t.state_dict().items()})
    return t, e


def check_param_grads(t, e, tol=1e-10):
    tp = dict(t.named_parameters())
    for name, p in e.named_parameters():
        assert p.grad is not None, name
        close(p.grad, tp[name].grad, tol)


CLASSES = {"RNN": (torch.nn.RNN, nn.RNN), "LSTM": (torch.nn.LSTM, nn.LSTM),
           "GRU": (torch.nn.GRU, nn.GRU)}


def run_both(t, e, x, hx, loss_weights=None):
    """Forward both, backward a random projection of every output; return outputs."""
    xt = x.clone().requires_grad_()
    xe = E(x, True)
    if hx is None:
        ot, ht = t(xt)
        oe, he = e(xe)
    elif isinstance(hx, tuple):
        hxt = tuple(h.clone().requires_grad_() for h in hx)
        hxe = tuple(E(h, True) for h in hx)
        ot, ht = t(xt, hxt)
        oe, he = e(xe, hxe)
    else:
        hxt, hxe = hx.clone().requires_grad_(), E(hx, True)
        ot, ht = t(xt, hxt)
        oe, he = e(xe, hxe)
    close(oe, ot)
    hts = ht if isinstance(ht, tuple) else (ht,)
    hes = he if isinstance(he, tuple) else (he,)
    for a, b in zip(hes, hts, strict=True):
        close(a, b)
    g = torch.Generator().manual_seed(1)
    lt = (ot * torch.randn(ot.shape, generator=g, dtype=ot.dtype)).sum()
    le = (oe * E(torch.randn(ot.shape, generator=torch.Generator().manual_seed(1),
                             dtype=ot.dtype))).sum()
    for a, b in zip(hes, hts, strict=True):
        w = torch.randn(b.shape, generator=g, dtype=b.dtype)
        lt = lt + (b * w).sum()
        le = le + (a * E(w)).sum()
    lt.backward()
    le.backward()
    close(xe.grad, xt.grad)
    if hx is not None:
        for a, b in zip(hxe if isinstance(hx, tuple) else (hxe,),
                        hxt if isinstance(hx, tuple) else (hxt,), strict=True):
            close(a.grad, b.grad)
    check_param_grads(t, e)
    return oe, he


@pytest.mark.parametrize("kind", ["RNN", "RNN_relu", "LSTM", "LSTM_proj", "GRU"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_layers_match_torch(kind, bidirectional):
    cls = CLASSES[kind.split("_")[0]]
    kw = dict(num_layers=2, bidirectional=bidirectional)
    if kind == "RNN_relu":
        kw["nonlinearity"] = "relu"
    if kind == "LSTM_proj":
        kw["proj_size"] = 3
    t, e = twin(*cls, 4, 5, **kw)
    torch.manual_seed(1)
    T, B, D = 6, 3, 2 if bidirectional else 1
    x = torch.randn(T, B, 4, dtype=torch.float64)
    hout = 3 if kind == "LSTM_proj" else 5
    h0 = torch.randn(2 * D, B, hout, dtype=torch.float64)
    hx = (h0, torch.randn(2 * D, B, 5, dtype=torch.float64)) if kind.startswith("LSTM") else h0
    run_both(t, e, x, hx)


@settings(max_examples=15, deadline=None)
@given(kind=st.sampled_from(["RNN", "LSTM", "GRU"]), batch_first=st.booleans(),
       bias=st.booleans(), bidirectional=st.booleans(), layers=st.integers(1, 2),
       T=st.integers(1, 4), B=st.integers(1, 3), given_h=st.booleans())
def test_layer_options(kind, batch_first, bias, bidirectional, layers, T, B, given_h):
    t, e = twin(*CLASSES[kind], 3, 4, num_layers=layers, bias=bias, batch_first=batch_first,
                bidirectional=bidirectional)
    torch.manual_seed(2)
    x = torch.randn(*((B, T) if batch_first else (T, B)), 3, dtype=torch.float64)
    hx = None
    if given_h:
        n = layers * (2 if bidirectional else 1)
        hx = torch.randn(n, B, 4, dtype=torch.float64)
        if kind == "LSTM":
            hx = (hx, torch.randn(n, B, 4, dtype=torch.float64))
    oe, _ = run_both(t, e, x, hx)
    assert oe.shape == ((B, T) if batch_first else (T, B)) + (4 * (1 + bidirectional),)


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_unbatched(kind):
    t, e = twin(*CLASSES[kind], 3, 4, bidirectional=True)
    torch.manual_seed(3)
    x = torch.randn(5, 3, dtype=torch.float64)
    h = torch.randn(2, 4, dtype=torch.float64)
    hx = (h, torch.randn(2, 4, dtype=torch.float64)) if kind == "LSTM" else h
    oe, he = run_both(t, e, x, hx)
    assert oe.shape == (5, 8)
    run_both(t, e, x, None)


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "LSTM_proj", "GRU"])
@pytest.mark.parametrize("enforce_sorted", [True, False])
def test_packed_sequences(kind, enforce_sorted):
    kw = {"proj_size": 2} if kind == "LSTM_proj" else {}
    t, e = twin(*CLASSES[kind.split("_")[0]], 3, 4, num_layers=2, bidirectional=True, **kw)
    lengths = [5, 3, 3, 1] if enforce_sorted else [2, 5, 1, 3]
    torch.manual_seed(4)
    x = torch.randn(5, 4, 3, dtype=torch.float64)
    hout = 2 if kind == "LSTM_proj" else 4
    h0 = torch.randn(4, 4, hout, dtype=torch.float64)
    c0 = torch.randn(4, 4, 4, dtype=torch.float64)
    xt, xe = x.clone().requires_grad_(), E(x, True)
    h0t, h0e = h0.clone().requires_grad_(), E(h0, True)
    c0t, c0e = c0.clone().requires_grad_(), E(c0, True)
    pt = TR.pack_padded_sequence(xt, lengths, enforce_sorted=enforce_sorted)
    pe = pack_padded_sequence(xe, lengths, enforce_sorted=enforce_sorted)
    close(pe.data, pt.data)
    assert pe.batch_sizes.tolist() == pt.batch_sizes.tolist()
    lstm = kind.startswith("LSTM")
    ot, ht = t(pt, (h0t, c0t) if lstm else h0t)
    oe, he = e(pe, (h0e, c0e) if lstm else h0e)
    assert isinstance(oe, PackedSequence)
    close(oe.data, ot.data)
    padt, lent = TR.pad_packed_sequence(ot, batch_first=True)
    pade, lene = pad_packed_sequence(oe, batch_first=True)
    close(pade, padt)
    assert lene.tolist() == lent.tolist() == lengths
    hts = ht if lstm else (ht,)
    hes = he if lstm else (he,)
    for a, b in zip(hes, hts, strict=True):
        close(a, b)
    w = torch.randn(padt.shape, dtype=torch.float64)
    lt = (padt * w).sum() + sum((h * (i + 1)).sum() for i, h in enumerate(hts))
    le = (pade * E(w)).sum() + sum((h * (i + 1)).sum() for i, h in enumerate(hes))
    lt.backward()
    le.backward()
    close(xe.grad, xt.grad)
    close(h0e.grad, h0t.grad)
    if lstm:
        close(c0e.grad, c0t.grad)
    check_param_grads(t, e)


@pytest.mark.parametrize("kind", ["LSTM", "GRU", "RNN"])
def test_double_backward(kind):
    t, e = twin(*CLASSES[kind], 2, 3, bidirectional=True)
    torch.manual_seed(5)
    x = torch.randn(3, 2, 2, dtype=torch.float64)
    xt, xe = x.clone().requires_grad_(), E(x, True)
    ot, _ = t(xt)
    oe, _ = e(xe)
    (gt,) = torch.autograd.grad((ot ** 2).sum(), xt, create_graph=True)
    (ge,) = ember.autograd.grad((oe ** 2).sum(), xe, create_graph=True)
    close(ge, gt)
    (gt ** 2).sum().backward()
    (ge ** 2).sum().backward()
    close(xe.grad, xt.grad)
    check_param_grads(t, e)


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_dropout_between_layers(kind):
    # p=1 zeroes the first layer's output in training: deterministic, comparable to torch
    t, e = twin(*CLASSES[kind], 3, 4, num_layers=2, dropout=1.0)
    torch.manual_seed(6)
    x = torch.randn(4, 2, 3, dtype=torch.float64)
    run_both(t, e, x, None)
    t.eval()
    e.eval()
    assert not e.training
    run_both(t, e, x, None)


def test_dropout_is_random_in_training_only():
    e = nn.GRU(3, 8, num_layers=2, dropout=0.5)
    x = ember.randn(4, 2, 3)
    a, _ = e(x)
    b, _ = e(x)
    assert not np.allclose(a.detach().numpy(), b.detach().numpy())
    e.eval()
    a, _ = e(x)
    b, _ = e(x)
    np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())


@pytest.mark.parametrize("kind", ["RNNCell", "RNNCell_relu", "LSTMCell", "GRUCell"])
@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize("bias", [True, False])
def test_cells(kind, batched, bias):
    name = kind.split("_")[0]
    kw = {"nonlinearity": "relu"} if kind.endswith("relu") else {}
    t, e = twin(getattr(torch.nn, name), getattr(nn, name), 3, 4, bias=bias, **kw)
    torch.manual_seed(7)
    shape = (2,) if batched else ()
    x = torch.randn(*shape, 3, dtype=torch.float64)
    h = torch.randn(*shape, 4, dtype=torch.float64)
    c = torch.randn(*shape, 4, dtype=torch.float64)
    xt, xe = x.clone().requires_grad_(), E(x, True)
    ht, he = h.clone().requires_grad_(), E(h, True)
    ct, ce = c.clone().requires_grad_(), E(c, True)
    if name == "LSTMCell":
        (h1t, c1t), (h1e, c1e) = t(xt, (ht, ct)), e(xe, (he, ce))
        close(c1e, c1t)
        lt, le = (h1t * 2 + c1t ** 2).sum(), (h1e * 2 + c1e ** 2).sum()
    else:
        h1t, h1e = t(xt, ht), e(xe, he)
        lt, le = (h1t ** 2).sum(), (h1e ** 2).sum()
    close(h1e, h1t)
    assert tuple(h1e.shape) == tuple(h1t.shape)
    lt.backward()
    le.backward()
    close(xe.grad, xt.grad)
    close(he.grad, ht.grad)
    if name == "LSTMCell":
        close(ce.grad, ct.grad)
    check_param_grads(t, e)
    # default hidden state is zeros
    out_t = t(xt)
    out_e = e(xe)
    for a, b in zip(out_e if name == "LSTMCell" else (out_e,),
                    out_t if name == "LSTMCell" else (out_t,), strict=True):
        close(a, b)


def test_float32_lstm_close_to_torch():
    torch.manual_seed(8)
    t = torch.nn.LSTM(8, 16, batch_first=True)
    e = nn.LSTM(8, 16, batch_first=True)
    e.load_state_dict({k: E(v) for k, v in t.state_dict().items()})
    x = torch.randn(3, 7, 8) * 4
    ot, (ht, ct) = t(x)
    oe, (he, ce) = e(E(x))
    close(oe, ot, 1e-5)
    close(ce, ct, 1e-5)
    assert oe.dtype == ember.float32


def test_state_dict_keys_and_shapes():
    for kw in (dict(num_layers=2, bidirectional=True, proj_size=3), dict(bias=False)):
        t = torch.nn.LSTM(5, 6, **kw)
        e = nn.LSTM(5, 6, **kw)
        assert list(e.state_dict()) == list(t.state_dict())
        assert [tuple(v.shape) for v in e.state_dict().values()] == \
            [tuple(v.shape) for v in t.state_dict().values()]
    for cls in ("RNN", "GRU", "RNNCell", "LSTMCell", "GRUCell"):
        t, e = getattr(torch.nn, cls)(5, 6), getattr(nn, cls)(5, 6)
        assert list(e.state_dict()) == list(t.state_dict())
    e = nn.GRU(5, 6, 2)
    assert [len(w) for w in e.all_weights] == [4, 4]
    assert e.all_weights[1][0] is e.weight_ih_l1


def test_init_distribution():
    e = nn.LSTM(50, 100, num_layers=2)
    k = 1 / math.sqrt(100)
    allw = np.concatenate([p.detach().numpy().ravel() for p in e.parameters()])
    assert np.abs(allw).max() <= k
    assert abs(allw.std() - k / math.sqrt(3)) < 0.01 * k
    assert abs(allw.mean()) < 0.01 * k
    c = nn.GRUCell(10, 64)
    w = c.weight_hh.detach().numpy()
    assert np.abs(w).max() <= 1 / 8 and w.std() > 0.06


def test_repr_matches_torch():
    cases = [("RNN", (10, 20), dict(nonlinearity="relu", num_layers=2, bias=False,
                                    batch_first=True, dropout=0.5, bidirectional=True)),
             ("LSTM", (10, 20), dict(proj_size=5)), ("GRU", (3, 4), {}),
             ("RNNCell", (3, 4), dict(bias=False, nonlinearity="relu")),
             ("LSTMCell", (3, 4), {}), ("GRUCell", (3, 4), dict(bias=False))]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for cls, args, kw in cases:
            assert repr(getattr(nn, cls)(*args, **kw)) == repr(getattr(torch.nn, cls)(*args, **kw))


def test_positional_constructor_arguments():
    e = nn.LSTM(3, 4, 2, False, True, 0.0, True, 2)
    assert (e.num_layers, e.bias, e.batch_first, e.bidirectional, e.proj_size) == \
        (2, False, True, True, 2)
    r = nn.RNN(3, 4, 1, "relu")
    assert r.nonlinearity == "relu" and r.mode == "RNN_RELU"


def test_errors():
    lstm = nn.LSTM(10, 20)
    with pytest.raises(RuntimeError, match="input.size\\(-1\\) must be equal to input_size"):
        lstm(ember.randn(5, 3, 7))
    with pytest.raises(RuntimeError, match=r"Expected hidden\[0\] size \(1, 3, 20\), got "
                                           r"\[2, 3, 20\]"):
        lstm(ember.randn(5, 3, 10), (ember.randn(2, 3, 20), ember.randn(1, 3, 20)))
    with pytest.raises(RuntimeError, match=r"Expected hidden\[1\] size"):
        lstm(ember.randn(5, 3, 10), (ember.randn(1, 3, 20), ember.randn(1, 2, 20)))
    with pytest.raises(ValueError, match="Expected input to be 2D or 3D, got 4D"):
        lstm(ember.randn(2, 2, 2, 10))
    with pytest.raises(ValueError, match="does not match weight dtype"):
        lstm(ember.randn(5, 3, 10, dtype=ember.float64))
    gru = nn.GRU(10, 20)
    with pytest.raises(RuntimeError, match="For batched 3-D input, hx should also be 3-D"):
        gru(ember.randn(5, 3, 10), ember.randn(1, 3))
    with pytest.raises(RuntimeError, match="For unbatched 2-D input, hx should also be 2-D"):
        gru(ember.randn(5, 10), ember.randn(1, 3, 20))
    with pytest.raises(RuntimeError, match=r"Expected hidden size \(1, 3, 20\)"):
        gru(ember.randn(5, 3, 10), ember.randn(1, 4, 20))
    with pytest.raises(ValueError, match="proj_size argument is only supported for LSTM"):
        nn.GRU(3, 4, proj_size=2)
    with pytest.raises(ValueError, match="proj_size has to be smaller than hidden_size"):
        nn.LSTM(3, 4, proj_size=4)
    with pytest.raises(ValueError, match="dropout should be a number in range"):
        nn.LSTM(3, 4, dropout=2)
    with pytest.raises(ValueError, match="hidden_size must be greater than zero"):
        nn.LSTM(3, 0)
    with pytest.raises(TypeError, match="hidden_size should be of type int"):
        nn.LSTM(3, 4.0)
    with pytest.raises(ValueError, match="Unknown nonlinearity 'x'"):
        nn.RNN(3, 4, nonlinearity="x")
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1"):
        nn.LSTM(3, 4, dropout=0.3)
    cell = nn.RNNCell(3, 4)
    with pytest.raises(RuntimeError, match="input has inconsistent input_size: got 5 expected 3"):
        cell(ember.randn(2, 5))
    with pytest.raises(ValueError, match="RNNCell: Expected input to be 1D or 2D, got 3D"):
        cell(ember.randn(2, 2, 3))
    with pytest.raises(RuntimeError, match="Input batch size 2 doesn't match hidden0 batch "
                                           "size 3"):
        cell(ember.randn(2, 3), ember.randn(3, 4))
    with pytest.raises(RuntimeError, match="hidden0 has inconsistent hidden_size"):
        cell(ember.randn(2, 3), ember.randn(2, 5))
    with pytest.raises(TypeError, match="tuple"):
        nn.LSTMCell(3, 4)(ember.randn(2, 3), ember.randn(2, 4))


# -- nn.utils.rnn ---------------------------------------------------------------------------

def test_pad_and_pack_sequence_match_torch():
    torch.manual_seed(9)
    seqs = [torch.randn(n, 2, dtype=torch.float64) for n in (3, 5, 1)]
    es = [E(s, True) for s in seqs]
    ts = [s.clone().requires_grad_() for s in seqs]
    for batch_first in (False, True):
        for side in ("right", "left"):
            close(pad_sequence(es, batch_first, -1.0, side),
                  TR.pad_sequence(ts, batch_first, -1.0, side))
    pe = pack_sequence(es, enforce_sorted=False)
    pt = TR.pack_sequence(ts, enforce_sorted=False)
    close(pe.data, pt.data)
    assert pe.batch_sizes.tolist() == pt.batch_sizes.tolist()
    assert pe.sorted_indices.tolist() == pt.sorted_indices.tolist()
    assert pe.unsorted_indices.tolist() == pt.unsorted_indices.tolist()
    for a, b in zip(unpack_sequence(pe), TR.unpack_sequence(pt), strict=True):
        close(a, b)
    oe, le = pad_packed_sequence(pe, padding_value=7.0, total_length=6)
    ot, lt = TR.pad_packed_sequence(pt, padding_value=7.0, total_length=6)
    close(oe, ot)
    assert le.tolist() == lt.tolist() == [3, 5, 1] and le.dtype == ember.int64
    w = torch.randn(ot.shape, dtype=torch.float64)
    (ot * w).sum().backward()
    (oe * E(w)).sum().backward()
    for a, b in zip(es, ts, strict=True):
        close(a.grad, b.grad)
    with pytest.raises(RuntimeError, match="must be sorted in decreasing order"):
        pack_sequence(es)
    with pytest.raises(ValueError, match="Expected total_length to be at least"):
        pad_packed_sequence(pe, total_length=2)
    padded = pad_sequence(es, batch_first=True)
    for a, b in zip(unpad_sequence(padded, [3, 5, 1], batch_first=True), es, strict=True):
        close(a, b)


def test_pack_padded_sequence_checks():
    x = ember.zeros(4, 2, 3)
    with pytest.raises(RuntimeError, match="Expected `len\\(lengths\\)` to be equal"):
        pack_padded_sequence(x, [4, 3, 2])
    with pytest.raises(RuntimeError, match="Length of all samples has to be greater than 0"):
        pack_padded_sequence(x, [4, 0])
    p = pack_padded_sequence(x, ember.tensor([4, 2]))
    assert p.sorted_indices is None and p.unsorted_indices is None
    assert p.batch_sizes.tolist() == [2, 2, 1, 1] and p.data.shape == (6, 3)
    q = p.to(ember.float64)
    assert q.data.dtype == ember.float64 and q.batch_sizes is p.batch_sizes
    assert p.double().data.dtype == ember.float64 and not p.is_cuda
    # a bare (data, batch_sizes) pair, as PyTorch accepts
    r = PackedSequence((p.data, p.batch_sizes))
    assert r.batch_sizes.tolist() == [2, 2, 1, 1]


def test_double_backward_packed_projection():
    t, e = twin(*CLASSES["LSTM"], 2, 3, num_layers=2, bidirectional=True, proj_size=2)
    torch.manual_seed(10)
    x = torch.randn(4, 3, 2, dtype=torch.float64)
    xt, xe = x.clone().requires_grad_(), E(x, True)
    lengths = [2, 4, 1]
    ot, _ = t(TR.pack_padded_sequence(xt, lengths, enforce_sorted=False))
    oe, _ = e(pack_padded_sequence(xe, lengths, enforce_sorted=False))
    (gt,) = torch.autograd.grad((ot.data ** 2).sum(), xt, create_graph=True)
    (ge,) = ember.autograd.grad((oe.data ** 2).sum(), xe, create_graph=True)
    close(ge, gt)
    (gt ** 3).sum().backward()
    (ge ** 3).sum().backward()
    close(xe.grad, xt.grad)
    check_param_grads(t, e)


def test_utils_rnn_namespace():
    assert ember.nn.utils.rnn.pad_sequence is pad_sequence
    from ember.nn.utils import rnn
    assert rnn.PackedSequence is PackedSequence
