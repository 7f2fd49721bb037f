"""Loss functions (``ember.nn.functional``).

Every loss takes ``reduction``: ``'none'`` (one value per element or sample), ``'mean'``
(default) or ``'sum'``; the deprecated ``size_average``/``reduce`` arguments are honoured as in
PyTorch.

NOTE [fused cross entropy]: ``cross_entropy`` with class indices is one autograd node
(``_CrossEntropy``): forward computes the log-sum-exp once (max-shifted, stable) and the
per-sample losses; backward is ``softmax - onehot`` (plus the label-smoothing and class-weight
terms), scaled by the incoming gradient. Under ``create_graph`` the softmax is recomputed from
the input with differentiable ops so that second derivatives are exact.

The most common call -- ``(N, C)`` logits, every target a class in range, no class weights, no
label smoothing, ``reduction='mean'`` -- is one node that works on the backend's arrays
(``_MeanCrossEntropy``): a dozen kernel calls instead of ~30 ops, forward and backward. Its
forward and its backward are a single call each where the backend has the optional
``cross_entropy_mean`` / ``cross_entropy_mean_backward`` kernels (NOTE [fused cross entropy
kernel] in ``ember.backend``; the NumPy and CuPy backends have them).
"""

from __future__ import annotations

import math
import warnings

import ember
from ember._tensor import _from_native
from ember.autograd import Function

from .._util import check_reduction, const_native, legacy_reduction, reduce as _reduce
from .activation import log_softmax, logsigmoid
from .distance import pairwise_distance

__all__ = ["l1_loss", "mse_loss", "smooth_l1_loss", "huber_loss", "cross_entropy", "nll_loss",
           "binary_cross_entropy", "binary_cross_entropy_with_logits", "kl_div",
           "cosine_embedding_loss", "margin_ranking_loss", "triplet_margin_loss",
           "triplet_margin_with_distance_loss", "hinge_embedding_loss",
           "multilabel_soft_margin_loss", "poisson_nll_loss", "gaussian_nll_loss", "ctc_loss",
           "soft_margin_loss", "multi_margin_loss", "multilabel_margin_loss"]


def _red(size_average, reduce, reduction, op):
    reduction = legacy_reduction(size_average, reduce, reduction)
    check_reduction(reduction, op)
    return reduction


def _warn_size(input, target):
    if target.shape != input.shape:
        warnings.warn(f"Using a target size ({target.shape}) that is different to the input size "
                      f"({input.shape}). This will likely lead to incorrect results due to "
                      f"broadcasting. Please ensure they have the same size.", stacklevel=3)


def _weighted(loss, weight, reduction):
    """Elementwise-weighted reduction used by mse/l1: mean divides by ``weight.sum()``."""
    if weight is None:
        return _reduce(loss, reduction)
    if weight.shape != loss.shape:
        raise ValueError("Weights and input must have the same size.")
    loss = loss * weight
    if reduction == "mean":
        return loss.sum() / weight.sum()
    return _reduce(loss, reduction)


# -- regression ------------------------------------------------------------------------------

def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """``|input - target|`` (optionally weighted elementwise).

    Shape: input ``(*)``, target ``(*)`` (same shape) -> scalar, or ``(*)`` with
    ``reduction='none'``.

    Example::

        >>> F.l1_loss(ember.tensor([1., 2.]), ember.tensor([0., 0.]))
        tensor(1.5000)
    """
    reduction = _red(size_average, reduce, reduction, "l1_loss")
    _warn_size(input, target)
    return _weighted((input - target).abs(), weight, reduction)


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """``(input - target)^2`` (optionally weighted elementwise).

    Shape: input ``(*)``, target ``(*)`` -> scalar or ``(*)``.

    Example::

        >>> F.mse_loss(ember.tensor([1., 2.]), ember.tensor([0., 0.]))
        tensor(2.5000)
    """
    reduction = _red(size_average, reduce, reduction, "mse_loss")
    _warn_size(input, target)
    d = input - target
    return _weighted(d * d, weight, reduction)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """``0.5 d^2 / beta`` where ``|d| < beta``, else ``|d| - 0.5 beta`` (``d = input -
    target``); ``beta = 0`` is the L1 loss.

    Example::

        >>> F.smooth_l1_loss(ember.tensor([0.5, 3.]), ember.zeros(2), reduction="none")
        tensor([0.1250, 2.5000])
    """
    reduction = _red(size_average, reduce, reduction, "smooth_l1_loss")
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    _warn_size(input, target)
    d = (input - target).abs()
    if beta == 0:
        return _reduce(d, reduction)
    loss = ember.where(d < beta, d * d * (0.5 / beta), d - 0.5 * beta)
    return _reduce(loss, reduction)


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    """``0.5 d^2`` where ``|d| < delta``, else ``delta (|d| - 0.5 delta)``.

    ``weight`` multiplies the elementwise loss (``'mean'`` then divides by the number of
    elements, as PyTorch).

    Example::

        >>> F.huber_loss(ember.tensor([0.5, 3.]), ember.zeros(2), reduction="none")
        tensor([0.1250, 2.5000])
    """
    check_reduction(reduction, "huber_loss")
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    _warn_size(input, target)
    d = (input - target).abs()
    loss = ember.where(d < delta, d * d * 0.5, (d - 0.5 * delta) * delta)
    if weight is not None:
        if weight.shape != loss.shape:
            raise ValueError("Weights and input must have the same size.")
        loss = loss * weight
    return _reduce(loss, reduction)


# -- classification --------------------------------------------------------------------------

def _check_index_target(target):
    if target.dtype not in (ember.int64, ember.uint8):
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got "
                           f"{_dtype_word(target.dtype)}")


def _dtype_word(d):
    names = {ember.int32: "Int", ember.float32: "Float", ember.float64: "Double",
             ember.int16: "Short", ember.int8: "Char", ember.float16: "Half",
             ember.bool: "Bool", ember.bfloat16: "BFloat16", ember.int64: "Long"}
    return names.get(d, str(d))


def _flatten_classes(input, target, op):
    """``(M, C)`` scores and ``(M,)`` targets from ``(N, C, d1, ...)``/``(C,)`` inputs."""
    if input.dim() == 0:
        raise ValueError(f"{op}: input tensor should have at least 1 dimension (C) or 2 "
                         f"(N, C), got a 0-d tensor")
    if input.dim() == 1:
        if target.dim() != 0:
            raise RuntimeError(f"{op}: a 1-D input (C,) expects a 0-D target, got target of "
                               f"shape {list(target.shape)}")
        return input.unsqueeze(0), target.reshape(1)
    n, c = input.shape[0], input.shape[1]
    if target.dim() == 0 or target.shape[0] != n:
        raise ValueError(f"Expected input batch_size ({n}) to match target batch_size "
                         f"({target.shape[0] if target.dim() else 0}).")
    if input.dim() == 2:
        if target.dim() != 1:
            raise RuntimeError(f"{op}: 0D or 1D target tensor expected, multi-target not "
                               f"supported (got target of shape {list(target.shape)})")
        return input, target
    expected = (n,) + tuple(input.shape[2:])
    if tuple(target.shape) != expected:
        raise RuntimeError(f"Expected target size {list(expected)}, got {list(target.shape)}")
    x = input.movedim(1, -1).reshape(-1, c)
    return x, target.reshape(-1)


def _check_bounds(t, valid, c):
    bad = valid & ((t < 0) | (t >= c))
    if bool(bad.any()):
        first = t[bad][0]
        raise IndexError(f"Target {int(first)} is out of bounds.")


def _class_weight(weight, c, like, op):
    if weight is None:
        return None
    if weight.dim() != 1 or weight.shape[0] != c:
        raise RuntimeError(f"{op}: weight tensor should be defined either for all {c} classes "
                           f"or no classes but got weight tensor of shape: "
                           f"{list(weight.shape)}")
    return weight.to(like.dtype) if weight.dtype is not like.dtype else weight


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
             reduction="mean"):
    """Negative log-likelihood of class indices: ``-weight[t] * input[n, t]`` for
    log-probability inputs (``log_softmax`` outputs).

    Args:
        weight (Tensor, optional): ``(C,)`` per-class weights; ``'mean'`` divides by the sum
            of the targets' weights.
        ignore_index (int): targets with this value contribute nothing. Default: -100.

    Shape: input ``(N, C)``, ``(C,)`` or ``(N, C, d1, ...)``; target ``(N,)``, ``()`` or
    ``(N, d1, ...)`` -> scalar, or the target's shape with ``reduction='none'``.

    Example::

        >>> F.nll_loss(ember.tensor([[-1., -2.]]), ember.tensor([1]))
        tensor(2.)
    """
    reduction = _red(size_average, reduce, reduction, "nll_loss")
    _check_index_target(target)
    x, t = _flatten_classes(input, target, "nll_loss")
    c = x.shape[1]
    w = _class_weight(weight, c, x, "nll_loss")
    valid = t != ignore_index
    _check_bounds(t, valid, c)
    ts = ember.where(valid, t, 0)
    picked = -x.gather(1, ts.unsqueeze(1)).squeeze(1)
    wt = valid.to(x.dtype) if w is None else w[ts] * valid
    loss = picked * wt
    if reduction == "none":
        return loss.reshape(target.shape)
    if reduction == "sum":
        return loss.sum()
    return loss.sum() / wt.sum()


class _CrossEntropy(Function):
    """Per-sample softmax cross entropy with class indices (NOTE [fused cross entropy])."""

    _node_name = "CrossEntropyLossBackward0"

    @staticmethod
    def forward(ctx, x, t, wt, w, ls):
        # x (M, C) logits; t (M,) safe targets; wt (M,) weight of each sample's target
        # (0 where ignored); w (C,) class weights or None; ls label smoothing
        m = x.amax(1, keepdim=True)
        e = (x - m).exp_()
        s = e.sum(1, keepdim=True)
        lse = s.log().add_(m)
        p = e.div_(s)
        loss = (lse - x.gather(1, t.unsqueeze(1))).squeeze(1)
        if ls > 0:
            c = x.shape[1]
            valid = (wt != 0).to(x.dtype) if w is not None else wt
            if w is None:
                smooth = lse.squeeze(1) * c - x.sum(1)
            else:
                smooth = lse.squeeze(1) * w.sum() - (x * w).sum(1)
            loss = loss * wt * (1 - ls) + smooth * valid * (ls / c)
            ctx.valid = valid
        else:
            loss = loss * wt
        ctx.ls = ls
        ctx.save_for_backward(x, t, wt, w, p)
        return loss

    @staticmethod
    def backward(ctx, g):
        x, t, wt, w, p = ctx.saved_tensors
        if ember.is_grad_enabled():
            p = ember.softmax(x, 1)        # differentiable (create_graph)
        ls = ctx.ls
        c = x.shape[1]
        onehot = ember.arange(c, device=x.device).unsqueeze(0) == t.unsqueeze(1)
        if ls > 0:
            valid = ctx.valid
            wsum = w.sum() if w is not None else float(c)
            a = wt * (1 - ls) + valid * (wsum * (ls / c))
            b = onehot.to(x.dtype) * (wt * (1 - ls)).unsqueeze(1)
            wv = w.unsqueeze(0) if w is not None else 1.0
            b = b + (valid * (ls / c)).unsqueeze(1) * wv
            grad = p * a.unsqueeze(1) - b
        else:
            grad = (p - onehot.to(x.dtype)) * wt.unsqueeze(1)
        return grad * g.unsqueeze(1), None, None, None, None


class _MeanCrossEntropy(Function):
    """``mean_n(logsumexp(x_n) - x_n[t_n])`` for (N, C) logits and targets all in
    ``[0, C)`` (NOTE [fused cross entropy]); the caller has checked the targets, or passes
    ``pre``, the ``(loss, probs)`` natives of the backend's ``cross_entropy_mean`` kernel."""

    _node_name = "NllLossBackward0"

    @staticmethod
    def forward(ctx, x, t, pre=None):
        st = x._storage
        be, dev, dt = st._be, st.device, x._dtype
        n = x._shape[0]
        ti = be.view(t._buffer(), (n, 1), (t._strides()[0], 1), t._offset)
        ctx.save_for_backward(x, t)
        ctx.ti = ti
        if pre is not None:
            ctx.p = pre[1]
            return _from_native(pre[0], be, dev, dt)
        xd = x._data
        z = be.sub(xd, be.max(xd, (1,), True))      # shifted logits
        e = be.exp(z)
        s = be.sum(e, (1,), True)
        # loss_n = log(s_n) - z_n[t_n]; the mean as a product with 1/n (no division kernel)
        loss = be.mul(be.sum(be.sub(be.log(s), be.take_along_axis(z, ti, 1)), None, False),
                      1.0 / n)
        ctx.p = be.div(e, s)
        return _from_native(loss, be, dev, dt)

    @staticmethod
    def backward(ctx, g):
        x, t = ctx.saved_tensors
        n, c = x._shape
        if ember.is_grad_enabled():         # create_graph: differentiable ops throughout
            onehot = ember.arange(c, device=x.device).unsqueeze(0) == t.unsqueeze(1)
            return (ember.softmax(x, 1) - onehot.to(x.dtype)) * (g / n), None, None
        st = x._storage
        be, dev, dt = st._be, st.device, x._dtype
        kernel = getattr(be, "cross_entropy_mean_backward", None)
        if kernel is not None and g._dtype is dt and g._storage.device == dev:
            gx = kernel(ctx.p, t._data, g._data)
            if gx is not NotImplemented:
                return _from_native(gx, be, dev, dt), None, None
        onehot = be.astype(be.eq(_class_row(be, c, dev.index), ctx.ti), dt)
        gs = be.mul(g._data, 1.0 / n)
        return _from_native(be.mul(be.sub(ctx.p, onehot), gs), be, dev, dt), None, None


def _fused_mean(x, t):
    """``_MeanCrossEntropy`` of (N, C) logits and (N,) int64 targets -- its forward the
    backend's ``cross_entropy_mean`` kernel where it has one (NOTE [fused cross entropy
    kernel]) -- or None when some target is outside ``[0, C)`` (the caller's general path
    then raises PyTorch's error)."""
    st = x._storage
    kernel = getattr(st._be, "cross_entropy_mean", None)
    if kernel is not None and t._storage.device == st.device:
        pre = kernel(x._data, t._data)
        if pre is not NotImplemented:
            return _MeanCrossEntropy.apply(x, t, pre)
    if _targets_in_range(t, x._shape[1]):
        return _MeanCrossEntropy.apply(x, t)
    return None


def _class_row(be, c, idx):
    """``[[0, 1, ..., c-1]]`` as a (1, c) int64 native (cached: a constant per device)."""
    return const_native(("class_row", id(be), c, idx),
                        lambda: be.view(be.arange(c, ember.int64, idx), (1, c), (c, 1), 0))


def _targets_in_range(t, c):
    """True when every class-index target is in ``[0, c)`` (two reductions, one sync)."""
    if t.numel() == 0:
        return False
    st = t._storage
    be = st._be
    td = t._data
    lo, hi = be.to_host(be.concat([be.min(td, None, True), be.max(td, None, True)], 0)).tolist()
    return 0 <= lo and hi < c


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100,
                  reduce=None, reduction="mean", label_smoothing=0.0):
    """Cross entropy between logits and targets: ``log_softmax`` + ``nll_loss`` in one
    stable, fused step (NOTE [fused cross entropy]).

    The target is either class indices (integer, the input's shape without the class dim) or
    class probabilities (float, the input's shape).

    Args:
        weight (Tensor, optional): ``(C,)`` class weights.
        ignore_index (int): class-index targets with this value are skipped. Default: -100.
        label_smoothing (float): in ``[0, 1]``; mixes the target with the uniform
            distribution. Default: 0.

    Shape: input ``(N, C)``, ``(C,)`` or ``(N, C, d1, ...)``; target ``(N,)``/``()``/
    ``(N, d1, ...)`` of indices, or the input's shape of probabilities -> scalar, or per
    sample with ``reduction='none'``.

    Example::

        >>> logits = ember.tensor([[2., 0., 0.]])
        >>> F.cross_entropy(logits, ember.tensor([0]))
        tensor(0.2395)
    """
    if (reduction == "mean" and weight is None and size_average is None and reduce is None
            and label_smoothing == 0 and target._dtype is ember.int64
            and len(input._shape) == 2 and len(target._shape) == 1
            and target._shape[0] == input._shape[0] and input._dtype.is_floating_point
            and not 0 <= ignore_index < input._shape[1]):
        # the training-loop case ((N, C) logits, (N,) class indices, defaults), which the
        # general path below also reaches, without its argument handling
        loss = _fused_mean(input, target)
        if loss is not None:
            return loss
    reduction = _red(size_average, reduce, reduction, "cross_entropy")
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    if target.dtype.is_floating_point and target.shape == input.shape:
        return _cross_entropy_probs(input, target, weight, reduction, label_smoothing)
    _check_index_target(target)
    x, t = _flatten_classes(input, target, "cross_entropy")
    if not x.dtype.is_floating_point:
        raise RuntimeError(f"cross_entropy: expected a floating-point input (logits), got "
                           f"{x.dtype}")
    c = x.shape[1]
    if (weight is None and label_smoothing == 0 and reduction == "mean" and x.dim() == 2
            and t._dtype is ember.int64 and not 0 <= ignore_index < c):
        # no target is ignored (ignore_index is outside [0, c)): the fused mean
        loss = _fused_mean(x, t)
        if loss is not None:
            return loss
    w = _class_weight(weight, c, x, "cross_entropy")
    valid = t != ignore_index
    _check_bounds(t, valid, c)
    ts = ember.where(valid, t, 0)
    wt = valid.to(x.dtype) if w is None else w[ts] * valid
    loss = _CrossEntropy.apply(x, ts, wt, w, float(label_smoothing))
    if reduction == "none":
        return loss.reshape(target.shape)
    if reduction == "sum":
        return loss.sum()
    return loss.sum() / wt.sum()


def _cross_entropy_probs(input, target, weight, reduction, ls):
    cdim = 0 if input.dim() == 1 else 1
    c = input.shape[cdim]
    logp = log_softmax(input, cdim)
    if ls > 0:
        target = target * (1 - ls) + ls / c
    prod = logp * target
    if weight is not None:
        w = _class_weight(weight, c, input, "cross_entropy")
        prod = prod * w.reshape((c,) + (1,) * (input.dim() - cdim - 1))
    loss = -prod.sum(cdim)
    if reduction == "mean":
        n = input.numel() // c if input.dim() > 1 else 1
        return loss.sum() / n
    return _reduce(loss, reduction)


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None,
                         reduction="mean"):
    """``-(t log(x) + (1 - t) log(1 - x))`` for probabilities ``x`` (logs clamped at -100, as
    PyTorch).

    Shape: input ``(*)``, target ``(*)`` (same shape) -> scalar or ``(*)``.

    Example::

        >>> F.binary_cross_entropy(ember.tensor([0.5]), ember.tensor([1.]))
        tensor(0.6931)
    """
    reduction = _red(size_average, reduce, reduction, "binary_cross_entropy")
    if target.shape != input.shape:
        raise ValueError(f"Using a target size ({target.shape}) that is different to the input "
                         f"size ({input.shape}) is deprecated. Please ensure they have the same "
                         f"size.")
    if bool(((input < 0) | (input > 1)).any()):
        raise RuntimeError("all elements of input should be between 0 and 1")
    loss = -(target * input.log().clamp(min=-100) + (1 - target) * (1 - input).log().clamp(
        min=-100))
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None,
                                     reduce=None, reduction="mean", pos_weight=None):
    """``binary_cross_entropy(sigmoid(x), t)`` computed stably from logits ``x``;
    ``pos_weight`` (broadcast over the last dim, one per class) weights the positive term.

    Shape: input ``(*)``, target ``(*)`` -> scalar or ``(*)``.

    Example::

        >>> F.binary_cross_entropy_with_logits(ember.tensor([0.]), ember.tensor([1.]))
        tensor(0.6931)
    """
    reduction = _red(size_average, reduce, reduction, "binary_cross_entropy_with_logits")
    if target.shape != input.shape:
        raise ValueError(f"Target size ({target.shape}) must be the same as input size "
                         f"({input.shape})")
    # log(1 + exp(-x)) stably: max(-x, 0) + log1p(exp(-|x|))
    sp = (-input).clamp(min=0) + (-input.abs()).exp().log1p()
    if pos_weight is not None:
        lw = (pos_weight - 1) * target + 1
        loss = (1 - target) * input + lw * sp
    else:
        loss = (1 - target) * input + sp
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """Kullback-Leibler divergence ``target * (log(target) - input)`` for log-probability
    ``input`` (``log_target=True``: ``target`` is given as log-probabilities too).

    ``reduction='batchmean'`` divides the sum by the batch size (the mathematical KL);
    ``'mean'`` divides by the number of elements.

    Example::

        >>> F.kl_div(ember.tensor([0.5, 0.5]).log(), ember.tensor([0.5, 0.5]), reduction="sum")
        tensor(0.)
    """
    reduction = legacy_reduction(size_average, reduce, reduction)
    if reduction not in ("none", "mean", "sum", "batchmean"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if reduction == "mean":
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the "
                      "support size.'batchmean' divides only by the batch size, and aligns with "
                      "the KL div math definition.'mean' will be changed to behave the same as "
                      "'batchmean' in the next major release.", stacklevel=2)
    if log_target:
        loss = target.exp() * (target - input)
    else:
        loss = ember.xlogy(target, target) - target * input
    if reduction == "batchmean":
        return loss.sum() / input.shape[0] if input.dim() else loss.sum()
    return _reduce(loss, reduction)


def _margin_dims(op, *ts):
    nds = {t.dim() for t in ts}
    if len(nds) != 1:
        raise RuntimeError(f"{op} : All input tensors should have same dimension but got sizes: "
                           + ", ".join(f"{list(t.shape)}" for t in ts))


def cosine_embedding_loss(input1, input2, target, margin=0, size_average=None, reduce=None,
                          reduction="mean"):
    """``1 - cos(x1, x2)`` for ``y = 1``, ``max(0, cos(x1, x2) - margin)`` for ``y = -1``.

    Shape: inputs ``(N, D)`` or ``(D,)``; target ``(N,)`` or ``()`` -> scalar or ``(N,)``.

    Example::

        >>> F.cosine_embedding_loss(ember.ones(1, 2), ember.ones(1, 2), ember.tensor([1]))
        tensor(0.)
    """
    reduction = _red(size_average, reduce, reduction, "cosine_embedding_loss")
    td = target.dim()
    if td not in (0, 1):
        raise RuntimeError(f"0D or 1D target tensor expected, multi-target not supported (got "
                           f"{list(target.shape)})")
    if td == 1 and (input1.dim() != 2 or input2.dim() != 2):
        raise RuntimeError(f"1D target tensor expects 2D input tensors, but found inputs with "
                           f"sizes {list(input1.shape)} and {list(input2.shape)}.")
    if td == 0 and (input1.dim() != 1 or input2.dim() != 1):
        raise RuntimeError(f"0D target tensor expects 1D input tensors, but found inputs with "
                           f"sizes {list(input1.shape)} and {list(input2.shape)}.")
    eps = 1e-12
    d = input1.dim() - 1
    prod = (input1 * input2).sum(d)
    m1 = (input1 * input1).sum(d) + eps
    m2 = (input2 * input2).sum(d) + eps
    cos = prod / (m1 * m2).sqrt()
    zeros = cos * 0
    pos = ember.where(target == 1, 1 - cos, zeros)
    neg = ember.where(target == -1, (cos - margin).clamp(min=0), zeros)
    return _reduce(pos + neg, reduction)


def margin_ranking_loss(input1, input2, target, margin=0, size_average=None, reduce=None,
                        reduction="mean"):
    """``max(0, -y (x1 - x2) + margin)``.

    Shape: ``(N,)`` or ``()`` for all three -> scalar or ``(N,)``.

    Example::

        >>> F.margin_ranking_loss(ember.tensor([1.]), ember.tensor([0.]), ember.tensor([1.]))
        tensor(0.)
    """
    reduction = _red(size_average, reduce, reduction, "margin_ranking_loss")
    _margin_dims("margin_ranking_loss", input1, input2, target)
    loss = (-target * (input1 - input2) + margin).clamp(min=0)
    return _reduce(loss, reduction)


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False,
                        size_average=None, reduce=None, reduction="mean"):
    """``max(d(a, p) - d(a, n) + margin, 0)`` with ``d`` the ``p``-norm pairwise distance;
    ``swap`` uses ``min(d(a, n), d(p, n))``.

    Shape: ``(N, D)`` or ``(D,)`` for all three -> scalar or ``(N,)``.

    Example::

        >>> a = ember.zeros(1, 2)
        >>> F.triplet_margin_loss(a, a, a + 5)
        tensor(0.)
    """
    reduction = _red(size_average, reduce, reduction, "triplet_margin_loss")
    dims = (anchor.dim(), positive.dim(), negative.dim())
    if len(set(dims)) != 1:
        raise RuntimeError(f"The anchor, positive, and negative tensors are expected to have the "
                           f"same number of dimensions, but got: anchor {dims[0]}D, positive "
                           f"{dims[1]}D, and negative {dims[2]}D inputs")
    d_pos = pairwise_distance(anchor, positive, p, eps)
    d_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_neg = ember.minimum(d_neg, pairwise_distance(positive, negative, p, eps))
    return _reduce((d_pos - d_neg + margin).clamp(min=0), reduction)


def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None,
                                      margin=1.0, swap=False, reduction="mean"):
    """Triplet loss with a custom ``distance_function(x, y) -> (N,)`` (default:
    ``pairwise_distance``).

    Example::

        >>> a = ember.zeros(1, 2)
        >>> F.triplet_margin_with_distance_loss(a, a, a + 5)
        tensor(0.)
    """
    check_reduction(reduction, "triplet_margin_with_distance_loss")
    if margin <= 0:
        raise ValueError(f"TripletMarginWithDistanceLoss: expected margin to be greater than 0, "
                         f"got {margin} instead")
    dist = distance_function if distance_function is not None else pairwise_distance
    d_pos = dist(anchor, positive)
    d_neg = dist(anchor, negative)
    if swap:
        d_neg = ember.minimum(d_neg, dist(positive, negative))
    return _reduce((d_pos - d_neg + margin).clamp(min=0), reduction)


def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None,
                         reduction="mean"):
    """``x`` where ``y = 1``, ``max(0, margin - x)`` where ``y = -1``.

    Shape: input ``(*)``, target ``(*)`` -> scalar or ``(*)``.

    Example::

        >>> F.hinge_embedding_loss(ember.tensor([0.3]), ember.tensor([-1.]))
        tensor(0.7000)
    """
    reduction = _red(size_average, reduce, reduction, "hinge_embedding_loss")
    zeros = input * 0
    margin_part = ember.where(target != 1, (margin - input).clamp(min=0), zeros)
    self_part = ember.where(target != -1, input, zeros)
    return _reduce(margin_part + self_part, reduction)


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None,
                                reduction="mean"):
    """Multi-label one-vs-all logistic loss, averaged over the classes:
    ``-mean_c(t_c log sigmoid(x_c) + (1 - t_c) log sigmoid(-x_c))``.

    Shape: input ``(N, C)`` or ``(C,)``; target the same -> scalar or ``(N,)``.

    Example::

        >>> F.multilabel_soft_margin_loss(ember.zeros(1, 2), ember.ones(1, 2))
        tensor(0.6931)
    """
    reduction = _red(size_average, reduce, reduction, "multilabel_soft_margin_loss")
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    cdim = input.dim() - 1
    loss = loss.sum(cdim) / input.shape[cdim]
    return _reduce(loss, reduction)


def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8,
                     reduce=None, reduction="mean"):
    """Poisson negative log-likelihood: ``exp(x) - t x`` (``log_input``) or
    ``x - t log(x + eps)``; ``full`` adds Stirling's term ``t log t - t + 0.5 log(2 pi t)``
    for ``t > 1``.

    Example::

        >>> F.poisson_nll_loss(ember.tensor([0.]), ember.tensor([1.]))
        tensor(1.)
    """
    reduction = _red(size_average, reduce, reduction, "poisson_nll_loss")
    if log_input:
        loss = input.exp() - target * input
    else:
        loss = input - target * (input + eps).log()
    if full:
        safe = ember.where(target > 1, target, target * 0 + 1)
        stirling = safe * safe.log() - safe + 0.5 * (2 * math.pi * safe).log()
        loss = loss + ember.where(target > 1, stirling, stirling * 0)
    return _reduce(loss, reduction)


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    """Gaussian negative log-likelihood ``0.5 (log(max(var, eps)) + (x - t)^2 / max(var,
    eps))`` (+ ``0.5 log(2 pi)`` with ``full``). ``var`` is a tensor (the input's shape, or
    with the last dim 1 or missing: one variance per sample) or a float.

    Example::

        >>> F.gaussian_nll_loss(ember.zeros(2), ember.zeros(2), ember.ones(2))
        tensor(0.)
    """
    if not isinstance(var, ember.Tensor):
        var = ember.full_like(input, float(var))
    if var.shape != input.shape:
        if input.shape[:-1] == var.shape:
            var = var.unsqueeze(-1)
        elif input.shape[:-1] == var.shape[:-1] and var.shape[-1] == 1:
            pass
        else:
            raise ValueError("var is of incorrect size")
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not valid")
    if bool((var < 0).any()):
        raise ValueError("var has negative entry/entries")
    # the clamp keeps the gradient of var flowing (as PyTorch's no_grad clamp)
    var = var + (var.clamp(min=eps) - var).detach()
    d = input - target
    loss = 0.5 * (var.log() + d * d / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)


def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """Two-class logistic loss ``log(1 + exp(-y x))``.

    Example::

        >>> F.soft_margin_loss(ember.tensor([0.]), ember.tensor([1.]))
        tensor(0.6931)
    """
    reduction = _red(size_average, reduce, reduction, "soft_margin_loss")
    z = -target * input
    loss = z.clamp(min=0) + (-z.abs()).exp().log1p()
    return _reduce(loss, reduction)


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average=None,
                      reduce=None, reduction="mean"):
    """Multi-class hinge loss: ``sum_{j != y} max(0, margin - x[y] + x[j])^p / C`` (times
    ``weight[y]``), ``p`` 1 or 2.

    Shape: input ``(N, C)`` or ``(C,)``; target ``(N,)`` or ``()`` -> scalar or ``(N,)``.

    Example::

        >>> F.multi_margin_loss(ember.tensor([[0.1, 0.2, 0.4, 0.8]]), ember.tensor([3]))
        tensor(0.3250)
    """
    reduction = _red(size_average, reduce, reduction, "multi_margin_loss")
    if p not in (1, 2):
        raise ValueError("only p == 1 and p == 2 supported")
    x, t = (input.unsqueeze(0), target.reshape(1)) if input.dim() == 1 else (input, target)
    if x.dim() != 2 or t.dim() != 1 or t.shape[0] != x.shape[0]:
        raise RuntimeError(f"multi_margin_loss: inconsistent target size: {list(target.shape)} "
                           f"for input of size: {list(input.shape)}")
    c = x.shape[1]
    _check_bounds(t, t == t, c)
    xt = x.gather(1, t.unsqueeze(1))
    z = (x - xt + margin).clamp(min=0)
    if p == 2:
        z = z * z
    if weight is not None:
        z = z * weight[t].unsqueeze(1)
    not_t = ember.arange(c, device=x.device).unsqueeze(0) != t.unsqueeze(1)
    loss = (z * not_t).sum(1) / c
    if input.dim() == 1:
        loss = loss.reshape(())
    return _reduce(loss, reduction)


def multilabel_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """Multi-label hinge loss: for each target class ``j`` (the leading non-negative entries
    of ``target``, ended by -1) and each non-target class ``k``:
    ``sum max(0, 1 - (x[j] - x[k])) / C``.

    Shape: input ``(N, C)`` or ``(C,)``; target (int64) the same -> scalar or ``(N,)``.

    Example::

        >>> x = ember.tensor([[0.1, 0.2, 0.4, 0.8]])
        >>> F.multilabel_margin_loss(x, ember.tensor([[3, 0, -1, 1]]))
        tensor(0.8500)
    """
    reduction = _red(size_average, reduce, reduction, "multilabel_margin_loss")
    if target.shape != input.shape:
        raise RuntimeError(f"multilabel_margin_loss: inconsistent target size: "
                           f"{list(target.shape)} for input of size: {list(input.shape)}")
    x, t = (input.unsqueeze(0), target.unsqueeze(0)) if input.dim() == 1 else (input, target)
    c = x.shape[1]
    valid = (t >= 0).to(ember.int64).cumprod(1).bool()   # entries before the first -1
    ts = ember.where(valid, t, 0)
    if bool((valid & (t >= c)).any()):
        raise RuntimeError(f"multilabel_margin_loss: target index out of range for {c} classes")
    classes = ember.arange(c, device=x.device)
    # is_target[n, k]: class k appears among sample n's targets
    is_target = ((ts.unsqueeze(2) == classes) & valid.unsqueeze(2)).any(1)
    xt = x.gather(1, ts)                                            # (N, C) target scores
    z = (1 - xt.unsqueeze(2) + x.unsqueeze(1)).clamp(min=0)        # (N, pos, k)
    mask = valid.unsqueeze(2) & (~is_target).unsqueeze(1)
    loss = (z * mask).sum((1, 2)) / c
    if input.dim() == 1:
        loss = loss.reshape(())
    return _reduce(loss, reduction)


# -- CTC --------------------------------------------------------------------------------------

def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction="mean",
             zero_infinity=False):
    """Connectionist Temporal Classification loss: ``-log`` of the total probability of all
    alignments of ``targets`` to ``log_probs``, by the forward algorithm in log space
    (vectorised over the batch and the extended label sequence, one step per time frame;
    autograd gives the gradient).

    Args:
        log_probs: ``(T, N, C)`` or ``(T, C)`` log-probabilities (``log_softmax`` outputs).
        targets: ``(N, S)`` padded, or 1-D concatenated targets (no blanks).
        input_lengths, target_lengths: ``(N,)`` tensors or sequences of ints.
        blank (int): the blank label. Default: 0.
        reduction: ``'mean'`` divides each loss by its target length, then averages.
        zero_infinity (bool): replace infinite losses (impossible alignments) and their
            gradients by zero. Default: ``False``.

    Shape: -> scalar, or ``(N,)`` with ``reduction='none'``.

    Example::

        >>> lp = ember.randn(50, 2, 20).log_softmax(2)
        >>> t = ember.randint(1, 20, (2, 10))
        >>> F.ctc_loss(lp, t, [50, 50], [10, 10]).shape
        ember.Size([])
    """
    check_reduction(reduction, "ctc_loss")
    unbatched = log_probs.dim() == 2
    if unbatched:
        log_probs = log_probs.unsqueeze(1)
        targets = targets.reshape(1, -1)
    if log_probs.dim() != 3:
        raise RuntimeError(f"ctc_loss: log_probs must be (T, N, C) or (T, C), got shape "
                           f"{list(log_probs.shape)}")
    T, N, C = log_probs.shape
    dev = log_probs.device
    il = ember.as_tensor(input_lengths, device=dev).to(ember.int64).reshape(-1)
    tl = ember.as_tensor(target_lengths, device=dev).to(ember.int64).reshape(-1)
    if il.shape[0] != N or tl.shape[0] != N:
        raise RuntimeError(f"ctc_loss: expected input_lengths and target_lengths of size {N} "
                           f"(the batch), got {il.shape[0]} and {tl.shape[0]}")
    if not 0 <= blank < C:
        raise RuntimeError(f"blank must be in label range (blank={blank}, classes={C})")
    if bool((il > T).any()):
        raise RuntimeError(f"Expected input_lengths to have value at most {T}, but got value "
                           f"{int(il.max())}")
    S = int(tl.max()) if N else 0
    if targets.dim() == 1:
        # concatenated targets -> padded (N, S)
        starts = tl.cumsum(0) - tl
        idx = starts.unsqueeze(1) + ember.arange(max(S, 1), device=dev).unsqueeze(0)
        idx = idx.clamp(max=max(targets.shape[0] - 1, 0))
        tpad = targets.to(ember.int64)[idx] if targets.shape[0] else ember.zeros(
            (N, max(S, 1)), dtype=ember.int64, device=dev)
    else:
        tpad = targets.to(ember.int64)
        if tpad.dim() != 2 or tpad.shape[0] != N:
            raise RuntimeError(f"ctc_loss: targets must be (N, S) or 1-D concatenated, got "
                               f"shape {list(targets.shape)}")
        if tpad.shape[1] < S:
            raise RuntimeError(f"Expected tensor to have size at least {S} at dimension 1, but "
                               f"got size {tpad.shape[1]} for argument #2 'targets'")
    S1 = max(S, 1)
    tpad = tpad[:, :S1] if tpad.shape[1] >= S1 else ember.cat(
        [tpad, ember.full((N, S1 - tpad.shape[1]), blank, dtype=ember.int64, device=dev)], 1)
    pos = ember.arange(S1, device=dev).unsqueeze(0)
    tpad = ember.where(pos < tl.unsqueeze(1), tpad, blank)
    L = 2 * S1 + 1
    # extended labels: blank, l1, blank, l2, ..., blank
    ext = ember.full((N, L), blank, dtype=ember.int64, device=dev)
    ext[:, 1::2] = tpad
    ext_prev2 = ember.cat([ember.full((N, 2), blank, dtype=ember.int64, device=dev),
                           ext[:, :-2]], 1)
    s_idx = ember.arange(L, device=dev).unsqueeze(0)
    allow_skip = (ext != blank) & (ext != ext_prev2) & (s_idx >= 2)
    neg = -1e30 if log_probs.dtype is not ember.float16 else -6e4
    lp_ext = log_probs.gather(2, ext.unsqueeze(0).expand(T, N, L))      # (T, N, L)
    init_mask = s_idx < 2
    if S == 0:
        init_mask = s_idx < 1
    alpha = ember.where(init_mask, lp_ext[0], neg)
    negs1 = ember.full((N, 1), neg, dtype=log_probs.dtype, device=dev)
    negs2 = ember.full((N, 2), neg, dtype=log_probs.dtype, device=dev)
    for t in range(1, T):
        a1 = ember.cat([negs1, alpha[:, :-1]], 1)
        a2 = ember.where(allow_skip, ember.cat([negs2, alpha[:, :-2]], 1), neg)
        m = ember.maximum(ember.maximum(alpha, a1), a2).detach()
        lse = ((alpha - m).exp() + (a1 - m).exp() + (a2 - m).exp()).log() + m
        new = lse + lp_ext[t]
        alpha = ember.where((il > t).unsqueeze(1), new, alpha)
    last = (2 * tl).unsqueeze(1)
    end1 = alpha.gather(1, last).squeeze(1)
    end2 = alpha.gather(1, (last - 1).clamp(min=0)).squeeze(1)
    end2 = ember.where(tl > 0, end2, neg)
    m = ember.maximum(end1, end2).detach()
    ll = ((end1 - m).exp() + (end2 - m).exp()).log() + m
    loss = -ll
    impossible = (loss > 1e29) if neg == -1e30 else (loss > 3e4)
    impossible = impossible | (il == 0) & (tl > 0)
    inf = float("inf")
    if zero_infinity:
        loss = ember.where(impossible, loss * 0, loss)
    else:
        loss = ember.where(impossible, inf, loss)
    if reduction == "none":
        return loss.reshape(()) if unbatched else loss
    if reduction == "sum":
        return loss.sum()
    return (loss / tl.clamp(min=1).to(loss.dtype)).mean()
