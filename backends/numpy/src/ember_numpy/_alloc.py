"""Allocator settings for NumPy-backed tensors (glibc only).

NOTE [allocator]: a training step allocates and frees the same large arrays every step
(activations, gradients, im2col matrices of a few megabytes). With glibc's defaults an array
above the dynamic mmap threshold is a fresh ``mmap`` each time and the heap is trimmed back
to the OS as soon as it is freed, so every step pays for the kernel mapping and zeroing the
pages again on first touch (a page fault per 4 KiB) -- a large part of a convolutional
network's step. Keeping freed memory in the heap (``M_TRIM_THRESHOLD``) and serving arrays
below 32 MiB from it (``M_MMAP_THRESHOLD``) lets the next step reuse warm pages. The cost is
that memory freed by the process is returned to the OS later (at most ``M_TRIM_THRESHOLD``
above what is in use). Set ``EMBER_NUMPY_TUNE_MALLOC=0`` to keep the C library's defaults;
other platforms and C libraries are left alone.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys

__all__ = ["tune_malloc"]

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_MMAP_THRESHOLD = 32 << 20      # glibc's maximum for this setting on 64-bit
_TRIM_THRESHOLD = 256 << 20

_done = []


def tune_malloc() -> bool:
    """Apply NOTE [allocator] once per process; True when the settings are in effect."""
    if _done:
        return _done[0]
    ok = False
    if (sys.platform.startswith("linux")
            and os.environ.get("EMBER_NUMPY_TUNE_MALLOC", "1") not in ("0", "false", "no")):
        try:
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
            gnu = ctypes.CDLL(None).gnu_get_libc_version     # glibc only (not musl)
            mallopt = libc.mallopt
            mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
            ok = bool(gnu) and (mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD) == 1
                                and mallopt(_M_TRIM_THRESHOLD, _TRIM_THRESHOLD) == 1)
        except (OSError, AttributeError):
            ok = False
    _done.append(ok)
    return ok
