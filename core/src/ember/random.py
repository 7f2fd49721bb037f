"""Random state: ``manual_seed``, ``Generator``, ``get_rng_state``/``set_rng_state`` and the
random factories (``rand``, ``randn``, ``randint``, ``randperm``, ``normal``, ...).

Each device keeps its own default generator in its backend; ``manual_seed`` seeds every
device type that has been used (and the cpu), so a seeded run is reproducible per device.
"""

from __future__ import annotations

import time

from . import _dtype as D
from ._device import get_default_device
from ._tensor import Tensor, _backend_for, _from_native, _backends

__all__ = ["Generator", "manual_seed", "seed", "initial_seed", "get_rng_state",
           "set_rng_state", "default_generator", "rand", "randn", "randint", "randperm",
           "normal", "rand_like", "randn_like", "randint_like", "bernoulli", "multinomial",
           "fork_rng", "get_all_rng_states", "set_all_rng_states"]

_initial = [0]


class Generator:
    """A random generator for one device: ``manual_seed``, ``seed``, ``initial_seed``,
    ``get_state``/``set_state``.

    Example::

        >>> g = ember.Generator().manual_seed(0)
        >>> ember.rand(2, generator=g).shape
        ember.Size([2])
    """

    def __init__(self, device="cpu"):
        self._be, self.device = _backend_for(device)
        self._seed = 67280421310721
        self._gen = self._be.new_generator(self._seed, self.device.index)

    @classmethod
    def _wrap_default(cls, be, dev):
        g = object.__new__(cls)
        g._be, g.device = be, dev
        g._gen = be.default_generator(dev.index)
        g._seed = getattr(be, "_seed", 0)
        return g

    def manual_seed(self, seed: int) -> "Generator":
        seed = int(seed)
        if seed < 0:
            seed &= (1 << 64) - 1
        self._seed = seed
        self._be.generator_seed(self._gen, seed)
        if self._gen is self._be.default_generator(self.device.index):
            self._be._seed = seed
        return self

    def seed(self) -> int:
        s = time.time_ns() & ((1 << 63) - 1)
        self.manual_seed(s)
        return s

    def initial_seed(self) -> int:
        return self._seed

    def get_state(self) -> Tensor:
        """The state as a uint8 tensor (cpu)."""
        from ._creation import tensor
        raw = self._be.generator_get_state(self._gen)
        return tensor(list(raw), dtype=D.uint8)

    def set_state(self, state: Tensor) -> "Generator":
        if not isinstance(state, Tensor) or state.dtype is not D.uint8:
            raise TypeError("set_state(): expected a uint8 tensor from get_state()")
        self._be.generator_set_state(self._gen, bytes(state.tolist()))
        return self

    def __repr__(self):
        return f"<ember.Generator device={self.device}>"


def default_generator(dev=None) -> Generator:
    """The default generator of a device (cpu by default)."""
    be, d = _backend_for(dev or "cpu")
    return Generator._wrap_default(be, d)


def manual_seed(seed: int) -> Generator:
    """Seed the default generator of every device type in use (and the cpu)."""
    seed = int(seed)
    _initial[0] = seed
    _backend_for("cpu")
    for be in list(_backends.values()):
        for i in range(be.device_count()) if be.default_index() is not None else [None]:
            be.generator_seed(be.default_generator(i), seed)
        be._seed = seed
    return default_generator("cpu")


def seed() -> int:
    """Seed every default generator from the clock; return the seed."""
    s = time.time_ns() & ((1 << 63) - 1)
    manual_seed(s)
    return s


def initial_seed() -> int:
    """The seed last given to ``manual_seed`` (0 before any)."""
    return _initial[0]


def get_rng_state() -> Tensor:
    """The cpu default generator's state as a uint8 tensor."""
    return default_generator("cpu").get_state()


def set_rng_state(new_state: Tensor) -> None:
    """Restore a state from ``get_rng_state``."""
    default_generator("cpu").set_state(new_state)


def get_all_rng_states() -> dict:
    """The default generator state of every device in use: ``{"cpu": state, "cuda:0": ...}``
    (uint8 tensors). Save it in a checkpoint for an exact resume."""
    _backend_for("cpu")
    out = {}
    for be in list(_backends.values()):
        idxs = [None] if be.default_index() is None else list(range(be.device_count()))
        for i in idxs:
            name = be.name if i is None else f"{be.name}:{i}"
            out[name] = default_generator(name).get_state()
    return out


def set_all_rng_states(states: dict) -> None:
    """Restore states from ``get_all_rng_states`` (devices not present are an error)."""
    for name, st in states.items():
        default_generator(name).set_state(st)


class fork_rng:
    """Context manager: restore the cpu (and given devices') generator states on exit."""

    def __init__(self, devices=(), enabled=True, device_type="cuda"):
        self.devices = list(devices)
        self.enabled = enabled
        self.device_type = device_type

    def __enter__(self):
        if self.enabled:
            self._cpu = get_rng_state()
            self._dev = [(d, default_generator(f"{self.device_type}:{d}" if isinstance(d, int)
                                               else d).get_state()) for d in self.devices]
        return self

    def __exit__(self, *exc):
        if self.enabled:
            set_rng_state(self._cpu)
            for d, st in self._dev:
                default_generator(f"{self.device_type}:{d}" if isinstance(d, int)
                                  else d).set_state(st)
        return False


def _gen_for(generator, be, dev):
    if generator is None:
        return be.default_generator(dev.index)
    if generator.device != dev:
        raise RuntimeError(f"Expected a '{dev.type}' device type for generator but found "
                           f"'{generator.device.type}'")
    return generator._gen


def _size(size):
    from ._creation import _size as s
    return s(size)


def _finish(t, requires_grad):
    if requires_grad:
        t.requires_grad_(True)
    return t


def _float_dtype(dtype, op):
    d = dtype or D.get_default_dtype()
    if not (d.is_floating_point or d.is_complex):
        raise RuntimeError(f"\"{op}\" not implemented for '{d.name}': random floats need a "
                           f"floating dtype")
    return d


def rand(*size, generator=None, out=None, dtype=None, device=None, requires_grad=False,
         layout=None, pin_memory=False):
    """Uniform samples from [0, 1): ``rand(2, 3)``."""
    shape = _size(size)
    d = _float_dtype(dtype, "rand")
    be, dev = _backend_for(device or get_default_device())
    arr = be.random(_gen_for(generator, be, dev), "uniform", shape, d, dev.index)
    return _finish(_from_native(arr, be, dev, d), requires_grad)


def randn(*size, generator=None, out=None, dtype=None, device=None, requires_grad=False,
          layout=None, pin_memory=False):
    """Standard normal samples: ``randn(2, 3)``."""
    shape = _size(size)
    d = _float_dtype(dtype, "randn")
    be, dev = _backend_for(device or get_default_device())
    arr = be.random(_gen_for(generator, be, dev), "normal", shape, d, dev.index)
    return _finish(_from_native(arr, be, dev, d), requires_grad)


def randint(low=0, high=None, size=None, *, generator=None, dtype=None, device=None,
            requires_grad=False, out=None, layout=None):
    """Integers uniform in [low, high): ``randint(10, (3,))`` or ``randint(2, 10, (3,))``."""
    if size is None:
        if isinstance(high, (tuple, list)):
            low, high, size = 0, low, high
        else:
            raise TypeError("randint(): missing required argument 'size'")
    if high is None:
        low, high = 0, low
    if high <= low:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} "
                           f">= to={high}")
    shape = _size(size)
    d = dtype or D.int64
    be, dev = _backend_for(device or get_default_device())
    arr = be.random(_gen_for(generator, be, dev), "randint", shape, d, dev.index,
                    low=int(low), high=int(high))
    return _finish(_from_native(arr, be, dev, d), requires_grad)


def randperm(n, *, generator=None, dtype=None, device=None, requires_grad=False, out=None,
             layout=None, pin_memory=False):
    """A random permutation of ``0..n-1`` (int64)."""
    if n < 0:
        raise RuntimeError(f"randperm(): n must be non-negative, got {n}")
    d = dtype or D.int64
    be, dev = _backend_for(device or get_default_device())
    arr = be.random(_gen_for(generator, be, dev), "randperm", (n,), d, dev.index, n=n)
    return _finish(_from_native(arr, be, dev, d), requires_grad)


def normal(mean=0.0, std=1.0, size=None, *, generator=None, out=None, dtype=None,
           device=None, requires_grad=False):
    """Normal samples. ``mean``/``std`` may be tensors (elementwise, broadcast) or floats
    with an explicit ``size``."""
    if isinstance(mean, Tensor) or isinstance(std, Tensor):
        ref = mean if isinstance(mean, Tensor) else std
        from ._ops.core import broadcast_shapes
        shape = broadcast_shapes(mean.shape if isinstance(mean, Tensor) else (),
                                 std.shape if isinstance(std, Tensor) else ())
        if isinstance(std, Tensor) and bool((std < 0).any()):
            raise RuntimeError("normal expects all elements of std >= 0.0")
        z = randn(shape, generator=generator, dtype=ref.dtype, device=ref.device)
        return z * std + mean
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
    if size is None:
        raise TypeError("normal(): with float mean and std, size is required")
    return randn(size, generator=generator, dtype=dtype, device=device,
                 requires_grad=requires_grad) * std + mean


def rand_like(input, *, dtype=None, device=None, requires_grad=False, generator=None):
    return rand(input.shape, generator=generator, dtype=dtype or input.dtype,
                device=device or input.device, requires_grad=requires_grad)


def randn_like(input, *, dtype=None, device=None, requires_grad=False, generator=None):
    return randn(input.shape, generator=generator, dtype=dtype or input.dtype,
                 device=device or input.device, requires_grad=requires_grad)


def randint_like(input, low=0, high=None, *, dtype=None, device=None, requires_grad=False,
                 generator=None):
    return randint(low, high, input.shape, generator=generator, dtype=dtype or input.dtype,
                   device=device or input.device)


def bernoulli(input, p=None, *, generator=None, out=None):
    """0/1 samples with probability ``input`` (or the scalar ``p``), same shape and dtype."""
    be, dev = input._storage._be, input.device
    prob = input._data if p is None else p
    if p is None and (bool((input < 0).any()) or bool((input > 1).any())):
        raise RuntimeError("bernoulli: all elements of input must be in [0, 1]")
    arr = be.random(_gen_for(generator, be, dev), "bernoulli", input._shape, input.dtype,
                    dev.index, p=prob)
    return _from_native(arr, be, dev, input.dtype)


def multinomial(input, num_samples, replacement=False, *, generator=None, out=None):
    """Indices sampled from the rows of ``input`` (non-negative weights): shape
    (num_samples,) or (rows, num_samples)."""
    if input.dim() not in (1, 2):
        raise RuntimeError(f"prob_dist must be 1 or 2 dim, got {input.dim()}")
    n_cat = input.shape[-1]
    if not replacement and num_samples > n_cat:
        raise RuntimeError(f"cannot sample n_sample > prob_dist.size(-1) samples without "
                           f"replacement (n_sample={num_samples}, categories={n_cat})")
    if bool((input < 0).any()):
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    be, dev = input._storage._be, input.device
    arr = be.random(_gen_for(generator, be, dev), "multinomial",
                    input._shape[:-1] + (num_samples,), D.int64, dev.index,
                    probs=input._data, num_samples=num_samples, replacement=replacement)
    return _from_native(arr, be, dev, D.int64)


def _canonical(fn):
    from ._creation import _canonical_dtype_args
    return _canonical_dtype_args(fn)


for _name in ("rand", "randn", "randint", "randperm", "normal", "rand_like", "randn_like",
              "randint_like"):
    globals()[_name] = _canonical(globals()[_name])

