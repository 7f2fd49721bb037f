"""``linear`` and ``bilinear`` (``ember.nn.functional``)."""

from __future__ import annotations

import ember
from ember._tensor import _from_native
from ember.autograd import Function

__all__ = ["linear", "bilinear"]


class _Linear(Function):
    """``x @ W^T + b`` as one graph node (the hot path of every MLP).

    Forward, and backward when no graph is being built, call the backend's kernels directly
    (a matmul, an in-place bias add; two matmuls and a sum), skipping the op layer;
    under ``create_graph`` the backward is written in ember ops (differentiable again)."""

    _node_name = "AddmmBackward0"

    @staticmethod
    def forward(ctx, x, w, b):
        ctx.save_for_backward(x, w)
        ctx.has_bias = b is not None
        st = x._storage
        be = st._be
        o, i = w._shape
        ws = w._strides()
        wt = be.view(w._buffer(), (i, o), (ws[1], ws[0]), w._offset)      # W^T, no copy
        out = be.matmul(x._data, wt)
        if b is not None:
            if b._dtype is not x._dtype or len(b._shape) > 1:
                return _from_native(out, be, st.device, x._dtype) + b
            into = getattr(be, "binary_into", None) if be.aliasing else None
            if into is None or not into("add", out, b._data, out):
                out = be.add(out, b._data)
        return _from_native(out, be, st.device, x._dtype)

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        gx = gw = gb = None
        need = ctx.needs_input_grad
        o, i = w.shape
        if ember.is_grad_enabled():                     # create_graph: ember ops
            if need[0]:
                gx = g.matmul(w)
            if need[1]:
                if g.dim() == 1:
                    gw = g.reshape(o, 1).matmul(x.reshape(1, i))
                else:
                    gw = g.reshape(-1, o).t().matmul(x.reshape(-1, i))
            if ctx.has_bias and need[2]:
                gb = g if g.dim() <= 1 else g.reshape(-1, g.shape[-1]).sum(0)
            return gx, gw, gb
        st = g._storage
        be, dev, dt = st._be, st.device, g._dtype
        if need[0]:
            gx = _from_native(be.matmul(g._data, w._data), be, dev, dt)
        if need[1] or (ctx.has_bias and need[2]):
            gc = g if g.is_contiguous() else g.contiguous()
            gbuf, goff = gc._buffer(), gc._offset
            m = gc.numel() // o if o else 0
            if need[1]:
                xc = x if x.is_contiguous() else x.contiguous()
                x2 = be.view(xc._buffer(), (m, i), (i, 1), xc._offset)
                gT = be.view(gbuf, (o, m), (1, o), goff)
                gw = _from_native(be.matmul(gT, x2), be, dev, dt)
            if ctx.has_bias and need[2]:
                g2 = be.view(gbuf, (m, o), (o, 1), goff)
                gb = _from_native(be.sum(g2, (0,), False), be, dev, dt)
        return gx, gw, gb


def _check_linear(input, weight, bias):
    # on the raw shapes/dtypes/devices: this runs for every layer call
    xs, ws = input._shape, weight._shape
    if not xs:
        raise RuntimeError("linear: input must have at least 1 dimension, got a 0-d tensor")
    if len(ws) not in (1, 2):
        raise RuntimeError(f"linear: weight must be 1-D or 2-D, got shape {list(weight.shape)}")
    k = ws[-1]
    if xs[-1] != k:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied "
                           f"({input.numel() // max(input.shape[-1], 1)}x{input.shape[-1]} and "
                           f"{k}x{weight.shape[0] if weight.dim() == 2 else 1}); linear: the "
                           f"last dim of input ({input.shape[-1]}) must equal in_features ({k})")
    if input._dtype is not weight._dtype:
        raise RuntimeError(f"mat1 and mat2 must have the same dtype, but got {input.dtype} and "
                           f"{weight.dtype}")
    di, dw = input._storage.device, weight._storage.device
    if di is not dw and di != dw:
        raise RuntimeError(f"Expected all tensors to be on the same device, but found at least "
                           f"two devices, {input.device} and {weight.device}!")


def linear(input, weight, bias=None):
    """``y = x W^T + b``.

    Shape:
        - input: ``(*, in_features)``; weight: ``(out_features, in_features)`` (or
          ``(in_features,)``); bias: ``(out_features,)`` or ``()``
        - output: ``(*, out_features)``

    Example::

        >>> F.linear(ember.ones(2, 3), ember.ones(4, 3)).shape
        ember.Size([2, 4])
    """
    _check_linear(input, weight, bias)
    if len(weight._shape) == 1:
        out = input.matmul(weight)
        return out + bias if bias is not None else out
    return _Linear.apply(input, weight, bias)


def bilinear(input1, input2, weight, bias=None):
    """``y_k = x1^T A_k x2 + b_k``.

    Shape:
        - input1: ``(*, in1)``, input2: ``(*, in2)`` (same leading dims)
        - weight: ``(out, in1, in2)``, bias: ``(out,)``
        - output: ``(*, out)``
    """
    if weight.dim() != 3:
        raise RuntimeError(f"bilinear(): weight must be 3-D (out, in1, in2), got shape "
                           f"{list(weight.shape)}")
    if input1.shape[:-1] != input2.shape[:-1]:
        raise RuntimeError(f"bilinear(): input batch dimensions do not match: got "
                           f"{list(input1.shape[:-1])} and {list(input2.shape[:-1])}")
    if input1.shape[-1] != weight.shape[1]:
        raise RuntimeError(f"bilinear(): input1 size does not match weight size: got "
                           f"{input1.shape[-1]} but expected {weight.shape[1]}")
    if input2.shape[-1] != weight.shape[2]:
        raise RuntimeError(f"bilinear(): input2 size does not match weight size: got "
                           f"{input2.shape[-1]} but expected {weight.shape[2]}")
    lead = input1.shape[:-1]
    o, i1, i2 = weight.shape
    x1 = input1.reshape(-1, i1)
    x2 = input2.reshape(-1, i2)
    # (B, i1) @ (i1, o*i2) -> (B, o, i2), then contract with x2 over i2
    t = x1.matmul(weight.permute(1, 0, 2).reshape(i1, o * i2)).reshape(-1, o, i2)
    out = t.matmul(x2.unsqueeze(-1)).squeeze(-1)
    if bias is not None:
        out = out + bias
    return out.reshape(tuple(lead) + (o,))
