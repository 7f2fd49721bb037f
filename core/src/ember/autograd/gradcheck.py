"""``gradcheck`` and ``gradgradcheck``: compare autograd's gradients with central finite
differences, as ``torch.autograd.gradcheck``.

NOTE [gradcheck]: functions are checked in their real representation: a complex input of
n elements is 2n real inputs (real parts, then imaginary parts) and a complex output of m
elements is 2m real outputs. The numerical Jacobian perturbs one real input component at a
time (two evaluations of the function, each giving a whole column at once); the analytical
one runs one vector-Jacobian product per real output component, with a one-hot
``grad_output`` (``1`` for a real part, ``1j`` for an imaginary part: with PyTorch's
convention for complex gradients the result is ``d/dRe + i d/dIm`` of that component).
``fast_mode`` compares one random projection ``u^T J v`` instead of whole Jacobians.
"""

from __future__ import annotations

import warnings

from .grad_mode import enable_grad

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError"]


class GradcheckError(RuntimeError):
    """Raised by :func:`gradcheck` / :func:`gradgradcheck` when gradients do not match."""


def _ember():
    import ember
    return ember


def _tensors(x):
    from .._tensor import Tensor
    if isinstance(x, Tensor):
        return (x,)
    return tuple(x)


def _is_diff(t):
    from .._tensor import Tensor
    return isinstance(t, Tensor) and (t.dtype.is_floating_point or t.dtype.is_complex)


def _outputs(func, inputs):
    out = func(*inputs)
    return _tensors(out) if not isinstance(out, (list, tuple)) else tuple(out)


def _real_vec(t):
    """A tensor's values as one real 1-D tensor (real parts then imaginary parts)."""
    t = t.detach().reshape(-1)
    if t.dtype.is_complex:
        return _ember().cat([t.real, t.imag])
    return t


def _n_real(t):
    return t.numel() * (2 if t.dtype.is_complex else 1)


def _fail(msg, raise_exception):
    if raise_exception:
        raise GradcheckError(msg)
    return False


def _eval_with(func, inputs, idx, replacement):
    # grad stays enabled, with the perturbed input requiring grad, so functions that
    # differentiate inside (gradgradcheck's) work; only the values are read
    args = list(inputs)
    args[idx] = replacement.detach().requires_grad_(True)
    with enable_grad():
        outs = _outputs(func, args)
    return [_real_vec(o) if _is_diff(o) else None for o in outs]


def _numerical_jacobian(func, inputs, diff_idx, eps):
    """{(input index, output index): (n_real_in, n_real_out) tensor}."""
    ember = _ember()
    jac = {}
    for i in diff_idx:
        x = inputs[i]
        base = x.detach().clone()
        flat = base.view(-1)
        cols = []
        comps = [1.0] + ([1j] if x.dtype.is_complex else [])
        for unit in comps:
            for j in range(x.numel()):
                orig = flat[j].clone()
                flat[j] = orig + eps * unit
                plus = _eval_with(func, inputs, i, base)
                flat[j] = orig - eps * unit
                minus = _eval_with(func, inputs, i, base)
                flat[j] = orig
                cols.append([None if p is None else (p - m) / (2 * eps)
                             for p, m in zip(plus, minus)])
        n_out = len(cols[0]) if cols else 0
        for k in range(n_out):
            if cols[0][k] is None:
                continue
            jac[(i, k)] = ember.stack([c[k] for c in cols]) if cols else None
    return jac


def _analytical_jacobian(outputs, inputs, diff_idx, nondet_tol):
    """Same layout as the numerical Jacobian, from one vjp per real output component.
    Returns (jacobian, reentrant_ok)."""
    from . import grad as _grad
    ember = _ember()
    diff_inputs = [inputs[i] for i in diff_idx]
    jac = {}
    reentrant = True
    for k, o in enumerate(outputs):
        if not _is_diff(o):
            continue
        rows = {i: [] for i in diff_idx}
        comps = [1.0] + ([1j] if o.dtype.is_complex else [])
        for unit in comps:
            for e in range(o.numel()):
                if not o.requires_grad:
                    for i in diff_idx:
                        rows[i].append(ember.zeros(_n_real(inputs[i]),
                                                   dtype=inputs[i].dtype.to_real(),
                                                   device=inputs[i].device))
                    continue
                go = ember.zeros(o.shape, dtype=o.dtype, device=o.device)
                go.view(-1)[e] = unit
                gs = _grad(o, diff_inputs, go, retain_graph=True, allow_unused=True)
                if k == 0 and e == 0 and unit == 1.0 and reentrant:
                    again = _grad(o, diff_inputs, go, retain_graph=True, allow_unused=True)
                    for a, b in zip(gs, again):
                        if (a is None) != (b is None) or (a is not None and float(
                                (a - b).abs().max().item() if a.numel() else 0) > nondet_tol):
                            reentrant = False
                for i, g in zip(diff_idx, gs):
                    x = inputs[i]
                    if g is None:
                        rows[i].append(ember.zeros(_n_real(x), dtype=x.dtype.to_real(),
                                                   device=x.device))
                        continue
                    if tuple(g.shape) != tuple(x.shape):
                        raise GradcheckError(f"Gradient has wrong shape for input {i}: "
                                             f"{list(g.shape)} instead of {list(x.shape)}")
                    g = g.detach().reshape(-1)
                    if x.dtype.is_complex:
                        g = g.to(x.dtype)
                        rows[i].append(ember.cat([g.real, g.imag]))
                    else:
                        rows[i].append(g.real if g.dtype.is_complex else g)
        for i in diff_idx:
            jac[(i, k)] = ember.stack(rows[i], 1) if rows[i] else None
    return jac, reentrant


def _close(a, n, atol, rtol):
    a = a.to(_ember().float64)
    n = n.to(_ember().float64)
    return bool(((a - n).abs() <= atol + rtol * n.abs()).all())


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True,
              nondet_tol=0.0, check_undefined_grad=True, check_grad_dtypes=False,
              check_batched_grad=False, check_batched_forward_grad=False,
              check_forward_ad=False, check_backward_ad=True, fast_mode=False, masked=None):
    """Check the gradients of ``func`` w.r.t. the ``inputs`` that require grad against
    central finite differences (step ``eps``): every entry must satisfy
    ``|analytical - numerical| <= atol + rtol * |numerical|``. Returns True, or raises
    :class:`GradcheckError` naming the output and input (returns False instead when
    ``raise_exception=False``). Use float64 (or complex128) inputs. Forward-mode and
    batched checks are not available in ember (those flags must stay False).

    Example::

        >>> x = ember.randn(3, dtype=ember.float64, requires_grad=True)
        >>> ember.autograd.gradcheck(lambda t: (t * t).sin(), (x,))
        True
    """
    ember = _ember()
    if check_forward_ad or check_batched_grad or check_batched_forward_grad:
        raise NotImplementedError("gradcheck: ember has no forward-mode AD or vmap; "
                                  "check_forward_ad, check_batched_grad and "
                                  "check_batched_forward_grad must be False")
    inputs = _tensors(inputs) if isinstance(inputs, ember.Tensor) else tuple(inputs)
    diff_idx = [i for i, x in enumerate(inputs) if isinstance(x, ember.Tensor)
                and x.requires_grad]
    if not diff_idx:
        raise ValueError("gradcheck expects at least one input tensor to require gradient, "
                         "but none of the them have requires_grad=True.")
    for i in diff_idx:
        x = inputs[i]
        if not (x.dtype.is_floating_point or x.dtype.is_complex):
            raise ValueError(f"gradcheck: input {i} requires grad but has dtype {x.dtype}")
        if x.dtype not in (ember.float64, ember.complex128):
            warnings.warn(f"Input #{i} requires gradient and is not a double precision "
                          f"floating point or complex. This check will likely fail if all the "
                          f"inputs are not of double precision floating point or complex.",
                          stacklevel=2)
    if not check_backward_ad:
        return True
    with enable_grad():
        outputs = _outputs(func, inputs)
    if not any(_is_diff(o) for o in outputs):
        return _fail("gradcheck: the function returned no floating point or complex tensor "
                     "to check", raise_exception)
    if fast_mode:
        return _fast(func, inputs, outputs, diff_idx, eps, atol, rtol, raise_exception)
    analytical, reentrant = _analytical_jacobian(outputs, inputs, diff_idx, nondet_tol)
    numerical = _numerical_jacobian(func, inputs, diff_idx, eps)
    for (i, k), num in numerical.items():
        ana = analytical.get((i, k))
        if ana is None or num is None:
            continue
        if not outputs[k].requires_grad and bool((num != 0).any()):
            return _fail(f"Numerical gradient for function expected to be zero (output {k} "
                         f"does not require grad) but it depends on input {i}",
                         raise_exception)
        if not _close(ana, num, atol, rtol):
            return _fail(f"Jacobian mismatch for output {k} with respect to input {i},\n"
                         f"numerical:{num}\nanalytical:{ana}\n", raise_exception)
    if check_grad_dtypes:
        from . import grad as _grad
        with enable_grad():
            outs = [o for o in _outputs(func, inputs) if _is_diff(o) and o.requires_grad]
        if outs:
            gs = _grad([o.sum().real if o.dtype.is_complex else o.sum() for o in outs],
                       [inputs[i] for i in diff_idx], allow_unused=True)
            for i, g in zip(diff_idx, gs):
                if g is not None and g.dtype is not inputs[i].dtype:
                    return _fail(f"Gradient has dtype mismatch for input {i}: {g.dtype} "
                                 f"instead of {inputs[i].dtype}", raise_exception)
    if not reentrant:
        return _fail(f"Backward is not reentrant, i.e., running backward with same input and "
                     f"grad_output multiple times gives different values, although analytical "
                     f"gradient matches numerical gradient. The tolerance for nondeterminism "
                     f"was {nondet_tol}.", raise_exception)
    return True


def _fast(func, inputs, outputs, diff_idx, eps, atol, rtol, raise_exception):
    """u^T J v for random unit-scale u (over real input components) and v (over real output
    components): one directional finite difference against one vjp."""
    from . import grad as _grad
    ember = _ember()
    g = ember.Generator().manual_seed(0)
    # the random directions come from the cpu generator (the same on every device), then
    # move to the device of the tensor they pair with
    us = {i: (ember.rand(_n_real(inputs[i]), generator=g, dtype=ember.float64) - 0.5
              ).to(inputs[i].device) for i in diff_idx}
    outs_d = [(k, o) for k, o in enumerate(outputs) if _is_diff(o)]
    vs = {k: (ember.rand(_n_real(o), generator=g, dtype=ember.float64) - 0.5).to(o.device)
          for k, o in outs_d}

    def as_tensor(vec, like):
        vec = vec.to(like.dtype.to_real())
        if like.dtype.is_complex:
            n = like.numel()
            return ember.complex(vec[:n], vec[n:]).reshape(like.shape)
        return vec.reshape(like.shape)

    # numerical: d/dt <v, f(x + t u)> at t = 0
    def proj(sign):
        args = list(inputs)
        for i in diff_idx:
            args[i] = (inputs[i].detach() + sign * eps * as_tensor(us[i], inputs[i])
                       ).requires_grad_(True)
        with enable_grad():
            outs = _outputs(func, args)
        return sum(float((_real_vec(outs[k]).to(ember.float64) * vs[k]).sum().item())
                   for k, _ in outs_d)
    num = (proj(1) - proj(-1)) / (2 * eps)
    # analytical: <u, J^T v>
    diff_outs = [o for _, o in outs_d if o.requires_grad]
    ana = 0.0
    if diff_outs:
        gos = []
        for k, o in outs_d:
            if not o.requires_grad:
                continue
            v = vs[k]
            if o.dtype.is_complex:
                n = o.numel()
                gos.append(ember.complex(v[:n], v[n:]).to(o.dtype).reshape(o.shape))
            else:
                gos.append(v.to(o.dtype).reshape(o.shape))
        gs = _grad(diff_outs, [inputs[i] for i in diff_idx], gos, retain_graph=True,
                   allow_unused=True)
        for i, gr in zip(diff_idx, gs):
            if gr is None:
                continue
            x = inputs[i]
            gr = gr.detach().reshape(-1)
            vec = ember.cat([gr.real, gr.imag]) if x.dtype.is_complex else (
                gr.real if gr.dtype.is_complex else gr)
            ana += float((vec.to(ember.float64) * us[i]).sum().item())
    if abs(ana - num) > atol + rtol * abs(num):
        return _fail(f"Jacobian mismatch (fast mode): the projection u^T J v is {ana} "
                     f"analytically and {num} numerically", raise_exception)
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3,
                  gen_non_contig_grad_outputs=False, raise_exception=True, nondet_tol=0.0,
                  check_undefined_grad=True, check_grad_dtypes=False, check_batched_grad=False,
                  check_fwd_over_rev=False, check_rev_over_rev=True, fast_mode=False,
                  masked=False):
    """Check second derivatives: :func:`gradcheck` applied to the function
    ``(inputs, grad_outputs) -> autograd.grad(func(inputs), inputs, grad_outputs,
    create_graph=True)``. ``grad_outputs`` default to random tensors (seeded) that require
    grad.

    Example::

        >>> x = ember.randn(3, dtype=ember.float64, requires_grad=True)
        >>> ember.autograd.gradgradcheck(lambda t: t.pow(3).sum(), (x,))
        True
    """
    from . import grad as _grad
    ember = _ember()
    if check_fwd_over_rev or check_batched_grad:
        raise NotImplementedError("gradgradcheck: ember has no forward-mode AD or vmap; "
                                  "check_fwd_over_rev and check_batched_grad must be False")
    inputs = _tensors(inputs) if isinstance(inputs, ember.Tensor) else tuple(inputs)
    diff_idx = [i for i, x in enumerate(inputs) if isinstance(x, ember.Tensor)
                and x.requires_grad]
    with enable_grad():
        outputs = _outputs(func, inputs)
    diff_outs = [o for o in outputs if _is_diff(o) and o.requires_grad]
    if grad_outputs is None:
        g = ember.Generator().manual_seed(0)
        grad_outputs = []
        for o in diff_outs:
            real = o.dtype.to_real()
            v = ember.randn(tuple(o.shape), generator=g, dtype=real)
            if o.dtype.is_complex:
                v = ember.complex(v, ember.randn(tuple(o.shape), generator=g, dtype=real))
            v = v.to(o.device)
            if gen_non_contig_grad_outputs and v.dim():
                v = ember.stack([v, v], -1)[..., 0]
            grad_outputs.append(v.requires_grad_(True))
    else:
        grad_outputs = list(_tensors(grad_outputs) if isinstance(grad_outputs, ember.Tensor)
                            else grad_outputs)
    n_in = len(inputs)

    def new_func(*args):
        inp = args[:n_in]
        gos = args[n_in:]
        outs = [o for o in _outputs(func, inp) if _is_diff(o) and o.requires_grad]
        d_in = [inp[i] for i in diff_idx]
        grads = _grad(outs, d_in, list(gos), create_graph=True, allow_unused=True)
        return tuple(g for g in grads if g is not None)

    return gradcheck(new_func, tuple(inputs) + tuple(grad_outputs), eps=eps, atol=atol,
                     rtol=rtol, raise_exception=raise_exception, nondet_tol=nondet_tol,
                     check_grad_dtypes=check_grad_dtypes, fast_mode=fast_mode)
