"""Collectives on picklable Python objects (through MPI's pickle-based collectives).

Objects are pickled, so only pass objects from trusted processes (the processes of your own
job): unpickling runs code.
"""

from __future__ import annotations

from typing import Any

from .collectives import _peer
from .process_group import ProcessGroup, _resolve

__all__ = ["broadcast_object_list", "all_gather_object", "gather_object",
           "scatter_object_list"]


def _list(x, name: str, op: str) -> list:
    if not isinstance(x, list):
        raise TypeError(f"{op}: `{name}` must be a list, got {type(x).__name__}")
    return x


def broadcast_object_list(object_list: list, src: int | None = None,
                          group: ProcessGroup | None = None, device=None,
                          group_src: int | None = None) -> None:
    """Replace the entries of ``object_list`` on every process by those of process ``src``
    (global rank; or ``group_src``). Every process passes a list of the same length.

    Example::

        >>> objs = [{"lr": 0.1}, "run-7"] if rank == 0 else [None, None]   # doctest: +SKIP
        >>> dist.broadcast_object_list(objs, src=0)                 # doctest: +SKIP
    """
    _list(object_list, "object_list", "broadcast_object_list")
    pg = _resolve(group)
    if pg is None:
        return
    root = _peer(pg, src, group_src, "broadcast_object_list", "src")
    got = pg._mpi.bcast_object(list(object_list) if pg.rank() == root else None, root)
    if len(got) != len(object_list):
        raise ValueError(f"broadcast_object_list: the source sent {len(got)} objects but this "
                         f"process's object_list has {len(object_list)} entries; pass lists of "
                         f"one length on every process")
    object_list[:] = got


def all_gather_object(object_list: list, obj: Any, group: ProcessGroup | None = None) -> None:
    """Fill ``object_list`` (one entry per process) with ``obj`` of every process.

    Example::

        >>> out = [None] * dist.get_world_size()                    # doctest: +SKIP
        >>> dist.all_gather_object(out, {"rank": rank})             # doctest: +SKIP
    """
    _list(object_list, "object_list", "all_gather_object")
    pg = _resolve(group)
    if pg is None:
        return
    if len(object_list) != pg.size():
        raise ValueError(f"all_gather_object: object_list has {len(object_list)} entries but "
                         f"the group has {pg.size()} processes")
    object_list[:] = pg._mpi.allgather_object(obj)


def gather_object(obj: Any, object_gather_list: list | None = None, dst: int | None = None,
                  group: ProcessGroup | None = None, group_dst: int | None = None) -> None:
    """Gather ``obj`` of every process into ``object_gather_list`` on process ``dst`` (global
    rank, default 0; or ``group_dst``). Only ``dst`` passes the list (one entry per process).

    Example::

        >>> out = [None] * world if rank == 0 else None             # doctest: +SKIP
        >>> dist.gather_object(stats, out, dst=0)                   # doctest: +SKIP
    """
    pg = _resolve(group)
    if pg is None:
        return
    root = _peer(pg, 0 if dst is None and group_dst is None else dst, group_dst,
                 "gather_object", "dst")
    if pg.rank() == root:
        _list(object_gather_list, "object_gather_list", "gather_object")
        if len(object_gather_list) != pg.size():
            raise ValueError(f"gather_object: object_gather_list has {len(object_gather_list)}"
                             f" entries but the group has {pg.size()} processes")
    elif object_gather_list is not None:
        raise ValueError("Argument ``object_gather_list`` must NOT be specified on "
                         "non-destination ranks.")
    got = pg._mpi.gather_object(obj, root)
    if pg.rank() == root:
        object_gather_list[:] = got


def scatter_object_list(scatter_object_output_list: list, scatter_object_input_list=None,
                        src: int | None = None, group: ProcessGroup | None = None,
                        group_src: int | None = None) -> None:
    """Give process ``i`` the object ``scatter_object_input_list[i]`` of process ``src``
    (global rank, default 0; or ``group_src``), stored in ``scatter_object_output_list[0]``.

    Example::

        >>> out = [None]                                            # doctest: +SKIP
        >>> objs = ["a", "b"] if rank == 0 else None                # doctest: +SKIP
        >>> dist.scatter_object_list(out, objs, src=0)              # doctest: +SKIP
    """
    if not isinstance(scatter_object_output_list, list) or not scatter_object_output_list:
        raise ValueError("Expected argument scatter_object_output_list to be a list of size at "
                         "least 1.")
    pg = _resolve(group)
    if pg is None:
        return
    root = _peer(pg, 0 if src is None and group_src is None else src, group_src,
                 "scatter_object_list", "src")
    objs = None
    if pg.rank() == root:
        if scatter_object_input_list is None:
            raise ValueError("source rank must provide non-None scatter_object_input_list")
        objs = list(scatter_object_input_list)
        if len(objs) != pg.size():
            raise ValueError(f"scatter_object_list: {len(objs)} objects for a group of "
                             f"{pg.size()} processes")
    scatter_object_output_list[0] = pg._mpi.scatter_object(objs, root)
