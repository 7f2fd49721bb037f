"""Loss modules. Each wraps the function of the same name in ``ember.nn.functional`` and takes
``reduction`` (``'none'``, ``'mean'``, ``'sum'``); the deprecated ``size_average``/``reduce``
arguments are honoured. Class weights are buffers (saved in ``state_dict``).
"""

from __future__ import annotations

from ember.nn import Module

from .._util import legacy_reduction
from ..functional import loss as F

__all__ = ["L1Loss", "MSELoss", "SmoothL1Loss", "HuberLoss", "CrossEntropyLoss", "NLLLoss",
           "BCELoss", "BCEWithLogitsLoss", "KLDivLoss", "CosineEmbeddingLoss",
           "MarginRankingLoss", "TripletMarginLoss", "TripletMarginWithDistanceLoss",
           "HingeEmbeddingLoss", "MultiLabelSoftMarginLoss", "PoissonNLLLoss",
           "GaussianNLLLoss", "CTCLoss", "SoftMarginLoss", "MultiMarginLoss",
           "MultiLabelMarginLoss"]


class _Loss(Module):
    def __init__(self, size_average=None, reduce=None, reduction: str = "mean") -> None:
        super().__init__()
        self.reduction = legacy_reduction(size_average, reduce, reduction)


class _WeightedLoss(_Loss):
    def __init__(self, weight=None, size_average=None, reduce=None,
                 reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)


class _PairMarginLoss(_Loss):
    """A loss of two inputs and a ``+1/-1`` target with a ``margin`` (default 0); ``_fn``
    names its function in ``functional.loss``."""

    _fn: str

    def __init__(self, margin: float = 0.0, size_average=None, reduce=None,
                 reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input1, input2, target):
        return getattr(F, self._fn)(input1, input2, target, margin=self.margin,
                                    reduction=self.reduction)


class L1Loss(_Loss):
    """Mean absolute error ``|x - y|``.

    Shape: input ``(*)``, target ``(*)`` -> scalar (``reduction='none'``: ``(*)``).

    Example::

        >>> nn.L1Loss()(ember.tensor([1., 2.]), ember.zeros(2))
        tensor(1.5000)
    """

    def forward(self, input, target):
        return F.l1_loss(input, target, reduction=self.reduction)


class MSELoss(_Loss):
    """Mean squared error ``(x - y)^2``.

    Shape: input ``(*)``, target ``(*)`` -> scalar (``reduction='none'``: ``(*)``).

    Example::

        >>> nn.MSELoss()(ember.tensor([1., 2.]), ember.zeros(2))
        tensor(2.5000)
    """

    def forward(self, input, target):
        return F.mse_loss(input, target, reduction=self.reduction)


class SmoothL1Loss(_Loss):
    """Squared error below ``beta``, absolute error above it.

    Args:
        beta (float): the switch point. Default: 1.0.

    Shape: input ``(*)``, target ``(*)`` -> scalar or ``(*)``.

    Example::

        >>> nn.SmoothL1Loss()(ember.tensor([0.5, 3.]), ember.zeros(2))
        tensor(1.3125)
    """

    def __init__(self, size_average=None, reduce=None, reduction: str = "mean",
                 beta: float = 1.0) -> None:
        super().__init__(size_average, reduce, reduction)
        self.beta = beta

    def forward(self, input, target):
        return F.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class HuberLoss(_Loss):
    """``0.5 d^2`` for ``|d| < delta``, ``delta (|d| - 0.5 delta)`` above.

    Args:
        delta (float): the switch point. Default: 1.0.

    Shape: input ``(*)``, target ``(*)`` -> scalar or ``(*)``.

    Example::

        >>> nn.HuberLoss()(ember.tensor([0.5, 3.]), ember.zeros(2))
        tensor(1.3125)
    """

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction=reduction)
        self.delta = delta

    def forward(self, input, target):
        return F.huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class CrossEntropyLoss(_WeightedLoss):
    """Cross entropy of logits against class indices or class probabilities (fused
    ``log_softmax`` + ``nll_loss``).

    Args:
        weight (Tensor, optional): ``(C,)`` class weights.
        ignore_index (int): class-index targets to skip. Default: -100.
        label_smoothing (float): in ``[0, 1]``. Default: 0.

    Shape: input ``(N, C)``, ``(C,)`` or ``(N, C, d1, ...)``; target ``(N,)``/``()``/
    ``(N, d1, ...)`` int64, or the input's shape of probabilities -> scalar (``'none'``: per
    sample).

    Example::

        >>> loss = nn.CrossEntropyLoss()
        >>> loss(ember.randn(3, 5, requires_grad=True), ember.tensor([1, 0, 4])).shape
        ember.Size([])
    """

    def __init__(self, weight=None, size_average=None, ignore_index: int = -100, reduce=None,
                 reduction: str = "mean", label_smoothing: float = 0.0) -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input, target):
        return F.cross_entropy(input, target, weight=self.weight, ignore_index=self.ignore_index,
                               reduction=self.reduction, label_smoothing=self.label_smoothing)


class NLLLoss(_WeightedLoss):
    """Negative log-likelihood of class indices for log-probability inputs.

    Args:
        weight (Tensor, optional): ``(C,)`` class weights.
        ignore_index (int): targets to skip. Default: -100.

    Shape: input ``(N, C)``, ``(C,)`` or ``(N, C, d1, ...)``; target ``(N,)``/``()``/
    ``(N, d1, ...)`` -> scalar (``'none'``: the target's shape).

    Example::

        >>> nn.NLLLoss()(ember.tensor([[-1., -2.]]), ember.tensor([1]))
        tensor(2.)
    """

    def __init__(self, weight=None, size_average=None, ignore_index: int = -100, reduce=None,
                 reduction: str = "mean") -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index

    def forward(self, input, target):
        return F.nll_loss(input, target, weight=self.weight, ignore_index=self.ignore_index,
                          reduction=self.reduction)


class BCELoss(_WeightedLoss):
    """Binary cross entropy of probabilities.

    Args:
        weight (Tensor, optional): rescales each element's loss.

    Shape: input ``(*)``, target ``(*)`` -> scalar or ``(*)``.

    Example::

        >>> nn.BCELoss()(ember.tensor([0.5]), ember.tensor([1.]))
        tensor(0.6931)
    """

    def forward(self, input, target):
        return F.binary_cross_entropy(input, target, weight=self.weight,
                                      reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Sigmoid + binary cross entropy, computed stably from logits.

    Args:
        weight (Tensor, optional): rescales each element's loss.
        pos_weight (Tensor, optional): weight of positive examples, one per class (broadcast
            over the last dim).

    Shape: input ``(*)``, target ``(*)`` -> scalar or ``(*)``.

    Example::

        >>> nn.BCEWithLogitsLoss(pos_weight=ember.ones(3))(ember.zeros(2, 3), ember.ones(2, 3))
        tensor(0.6931)
    """

    def __init__(self, weight=None, size_average=None, reduce=None, reduction: str = "mean",
                 pos_weight=None) -> None:
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)
        self.register_buffer("pos_weight", pos_weight)

    def forward(self, input, target):
        return F.binary_cross_entropy_with_logits(input, target, self.weight,
                                                  pos_weight=self.pos_weight,
                                                  reduction=self.reduction)


class KLDivLoss(_Loss):
    """Kullback-Leibler divergence for log-probability inputs.

    Args:
        reduction (str): also ``'batchmean'`` (the mathematical KL: sum / batch size).
        log_target (bool): the target is given as log-probabilities. Default: ``False``.

    Shape: input ``(*)``, target ``(*)`` -> scalar or ``(*)``.

    Example::

        >>> p = ember.tensor([[0.5, 0.5]])
        >>> nn.KLDivLoss(reduction="batchmean")(p.log(), p)
        tensor(0.)
    """

    def __init__(self, size_average=None, reduce=None, reduction: str = "mean",
                 log_target: bool = False) -> None:
        super().__init__(size_average, reduce, reduction)
        self.log_target = log_target

    def forward(self, input, target):
        return F.kl_div(input, target, reduction=self.reduction, log_target=self.log_target)


class CosineEmbeddingLoss(_PairMarginLoss):
    """``1 - cos(x1, x2)`` for ``y = 1``, ``max(0, cos(x1, x2) - margin)`` for ``y = -1``.

    Args:
        margin (float): in ``[-1, 1]``. Default: 0.

    Shape: inputs ``(N, D)`` or ``(D,)``; target ``(N,)`` or ``()`` -> scalar or ``(N,)``.

    Example::

        >>> nn.CosineEmbeddingLoss()(ember.ones(1, 2), ember.ones(1, 2), ember.tensor([1]))
        tensor(0.)
    """

    _fn = "cosine_embedding_loss"


class MarginRankingLoss(_PairMarginLoss):
    """``max(0, -y (x1 - x2) + margin)``.

    Args:
        margin (float): Default: 0.

    Shape: ``(N,)`` or ``()`` for all -> scalar or ``(N,)``.

    Example::

        >>> nn.MarginRankingLoss()(ember.tensor([1.]), ember.tensor([0.]), ember.tensor([1.]))
        tensor(0.)
    """

    _fn = "margin_ranking_loss"


class TripletMarginLoss(_Loss):
    """``max(d(a, p) - d(a, n) + margin, 0)`` with ``p``-norm distances.

    Args:
        margin (float): Default: 1. p (float): norm degree. Default: 2.
        eps (float): Default: 1e-6. swap (bool): distance swap. Default: ``False``.

    Shape: ``(N, D)`` or ``(D,)`` for all -> scalar or ``(N,)``.

    Example::

        >>> a = ember.zeros(1, 2)
        >>> nn.TripletMarginLoss()(a, a, a + 5)
        tensor(0.)
    """

    def __init__(self, margin: float = 1.0, p: float = 2.0, eps: float = 1e-6,
                 swap: bool = False, size_average=None, reduce=None,
                 reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        if margin <= 0:
            raise ValueError(f"TripletMarginLoss: expected margin to be greater than 0, got "
                             f"{margin} instead")
        self.margin = margin
        self.p = p
        self.eps = eps
        self.swap = swap

    def forward(self, anchor, positive, negative):
        return F.triplet_margin_loss(anchor, positive, negative, margin=self.margin, p=self.p,
                                     eps=self.eps, swap=self.swap, reduction=self.reduction)


class TripletMarginWithDistanceLoss(_Loss):
    """Triplet loss with a custom ``distance_function`` (default: pairwise distance).

    Args:
        distance_function (callable, optional): ``(x, y) -> (N,)`` distances.
        margin (float): Default: 1. swap (bool): Default: ``False``.

    Shape: ``(N, *)`` for all -> scalar or ``(N,)``.

    Example::

        >>> a = ember.zeros(1, 2)
        >>> nn.TripletMarginWithDistanceLoss()(a, a, a + 5)
        tensor(0.)
    """

    def __init__(self, *, distance_function=None, margin: float = 1.0, swap: bool = False,
                 reduction: str = "mean") -> None:
        super().__init__(size_average=None, reduce=None, reduction=reduction)
        if margin <= 0:
            raise ValueError(f"TripletMarginWithDistanceLoss: expected margin to be greater "
                             f"than 0, got {margin} instead")
        self.distance_function = distance_function
        self.margin = margin
        self.swap = swap

    def forward(self, anchor, positive, negative):
        return F.triplet_margin_with_distance_loss(
            anchor, positive, negative, distance_function=self.distance_function,
            margin=self.margin, swap=self.swap, reduction=self.reduction)


class HingeEmbeddingLoss(_Loss):
    """``x`` for ``y = 1``, ``max(0, margin - x)`` for ``y = -1``.

    Args:
        margin (float): Default: 1.

    Shape: input ``(*)``, target ``(*)`` -> scalar or ``(*)``.

    Example::

        >>> nn.HingeEmbeddingLoss()(ember.tensor([0.3]), ember.tensor([-1.]))
        tensor(0.7000)
    """

    def __init__(self, margin: float = 1.0, size_average=None, reduce=None,
                 reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input, target):
        return F.hinge_embedding_loss(input, target, margin=self.margin,
                                      reduction=self.reduction)


class MultiLabelSoftMarginLoss(_WeightedLoss):
    """Multi-label one-vs-all logistic loss, averaged over classes.

    Args:
        weight (Tensor, optional): ``(C,)`` class weights.

    Shape: input ``(N, C)`` or ``(C,)``, target the same -> scalar or ``(N,)``.

    Example::

        >>> nn.MultiLabelSoftMarginLoss()(ember.zeros(1, 2), ember.ones(1, 2))
        tensor(0.6931)
    """

    def forward(self, input, target):
        return F.multilabel_soft_margin_loss(input, target, weight=self.weight,
                                             reduction=self.reduction)


class PoissonNLLLoss(_Loss):
    """Poisson negative log-likelihood.

    Args:
        log_input (bool): the input is ``log(rate)``. Default: ``True``.
        full (bool): add Stirling's approximation term. Default: ``False``.
        eps (float): added in the log when ``log_input=False``. Default: 1e-8.

    Shape: input ``(*)``, target ``(*)`` -> scalar or ``(*)``.

    Example::

        >>> nn.PoissonNLLLoss()(ember.tensor([0.]), ember.tensor([1.]))
        tensor(1.)
    """

    def __init__(self, log_input: bool = True, full: bool = False, size_average=None,
                 eps: float = 1e-8, reduce=None, reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.log_input = log_input
        self.full = full
        self.eps = eps

    def forward(self, log_input, target):
        return F.poisson_nll_loss(log_input, target, log_input=self.log_input, full=self.full,
                                  eps=self.eps, reduction=self.reduction)


class GaussianNLLLoss(_Loss):
    """Gaussian negative log-likelihood with predicted variance.

    Args:
        full (bool): add the constant ``0.5 log(2 pi)``. Default: ``False``.
        eps (float): variance clamp. Default: 1e-6.

    Shape: input ``(N, *)``, target ``(N, *)``, var the input's shape, or with the last dim
    1 or missing -> scalar or ``(N, *)``.

    Example::

        >>> nn.GaussianNLLLoss()(ember.zeros(2), ember.zeros(2), ember.ones(2))
        tensor(0.)
    """

    def __init__(self, *, full: bool = False, eps: float = 1e-6,
                 reduction: str = "mean") -> None:
        super().__init__(None, None, reduction)
        self.full = full
        self.eps = eps

    def forward(self, input, target, var):
        return F.gaussian_nll_loss(input, target, var, full=self.full, eps=self.eps,
                                   reduction=self.reduction)


class CTCLoss(_Loss):
    """Connectionist Temporal Classification loss.

    Args:
        blank (int): the blank label. Default: 0.
        zero_infinity (bool): zero infinite losses and their gradients. Default: ``False``.

    Shape: log_probs ``(T, N, C)`` or ``(T, C)``; targets ``(N, S)`` or 1-D concatenated;
    input_lengths, target_lengths ``(N,)`` -> scalar (``'none'``: ``(N,)``).

    Example::

        >>> lp = ember.randn(30, 2, 5).log_softmax(2)
        >>> nn.CTCLoss()(lp, ember.randint(1, 5, (2, 8)), [30, 30], [8, 6]).shape
        ember.Size([])
    """

    def __init__(self, blank: int = 0, reduction: str = "mean",
                 zero_infinity: bool = False) -> None:
        super().__init__(reduction=reduction)
        self.blank = blank
        self.zero_infinity = zero_infinity

    def forward(self, log_probs, targets, input_lengths, target_lengths):
        return F.ctc_loss(log_probs, targets, input_lengths, target_lengths, self.blank,
                          self.reduction, self.zero_infinity)


class SoftMarginLoss(_Loss):
    """Two-class logistic loss ``log(1 + exp(-y x))``.

    Shape: input ``(*)``, target ``(*)`` -> scalar or ``(*)``.

    Example::

        >>> nn.SoftMarginLoss()(ember.tensor([0.]), ember.tensor([1.]))
        tensor(0.6931)
    """

    def forward(self, input, target):
        return F.soft_margin_loss(input, target, reduction=self.reduction)


class MultiMarginLoss(_WeightedLoss):
    """Multi-class hinge loss.

    Args:
        p (int): 1 or 2. Default: 1. margin (float): Default: 1.
        weight (Tensor, optional): ``(C,)`` class weights.

    Shape: input ``(N, C)`` or ``(C,)``; target ``(N,)`` or ``()`` -> scalar or ``(N,)``.

    Example::

        >>> nn.MultiMarginLoss()(ember.tensor([[0.1, 0.2, 0.4, 0.8]]), ember.tensor([3]))
        tensor(0.3250)
    """

    def __init__(self, p: int = 1, margin: float = 1.0, weight=None, size_average=None,
                 reduce=None, reduction: str = "mean") -> None:
        super().__init__(weight, size_average, reduce, reduction)
        if p not in (1, 2):
            raise ValueError("only p == 1 and p == 2 supported")
        if weight is not None and weight.dim() != 1:
            raise ValueError(f"MultiMarginLoss: expected weight to be None or 1D tensor, got "
                             f"{weight.dim()}D instead")
        self.p = p
        self.margin = margin

    def forward(self, input, target):
        return F.multi_margin_loss(input, target, p=self.p, margin=self.margin,
                                   weight=self.weight, reduction=self.reduction)


class MultiLabelMarginLoss(_Loss):
    """Multi-label hinge loss (targets: class indices ended by -1).

    Shape: input ``(N, C)`` or ``(C,)``; target int64 the same -> scalar or ``(N,)``.

    Example::

        >>> x = ember.tensor([[0.1, 0.2, 0.4, 0.8]])
        >>> nn.MultiLabelMarginLoss()(x, ember.tensor([[3, 0, -1, 1]]))
        tensor(0.8500)
    """

    def forward(self, input, target):
        return F.multilabel_margin_loss(input, target, reduction=self.reduction)
