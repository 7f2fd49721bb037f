"""Activation layers. Each applies its function elementwise (``GLU`` halves a dim; the softmax
family normalises along ``dim``).

Shape (all except ``GLU``): ``(*)`` -> ``(*)``, any number of dims.
"""

from __future__ import annotations

import ember
from ember.nn import Module, Parameter

from .. import init
from ..functional import activation as F

__all__ = ["Threshold", "ReLU", "RReLU", "Hardtanh", "ReLU6", "Sigmoid", "Hardsigmoid", "Tanh",
           "SiLU", "Mish", "Hardswish", "ELU", "CELU", "SELU", "GLU", "GELU", "Hardshrink",
           "LeakyReLU", "LogSigmoid", "Softplus", "Softshrink", "PReLU", "Softsign",
           "Tanhshrink", "Softmin", "Softmax", "Softmax2d", "LogSoftmax"]


class _Activation(Module):
    """Shared body of the layers whose forward is one call of a functional.

    A subclass names its functional (``_fn``, looked up in ``functional.activation`` at each
    call) and the attributes passed to it after ``input``, in the functional's order
    (``_args``). ``extra_repr`` shows those attributes as ``name=value``, leaving out
    ``training`` and showing ``inplace`` only when it is set.
    """

    _fn: str
    _args: tuple[str, ...] = ()

    def forward(self, input):
        return getattr(F, self._fn)(input, *[getattr(self, a) for a in self._args])

    def extra_repr(self):
        parts = [f"{a}={getattr(self, a)}" for a in self._args
                 if a not in ("training", "inplace")]
        if "inplace" in self._args and self.inplace:
            parts.append("inplace=True")
        return ", ".join(parts)


class _InplaceActivation(_Activation):
    """An activation whose only option is ``inplace``."""

    _args = ("inplace",)

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace


class _AlphaActivation(_Activation):
    """An activation with a scale ``alpha`` and ``inplace`` (``ELU``, ``CELU``)."""

    _args = ("alpha", "inplace")

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha = alpha
        self.inplace = inplace


class _Shrink(_Activation):
    """A shrinkage with threshold ``lambd``, shown bare in the repr (``Hardshrink``,
    ``Softshrink``)."""

    _args = ("lambd",)

    def __init__(self, lambd: float = 0.5) -> None:
        super().__init__()
        self.lambd = lambd

    def extra_repr(self):
        return str(self.lambd)


class Threshold(_Activation):
    """``y = x`` if ``x > threshold`` else ``value``.

    Args:
        threshold (float): the threshold. value (float): the replacement.
        inplace (bool): overwrite the input. Default: ``False``.

    Example::

        >>> nn.Threshold(0.1, 20)(ember.tensor([0.0, 0.5]))
        tensor([20.0000,  0.5000])
    """

    _fn = "threshold"
    _args = ("threshold", "value", "inplace")

    def __init__(self, threshold: float, value: float, inplace: bool = False) -> None:
        super().__init__()
        self.threshold = threshold
        self.value = value
        self.inplace = inplace


class ReLU(_InplaceActivation):
    """``ReLU(x) = max(0, x)``.

    Args:
        inplace (bool): overwrite the input. Default: ``False``.

    Example::

        >>> nn.ReLU()(ember.tensor([-1., 2.]))
        tensor([0., 2.])
    """

    _fn = "relu"


class RReLU(_Activation):
    """Randomized leaky ReLU: negative slope drawn from ``U(lower, upper)`` in training,
    ``(lower + upper) / 2`` in evaluation.

    Args:
        lower (float): Default: 1/8. upper (float): Default: 1/3.
        inplace (bool): Default: ``False``.

    Example::

        >>> nn.RReLU(0.1, 0.3).eval()(ember.tensor([-1., 1.]))
        tensor([-0.2000,  1.0000])
    """

    _fn = "rrelu"
    _args = ("lower", "upper", "training", "inplace")

    def __init__(self, lower: float = 1.0 / 8, upper: float = 1.0 / 3,
                 inplace: bool = False) -> None:
        super().__init__()
        self.lower = lower
        self.upper = upper
        self.inplace = inplace


class Hardtanh(_Activation):
    """``clamp(x, min_val, max_val)``.

    Args:
        min_val (float): Default: -1. max_val (float): Default: 1.
        inplace (bool): Default: ``False``.

    Example::

        >>> nn.Hardtanh(-2, 2)(ember.tensor([-3., 0.5, 3.]))
        tensor([-2.0000,  0.5000,  2.0000])
    """

    _fn = "hardtanh"
    _args = ("min_val", "max_val", "inplace")

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False,
                 min_value=None, max_value=None) -> None:
        super().__init__()
        if min_value is not None:
            min_val = min_value
        if max_value is not None:
            max_val = max_value
        self.min_val = min_val
        self.max_val = max_val
        self.inplace = inplace
        if self.max_val <= self.min_val:
            raise ValueError(f"Hardtanh: max_val ({max_val}) must be greater than min_val "
                             f"({min_val})")


class ReLU6(Hardtanh):
    """``min(max(0, x), 6)``.

    Args:
        inplace (bool): Default: ``False``.

    Example::

        >>> nn.ReLU6()(ember.tensor([-1., 7.]))
        tensor([0., 6.])
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__(0.0, 6.0, inplace)

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class Sigmoid(_Activation):
    """``1 / (1 + exp(-x))``.

    Example::

        >>> nn.Sigmoid()(ember.tensor([0.]))
        tensor([0.5000])
    """

    _fn = "sigmoid"


class Hardsigmoid(_InplaceActivation):
    """``clamp(x / 6 + 1/2, 0, 1)``.

    Args:
        inplace (bool): Default: ``False``.

    Example::

        >>> nn.Hardsigmoid()(ember.tensor([0.]))
        tensor([0.5000])
    """

    _fn = "hardsigmoid"

    extra_repr = Module.extra_repr  # PyTorch's repr shows no ``inplace`` here


class Tanh(_Activation):
    """Hyperbolic tangent.

    Example::

        >>> nn.Tanh()(ember.tensor([0.]))
        tensor([0.])
    """

    _fn = "tanh"


class SiLU(_InplaceActivation):
    """``x * sigmoid(x)`` (swish).

    Args:
        inplace (bool): Default: ``False``.

    Example::

        >>> nn.SiLU()(ember.tensor([0.]))
        tensor([0.])
    """

    _fn = "silu"


class Mish(_InplaceActivation):
    """``x * tanh(softplus(x))``.

    Args:
        inplace (bool): Default: ``False``.

    Example::

        >>> nn.Mish()(ember.tensor([0.]))
        tensor([0.])
    """

    _fn = "mish"


class Hardswish(_InplaceActivation):
    """``x * clamp(x + 3, 0, 6) / 6``.

    Args:
        inplace (bool): Default: ``False``.

    Example::

        >>> nn.Hardswish()(ember.tensor([3.]))
        tensor([3.])
    """

    _fn = "hardswish"

    extra_repr = Module.extra_repr  # PyTorch's repr shows no ``inplace`` here


class ELU(_AlphaActivation):
    """``x`` if ``x > 0`` else ``alpha * (exp(x) - 1)``.

    Args:
        alpha (float): Default: 1.0. inplace (bool): Default: ``False``.

    Example::

        >>> nn.ELU()(ember.tensor([1.]))
        tensor([1.])
    """

    _fn = "elu"


class CELU(_AlphaActivation):
    """``max(0, x) + min(0, alpha * (exp(x / alpha) - 1))``.

    Args:
        alpha (float): Default: 1.0. inplace (bool): Default: ``False``.

    Example::

        >>> nn.CELU()(ember.tensor([1.]))
        tensor([1.])
    """

    _fn = "celu"


class SELU(_InplaceActivation):
    """``scale * (max(0, x) + min(0, alpha * (exp(x) - 1)))`` with ``alpha = 1.6733``,
    ``scale = 1.0507``.

    Args:
        inplace (bool): Default: ``False``.

    Example::

        >>> nn.SELU()(ember.tensor([0.]))
        tensor([0.])
    """

    _fn = "selu"


class GLU(_Activation):
    """Gated linear unit: ``a * sigmoid(b)`` where ``a, b`` are the halves of the input
    along ``dim``.

    Args:
        dim (int): the dim to split. Default: -1.

    Shape: ``(*, 2N, *)`` -> ``(*, N, *)``.

    Example::

        >>> nn.GLU()(ember.randn(4, 2)).shape
        ember.Size([4, 1])
    """

    _fn = "glu"
    _args = ("dim",)

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = dim


class GELU(_Activation):
    """``x * Phi(x)``; ``approximate='tanh'`` uses the tanh approximation.

    Args:
        approximate (str): ``'none'`` or ``'tanh'``. Default: ``'none'``.

    Example::

        >>> nn.GELU(approximate="tanh")(ember.tensor([0.]))
        tensor([0.])
    """

    _fn = "gelu"
    _args = ("approximate",)

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        self.approximate = approximate

    def extra_repr(self):
        return f"approximate={self.approximate!r}"


class Hardshrink(_Shrink):
    """``x`` if ``|x| > lambd`` else 0.

    Args:
        lambd (float): Default: 0.5.

    Example::

        >>> nn.Hardshrink()(ember.tensor([0.2, 1.0]))
        tensor([0., 1.])
    """

    _fn = "hardshrink"


class LeakyReLU(_Activation):
    """``x`` if ``x >= 0`` else ``negative_slope * x``.

    Args:
        negative_slope (float): Default: 0.01. inplace (bool): Default: ``False``.

    Example::

        >>> nn.LeakyReLU(0.1)(ember.tensor([-1.]))
        tensor([-0.1000])
    """

    _fn = "leaky_relu"
    _args = ("negative_slope", "inplace")

    def __init__(self, negative_slope: float = 1e-2, inplace: bool = False) -> None:
        super().__init__()
        self.negative_slope = negative_slope
        self.inplace = inplace


class LogSigmoid(_Activation):
    """``log(sigmoid(x))``, computed stably.

    Example::

        >>> nn.LogSigmoid()(ember.tensor([0.]))
        tensor([-0.6931])
    """

    _fn = "logsigmoid"


class Softplus(_Activation):
    """``log(1 + exp(beta * x)) / beta``, linear above ``threshold``.

    Args:
        beta (float): Default: 1. threshold (float): Default: 20.

    Example::

        >>> nn.Softplus()(ember.tensor([0.]))
        tensor([0.6931])
    """

    _fn = "softplus"
    _args = ("beta", "threshold")

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta = beta
        self.threshold = threshold


class Softshrink(_Shrink):
    """``x - lambd`` if ``x > lambd``, ``x + lambd`` if ``x < -lambd``, else 0.

    Args:
        lambd (float): must be ``>= 0``. Default: 0.5.

    Example::

        >>> nn.Softshrink()(ember.tensor([1.]))
        tensor([0.5000])
    """

    _fn = "softshrink"


class PReLU(Module):
    """``x`` if ``x >= 0`` else ``a * x`` with a learned ``a`` (one, or one per channel).

    Args:
        num_parameters (int): 1 or the number of channels (dim 1 of the input). Default: 1.
        init (float): initial value of ``a``. Default: 0.25.

    Attributes:
        weight: ``(num_parameters,)``.

    Example::

        >>> nn.PReLU()(ember.tensor([-1.]))
        tensor([-0.2500], grad_fn=<WhereBackward0>)
    """

    def __init__(self, num_parameters: int = 1, init: float = 0.25, device=None,
                 dtype=None) -> None:
        self.num_parameters = num_parameters
        super().__init__()
        self.init = init
        self.weight = Parameter(ember.empty(num_parameters, device=device, dtype=dtype))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.constant_(self.weight, self.init)

    def forward(self, input):
        return F.prelu(input, self.weight)

    def extra_repr(self):
        return f"num_parameters={self.num_parameters}"


class Softsign(_Activation):
    """``x / (1 + |x|)``.

    Example::

        >>> nn.Softsign()(ember.tensor([1.]))
        tensor([0.5000])
    """

    _fn = "softsign"


class Tanhshrink(_Activation):
    """``x - tanh(x)``.

    Example::

        >>> nn.Tanhshrink()(ember.tensor([0.]))
        tensor([0.])
    """

    _fn = "tanhshrink"


class _SoftmaxBase(Module):
    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def __setstate__(self, state):
        super().__setstate__(state)
        if not hasattr(self, "dim"):
            self.dim = None

    def extra_repr(self):
        return f"dim={self.dim}"


class Softmin(_SoftmaxBase):
    """``softmax(-x)`` along ``dim``.

    Args:
        dim (int): the dim to normalise.

    Example::

        >>> nn.Softmin(dim=0)(ember.tensor([0., 0.]))
        tensor([0.5000, 0.5000])
    """

    def forward(self, input):
        return F.softmin(input, self.dim, _stacklevel=5)


class Softmax(_SoftmaxBase):
    """``exp(x_i) / sum_j exp(x_j)`` along ``dim`` (the slices along ``dim`` sum to 1).

    Args:
        dim (int): the dim to normalise.

    Example::

        >>> nn.Softmax(dim=1)(ember.zeros(2, 4))[0]
        tensor([0.2500, 0.2500, 0.2500, 0.2500])
    """

    def forward(self, input):
        return F.softmax(input, self.dim, _stacklevel=5)


class Softmax2d(Module):
    """Softmax over the channels (dim -3) at every spatial location.

    Shape: ``(N, C, H, W)`` or ``(C, H, W)`` -> the same.

    Example::

        >>> nn.Softmax2d()(ember.zeros(1, 2, 3, 3))[0, :, 0, 0]
        tensor([0.5000, 0.5000])
    """

    def forward(self, input):
        if input.dim() not in (3, 4):
            raise ValueError(f"Softmax2d: expected input to be 3D or 4D, got {input.dim()}D "
                             f"instead")
        return F.softmax(input, -3, _stacklevel=5)


class LogSoftmax(_SoftmaxBase):
    """``log(softmax(x))`` along ``dim``, computed stably.

    Args:
        dim (int): the dim to normalise.

    Example::

        >>> nn.LogSoftmax(dim=0)(ember.tensor([0., 0.]))
        tensor([-0.6931, -0.6931])
    """

    def forward(self, input):
        return F.log_softmax(input, self.dim, _stacklevel=5)
