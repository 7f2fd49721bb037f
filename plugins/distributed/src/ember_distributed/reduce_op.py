"""``ReduceOp``: how a reduction collective combines the values of the ranks."""

from __future__ import annotations

import enum

__all__ = ["ReduceOp"]


class ReduceOp:
    """The reduction of ``all_reduce``, ``reduce``, ``reduce_scatter`` (PyTorch's names).

    ``SUM``, ``AVG`` (sum divided by the number of ranks; integer tensors divide with
    truncation), ``PRODUCT``, ``MIN``, ``MAX``, and the bitwise ``BAND``, ``BOR``, ``BXOR``
    (integer and bool tensors only). Complex tensors support ``SUM`` and ``AVG`` only.

    Example::

        >>> import ember.distributed as dist
        >>> dist.all_reduce(t, op=dist.ReduceOp.MAX)      # doctest: +SKIP
    """

    class RedOpType(enum.IntEnum):
        SUM = 0
        AVG = 1
        PRODUCT = 2
        MIN = 3
        MAX = 4
        BAND = 5
        BOR = 6
        BXOR = 7

        def __repr__(self) -> str:
            return f"ReduceOp.{self.name}"

        __str__ = __repr__

    SUM = RedOpType.SUM
    AVG = RedOpType.AVG
    PRODUCT = RedOpType.PRODUCT
    MIN = RedOpType.MIN
    MAX = RedOpType.MAX
    BAND = RedOpType.BAND
    BOR = RedOpType.BOR
    BXOR = RedOpType.BXOR

    def __init__(self, op: "ReduceOp.RedOpType" = RedOpType.SUM):
        self.op = _check_op(op, "ReduceOp")

    def __eq__(self, other) -> bool:
        if isinstance(other, ReduceOp):
            return self.op == other.op
        return self.op == other

    def __hash__(self) -> int:
        return hash(self.op)

    def __repr__(self) -> str:
        return f"ReduceOp.{self.op.name}"


def _check_op(op, where: str) -> ReduceOp.RedOpType:
    """``op`` (a ``ReduceOp`` member, instance or name) as a ``RedOpType``."""
    if isinstance(op, ReduceOp):
        return op.op
    if isinstance(op, ReduceOp.RedOpType):
        return op
    if isinstance(op, str) and op.upper() in ReduceOp.RedOpType.__members__:
        return ReduceOp.RedOpType[op.upper()]
    raise TypeError(f"{where}: op must be one of ReduceOp.SUM, AVG, PRODUCT, MIN, MAX, BAND, "
                    f"BOR, BXOR; got {op!r}")
