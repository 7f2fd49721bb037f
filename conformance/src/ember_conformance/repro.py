"""Copy-pasteable reproductions of failed conformance tests.

For an op case the reproduction rebuilds the inputs literally (small inputs) or through the
case table (``ember_conformance.harness.build``) and calls the op the way a user would; for
a check it is the check's own source (NOTE [self-contained checks]) plus the call.
"""

from __future__ import annotations

import inspect
import textwrap

import numpy as np

import ember
from ember.testing import make_inputs

from .harness import literal, spec_dtype

__all__ = ["case_repro", "check_repro"]

_LITERAL_LIMIT = 64      # inputs up to this many elements are written out in full


def _tensor_src(arr, spec, dtype, device, grad):
    d = spec_dtype(spec, dtype)
    arr = np.asarray(arr)
    data = np.repeat(arr, 2, axis=-1) if (spec.noncontig and arr.ndim) else arr
    src = f"ember.tensor({literal(data.tolist())}, dtype=ember.{d.name}, device={device!r})"
    if spec.noncontig and arr.ndim:
        src += "[..., ::2]"
    if grad:
        src = f"{src}.requires_grad_()" if not (spec.noncontig and arr.ndim) else \
            f"{src}.detach().requires_grad_()"
    return src


def _differentiable(case, spec, dtype):
    d = spec_dtype(spec, dtype)
    return case.grad and spec.grad and (d.is_floating_point or d.is_complex)


def _inputs(case, dtype, device, grad):
    """(lines defining x0, x1, ..., the argument sources, leaf names, literal?)."""
    inputs = make_inputs(case, dtype)
    sizes = [np.asarray(a).size for a, s in inputs if s is not None and not isinstance(s, list)]
    sizes += [np.asarray(x).size for a, s in inputs if isinstance(s, list)
              for x, sx in zip(a, s) if sx is not None]
    small = all(n <= _LITERAL_LIMIT for n in sizes)
    lines, args, leaves = [], [], []
    k = 0

    def one(arr, spec):
        nonlocal k
        name = f"x{k}"
        k += 1
        g = grad and _differentiable(case, spec, dtype)
        if small:
            lines.append(f"{name} = {_tensor_src(arr, spec, dtype, device, g)}")
        else:
            lines.append(f"{name} = tensors[{k - 1}]")
        if g:
            leaves.append(name)
        return name

    for arr, spec in inputs:
        if isinstance(spec, list):
            args.append("[" + ", ".join(one(a, s) if s is not None else literal(a)
                                        for a, s in zip(arr, spec)) + "]")
        elif spec is None:
            args.append(literal(arr))
        else:
            args.append(one(arr, spec))
    if not small:
        lines.insert(0, f"args, _ = build(case, ember.{dtype.name}, {device!r}, "
                        f"grad={grad})   # the suite's inputs")
        lines.insert(1, "tensors = [t for a in args for t in (a if isinstance(a, list) "
                        "else [a]) if isinstance(t, ember.Tensor)]")
    return lines, args, leaves, small


def _call(case, args):
    kw = ", ".join(f"{k}={literal(v)}" for k, v in case.kwargs.items())
    if case.op.startswith("Tensor."):
        method = case.op.split(".", 1)[1]
        rest = ", ".join(args[1:] + ([kw] if kw else []))
        return f"{args[0]}.{method}({rest})"
    inner = ", ".join(args + ([kw] if kw else []))
    return f"ember.{case.op}({inner})"


def case_repro(case, dtype, device, kind) -> str:
    """Python source reproducing test ``kind`` ("value", "grad", "fd", "gradgrad") of
    ``case`` at ``dtype`` on ``device``."""
    if kind in ("fd", "gradgrad"):
        dtype = ember.float64
    grad = kind != "value"
    lines, args, leaves, small = _inputs(case, dtype, device, grad)
    head = [f"# {kind} of op case {case.id!r} ({case.op}) in {dtype.name} on {device!r}",
            "import numpy as np", "import ember"]
    needs_case = case.post is not None or not small or kind == "grad"
    if needs_case:
        head.append("from ember_conformance.harness import find_case, build, check_grad, "
                    "default_device")
        head.append(f"case = find_case({case.id!r})")
    call = _call(case, args)
    has_tensor = bool(leaves) or any(ln.startswith("x") for ln in lines)
    body = list(lines)
    post = "case.post" if case.post is not None else None
    if kind == "value":
        if not has_tensor:   # a factory-like op: make the device the default device
            body.append(f"with default_device({device!r}):" if needs_case else
                        f"ember.set_default_device({device!r})")
            body.append(("    " if needs_case else "") + f"out = {call}")
            if not needs_case:
                body.append("ember.set_default_device('cpu')")
            ref_call = call
        else:
            body.append(f"out = {call}")
            ref_call = _call(case, [_cpu(a) for a in args])
        body.append(f"ref = {ref_call}   # the reference: the same op on cpu")
        if post:
            body.append(f"out, ref = {post}(out), {post}(ref)")
        body.append("print(out)")
        body.append("print(ref)")
    elif kind == "grad":
        body.append(f"out = {call}")
        body.append("# gradients of sum(w * out) for fixed weights w, on the device and on "
                    "cpu (the reference):")
        body.append(f"check_grad(case, ember.{dtype.name}, {device!r})   # raises on a "
                    f"mismatch")
    else:
        params = ", ".join(leaves)
        fn = f"lambda {params}: {post + '(' if post else ''}{call}{')' if post else ''}"
        check = "gradcheck" if kind == "fd" else "gradgradcheck"
        body.append(f"ember.autograd.{check}({fn}, ({params}{',' if len(leaves) == 1 else ''}"
                    f"), eps=1e-6, atol=1e-5, rtol=1e-3, fast_mode=True)")
    return "\n".join(head + body) + "\n"


def _cpu(src):
    if src.startswith("[") and src.endswith("]"):
        inner = src[1:-1]
        parts = [p.strip() for p in inner.split(",")]
        return "[" + ", ".join(f"{p}.cpu()" if p.startswith("x") and p[1:].isdigit() else p
                               for p in parts) + "]"
    if src.startswith("x") and src[1:].isdigit():
        return f"{src}.cpu()"
    return src


def check_repro(chk, device, dtype=None) -> str:
    """The check's own source and the call that runs it on ``device``."""
    src = textwrap.dedent(inspect.getsource(chk.fn))
    src = "\n".join(ln for ln in src.splitlines() if not ln.startswith("@"))
    call = f"{chk.fn.__name__}({device!r}" + (f", ember.{dtype.name})" if dtype else ")")
    return (f"# check {chk.id!r} on {device!r}\n"
            f"import ember\n"
            f"from ember_conformance.checks import (backend, host, need_dtype, raises_naming, "
            f"skip,\n                                        values_for)\n"
            f"{src}\n{call}\n")
