"""``ember.autograd.functional``: ``vjp jvp jacobian hessian vhp hvp`` of a function, as
``torch.autograd.functional``.

Everything is built on reverse mode (``autograd.grad``). ``jvp`` and ``hvp`` use the
"double backward" identity: ``u -> vjp(f, x, u)`` is linear in ``u``, so differentiating
``<vjp(f, x, u), v>`` w.r.t. ``u`` gives ``J v``; this needs the ops' backwards to be
differentiable, which they are (they are written in ember ops). ``vectorize=True`` and
``strategy="forward-mode"`` are accepted and give the same values (one vjp per output
element; ember has no vmap).

Example::

    >>> f = lambda x: x ** 3
    >>> ember.autograd.functional.jacobian(f, ember.tensor([1., 2.]))
    tensor([[ 3.,  0.],
            [ 0., 12.]])
"""

from __future__ import annotations

from .grad_mode import enable_grad

__all__ = ["vjp", "jvp", "jacobian", "hessian", "vhp", "hvp"]


def _ember():
    import ember
    return ember


def _as_tuple(x, arg_name, fn_name):
    ember = _ember()
    if isinstance(x, ember.Tensor):
        return False, (x,)
    if not isinstance(x, (tuple, list)):
        raise TypeError(f"The {arg_name} given to {fn_name} must be either a Tensor or a tuple "
                        f"of Tensors but the given {arg_name} has type {type(x).__name__}.")
    for i, el in enumerate(x):
        if not isinstance(el, ember.Tensor):
            raise TypeError(f"The {arg_name} given to {fn_name} must be either a Tensor or a "
                            f"tuple of Tensors but the element {i} of the given {arg_name} has "
                            f"type {type(el).__name__}.")
    return True, tuple(x)


def _tuple_post(res, to_unpack):
    """Undo ``_as_tuple``: ``to_unpack`` is a bool or a pair of bools (for nested
    results)."""
    if isinstance(to_unpack, tuple):
        outer, inner = to_unpack
        if not inner:
            res = tuple(r[0] for r in res)
        if not outer:
            res = res[0]
        return res
    return res if to_unpack else res[0]


def _grad_pre(inputs, create_graph, need_graph):
    res = []
    for x in inputs:
        if create_graph and x.requires_grad:
            res.append(x.view_as(x) if x._base is None else x.clone())
        else:
            res.append(x.detach().requires_grad_(need_graph))
    return tuple(res)


def _grad_post(inputs, create_graph):
    if create_graph:
        return inputs
    return tuple(x.detach() if isinstance(x, _ember().Tensor) else
                 _grad_post(x, create_graph) for x in inputs)


def _validate_v(v, other, is_other_tuple):
    if len(other) != len(v):
        if is_other_tuple:
            raise RuntimeError(f"v is a tuple of invalid length: should be {len(other)} but got "
                               f"{len(v)}.")
        raise RuntimeError("The given v should contain a single Tensor.")
    for i, (a, b) in enumerate(zip(v, other)):
        if tuple(a.shape) != tuple(b.shape):
            prefix = f"Entry {i} in " if is_other_tuple else ""
            raise RuntimeError(f"{prefix}v has invalid size: should be {list(b.shape)} but got "
                               f"{list(a.shape)}.")


def _check_requires_grad(tensors, kind, strict):
    if not strict:
        return
    for i, t in enumerate(tensors):
        if t is None:
            raise RuntimeError(f"The output of the user-provided function is independent of "
                               f"input {i}. This is not allowed in strict mode.")
        if not t.requires_grad:
            what = {"outputs": "output", "grad_inputs": "input", "jacobian": "output"}.get(
                kind, kind)
            raise RuntimeError(f"The {what} {i} of the user-provided function does not require "
                               f"gradients. The outputs must be computed in a differentiable "
                               f"manner from the input when running in strict mode.")


def _autograd_grad(outputs, inputs, grad_outputs=None, create_graph=False, retain_graph=None):
    """``autograd.grad`` that skips outputs not requiring grad and returns None for
    inputs they do not reach."""
    from . import grad as _grad
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    outs, gos = [], []
    for o, g in zip(outputs, grad_outputs):
        if o is not None and o.requires_grad:
            outs.append(o)
            gos.append(g)
    if not outs:
        return (None,) * len(inputs)
    return _grad(outs, inputs, gos, create_graph=create_graph, retain_graph=retain_graph,
                 allow_unused=True)


def _prep_inputs(inputs, name, create_graph):
    """``(is_tuple, inputs)``: the inputs as a tuple of fresh leaves that require grad (views
    of the given ones under ``create_graph``, so gradients flow back to them)."""
    is_tuple, inputs = _as_tuple(inputs, "inputs", name)
    return is_tuple, _grad_pre(inputs, create_graph, True)


def _prep_v(v, refs, is_refs_tuple, name, create_graph, refs_desc):
    """``v`` as a tuple shaped like ``refs`` (the inputs or the outputs, ``refs_desc`` names
    them for the error when ``v`` is omitted, which needs a single one-element ``refs``)."""
    if v is not None:
        _, v = _as_tuple(v, "v", name)
        v = _grad_pre(v, create_graph, False)
        _validate_v(v, refs, is_refs_tuple)
    elif len(refs) != 1 or refs[0].numel() != 1:
        raise RuntimeError(f"The vector v can only be None if {refs_desc} a single Tensor with "
                           f"a single element.")
    return v


_V_FOR_INPUT = "the input to the user-provided function is"


def _call(func, inputs, name, strict):
    """``(is_tuple, outputs)`` of ``func(*inputs)``, checked (strict: each requires grad)."""
    is_tuple, outputs = _as_tuple(func(*inputs), "outputs of the user-provided function", name)
    _check_requires_grad(outputs, "outputs", strict)
    return is_tuple, outputs


def _finish(outputs, res, create_graph, outputs_tuple, res_tuple):
    """The ``(outputs, result)`` pair returned to the user: detached unless ``create_graph``,
    single tensors unpacked as they were given."""
    outputs = _grad_post(outputs, create_graph)
    res = _grad_post(res, create_graph)
    return _tuple_post(outputs, outputs_tuple), _tuple_post(res, res_tuple)


def _fill_zeros(grads, refs, strict, create_graph, stage):
    ember = _ember()
    res = []
    for i, (g, r) in enumerate(zip(grads, refs)):
        if g is None:
            if strict:
                if stage == "back":
                    raise RuntimeError(f"The output of the user-provided function is "
                                       f"independent of input {i}. This is not allowed in "
                                       f"strict mode.")
                if stage == "back_trick":
                    raise RuntimeError(f"The gradient with respect to the input is independent "
                                       f"of entry {i} in the grad_outputs when using the double "
                                       f"backward trick to compute forward mode gradients. "
                                       f"This is not allowed in strict mode.")
                if stage == "double_back":
                    raise RuntimeError(f"The jacobian of the user-provided function is "
                                       f"independent of input {i}. This is not allowed in "
                                       f"strict mode.")
                raise RuntimeError(f"The hessian of the user-provided function is independent "
                                   f"of entry {i} in the grad_jacobian. This is not allowed in "
                                   f"strict mode as it prevents from using the double backward "
                                   f"trick to replace forward mode AD.")
            g = ember.zeros_like(r)
        res.append(g)
    return tuple(res)


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), v^T J)``: the vector-Jacobian product at ``inputs``. ``v`` has the
    outputs' shapes (it may be omitted for a single-element output).

    Example: ``vjp(lambda x: x ** 2, ember.ones(2), ember.ones(2))[1]`` is ``[2., 2.]``."""
    with enable_grad():
        is_in_tuple, inputs = _prep_inputs(inputs, "vjp", create_graph)
        is_out_tuple, outputs = _call(func, inputs, "vjp", strict)
        v = _prep_v(v, outputs, is_out_tuple, "vjp", create_graph,
                    "the user-provided function returns")
        grads = _autograd_grad(outputs, inputs, v, create_graph=create_graph)
        res = _fill_zeros(grads, inputs, strict, create_graph, "back")
    return _finish(outputs, res, create_graph, is_out_tuple, is_in_tuple)


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), J v)``: the Jacobian-vector product at ``inputs`` (through the double
    backward identity). ``v`` has the inputs' shapes (omit it for a single-element input).

    Example: ``jvp(lambda x: x ** 2, ember.ones(2), ember.ones(2))[1]`` is ``[2., 2.]``."""
    ember = _ember()
    with enable_grad():
        is_in_tuple, inputs = _prep_inputs(inputs, "jvp", create_graph)
        v = _prep_v(v, inputs, is_in_tuple, "jvp", create_graph, _V_FOR_INPUT)
        is_out_tuple, outputs = _call(func, inputs, "jvp", strict)
        grad_outputs = tuple(ember.zeros_like(o).requires_grad_(True) for o in outputs)
        grad_inputs = _autograd_grad(outputs, inputs, grad_outputs, create_graph=True)
        _check_requires_grad(grad_inputs, "grad_inputs", strict)
        if create_graph:
            with enable_grad():
                grad_res = _autograd_grad(grad_inputs, grad_outputs, v, create_graph=True)
        else:
            grad_res = _autograd_grad(grad_inputs, grad_outputs, v, create_graph=False)
        jvp_res = _fill_zeros(grad_res, outputs, strict, create_graph, "back_trick")
    return _finish(outputs, jvp_res, create_graph, is_out_tuple, is_out_tuple)


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False,
             strategy="reverse-mode"):
    """The Jacobian of ``func`` at ``inputs``: for output ``i`` and input ``j`` a tensor of
    shape ``outputs[i].shape + inputs[j].shape``; nested as tuples when ``inputs`` and/or
    the outputs are tuples, a single tensor otherwise.

    Example: ``jacobian(lambda x: x.sum(), ember.ones(3))`` is ``[1., 1., 1.]``."""
    ember = _ember()
    if strategy not in ("forward-mode", "reverse-mode"):
        raise ValueError('Expected strategy to be either "forward-mode" or "reverse-mode". '
                         'Hint: If your function has more outputs than inputs, "forward-mode" '
                         'tends to be more performant. Otherwise, prefer to use '
                         '"reverse-mode".')
    if strategy == "forward-mode":
        if create_graph:
            raise NotImplementedError("torch.autograd.functional.jacobian: `create_graph=True` "
                                      "and `strategy=\"forward-mode\"` are not supported "
                                      "together (yet). Please either set "
                                      "`create_graph=False` or `strategy=\"reverse-mode\"`.")
        if not vectorize:
            raise ValueError("torch.autograd.functional.jacobian: `strategy=\"forward-mode\"` "
                             "requires `vectorize=True`.")
    with enable_grad():
        is_in_tuple, inputs = _prep_inputs(inputs, "jacobian", create_graph)
        is_out_tuple, outputs = _call(func, inputs, "jacobian", strict)
        jac = []
        for i, out in enumerate(outputs):
            rows = [[] for _ in inputs]
            flat = out.reshape(-1)
            for j in range(out.numel()):
                gs = _autograd_grad((flat[j],), inputs, retain_graph=True,
                                    create_graph=create_graph)
                for k, (g, x) in enumerate(zip(gs, inputs)):
                    if g is None:
                        if strict:
                            raise RuntimeError(f"Output {i} of the user-provided function is "
                                               f"independent of input {k}. This is not allowed "
                                               f"in strict mode.")
                        g = ember.zeros_like(x)
                    rows[k].append(g)
            per_in = []
            for k, x in enumerate(inputs):
                if rows[k]:
                    J = ember.stack(rows[k]).reshape(tuple(out.shape) + tuple(x.shape))
                else:
                    J = ember.zeros(tuple(out.shape) + tuple(x.shape), dtype=x.dtype,
                                    device=x.device)
                per_in.append(J)
            jac.append(tuple(per_in))
    jac = tuple(_grad_post(j, create_graph) for j in jac)
    return _tuple_post(jac, (is_out_tuple, is_in_tuple))


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False,
            outer_jacobian_strategy="reverse-mode"):
    """The Hessian of a scalar function: for inputs ``i``, ``j`` a tensor of shape
    ``inputs[i].shape + inputs[j].shape`` (a single tensor for a single input).

    Example: ``hessian(lambda x: (x ** 3).sum(), ember.tensor([1., 2.]))`` is
    ``[[6., 0.], [0., 12.]]``."""
    is_in_tuple, inputs = _as_tuple(inputs, "inputs", "hessian")
    if outer_jacobian_strategy not in ("forward-mode", "reverse-mode"):
        raise ValueError('Expected strategy to be either "forward-mode" or "reverse-mode".')

    def single_output(*inp):
        out = func(*inp)
        ember = _ember()
        if not isinstance(out, ember.Tensor):
            raise RuntimeError("The function given to hessian should return a single Tensor")
        if out.numel() != 1:
            raise RuntimeError("The Tensor returned by the function given to hessian should "
                               "contain a single element")
        _check_requires_grad((out,), "outputs", strict)
        return out.reshape(())

    def jac_func(*inp):
        j = jacobian(single_output, inp, create_graph=True, strict=strict)
        _check_requires_grad(j, "jacobian", strict)
        return j

    res = jacobian(jac_func, inputs, create_graph=create_graph, strict=strict,
                   vectorize=vectorize)
    return _tuple_post(res, (is_in_tuple, is_in_tuple))


def _scalar_fn_output(func, inputs, name, strict):
    is_out_tuple, outputs = _call(func, inputs, name, strict)
    if is_out_tuple or len(outputs) != 1:
        raise RuntimeError(f"The function given to {name} should return a single Tensor")
    if outputs[0].numel() != 1:
        raise RuntimeError(f"The Tensor returned by the function given to {name} should "
                           f"contain a single element")
    return outputs


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), v^T H)`` for a scalar function: the vector-Hessian product.

    Example: ``vhp(lambda x: (x ** 3).sum(), ember.ones(2), ember.ones(2))[1]`` is
    ``[6., 6.]``."""
    with enable_grad():
        is_in_tuple, inputs = _prep_inputs(inputs, "vhp", create_graph)
        v = _prep_v(v, inputs, is_in_tuple, "vhp", create_graph, _V_FOR_INPUT)
        outputs = _scalar_fn_output(func, inputs, "vhp", strict)
        jac = _autograd_grad(outputs, inputs, create_graph=True)
        _check_requires_grad(jac, "jacobian", strict)
        grads = _autograd_grad(jac, inputs, v, create_graph=create_graph)
        res = _fill_zeros(grads, inputs, strict, create_graph, "double_back")
    return _finish(outputs, res, create_graph, False, is_in_tuple)


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), H v)`` for a scalar function: the Hessian-vector product (through
    the double backward identity).

    Example: ``hvp(lambda x: (x ** 3).sum(), ember.ones(2), ember.ones(2))[1]`` is
    ``[6., 6.]``."""
    ember = _ember()
    with enable_grad():
        is_in_tuple, inputs = _prep_inputs(inputs, "hvp", create_graph)
        v = _prep_v(v, inputs, is_in_tuple, "hvp", create_graph, _V_FOR_INPUT)
        outputs = _scalar_fn_output(func, inputs, "hvp", strict)
        jac = _autograd_grad(outputs, inputs, create_graph=True)
        _check_requires_grad(jac, "jacobian", strict)
        grad_jac = tuple(ember.zeros_like(x).requires_grad_(True) for x in inputs)
        double_back = _autograd_grad(jac, inputs, grad_jac, create_graph=True)
        _check_requires_grad(jac, "hessian", strict)
        grads = _autograd_grad(double_back, grad_jac, v, create_graph=create_graph)
        res = _fill_zeros(grads, inputs, strict, create_graph, "double_back_trick")
    return _finish(outputs, res, create_graph, False, is_in_tuple)
