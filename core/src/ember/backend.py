"""The backend protocol: what a device plugin implements.

A backend owns memory and kernels for one device type and knows nothing of autograd. Arrays
passed to and returned from these methods are the backend's *native* arrays (NumPy arrays,
CuPy arrays, ...); the core never looks inside them except for ``.shape`` and ``.dtype``.

The list of primitives is short and fixed (see ``UNARY``, ``BINARY`` and the methods of
:class:`Backend`). Everything else -- softmax, convolution, losses, linear algebra built from
matmul -- is composed in the core from these. A backend may also offer the *optional* kernels
listed in ``OPTIONAL``; the core uses them when present and its generic fallback otherwise.

A missing required primitive raises :class:`MissingPrimitive`, naming the backend and the
method, at the first call that needs it. docs/backend-protocol.md is the long form of this page.
"""

from __future__ import annotations

from typing import Any, Protocol, Sequence, runtime_checkable

from ._dtype import dtype

__all__ = ["Backend", "LinalgFftKernels", "DLPackKernels", "InPlaceKernels", "LSTMScanKernels",
           "CrossEntropyKernel", "MaskKernel",
           "UNARY", "BINARY", "REDUCTIONS", "OPTIONAL", "MissingPrimitive", "check_backend"]

#: unary elementwise primitives: ``backend.<name>(x) -> array``
UNARY = (
    "neg", "abs", "sign", "exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sqrt",
    "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "asinh", "acosh",
    "atanh", "floor", "ceil", "round", "trunc", "erf", "erfinv", "lgamma", "digamma",
    "logical_not", "bitwise_not", "isnan", "isinf", "isfinite", "signbit", "conj", "real",
    "imag", "angle", "sigmoid",
)

#: binary elementwise primitives: ``backend.<name>(a, b) -> array``; either side may be a
#: Python scalar, which must not change the result dtype (weak scalars, as NEP 50).
BINARY = (
    "add", "sub", "mul", "div", "floor_divide", "remainder", "fmod", "pow", "atan2",
    "maximum", "minimum", "fmax", "fmin", "hypot", "copysign", "eq", "ne", "lt", "le", "gt",
    "ge", "logical_and", "logical_or", "logical_xor", "bitwise_and", "bitwise_or",
    "bitwise_xor", "left_shift", "right_shift",
)

#: reductions: ``backend.<name>(x, axis: tuple[int, ...] | None, keepdims: bool)``
REDUCTIONS = ("sum", "prod", "max", "min", "all", "any")

#: optional fast kernels; each has a fallback in the core
OPTIONAL = ("adam_step", "sgd_step", "linalg", "fft",
            "dlpack_device_type", "to_dlpack", "from_dlpack", "binary_into", "owns_memory",
            "lstm_scan_forward", "lstm_scan_backward", "cross_entropy_mean",
            "cross_entropy_mean_backward", "mask_mul")


class MissingPrimitive(NotImplementedError):
    """A backend lacks a primitive the core needs; the message names both."""


@runtime_checkable
class Backend(Protocol):
    """One device type's implementation. All methods are required unless noted.

    Declared capabilities
    ---------------------
    ``name``: the device type (``"cpu"``). ``aliasing``: True when ``view`` returns arrays
    that share memory with the buffer (NumPy, CuPy); False for backends whose views are
    copies (the core then re-reads views after in-place writes).
    """

    name: str
    aliasing: bool

    # -- capabilities --------------------------------------------------------------------
    def is_available(self) -> bool:
        """True when the hardware and driver are usable."""

    @property
    def unavailable_reason(self) -> str:
        """Why ``is_available()`` is False (empty when available)."""

    def device_count(self) -> int:
        """How many devices of this type exist (1 for a host backend)."""

    def dtypes(self, index: int | None = None) -> tuple[dtype, ...]:
        """The ember dtypes this device supports."""

    def synchronize(self, index: int | None = None) -> None:
        """Wait for all queued work on the device to finish."""

    def memory_stats(self, index: int | None = None) -> dict[str, int]:
        """At least ``allocated_bytes`` and ``reserved_bytes`` (0 where unknown)."""

    def default_index(self) -> int | None:
        """The index a bare device name means (``None`` for ``cpu``, the current device for
        ``cuda``)."""

    # -- dtypes --------------------------------------------------------------------------
    def native_dtype(self, d: dtype) -> Any:
        """The native dtype for an ember dtype (raise ``TypeError`` if unsupported)."""

    def ember_dtype(self, native: Any) -> dtype:
        """The ember dtype for a native dtype."""

    # -- memory and layout ---------------------------------------------------------------
    def empty(self, shape: tuple[int, ...], d: dtype, index: int | None) -> Any:
        """A C-contiguous uninitialised array."""

    def full(self, shape: tuple[int, ...], value: Any, d: dtype, index: int | None) -> Any:
        """A C-contiguous array filled with ``value``."""

    def asarray(self, obj: Any, d: dtype | None, index: int | None) -> Any:
        """An array from nested Python sequences/scalars or a host (NumPy) array. With
        ``d=None`` infer: bool, int64, float64 or complex128 for Python data; the host
        array's own dtype for arrays. Always a new, C-contiguous array."""

    def to_host(self, x: Any) -> Any:
        """A host NumPy array with the same values (a view where the memory is host memory)."""

    def view(self, buffer: Any, shape: tuple[int, ...], strides: tuple[int, ...],
             offset: int) -> Any:
        """The strided view ``buffer[offset + sum(i_k * strides_k)]`` (strides in elements)
        of a 1-D buffer. Aliasing backends return a view; others may return a copy."""

    def write(self, buffer: Any, shape: tuple[int, ...], strides: tuple[int, ...],
              offset: int, src: Any) -> Any:
        """Write ``src`` (an array broadcastable to ``shape``, or a scalar) into the strided
        region of ``buffer``; return the buffer (a new one for functional backends)."""

    def as_buffer(self, x: Any) -> tuple[Any, Any]:
        """``(c, flat)``: a C-contiguous version of ``x`` (``x`` itself when it already is)
        and a 1-D array aliasing ``c``'s memory."""

    def astype(self, x: Any, d: dtype) -> Any:
        """``x`` converted to ``d`` (a new array; C-style wrap-around for ints)."""

    def copy(self, x: Any) -> Any:
        """A C-contiguous copy."""

    def to_bytes(self, x: Any) -> bytes:
        """The raw little-endian bytes of a C-contiguous array (for serialization)."""

    def from_bytes(self, data: bytes, d: dtype, index: int | None) -> Any:
        """A new 1-D array of dtype ``d`` from raw little-endian bytes."""

    def arange(self, n: int, d: dtype, index: int | None) -> Any:
        """``[0, 1, ..., n-1]`` of dtype ``d``."""

    def data_ptr(self, buffer: Any) -> int:
        """The address of the buffer's first element (0 when not addressable)."""

    # -- compute -------------------------------------------------------------------------
    def where(self, cond: Any, a: Any, b: Any) -> Any:
        """Elementwise select; ``a``/``b`` may be scalars."""

    def clip(self, x: Any, lo: Any, hi: Any) -> Any:
        """Elementwise clamp; ``lo``/``hi`` may be None, scalars or arrays."""

    def argmax(self, x: Any, axis: int | None, keepdims: bool) -> Any:
        """Index (int64) of the first maximum along ``axis`` (NaN counts as maximum)."""

    def argmin(self, x: Any, axis: int | None, keepdims: bool) -> Any:
        """Index (int64) of the first minimum along ``axis`` (NaN counts as minimum)."""

    def cumsum(self, x: Any, axis: int) -> Any:
        """Inclusive cumulative sum."""

    def cumprod(self, x: Any, axis: int) -> Any:
        """Inclusive cumulative product."""

    def sort(self, x: Any, axis: int, descending: bool, stable: bool) -> tuple[Any, Any]:
        """``(values, indices)`` sorted along ``axis``; NaN sorts last (first if descending)."""

    def matmul(self, a: Any, b: Any) -> Any:
        """Batched matrix product with broadcasting of batch dimensions."""

    def take(self, x: Any, index: Any, axis: int) -> Any:
        """Select entries of ``x`` along ``axis`` by an int64 index array (``index_select``)."""

    def take_along_axis(self, x: Any, index: Any, axis: int) -> Any:
        """``gather``: ``out[..i..] = x[..index[..i..]..]`` along ``axis``."""

    def scatter(self, x: Any, index: Any, src: Any, axis: int, reduce: str | None) -> Any:
        """A copy of ``x`` with ``src`` scattered along ``axis`` at ``index``; ``reduce`` is
        None (overwrite), ``"sum"``, ``"prod"``, ``"amax"``, ``"amin"``."""

    def getitem(self, x: Any, key: tuple) -> Any:
        """NumPy-style advanced indexing; ``key`` holds slices, None, Ellipsis, ints and
        native int64/bool arrays. Returns a new array."""

    def setitem(self, x: Any, key: tuple, value: Any, accumulate: bool) -> None:
        """In-place ``x[key] = value`` (or ``+=`` with repeated indices summed when
        ``accumulate``)."""

    def nonzero(self, x: Any) -> tuple[Any, ...]:
        """One int64 index array per dimension, in C order."""

    def concat(self, arrays: Sequence[Any], axis: int) -> Any:
        """Join along an existing axis."""

    # -- random --------------------------------------------------------------------------
    def new_generator(self, seed: int, index: int | None) -> Any:
        """A fresh random generator object for this device."""

    def default_generator(self, index: int | None) -> Any:
        """The device's default generator (what ``ember.manual_seed`` seeds)."""

    def generator_seed(self, gen: Any, seed: int) -> None:
        """Reseed ``gen``."""

    def generator_get_state(self, gen: Any) -> bytes:
        """The full state as bytes."""

    def generator_set_state(self, gen: Any, state: bytes) -> None:
        """Restore a state from ``generator_get_state``."""

    def random(self, gen: Any, kind: str, shape: tuple[int, ...], d: dtype,
               index: int | None, **params: Any) -> Any:
        """Random numbers: ``kind`` is ``"uniform"`` (low, high), ``"normal"`` (mean, std),
        ``"randint"`` (low, high), ``"bernoulli"`` (p: scalar or array), ``"exponential"``
        (lambd), ``"randperm"`` (n), ``"multinomial"`` (probs, num_samples, replacement)."""


class LinalgFftKernels(Protocol):
    """The optional ``linalg`` and ``fft`` kernels (NOTE [optional linalg/fft]).

    NOTE [optional linalg/fft]: ``ember.linalg`` and ``ember.fft`` call these when the
    backend has them. Without ``linalg`` the decompositions and solvers (``inv``, ``det``,
    ``solve``, ``cholesky``, ``qr``, ``svd``, ``eigh``, ...) raise ``NotImplementedError``
    naming the backend and the function: a fallback built from elementwise primitives would be
    too slow and too inaccurate to be useful. Products, norms built from sums and ``einsum``
    need no kernel. Without ``fft`` the transforms fall back to a dense DFT (one complex
    matrix multiply per transformed dimension, O(n^2)), which is exact but slow.
    Gradients never need the backend: they are written in ember ops on top of these.
    """

    def linalg(self, name: str, *arrays: Any, **kw: Any) -> Any:
        """Batched dense linear algebra over the last two axes (leading axes are a batch,
        broadcast between operands). ``name`` and what it returns:

        - ``"inv"(a)``: the inverse; ``"det"(a)``: the determinant (an array of the batch
          shape); ``"slogdet"(a)``: ``(sign, log|det|)`` (the log in the real dtype);
        - ``"solve"(a, b)``: ``x`` with ``a @ x == b`` for ``b`` of shape ``(..., n, k)``;
        - ``"cholesky"(a)``: the lower factor ``L`` with ``a == L @ L^H``;
        - ``"qr"(a, mode)``: ``(q, r)`` for mode ``"reduced"``/``"complete"``, ``r`` alone for
          ``"r"``;
        - ``"svd"(a, full_matrices, compute_uv)``: ``(u, s, vh)``, or ``s`` alone
          (singular values descending, in the real dtype);
        - ``"eigh"(a, UPLO, compute_v)``: ``(w, v)`` (eigenvalues ascending, real dtype), or
          ``w`` alone; only the ``UPLO`` triangle of ``a`` is read;
        - ``"eig"(a, compute_v)``: ``(w, v)`` or ``w``, both complex.

        Results keep the input's precision (float32 in, float32 out). A singular matrix
        (``inv``, ``solve``) or a non-positive-definite one (``cholesky``) raises an exception
        whose class is named ``LinAlgError`` (``numpy.linalg.LinAlgError`` qualifies, as does
        ``ember.linalg.LinAlgError``); the core re-raises it as ``ember.linalg.LinAlgError``
        naming the op and the shape. An unknown ``name`` raises :class:`MissingPrimitive`."""

    def fft(self, name: str, x: Any, n: int, axis: int, norm: str) -> Any:
        """A one-dimensional discrete Fourier transform along ``axis`` with ``norm`` one of
        ``"backward"``, ``"ortho"``, ``"forward"`` (numpy.fft's meaning). ``name``:
        ``"fft"``/``"ifft"`` (complex to complex, ``n`` = the input's length on ``axis``),
        ``"rfft"`` (real to the ``n // 2 + 1`` non-negative frequencies), ``"irfft"``
        (``n // 2 + 1`` one-sided coefficients to a real signal of length ``n``; the imaginary
        parts of the zero and Nyquist terms are ignored). float32/complex64 inputs give
        complex64/float32 results, float64/complex128 give complex128/float64."""


class DLPackKernels(Protocol):
    """The optional DLPack exchange (NOTE [dlpack exchange]).

    NOTE [dlpack exchange]: ``Tensor.__dlpack__``/``__dlpack_device__``, ``ember.from_dlpack``
    and ``ember.utils.dlpack`` share memory with other libraries through these three members.
    The core does the bookkeeping (autograd checks, ``copy=``, cross-device ``dl_device=``
    requests, picking the backend from the producer's device); the backend only converts
    between its native arrays and DLPack. A backend without them cannot exchange: the core
    raises ``BufferError`` naming the backend and the missing member.
    """

    #: the DLPack ``DLDeviceType`` code of this device type (``kDLCPU = 1``, ``kDLCUDA = 2``,
    #: ``kDLROCM = 10``, ...); ``ember.from_dlpack`` picks the backend whose code matches the
    #: producer's ``__dlpack_device__()``.
    dlpack_device_type: int

    def to_dlpack(self, x: Any, stream: Any = None,
                  max_version: tuple[int, int] | None = None) -> Any:
        """A DLPack capsule viewing the native strided array ``x`` (no copy), as the array
        library's own ``x.__dlpack__(stream=..., max_version=...)`` returns it: strides are
        exported as they are. A dtype DLPack cannot describe raises ``BufferError`` naming
        the dtype and the fix."""

    def from_dlpack(self, obj: Any, index: int | None) -> tuple[Any, tuple[int, ...],
                                                               tuple[int, ...], int]:
        """Import ``obj`` (anything with ``__dlpack__`` and ``__dlpack_device__`` on this
        backend's device ``index``) without copying: ``(buffer, shape, strides, offset)``
        where ``buffer`` is a 1-D native array aliasing the producer's memory and the tensor
        is ``buffer[offset + sum(i_k * strides_k)]`` (strides in elements, non-negative). A
        layout or dtype that cannot be shared raises ``BufferError`` saying why."""


class InPlaceKernels(Protocol):
    """Optional members that let the core skip copies (NOTE [in-place kernels]).

    NOTE [in-place kernels]: without them an in-place op computes its result out of place and
    copies it into the tensor's memory (``write``), and the first gradient a leaf receives is
    copied into ``.grad``. An aliasing backend (``aliasing = True``) may offer:

    - ``binary_into`` so that ``x.add_(y)``, ``x.mul_(2)``, gradient accumulation and the
      optimizers' updates write their result straight into ``x``'s memory;
    - ``owns_memory`` so that the engine may hand a gradient it computed, and that nothing
      else references, to ``.grad`` as it is (PyTorch does the same), instead of cloning it.
    """

    def binary_into(self, name: str, a: Any, b: Any, out: Any) -> bool:
        """Compute the binary primitive ``name`` (``"add"``, ``"sub"``, ``"mul"`` or
        ``"div"``) of ``a`` (a native array) and ``b`` (a native array of the same dtype whose
        shape broadcasts to ``a``'s, or a Python number that keeps the dtype) and write it
        into ``out`` (a native
        view of a storage, same shape and dtype; it may overlap ``a`` or ``b``, the usual case
        being ``out is a``). The result must equal ``write(out, name(a, b))`` bit for bit.
        Returns False, having written nothing, for a name it does not handle."""

    def owns_memory(self, x: Any) -> bool:
        """True when the native array ``x`` is the only owner of its memory: not a view of
        another array and not viewed by one (a fresh kernel result). Conservative answers
        (False) are always safe."""


class MaskKernel(Protocol):
    """The optional ``mask_mul`` (NOTE [mask kernel]).

    NOTE [mask kernel]: backward passes often keep a value where a comparison holds and zero
    elsewhere (``relu``'s gradient, the gradient a max pool routes to the winning tap). From
    the primitives that is ``mul(x, astype(mask, dtype))``: a mask converted to floats, then a
    product -- two passes over memory and an array the size of ``x``. A backend whose
    multiply accepts a bool operand does it in one.
    """

    def mask_mul(self, x: Any, mask: Any) -> Any:
        """Exactly ``mul(x, astype(mask, x.dtype))`` -- ``x`` where the bool native ``mask``
        (broadcastable to ``x``) is true, else ``x * 0`` -- as a new native of ``x``'s dtype
        and shape, without the converted mask."""


class CrossEntropyKernel(Protocol):
    """The optional fused mean cross entropy (NOTE [fused cross entropy kernel]).

    NOTE [fused cross entropy kernel]: ``F.cross_entropy(logits, target)`` with its defaults
    (mean reduction, no weight, no label smoothing, ``ignore_index`` outside the classes) on
    (N, C) logits and (N,) int64 class indices is the loss of nearly every classifier's
    training step. ember-nn computes it as one autograd node (NOTE [fused cross entropy] in
    ember-nn); when the backend has ``cross_entropy_mean`` that node's forward is this one
    call instead of a dozen primitives. The gradient is computed from the returned
    probabilities as on the generic path, so both paths give the same values up to
    floating-point rounding.
    """

    def cross_entropy_mean(self, x: Any, t: Any) -> Any:
        """``(loss, probs)``: ``loss`` the 0-d native ``mean_n(logsumexp(x_n) - x_n[t_n])``
        in ``x``'s dtype and ``probs`` a new (N, C) native ``softmax(x, 1)`` (the caller
        keeps it for the backward), for (N, C) logits ``x`` and (N,) int64 targets ``t``.
        Returns ``NotImplemented`` for anything it does not handle -- dtypes, shapes, an empty
        batch -- and whenever some target is outside ``[0, C)``: the caller then takes its
        general path, which raises PyTorch's error for bad targets."""

    def cross_entropy_mean_backward(self, probs: Any, t: Any, g: Any) -> Any:
        """Optional too: the gradient in the logits, ``(probs - onehot(t)) * (g * (1/N))``
        as a new (N, C) native -- ``probs`` what ``cross_entropy_mean`` returned (it must not
        be modified: a second backward reads it again), ``t`` the (N,) int64 targets, ``g``
        the 0-d incoming gradient -- with the generic path's op order, so the same bits:
        ``gs = g * (1/N)``, then ``(probs - onehot) * gs``. ``NotImplemented`` declines."""


class LSTMScanKernels(Protocol):
    """The optional fused LSTM recurrence (NOTE [fused LSTM scan kernel]).

    NOTE [fused LSTM scan kernel]: ``nn.LSTM`` (and ``nn.LSTMCell``) run each layer and
    direction as one autograd node (ember-nn's NOTE [fused RNN scan]). When the backend has
    these two members, that node hands the whole time loop to them; without them, or when
    ``lstm_scan_forward`` returns ``NotImplemented``, it runs the generic loop built from the
    primitives. Either way the values and gradients are those of PyTorch's LSTM (gate order
    i, f, g, o; ``c' = f c + i g``, ``h' = o tanh(c')``, then ``h' W_hr^T`` with a
    projection) up to floating-point rounding. Higher-order gradients (``create_graph``)
    never use the kernel: the core re-runs the recurrence op by op and differentiates that.

    Arrays are native and time-major: ``rows`` is the total number of (time, batch) rows and
    step ``t`` owns rows ``off[t]:off[t] + batch_sizes[t]`` with ``off`` the running sum of
    ``batch_sizes``, which never increase (a ``PackedSequence`` sorted by length; a dense
    batch has them all equal). Going backward in time (``reverse``) the steps run from the
    last to the first and a sequence starts at its own last step. ``B = batch_sizes[0]``,
    ``H`` the hidden size, ``P`` the state size (``proj_size``, or ``H``).
    """

    def lstm_scan_forward(self, x: Any, w_ih: Any, bias: Any, w_hh: Any, w_hr: Any, h0: Any,
                          c0: Any, batch_sizes: Sequence[int], reverse: bool,
                          keep: bool) -> Any:
        """One layer and direction over the whole sequence: ``x`` (rows, I), ``w_ih``
        (4H, I), ``bias`` (4H,) the sum of both biases or None, ``w_hh`` (4H, P), ``w_hr``
        (P, H) or None, ``h0`` (B, P) and ``c0`` (B, H) or None for zeros. Returns
        ``(out, h_n, c_n, saved)``: the outputs (rows, P) and final states (B, P), (B, H) as
        new arrays that do not alias anything ``saved`` holds, and with ``keep`` an opaque
        object for ``lstm_scan_backward`` (else None). Returns ``NotImplemented`` for any
        input it does not handle (dtypes, shapes): the caller then runs its generic loop."""

    def lstm_scan_backward(self, saved: Any, gout: Any, gh_n: Any, gc_n: Any,
                           needs: Sequence[bool]) -> tuple[Any, ...]:
        """Backpropagation through time of one ``lstm_scan_forward(keep=True)`` for the
        gradients ``gout`` (rows, P), ``gh_n`` (B, P), ``gc_n`` (B, H) of its outputs (zeros
        where an output was unused). ``needs``: seven booleans for ``x, w_ih, bias, w_hh,
        w_hr, h0, c0``. Returns their seven gradients in that order (None where not needed;
        ``bias`` is the gradient of each of ``b_ih`` and ``b_hh``). It may be called more than
        once for one ``saved`` (``retain_graph``) and must leave ``saved`` unchanged."""


_REQUIRED = [n for n in Backend.__dict__ if not n.startswith("_") and callable(Backend.__dict__[n])]


def check_backend(backend: Any) -> list[str]:
    """The names of required primitives ``backend`` lacks (empty when complete)."""
    need = list(_REQUIRED) + list(UNARY) + list(BINARY) + list(REDUCTIONS)
    return [n for n in need if not callable(getattr(backend, n, None))]
