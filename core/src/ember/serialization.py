"""``ember.save`` / ``ember.load``: a safe checkpoint format, PyTorch checkpoint reading, and
tensor pickling.

NOTE [file format]: an ember checkpoint is a zip archive holding ``<name>/meta.json`` (the
object tree in a tagged JSON encoding, plus one entry per storage: dtype, size, device) and
``<name>/data/<key>`` (each storage's raw little-endian bytes). Tensors that share a storage
point at the same key, so they share storage again after loading. Nothing in the file is
executed on load. Objects the JSON encoding cannot hold (a whole Module, arbitrary classes)
are written with pickle into ``<name>/data.pkl`` instead; loading those needs
``weights_only=False`` and runs code from the file: only for files you trust.

NOTE [atomic writes]: saving to a path writes a temporary file in the same directory, flushes
and fsyncs it, then renames it over the target (``os.replace``), so a crash or an exception
mid-save leaves any previous file intact.
"""

from __future__ import annotations

import base64
import collections
import io
import json
import math
import os
import pickle
import tempfile
import zipfile

from . import _dtype as D
from ._device import device as _device_cls
from ._tensor import Tensor, TypedStorage, _backend_for

__all__ = ["save", "load", "SerializationError"]

_FORMAT = "ember-checkpoint-v1"


class SerializationError(RuntimeError):
    """A checkpoint could not be written or read; the message names the file."""


# -- tensor payloads (pickling and the JSON encoding share them) --------------------------------

def _storage_bytes(st: TypedStorage) -> bytes:
    st._materialise()
    return st._be.to_bytes(st._buf)


def _tensor_payload(t: Tensor):
    """Arguments for ``_rebuild_tensor``: everything needed to rebuild ``t`` on load."""
    st = t._storage
    st._materialise()
    meta = {"dtype": t._dtype.name, "shape": list(t._shape), "stride": list(t._strides()),
            "offset": t._offset, "device": str(st.device), "requires_grad": t._rg,
            "param": bool(getattr(t, "_is_param", False)), "cls": type(t).__name__}
    return (meta, _storage_bytes(st))


def _make_storage(dtype, data: bytes, dev):
    be, cdev = _backend_for(dev)
    buf = be.from_bytes(data, dtype, cdev.index)
    return TypedStorage._new(be, cdev, dtype, buf=buf)


def _tensor_on(storage, shape, stride, offset, dtype):
    t = object.__new__(Tensor)
    d = t.__dict__
    d["_storage"] = storage
    d["_shape"] = tuple(shape)
    d["_dtype"] = dtype
    d["_stride"] = tuple(stride)
    d["_offset"] = offset
    d["_data"] = storage._be.view(storage._buf, tuple(shape), tuple(stride), offset)
    storage._track(t)
    return t


def _rebuild_tensor(meta, data):
    dtype = D.dtype._by_name[meta["dtype"]]
    st = _make_storage(dtype, data, meta.get("device", "cpu"))
    t = _tensor_on(st, meta["shape"], meta["stride"], meta["offset"], dtype)
    if meta.get("param"):
        from .nn.parameter import Parameter
        return Parameter(t, requires_grad=meta["requires_grad"])
    if meta["requires_grad"]:
        t.requires_grad_(True)
    return t


# -- encoding -----------------------------------------------------------------------------------

class _Unsupported(Exception):
    pass


class _Encoder:
    def __init__(self):
        self.storages = {}   # id(storage) -> (key, storage)

    def key_for(self, st):
        hit = self.storages.get(id(st))
        if hit is None:
            hit = (str(len(self.storages)), st)
            self.storages[id(st)] = hit
        return hit[0]

    def enc(self, obj):
        if obj is None or isinstance(obj, (bool, str)):
            return obj
        if isinstance(obj, int):
            return obj
        if isinstance(obj, float):
            if math.isfinite(obj):
                return obj
            return {"__float__": repr(obj)}
        if isinstance(obj, complex):
            return {"__complex__": [obj.real, obj.imag]}
        if isinstance(obj, Tensor):
            st = obj._storage
            st._materialise()
            return {"__tensor__": {
                "storage": self.key_for(st), "shape": list(obj._shape),
                "stride": list(obj._strides()), "offset": obj._offset,
                "dtype": obj._dtype.name, "requires_grad": obj._rg,
                "param": bool(getattr(obj, "_is_param", False))}}
        if isinstance(obj, D.dtype):
            return {"__dtype__": obj.name}
        if isinstance(obj, _device_cls):
            return {"__device__": str(obj)}
        if isinstance(obj, (bytes, bytearray)):
            return {"__bytes__": base64.b64encode(bytes(obj)).decode()}
        if isinstance(obj, dict) and type(obj) in (dict, collections.OrderedDict) or (
                isinstance(obj, dict) and type(obj).__name__ in ("defaultdict",)):
            return {"__dict__": [[self.enc(k), self.enc(v)] for k, v in obj.items()],
                    "ordered": isinstance(obj, collections.OrderedDict)}
        if type(obj) is list:
            return {"__list__": [self.enc(v) for v in obj]}
        if type(obj) is tuple:
            return {"__tuple__": [self.enc(v) for v in obj]}
        if isinstance(obj, tuple) and type(obj).__name__ == "Size":
            return {"__size__": list(obj)}
        raise _Unsupported(type(obj).__name__)


def _dec(obj, storages, map_loc):
    if isinstance(obj, list):
        return [_dec(v, storages, map_loc) for v in obj]
    if not isinstance(obj, dict):
        return obj
    if "__tensor__" in obj:
        m = obj["__tensor__"]
        dtype = D.dtype._by_name[m["dtype"]]
        st = storages(m["storage"])
        t = _tensor_on(st, m["shape"], m["stride"], m["offset"], dtype)
        if m.get("param"):
            from .nn.parameter import Parameter
            return Parameter(t, requires_grad=m["requires_grad"])
        if m["requires_grad"]:
            t.requires_grad_(True)
        return t
    if "__dict__" in obj:
        items = [(_hashable(_dec(k, storages, map_loc)), _dec(v, storages, map_loc))
                 for k, v in obj["__dict__"]]
        return collections.OrderedDict(items) if obj.get("ordered") else dict(items)
    if "__list__" in obj:
        return [_dec(v, storages, map_loc) for v in obj["__list__"]]
    if "__tuple__" in obj:
        return tuple(_dec(v, storages, map_loc) for v in obj["__tuple__"])
    if "__float__" in obj:
        return float(obj["__float__"])
    if "__complex__" in obj:
        return complex(*obj["__complex__"])
    if "__dtype__" in obj:
        return D.dtype._by_name[obj["__dtype__"]]
    if "__device__" in obj:
        return _device_cls(obj["__device__"])
    if "__bytes__" in obj:
        return base64.b64decode(obj["__bytes__"])
    if "__size__" in obj:
        from ._size import Size
        return Size(obj["__size__"])
    raise SerializationError(f"unknown tag in checkpoint: {sorted(obj)}")


def _hashable(k):
    return tuple(k) if isinstance(k, list) else k


# -- save ---------------------------------------------------------------------------------------

def _write_archive(fobj, obj, pickle_protocol):
    enc = _Encoder()
    try:
        tree = enc.enc(obj)
        use_pickle = False
    except _Unsupported:
        tree = None
        use_pickle = True
    with zipfile.ZipFile(fobj, "w", compression=zipfile.ZIP_STORED) as z:
        if use_pickle:
            buf = io.BytesIO()
            pickle.Pickler(buf, protocol=pickle_protocol).dump(obj)
            meta = {"format": _FORMAT, "pickle": True}
            z.writestr("archive/meta.json", json.dumps(meta))
            z.writestr("archive/data.pkl", buf.getvalue())
            return
        stor = {}
        for key, st in enc.storages.values():
            stor[key] = {"dtype": st.dtype.name, "size": st.size(), "device": str(st.device)}
            z.writestr(f"archive/data/{key}", _storage_bytes(st))
        meta = {"format": _FORMAT, "pickle": False, "object": tree, "storages": stor}
        z.writestr("archive/meta.json", json.dumps(meta, allow_nan=False))


def save(obj, f, pickle_module=None, pickle_protocol=2, _use_new_zipfile_serialization=True):
    """Save ``obj`` (tensors, nested dicts/lists/tuples of tensors and numbers, state_dicts)
    to a path or a binary file object. Writing to a path is atomic: on any failure the
    previous file is left as it was (NOTE [atomic writes]).

    Example::

        >>> ember.save({"model": model.state_dict(), "step": 10}, "ckpt.pt")
    """
    if isinstance(f, (str, os.PathLike)):
        path = os.fspath(f)
        d = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(d):
            raise FileNotFoundError(f"save: directory {d!r} does not exist (for {path!r}); "
                                    f"create it first")
        fd, tmp = tempfile.mkstemp(prefix=".ember-save-", suffix=".tmp", dir=d)
        try:
            with os.fdopen(fd, "wb") as fh:
                _write_archive(fh, obj, pickle_protocol)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
        return
    _write_archive(f, obj, pickle_protocol)


# -- load ---------------------------------------------------------------------------------------

def _map_device(map_location, dev: str):
    if map_location is None:
        return dev
    if callable(map_location) and not isinstance(map_location, (str, _device_cls)):
        return dev  # handled per tensor after loading
    if isinstance(map_location, dict):
        return str(map_location.get(dev, dev))
    return str(map_location)


def _apply_callable(obj, fn):
    if isinstance(obj, Tensor):
        r = fn(obj, str(obj.device))
        return obj if r is None else r
    if isinstance(obj, dict):
        return type(obj)((k, _apply_callable(v, fn)) for k, v in obj.items())
    if isinstance(obj, list):
        return [_apply_callable(v, fn) for v in obj]
    if isinstance(obj, tuple):
        return tuple(_apply_callable(v, fn) for v in obj)
    return obj


class _PickleRestricted(pickle.Unpickler):
    def find_class(self, module, name):
        raise pickle.UnpicklingError(
            f"weights_only load refused global {module}.{name}: the file contains arbitrary "
            f"Python objects. Load it with weights_only=False only if you trust its source.")


def _name_of(f):
    return os.fspath(f) if isinstance(f, (str, os.PathLike)) else getattr(f, "name", "<file>")


def load(f, map_location=None, pickle_module=None, *, weights_only=True, mmap=None, **kw):
    """Load an object saved by ``ember.save`` (or a PyTorch ``.pt``/``.pth`` state_dict written
    by ``torch.save``, read without torch). ``weights_only=True`` (the default) never runs code
    from the file. ``map_location``: a device, a string, a ``{from: to}`` dict, or a callable
    ``(tensor, location) -> tensor``.

    Example::

        >>> state = ember.load("ckpt.pt", map_location="cpu")
    """
    name = _name_of(f)
    try:
        if isinstance(f, (str, os.PathLike)):
            if not os.path.exists(f):
                raise FileNotFoundError(f"load: no such file: {name!r}")
            with open(f, "rb") as fh:
                data = fh.read()
        else:
            data = f.read()
        bio = io.BytesIO(data)
        if not zipfile.is_zipfile(bio):
            if data[:2] == b"\x80\x02" or data[:1] == b"\x80":
                raise SerializationError(
                    f"load: {name!r} is a legacy (non-zip) PyTorch file or a plain pickle; "
                    f"ember reads zip checkpoints only. Re-save it with torch.save in the "
                    f"default format.")
            raise SerializationError(f"load: {name!r} is not an ember or PyTorch checkpoint "
                                     f"(not a zip archive; truncated or corrupted?)")
        with zipfile.ZipFile(bio) as z:
            names = z.namelist()
            meta_name = next((n for n in names if n.endswith("/meta.json")), None)
            if meta_name is not None:
                obj = _load_ember(z, meta_name, map_location, weights_only, name)
            else:
                pkl = next((n for n in names if n.endswith("data.pkl")), None)
                if pkl is None:
                    raise SerializationError(f"load: {name!r} holds no checkpoint data "
                                             f"(neither meta.json nor data.pkl)")
                from ._torch_reader import load_torch_zip
                obj = load_torch_zip(z, pkl, lambda dev: _map_device(map_location, dev),
                                     weights_only, name)
    except (SerializationError, FileNotFoundError, pickle.UnpicklingError):
        raise
    except (zipfile.BadZipFile, KeyError, ValueError, EOFError, json.JSONDecodeError,
            zlib_error()) as exc:
        raise SerializationError(f"load: {name!r} is truncated or corrupted: "
                                 f"{type(exc).__name__}: {exc}") from exc
    if callable(map_location) and not isinstance(map_location, (str, _device_cls, dict)):
        obj = _apply_callable(obj, map_location)
    return obj


def zlib_error():
    import zlib
    return zlib.error


def _load_ember(z, meta_name, map_location, weights_only, name):
    prefix = meta_name[: -len("meta.json")]
    meta = json.loads(z.read(meta_name))
    if meta.get("format") != _FORMAT:
        raise SerializationError(f"load: {name!r} has unknown format {meta.get('format')!r}")
    if meta.get("pickle"):
        if weights_only:
            raise pickle.UnpicklingError(
                f"load: {name!r} contains pickled Python objects (it was saved from something "
                f"other than tensors, containers and numbers). weights_only=True refuses to "
                f"run code from a file; pass weights_only=False only if you trust its source.")
        return pickle.loads(z.read(prefix + "data.pkl"))
    cache = {}
    stor = meta["storages"]

    def storage(key):
        st = cache.get(key)
        if st is None:
            m = stor[key]
            dtype = D.dtype._by_name[m["dtype"]]
            raw = z.read(f"{prefix}data/{key}")
            if len(raw) != m["size"] * dtype.itemsize:
                raise SerializationError(f"load: {name!r}: storage {key} has {len(raw)} bytes, "
                                         f"expected {m['size'] * dtype.itemsize} (truncated?)")
            st = _make_storage(dtype, raw, _map_device(map_location, m["device"]))
            cache[key] = st
        return st

    return _dec(meta["object"], storage, map_location)
