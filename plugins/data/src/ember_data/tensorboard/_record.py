"""TFRecord framing with masked CRC32C checksums (the container of TensorBoard event files).

Each record is: ``uint64 length`` (little-endian), ``uint32 masked_crc32c(length bytes)``,
the data, ``uint32 masked_crc32c(data)``. CRC32C is the Castagnoli CRC (reflected
polynomial 0x82F63B78); the mask is ``((crc >> 15) | (crc << 17)) + 0xA282EAD8``.
"""

from __future__ import annotations

import struct

__all__ = ["crc32c", "masked_crc32c", "frame"]


def _table():
    poly = 0x82F63B78
    table = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (c >> 1) ^ poly if c & 1 else c >> 1
        table.append(c)
    return table


_TABLE = _table()


def crc32c(data: bytes) -> int:
    """The CRC32C (Castagnoli) checksum of ``data``."""
    crc = 0xFFFFFFFF
    table = _TABLE
    for b in data:
        crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def masked_crc32c(data: bytes) -> int:
    crc = crc32c(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def frame(data: bytes) -> bytes:
    """One TFRecord holding ``data``."""
    header = struct.pack("<Q", len(data))
    return (header + struct.pack("<I", masked_crc32c(header)) + data
            + struct.pack("<I", masked_crc32c(data)))
