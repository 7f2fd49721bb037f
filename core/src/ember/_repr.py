"""Tensor printing in PyTorch's style: ``tensor([[1., 2.], [3., 4.]], grad_fn=<...>)``."""

from __future__ import annotations

import math

from . import _dtype as D

__all__ = ["tensor_repr", "set_printoptions"]


class _Opts:
    precision = 4
    threshold = 1000
    edgeitems = 3
    linewidth = 80
    sci_mode = None


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None,
                     profile=None, sci_mode=None):
    """Printing options, as ``torch.set_printoptions``."""
    if profile == "default":
        _Opts.precision, _Opts.threshold, _Opts.edgeitems, _Opts.linewidth = 4, 1000, 3, 80
    elif profile == "short":
        _Opts.precision, _Opts.threshold, _Opts.edgeitems, _Opts.linewidth = 2, 1000, 2, 80
    elif profile == "full":
        _Opts.precision, _Opts.threshold, _Opts.edgeitems, _Opts.linewidth = 4, math.inf, 3, 80
    for k, v in (("precision", precision), ("threshold", threshold), ("edgeitems", edgeitems),
                 ("linewidth", linewidth)):
        if v is not None:
            setattr(_Opts, k, v)
    _Opts.sci_mode = sci_mode


def _summarize_list(vals, shape, edge):
    """Nested lists with the middle of long dimensions dropped (None marks '...')."""
    if not shape:
        return vals
    n = shape[0]
    if n > 2 * edge:
        items = vals[:edge] + [None] + vals[-edge:]
    else:
        items = vals
    return [None if v is None else _summarize_list(v, shape[1:], edge) for v in items]


def _flat(vals, depth):
    if depth == 0:
        return [vals]
    out = []
    for v in vals:
        if v is not None:
            out.extend(_flat(v, depth - 1))
    return out


class _Fmt:
    def __init__(self, values, dtype):
        self.dtype = dtype
        self.kind = ("bool" if dtype is D.bool_ else "complex" if dtype.is_complex else
                     "float" if dtype.is_floating_point else "int")
        self.int_mode = True
        self.sci = False
        if self.kind == "float":
            finite = [abs(v) for v in values if math.isfinite(v)]
            nz = [v for v in finite if v != 0]
            self.int_mode = all(v == math.ceil(v) for v in finite)
            if nz:
                mx, mn = max(nz), min(nz)
                if self.int_mode:
                    self.sci = mx / mn > 1000.0 or mx > 1e8
                else:
                    self.sci = mx / mn > 1000.0 or mx > 1e8 or mn < 1e-4
            if _Opts.sci_mode is not None:
                self.sci = _Opts.sci_mode
        if self.kind == "complex":
            # PyTorch formats real and imaginary parts each with its own formatter
            self.re = _Fmt([v.real for v in values], D.float64)
            self.im = _Fmt([v.imag for v in values], D.float64)
        self.width = max((len(self.one(v)) for v in values), default=1)

    def one(self, v):
        p = _Opts.precision
        if self.kind == "bool":
            return str(bool(v))
        if self.kind == "int":
            return str(v)
        if self.kind == "complex":
            re = self.re(v.real)
            im = (self.im(v.imag) + "j").lstrip()
            return re + im if im[0] in "+-" else re + "+" + im
        if not math.isfinite(v):
            return str(v)
        if self.sci:
            return f"{v:.{p}e}"
        if self.int_mode:
            return f"{v:.0f}."
        return f"{v:.{p}f}"

    def __call__(self, v):
        return self.one(v).rjust(self.width)


def _render(vals, shape, fmt, indent):
    if not shape:
        return fmt(vals)
    if len(shape) == 1:
        items = [" ..." if v is None else fmt(v) for v in vals]
        # wrap long rows at the line width
        per_line = max(1, (_Opts.linewidth - indent) // (fmt.width + 2))
        lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
        return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"
    sep = "," + "\n" * (len(shape) - 1) + " " * (indent + 1)
    parts = ["..." if v is None else _render(v, shape[1:], fmt, indent + 1) for v in vals]
    return "[" + sep.join(parts) + "]"


def tensor_repr(t, prefix="tensor("):
    indent = len(prefix)
    shape = tuple(t._shape)
    n = 1
    for s in shape:
        n *= s
    suffixes = []
    host = t.detach()
    if t.device.type != "cpu":
        suffixes.append(f"device='{t.device}'")
    if n == 0:
        body = "[]"
        if len(shape) != 1 or shape != (0,):
            suffixes.insert(0, f"size={shape}")
    else:
        if host._dtype is D.bfloat16 or host._dtype is D.float16:
            vals = host.to(D.float32).tolist()
        else:
            vals = host.tolist()
        summarize = n > _Opts.threshold
        if summarize:
            vals = _summarize_list(vals, shape, _Opts.edgeitems)
        flat = _flat(vals, len(shape))
        fmt = _Fmt(flat, t._dtype)
        body = _render(vals, shape, fmt, indent)
    default = (D.get_default_dtype(), D.int64, D.bool_, D._default_complex())
    if t._dtype not in default:
        suffixes.append(f"dtype=ember.{t._dtype.name}")
    elif n == 0 and t._dtype is not D.get_default_dtype():
        suffixes.append(f"dtype=ember.{t._dtype.name}")
    if t.grad_fn is not None:
        suffixes.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t._rg:
        suffixes.append("requires_grad=True")
    if suffixes:
        return prefix + body + ", " + ", ".join(suffixes) + ")"
    return prefix + body + ")"
