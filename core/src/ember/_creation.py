"""Factory functions: ``tensor``, ``zeros``, ``arange``, random ``rand``/``randn``, ..."""

from __future__ import annotations

import builtins as _b
import math

from . import _dtype as D
from ._device import get_default_device
from ._tensor import Tensor, _backend_for, _from_native, TypedStorage

__all__ = [
    "tensor", "as_tensor", "asarray", "from_numpy", "zeros", "ones", "full", "empty", "eye",
    "arange", "range", "linspace", "logspace", "zeros_like", "ones_like", "full_like",
    "empty_like", "empty_strided", "scalar_tensor", "complex", "polar",
]

_builtin_range = range


def _resolve(device):
    return _backend_for(get_default_device() if device is None else device)


def _size(args, kw=None, name="size"):
    if kw is not None:
        if args:
            raise TypeError(f"{name}: size given twice")
        args = (kw,)
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = tuple(args[0])
    out = []
    for a in args:
        if isinstance(a, Tensor):
            a = int(a.item())
        if isinstance(a, bool) or not isinstance(a, int):
            try:
                a = a.__index__()
            except AttributeError:
                raise TypeError(f"{name}(): argument 'size' must be tuple of ints, but found "
                                f"element of type {type(a).__name__}") from None
        if a < 0:
            raise RuntimeError(f"{name}(): negative dimension {a} in size {list(args)}; sizes "
                               f"must be >= 0")
        out.append(a)
    return tuple(out)


def _finish(t, requires_grad):
    if requires_grad:
        t.requires_grad_(True)
    return t


def empty(*size, out=None, dtype=None, device=None, requires_grad=False, pin_memory=False,
          memory_format=None, layout=None):
    """An uninitialised tensor of ``size`` (``empty(2, 3)`` or ``empty((2, 3))``)."""
    shape = _size(size, None, "empty")
    be, dev = _resolve(device)
    d = dtype or D.get_default_dtype()
    return _finish(_from_native(be.empty(shape, d, dev.index), be, dev, d), requires_grad)


def full(size, fill_value, *, out=None, dtype=None, device=None, requires_grad=False,
         layout=None, pin_memory=False):
    """A tensor of ``size`` filled with ``fill_value``; the dtype is inferred from the value
    (bool, int64, default float, default complex) when not given."""
    shape = _size((size,) if isinstance(size, int) else tuple(size), None, "full")
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    d = dtype or D._scalar_dtype(fill_value)
    be, dev = _resolve(device)
    return _finish(_from_native(be.full(shape, fill_value, d, dev.index), be, dev, d),
                   requires_grad)


def zeros(*size, out=None, dtype=None, device=None, requires_grad=False, layout=None,
          pin_memory=False):
    """A tensor of zeros: ``zeros(2, 3)``, shape (2, 3), default float dtype."""
    shape = _size(size, None, "zeros")
    be, dev = _resolve(device)
    d = dtype or D.get_default_dtype()
    t = _from_native(be.full(shape, 0, d, dev.index), be, dev, d)
    if out is not None:
        return _copy_out(t, out)
    return _finish(t, requires_grad)


def ones(*size, out=None, dtype=None, device=None, requires_grad=False, layout=None,
         pin_memory=False):
    """A tensor of ones: ``ones(2, 3)``."""
    shape = _size(size, None, "ones")
    be, dev = _resolve(device)
    d = dtype or D.get_default_dtype()
    t = _from_native(be.full(shape, 1, d, dev.index), be, dev, d)
    if out is not None:
        return _copy_out(t, out)
    return _finish(t, requires_grad)


def _copy_out(t, out):
    from ._ops.core import write_out
    return write_out(t, out)


def _like(x, dtype, device):
    return dtype or x.dtype, device if device is not None else x.device


def zeros_like(input, *, dtype=None, device=None, requires_grad=False, layout=None,
               memory_format=None):
    d, dev = _like(input, dtype, device)
    return zeros(input._shape, dtype=d, device=dev, requires_grad=requires_grad)


def ones_like(input, *, dtype=None, device=None, requires_grad=False, layout=None,
              memory_format=None):
    d, dev = _like(input, dtype, device)
    return ones(input._shape, dtype=d, device=dev, requires_grad=requires_grad)


def full_like(input, fill_value, *, dtype=None, device=None, requires_grad=False, layout=None,
              memory_format=None):
    d, dev = _like(input, dtype, device)
    return full(input._shape, fill_value, dtype=d, device=dev, requires_grad=requires_grad)


def empty_like(input, *, dtype=None, device=None, requires_grad=False, layout=None,
               memory_format=None):
    d, dev = _like(input, dtype, device)
    return empty(input._shape, dtype=d, device=dev, requires_grad=requires_grad)


def empty_strided(size, stride, *, dtype=None, device=None, requires_grad=False):
    """An uninitialised tensor with the given strides."""
    size, stride = tuple(size), tuple(stride)
    span = 1 + sum((n - 1) * s for n, s in zip(size, stride)) if all(size) else 0
    base = empty(span, dtype=dtype, device=device)
    return _finish(base.as_strided(size, stride), requires_grad)


def _is_python_data(data):
    if isinstance(data, (bool, int, float, _b.complex)):
        return not hasattr(data, "dtype")      # NumPy's float64 subclasses float: keep its dtype
    if isinstance(data, (list, tuple)):
        return all(_is_python_data(x) for x in data[:1]) if data else True
    return False


def _sequence_dtype(data):
    """PyTorch's dtype inference for (nested) lists and tuples: the promotion of every
    element's type, a Python ``float`` counting as the default dtype (``complex``: the default
    complex dtype), ``int`` as int64, ``bool`` as bool, and a NumPy scalar (or 0-d array) as
    its own dtype -- so ``[1.0, np.float64(2)]`` is float64 and ``[np.float32(1), 2.0]``
    float32. None when some element is of another kind (the backend's conversion decides).
    The per-element work is C-level (``map``/``zip``); Python code runs once per row."""
    reps = {}
    stack = [data]
    while stack:
        seq = stack.pop()
        if not seq:
            continue
        first = seq[0]
        if first.__class__ is list or first.__class__ is tuple:
            stack.extend(seq)
        else:
            reps.update(zip(map(type, seq), seq))
    out = None
    for tp, x in reps.items():
        if tp is bool:
            d = D.bool_
        elif tp is int:
            d = D.int64
        elif tp is float:
            d = D.get_default_dtype()
        elif tp is _b.complex:
            d = D._default_complex()
        else:
            name = getattr(getattr(x, "dtype", None), "name", None)
            d = D.dtype._by_name.get(name) if isinstance(name, str) else None
            if d is None or getattr(x, "ndim", 0) != 0:
                return None
        out = d if out is None else D.promote_types(out, d)
    return out


def _unpack_tensors(data):
    if isinstance(data, Tensor):
        return data.tolist()
    if isinstance(data, (list, tuple)):
        if any(isinstance(x, (Tensor, list, tuple)) for x in data):
            return [_unpack_tensors(x) for x in data]
    return data


def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """A new tensor holding a copy of ``data`` (nested sequences, scalars, NumPy arrays,
    tensors). Python floats give the default dtype, ints int64, bools bool.

    Example::

        >>> ember.tensor([[1, 2], [3, 4]]).dtype
        ember.int64
    """
    if isinstance(data, Tensor):
        t = data.detach().clone()
        if dtype is not None or device is not None:
            t = t.to(device=device, dtype=dtype)
        return _finish(t, requires_grad)
    if isinstance(data, (list, tuple)):
        data = _unpack_tensors(data)
    be, dev = _resolve(device)
    py = _is_python_data(data)
    if hasattr(data, "__dlpack__") and not hasattr(data, "__array_interface__") and not py:
        from ._ops.interop import from_dlpack     # a foreign array (torch, cupy): share, copy
        return tensor(from_dlpack(data), dtype=dtype, device=device, requires_grad=requires_grad)
    if dtype is None and isinstance(data, (list, tuple)):
        dtype = _sequence_dtype(data)
        if dtype is not None:
            py = False                            # the dtype is decided: no default cast
    arr = be.asarray(data, dtype, dev.index)
    t = _from_native(arr, be, dev)
    if dtype is None and py:
        if t._dtype is D.float64 and D.get_default_dtype() is not D.float64:
            t = t.to(D.get_default_dtype())
        elif t._dtype is D.complex128 and D._default_complex() is not D.complex128:
            t = t.to(D._default_complex())
    return _finish(t, requires_grad)


def as_tensor(data, dtype=None, device=None):
    """Like ``tensor`` but shares memory with ``data`` when it is already a tensor (or a
    cpu-compatible array) of the right dtype and device."""
    if isinstance(data, Tensor):
        if (dtype is None or dtype is data.dtype) and (device is None or
                                                       _resolve(device)[1] == data.device):
            return data
        return data.to(device=device, dtype=dtype)
    if hasattr(data, "__array_interface__") and (device is None or str(device) == "cpu"):
        t = from_numpy(data)
        return t if dtype is None else t.to(dtype)
    return tensor(data, dtype=dtype, device=device)


def asarray(obj, *, dtype=None, device=None, copy=None, requires_grad=False):
    """``as_tensor`` with PyTorch's ``copy`` flag."""
    if copy:
        return tensor(obj, dtype=dtype, device=device, requires_grad=requires_grad)
    return _finish(as_tensor(obj, dtype=dtype, device=device), requires_grad)


def from_numpy(ndarray):
    """A cpu tensor sharing memory with a NumPy array (writes show through both ways)."""
    be, dev = _backend_for("cpu")
    wrap = getattr(be, "wrap_host", None)
    if wrap is None:
        raise RuntimeError("from_numpy: the cpu backend does not offer wrap_host")
    buf, shape, strides, offset = wrap(ndarray)
    st = TypedStorage._new(be, dev, be.ember_dtype(buf.dtype), buf=buf)
    t = object.__new__(Tensor)
    d = t.__dict__
    d["_storage"] = st
    d["_shape"] = tuple(shape)
    d["_dtype"] = st.dtype
    d["_stride"] = tuple(strides)
    d["_offset"] = offset
    d["_data"] = be.view(buf, tuple(shape), tuple(strides), offset)
    return t


def scalar_tensor(s, *, dtype=None, device=None, requires_grad=False):
    return tensor(s, dtype=dtype or D.get_default_dtype(), device=device,
                  requires_grad=requires_grad)


def arange(start=0, end=None, step=1, *, out=None, dtype=None, device=None,
           requires_grad=False, layout=None):
    """Values from ``start`` to ``end`` (exclusive) by ``step``: ``arange(5)`` is
    ``[0, 1, 2, 3, 4]`` (int64); any float argument gives the default float dtype."""
    if end is None:
        start, end = 0, start
    vals = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    start, end, step = vals
    if step == 0:
        raise RuntimeError("arange(): step must be nonzero")
    if (end - start) / step < 0:
        raise RuntimeError(f"arange(): upper bound and larger bound inconsistent with step "
                           f"sign (start={start}, end={end}, step={step})")
    if dtype is None:
        dtype = (D.get_default_dtype() if any(isinstance(v, float) for v in vals) else D.int64)
    n = max(0, math.ceil((end - start) / step))
    be, dev = _resolve(device)
    arr = be.arange(n, dtype, dev.index)
    t = _from_native(arr, be, dev, dtype)
    if start != 0 or step != 1:
        if dtype.is_floating_point:
            t = _from_native(be.astype(be.add(be.mul(be.arange(n, D.float64, dev.index), step),
                                              start), dtype), be, dev, dtype)
        else:
            t = _from_native(be.add(be.mul(arr, step), start).astype(arr.dtype)
                             if hasattr(arr, "astype") else be.add(be.mul(arr, step), start),
                             be, dev)
            if t._dtype is not dtype:
                t = t.to(dtype)
    if out is not None:
        return _copy_out(t, out)
    return _finish(t, requires_grad)


def range(start=0, end=None, step=1, *, dtype=None, device=None, requires_grad=False):
    """Deprecated in PyTorch, kept: like ``arange`` but includes ``end``; default float."""
    if end is None:
        start, end = 0, start
    n = int(math.floor((end - start) / step)) + 1
    t = arange(0, n, dtype=D.float64, device=device) * step + start
    return _finish(t.to(dtype or D.get_default_dtype()), requires_grad)


def linspace(start, end, steps, *, out=None, dtype=None, device=None, requires_grad=False,
             layout=None):
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive (filled from both
    ends, like PyTorch, so the last value is exactly ``end``)."""
    if isinstance(start, Tensor):
        start = start.item()
    if isinstance(end, Tensor):
        end = end.item()
    if steps < 0:
        raise RuntimeError("linspace(): number of steps must be non-negative")
    cplx = isinstance(start, _b.complex) or isinstance(end, _b.complex)
    d = dtype or (D._default_complex() if cplx else D.get_default_dtype())
    if steps == 1:
        t = full((1,), start, dtype=d, device=device)
        return _finish(t, requires_grad)
    step = (end - start) / max(steps - 1, 1)
    i = arange(steps, dtype=D.float64, device=device)
    half = steps // 2
    from ._ops.elementwise import where
    t = where(i < half, start + step * i, end - step * (steps - 1 - i))
    t = t.to(d)
    if out is not None:
        return _copy_out(t, out)
    return _finish(t, requires_grad)


def logspace(start, end, steps, base=10.0, *, dtype=None, device=None, requires_grad=False):
    """``base ** linspace(start, end, steps)``."""
    t = linspace(start, end, steps, dtype=D.float64, device=device)
    t = (base ** t).to(dtype or D.get_default_dtype())
    return _finish(t, requires_grad)


def eye(n, m=None, *, out=None, dtype=None, device=None, requires_grad=False, layout=None):
    """The identity matrix of shape (n, m) (m defaults to n)."""
    m = n if m is None else m
    r = arange(n, device=device).unsqueeze(1)
    c = arange(m, device=device).unsqueeze(0)
    t = (r == c).to(dtype or D.get_default_dtype())
    if out is not None:
        return _copy_out(t, out)
    return _finish(t, requires_grad)


def complex(real, imag):
    """A complex tensor from real and imaginary parts (float32 -> complex64)."""
    if real.dtype is not imag.dtype or not real.dtype.is_floating_point:
        raise RuntimeError(f"complex(): expected both inputs to be float/double of one dtype, "
                           f"got {real.dtype} and {imag.dtype}")
    return real + imag * 1j if real.dtype is D.float64 else (real + imag * 1j).to(
        real.dtype.to_complex())


def polar(abs, angle):
    """``abs * (cos(angle) + i sin(angle))``."""
    return complex(abs * angle.cos(), abs * angle.sin())


def _canonical_dtype_args(fn):
    """Accept Python types (``dtype=float``) wherever a dtype is taken, as PyTorch does."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        d = kwargs.get("dtype")
        if d is not None and not isinstance(d, D.dtype):
            kwargs["dtype"] = D.canonical(d)
        return fn(*args, **kwargs)
    return wrapper


for _name in ("empty", "full", "zeros", "ones", "zeros_like", "ones_like", "full_like",
              "empty_like", "empty_strided", "tensor", "as_tensor", "asarray", "scalar_tensor",
              "arange", "range", "linspace", "logspace", "eye"):
    globals()[_name] = _canonical_dtype_args(globals()[_name])

