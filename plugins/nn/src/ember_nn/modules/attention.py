"""``MultiheadAttention``."""

from __future__ import annotations

import ember
from ember.nn import Module, Parameter

from .. import init
from ..functional.attention import multi_head_attention_forward
from .linear import Linear

__all__ = ["MultiheadAttention"]


class NonDynamicallyQuantizableLinear(Linear):
    """The output projection of ``MultiheadAttention`` (a ``Linear``; the name is PyTorch's,
    so that reprs and checkpoints read the same)."""


class MultiheadAttention(Module):
    """Attention over ``num_heads`` subspaces of the embedding, concatenated and projected:
    ``MultiHead(Q, K, V) = concat(head_1..head_h) W_O`` with
    ``head_i = softmax(Q W_Q^i (K W_K^i)^T / sqrt(d_head)) V W_V^i``.

    Args:
        embed_dim (int): model dimension E (split into ``num_heads`` heads of E/num_heads).
        num_heads (int): parallel heads; must divide ``embed_dim``.
        dropout (float): dropout on the attention weights (training only). Default 0.
        bias (bool): biases on the input and output projections. Default True.
        add_bias_kv (bool): learn one extra key and value appended to every sequence.
        add_zero_attn (bool): append a zero key and value to every sequence.
        kdim, vdim (int): features of key and value (default ``embed_dim``); when they differ
            from ``embed_dim`` the projections are separate (``q_proj_weight`` ...), else one
            ``in_proj_weight`` (3E, E).
        batch_first (bool): inputs and output are (N, L, E) instead of (L, N, E).

    Forward: ``query`` (L, N, E), ``key`` (S, N, kdim), ``value`` (S, N, vdim) (or unbatched
    without N); ``key_padding_mask`` (N, S), ``attn_mask`` (L, S) or (N*num_heads, L, S):
    boolean (True = not allowed to attend) or float (added to the scores);
    ``need_weights``, ``average_attn_weights``, ``is_causal`` (a hint that ``attn_mask`` is
    causal). Returns ``(attn_output (L, N, E), attn_weights (N, L, S) or None)``.

    Parameters (PyTorch's names): ``in_proj_weight``, ``in_proj_bias``, ``out_proj.weight``,
    ``out_proj.bias``, ``bias_k``, ``bias_v``, ``q_proj_weight``, ``k_proj_weight``,
    ``v_proj_weight``; Xavier-uniform projection weights, zero biases.

    Example::

        >>> mha = nn.MultiheadAttention(16, 4, batch_first=True)
        >>> x = ember.randn(2, 5, 16)
        >>> out, w = mha(x, x, x)
        >>> out.shape, w.shape
        (ember.Size([2, 5, 16]), ember.Size([2, 5, 5]))
    """

    __constants__ = ["batch_first"]

    def __init__(self, embed_dim, num_heads, dropout=0.0, bias=True, add_bias_kv=False,
                 add_zero_attn=False, kdim=None, vdim=None, batch_first=False, device=None,
                 dtype=None) -> None:
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError(f"embed_dim and num_heads must be greater than 0, got "
                             f"embed_dim={embed_dim} and num_heads={num_heads} instead")
        super().__init__()
        kw = dict(device=device, dtype=dtype)
        self.embed_dim = embed_dim
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.num_heads = num_heads
        self.dropout = dropout
        self.batch_first = batch_first
        self.head_dim = embed_dim // num_heads
        if self.head_dim * num_heads != embed_dim:
            raise AssertionError("embed_dim must be divisible by num_heads")
        if not self._qkv_same_embed_dim:
            self.q_proj_weight = Parameter(ember.empty((embed_dim, embed_dim), **kw))
            self.k_proj_weight = Parameter(ember.empty((embed_dim, self.kdim), **kw))
            self.v_proj_weight = Parameter(ember.empty((embed_dim, self.vdim), **kw))
            self.register_parameter("in_proj_weight", None)
        else:
            self.in_proj_weight = Parameter(ember.empty((3 * embed_dim, embed_dim), **kw))
            self.register_parameter("q_proj_weight", None)
            self.register_parameter("k_proj_weight", None)
            self.register_parameter("v_proj_weight", None)
        if bias:
            self.in_proj_bias = Parameter(ember.empty(3 * embed_dim, **kw))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = NonDynamicallyQuantizableLinear(embed_dim, embed_dim, bias=bias, **kw)
        if add_bias_kv:
            self.bias_k = Parameter(ember.empty((1, 1, embed_dim), **kw))
            self.bias_v = Parameter(ember.empty((1, 1, embed_dim), **kw))
        else:
            self.bias_k = self.bias_v = None
        self.add_zero_attn = add_zero_attn
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            init.xavier_uniform_(self.q_proj_weight)
            init.xavier_uniform_(self.k_proj_weight)
            init.xavier_uniform_(self.v_proj_weight)
        if self.in_proj_bias is not None:
            init.constant_(self.in_proj_bias, 0.0)
            init.constant_(self.out_proj.bias, 0.0)
        if self.bias_k is not None:
            init.xavier_normal_(self.bias_k)
        if self.bias_v is not None:
            init.xavier_normal_(self.bias_v)

    def forward(self, query, key, value, key_padding_mask=None, need_weights=True,
                attn_mask=None, average_attn_weights=True, is_causal=False):
        batched = query.dim() == 3
        if self.batch_first and batched:
            # keep the identities (query is key is value) that pick the fused projection
            if key is value:
                if query is key:
                    query = key = value = query.transpose(1, 0)
                else:
                    query, key = query.transpose(1, 0), key.transpose(1, 0)
                    value = key
            else:
                query, key, value = (x.transpose(1, 0) for x in (query, key, value))
        out, weights = multi_head_attention_forward(
            query, key, value, self.embed_dim, self.num_heads, self.in_proj_weight,
            self.in_proj_bias, self.bias_k, self.bias_v, self.add_zero_attn, self.dropout,
            self.out_proj.weight, self.out_proj.bias, training=self.training,
            key_padding_mask=key_padding_mask, need_weights=need_weights, attn_mask=attn_mask,
            use_separate_proj_weight=not self._qkv_same_embed_dim,
            q_proj_weight=self.q_proj_weight, k_proj_weight=self.k_proj_weight,
            v_proj_weight=self.v_proj_weight, average_attn_weights=average_attn_weights,
            is_causal=is_causal)
        if self.batch_first and batched:
            out = out.transpose(1, 0)
        return out, weights
