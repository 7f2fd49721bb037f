"""File readers: IDX (MNIST), CIFAR python pickles, CSV tables and decoded images. Every
tensor made here is a cpu tensor (as PyTorch's datasets and ``ToTensor`` give).

NOTE [numpy for files]: this is the only module of ember-data that imports NumPy, and only
to parse bytes read from files (or decoded by Pillow) into arrays, which are turned into
ember tensors at once. No computation on data happens here.
"""

from __future__ import annotations

import csv
import gzip
import pickle
import struct

import ember

__all__ = ["read_idx", "load_cifar_pickle", "cifar_images", "read_csv_table",
           "read_numeric_csv", "pil_to_tensor", "tensor_to_pil", "ndarray_to_tensor"]

_IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def _np():
    import numpy
    return numpy


def _open(path):
    return gzip.open(path, "rb") if str(path).endswith(".gz") else open(path, "rb")


def read_idx(path) -> "ember.Tensor":
    """The array stored in an IDX file (optionally gzip-compressed) as a tensor.

    The IDX format: two zero bytes, a type code (0x08 uint8, 0x09 int8, 0x0B int16,
    0x0C int32, 0x0D float32, 0x0E float64), the number of dimensions, one big-endian
    uint32 per dimension, then the values in C order, big-endian.
    """
    np = _np()
    with _open(path) as f:
        raw = f.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_TYPES:
        raise RuntimeError(f"{path} is not an IDX file (bad magic number "
                           f"{raw[:4].hex() or 'empty'}); expected 0x0000 followed by a type "
                           f"code and the number of dimensions")
    ndim = raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise RuntimeError(f"{path}: truncated IDX header ({len(raw)} bytes)")
    dims = struct.unpack(f">{ndim}I", raw[4:header])
    dt = np.dtype(_IDX_TYPES[raw[2]])
    count = 1
    for d in dims:
        count *= d
    if len(raw) - header != count * dt.itemsize:
        raise RuntimeError(f"{path}: the IDX header announces shape {tuple(dims)} "
                           f"({count * dt.itemsize} bytes of data) but the file holds "
                           f"{len(raw) - header} bytes; the file is truncated or corrupt")
    arr = np.frombuffer(raw, dtype=dt, count=count, offset=header).reshape(dims)
    return ember.tensor(arr.astype(dt.newbyteorder("=")), device="cpu")


class _RestrictedUnpickler(pickle.Unpickler):
    """Unpickles only plain Python containers and NumPy arrays: any other global (which
    could run arbitrary code) is refused."""

    _ALLOWED = {
        ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
        ("numpy.core.multiarray", "scalar"), ("numpy._core.multiarray", "scalar"),
        ("numpy", "ndarray"), ("numpy", "dtype"), ("_codecs", "encode"),
    }
    _BUILTINS = {"list", "dict", "tuple", "set", "frozenset", "bytearray", "bytes", "str",
                 "int", "float", "complex", "bool"}

    def find_class(self, module, name):
        if (module, name) in self._ALLOWED:
            return super().find_class(module, name)
        if module in ("builtins", "__builtin__") and name in self._BUILTINS:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(
            f"refusing to load global {module}.{name} from a data pickle: only Python "
            f"containers and NumPy arrays are allowed (this file may not be a CIFAR batch)")


def load_cifar_pickle(path) -> dict:
    """A CIFAR python batch (a pickled dict), read with a restricted unpickler; byte-string
    keys are decoded to ``str``."""
    with open(path, "rb") as f:
        obj = _RestrictedUnpickler(f, encoding="latin1").load()
    if not isinstance(obj, dict):
        raise RuntimeError(f"{path}: expected a pickled dict (a CIFAR batch), got "
                           f"{type(obj).__name__}")
    return {(k.decode("latin1") if isinstance(k, bytes) else k): v for k, v in obj.items()}


def cifar_images(batches) -> "ember.Tensor":
    """Concatenate the ``data`` rows (N, 3072) of CIFAR batches into a uint8 (N, 32, 32, 3)
    tensor (height, width, channel, as torchvision's ``.data``)."""
    np = _np()
    rows = np.concatenate([np.asarray(b, dtype=np.uint8).reshape(-1, 3072) for b in batches])
    hwc = rows.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    return ember.tensor(np.ascontiguousarray(hwc), device="cpu")


def read_csv_table(path, delimiter=",", header=True, comment=None):
    """``(column_names, values)``: the column names (from the header, or ``"0"``, ``"1"``,
    ... without one) and a float64 tensor (rows, columns) of the values. Empty fields are
    NaN; a non-numeric field raises ``ValueError`` naming its row and column."""
    np = _np()
    with open(path, newline="") as f:
        lines = (ln for ln in f if not (comment and ln.lstrip().startswith(comment)))
        rows = [r for r in csv.reader(lines, delimiter=delimiter) if r]
    if header:
        if not rows:
            raise ValueError(f"{path}: the CSV file is empty (expected a header line)")
        names, rows = [c.strip() for c in rows[0]], rows[1:]
    else:
        names = None
    if not rows:
        raise ValueError(f"{path}: the CSV file has no data rows")
    width = len(rows[0]) if names is None else len(names)
    for i, r in enumerate(rows):
        if len(r) != width:
            raise ValueError(f"{path}: row {i + 1 + bool(header)} has {len(r)} fields, "
                             f"expected {width}")
    names = names or [str(i) for i in range(width)]
    text = np.char.strip(np.asarray(rows, dtype=str))
    text[text == ""] = "nan"
    try:
        values = text.astype(np.float64)
    except ValueError:
        for i, r in enumerate(text):
            for j, v in enumerate(r):
                try:
                    float(v)
                except ValueError:
                    raise ValueError(
                        f"{path}: row {i + 1 + bool(header)}, column {names[j]!r}: {str(v)!r} is "
                        f"not a number; CSVDataset reads numeric tables only (encode "
                        f"categories as numbers first)") from None
        raise
    return names, ember.tensor(values, device="cpu")


def read_numeric_csv(path) -> "ember.Tensor":
    """A headerless numeric CSV file (optionally gzip-compressed) as a float64 tensor."""
    np = _np()
    with _open(path) as f:
        return ember.tensor(np.loadtxt(f, delimiter=",", ndmin=2), device="cpu")


def ndarray_to_tensor(arr) -> "ember.Tensor":
    """A tensor copy of a NumPy array (any layout)."""
    return ember.tensor(_np().ascontiguousarray(arr), device="cpu")


def tensor_to_pil(t, like):
    """A PIL image of the same mode as ``like`` from a (C, H, W) tensor."""
    from PIL import Image
    arr = t.detach().cpu().numpy()
    arr = arr[0] if arr.shape[0] == 1 else arr.transpose(1, 2, 0)
    return Image.fromarray(_np().ascontiguousarray(arr), mode=like.mode if like.mode != "P"
                           else "L")


def pil_to_tensor(img) -> "ember.Tensor":
    """The pixels of a PIL image as a tensor (H, W) or (H, W, C), in the image's dtype."""
    np = _np()
    return ember.tensor(np.array(img, copy=True), device="cpu")

