"""Lookup tables: ``embedding``, ``embedding_bag``, ``one_hot`` (``ember.nn.functional``).

``sparse=True`` is accepted for compatibility; ember has no sparse tensors, so the weight's
gradient is always dense.
"""

from __future__ import annotations

import ember
from ember.autograd import Function

__all__ = ["embedding", "embedding_bag", "one_hot"]


def _check_indices(input, num, op):
    if input.dtype not in (ember.int64, ember.int32):
        raise RuntimeError(f"Expected tensor for argument #1 'indices' to have one of the "
                           f"following scalar types: Long, Int; but got {input.dtype} instead "
                           f"(while checking arguments for {op})")
    if input.numel() and bool(((input < 0) | (input >= num)).any()):
        raise IndexError("index out of range in self")


class _Embedding(Function):
    """Row lookup whose weight gradient skips ``padding_idx`` and may be scaled by the inverse
    frequency of each index in the batch."""

    _node_name = "EmbeddingBackward0"

    @staticmethod
    def forward(ctx, weight, idx, padding_idx, scale_grad_by_freq):
        ctx.save_for_backward(idx)
        ctx.num = weight.shape[0]
        ctx.padding_idx = padding_idx
        ctx.scale = scale_grad_by_freq
        return weight[idx]

    @staticmethod
    def backward(ctx, g):
        (idx,) = ctx.saved_tensors
        flat = idx.reshape(-1)
        d = g.shape[-1]
        gf = g.reshape(-1, d)
        if ctx.scale:
            counts = ember.zeros(ctx.num, dtype=g.dtype, device=g.device).index_add_(
                0, flat, ember.ones(flat.shape[0], dtype=g.dtype, device=g.device))
            gf = gf / counts[flat].unsqueeze(1)
        if ctx.padding_idx is not None:
            gf = gf * (flat != ctx.padding_idx).to(g.dtype).unsqueeze(1)
        gw = ember.zeros((ctx.num, d), dtype=g.dtype, device=g.device).index_add(0, flat, gf)
        return gw, None, None, None


def _renorm_(weight, idx, max_norm, norm_type):
    """Rescale (in place, without grad) the rows of ``weight`` used by ``idx`` whose
    ``norm_type``-norm exceeds ``max_norm``."""
    with ember.no_grad():
        flat = idx.reshape(-1)
        rows = weight[flat]
        norms = rows.norm(norm_type, dim=1, keepdim=True)
        scale = ember.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0)
        weight[flat] = rows * scale


def _padding_idx(padding_idx, num):
    if padding_idx is None:
        return None
    if padding_idx > 0:
        if padding_idx >= num:
            raise AssertionError("Padding_idx must be within num_embeddings")
    elif padding_idx < 0:
        if padding_idx < -num:
            raise AssertionError("Padding_idx must be within num_embeddings")
        padding_idx = num + padding_idx
    return padding_idx


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0,
              scale_grad_by_freq=False, sparse=False):
    """Look up rows of ``weight`` by the indices in ``input``.

    Args:
        padding_idx (int, optional): this row receives no gradient.
        max_norm (float, optional): rows used are first renormalised in place to this
            ``norm_type``-norm if larger.
        scale_grad_by_freq (bool): scale row gradients by the inverse frequency of the
            index in the batch.

    Shape: input ``(*)`` (int64/int32), weight ``(V, D)`` -> ``(*, D)``.

    Example::

        >>> F.embedding(ember.tensor([[0, 2]]), ember.eye(3)).shape
        ember.Size([1, 2, 3])
    """
    if weight.dim() != 2:
        raise RuntimeError(f"'weight' must be 2-D, got shape {list(weight.shape)}")
    num = weight.shape[0]
    padding_idx = _padding_idx(padding_idx, num)
    _check_indices(input, num, "embedding")
    if max_norm is not None:
        _renorm_(weight, input, max_norm, norm_type)
    return _Embedding.apply(weight, input, padding_idx, scale_grad_by_freq)


def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2,
                  scale_grad_by_freq=False, mode="mean", sparse=False,
                  per_sample_weights=None, include_last_offset=False, padding_idx=None):
    """Sums, averages or takes the maximum of bags of embeddings without materialising the
    per-index lookups per bag.

    ``input`` is ``(B, L)`` (B bags of L indices, ``offsets`` None) or 1-D with ``offsets``
    ``(B,)`` giving where each bag starts (``include_last_offset``: ``(B + 1,)`` with the end).
    Indices equal to ``padding_idx`` are left out (an empty bag gives zeros).
    ``per_sample_weights`` (input's shape) scales each lookup, with ``mode='sum'`` only.

    Shape: -> ``(B, D)``.

    Example::

        >>> w = ember.arange(6.).reshape(3, 2)
        >>> F.embedding_bag(ember.tensor([0, 1, 2]), w, ember.tensor([0, 2]), mode="sum")
        tensor([[2., 4.],
                [4., 5.]])
    """
    if weight.dim() != 2:
        raise ValueError(f"weight has to be a 2D Tensor, but got Tensor of dimension "
                         f"{weight.dim()}")
    if mode not in ("sum", "mean", "max"):
        raise ValueError(f"mode has to be one of sum, mean or max, got {mode!r}")
    if per_sample_weights is not None:
        if mode != "sum":
            raise NotImplementedError(f"embedding_bag: per_sample_weights was not None. "
                                      f"per_sample_weights is only supported for mode='sum' "
                                      f"(got mode='{mode}'). Please open a feature request on "
                                      f"GitHub.")
        if per_sample_weights.shape != input.shape:
            raise ValueError(f"embedding_bag: If per_sample_weights ({per_sample_weights.shape}) "
                             f"is not None, then it must have the same shape as the input "
                             f"({input.shape})")
    num = weight.shape[0]
    padding_idx = _padding_idx(padding_idx, num)
    dev = weight.device
    if input.dim() == 2:
        if offsets is not None:
            raise ValueError("if input is 2D, then offsets has to be None, as input is treated "
                             "is a mini-batch of fixed length sequences. However, found offsets "
                             f"of type {type(offsets).__name__}")
        B, L = input.shape
        flat = input.reshape(-1)
        bag = ember.arange(B, device=dev).repeat_interleave(L) if L else flat
        if per_sample_weights is not None:
            per_sample_weights = per_sample_weights.reshape(-1)
    elif input.dim() == 1:
        if offsets is None:
            raise ValueError("offsets has to be a 1D Tensor but got None")
        if offsets.dim() != 1:
            raise ValueError("offsets has to be a 1D Tensor")
        flat = input
        offs = offsets.to(ember.int64)
        if include_last_offset:
            offs = offs[:-1]
        B = offs.shape[0]
        T = flat.shape[0]
        if B and T:
            marks = ember.zeros(T + 1, dtype=ember.int64, device=dev).index_add_(
                0, offs.clamp(max=T), ember.ones(B, dtype=ember.int64, device=dev))
            bag = marks[:T].cumsum(0) - 1
        else:
            bag = ember.zeros(T, dtype=ember.int64, device=dev)
        if include_last_offset and B and T:
            # indices at or after the last offset belong to no bag
            end = offsets[-1].to(ember.int64)
            keep_tail = ember.arange(T, device=dev) < end
        else:
            keep_tail = None
    else:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension "
                         f"{input.dim()}")
    _check_indices(flat, num, "embedding_bag")
    if max_norm is not None:
        _renorm_(weight, flat, max_norm, norm_type)
    D = weight.shape[1]
    emb = embedding(flat, weight, None, None, norm_type, scale_grad_by_freq)   # (T, D)
    keep = None
    if padding_idx is not None:
        keep = flat != padding_idx
    if input.dim() == 1 and keep_tail is not None:
        keep = keep_tail if keep is None else keep & keep_tail
    bag = bag.clamp(min=0)
    if per_sample_weights is not None:
        emb = emb * per_sample_weights.unsqueeze(1)
    if mode == "max":
        neg = ember.full((B, D), float("-inf"), dtype=weight.dtype, device=dev)
        if keep is not None:
            emb = ember.where(keep.unsqueeze(1), emb, float("-inf"))
        idx = bag.unsqueeze(1).expand(bag.shape[0], D)
        out = neg.scatter_reduce(0, idx, emb, "amax", include_self=True)
        return ember.where(out == float("-inf"), 0.0, out) if B else out
    if keep is not None:
        emb = emb * keep.unsqueeze(1).to(emb.dtype)
    out = ember.zeros((B, D), dtype=weight.dtype, device=dev).index_add(0, bag, emb)
    if mode == "mean":
        ones = (keep.to(weight.dtype) if keep is not None else
                ember.ones(bag.shape[0], dtype=weight.dtype, device=dev))
        counts = ember.zeros(B, dtype=weight.dtype, device=dev).index_add_(0, bag, ones)
        out = out / counts.clamp(min=1).unsqueeze(1)
    return out


def one_hot(tensor, num_classes=-1):
    """``(*)`` int64 class indices -> ``(*, num_classes)`` int64 one-hot vectors
    (``num_classes=-1``: the largest index + 1).

    Example::

        >>> F.one_hot(ember.tensor([0, 2]), 3)
        tensor([[1, 0, 0],
                [0, 0, 1]])
    """
    if tensor.dtype is not ember.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if tensor.numel() == 0:
        if num_classes <= 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        return ember.zeros(tuple(tensor.shape) + (num_classes,), dtype=ember.int64,
                           device=tensor.device)
    lo = int(tensor.min())
    if lo < 0:
        raise RuntimeError("Class values must be non-negative.")
    if num_classes == -1:
        num_classes = int(tensor.max()) + 1
    elif int(tensor.max()) >= num_classes:
        raise RuntimeError("Class values must be smaller than num_classes.")
    classes = ember.arange(num_classes, device=tensor.device)
    return (tensor.unsqueeze(-1) == classes).to(ember.int64)
