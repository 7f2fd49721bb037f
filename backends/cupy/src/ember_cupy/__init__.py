"""ember-cupy: the ``cuda`` device on CuPy. Registered through the entry point
``device.cuda = "ember_cupy"`` in the group ``ember``.

Without CuPy, or without a GPU, the device still registers: ``ember.cuda.is_available()`` is
False and ``ember.cuda.unavailable_reason()`` (and any attempt to use the device) says why.
"""

from ember.hookspecs import hookimpl

__all__ = ["ember_devices"]


@hookimpl
def ember_devices():
    def make():
        from .backend import make_backend
        return make_backend()
    return {"cuda": make}
