"""``ember.nn.utils``: gradient clipping and flattening parameters to/from one vector.

Example::

    >>> model = nn.Linear(4, 2)
    >>> model(ember.randn(8, 4)).sum().backward()
    >>> total = nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
    >>> float(nn.utils.get_total_norm([p.grad for p in model.parameters()])) <= 1.0 + 1e-5
    True
"""

from __future__ import annotations

import ember

__all__ = ["clip_grad_norm_", "clip_grad_norm", "clip_grad_value_", "get_total_norm",
           "clip_grads_with_norm_", "parameters_to_vector", "vector_to_parameters"]


def _tensor_list(tensors):
    if isinstance(tensors, ember.Tensor):
        return [tensors]
    return list(tensors)


def _grads(parameters):
    return [p.grad for p in _tensor_list(parameters) if p.grad is not None]


def get_total_norm(tensors, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """The ``norm_type``-norm of all ``tensors`` together (as if concatenated into one
    vector); ``norm_type`` may be ``inf``. An empty list gives ``tensor(0.)``.

    Raises:
        RuntimeError: with ``error_if_nonfinite=True``, when the norm is nan or inf.
    """
    tensors = _tensor_list(tensors)
    norm_type = float(norm_type)
    if len(tensors) == 0:
        return ember.tensor(0.0)
    dev = tensors[0].device
    norms = [ember.linalg.vector_norm(t.detach(), norm_type).to(dev) for t in tensors]
    total = ember.linalg.vector_norm(ember.stack(norms), norm_type)
    if error_if_nonfinite and bool(total.isnan() | total.isinf()):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is "
            f"non-finite, so it cannot be clipped. To disable this error and scale the "
            f"gradients by the non-finite norm anyway, set `error_if_nonfinite=False`")
    return total


def clip_grads_with_norm_(parameters, max_norm, total_norm, foreach=None):
    """Scale the gradients of ``parameters`` in place by ``min(1, max_norm / (total_norm +
    1e-6))`` (``total_norm`` from ``get_total_norm``)."""
    grads = _grads(parameters)
    if not grads:
        return
    coef = (float(max_norm) / (total_norm + 1e-6)).clamp(max=1.0)
    with ember.no_grad():
        for g in grads:
            g.mul_(coef.to(g.device, g.dtype))


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False,
                    foreach=None):
    """Rescale the gradients of ``parameters`` (in place) so that their total
    ``norm_type``-norm is at most ``max_norm``. Returns the total norm before clipping.

    Args:
        parameters: a tensor or an iterable of tensors whose ``.grad`` is clipped.
        max_norm (float): the largest allowed norm.
        norm_type (float): the norm degree; ``float('inf')`` for the max norm. Default: 2.
        error_if_nonfinite (bool): raise if the total norm is nan or inf. Default: ``False``.
        foreach (bool, optional): accepted for compatibility (one code path in ember).

    Example::

        >>> nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
    """
    params = _tensor_list(parameters)
    grads = [p.grad for p in params if p.grad is not None]
    if not grads:
        return ember.tensor(0.0)
    total = get_total_norm(grads, norm_type, error_if_nonfinite, foreach)
    clip_grads_with_norm_(params, max_norm, total, foreach)
    return total


def clip_grad_norm(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False,
                   foreach=None):
    """Deprecated alias of ``clip_grad_norm_``."""
    import warnings
    warnings.warn("`torch.nn.utils.clip_grad_norm` is now deprecated in favor of "
                  "`torch.nn.utils.clip_grad_norm_`.", FutureWarning, stacklevel=2)
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp the gradients of ``parameters`` in place to ``[-clip_value, clip_value]``."""
    clip_value = float(clip_value)
    with ember.no_grad():
        for g in _grads(parameters):
            g.clamp_(-clip_value, clip_value)


def parameters_to_vector(parameters):
    """One 1-D tensor with all ``parameters`` flattened and concatenated (a copy).

    Example::

        >>> nn.utils.parameters_to_vector(nn.Linear(3, 2).parameters()).shape
        ember.Size([8])
    """
    params = _tensor_list(parameters)
    dev = None
    for p in params:
        if dev is None:
            dev = p.device
        elif p.device != dev:
            raise TypeError("Found two parameters on different devices, this is currently not "
                            "supported.")
    if not params:
        return ember.tensor([])
    return ember.cat([p.reshape(-1) for p in params])


def vector_to_parameters(vec, parameters):
    """Set the data of ``parameters`` from slices of the 1-D ``vec`` (in order). The
    parameters then share ``vec``'s memory, as in PyTorch."""
    if not isinstance(vec, ember.Tensor):
        raise TypeError(f"expected ember.Tensor, but got: {type(vec).__name__}")
    params = _tensor_list(parameters)
    total = sum(p.numel() for p in params)
    if vec.dim() != 1 or vec.numel() != total:
        raise RuntimeError(f"vector_to_parameters: vec must be 1-D with {total} elements (the "
                           f"parameters' total), got shape {list(vec.shape)}")
    pointer = 0
    dev = None
    for p in params:
        if dev is None:
            dev = p.device
        elif p.device != dev:
            raise TypeError("Found two parameters on different devices, this is currently not "
                            "supported.")
        n = p.numel()
        p.data = vec[pointer:pointer + n].view_as(p).data
        pointer += n

