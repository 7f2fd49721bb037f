"""``FakeBackend``: the cpu backend, twice, with device-tagged arrays (see the package
docstring)."""

from __future__ import annotations

import ember
from ember.backend import BINARY, REDUCTIONS, UNARY

_DTYPES = (ember.bool, ember.uint8, ember.int8, ember.int16, ember.int32, ember.int64,
           ember.float32, ember.float64, ember.complex64, ember.complex128)

# methods whose ``index`` argument says where a new array lives: name -> (position of the
# index argument, position of the dtype argument)
_CREATE = {"empty": (2, 1), "full": (3, 2), "asarray": (2, 1), "arange": (2, 1),
           "from_bytes": (2, 1)}
# methods forwarded with arrays unwrapped and results wrapped
_FORWARD = set(UNARY) | set(BINARY) | set(REDUCTIONS) | {
    "where", "clip", "argmax", "argmin", "cumsum", "cumprod", "sort", "matmul", "take",
    "take_along_axis", "scatter", "getitem", "setitem", "nonzero", "concat", "astype", "copy",
    "view", "as_buffer"}


class FakeArray:
    """A native array of the fake device: a NumPy array and the index it lives on."""

    __slots__ = ("a", "index")

    def __init__(self, a, index):
        self.a, self.index = a, index

    @property
    def shape(self):
        return self.a.shape

    @property
    def dtype(self):
        return self.a.dtype

    @property
    def ndim(self):
        return self.a.ndim

    def __repr__(self):
        return f"FakeArray(fake:{self.index}, {self.a!r})"


class FakeGen:
    __slots__ = ("gen", "index")

    def __init__(self, gen, index):
        self.gen, self.index = gen, index


class DeviceMixError(RuntimeError):
    pass


class FakeBackend:
    """Two devices (``fake:0``, ``fake:1``) on the cpu backend, refusing to mix them."""

    aliasing = True
    unavailable_reason = ""

    def __init__(self, name="fake", bug=False):
        from ember._tensor import _backend_for
        self.name = name
        self.bug = bug
        self.inner = _backend_for("cpu")[0]
        self._gens = {}

    # -- capabilities --------------------------------------------------------------------
    def is_available(self):
        return True

    def device_count(self):
        return 2

    def default_index(self):
        return 0

    def dtypes(self, index=None):
        return _DTYPES

    def synchronize(self, index=None):
        return None

    def memory_stats(self, index=None):
        return {"allocated_bytes": 0, "reserved_bytes": 0}

    def native_dtype(self, d):
        if d not in _DTYPES:
            raise TypeError(f"device {self.name!r} does not support dtype {d}")
        return self.inner.native_dtype(d)

    def ember_dtype(self, native):
        return self.inner.ember_dtype(native)

    # -- wrapping --------------------------------------------------------------------------
    def _unwrap(self, v, seen):
        if isinstance(v, FakeArray):
            seen.add(v.index)
            return v.a
        if isinstance(v, (list, tuple)):
            return type(v)(self._unwrap(x, seen) for x in v)
        if isinstance(v, dict):
            return {k: self._unwrap(x, seen) for k, x in v.items()}
        return v

    def _wrap(self, v, index):
        import numpy as np
        if isinstance(v, np.ndarray) or isinstance(v, np.generic):
            return FakeArray(np.asarray(v), index)
        if isinstance(v, tuple):
            return tuple(self._wrap(x, index) for x in v)
        return v

    def _one_index(self, what, seen):
        if len(seen) > 1:
            a, b = sorted(seen)
            raise DeviceMixError(f"{self.name} backend: arrays of {self.name}:{a} and "
                                 f"{self.name}:{b} reached one kernel ({what}); ember's core "
                                 f"let two devices meet")
        return next(iter(seen)) if seen else 0

    def __getattr__(self, name):
        if name in _FORWARD:
            inner = getattr(self.inner, name)

            def call(*args, **kw):
                seen = set()
                a = self._unwrap(args, seen)
                k = self._unwrap(kw, seen)
                index = self._one_index(name, seen)
                out = inner(*a, **k)
                if self.bug and name == "erf":        # a wrong value
                    out = out + out.dtype.type(1e-3)
                if self.bug and name == "tanh":       # a value inconsistent with its
                    out = out * out.dtype.type(1.01)  # derivative (1 - tanh^2)
                return self._wrap(out, index)
            call.__name__ = name
            return call
        if name in _CREATE:
            inner = getattr(self.inner, name)
            pos, dpos = _CREATE[name]

            def create(*args, **kw):
                seen = set()
                a = self._unwrap(args, seen)
                index = kw.pop("index", a[pos] if len(a) > pos else None)
                a = a[:pos]
                if a[dpos] is not None:
                    self.native_dtype(a[dpos])       # undeclared dtypes raise TypeError
                index = 0 if index is None else index
                self._one_index(name, seen | {index})
                return FakeArray(inner(*a, None), index)
            create.__name__ = name
            return create
        raise AttributeError(f"{self.name} backend has no {name!r}")

    # -- memory special cases ----------------------------------------------------------------
    def write(self, buffer, shape, strides, offset, src):
        seen = {buffer.index}
        s = self._unwrap(src, seen)
        self._one_index("write", seen)
        nb = self.inner.write(buffer.a, shape, strides, offset, s)
        return buffer if nb is buffer.a else FakeArray(nb, buffer.index)

    def to_host(self, x):
        return self.inner.to_host(x.a)

    def to_bytes(self, x):
        return self.inner.to_bytes(x.a)

    def data_ptr(self, buffer):
        return self.inner.data_ptr(buffer.a)

    # -- random: one default generator per index ---------------------------------------------
    def new_generator(self, seed, index=None):
        return FakeGen(self.inner.new_generator(seed, None), 0 if index is None else index)

    def default_generator(self, index=None):
        index = 0 if index is None else index
        g = self._gens.get(index)
        if g is None:
            g = self._gens[index] = FakeGen(self.inner.new_generator(0, None), index)
        return g

    def generator_seed(self, gen, seed):
        self.inner.generator_seed(gen.gen, seed)

    def generator_get_state(self, gen):
        return self.inner.generator_get_state(gen.gen)

    def generator_set_state(self, gen, state):
        self.inner.generator_set_state(gen.gen, state)

    def random(self, gen, kind, shape, d, index=None, **params):
        index = 0 if index is None else index
        seen = {index, gen.index}
        p = self._unwrap(params, seen)
        self._one_index(f"random({kind})", seen)
        self.native_dtype(d)
        return FakeArray(self.inner.random(gen.gen, kind, shape, d, None, **p), index)
