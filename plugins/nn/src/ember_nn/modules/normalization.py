"""Normalization layers: ``BatchNorm1d/2d/3d``, ``InstanceNorm1d/2d/3d``, ``LayerNorm``,
``GroupNorm``, ``RMSNorm``, ``LocalResponseNorm``."""

from __future__ import annotations

import numbers
import warnings

import ember
from ember.nn import Module, Parameter

from .. import init
from ..functional import normalization as _F

__all__ = ["BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "InstanceNorm1d", "InstanceNorm2d",
           "InstanceNorm3d", "LayerNorm", "GroupNorm", "RMSNorm", "LocalResponseNorm"]


def _affine_parameters(module, affine, bias, shape, device, dtype):
    """Give ``module`` a learnable ``weight`` and (with ``bias``) ``bias`` of ``shape`` when
    ``affine``; the slots left out are registered as ``None``."""
    if affine:
        module.weight = Parameter(ember.empty(shape, device=device, dtype=dtype))
        if bias:
            module.bias = Parameter(ember.empty(shape, device=device, dtype=dtype))
        else:
            module.register_parameter("bias", None)
    else:
        module.register_parameter("weight", None)
        module.register_parameter("bias", None)


def _reset_affine(weight, bias):
    """Weight to ones, bias to zeros (either may be ``None``)."""
    init.ones_(weight)
    if bias is not None:
        init.zeros_(bias)


class _NormBase(Module):
    """Shared state of batch and instance norm: affine parameters and running statistics
    (buffers ``running_mean``, ``running_var``, ``num_batches_tracked``)."""

    _version = 2

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True, device=None,
                 dtype=None, *, bias: bool = True) -> None:
        super().__init__()
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        _affine_parameters(self, affine, bias, num_features, device, dtype)
        if track_running_stats:
            self.register_buffer("running_mean",
                                 ember.zeros(num_features, device=device, dtype=dtype))
            self.register_buffer("running_var",
                                 ember.ones(num_features, device=device, dtype=dtype))
            self.register_buffer("num_batches_tracked",
                                 ember.tensor(0, dtype=ember.long, device=device))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        self.reset_parameters()

    def reset_running_stats(self) -> None:
        """Zero the running mean and the batch counter; running variance back to one."""
        if self.track_running_stats:
            self.running_mean.zero_()
            self.running_var.fill_(1)
            self.num_batches_tracked.zero_()

    def reset_parameters(self) -> None:
        """Reset the running statistics; weight to ones and bias to zeros."""
        self.reset_running_stats()
        if self.affine:
            _reset_affine(self.weight, self.bias)

    def _check_input_dim(self, input):
        raise NotImplementedError

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, bias={self.bias is not None}, "
                f"track_running_stats={self.track_running_stats}")

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys,
                              unexpected_keys, error_msgs):
        version = local_metadata.get("version", None)
        if (version is None or version < 2) and self.track_running_stats:
            # checkpoints from before num_batches_tracked existed
            key = prefix + "num_batches_tracked"
            if key not in state_dict:
                state_dict[key] = (self.num_batches_tracked if self.num_batches_tracked
                                   is not None else ember.tensor(0, dtype=ember.long))
        super()._load_from_state_dict(state_dict, prefix, local_metadata, strict, missing_keys,
                                      unexpected_keys, error_msgs)


class _BatchNorm(_NormBase):
    _dims = ()

    def _check_input_dim(self, input):
        if input.dim() not in self._dims:
            want = " or ".join(f"{d}D" for d in self._dims)
            raise ValueError(f"expected {want} input (got {input.dim()}D input)")

    def forward(self, input):
        self._check_input_dim(input)
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats and self.num_batches_tracked is not None:
            self.num_batches_tracked.add_(1)
            if self.momentum is None:       # cumulative moving average
                factor = 1.0 / float(self.num_batches_tracked.item())
            else:
                factor = self.momentum
        use_batch = self.training or (self.running_mean is None and self.running_var is None)
        track = not self.training or self.track_running_stats
        return _F.batch_norm(input, self.running_mean if track else None,
                             self.running_var if track else None, self.weight, self.bias,
                             use_batch, factor, self.eps)


class BatchNorm1d(_BatchNorm):
    """Batch normalization over a 2-D or 3-D input ``(N, C)`` / ``(N, C, L)``.

    ``y = (x - E[x]) / sqrt(Var[x] + eps) * weight + bias`` with per-channel statistics of
    the batch in training (biased variance), and of the running estimates in evaluation.

    Args:
        num_features (int): ``C``.
        eps (float): added to the variance. Default: 1e-5.
        momentum (float or None): weight of the new batch in the running estimates; ``None``
            uses a cumulative average. Default: 0.1.
        affine (bool): learn ``weight`` (ones) and ``bias`` (zeros). Default: ``True``.
        bias (bool, keyword): with ``affine``, also learn the bias. Default: ``True``.
        track_running_stats (bool): keep ``running_mean``, ``running_var`` and
            ``num_batches_tracked`` buffers; otherwise batch statistics are used in
            evaluation too. Default: ``True``.

    Shape: ``(N, C)`` or ``(N, C, L)`` -> same.

    Example::

        >>> m = nn.BatchNorm1d(100)
        >>> m(ember.randn(20, 100)).shape
        ember.Size([20, 100])
    """

    _dims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch normalization over a 4-D input ``(N, C, H, W)`` (see ``BatchNorm1d``).

    Example::

        >>> m = nn.BatchNorm2d(6, momentum=None)
        >>> m(ember.randn(8, 6, 5, 5)).shape
        ember.Size([8, 6, 5, 5])
    """

    _dims = (4,)


class BatchNorm3d(_BatchNorm):
    """Batch normalization over a 5-D input ``(N, C, D, H, W)`` (see ``BatchNorm1d``).

    Example::

        >>> nn.BatchNorm3d(3)(ember.randn(2, 3, 2, 2, 2)).shape
        ember.Size([2, 3, 2, 2, 2])
    """

    _dims = (5,)


class _InstanceNorm(_NormBase):
    _no_batch_dim = 0

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = False, track_running_stats: bool = False, device=None,
                 dtype=None, *, bias: bool = True) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device,
                         dtype, bias=bias)

    def _check_input_dim(self, input):
        d = self._no_batch_dim
        if input.dim() not in (d, d + 1):
            raise ValueError(f"expected {d}D or {d + 1}D input (got {input.dim()}D input)")

    def forward(self, input):
        self._check_input_dim(input)
        feature_dim = input.dim() - self._no_batch_dim
        if input.shape[feature_dim] != self.num_features:
            if self.affine:
                raise ValueError(f"expected input's size at dim={feature_dim} to match "
                                 f"num_features ({self.num_features}), but got: "
                                 f"{input.shape[feature_dim]}.")
            warnings.warn(f"input's size at dim={feature_dim} does not match num_features. You "
                          f"can silence this warning by not passing in num_features, which is "
                          f"not used because affine=False", stacklevel=2)
        unbatched = input.dim() == self._no_batch_dim
        x = input.unsqueeze(0) if unbatched else input
        y = _F.instance_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                             self.training or not self.track_running_stats,
                             self.momentum if self.momentum is not None else 0.0, self.eps)
        return y.squeeze(0) if unbatched else y


class InstanceNorm1d(_InstanceNorm):
    """Instance normalization of ``(N, C, L)`` (or ``(C, L)``): each sample and channel
    normalized over its own positions.

    Args:
        num_features (int): ``C``; eps; momentum; affine (default ``False``);
        track_running_stats (default ``False``): keep running estimates and use them in
            evaluation.

    Example::

        >>> nn.InstanceNorm1d(100)(ember.randn(20, 100, 40)).shape
        ember.Size([20, 100, 40])
    """

    _no_batch_dim = 2


class InstanceNorm2d(_InstanceNorm):
    """Instance normalization of ``(N, C, H, W)`` (or ``(C, H, W)``); see
    ``InstanceNorm1d``.

    Example::

        >>> nn.InstanceNorm2d(3, affine=True)(ember.randn(2, 3, 8, 8)).shape
        ember.Size([2, 3, 8, 8])
    """

    _no_batch_dim = 3


class InstanceNorm3d(_InstanceNorm):
    """Instance normalization of ``(N, C, D, H, W)`` (or ``(C, D, H, W)``); see
    ``InstanceNorm1d``.

    Example::

        >>> nn.InstanceNorm3d(3)(ember.randn(2, 3, 4, 4, 4)).shape
        ember.Size([2, 3, 4, 4, 4])
    """

    _no_batch_dim = 4


def _shape_tuple(normalized_shape):
    if isinstance(normalized_shape, numbers.Integral):
        return (int(normalized_shape),)
    return tuple(int(s) for s in normalized_shape)


class LayerNorm(Module):
    """Layer normalization over the trailing ``normalized_shape`` dims.

    Args:
        normalized_shape (int or tuple): the trailing shape to normalize over.
        eps (float): added to the variance. Default: 1e-5.
        elementwise_affine (bool): learn a per-element ``weight`` (ones). Default: ``True``.
        bias (bool): with ``elementwise_affine``, also learn a ``bias`` (zeros).

    Shape: ``(*, *normalized_shape)`` -> same.

    Example::

        >>> m = nn.LayerNorm([10])
        >>> m(ember.randn(20, 5, 10)).shape
        ember.Size([20, 5, 10])
    """

    def __init__(self, normalized_shape, eps: float = 1e-5, elementwise_affine: bool = True,
                 bias: bool = True, device=None, dtype=None) -> None:
        super().__init__()
        self.normalized_shape = _shape_tuple(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        _affine_parameters(self, elementwise_affine, bias, self.normalized_shape, device, dtype)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Weight to ones, bias to zeros."""
        if self.elementwise_affine:
            _reset_affine(self.weight, self.bias)

    def forward(self, input):
        return _F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}")


class GroupNorm(Module):
    """Group normalization: the channels split into ``num_groups`` groups, each normalized
    per sample; then a per-channel affine.

    Args:
        num_groups (int): divides ``num_channels``.
        num_channels (int): ``C``.
        eps (float): Default: 1e-5.
        affine (bool): learn per-channel ``weight`` (ones) and ``bias`` (zeros).
        bias (bool, keyword): with ``affine``, also learn the bias. Default: ``True``.

    Shape: ``(N, C, *)`` -> same.

    Example::

        >>> m = nn.GroupNorm(3, 6)
        >>> m(ember.randn(20, 6, 10, 10)).shape
        ember.Size([20, 6, 10, 10])
    """

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5,
                 affine: bool = True, device=None, dtype=None, *, bias: bool = True) -> None:
        super().__init__()
        if num_channels % num_groups != 0:
            raise ValueError("num_channels must be divisible by num_groups")
        self.num_groups = num_groups
        self.num_channels = num_channels
        self.eps = eps
        self.affine = affine
        _affine_parameters(self, affine, bias, num_channels, device, dtype)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Weight to ones, bias to zeros."""
        if self.affine:
            _reset_affine(self.weight, self.bias)

    def forward(self, input):
        return _F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
                f"bias={self.bias is not None}")


class RMSNorm(Module):
    """Root-mean-square normalization over the trailing ``normalized_shape``:
    ``x / sqrt(mean(x ** 2) + eps) * weight``.

    Args:
        normalized_shape (int or tuple); eps (float or None: the dtype's machine epsilon);
        elementwise_affine (bool): learn ``weight`` (ones). Default: ``True``.

    Shape: ``(*, *normalized_shape)`` -> same.

    Example::

        >>> m = nn.RMSNorm([2, 3])
        >>> m(ember.randn(2, 2, 3)).shape
        ember.Size([2, 2, 3])
    """

    def __init__(self, normalized_shape, eps: float | None = None,
                 elementwise_affine: bool = True, device=None, dtype=None) -> None:
        super().__init__()
        self.normalized_shape = _shape_tuple(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(ember.empty(self.normalized_shape, device=device,
                                                dtype=dtype))
        else:
            self.register_parameter("weight", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Weight to ones."""
        if self.elementwise_affine:
            init.ones_(self.weight)

    def forward(self, x):
        return _F.rms_norm(x, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")


class LocalResponseNorm(Module):
    """Local response normalization across neighbouring channels (AlexNet):
    ``x / (k + alpha / size * sum of x ** 2 over `size` channels) ** beta``.

    Args:
        size (int): channels in the window; alpha (1e-4), beta (0.75), k (1.0).

    Shape: ``(N, C, *)`` -> same.

    Example::

        >>> nn.LocalResponseNorm(2)(ember.randn(32, 5, 24, 24)).shape
        ember.Size([32, 5, 24, 24])
    """

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75,
                 k: float = 1.0) -> None:
        super().__init__()
        self.size = size
        self.alpha = alpha
        self.beta = beta
        self.k = k

    def forward(self, input):
        return _F.local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"
