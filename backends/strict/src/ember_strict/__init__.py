"""ember-strict: the ``strict`` device, a reference backend built only on
``array_api_strict`` through the Python Array API standard. It proves that ember's backend
protocol is really abstract: no NumPy call computes anything (NumPy appears only as the host
format of ``to_host``/``from_bytes``, as the protocol asks).

Registered through the entry point ``device.strict = "ember_strict"`` in the group
``ember``::

    >>> import ember
    >>> x = ember.arange(6.0, device="strict").reshape(2, 3)
    >>> (x.exp() @ x.t()).device
    device(type='strict')
"""

from ember.hookspecs import hookimpl

__all__ = ["ember_devices"]


@hookimpl
def ember_devices():
    def make():
        from .backend import StrictBackend
        return StrictBackend()
    return {"strict": make}
