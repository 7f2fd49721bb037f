"""The few protocol-buffer messages of a TensorBoard event file, encoded by hand.

NOTE [protobuf by hand]: an event file is a sequence of TFRecords, each holding one
serialized ``tensorflow.Event``. Only the fields below are written, so a dozen lines of
wire-format encoding replace a dependency on tensorflow or protobuf. Field numbers are
those of tensorflow/core/util/event.proto, framework/summary.proto and tensor.proto:

- Event: wall_time=1 (double), step=2 (int64), file_version=3 (string), summary=5,
  session_log=7
- SessionLog: status=1 (enum; START=1)
- Summary: value=1 (repeated Summary.Value)
- Summary.Value: tag=1 (string), simple_value=2 (float), histo=5, tensor=8, metadata=9
- HistogramProto: min=1, max=2, num=3, sum=4, sum_squares=5 (doubles),
  bucket_limit=6, bucket=7 (packed doubles)
- SummaryMetadata: plugin_data=1 (PluginData: plugin_name=1, content=2)
- TensorProto: dtype=1 (DT_FLOAT=1, DT_DOUBLE=2, DT_STRING=7), tensor_shape=2,
  float_val=5, double_val=6 (packed), string_val=8
- TensorShapeProto: dim=2 (Dim: size=1)
"""

from __future__ import annotations

import struct

__all__ = ["event", "scalar_value", "tensor_scalar_value", "histogram_value", "text_value",
           "summary", "session_log_start"]

_VARINT, _I64, _LEN, _I32 = 0, 1, 2, 5


def _varint(n: int) -> bytes:
    if n < 0:
        n &= (1 << 64) - 1               # int64 is encoded as its two's complement
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _key(field: int, wire: int) -> bytes:
    return _varint((field << 3) | wire)


def _int(field: int, value: int) -> bytes:
    return _key(field, _VARINT) + _varint(int(value))


def _double(field: int, value: float) -> bytes:
    return _key(field, _I64) + struct.pack("<d", float(value))


def _float(field: int, value: float) -> bytes:
    return _key(field, _I32) + struct.pack("<f", float(value))


def _bytes(field: int, data: bytes) -> bytes:
    return _key(field, _LEN) + _varint(len(data)) + data


def _str(field: int, text: str) -> bytes:
    return _bytes(field, text.encode("utf-8"))


def _packed_doubles(field: int, values) -> bytes:
    values = list(values)
    return _bytes(field, struct.pack(f"<{len(values)}d", *values))


def event(wall_time: float, step: int | None = None, file_version: str | None = None,
          summary: bytes | None = None, session_log: bytes | None = None) -> bytes:
    out = _double(1, wall_time)
    if step is not None:
        out += _int(2, step)
    if file_version is not None:
        out += _str(3, file_version)
    if summary is not None:
        out += _bytes(5, summary)
    if session_log is not None:
        out += _bytes(7, session_log)
    return out


def session_log_start() -> bytes:
    return _int(1, 1)


def summary(*values: bytes) -> bytes:
    return b"".join(_bytes(1, v) for v in values)


def _metadata(plugin: str, content: bytes = b"") -> bytes:
    plugin_data = _str(1, plugin) + (_bytes(2, content) if content else b"")
    return _bytes(1, plugin_data)


def scalar_value(tag: str, value: float) -> bytes:
    return _str(1, tag) + _float(2, value)


def tensor_scalar_value(tag: str, value: float, double: bool) -> bytes:
    """A scalar as a rank-0 tensor with the "scalars" plugin metadata (``new_style``)."""
    tensor = (_int(1, 2 if double else 1) + _bytes(2, b"")
              + (_packed_doubles(6, [value]) if double
                 else _bytes(5, struct.pack("<f", float(value)))))
    return _str(1, tag) + _bytes(8, tensor) + _bytes(9, _metadata("scalars"))


def histogram_value(tag: str, vmin, vmax, num, vsum, sum_squares, bucket_limit,
                    bucket) -> bytes:
    histo = (_double(1, vmin) + _double(2, vmax) + _double(3, num) + _double(4, vsum)
             + _double(5, sum_squares) + _packed_doubles(6, bucket_limit)
             + _packed_doubles(7, bucket))
    return _str(1, tag) + _bytes(5, histo)


def text_value(tag: str, text: str) -> bytes:
    shape = _bytes(2, _int(1, 1))                          # one dimension of size 1
    tensor = _int(1, 7) + _bytes(2, shape) + _bytes(8, text.encode("utf-8"))
    return _str(1, tag) + _bytes(8, tensor) + _bytes(9, _metadata("text"))
