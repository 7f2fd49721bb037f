"""A counter-based random generator written only with Array API integer ops, for
:class:`ember.array_backend.ArrayAPIBackend`.

NOTE [xp random]: the Array API standard has no random numbers. Draw ``i`` of a generator
with seed ``s`` is ``mix(key(s) + (counter + i + 1) * GAMMA)`` on uint64 (wrapping)
arithmetic, where ``mix`` is the SplitMix64 finaliser (two xor-shift-multiply rounds) and
``GAMMA`` the odd constant ``0x9E3779B97F4A7C15``; this is exactly the SplitMix64 stream
started at ``key(s)``, so every draw of ``n`` numbers is one vectorised evaluation over
``arange(n)`` and the whole state is two integers, ``(seed, counter)`` -- saved and restored
exactly, and the same on any device. Floats take the top 53 (float64) or 24 (float32) bits.
``normal`` uses Box-Muller, ``randperm`` sorts random keys, ``multinomial`` inverts the CDF
(with replacement) or takes the Gumbel top-k (without), as the cpu backend does.
"""

from __future__ import annotations

import math
import struct

__all__ = ["XpGenerator", "draw", "get_state", "set_state", "seed_generator"]

_MASK = (1 << 64) - 1
_GAMMA = 0x9E3779B97F4A7C15
_M1 = 0xBF58476D1CE4E5B9
_M2 = 0x94D049BB133111EB


def _mix_int(z):
    """SplitMix64's finaliser on a Python int (used to turn a seed into a key)."""
    z &= _MASK
    z = ((z ^ (z >> 30)) * _M1) & _MASK
    z = ((z ^ (z >> 27)) * _M2) & _MASK
    return z ^ (z >> 31)


class XpGenerator:
    """The state of one generator: ``seed`` and how many 64-bit draws it has made."""

    __slots__ = ("seed", "key", "counter", "index")

    def __init__(self, seed, index=None):
        self.index = index
        seed_generator(self, seed)

    def __repr__(self):
        return f"XpGenerator(seed={self.seed}, counter={self.counter})"


def seed_generator(gen, seed):
    gen.seed = int(seed) & _MASK
    gen.key = _mix_int(gen.seed + _GAMMA)
    gen.counter = 0


def get_state(gen) -> bytes:
    return struct.pack("<QQ", gen.seed, gen.counter)


def set_state(gen, state: bytes) -> None:
    state = bytes(state)
    if len(state) != 16:
        raise ValueError(f"set_state: not a state of this generator (expected 16 bytes from "
                         f"get_state(), got {len(state)})")
    seed, counter = struct.unpack("<QQ", state)
    seed_generator(gen, seed)
    gen.counter = counter


def _bits(xp, gen, n):
    """``n`` fresh uint64 draws (a 1-D array); advances the counter."""
    u64 = xp.uint64
    start = gen.counter + 1
    gen.counter = (gen.counter + n) & _MASK
    i = xp.arange(n, dtype=u64)
    base = (gen.key + start * _GAMMA) & _MASK
    z = xp.asarray(base, dtype=u64) + i * xp.asarray(_GAMMA, dtype=u64)
    z = (z ^ (z >> 30)) * xp.asarray(_M1, dtype=u64)
    z = (z ^ (z >> 27)) * xp.asarray(_M2, dtype=u64)
    return z ^ (z >> 31)


def _uniform(xp, gen, n, ft):
    """``n`` floats in [0, 1) of dtype ``ft``."""
    b = _bits(xp, gen, n)
    if ft == xp.float64:
        return xp.astype(b >> 11, xp.float64) * (2.0 ** -53)
    return xp.astype(xp.astype(b >> 40, xp.float64 if hasattr(xp, "float64") else ft), ft) \
        * (2.0 ** -24)


def _float_type(xp, nd):
    return xp.float64 if nd == getattr(xp, "float64", None) else xp.float32


def draw(xp, gen, kind, shape, nd, **p):
    """Random numbers of native dtype ``nd`` (see ``Backend.random`` for the kinds)."""
    n = math.prod(shape)
    if kind == "uniform":
        ft = _float_type(xp, nd)
        u = _uniform(xp, gen, n, ft)
        lo, hi = p.get("low", 0.0), p.get("high", 1.0)
        if lo != 0.0 or hi != 1.0:
            u = u * (hi - lo) + lo
        return xp.astype(xp.reshape(u, shape), nd)
    if kind == "normal":
        ft = _float_type(xp, nd)
        u = _uniform(xp, gen, 2 * n, xp.float64 if hasattr(xp, "float64") else ft)
        u1 = 1.0 - u[:n]                      # (0, 1]: log is finite
        z = xp.sqrt(-2.0 * xp.log(u1)) * xp.cos((2.0 * math.pi) * u[n:])
        z = xp.reshape(xp.astype(z, ft), shape)
        m, s = p.get("mean", 0.0), p.get("std", 1.0)
        if not (isinstance(s, (int, float)) and s == 1.0):
            z = z * s
        if not (isinstance(m, (int, float)) and m == 0.0):
            z = z + m
        return xp.astype(z, nd)
    if kind == "randint":
        lo, hi = int(p["low"]), int(p["high"])
        r = xp.remainder(_bits(xp, gen, n), xp.asarray(hi - lo, dtype=xp.uint64))
        v = xp.astype(r, xp.int64) + lo
        return xp.astype(xp.reshape(v, shape), nd)
    if kind == "bernoulli":
        prob = p["p"]
        u = xp.reshape(_uniform(xp, gen, n, xp.float64), shape)
        if hasattr(prob, "dtype"):
            if not xp.isdtype(prob.dtype, "real floating"):
                prob = xp.astype(prob, xp.float64)
            u = xp.astype(u, prob.dtype)
        return xp.astype(u < prob, nd)
    if kind == "exponential":
        u = _uniform(xp, gen, n, xp.float64)
        v = -xp.log1p(-u) / p.get("lambd", 1.0)
        return xp.astype(xp.reshape(v, shape), nd)
    if kind == "randperm":
        keys = _bits(xp, gen, p["n"])
        return xp.astype(xp.argsort(keys, stable=True), nd)
    if kind == "multinomial":
        return xp.astype(_multinomial(xp, gen, p["probs"], p["num_samples"],
                                      p["replacement"]), nd)
    raise ValueError(f"random: unknown kind {kind!r}")


def _multinomial(xp, gen, probs, n, replacement):
    p = xp.astype(probs, xp.float64)
    single = p.ndim == 1
    p2 = xp.reshape(p, (1, -1)) if single else p
    rows, k = p2.shape
    if replacement:
        cdf = xp.cumulative_sum(p2, axis=1)
        cdf = cdf / cdf[:, k - 1:k]
        u = xp.reshape(_uniform(xp, gen, rows * n, xp.float64), (rows, n))
        below = xp.expand_dims(u, axis=2) > xp.expand_dims(cdf, axis=1)
        out = xp.sum(xp.astype(below, xp.int64), axis=2)
        out = xp.clip(out, 0, k - 1)
    else:
        u = xp.reshape(_uniform(xp, gen, rows * k, xp.float64), (rows, k))
        g = -xp.log(-xp.log(xp.clip(u, 1e-300, None)))
        positive = p2 > 0
        keys = xp.where(positive, xp.log(xp.where(positive, p2, 1.0)) + g, -math.inf)
        out = xp.argsort(keys, axis=1, descending=True, stable=True)[:, :n]
    return out[0, ...] if single else out
