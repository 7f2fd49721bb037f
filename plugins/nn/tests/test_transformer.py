"""scaled_dot_product_attention, MultiheadAttention and the Transformer modules against
PyTorch (values and gradients, identical weights copied through the state dict)."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import given, settings, strategies as st

import ember
import ember.nn as nn
from nn_compare import E, close
import ember.nn.functional as F

pytestmark = [pytest.mark.filterwarnings("ignore:Support for mismatched"),
              pytest.mark.filterwarnings("ignore:enable_nested_tensor is True")]


def twin(torch_cls, ember_cls, *args, **kwargs):
    torch.manual_seed(0)
    t = torch_cls(*args, **kwargs).double()
    e = ember_cls(*args, **kwargs).double()
    assert list(e.state_dict()) == list(t.state_dict())
    e.load_state_dict({k: E(v) for k, v in t.state_dict().items()})
    return t, e


def check_param_grads(t, e, tol=1e-10):
    tp = dict(t.named_parameters())
    for name, p in e.named_parameters():
        assert p.grad is not None, name
        close(p.grad, tp[name].grad, tol)


def rnd(*shape, seed=0):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed),
                       dtype=torch.float64)


# -- scaled_dot_product_attention -------------------------------------------------------------

@settings(max_examples=25, deadline=None)
@given(batch=st.sampled_from([(), (2,), (2, 3)]), L=st.integers(1, 4), S=st.integers(1, 5),
       Ed=st.integers(1, 4), Ev=st.integers(1, 3),
       mask=st.sampled_from([None, "bool", "float", "causal", "bool_bcast"]),
       scale=st.sampled_from([None, 0.3]))
def test_sdpa_matches_torch(batch, L, S, Ed, Ev, mask, scale):
    q, k, v = rnd(*batch, L, Ed, seed=1), rnd(*batch, S, Ed, seed=2), rnd(*batch, S, Ev, seed=3)
    qt, kt, vt = (x.clone().requires_grad_() for x in (q, k, v))
    qe, ke, ve = (E(x, True) for x in (q, k, v))
    kw_t, kw_e = {}, {}
    if mask == "causal":
        kw_t["is_causal"] = kw_e["is_causal"] = True
    elif mask == "bool":
        m = torch.rand(L, S, generator=torch.Generator().manual_seed(4)) > 0.4
        kw_t["attn_mask"], kw_e["attn_mask"] = m, E(m)
    elif mask == "bool_bcast":
        m = torch.rand(*batch[-1:], 1, S, generator=torch.Generator().manual_seed(5)) > 0.3
        kw_t["attn_mask"], kw_e["attn_mask"] = m, E(m)
    elif mask == "float":
        m = rnd(L, S, seed=6)
        kw_t["attn_mask"] = m.clone().requires_grad_()
        kw_e["attn_mask"] = E(m, True)
    ot = TF.scaled_dot_product_attention(qt, kt, vt, scale=scale, **kw_t)
    oe = F.scaled_dot_product_attention(qe, ke, ve, scale=scale, **kw_e)
    close(oe, ot)
    w = rnd(*ot.shape, seed=7)
    (ot * w).sum().backward()
    (oe * E(w)).sum().backward()
    for a, b in ((qe, qt), (ke, kt), (ve, vt)):
        close(a.grad, b.grad)
    if mask == "float":
        close(kw_e["attn_mask"].grad, kw_t["attn_mask"].grad)


def test_sdpa_fully_masked_rows_are_zero():
    q, k, v = rnd(1, 2, 3, 4, seed=1), rnd(1, 2, 5, 4, seed=2), rnd(1, 2, 5, 6, seed=3)
    m = torch.ones(3, 5, dtype=torch.bool)
    m[0] = False
    qt, qe = q.clone().requires_grad_(), E(q, True)
    ot = TF.scaled_dot_product_attention(qt, k, v, attn_mask=m)
    oe = F.scaled_dot_product_attention(qe, E(k), E(v), attn_mask=E(m))
    close(oe, ot)
    assert np.all(oe.detach().numpy()[:, :, 0] == 0)
    ot.sum().backward()
    oe.sum().backward()
    close(qe.grad, qt.grad)
    assert np.isfinite(qe.grad.numpy()).all()


def test_sdpa_gqa():
    q, k, v = rnd(2, 4, 3, 5, seed=1), rnd(2, 2, 6, 5, seed=2), rnd(2, 2, 6, 3, seed=3)
    ot = TF.scaled_dot_product_attention(q, k, v, enable_gqa=True)
    oe = F.scaled_dot_product_attention(E(q), E(k), E(v), enable_gqa=True)
    close(oe, ot)


def test_sdpa_dropout():
    ember.manual_seed(0)
    q, k = ember.randn(2, 3, 4), ember.randn(2, 5, 4)
    v = ember.eye(5).expand(2, 5, 5)      # output == dropped attention weights
    attn = F.scaled_dot_product_attention(q, k, v).numpy()
    out = F.scaled_dot_product_attention(q, k, v, dropout_p=0.5).numpy()
    kept = out != 0
    assert 0 < kept.mean() < 1
    np.testing.assert_allclose(out[kept], 2 * attn[kept], rtol=1e-5)
    zero = F.scaled_dot_product_attention(q, k, v, dropout_p=1.0)
    assert float(zero.abs().sum()) == 0


def test_sdpa_errors():
    q = ember.randn(2, 3, 4)
    with pytest.raises(RuntimeError, match="Explicit attn_mask should not be set when "
                                           "is_causal=True"):
        F.scaled_dot_product_attention(q, q, q, attn_mask=ember.ones(3, 3, dtype=ember.bool),
                                       is_causal=True)
    with pytest.raises(RuntimeError, match="Expected query, key, and value to have the same "
                                           "dtype"):
        F.scaled_dot_product_attention(q, q, q.double())
    with pytest.raises(RuntimeError, match="same feature size"):
        F.scaled_dot_product_attention(q, ember.randn(2, 3, 5), q)


# -- MultiheadAttention ------------------------------------------------------------------------

MHA_OPTS = [dict(), dict(bias=False), dict(add_bias_kv=True), dict(add_zero_attn=True),
            dict(kdim=3, vdim=5), dict(batch_first=True), dict(add_bias_kv=True,
                                                                add_zero_attn=True, kdim=3)]


@pytest.mark.parametrize("opts", MHA_OPTS, ids=lambda o: ",".join(o) or "default")
@pytest.mark.parametrize("need_weights,average", [(True, True), (True, False), (False, True)])
def test_mha_matches_torch(opts, need_weights, average):
    t, e = twin(torch.nn.MultiheadAttention, nn.MultiheadAttention, 8, 2, **opts)
    N, L, S = 3, 4, 5
    bf = opts.get("batch_first", False)
    shp = (lambda n, s, f: (n, s, f)) if bf else (lambda n, s, f: (s, n, f))
    q = rnd(*shp(N, L, 8), seed=1)
    k = rnd(*shp(N, S, opts.get("kdim", 8)), seed=2)
    v = rnd(*shp(N, S, opts.get("vdim", 8)), seed=3)
    kpm = torch.zeros(N, S, dtype=torch.bool)
    kpm[1, 3:] = True
    am = rnd(L, S, seed=4)
    ins_t = [x.clone().requires_grad_() for x in (q, k, v)]
    ins_e = [E(x, True) for x in (q, k, v)]
    ot, wt = t(*ins_t, key_padding_mask=kpm, attn_mask=am,
               need_weights=need_weights, average_attn_weights=average)
    oe, we = e(*ins_e, key_padding_mask=E(kpm), attn_mask=E(am), need_weights=need_weights,
               average_attn_weights=average)
    close(oe, ot)
    if need_weights:
        close(we, wt)
        assert tuple(we.shape) == ((N, L, S + opts.get("add_bias_kv", 0)
                                    + opts.get("add_zero_attn", 0)) if average else
                                   (N, 2, L, S + opts.get("add_bias_kv", 0)
                                    + opts.get("add_zero_attn", 0)))
    else:
        assert we is None
    w = rnd(*ot.shape, seed=5)
    lt = (ot * w).sum() + ((wt ** 2).sum() if need_weights else 0)
    le = (oe * E(w)).sum() + ((we ** 2).sum() if need_weights else 0)
    lt.backward()
    le.backward()
    for a, b in zip(ins_e, ins_t, strict=True):
        close(a.grad, b.grad)
    check_param_grads(t, e)


@pytest.mark.parametrize("mask_kind", ["bool2d", "float3d", "bool_kpm_only", "causal"])
def test_mha_masks_and_self_attention(mask_kind):
    t, e = twin(torch.nn.MultiheadAttention, nn.MultiheadAttention, 6, 3, batch_first=True)
    N, L = 2, 4
    x = rnd(N, L, 6, seed=1)
    xt, xe = x.clone().requires_grad_(), E(x, True)
    kw_t, kw_e = {}, {}
    if mask_kind == "bool2d":
        m = torch.rand(L, L, generator=torch.Generator().manual_seed(2)) > 0.6
        m.fill_diagonal_(False)
        kw_t["attn_mask"], kw_e["attn_mask"] = m, E(m)
    elif mask_kind == "float3d":
        m = rnd(N * 3, L, L, seed=3)
        kw_t["attn_mask"], kw_e["attn_mask"] = m, E(m)
    elif mask_kind == "bool_kpm_only":
        m = torch.tensor([[False, False, True, True], [False, True, False, False]])
        kw_t["key_padding_mask"], kw_e["key_padding_mask"] = m, E(m)
    else:
        m = torch.nn.Transformer.generate_square_subsequent_mask(L, dtype=torch.float64)
        kw_t.update(attn_mask=m, is_causal=True, need_weights=False)
        kw_e.update(attn_mask=E(m), is_causal=True, need_weights=False)
    ot, wt = t(xt, xt, xt, **kw_t)
    oe, we = e(xe, xe, xe, **kw_e)
    close(oe, ot)
    if wt is not None:
        close(we, wt)
    ot.sum().backward()
    oe.sum().backward()
    close(xe.grad, xt.grad)
    check_param_grads(t, e)


def test_mha_unbatched_and_eval_dropout():
    t, e = twin(torch.nn.MultiheadAttention, nn.MultiheadAttention, 4, 2, dropout=0.5)
    t.eval()
    e.eval()
    q, k = rnd(3, 4, seed=1), rnd(5, 4, seed=2)
    kpm = torch.tensor([False, False, True, False, False])
    ot, wt = t(q, k, k, key_padding_mask=kpm)
    oe, we = e(E(q), E(k), E(k), key_padding_mask=E(kpm))
    assert tuple(oe.shape) == (3, 4) and tuple(we.shape) == (3, 5)
    close(oe, ot)
    close(we, wt)
    e.train()
    a, _ = e(E(q), E(k), E(k))
    b, _ = e(E(q), E(k), E(k))
    assert not np.allclose(a.detach().numpy(), b.detach().numpy())


def test_mha_functional_form():
    t, e = twin(torch.nn.MultiheadAttention, nn.MultiheadAttention, 8, 4)
    x = rnd(5, 2, 8, seed=1)
    ot, wt = TF.multi_head_attention_forward(
        x, x, x, 8, 4, t.in_proj_weight, t.in_proj_bias, None, None, False, 0.0,
        t.out_proj.weight, t.out_proj.bias, training=False)
    oe, we = F.multi_head_attention_forward(
        E(x), E(x), E(x), 8, 4, e.in_proj_weight, e.in_proj_bias, None, None, False, 0.0,
        e.out_proj.weight, e.out_proj.bias, training=False)
    close(oe, ot)
    close(we, wt)


def test_mha_init_and_errors():
    m = nn.MultiheadAttention(16, 4, add_bias_kv=True)
    bound = math.sqrt(6 / (16 + 48))
    w = m.in_proj_weight.detach().numpy()
    assert np.abs(w).max() <= bound and w.std() > bound / 2
    assert float(m.in_proj_bias.abs().sum()) == 0 and float(m.out_proj.bias.abs().sum()) == 0
    assert tuple(m.bias_k.shape) == (1, 1, 16) and float(m.bias_k.abs().sum()) > 0
    assert repr(m) == repr(torch.nn.MultiheadAttention(16, 4, add_bias_kv=True))
    with pytest.raises(AssertionError, match="embed_dim must be divisible by num_heads"):
        nn.MultiheadAttention(8, 3)
    x = ember.randn(3, 2, 8)
    mha = nn.MultiheadAttention(8, 2)
    with pytest.raises(RuntimeError, match="Need attn_mask if specifying the is_causal hint"):
        mha(x, x, x, is_causal=True)
    with pytest.raises(RuntimeError, match=r"The shape of the 2D attn_mask is .*\[3, 4\].*"
                                           r"should be \(3, 3\)"):
        mha(x, x, x, attn_mask=ember.zeros(3, 4))
    with pytest.raises(AssertionError, match="was expecting embedding dimension of 8"):
        mha(ember.randn(3, 2, 7), x, x)
    with pytest.raises(AssertionError, match="expecting key_padding_mask shape"):
        mha(x, x, x, key_padding_mask=ember.zeros(2, 4, dtype=ember.bool))
    with pytest.raises(AssertionError, match="query should be unbatched 2D or batched 3D"):
        mha(ember.randn(1, 3, 2, 8), x, x)


# -- Transformer -------------------------------------------------------------------------------

def _run_layer(t, e, args_t, args_e, kwargs_t=None, kwargs_e=None):
    ins_t = [a.clone().requires_grad_() for a in args_t]
    ins_e = [E(a, True) for a in args_e]
    ot = t(*ins_t, **(kwargs_t or {}))
    oe = e(*ins_e, **(kwargs_e or {}))
    close(oe, ot)
    w = rnd(*ot.shape, seed=11)
    (ot * w).sum().backward()
    (oe * E(w)).sum().backward()
    for a, b in zip(ins_e, ins_t, strict=True):
        close(a.grad, b.grad)
    check_param_grads(t, e)
    return oe


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("activation", ["relu", "gelu", "callable"])
@pytest.mark.parametrize("batch_first", [False, True])
def test_encoder_layer(norm_first, activation, batch_first):
    act_t = act_e = activation
    if activation == "callable":
        act_t, act_e = torch.tanh, ember.tanh
    torch.manual_seed(0)
    t = torch.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, activation=act_t,
                                         batch_first=batch_first,
                                         norm_first=norm_first).double()
    e = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, activation=act_e,
                                   batch_first=batch_first, norm_first=norm_first).double()
    assert list(e.state_dict()) == list(t.state_dict())
    e.load_state_dict({k: E(v) for k, v in t.state_dict().items()})
    x = rnd(*((2, 5) if batch_first else (5, 2)), 8, seed=1)
    kpm = torch.tensor([[False] * 5, [False, False, False, True, True]])
    mask = torch.nn.Transformer.generate_square_subsequent_mask(5, dtype=torch.float64)
    _run_layer(t, e, [x], [x], dict(src_mask=mask, src_key_padding_mask=kpm),
               dict(src_mask=E(mask), src_key_padding_mask=E(kpm)))


@pytest.mark.parametrize("norm_first", [False, True])
def test_decoder_layer(norm_first):
    t, e = twin(torch.nn.TransformerDecoderLayer, nn.TransformerDecoderLayer, 8, 2, 16,
                dropout=0.0, norm_first=norm_first, activation="gelu")
    tgt, mem = rnd(4, 2, 8, seed=1), rnd(6, 2, 8, seed=2)
    tmask = torch.nn.Transformer.generate_square_subsequent_mask(4, dtype=torch.float64)
    mkpm = torch.tensor([[False] * 6, [False] * 4 + [True] * 2])
    _run_layer(t, e, [tgt, mem], [tgt, mem],
               dict(tgt_mask=tmask, memory_key_padding_mask=mkpm, tgt_is_causal=True),
               dict(tgt_mask=E(tmask), memory_key_padding_mask=E(mkpm), tgt_is_causal=True))


def test_encoder_and_decoder_stacks():
    torch.manual_seed(0)
    tl = torch.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0)
    t = torch.nn.TransformerEncoder(tl, 2, norm=torch.nn.LayerNorm(8),
                                    enable_nested_tensor=False).double()
    el = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0)
    e = nn.TransformerEncoder(el, 2, norm=nn.LayerNorm(8)).double()
    assert list(e.state_dict()) == list(t.state_dict())
    assert e.layers[0].linear1.weight is not e.layers[1].linear1.weight
    e.load_state_dict({k: E(v) for k, v in t.state_dict().items()})
    x = rnd(5, 3, 8, seed=1)
    mask = torch.nn.Transformer.generate_square_subsequent_mask(5, dtype=torch.float64)
    _run_layer(t, e, [x], [x], dict(mask=mask), dict(mask=E(mask)))

    torch.manual_seed(0)
    td = torch.nn.TransformerDecoder(torch.nn.TransformerDecoderLayer(8, 2, 16, dropout=0.0),
                                     2, norm=torch.nn.LayerNorm(8)).double()
    ed = nn.TransformerDecoder(nn.TransformerDecoderLayer(8, 2, 16, dropout=0.0), 2,
                               norm=nn.LayerNorm(8)).double()
    ed.load_state_dict({k: E(v) for k, v in td.state_dict().items()})
    tgt, mem = rnd(4, 3, 8, seed=2), rnd(5, 3, 8, seed=3)
    _run_layer(td, ed, [tgt, mem], [tgt, mem])


@pytest.mark.parametrize("batch_first", [False, True])
def test_transformer_matches_torch(batch_first):
    t, e = twin(torch.nn.Transformer, nn.Transformer, d_model=8, nhead=2, num_encoder_layers=2,
                num_decoder_layers=1, dim_feedforward=12, dropout=0.0,
                batch_first=batch_first)
    S, T, N = 5, 4, 2
    src = rnd(*((N, S) if batch_first else (S, N)), 8, seed=1)
    tgt = rnd(*((N, T) if batch_first else (T, N)), 8, seed=2)
    tmask = torch.nn.Transformer.generate_square_subsequent_mask(T, dtype=torch.float64)
    skpm = torch.tensor([[False] * S, [False] * 3 + [True] * 2])
    kw_t = dict(tgt_mask=tmask, src_key_padding_mask=skpm, memory_key_padding_mask=skpm)
    kw_e = dict(tgt_mask=E(tmask), src_key_padding_mask=E(skpm),
                memory_key_padding_mask=E(skpm))
    _run_layer(t, e, [src, tgt], [src, tgt], kw_t, kw_e)


def test_transformer_eval_and_unbatched():
    t, e = twin(torch.nn.Transformer, nn.Transformer, d_model=8, nhead=2, num_encoder_layers=1,
                num_decoder_layers=1, dim_feedforward=12)
    t.eval()
    e.eval()
    src, tgt = rnd(5, 8, seed=1), rnd(3, 8, seed=2)
    with torch.no_grad():
        ot = t(src, tgt)
    oe = e(E(src), E(tgt))
    assert tuple(oe.shape) == (3, 8)
    close(oe, ot)


def test_transformer_init_mask_and_errors():
    m = nn.Transformer(d_model=16, nhead=4, num_encoder_layers=1, num_decoder_layers=1,
                       dim_feedforward=32)
    w = m.encoder.layers[0].linear1.weight.detach().numpy()
    bound = math.sqrt(6 / (16 + 32))
    assert np.abs(w).max() <= bound and w.std() > bound / 2
    ref = torch.nn.Transformer.generate_square_subsequent_mask(4)
    mask = nn.Transformer.generate_square_subsequent_mask(4)
    assert mask.dtype == ember.float32
    np.testing.assert_array_equal(mask.numpy(), ref.numpy())
    with pytest.raises(RuntimeError, match="the batch number of src and tgt must be equal"):
        m(ember.randn(5, 2, 16), ember.randn(3, 3, 16))
    with pytest.raises(RuntimeError, match="the feature number of src and tgt must be equal "
                                           "to d_model"):
        m(ember.randn(5, 2, 16), ember.randn(3, 2, 8))
    with pytest.raises(RuntimeError, match="activation should be relu/gelu, not tanh"):
        nn.TransformerEncoderLayer(8, 2, activation="tanh")
    layer = nn.TransformerEncoderLayer(8, 2, 16)
    assert repr(layer) == repr(torch.nn.TransformerEncoderLayer(8, 2, 16))
    assert layer.training and layer.dropout.p == 0.1
