"""Attention (``ember.nn.functional``): ``scaled_dot_product_attention`` and
``multi_head_attention_forward`` (the function form of ``nn.MultiheadAttention``).

Masks follow PyTorch, whose two functions use opposite boolean conventions:
``scaled_dot_product_attention`` takes a boolean ``attn_mask`` whose True entries *take part*
in attention, while ``multi_head_attention_forward`` (and the modules built on it) takes
boolean masks whose True entries are *masked out*. Float masks are added to the scores in
both. A query row whose keys are all masked out gets zeros from
``scaled_dot_product_attention`` and NaN from the explicit-weights path of multi-head
attention (``need_weights=True``), as in PyTorch.
"""

from __future__ import annotations

import math

import ember

from .activation import softmax
from .dropout import dropout as _dropout
from .linear import linear

__all__ = ["scaled_dot_product_attention", "multi_head_attention_forward"]

_NEG_INF = float("-inf")


def _name(dt):
    return str(dt).replace("ember.", "")


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0,
                                 is_causal=False, scale=None, enable_gqa=False):
    """``softmax(Q K^T * scale + mask) V`` with optional dropout on the attention weights.

    Args:
        query: (N..., L, E); key: (N..., S, E); value: (N..., S, Ev).
        attn_mask: boolean (True = may attend) or float (added to the scores), broadcastable
            to (N..., L, S).
        dropout_p (float): dropout probability on the attention weights (applied whenever
            > 0, as in PyTorch: pass 0 in evaluation).
        is_causal (bool): query ``i`` attends to keys ``j <= i`` (top-left aligned); do not
            combine with ``attn_mask``.
        scale (float): default ``1 / sqrt(E)``.
        enable_gqa (bool): grouped-query attention: key/value may have fewer heads (dim -3)
            than query, a divisor of it; each key/value head serves a group of query heads.

    Returns: (N..., L, Ev). Example::

        >>> q = k = v = ember.randn(2, 4, 5, 8)               # (batch, heads, seq, dim)
        >>> F.scaled_dot_product_attention(q, k, v, is_causal=True).shape
        ember.Size([2, 4, 5, 8])
    """
    for n, t in (("query", query), ("key", key), ("value", value)):
        if not isinstance(t, ember.Tensor):
            raise TypeError(f"scaled_dot_product_attention(): argument '{n}' must be Tensor, "
                            f"not {type(t).__name__}")
        if t.dim() < 2:
            raise RuntimeError(f"scaled_dot_product_attention(): {n} must be at least 2-D "
                               f"(..., seq, features), got {t.dim()}-D")
    if not (query.dtype == key.dtype == value.dtype):
        raise RuntimeError(f"Expected query, key, and value to have the same dtype, but got "
                           f"query.dtype: {_name(query.dtype)} key.dtype: {_name(key.dtype)} "
                           f"and value.dtype: {_name(value.dtype)} instead.")
    if not query.dtype.is_floating_point:
        raise RuntimeError(f"scaled_dot_product_attention(): expected floating-point inputs, "
                           f"got {query.dtype}")
    if query.shape[-1] != key.shape[-1]:
        raise RuntimeError(f"scaled_dot_product_attention(): query and key must have the same "
                           f"feature size, got query {list(query.shape)} and key "
                           f"{list(key.shape)}")
    if key.shape[-2] != value.shape[-2]:
        raise RuntimeError(f"scaled_dot_product_attention(): key and value must have the same "
                           f"sequence length, got key {list(key.shape)} and value "
                           f"{list(value.shape)}")
    if is_causal and attn_mask is not None:
        raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not be "
                           "set when is_causal=True")
    if not 0.0 <= dropout_p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {dropout_p}")
    if enable_gqa and query.dim() >= 3 and key.dim() >= 3:
        hq, hk, hv = query.shape[-3], key.shape[-3], value.shape[-3]
        if hq % hk or hq % hv:
            raise RuntimeError(f"scaled_dot_product_attention(): with enable_gqa the number of "
                               f"query heads ({hq}) must be a multiple of the key ({hk}) and "
                               f"value ({hv}) heads")
        if hk != hq:
            key = key.repeat_interleave(hq // hk, dim=-3)
        if hv != hq:
            value = value.repeat_interleave(hq // hv, dim=-3)
    L, S = query.shape[-2], key.shape[-2]
    s = 1.0 / math.sqrt(query.shape[-1]) if scale is None else float(scale)
    scores = (query * s).matmul(key.transpose(-2, -1))
    masked = False
    if is_causal:
        allowed = ember.ones((L, S), dtype=ember.bool, device=query.device).tril()
        scores = scores.masked_fill(allowed.logical_not(), _NEG_INF)
    elif attn_mask is not None:
        if attn_mask.dtype == ember.bool:
            scores = scores.masked_fill(attn_mask.logical_not(), _NEG_INF)
        else:
            scores = scores + attn_mask
        masked = True
    if masked:
        # rows with every key masked out give zeros, not NaN (and no NaN gradient)
        dead = scores.amax(-1, keepdim=True) == _NEG_INF
        if bool(dead.any()):
            attn = softmax(scores.masked_fill(dead, 0.0), -1).masked_fill(dead, 0.0)
        else:
            attn = softmax(scores, -1)
    else:
        attn = softmax(scores, -1)
    if dropout_p > 0.0:
        attn = _dropout(attn, dropout_p, True)
    return attn.matmul(value)


def _float_mask(mask, name, like):
    """A boolean mask (True = masked out) as an additive float mask of ``like``'s dtype."""
    if mask is None:
        return None
    if mask.dtype == ember.bool:
        z = ember.zeros(mask.shape, dtype=like.dtype, device=mask.device)
        return z.masked_fill(mask, _NEG_INF)
    if not mask.dtype.is_floating_point:
        raise AssertionError(f"only bool and floating types of {name} are supported")
    return mask


def _pad_last(mask):
    """Append one zero column (a key that is not masked)."""
    if mask is None:
        return None
    z = ember.zeros(tuple(mask.shape[:-1]) + (1,), dtype=mask.dtype, device=mask.device)
    return ember.cat([mask, z], -1)


def _split_heads(x, static, name, BH, head_dim):
    """``x`` ``(S, N, E)`` as ``(N * num_heads, S, head_dim)`` (``BH = N * num_heads``), or
    the given ``static`` keys/values of that shape instead."""
    if static is None:
        return x.reshape(x.shape[0], BH, head_dim).transpose(0, 1)
    if static.shape[0] != BH or static.shape[2] != head_dim:
        raise AssertionError(f"expecting {name} of shape ({BH}, S, {head_dim}), but got "
                             f"{tuple(static.shape)}")
    return static


def _check_shapes(query, key, value, key_padding_mask, attn_mask, num_heads):
    """Check the dims of a batched (3-D) or unbatched (2-D) attention call; True if batched."""
    d = query.dim()
    if d not in (2, 3):
        raise AssertionError(f"query should be unbatched 2D or batched 3D tensor but received "
                             f"{d}-D query tensor")
    kind = "batched (3-D)" if d == 3 else "unbatched (2-D)"
    if key.dim() != d or value.dim() != d:
        raise AssertionError(f"For {kind} `query`, expected `key` and `value` to be {d}-D but "
                             f"found {key.dim()}-D and {value.dim()}-D tensors respectively")
    if key_padding_mask is not None and key_padding_mask.dim() != d - 1:
        raise AssertionError(f"For {kind} `query`, expected `key_padding_mask` to be `None` or "
                             f"{d - 1}-D but found {key_padding_mask.dim()}-D tensor instead")
    if attn_mask is not None and attn_mask.dim() not in (2, 3):
        raise AssertionError(f"For {kind} `query`, expected `attn_mask` to be `None`, 2-D or "
                             f"3-D but found {attn_mask.dim()}-D tensor instead")
    if d == 2 and attn_mask is not None and attn_mask.dim() == 3:
        want = (num_heads, query.shape[0], key.shape[0])
        if tuple(attn_mask.shape) != want:
            raise AssertionError(f"Expected `attn_mask` shape to be {want} but got "
                                 f"{tuple(attn_mask.shape)}")
    return d == 3


def multi_head_attention_forward(query, key, value, embed_dim_to_check, num_heads,
                                 in_proj_weight, in_proj_bias, bias_k, bias_v, add_zero_attn,
                                 dropout_p, out_proj_weight, out_proj_bias, training=True,
                                 key_padding_mask=None, need_weights=True, attn_mask=None,
                                 use_separate_proj_weight=False, q_proj_weight=None,
                                 k_proj_weight=None, v_proj_weight=None, static_k=None,
                                 static_v=None, average_attn_weights=True, is_causal=False):
    """Multi-head attention with explicit weights (what ``nn.MultiheadAttention`` runs).

    Shapes (sequence-first): query (L, N, E) or (L, E); key (S, N, kdim); value (S, N, vdim);
    ``key_padding_mask`` (N, S) / (S,) and ``attn_mask`` (L, S) or (N*num_heads, L, S),
    boolean (True = masked out) or float (added). ``static_k``/``static_v``
    (N*num_heads, S, E/num_heads) replace the projected keys/values.

    Returns ``(attn_output (L, N, E), attn_weights)``; the weights are (N, L, S) averaged
    over heads (``average_attn_weights``) or (N, num_heads, L, S), and None unless
    ``need_weights``. Example::

        >>> mha = nn.MultiheadAttention(8, 2)
        >>> x = ember.randn(5, 3, 8)
        >>> out, w = F.multi_head_attention_forward(
        ...     x, x, x, 8, 2, mha.in_proj_weight, mha.in_proj_bias, None, None, False, 0.0,
        ...     mha.out_proj.weight, mha.out_proj.bias)
        >>> out.shape, w.shape
        (ember.Size([5, 3, 8]), ember.Size([3, 5, 5]))
    """
    batched = _check_shapes(query, key, value, key_padding_mask, attn_mask, num_heads)
    if not batched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    tgt_len, bsz, embed_dim = query.shape
    src_len = key.shape[0]
    key_padding_mask = _float_mask(key_padding_mask, "key_padding_mask", query)
    if is_causal and attn_mask is None:
        raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use the "
                           "Transformer module method `generate_square_subsequent_mask` to "
                           "create this mask.")
    if is_causal and key_padding_mask is None and not need_weights:
        attn_mask = None            # the mask is causal: let attention build it
    else:
        attn_mask = _float_mask(attn_mask, "attn_mask", query)
        is_causal = False
    if embed_dim != embed_dim_to_check:
        raise AssertionError(f"was expecting embedding dimension of {embed_dim_to_check}, but "
                             f"got {embed_dim}")
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise AssertionError(f"embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    if use_separate_proj_weight:
        if tuple(key.shape[:2]) != tuple(value.shape[:2]):
            raise AssertionError(f"key's sequence and batch dims {tuple(key.shape[:2])} do not "
                                 f"match value's {tuple(value.shape[:2])}")
    elif tuple(key.shape) != tuple(value.shape):
        raise AssertionError(f"key shape {tuple(key.shape)} does not match value shape "
                             f"{tuple(value.shape)}")

    # input projections
    if not use_separate_proj_weight:
        if in_proj_weight is None:
            raise AssertionError("use_separate_proj_weight is False but in_proj_weight is None")
        bq = bk = bv = None
        if in_proj_bias is not None:
            bq, bk, bv = in_proj_bias.chunk(3)
        if query is key and key is value:
            q, k, v = linear(query, in_proj_weight, in_proj_bias).chunk(3, -1)
        else:
            wq, wk, wv = in_proj_weight.chunk(3)
            q = linear(query, wq, bq)
            if key is value:
                k, v = linear(key, ember.cat([wk, wv], 0),
                              None if bk is None else ember.cat([bk, bv], 0)).chunk(2, -1)
            else:
                k, v = linear(key, wk, bk), linear(value, wv, bv)
    else:
        for n, w in (("q", q_proj_weight), ("k", k_proj_weight), ("v", v_proj_weight)):
            if w is None:
                raise AssertionError(f"use_separate_proj_weight is True but {n}_proj_weight is "
                                     f"None")
        bq = bk = bv = None
        if in_proj_bias is not None:
            bq, bk, bv = in_proj_bias.chunk(3)
        q = linear(query, q_proj_weight, bq)
        k = linear(key, k_proj_weight, bk)
        v = linear(value, v_proj_weight, bv)

    if attn_mask is not None:
        if attn_mask.dim() == 2:
            if tuple(attn_mask.shape) != (tgt_len, src_len):
                raise RuntimeError(f"The shape of the 2D attn_mask is {attn_mask.shape}, but "
                                   f"should be {(tgt_len, src_len)}.")
            attn_mask = attn_mask.unsqueeze(0)
        elif attn_mask.dim() == 3:
            if tuple(attn_mask.shape) != (bsz * num_heads, tgt_len, src_len):
                raise RuntimeError(f"The shape of the 3D attn_mask is {attn_mask.shape}, but "
                                   f"should be {(bsz * num_heads, tgt_len, src_len)}.")
        else:
            raise RuntimeError(f"attn_mask's dimension {attn_mask.dim()} is not supported")

    if bias_k is not None and bias_v is not None:
        if static_k is not None or static_v is not None:
            raise AssertionError("bias cannot be added to static key." if static_k is not None
                                 else "bias cannot be added to static value.")
        k = ember.cat([k, bias_k.expand(1, bsz, embed_dim)], 0)
        v = ember.cat([v, bias_v.expand(1, bsz, embed_dim)], 0)
        attn_mask = _pad_last(attn_mask)
        key_padding_mask = _pad_last(key_padding_mask)
    elif (bias_k is None) != (bias_v is None):
        raise AssertionError("bias_k and bias_v must both be given or both be None")

    BH = bsz * num_heads
    q = q.reshape(tgt_len, BH, head_dim).transpose(0, 1)
    k = _split_heads(k, static_k, "static_k", BH, head_dim)
    v = _split_heads(v, static_v, "static_v", BH, head_dim)
    if add_zero_attn:
        z = ember.zeros((BH, 1, head_dim), dtype=k.dtype, device=k.device)
        k = ember.cat([k, z], 1)
        v = ember.cat([v, z], 1)
        attn_mask = _pad_last(attn_mask)
        key_padding_mask = _pad_last(key_padding_mask)
    src_len = k.shape[1]

    if key_padding_mask is not None:
        if tuple(key_padding_mask.shape) != (bsz, src_len):
            raise AssertionError(f"expecting key_padding_mask shape of {(bsz, src_len)}, but "
                                 f"got {tuple(key_padding_mask.shape)}")
        kpm = key_padding_mask.reshape(bsz, 1, 1, src_len).expand(bsz, num_heads, 1, src_len)
        kpm = kpm.reshape(BH, 1, src_len)
        attn_mask = kpm if attn_mask is None else attn_mask + kpm

    if not training:
        dropout_p = 0.0

    if need_weights:
        scores = (q * (1.0 / math.sqrt(head_dim))).matmul(k.transpose(-2, -1))
        if attn_mask is not None:
            scores = scores + attn_mask
        weights = softmax(scores, -1)
        if dropout_p > 0.0:
            weights = _dropout(weights, dropout_p, True)
        out = weights.matmul(v)                                   # (BH, L, hd)
        out = out.transpose(0, 1).reshape(tgt_len * bsz, embed_dim)
        out = linear(out, out_proj_weight, out_proj_bias).reshape(tgt_len, bsz, embed_dim)
        weights = weights.reshape(bsz, num_heads, tgt_len, src_len)
        if average_attn_weights:
            weights = weights.mean(1)
        if not batched:
            out, weights = out.squeeze(1), weights.squeeze(0)
        return out, weights

    if attn_mask is not None:
        if attn_mask.shape[0] == 1:
            attn_mask = attn_mask.unsqueeze(0)
        else:
            attn_mask = attn_mask.reshape(bsz, num_heads, -1, src_len)
    q = q.reshape(bsz, num_heads, tgt_len, head_dim)
    k = k.reshape(bsz, num_heads, src_len, head_dim)
    v = v.reshape(bsz, num_heads, src_len, head_dim)
    out = scaled_dot_product_attention(q, k, v, attn_mask, dropout_p, is_causal)
    out = out.permute(2, 0, 1, 3).reshape(bsz * tgt_len, embed_dim)
    out = linear(out, out_proj_weight, out_proj_bias).reshape(tgt_len, bsz, embed_dim)
    if not batched:
        out = out.squeeze(1)
    return out, None
