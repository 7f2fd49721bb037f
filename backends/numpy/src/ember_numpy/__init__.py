"""ember-numpy: the ``cpu`` device. Declared in pyproject.toml as the entry point
``device.cpu = "ember_numpy"`` in the group ``ember``, exactly as a third party would."""

from ember.hookspecs import hookimpl

__all__ = ["ember_devices"]


@hookimpl
def ember_devices():
    def make():
        from .backend import NumpyBackend
        return NumpyBackend()
    return {"cpu": make}
