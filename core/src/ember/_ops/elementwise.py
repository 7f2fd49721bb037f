"""Elementwise ops: unary math, binary arithmetic with PyTorch's type promotion,
comparisons, logical/bitwise ops, ``where``, ``clamp``, and the Python operators."""

from __future__ import annotations

import math

from .. import _dtype as D
from .._tensor import Tensor, _from_native
from ..autograd.grad_mode import STATE
from ..autograd.function import _apply_with_grad, _record_unary, _SavedOut
from ..autograd.graph import NO_EDGE, gradient_edge
from ..autograd import anomaly_mode as _anomaly
from ._reg import export, method, EXPORTS
from .core import Op, _inplace, write_out, _check_same_device, _binary_into, mask_mul

_FAST = {}      # Function class -> backend primitive name, for _binary's fast path
_LN2 = math.log(2.0)
_LN10 = math.log(10.0)


def _w(arr, x):
    st = x._storage
    return _from_native(arr, st._be, st.device)


def _floatify(x):
    d = x._dtype
    if d.is_floating_point or d.is_complex:
        return x
    return x.to(D.get_default_dtype())


# -- unary ----------------------------------------------------------------------------------
# name: (dtype policy, what backward needs: "x", "y", "xy" or "", backward(x, y, g))
#   policy "float": integer inputs are computed in the default float dtype
#          "same":  the result keeps the input dtype
#          "bool":  a non-differentiable predicate with a bool result
_UNARY = {
    "neg": ("same", "", lambda x, y, g: -g),
    "abs": ("same", "x", lambda x, y, g: g * x.sgn()),
    "sign": ("same", "", lambda x, y, g: g * 0),
    "sgn": ("same", "", None),
    "exp": ("float", "y", lambda x, y, g: g * y.conj()),
    "exp2": ("float", "y", lambda x, y, g: g * (y * _LN2).conj()),
    "expm1": ("float", "y", lambda x, y, g: g * (y + 1).conj()),
    "log": ("float", "x", lambda x, y, g: g / x.conj()),
    "log2": ("float", "x", lambda x, y, g: g / (x * _LN2).conj()),
    "log10": ("float", "x", lambda x, y, g: g / (x * _LN10).conj()),
    "log1p": ("float", "x", lambda x, y, g: g / (x + 1).conj()),
    "sqrt": ("float", "y", lambda x, y, g: g / (2 * y).conj()),
    "sin": ("float", "x", lambda x, y, g: g * x.cos().conj()),
    "cos": ("float", "x", lambda x, y, g: -g * x.sin().conj()),
    "tan": ("float", "y", lambda x, y, g: g * (1 + y * y).conj()),
    "asin": ("float", "x", lambda x, y, g: g / (1 - x * x).sqrt().conj()),
    "acos": ("float", "x", lambda x, y, g: -g / (1 - x * x).sqrt().conj()),
    "atan": ("float", "x", lambda x, y, g: g / (1 + x * x).conj()),
    "sinh": ("float", "x", lambda x, y, g: g * x.cosh().conj()),
    "cosh": ("float", "x", lambda x, y, g: g * x.sinh().conj()),
    "tanh": ("float", "y", lambda x, y, g: g * (1 - y * y).conj()),
    "asinh": ("float", "x", lambda x, y, g: g / (x * x + 1).sqrt().conj()),
    "acosh": ("float", "x", lambda x, y, g: g / (x * x - 1).sqrt().conj()),
    "atanh": ("float", "x", lambda x, y, g: g / (1 - x * x).conj()),
    "floor": ("same", "", lambda x, y, g: g * 0),
    "ceil": ("same", "", lambda x, y, g: g * 0),
    "trunc": ("same", "", lambda x, y, g: g * 0),
    "erf": ("float", "x", lambda x, y, g: g * (2 / math.sqrt(math.pi)) * (-(x * x)).exp()),
    "erfinv": ("float", "y", lambda x, y, g: g * (math.sqrt(math.pi) / 2) * (y * y).exp()),
    "lgamma": ("float", "x", lambda x, y, g: g * x.digamma()),
    "digamma": ("float", "x", None),
    "sigmoid": ("float", "y", lambda x, y, g: g * (y * (1 - y)).conj()),
    "logical_not": ("bool", "", None),
    "bitwise_not": ("same", "", None),
    "isnan": ("bool", "", None),
    "isinf": ("bool", "", None),
    "isfinite": ("bool", "", None),
    "signbit": ("bool", "", None),
    "conj_physical": ("same", "", lambda x, y, g: g.conj()),
    "angle": ("real", "x", lambda x, y, g: _angle_grad(x, g)),
}
_PRIM = {"conj_physical": "conj", "sgn": "sign"}
_NO_GRAD_MSG = "the derivative for '{}' is not implemented in ember"


def _angle_grad(x, g):
    if not x._dtype.is_complex:
        return g * 0
    # d angle / dz for a real loss: PyTorch's formula g * (-imag, real)/|z|^2 as a complex
    denom = (x.real * x.real + x.imag * x.imag)
    from .._creation import complex as _cplx
    return _cplx(-g * x.imag / denom, g * x.real / denom).conj() * -1j * 1j


def _make_unary(name, policy, needs, bw):
    prim = _PRIM.get(name, name)
    cap = "".join(p.capitalize() for p in name.split("_"))

    def forward(ctx, x):
        st = x._storage
        r = _from_native(getattr(st._be, prim)(x._data), st._be, st.device)
        if needs == "y":
            ctx.save_for_backward(r)
        elif needs == "x":
            ctx.save_for_backward(x)
        elif needs == "xy":
            ctx.save_for_backward(x, r)
        return r

    def backward(ctx, g):
        if bw is None:
            raise RuntimeError(_NO_GRAD_MSG.format(name))
        s = ctx.saved_tensors
        x = s[0] if needs in ("x", "xy") else None
        y = s[0] if needs == "y" else (s[1] if needs == "xy" else None)
        return bw(x, y, g)

    fn_cls = type(cap, (Op,), {"forward": staticmethod(forward),
                               "backward": staticmethod(backward),
                               "_node_name": f"{cap}Backward0"})

    def op(input, *, out=None):
        x = input
        if policy == "float":
            x = _floatify(x)
        elif policy == "same" and name in ("floor", "ceil", "trunc") and not (
                x._dtype.is_floating_point):
            r = x.clone()
            return write_out(r, out) if out is not None else r
        if policy == "bool":
            st = x._storage
            r = _from_native(getattr(st._be, prim)(x._data), st._be, st.device, D.bool_)
        else:
            r = fn_cls.apply(x)
        if out is not None:
            return write_out(r, out)
        return r

    op.__name__ = name
    op.__doc__ = f"Elementwise ``{name}`` (same shape as ``input``)."

    def op_(self):
        if policy == "float" and not (self._dtype.is_floating_point or self._dtype.is_complex):
            raise RuntimeError(f"result type Float can't be cast to the desired output type "
                               f"{self._dtype.name} (in-place {name}_); convert with .float() "
                               f"first")
        return _inplace(self, op)

    op_.__name__ = name + "_"
    return op, op_


for _name, (_pol, _needs, _bw) in _UNARY.items():
    _f, _fi = _make_unary(_name, _pol, _needs, _bw)
    export(_name)(_f)
    if _pol != "bool":
        export(_name + "_", function=False)(_fi)

arccos, arcsin, arctan = EXPORTS["acos"], EXPORTS["asin"], EXPORTS["atan"]
for _a, _b in (("arccos", "acos"), ("arcsin", "asin"), ("arctan", "atan"), ("arcsinh", "asinh"),
               ("arccosh", "acosh"), ("arctanh", "atanh"), ("negative", "neg"),
               ("absolute", "abs"), ("fix", "trunc")):
    export(_a)(EXPORTS[_b])
    export(_a + "_", function=False)(getattr(Tensor, _b + "_"))


@export("sgn")
def sgn(input):
    """``sign`` for real tensors; ``z / |z|`` for complex ones."""
    if input._dtype.is_complex:
        a = input.abs()
        return input / (a + (a == 0).to(a._dtype))
    return EXPORTS["sign"](input)


@export("conj")
def conj(input):
    """Complex conjugate (this tensor itself for real dtypes)."""
    if not input._dtype.is_complex:
        return input
    return EXPORTS["conj_physical"](input)


class _Real(Op):
    _node_name = "RealBackward0"

    @staticmethod
    def forward(ctx, x):
        return x._storage._be.real(x._data)

    @staticmethod
    def backward(ctx, g):
        return g.to(g._dtype.to_complex())


class _Imag(Op):
    _node_name = "ImagBackward0"

    @staticmethod
    def forward(ctx, x):
        return x._storage._be.imag(x._data)

    @staticmethod
    def backward(ctx, g):
        return g.to(g._dtype.to_complex()) * 1j


def _real(self):
    return _Real.apply(self) if self._dtype.is_complex else self


def _imag(self):
    if not self._dtype.is_complex:
        raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")
    return _Imag.apply(self)


Tensor.real = property(_real, doc="Real part (a tensor of the real dtype).")
Tensor.imag = property(_imag, doc="Imaginary part (complex tensors only).")
EXPORTS["real"] = _real
EXPORTS["imag"] = _imag


@export("round")
def round(input, *, decimals=0, out=None):
    """Round half to even; with ``decimals``, to that many decimal places."""
    if not (input._dtype.is_floating_point or input._dtype.is_complex):
        return input.clone()
    if decimals:
        s = 10.0 ** decimals
        r = _Round.apply(input * s) / s
    else:
        r = _Round.apply(input)
    return write_out(r, out) if out is not None else r


class _Round(Op):
    _node_name = "RoundBackward0"

    @staticmethod
    def forward(ctx, x):
        return x._storage._be.round(x._data)

    @staticmethod
    def backward(ctx, g):
        return g * 0


@export("round_", function=False)
def round_(self, *, decimals=0):
    return _inplace(self, lambda s: round(s, decimals=decimals))


@export("frac")
def frac(input, *, out=None):
    """``input - trunc(input)``."""
    r = input - input.trunc()
    return write_out(r, out) if out is not None else r


@export("frac_", function=False)
def frac_(self):
    return _inplace(self, frac)


@export("rsqrt")
def rsqrt(input, *, out=None):
    """``1 / sqrt(input)``."""
    r = input.sqrt().reciprocal()
    return write_out(r, out) if out is not None else r


@export("rsqrt_", function=False)
def rsqrt_(self):
    return _inplace(self, rsqrt)


@export("reciprocal")
def reciprocal(input, *, out=None):
    """``1 / input`` (integer inputs give the default float dtype)."""
    r = div(1, _floatify(input))
    return write_out(r, out) if out is not None else r


@export("reciprocal_", function=False)
def reciprocal_(self):
    return _inplace(self, reciprocal)


@export("square")
def square(input, *, out=None):
    """``input * input``."""
    r = mul(input, input) if input._dtype is not D.bool_ else input.to(D.int64) ** 2
    return write_out(r, out) if out is not None else r


@export("square_", function=False)
def square_(self):
    return _inplace(self, square)


@export("positive")
def positive(input):
    return input


@export("logit")
def logit(input, eps=None, *, out=None):
    """``log(p / (1 - p))``, with ``p`` clamped to ``[eps, 1 - eps]`` when ``eps`` is given."""
    x = _floatify(input)
    if eps is not None:
        x = x.clamp(eps, 1 - eps)
    r = (x / (1 - x)).log()
    return write_out(r, out) if out is not None else r


@export("logit_", function=False)
def logit_(self, eps=None):
    return _inplace(self, lambda s: logit(s, eps))


# -- binary ---------------------------------------------------------------------------------

def _promote2(a, b, op, policy="promote"):
    """Cast a pair (tensor/scalar) to the common dtype; returns (a, b, dtype, proto tensor)."""
    ta = isinstance(a, Tensor)
    tb = isinstance(b, Tensor)
    if ta and tb:
        if a._storage.device != b._storage.device:
            _check_same_device(op, a, b)
        da, db = a._dtype, b._dtype
        dt = da if da is db else D.result_type(a, b)
    elif ta:
        if not isinstance(b, (bool, int, float, complex)):
            b = _coerce(b, a, op)
            return _promote2(a, b, op, policy)
        dt = a._dtype if _weak_fits(a._dtype, b) else D.result_type(a, b)
    elif tb:
        if not isinstance(a, (bool, int, float, complex)):
            a = _coerce(a, b, op)
            return _promote2(a, b, op, policy)
        dt = b._dtype if _weak_fits(b._dtype, a) else D.result_type(a, b)
    else:
        raise TypeError(f"{op}(): expected at least one Tensor argument")
    if policy == "float" and not (dt.is_floating_point or dt.is_complex):
        dt = D.get_default_dtype()
    elif policy == "bitwise" and (dt.is_floating_point or dt.is_complex):
        raise RuntimeError(f"\"{op}_cpu\" not implemented for '{_nm(dt)}': bitwise ops need "
                           f"integer or bool tensors")
    if ta and a._dtype is not dt:
        a = a.to(dt)
    if tb and b._dtype is not dt:
        b = b.to(dt)
    if not ta and dt is D.bool_:
        a = bool(a)
    if not tb and dt is D.bool_:
        b = bool(b)
    return a, b, dt


def _nm(dt):
    from .core import _tname
    return _tname(dt)


def _weak_fits(d, s):
    """A Python scalar that does not change tensor dtype ``d``."""
    if isinstance(s, bool):
        return True
    if isinstance(s, int):
        return d is not D.bool_
    if isinstance(s, float):
        return d.is_floating_point or d.is_complex
    return d.is_complex


def _coerce(x, like, op):
    from .._creation import tensor
    try:
        return tensor(x, device=like.device)
    except Exception:
        raise TypeError(f"{op}(): unsupported operand type {type(x).__name__}; expected a "
                        f"Tensor or a number") from None


def _proto(a, b):
    return a if isinstance(a, Tensor) else b


def _nd(x):
    return x._data if isinstance(x, Tensor) else x


def _binary_fn(name, prim, bw, save):
    cap = name.capitalize()
    # inputs come promoted to one dtype (_promote2), which these ops keep
    same_dtype = name in ("add", "sub", "mul", "div", "maximum", "minimum")

    def forward(ctx, a, b):
        p = a if isinstance(a, Tensor) else b
        st = p._storage
        r = _from_native(getattr(st._be, prim)(_nd(a), _nd(b)), st._be, st.device,
                         p._dtype if same_dtype else None)
        if save == "ab":
            ctx.save_for_backward(a if isinstance(a, Tensor) else None,
                                  b if isinstance(b, Tensor) else None)
            ctx.sa, ctx.sb = a, b
        elif save == "aby":
            ctx.save_for_backward(a if isinstance(a, Tensor) else None,
                                  b if isinstance(b, Tensor) else None, r)
            ctx.sa, ctx.sb = a, b
        return r

    def backward(ctx, g):
        if save == "":
            if name == "sub":
                na, nb = ctx.needs_input_grad[:2]
                return (g if na else None), (-g if nb else None)
            return bw(None, None, None, g)
        s = ctx.saved_tensors
        a = s[0] if s[0] is not None else ctx.sa
        b = s[1] if s[1] is not None else ctx.sb
        y = s[2] if save == "aby" else None
        na, nb = ctx.needs_input_grad[:2]
        if name == "mul" and not STATE.grad_enabled and g.__class__ is Tensor:
            # no graph to build: each side's gradient is one kernel call (real dtypes; the
            # engine sums broadcast gradients down to the input's shape)
            dt = g._dtype
            if not dt.is_complex and (a.__class__ is float or a.__class__ is Tensor
                                      and a._dtype is dt) and (
                    b.__class__ is float or b.__class__ is Tensor and b._dtype is dt):
                st = g._storage
                be, dev, gd = st._be, st.device, g._data
                return (_from_native(be.mul(gd, _nd(b)), be, dev, dt) if na else None,
                        _from_native(be.mul(gd, _nd(a)), be, dev, dt) if nb else None)
        if name in _ONE_SIDED:      # compute only the gradients that are needed
            return bw(a, b, y, g, na, nb)
        ga, gb = bw(a, b, y, g)
        return (ga if na else None), (gb if nb else None)

    return type(cap, (Op,), {"forward": staticmethod(forward), "backward": staticmethod(backward),
                             "_node_name": f"{cap}Backward0"})


def _conj(x):
    return x.conj() if isinstance(x, Tensor) else (x.conjugate() if isinstance(x, complex) else x)


def _t_or(x, like):
    return x


#: binary ops whose backward takes (a, b, y, g, needs_a, needs_b) and skips unneeded sides
_ONE_SIDED = {"mul", "div"}

Add = _binary_fn("add", "add", lambda a, b, y, g: (g, g), "")
Sub = _binary_fn("sub", "sub", lambda a, b, y, g: (g, -g), "")
Mul = _binary_fn("mul", "mul", lambda a, b, y, g, na, nb: (
    g * _conj(b) if na else None, g * _conj(a) if nb else None), "ab")
Div = _binary_fn("div", "div", lambda a, b, y, g, na, nb: (
    g / _conj(b) if na else None, -g * _conj(y) / _conj(b) if nb else None), "aby")
Atan2 = _binary_fn("atan2", "atan2",
                   lambda a, b, y, g: (g * b / (a * a + b * b), -g * a / (a * a + b * b)), "ab")
Hypot = _binary_fn("hypot", "hypot", lambda a, b, y, g: (g * a / y, g * b / y), "aby")
Remainder = _binary_fn("remainder", "remainder",
                       lambda a, b, y, g: (g, -g * (a / b).floor()), "ab")
Fmod = _binary_fn("fmod", "fmod", lambda a, b, y, g: (g, -g * (a / b).trunc()), "ab")
FloorDivide = _binary_fn("floor_divide", "floor_divide", lambda a, b, y, g: (g * 0, g * 0), "")
Copysign = _binary_fn("copysign", "copysign",
                      lambda a, b, y, g: (g * (a.sign() * y.sign()), g * 0), "aby")


def _minmax_bw(pick_a):
    def bw(a, b, y, g):
        ya = (a == y) if isinstance(a, Tensor) else None
        yb = (b == y) if isinstance(b, Tensor) else None
        if ya is not None and yb is not None:
            w = ya.to(g._dtype) / (ya.to(g._dtype) + yb.to(g._dtype))
            return g * w, g * (1 - w)
        return (g * ya if ya is not None else None), (g * yb if yb is not None else None)
    return bw


Maximum = _binary_fn("maximum", "maximum", _minmax_bw(True), "aby")
Minimum = _binary_fn("minimum", "minimum", _minmax_bw(False), "aby")
Fmax = _binary_fn("fmax", "fmax", _minmax_bw(True), "aby")
Fmin = _binary_fn("fmin", "fmin", _minmax_bw(False), "aby")


def _pow_bw(a, b, y, g):
    if isinstance(b, Tensor):
        ga = g * b * a ** (b - 1) if isinstance(a, Tensor) else None
        from .core import Op as _  # noqa
        la = (a.log() if isinstance(a, Tensor) else math.log(a) if a > 0 else float("-inf")
              ) if not (isinstance(a, (int, float)) and a == 0) else None
        if la is None:
            gb = g * 0
        else:
            gb = g * y * la
            if isinstance(a, Tensor):
                gb = gb.masked_fill((a == 0) & (b >= 0), 0)
        return ga, gb
    if b == 0:
        return g * 0, None
    return g * b * a ** (b - 1), None


Pow = _binary_fn("pow", "pow", _pow_bw, "aby")

_FAST.update({Add: "add", Sub: "sub", Mul: "mul", Maximum: "maximum", Minimum: "minimum"})
_RECORD = {Add, Sub, Mul}      # recorded by _record_binary (NOTE [binary fast path])

_BINARY_INFO = {
    # name: (Function, dtype policy)
    "add": (Add, "promote"), "sub": (Sub, "promote"), "mul": (Mul, "promote"),
    "atan2": (Atan2, "float"), "hypot": (Hypot, "float"), "remainder": (Remainder, "promote"),
    "fmod": (Fmod, "promote"), "maximum": (Maximum, "promote"), "minimum": (Minimum, "promote"),
    "fmax": (Fmax, "promote"), "fmin": (Fmin, "promote"), "copysign": (Copysign, "float"),
}


def _binary(fn, a, b, op, policy):
    try:
        return _binary_unchecked(fn, a, b, op, policy)
    except ValueError:
        _raise_if_not_broadcastable(op, a, b)
        raise


def _raise_if_not_broadcastable(op, a, b):
    """Backends report shapes that do not broadcast in their own words (NumPy: ValueError);
    PyTorch raises RuntimeError naming both sizes. Checked only once a kernel failed."""
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        from .core import _bshape
        _bshape(op, a._shape, b._shape)


def _binary_unchecked(fn, a, b, op, policy):
    # fast path: same dtype and device (or a weak scalar): no promotion to do, and the
    # graph node (when one is recorded) is made directly (NOTE [apply fast path])
    prim = _FAST.get(fn)
    if prim is not None and a.__class__ is Tensor:
        sa = a._storage
        if b.__class__ is Tensor:
            sb = b._storage
            if a._dtype is b._dtype and (sa.device is sb.device):
                if STATE.grad_enabled and (a._rg or b._rg):
                    if fn in _RECORD:
                        return _record_binary(fn, prim, a, b, True)
                    return _apply_with_grad(fn, (a, b), None)
                be = sa._be
                return _from_native(getattr(be, prim)(a._data, b._data), be, sa.device,
                                    a._dtype if policy == "promote" else None)
        elif ((b.__class__ is float or b.__class__ is int) and
              (a._dtype.is_floating_point or a._dtype.is_complex)):
            if STATE.grad_enabled and a._rg:
                if fn in _RECORD:
                    return _record_binary(fn, prim, a, b, False)
                return _apply_with_grad(fn, (a, b), None)
            be = sa._be
            return _from_native(getattr(be, prim)(a._data, b), be, sa.device,
                                a._dtype if policy == "promote" else None)
    a, b, dt = _promote2(a, b, op, policy)
    if op in ("maximum", "minimum", "fmax", "fmin") and not (
            isinstance(a, Tensor) and isinstance(b, Tensor)):
        raise TypeError(f"{op}(): argument 'other' must be Tensor, not "
                        f"{type(b if isinstance(a, Tensor) else a).__name__}")
    if op in ("remainder", "fmod") and not (dt.is_floating_point or dt.is_complex):
        if isinstance(b, (int, bool)) and b == 0 or isinstance(b, Tensor) and False:
            raise RuntimeError("ZeroDivisionError")
    return fn.apply(a, b)


def _record_binary(fn, prim, a, b, bt):
    """``fn`` (Add, Sub or Mul) of same-dtype ``a`` and ``b`` (a tensor when ``bt``, else a
    Python number) with its graph node, recorded directly.

    NOTE [binary fast path]: these three ops are the most frequent graph nodes; this is what
    ``Function.apply`` (``_apply_with_grad``) and their ``forward`` do for them, without the
    generic argument/output/saved-tensor loops: the same node class, edges, input and output
    metadata and saved inputs (with their versions), so their ``backward`` runs unchanged."""
    node = fn._backward_cls()
    if _anomaly._state["on"]:
        _anomaly.record_stack(node)
    ra, rb = a._rg, bt and b._rg
    node.next_functions = (gradient_edge(a) if ra else NO_EDGE,
                           gradient_edge(b) if rb else NO_EDGE)
    node._in_meta = ((a._shape, a._dtype, a._storage.device) if ra else None,
                     (b._shape, b._dtype, b._storage.device) if rb else None)
    st = a._storage
    be, dev, dt = st._be, st.device, a._dtype
    out = _from_native(getattr(be, prim)(a._data, b._data if bt else b), be, dev, dt)
    d = out.__dict__
    d["grad_fn"] = node
    d["_rg"] = True
    node._out_meta = ((out._shape, dt, dev),)
    if fn is Mul:
        node._saved = (a, b) if bt else (a, None)
        node._versions = (st._version, b._storage._version if bt else 0)
        node.sa = a
        node.sb = b
    return out


def _make_binary(name, fn, policy):
    def op(input, other, *, out=None):
        r = _binary(fn, input, other, name, policy)
        return write_out(r, out) if out is not None else r

    def op_(self, other):
        return _inplace(self, lambda s: _binary(fn, s, other, name, policy), other)

    op.__name__, op_.__name__ = name, name + "_"
    op.__doc__ = (f"Elementwise ``{name}`` with broadcasting and PyTorch type promotion "
                  f"(result shape: the broadcast of both shapes).")
    return op, op_


for _name, (_fn, _pol) in _BINARY_INFO.items():
    if _name in ("add", "sub", "mul"):
        continue
    _o, _oi = _make_binary(_name, _fn, _pol)
    export(_name)(_o)
    export(_name + "_", function=False)(_oi)
export("arctan2")(EXPORTS["atan2"])
export("arctan2_", function=False)(getattr(Tensor, "atan2_"))


@export("add")
def add(input, other, *, alpha=1, out=None):
    """``input + alpha * other`` with broadcasting and type promotion.

    Example: ``ember.add(ember.ones(2, 3), ember.ones(3), alpha=2)`` has shape (2, 3)."""
    if alpha != 1:
        other = other * alpha
    r = _binary(Add, input, other, "add", "promote")
    return write_out(r, out) if out is not None else r


@export("sub", "subtract")
def sub(input, other, *, alpha=1, out=None):
    """``input - alpha * other`` (bool tensors are rejected, as in PyTorch)."""
    if ((isinstance(input, Tensor) and input._dtype is D.bool_) or
            (isinstance(other, Tensor) and other._dtype is D.bool_)):
        both = (isinstance(input, Tensor) and input._dtype is D.bool_ and
                isinstance(other, Tensor) and other._dtype is D.bool_)
        raise RuntimeError("Subtraction, the `-` operator, with " +
                           ("two bool tensors is not supported. Use the `^` or "
                            "`logical_xor()` operator instead." if both else
                            "a bool tensor is not supported. If you are trying to invert a "
                            "mask, use the `~` or `logical_not()` operator instead."))
    if alpha != 1:
        other = other * alpha
    r = _binary(Sub, input, other, "sub", "promote")
    return write_out(r, out) if out is not None else r


@export("mul", "multiply")
def mul(input, other, *, out=None):
    """Elementwise product with broadcasting and type promotion."""
    r = _binary(Mul, input, other, "mul", "promote")
    return write_out(r, out) if out is not None else r


@export("div", "divide", "true_divide")
def div(input, other, *, rounding_mode=None, out=None):
    """``input / other``: true division (ints give the default float), or with
    ``rounding_mode="trunc"`` / ``"floor"`` rounded, keeping integer dtypes."""
    if rounding_mode is None:
        r = _binary(Div, input, other, "div", "float")
    elif rounding_mode == "floor":
        a, b, dt = _promote2(input, other, "div")
        if dt.is_floating_point:
            # Python's floor division, as PyTorch and NumPy: floor(a / b) is wrong where the
            # quotient rounds to an integer (1 // 0.1 is 9) or over/underflows (inf // 1 is nan)
            _raise_if_not_broadcastable("div", a, b)
            r = FloorDivide.apply(a, b)
        else:
            _check_int_zero(b, "div")
            r = FloorDivide.apply(a, b)
    elif rounding_mode == "trunc":
        a, b, dt = _promote2(input, other, "div")
        if dt.is_floating_point:
            r = _binary(Div, a, b, "div", "float").trunc()
        else:
            _check_int_zero(b, "div")
            q = FloorDivide.apply(a, b)
            rem = _binary(Remainder, a, b, "remainder", "promote")
            # floor -> trunc: add one where the signs differ and the division was inexact
            fix = ((rem != 0) & ((a < 0) ^ (b < 0) if isinstance(a, Tensor) else (b < 0) ^ (a < 0)))
            r = q + fix.to(q._dtype)
    else:
        raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or "
                           f"'floor' but found '{rounding_mode}'")
    return write_out(r, out) if out is not None else r


def _check_int_zero(b, op):
    if isinstance(b, Tensor):
        if bool((b == 0).any()):
            raise RuntimeError("ZeroDivisionError")
    elif b == 0:
        raise RuntimeError("ZeroDivisionError")


@export("floor_divide")
def floor_divide(input, other, *, out=None):
    """``div(input, other, rounding_mode="floor")``."""
    return div(input, other, rounding_mode="floor", out=out)


for _name, _fn in (("add", add), ("sub", sub), ("mul", mul), ("div", div),
                   ("floor_divide", floor_divide), ("subtract", sub), ("multiply", mul),
                   ("divide", div), ("true_divide", div)):
    def _mk(f, into):
        def op_(self, other, **kw):
            # the result written straight into self when the backend can (no copy)
            if into is not None and (not kw or (len(kw) == 1 and "alpha" in kw
                                                and into in ("add", "sub"))):
                alpha = kw.get("alpha", 1)
                o = other
                if alpha != 1:
                    if isinstance(o, Tensor) and STATE.grad_enabled and o._rg:
                        o = None
                    else:
                        o = o * alpha          # as add() / sub() do
                if o is not None and _binary_into(self, into, o):
                    return self
            return _inplace(self, lambda s: f(s, other, **kw), other)
        return op_
    export(_name + "_", function=False)(_mk(_fn, {
        "add": "add", "sub": "sub", "subtract": "sub", "mul": "mul", "multiply": "mul",
        "div": "div", "divide": "div", "true_divide": "div"}.get(_name)))


@export("pow")
def pow(input, exponent, *, out=None):
    """``input ** exponent`` (either may be a scalar). Integer tensors to negative integer
    powers raise, as in PyTorch."""
    if isinstance(input, Tensor) and not isinstance(exponent, Tensor):
        if (not (input._dtype.is_floating_point or input._dtype.is_complex) and
                isinstance(exponent, int) and exponent < 0):
            raise RuntimeError("Integers to negative integer powers are not allowed.")
    r = _binary(Pow, input, exponent, "pow", "promote")
    return write_out(r, out) if out is not None else r


@export("pow_", function=False)
def pow_(self, exponent):
    return _inplace(self, lambda s: pow(s, exponent), exponent)


@export("float_power")
def float_power(input, exponent):
    """``pow`` computed in float64 (complex128 for complex)."""
    cplx = (isinstance(input, Tensor) and input._dtype.is_complex) or (
        isinstance(exponent, Tensor) and exponent._dtype.is_complex) or isinstance(exponent, complex)
    d = D.complex128 if cplx else D.float64
    a = input.to(d) if isinstance(input, Tensor) else input
    b = exponent.to(d) if isinstance(exponent, Tensor) else exponent
    return pow(a, b)


@export("xlogy")
def xlogy(input, other):
    """``input * log(other)``, 0 where ``input == 0``."""
    x, y, _ = _promote2(input, other, "xlogy", "float")
    if not isinstance(x, Tensor):
        x = _coerce(x, y, "xlogy").to(y._dtype)
    if not isinstance(y, Tensor):
        y = _coerce(y, x, "xlogy").to(x._dtype)
    return where(x == 0, 0.0, x * y.log())


@export("lerp")
def lerp(input, end, weight, *, out=None):
    """``input + weight * (end - input)``."""
    r = input + weight * (end - input)
    return write_out(r, out) if out is not None else r


@export("lerp_", function=False)
def lerp_(self, end, weight):
    return _inplace(self, lambda s: lerp(s, end, weight), end, weight)


@export("addcmul")
def addcmul(input, tensor1, tensor2, *, value=1, out=None):
    """``input + value * tensor1 * tensor2``."""
    r = input + value * tensor1 * tensor2 if value != 1 else input + tensor1 * tensor2
    return write_out(r, out) if out is not None else r


@export("addcdiv")
def addcdiv(input, tensor1, tensor2, *, value=1, out=None):
    """``input + value * tensor1 / tensor2``."""
    r = input + value * (tensor1 / tensor2)
    return write_out(r, out) if out is not None else r


@export("addcmul_", function=False)
def addcmul_(self, tensor1, tensor2, *, value=1):
    return _inplace(self, lambda s: addcmul(s, tensor1, tensor2, value=value), tensor1, tensor2)


@export("addcdiv_", function=False)
def addcdiv_(self, tensor1, tensor2, *, value=1):
    return _inplace(self, lambda s: addcdiv(s, tensor1, tensor2, value=value), tensor1, tensor2)


# -- comparisons, logical, bitwise ----------------------------------------------------------

def _make_pred(name, prim, policy):
    def op(input, other, *, out=None):
        try:
            return op_unchecked(input, other, out=out)
        except ValueError:
            _raise_if_not_broadcastable(name, input, other)
            raise

    def op_unchecked(input, other, *, out=None):
        if policy == "compare" and (isinstance(input, Tensor) and input._dtype.is_complex or
                                    isinstance(other, Tensor) and other._dtype.is_complex) \
                and name in ("lt", "le", "gt", "ge"):
            raise RuntimeError(f"{name} is not supported for complex tensors")
        if policy == "logical":
            a = input if isinstance(input, Tensor) else input
            b = other
            if isinstance(a, Tensor) and isinstance(b, Tensor):
                _check_same_device(name, a, b)
            p = a if isinstance(a, Tensor) else b
            st = p._storage
            r = _from_native(getattr(st._be, prim)(_nd(a), _nd(b)), st._be, st.device, D.bool_)
        else:
            a, b, dt = _promote2(input, other, name, "bitwise" if policy == "bitwise" else "x")
            p = a if isinstance(a, Tensor) else b
            st = p._storage
            r = _from_native(getattr(st._be, prim)(_nd(a), _nd(b)), st._be, st.device)
        return write_out(r, out) if out is not None else r

    def op_(self, other):
        return _inplace(self, lambda s: op(s, other))

    op.__name__, op_.__name__ = name, name + "_"
    op.__doc__ = f"Elementwise ``{name}`` (bool result for comparisons), with broadcasting."
    return op, op_


_PRED = {
    "eq": ("eq", "compare"), "ne": ("ne", "compare"), "lt": ("lt", "compare"),
    "le": ("le", "compare"), "gt": ("gt", "compare"), "ge": ("ge", "compare"),
    "logical_and": ("logical_and", "logical"), "logical_or": ("logical_or", "logical"),
    "logical_xor": ("logical_xor", "logical"), "bitwise_and": ("bitwise_and", "bitwise"),
    "bitwise_or": ("bitwise_or", "bitwise"), "bitwise_xor": ("bitwise_xor", "bitwise"),
    "bitwise_left_shift": ("left_shift", "bitwise"),
    "bitwise_right_shift": ("right_shift", "bitwise"),
}
for _name, (_prim, _pol) in _PRED.items():
    _o, _oi = _make_pred(_name, _prim, _pol)
    export(_name)(_o)
    export(_name + "_", function=False)(_oi)
for _a, _b in (("greater", "gt"), ("greater_equal", "ge"), ("less", "lt"),
               ("less_equal", "le"), ("not_equal", "ne")):
    export(_a)(EXPORTS[_b])
    export(_a + "_", function=False)(getattr(Tensor, _b + "_"))


@export("logical_not_", function=False)
def logical_not_(self):
    return _inplace(self, lambda s: s.logical_not())


# -- where / masked_fill / clamp ------------------------------------------------------------

class Where(Op):
    _node_name = "WhereBackward0"

    @staticmethod
    def forward(ctx, cond, a, b):
        ctx.save_for_backward(cond)
        p = a if isinstance(a, Tensor) else b
        st = p._storage
        return _from_native(st._be.where(cond._data, _nd(a), _nd(b)), st._be, st.device)

    @staticmethod
    def backward(ctx, g):
        (c,) = ctx.saved_tensors
        na, nb = ctx.needs_input_grad[1:3]
        return (None, where(c, g, 0.0) if na else None, where(c, 0.0, g) if nb else None)


@export("where")
def where(condition, input=None, other=None, *, out=None):
    """``input`` where ``condition`` else ``other`` (scalars allowed, broadcasting, type
    promotion). ``where(condition)`` alone is ``nonzero(condition, as_tuple=True)``."""
    if input is None and other is None:
        return condition.nonzero(as_tuple=True)
    if not isinstance(condition, Tensor):
        raise TypeError("where(): argument 'condition' must be Tensor")
    if condition._dtype is not D.bool_:
        if condition._dtype is D.uint8:
            condition = condition.bool()
        else:
            raise RuntimeError(f"where expected condition to be a boolean tensor, but got a "
                               f"tensor with dtype {_nm(condition._dtype)}")
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        from .._creation import tensor
        input = tensor(input, device=condition.device)
    a, b, dt = _promote2(input, other, "where")
    _check_same_device("where", condition, a, b)
    r = Where.apply(condition, a, b)
    return write_out(r, out) if out is not None else r


@export("masked_fill")
def masked_fill(input, mask, value):
    """``input`` with ``value`` where ``mask`` is True (mask broadcasts to input)."""
    if mask._dtype is not D.bool_:
        raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with dtype "
                           f"{_nm(mask._dtype)}")
    if isinstance(value, Tensor):
        if value.dim() != 0:
            raise RuntimeError(f"masked_fill_ only supports a 0-dimensional value tensor, but "
                               f"got tensor with {value.dim()} dimension(s).")
        v = value.to(input._dtype)
    else:
        v = value
        if isinstance(v, float) and not (input._dtype.is_floating_point or input._dtype.is_complex):
            v = int(v) if v == v and abs(v) != float("inf") else v
    r = Where.apply(mask, v if not isinstance(v, Tensor) else v, input)
    if r._dtype is not input._dtype:
        r = r.to(input._dtype)
    if r._shape != input._shape:
        r = r.expand(input._shape) if r.dim() >= 0 else r
    return r


@export("masked_fill_", function=False)
def masked_fill_(self, mask, value):
    return _inplace(self, lambda s: masked_fill(s, mask, value),
                    value if isinstance(value, Tensor) else None)


class Clamp(Op):
    _node_name = "ClampBackward1"

    @staticmethod
    def forward(ctx, x, lo, hi):
        ctx.save_for_backward(x, lo if isinstance(lo, Tensor) else None,
                              hi if isinstance(hi, Tensor) else None)
        ctx.lo, ctx.hi = lo, hi
        st = x._storage
        return _from_native(st._be.clip(x._data, _nd(lo), _nd(hi)), st._be, st.device)

    @staticmethod
    def backward(ctx, g):
        x, tlo, thi = ctx.saved_tensors
        lo = tlo if tlo is not None else ctx.lo
        hi = thi if thi is not None else ctx.hi
        keep = None
        if lo is not None:
            keep = x >= lo
        if hi is not None:
            k2 = x <= hi
            keep = k2 if keep is None else keep & k2
        gx = where(keep, g, 0.0) if keep is not None else g
        glo = where(x < lo, g, 0.0) if isinstance(lo, Tensor) else None
        ghi = where(x > hi, g, 0.0) if isinstance(hi, Tensor) else None
        if glo is not None and isinstance(hi, Tensor) or glo is not None and hi is not None:
            glo = where(x < lo, g, 0.0) if not isinstance(hi, (int, float)) else glo
        return gx, glo, ghi


@export("clamp", "clip")
def clamp(input, min=None, max=None, *, out=None):
    """Clamp every element to ``[min, max]`` (each a scalar, a tensor or None)."""
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    x = input
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        ds = [t._dtype for t in (x, min, max) if isinstance(t, Tensor)]
        dt = ds[0]
        for d in ds[1:]:
            dt = D.promote_types(dt, d)
        x = x.to(dt)
        min = min.to(dt) if isinstance(min, Tensor) else min
        max = max.to(dt) if isinstance(max, Tensor) else max
        _check_same_device("clamp", x, min, max)
    elif isinstance(min, float) or isinstance(max, float):
        x = _floatify(x)
    r = Clamp.apply(x, min, max)
    return write_out(r, out) if out is not None else r


@export("clamp_", "clip_", function=False)
def clamp_(self, min=None, max=None):
    return _inplace(self, lambda s: clamp(s, min, max), min, max)


@export("clamp_min")
def clamp_min(input, min):
    return clamp(input, min=min)


@export("clamp_max")
def clamp_max(input, max):
    return clamp(input, max=max)


@export("clamp_min_", function=False)
def clamp_min_(self, min):
    return clamp_(self, min=min)


@export("clamp_max_", function=False)
def clamp_max_(self, max):
    return clamp_(self, max=max)


@export("relu")
def relu(input):
    """``max(input, 0)``."""
    if input.__class__ is Tensor and input._rg and STATE.grad_enabled and (
            input._dtype.is_floating_point):
        return _record_relu(input)
    return _Relu.apply(input)


def _record_relu(x):
    """``_Relu.apply(x)`` for a floating ``x`` that requires grad, its node recorded directly
    (``_record_unary``), the output saved as NOTE [saved outputs] describes: ``relu`` follows
    most layers."""
    st = x._storage
    be = st._be
    out = _from_native(be.maximum(x._data, 0), be, st.device, x._dtype)
    node = _record_unary(_Relu, x, out)
    node._saved = (_SavedOut(out._alias(), 0, out._storage._version),)
    node._versions = (0,)
    return out


class _Relu(Op):
    _node_name = "ReluBackward0"

    @staticmethod
    def forward(ctx, x):
        st = x._storage
        r = _from_native(st._be.maximum(x._data, 0), st._be, st.device)
        ctx.save_for_backward(r)
        return r

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        if STATE.grad_enabled or g.__class__ is not Tensor or y._dtype is not g._dtype:
            return g * (y > 0).to(g._dtype)           # differentiable (create_graph)
        st = g._storage                                # no graph: the same kernels
        be = st._be
        r = mask_mul(be, g._data, be.gt(y._data, 0), g._dtype)
        return _from_native(r, be, st.device, g._dtype)


@export("relu_", function=False)
def relu_(self):
    return _inplace(self, relu)


# -- Python operators -----------------------------------------------------------------------

def _rsub(self, other):
    return sub(other, self)


def _rdiv(self, other):
    return div(other, self)


def _rpow(self, other):
    return pow(other, self)


def _rfloordiv(self, other):
    return floor_divide(other, self)


def _rmod(self, other):
    return EXPORTS["remainder"](other, self)


def _bool_or_bitwise(name_b, name_l):
    def op(self, other):
        if (isinstance(self, Tensor) and self._dtype is D.bool_ and
                (isinstance(other, bool) or isinstance(other, Tensor) and other._dtype is D.bool_)):
            return EXPORTS[name_l](self, other)
        return EXPORTS[name_b](self, other)
    return op


_and = _bool_or_bitwise("bitwise_and", "logical_and")
_or = _bool_or_bitwise("bitwise_or", "logical_or")
_xor = _bool_or_bitwise("bitwise_xor", "logical_xor")


def _invert(self):
    if self._dtype is D.bool_:
        return self.logical_not()
    if self._dtype.is_floating_point or self._dtype.is_complex:
        raise TypeError(f"~ (bitwise_not) is only supported for integer and bool tensors, "
                        f"got {self._dtype}")
    return EXPORTS["bitwise_not"](self)


def _ni(fn):
    def op(self, other):
        try:
            return fn(self, other)
        except TypeError:
            return NotImplemented
    return op


_OPS = {
    "__add__": add, "__radd__": lambda s, o: add(o, s), "__sub__": sub, "__rsub__": _rsub,
    "__mul__": mul, "__rmul__": lambda s, o: mul(o, s), "__truediv__": div,
    "__rtruediv__": _rdiv, "__floordiv__": floor_divide, "__rfloordiv__": _rfloordiv,
    "__mod__": lambda s, o: EXPORTS["remainder"](s, o), "__rmod__": _rmod,
    "__pow__": pow, "__rpow__": _rpow, "__and__": _and, "__rand__": lambda s, o: _and(s, o),
    "__or__": _or, "__ror__": lambda s, o: _or(s, o), "__xor__": _xor,
    "__rxor__": lambda s, o: _xor(s, o),
    "__lshift__": lambda s, o: EXPORTS["bitwise_left_shift"](s, o),
    "__rshift__": lambda s, o: EXPORTS["bitwise_right_shift"](s, o),
    "__eq__": lambda s, o: EXPORTS["eq"](s, o), "__ne__": lambda s, o: EXPORTS["ne"](s, o),
    "__lt__": lambda s, o: EXPORTS["lt"](s, o), "__le__": lambda s, o: EXPORTS["le"](s, o),
    "__gt__": lambda s, o: EXPORTS["gt"](s, o), "__ge__": lambda s, o: EXPORTS["ge"](s, o),
}
for _n, _f in _OPS.items():
    method(_n, _ni(_f))


def _ni_binary(fn, name):
    # the operators of add and mul without the keyword-argument layer and with _binary's
    # error handling inlined (one Python call less per op: per-op overhead)
    def op(self, other):
        try:
            return _binary_unchecked(fn, self, other, name, "promote")
        except TypeError:
            return NotImplemented
        except ValueError:
            _raise_if_not_broadcastable(name, self, other)
            raise
    return op


method("__add__", _ni_binary(Add, "add"))
method("__mul__", _ni_binary(Mul, "mul"))
method("__neg__", lambda s: EXPORTS["neg"](s))
method("__pos__", lambda s: s)
method("__abs__", lambda s: EXPORTS["abs"](s))
method("__invert__", _invert)

_IOPS = {"__iadd__": "add_", "__isub__": "sub_", "__imul__": "mul_", "__itruediv__": "div_",
         "__ifloordiv__": "floor_divide_", "__imod__": "remainder_", "__ipow__": "pow_",
         "__iand__": None, "__ior__": None, "__ixor__": None}


def _make_iop(meth, base):
    def iop(self, other):
        if meth is not None:
            return getattr(self, meth)(other)
        return _inplace(self, lambda s: base(s, other))
    return iop


for _n, _m in _IOPS.items():
    _base = {"__iand__": _and, "__ior__": _or, "__ixor__": _xor}.get(_n)
    method(_n, _make_iop(_m, _base))
method("__ilshift__", lambda s, o: _inplace(s, lambda t: t << o))
method("__irshift__", lambda s, o: _inplace(s, lambda t: t >> o))
