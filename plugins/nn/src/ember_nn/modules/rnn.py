"""Recurrent layers: ``RNN``, ``LSTM``, ``GRU`` and the single-step ``RNNCell``,
``LSTMCell``, ``GRUCell``.

Parameters, their names (``weight_ih_l0``, ``weight_hh_l1_reverse``, ``weight_hr_l0`` ...),
shapes, gate order (LSTM: i, f, g, o; GRU: r, z, n) and initialisation (``U(-k, k)``,
``k = 1/sqrt(hidden_size)``) are PyTorch's, so state dicts load both ways. The time loop is
the fused scan of ``ember_nn._rnn_impl`` (NOTE [fused RNN scan]): per layer and direction one
matmul for the input projections of all steps, then one recurrent matmul per step.
"""

from __future__ import annotations

import math
import numbers
import warnings

import ember
from ember.nn import Module, Parameter

from .. import init
from .._rnn_impl import scan
from ..functional.dropout import dropout as _dropout
from ..rnn_utils import PackedSequence

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]

_GATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}


class RNNBase(Module):
    """The common machinery of ``RNN``, ``LSTM`` and ``GRU`` (use those).

    ``mode`` is ``"LSTM"``, ``"GRU"``, ``"RNN_TANH"`` or ``"RNN_RELU"``; the other arguments
    are documented on the subclasses.
    """

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, proj_size: int = 0, device=None,
                 dtype=None) -> None:
        super().__init__()
        if mode not in _GATES:
            raise ValueError(f"Unrecognized RNN mode: {mode}")
        if (not isinstance(dropout, numbers.Number) or isinstance(dropout, bool)
                or not 0 <= dropout <= 1):
            raise ValueError("dropout should be a number in range [0, 1] representing the "
                             "probability of an element being zeroed")
        if dropout > 0 and num_layers == 1:
            warnings.warn(f"dropout option adds dropout after all but last recurrent layer, "
                          f"so non-zero dropout expects num_layers greater than 1, but got "
                          f"dropout={dropout} and num_layers={num_layers}", stacklevel=2)
        for name, v in (("input_size", input_size), ("hidden_size", hidden_size),
                        ("num_layers", num_layers), ("proj_size", proj_size)):
            if not isinstance(v, int) or isinstance(v, bool):
                raise TypeError(f"{name} should be of type int, got: {type(v).__name__}")
        if hidden_size <= 0:
            raise ValueError("hidden_size must be greater than zero")
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable "
                             "projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        if proj_size and mode != "LSTM":
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        D = 2 if bidirectional else 1
        gate = _GATES[mode] * hidden_size
        real = proj_size if proj_size > 0 else hidden_size
        self._flat_weights_names = []
        self._all_weights = []
        for layer in range(num_layers):
            in_size = input_size if layer == 0 else real * D
            for d in range(D):
                sfx = f"_l{layer}{'_reverse' if d == 1 else ''}"
                shapes = [("weight_ih", (gate, in_size)), ("weight_hh", (gate, real))]
                if bias:
                    shapes += [("bias_ih", (gate,)), ("bias_hh", (gate,))]
                if proj_size > 0:
                    shapes.append(("weight_hr", (proj_size, hidden_size)))
                names = []
                for base, shape in shapes:
                    setattr(self, base + sfx,
                            Parameter(ember.empty(shape, device=device, dtype=dtype)))
                    names.append(base + sfx)
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Every weight and bias from ``U(-k, k)``, ``k = 1/sqrt(hidden_size)``."""
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for w in self.parameters():
            init.uniform_(w, -stdv, stdv)

    @property
    def _flat_weights(self):
        return [getattr(self, n, None) for n in self._flat_weights_names]

    @property
    def all_weights(self):
        """The parameters grouped per layer and direction, as PyTorch lists them."""
        return [[getattr(self, n) for n in names] for names in self._all_weights]

    def flatten_parameters(self) -> None:
        """Kept for PyTorch compatibility: ember's kernels use the parameters where they are,
        so there is nothing to compact."""

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s

    # -- forward --------------------------------------------------------------------------
    def _out_size(self):
        return self.proj_size if self.proj_size > 0 else self.hidden_size

    def _check_hidden(self, h, expected, what="hidden"):
        if tuple(h.shape) != expected:
            raise RuntimeError(f"Expected {what} size {expected}, got {list(h.shape)}")

    def forward(self, input, hx=None):
        name = type(self).__name__
        is_lstm = self.mode == "LSTM"
        w0 = self.weight_ih_l0
        D = 2 if self.bidirectional else 1
        L = self.num_layers
        Hout = self._out_size()
        packed = isinstance(input, PackedSequence)
        if packed:
            data, batch_sizes, sorted_indices, unsorted_indices = input
            if data.dim() != 2:
                raise RuntimeError(f"input must have 2 dimensions, got {data.dim()}")
            x = data
            steps = [int(b) for b in batch_sizes.tolist()]
            B = steps[0]
            batched = True
        else:
            if not isinstance(input, ember.Tensor):
                raise TypeError(f"{name}: input must be a Tensor or a PackedSequence, got "
                                f"{type(input).__name__}")
            if input.dim() not in (2, 3):
                raise ValueError(f"{name}: Expected input to be 2D or 3D, got {input.dim()}D "
                                 f"instead")
            batched = input.dim() == 3
            sorted_indices = unsorted_indices = None
            x = input
        if x.dtype != w0.dtype:
            raise ValueError(f"RNN input dtype ({x.dtype}) does not match weight dtype "
                             f"({w0.dtype}). Convert input: input.to({w0.dtype}), or convert "
                             f"model: model.to({x.dtype})")
        if x.shape[-1] != self.input_size:
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected "
                               f"{self.input_size}, got {x.shape[-1]}")
        if hx is not None:
            hs = (hx[0], hx[1]) if is_lstm else (hx,)
            if not batched:
                if any(h.dim() != 2 for h in hs):
                    if is_lstm:
                        raise RuntimeError(f"For unbatched 2-D input, hx and cx should also "
                                           f"be 2-D but got ({hs[0].dim()}-D, {hs[1].dim()}-D) "
                                           f"tensors")
                    raise RuntimeError(f"For unbatched 2-D input, hx should also be 2-D but "
                                       f"got {hs[0].dim()}-D tensor")
                hs = tuple(h.unsqueeze(1) for h in hs)
            elif not packed and any(h.dim() != 3 for h in hs):
                if is_lstm:
                    raise RuntimeError(f"For batched 3-D input, hx and cx should also be 3-D "
                                       f"but got ({hs[0].dim()}-D, {hs[1].dim()}-D) tensors")
                raise RuntimeError(f"For batched 3-D input, hx should also be 3-D but got "
                                   f"{hs[0].dim()}-D tensor")
            if sorted_indices is not None:
                hs = tuple(h.index_select(1, sorted_indices) for h in hs)
        if not packed:
            if not batched:
                x = x.unsqueeze(1)
            elif self.batch_first:
                x = x.transpose(0, 1)
            T, B = x.shape[0], x.shape[1]
            steps = [B] * T
            x = x.reshape(T * B, self.input_size)
        if hx is None:
            hs = None                   # zeros, made by the scan
        else:
            sfx = ("[0]", "[1]") if is_lstm else ("", "")
            self._check_hidden(hs[0], (L * D, B, Hout), "hidden" + sfx[0])
            if is_lstm:
                self._check_hidden(hs[1], (L * D, B, self.hidden_size), "hidden" + sfx[1])
            for h in hs:
                if h.dtype != x.dtype or h.device != x.device:
                    raise RuntimeError(f"{name}: hx must have the input's dtype and device "
                                       f"({x.dtype}, {x.device}), got ({h.dtype}, {h.device})")
        out, h_n, c_n = self._run(x, hs, steps, D, L)
        if packed:
            if unsorted_indices is not None:
                h_n = h_n.index_select(1, unsorted_indices)
                if c_n is not None:
                    c_n = c_n.index_select(1, unsorted_indices)
            output = PackedSequence(out, batch_sizes, sorted_indices, unsorted_indices)
        else:
            output = out.reshape(T, B, D * Hout)
            if not batched:
                output = output.squeeze(1)
                h_n = h_n.squeeze(1)
                c_n = c_n.squeeze(1) if c_n is not None else None
            elif self.batch_first:
                output = output.transpose(0, 1)
        return output, ((h_n, c_n) if is_lstm else h_n)

    def _run(self, x, hs, steps, D, L):
        mode = self.mode
        h_out, c_out = [], []
        layer_in = x
        for layer in range(L):
            outs = []
            for d in range(D):
                names = self._all_weights[layer * D + d]
                w_ih, w_hh = getattr(self, names[0]), getattr(self, names[1])
                b_ih = b_hh = None
                if self.bias:
                    b_ih, b_hh = getattr(self, names[2]), getattr(self, names[3])
                w_hr = getattr(self, names[-1]) if self.proj_size > 0 else None
                k = layer * D + d
                h0 = c0 = None
                if hs is not None:
                    h0 = hs[0][k]
                    c0 = hs[1][k] if mode == "LSTM" else None
                res = scan(mode, layer_in, w_ih, b_ih, w_hh, b_hh, w_hr, h0, c0, steps,
                           d == 1)
                outs.append(res[0])
                h_out.append(res[1])
                if mode == "LSTM":
                    c_out.append(res[2])
            layer_in = outs[0] if D == 1 else ember.cat(outs, 1)
            if self.dropout and self.training and layer < L - 1:
                layer_in = _dropout(layer_in, self.dropout, True)
        h_n = h_out[0].unsqueeze(0) if len(h_out) == 1 else ember.stack(h_out, 0)
        c_n = None
        if c_out:
            c_n = c_out[0].unsqueeze(0) if len(c_out) == 1 else ember.stack(c_out, 0)
        return layer_in, h_n, c_n


class RNN(RNNBase):
    """A multi-layer Elman RNN: ``h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)``
    (``relu`` with ``nonlinearity="relu"``).

    Args:
        input_size, hidden_size (int): features of the input and of the hidden state.
        num_layers (int): stacked layers. Default 1.
        nonlinearity (str): ``"tanh"`` or ``"relu"``. Default ``"tanh"``.
        bias (bool): use ``b_ih`` and ``b_hh``. Default True.
        batch_first (bool): input and output are (batch, seq, feature). Default False.
        dropout (float): dropout on each layer's output except the last (training only).
        bidirectional (bool): a second pass over the reversed sequence. Default False.

    Inputs: ``input`` (L, N, H_in), (N, L, H_in) with ``batch_first``, (L, H_in) unbatched,
    or a ``PackedSequence``; ``h_0`` (D*num_layers, N, H_out), zeros by default.
    Outputs: ``output`` (L, N, D*H_out) (or packed), ``h_n`` (D*num_layers, N, H_out).

    Attributes: ``weight_ih_l[k]`` (hidden, in), ``weight_hh_l[k]`` (hidden, hidden),
    ``bias_ih_l[k]``, ``bias_hh_l[k]`` (hidden,), with ``_reverse`` for the reverse direction.

    Example::

        >>> rnn = nn.RNN(10, 20, 2)
        >>> output, hn = rnn(ember.randn(5, 3, 10), ember.randn(2, 3, 20))
        >>> output.shape, hn.shape
        (ember.Size([5, 3, 20]), ember.Size([2, 3, 20]))
    """

    _ARGS = ("input_size", "hidden_size", "num_layers", "nonlinearity", "bias", "batch_first",
             "dropout", "bidirectional")

    def __init__(self, *args, **kwargs):
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        kw = _bind("RNN", self._ARGS, args, kwargs)
        nonlinearity = kw.pop("nonlinearity", "tanh")
        if nonlinearity == "tanh":
            mode = "RNN_TANH"
        elif nonlinearity == "relu":
            mode = "RNN_RELU"
        else:
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or "
                             f"'relu'.")
        super().__init__(mode, **kw)
        self.nonlinearity = nonlinearity


class LSTM(RNNBase):
    """A multi-layer long short-term memory RNN. Per step, with gates in this order::

        i = sigmoid(W_ii x + b_ii + W_hi h + b_hi)     f = sigmoid(W_if x + ... )
        g = tanh(W_ig x + b_ig + W_hg h + b_hg)        o = sigmoid(W_io x + ... )
        c' = f * c + i * g                              h' = o * tanh(c')

    With ``proj_size > 0``, ``h' = (o * tanh(c')) W_hr^T`` has ``proj_size`` features.

    Args: as ``RNN`` (no ``nonlinearity``), plus ``proj_size`` (int, default 0).

    Inputs: ``input`` (L, N, H_in) / (N, L, H_in) / (L, H_in) / ``PackedSequence`` and an
    optional ``(h_0, c_0)``: (D*num_layers, N, H_out) and (D*num_layers, N, hidden_size).
    Outputs: ``output, (h_n, c_n)``.

    Attributes: ``weight_ih_l[k]`` (4*hidden, in), ``weight_hh_l[k]`` (4*hidden, H_out),
    ``bias_ih_l[k]``, ``bias_hh_l[k]`` (4*hidden,), ``weight_hr_l[k]`` (proj, hidden).

    Example::

        >>> lstm = nn.LSTM(10, 20, 2)
        >>> output, (hn, cn) = lstm(ember.randn(5, 3, 10))
        >>> output.shape, hn.shape, cn.shape
        (ember.Size([5, 3, 20]), ember.Size([2, 3, 20]), ember.Size([2, 3, 20]))
    """

    _ARGS = ("input_size", "hidden_size", "num_layers", "bias", "batch_first", "dropout",
             "bidirectional", "proj_size")

    def __init__(self, *args, **kwargs):
        super().__init__("LSTM", **_bind("LSTM", self._ARGS, args, kwargs))


class GRU(RNNBase):
    """A multi-layer gated recurrent unit RNN. Per step::

        r = sigmoid(W_ir x + b_ir + W_hr h + b_hr)     z = sigmoid(W_iz x + ... )
        n = tanh(W_in x + b_in + r * (W_hn h + b_hn))  h' = (1 - z) * n + z * h

    Args, inputs and outputs as ``RNN`` (no ``nonlinearity``).

    Attributes: ``weight_ih_l[k]`` (3*hidden, in), ``weight_hh_l[k]`` (3*hidden, hidden),
    ``bias_ih_l[k]``, ``bias_hh_l[k]`` (3*hidden,), gates in the order r, z, n.

    Example::

        >>> gru = nn.GRU(10, 20, batch_first=True)
        >>> output, hn = gru(ember.randn(3, 5, 10))
        >>> output.shape, hn.shape
        (ember.Size([3, 5, 20]), ember.Size([1, 3, 20]))
    """

    _ARGS = ("input_size", "hidden_size", "num_layers", "bias", "batch_first", "dropout",
             "bidirectional")

    def __init__(self, *args, **kwargs):
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        super().__init__("GRU", **_bind("GRU", self._ARGS, args, kwargs))


def _bind(cls, names, args, kwargs):
    """PyTorch's positional order for the recurrent layers' constructors."""
    if len(args) > len(names):
        raise TypeError(f"{cls}() takes at most {len(names)} positional arguments "
                        f"({len(args)} given)")
    kw = dict(zip(names, args, strict=False))
    for k, v in kwargs.items():
        if k in kw:
            raise TypeError(f"{cls}() got multiple values for argument '{k}'")
        if k not in names and k not in ("device", "dtype"):
            raise TypeError(f"{cls}() got an unexpected keyword argument '{k}'")
        kw[k] = v
    for required in ("input_size", "hidden_size"):
        if required not in kw:
            raise TypeError(f"{cls}() missing required argument '{required}'")
    return kw


# -- cells ---------------------------------------------------------------------------------

class RNNCellBase(Module):
    """The common parameters of the single-step cells (use ``RNNCell``, ``LSTMCell``,
    ``GRUCell``)."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool, num_chunks: int,
                 device=None, dtype=None) -> None:
        super().__init__()
        for name, v in (("input_size", input_size), ("hidden_size", hidden_size)):
            if not isinstance(v, int) or isinstance(v, bool):
                raise TypeError(f"{name} should be of type int, got: {type(v).__name__}")
        if hidden_size <= 0:
            raise ValueError("hidden_size must be greater than zero")
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        kw = dict(device=device, dtype=dtype)
        self.weight_ih = Parameter(ember.empty((num_chunks * hidden_size, input_size), **kw))
        self.weight_hh = Parameter(ember.empty((num_chunks * hidden_size, hidden_size), **kw))
        if bias:
            self.bias_ih = Parameter(ember.empty(num_chunks * hidden_size, **kw))
            self.bias_hh = Parameter(ember.empty(num_chunks * hidden_size, **kw))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Every weight and bias from ``U(-k, k)``, ``k = 1/sqrt(hidden_size)``."""
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for w in self.parameters():
            init.uniform_(w, -stdv, stdv)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        nl = getattr(self, "nonlinearity", "tanh")
        if nl != "tanh":
            s += f", nonlinearity={nl}"
        return s

    def _prepare(self, input, hx, n_state):
        """Checks; returns ``(x (B, in), states (B, hidden) ..., batched)``."""
        name = type(self).__name__
        if not isinstance(input, ember.Tensor):
            raise TypeError(f"{name}: input must be a Tensor, got {type(input).__name__}")
        if input.dim() not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.dim()}D "
                             f"instead")
        w = self.weight_ih
        if input.dtype != w.dtype:
            raise ValueError(f"{name} input dtype ({input.dtype}) does not match weight dtype "
                             f"({w.dtype}). Convert input: input.to({w.dtype}), or convert "
                             f"model: model.to({input.dtype})")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"input has inconsistent input_size: got {input.shape[-1]} "
                               f"expected {self.input_size}")
        batched = input.dim() == 2
        x = input if batched else input.unsqueeze(0)
        B = x.shape[0]
        if hx is None:
            states = [None] * n_state   # zeros, made by the scan
        else:
            states = list(hx) if n_state == 2 else [hx]
            if n_state == 2 and (isinstance(hx, ember.Tensor) or len(states) != 2):
                raise TypeError(f"{name}: hx must be a tuple (h_0, c_0) of Tensors")
            for j, h in enumerate(states):
                if h.dim() != (2 if batched else 1):
                    raise RuntimeError(
                        f"{name}: Expected hidden{j} to be {2 if batched else 1}-D for "
                        f"{'batched 2-D' if batched else 'unbatched 1-D'} input, got "
                        f"{h.dim()}-D")
                h = h if batched else h.unsqueeze(0)
                if h.shape[0] != B:
                    raise RuntimeError(f"Input batch size {B} doesn't match hidden{j} batch "
                                       f"size {h.shape[0]}")
                if h.shape[1] != self.hidden_size:
                    raise RuntimeError(f"hidden{j} has inconsistent hidden_size: got "
                                       f"{h.shape[1]}, expected {self.hidden_size}")
                if h.dtype != x.dtype:
                    raise RuntimeError(f"{name}: hidden{j} dtype ({h.dtype}) does not match "
                                       f"the input's ({x.dtype})")
                states[j] = h
        return x, states, batched

    def _step(self, mode, x, states):
        res = scan(mode, x, self.weight_ih, self.bias_ih, self.weight_hh, self.bias_hh, None,
                   states[0], states[1] if mode == "LSTM" else None, [x.shape[0]], False)
        return res[1:]


class RNNCell(RNNCellBase):
    """One Elman RNN step: ``h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)`` (or relu).

    Args: ``input_size``, ``hidden_size`` (int), ``bias`` (bool, default True),
    ``nonlinearity`` (``"tanh"`` or ``"relu"``).

    Inputs: ``input`` (N, H_in) or (H_in,), ``hidden`` (N, H_out) or (H_out,) (zeros by
    default). Output: ``h'`` of the hidden's shape.

    Example::

        >>> cell = nn.RNNCell(10, 20)
        >>> hx = ember.randn(3, 20)
        >>> for x in ember.randn(6, 3, 10):
        ...     hx = cell(x, hx)
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 nonlinearity: str = "tanh", device=None, dtype=None) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity: {nonlinearity}. Select from 'tanh' or "
                             f"'relu'.")
        super().__init__(input_size, hidden_size, bias, 1, device=device, dtype=dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):
        x, states, batched = self._prepare(input, hx, 1)
        mode = "RNN_TANH" if self.nonlinearity == "tanh" else "RNN_RELU"
        (h,) = self._step(mode, x, states)
        return h if batched else h.squeeze(0)


class LSTMCell(RNNCellBase):
    """One LSTM step (gates i, f, g, o as in ``LSTM``); returns ``(h', c')``.

    Args: ``input_size``, ``hidden_size`` (int), ``bias`` (bool, default True).

    Inputs: ``input`` (N, H_in) or (H_in,), optional ``(h_0, c_0)`` each (N, H_out) or
    (H_out,). Outputs: ``(h_1, c_1)`` of the same shapes.

    Example::

        >>> cell = nn.LSTMCell(10, 20)
        >>> h, c = cell(ember.randn(3, 10))
        >>> h.shape, c.shape
        (ember.Size([3, 20]), ember.Size([3, 20]))
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None,
                 dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, 4, device=device, dtype=dtype)

    def forward(self, input, hx=None):
        x, states, batched = self._prepare(input, hx, 2)
        h, c = self._step("LSTM", x, states)
        return (h, c) if batched else (h.squeeze(0), c.squeeze(0))


class GRUCell(RNNCellBase):
    """One GRU step (gates r, z, n as in ``GRU``).

    Args: ``input_size``, ``hidden_size`` (int), ``bias`` (bool, default True).

    Inputs: ``input`` (N, H_in) or (H_in,), ``hidden`` (N, H_out) or (H_out,) (zeros by
    default). Output: ``h'`` of the hidden's shape.

    Example::

        >>> cell = nn.GRUCell(10, 20)
        >>> cell(ember.randn(3, 10)).shape
        ember.Size([3, 20])
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None,
                 dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, 3, device=device, dtype=dtype)

    def forward(self, input, hx=None):
        x, states, batched = self._prepare(input, hx, 1)
        (h,) = self._step("GRU", x, states)
        return h if batched else h.squeeze(0)
