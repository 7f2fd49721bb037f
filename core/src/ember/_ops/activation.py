"""``softmax`` and ``log_softmax`` (``ember.softmax``, ``Tensor.softmax``): single autograd
nodes, stable (the maximum is subtracted first), with backward in ember ops."""

from __future__ import annotations

from .._tensor import _wrap_dim
from ._reg import export
from .core import Op


class _Softmax(Op):
    _node_name = "SoftmaxBackward0"

    @staticmethod
    def forward(ctx, x, dim):
        e = (x - x.amax(dim, keepdim=True)).exp_()
        y = e.div_(e.sum(dim, keepdim=True))
        ctx.dim = dim
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return y * (g - (g * y).sum(ctx.dim, keepdim=True)), None


class _LogSoftmax(Op):
    _node_name = "LogSoftmaxBackward0"

    @staticmethod
    def forward(ctx, x, dim):
        s = x - x.amax(dim, keepdim=True)
        y = s.sub_(s.exp().sum(dim, keepdim=True).log_())
        ctx.dim = dim
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g - y.exp() * g.sum(ctx.dim, keepdim=True), None


def _prep(input, dim, dtype, name):
    if dtype is not None:
        input = input.to(dtype)
    if not (input.dtype.is_floating_point or input.dtype.is_complex):
        raise RuntimeError(f"{name}: expected a floating-point input, got {input.dtype}; pass "
                           f"dtype=ember.float32 or convert the input")
    return input, _wrap_dim(dim, input.dim(), name)


@export("softmax")
def softmax(input, dim, dtype=None):
    """``exp(x) / exp(x).sum(dim)`` along ``dim`` (same shape as ``input``).

    Example: ``ember.tensor([1., 1.]).softmax(0)`` is ``tensor([0.5000, 0.5000])``."""
    input, dim = _prep(input, dim, dtype, "softmax")
    if input.dim() == 0:
        return _Softmax.apply(input.reshape(1), 0).reshape(())
    return _Softmax.apply(input, dim)


@export("log_softmax")
def log_softmax(input, dim, dtype=None):
    """``log(softmax(x))`` along ``dim``, computed stably as ``x - logsumexp(x)``."""
    input, dim = _prep(input, dim, dtype, "log_softmax")
    if input.dim() == 0:
        return _LogSoftmax.apply(input.reshape(1), 0).reshape(())
    return _LogSoftmax.apply(input, dim)
