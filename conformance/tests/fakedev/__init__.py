"""A fake two-device backend for tests without hardware: devices ``fake:0`` and ``fake:1``.

Both are the cpu backend underneath, but every native array is wrapped in a ``FakeArray``
that remembers which device index it lives on, and every kernel refuses arrays of two
indices. So a device-mixing bug in ember's core (an op that lets ``fake:0`` and ``fake:1``
tensors meet, a transfer that leaves data on the wrong index) fails loudly here, exactly as
it would on two GPUs. ``FakeArray`` exposes only ``.shape``/``.dtype``/``.ndim``: a core
that looked deeper into native arrays would fail too.

Each index has its own default generator. The backend declares no float16/bfloat16 and no
optional ``linalg``/``fft`` kernels, so the suite's skip-with-reason paths run.

``fakebug`` is the same device with two deliberate bugs, for tests of the suite's failure
reporting: ``erf`` is off by 1e-3, ``tanh`` is 1% too large (so its gradient, computed
from its output, disagrees with finite differences).

Register by hand (it is not an installed distribution)::

    import ember, fakedev
    ember.register_plugin(fakedev)
"""

from ember.hookspecs import hookimpl

from .backend import FakeBackend

__all__ = ["FakeBackend", "ember_devices"]


@hookimpl
def ember_devices():
    return {"fake": lambda: FakeBackend("fake"), "fakebug": lambda: FakeBackend("fakebug",
                                                                                  bug=True)}
