"""``ember.utils.safetensors``: read and write the safetensors format (compatible with the
``safetensors`` package) without depending on it.

Layout: 8 bytes little-endian header size N, N bytes of JSON header
``{name: {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}, "__metadata__": {...}}``,
then the tensors' raw little-endian bytes, C-contiguous.
"""

from __future__ import annotations

import json
import os
import struct
import tempfile

from .. import _dtype as D

__all__ = ["save_file", "load_file", "save", "load"]

_CODES = {D.float64: "F64", D.float32: "F32", D.float16: "F16", D.bfloat16: "BF16",
          D.int64: "I64", D.int32: "I32", D.int16: "I16", D.int8: "I8", D.uint8: "U8",
          D.bool_: "BOOL", D.complex64: "C64"}
_FROM = {v: k for k, v in _CODES.items()}


def save(tensors: dict, metadata: dict | None = None) -> bytes:
    """The safetensors bytes of ``{name: tensor}``."""
    from .._tensor import Tensor
    header = {}
    blobs = []
    off = 0
    for name in sorted(tensors):
        t = tensors[name]
        if not isinstance(t, Tensor):
            raise TypeError(f"save_file: {name!r} is a {type(t).__name__}, not a tensor")
        if t.dtype not in _CODES:
            raise TypeError(f"save_file: dtype {t.dtype} of {name!r} has no safetensors code")
        c = t.detach().contiguous()
        raw = c._storage._be.to_bytes(c._data)
        header[name] = {"dtype": _CODES[t.dtype], "shape": list(t.shape),
                        "data_offsets": [off, off + len(raw)]}
        blobs.append(raw)
        off += len(raw)
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    return struct.pack("<Q", len(h)) + h + b"".join(blobs)


def save_file(tensors: dict, filename, metadata: dict | None = None) -> None:
    """Write ``{name: tensor}`` to ``filename`` atomically (temp file + rename)."""
    data = save(tensors, metadata)
    path = os.fspath(filename)
    fd, tmp = tempfile.mkstemp(prefix=".ember-st-", dir=os.path.dirname(os.path.abspath(path)))
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def load(data: bytes, device="cpu") -> dict:
    """``{name: tensor}`` from safetensors bytes."""
    from ..serialization import _make_storage, _tensor_on, SerializationError
    from .._tensor import _contig_strides
    if len(data) < 8:
        raise SerializationError("safetensors: data too short for a header")
    (n,) = struct.unpack("<Q", data[:8])
    if 8 + n > len(data):
        raise SerializationError("safetensors: header length exceeds the data (truncated?)")
    header = json.loads(data[8:8 + n])
    base = 8 + n
    out = {}
    for name, m in header.items():
        if name == "__metadata__":
            continue
        dtype = _FROM.get(m["dtype"])
        if dtype is None:
            raise SerializationError(f"safetensors: unsupported dtype {m['dtype']} for {name!r}")
        b, e = m["data_offsets"]
        raw = data[base + b: base + e]
        if len(raw) != e - b:
            raise SerializationError(f"safetensors: data of {name!r} is truncated")
        shape = tuple(m["shape"])
        st = _make_storage(dtype, raw, device)
        out[name] = _tensor_on(st, shape, _contig_strides(shape), 0, dtype)
    return out


def load_file(filename, device="cpu") -> dict:
    """Read a safetensors file into ``{name: tensor}`` on ``device``."""
    from ..serialization import SerializationError
    path = os.fspath(filename)
    with open(path, "rb") as fh:
        data = fh.read()
    try:
        return load(data, device=device)
    except (SerializationError, ValueError, KeyError) as exc:
        raise SerializationError(f"safetensors: cannot read {path!r}: {exc}") from exc
