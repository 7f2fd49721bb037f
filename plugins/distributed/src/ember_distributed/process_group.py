"""Process groups: initialising this process, the default group, sub-groups, ranks.

NOTE [mpi world]: processes are started by ``mpiexec`` (or ``python -m ember.distributed.run``,
which wraps it); MPI tells each its rank and the world size, so ``init_process_group`` needs no
address, port or store. The default group talks over a duplicate of ``MPI.COMM_WORLD`` (so a
program's own mpi4py traffic never mixes with ember's); ``new_group`` splits it. A program run
without ``mpiexec`` is a world of one process. MPI itself is initialised on the first
``init_process_group`` (importing mpi4py's ``MPI`` module), never at ``import ember``.
"""

from __future__ import annotations

import datetime
import importlib.util
import os
from typing import Any, Iterable

__all__ = ["Backend", "ProcessGroup", "GroupMember", "group", "init_process_group",
           "destroy_process_group", "is_initialized", "is_available", "is_mpi_available",
           "is_nccl_available", "is_torchelastic_launched", "get_rank", "get_world_size",
           "get_backend", "new_group", "get_process_group_ranks", "get_global_rank",
           "get_group_rank", "get_node_local_rank", "default_pg_timeout"]

#: the timeout of a group when ``init_process_group``/``new_group`` get none
default_pg_timeout = datetime.timedelta(minutes=30)


class Backend(str):
    """The name of a communication backend: ``Backend.MPI`` (``"mpi"``: any device, host
    memory through MPI) or ``Backend.NCCL`` (``"nccl"``: cuda tensors through NCCL, everything
    else through MPI).

    Example::

        >>> Backend("MPI")
        'mpi'
    """

    UNDEFINED = "undefined"
    MPI = "mpi"
    NCCL = "nccl"

    def __new__(cls, name: str):
        if not isinstance(name, str):
            raise ValueError(f"Backend name must be a string, got {type(name).__name__}")
        value = name.lower().strip()
        if value in ("mpi", "nccl", "undefined"):
            return super().__new__(cls, value)
        # "cpu:mpi,cuda:nccl" is PyTorch's device-specific form: NCCL for cuda, MPI for the rest
        pairs = dict(p.split(":", 1) for p in value.split(",") if ":" in p)
        if pairs and set(pairs.values()) <= {"mpi", "nccl"} and \
                all(v == "mpi" for d, v in pairs.items() if d != "cuda"):
            return super().__new__(cls, "nccl" if pairs.get("cuda") == "nccl" else "mpi")
        hint = (" (ember runs cpu collectives on MPI: use backend='mpi')" if "gloo" in value
                else "")
        raise ValueError(f"ember.distributed: unknown backend {name!r}; the backends are "
                         f"'mpi' and 'nccl'{hint}")


class ProcessGroup:
    """A set of processes that run collectives together.

    ``rank()`` is this process's rank in the group, ``size()`` the number of processes. Get one
    from ``init_process_group`` (the default group, ``group.WORLD``) or ``new_group``.
    """

    def __init__(self, comm, backend: str, ranks: list[int], timeout: datetime.timedelta):
        from ._mpi import MPITransport
        self._backend = backend
        self._ranks = list(ranks)                 # global ranks, in group-rank order
        self._timeout = timeout
        self._mpi = MPITransport(comm, timeout)
        self._nccl = None
        if backend == Backend.NCCL:
            from ._nccl import NCCLTransport
            self._nccl = NCCLTransport(comm, timeout)

    def rank(self) -> int:
        return self._mpi.rank

    def size(self) -> int:
        return self._mpi.size

    def name(self) -> str:
        return str(self._backend)

    def _transport(self, device):
        if self._nccl is not None and device.type == "cuda":
            return self._nccl
        return self._mpi

    def _free(self) -> None:
        if self._nccl is not None:
            self._nccl.free()
        self._mpi.free()

    def __repr__(self) -> str:
        return f"ProcessGroup(backend={self.name()!r}, rank={self.rank()}, size={self.size()})"


class _NonGroupMember:
    def __repr__(self) -> str:
        return "GroupMember.NON_GROUP_MEMBER"


class _GroupMember:
    """``GroupMember.WORLD``: the default group (None before ``init_process_group``);
    ``GroupMember.NON_GROUP_MEMBER``: what ``new_group`` returns to processes outside it."""

    NON_GROUP_MEMBER = _NonGroupMember()

    @property
    def WORLD(self) -> ProcessGroup | None:
        return _state.default


GroupMember = _GroupMember()
#: ``group.WORLD`` is the default process group (PyTorch's spelling)
group = GroupMember


class _State:
    def __init__(self) -> None:
        self.default: ProcessGroup | None = None
        self.groups: list[ProcessGroup] = []


_state = _State()


def _mpi():
    from mpi4py import MPI
    return MPI


def is_available() -> bool:
    """True when ember.distributed can run: mpi4py is installed."""
    return importlib.util.find_spec("mpi4py") is not None


def is_mpi_available() -> bool:
    """True when the MPI backend can run (mpi4py is installed)."""
    return is_available()


def is_nccl_available() -> bool:
    """True when the NCCL backend can run (CuPy with NCCL support is installed)."""
    if importlib.util.find_spec("cupy") is None:
        return False
    from ._nccl import nccl_available
    return nccl_available()


def is_torchelastic_launched() -> bool:
    """Always False: ember processes are started by MPI, not by torchelastic."""
    return False


def is_initialized() -> bool:
    """True once ``init_process_group`` has run (and ``destroy_process_group`` has not)."""
    return _state.default is not None


def _check_timeout(timeout, where):
    if timeout is None:
        return default_pg_timeout
    if not isinstance(timeout, datetime.timedelta):
        raise TypeError(f"{where}: timeout must be a datetime.timedelta, got {timeout!r}")
    return timeout


def init_process_group(backend: str | None = None, init_method: str | None = None,
                       timeout: datetime.timedelta | None = None, world_size: int = -1,
                       rank: int = -1, group_name: str = "", device_id: Any = None) -> None:
    """Join the default process group of the processes ``mpiexec`` started.

    Args:
        backend: ``"mpi"`` (default; tensors of any device, through host memory) or ``"nccl"``
            (cuda tensors through NCCL, the rest through MPI; needs CuPy with NCCL).
            PyTorch's ``"cpu:mpi,cuda:nccl"`` form is accepted.
        init_method: accepted for PyTorch compatibility and not used: MPI finds the other
            processes itself (see NOTE [mpi world]).
        timeout: bound on every ``wait()`` of this group (default 30 minutes).
        world_size, rank: optional checks; MPI assigns both, and a mismatch is an error.
        group_name: accepted for PyTorch compatibility.
        device_id: with ``"nccl"``, the cuda device (``ember.device`` or index) whose NCCL
            communicator is created now instead of at the first collective.

    Launch with ``mpiexec -n 2 python train.py`` or ``python -m ember.distributed.run -n 2
    train.py``; without a launcher the world has one process.

    Example::

        >>> import ember.distributed as dist
        >>> dist.init_process_group("mpi")                  # doctest: +SKIP
        >>> dist.get_rank(), dist.get_world_size()          # doctest: +SKIP
        (0, 2)
    """
    if _state.default is not None:
        raise ValueError("trying to initialize the default process group twice! Call "
                         "destroy_process_group() first")
    name = Backend(backend if backend is not None else "mpi")
    if init_method is not None and not isinstance(init_method, str):
        raise TypeError(f"init_process_group: init_method must be a string, got "
                        f"{type(init_method).__name__}")
    timeout = _check_timeout(timeout, "init_process_group")
    if not is_available():
        raise RuntimeError("ember.distributed needs mpi4py and an MPI library: "
                           "pip install mpi4py mpich")
    MPI = _mpi()
    world = MPI.COMM_WORLD
    for arg, value, actual in (("world_size", world_size, world.Get_size()),
                               ("rank", rank, world.Get_rank())):
        if value is not None and value != -1 and value != actual:
            raise ValueError(
                f"init_process_group: {arg}={value} but MPI started this process with "
                f"{arg}={actual}; ranks and world size come from mpiexec (-n), so pass "
                f"{arg}=-1 or the value mpiexec gives")
    pg = ProcessGroup(world.Dup(), name, list(range(world.Get_size())), timeout)
    _state.default = pg
    _state.groups = [pg]
    if device_id is not None and pg._nccl is not None:
        index = device_id if isinstance(device_id, int) else getattr(device_id, "index", None)
        if index is None:
            raise ValueError("init_process_group: device_id needs an index, e.g. "
                             "ember.device('cuda', 0)")
        pg._nccl._comm(index)


def _default() -> ProcessGroup:
    if _state.default is None:
        raise ValueError("Default process group has not been initialized, please make sure to "
                         "call init_process_group.")
    return _state.default


def _resolve(g) -> ProcessGroup | None:
    """The ProcessGroup for a ``group=`` argument; None for a process outside the group."""
    if g is None:
        return _default()
    if g is GroupMember.NON_GROUP_MEMBER:
        _default()
        return None
    if not isinstance(g, ProcessGroup):
        raise ValueError(f"Expecting a ProcessGroup, but got a {type(g).__name__}.")
    if g not in _state.groups:
        raise ValueError("Invalid process group specified or has been destroyed.")
    return g


def get_rank(group: ProcessGroup | None = None) -> int:
    """This process's rank in ``group`` (default: the world); -1 outside the group."""
    pg = _resolve(group)
    return -1 if pg is None else pg.rank()


def get_world_size(group: ProcessGroup | None = None) -> int:
    """The number of processes in ``group`` (default: the world); -1 outside the group."""
    pg = _resolve(group)
    return -1 if pg is None else pg.size()


def get_backend(group: ProcessGroup | None = None) -> str:
    """The backend name of ``group`` (``"mpi"`` or ``"nccl"``)."""
    pg = _resolve(group)
    if pg is None:
        raise ValueError("Invalid process group specified")
    return pg.name()


def new_group(ranks: Iterable[int] | None = None, timeout: datetime.timedelta | None = None,
              backend: str | None = None, pg_options: Any = None,
              use_local_synchronization: bool = False, group_desc: str | None = None):
    """A process group of the given global ``ranks`` (default: all), ordered by rank.

    Every process of the world must call it (with the same ``ranks``), members or not;
    with ``use_local_synchronization=True`` only the members call it. Processes outside the
    group get ``GroupMember.NON_GROUP_MEMBER``, and collectives on it do nothing for them.

    Example::

        >>> evens = dist.new_group([0, 2])                  # doctest: +SKIP
    """
    world = _default()
    n = world.size()
    given = list(range(n)) if ranks is None else [int(r) for r in ranks]
    members = sorted(set(given))
    if len(members) != len(given):
        raise ValueError(f"new_group: ranks {given} contain duplicates")
    bad = [r for r in members if not 0 <= r < n]
    if bad:
        raise ValueError(f"new_group: ranks {bad} are outside the world of {n} processes "
                         f"(0..{n - 1})")
    timeout = _check_timeout(timeout, "new_group")
    name = Backend(backend) if backend is not None else Backend(world.name())
    me = world.rank()
    comm = world._mpi.comm
    MPI = _mpi()
    if use_local_synchronization:
        if me not in members:
            return GroupMember.NON_GROUP_MEMBER
        sub = comm.Create_group(comm.Get_group().Incl(members))
    else:
        sub = comm.Split(0 if me in members else MPI.UNDEFINED, me)
        if me not in members:
            return GroupMember.NON_GROUP_MEMBER
    pg = ProcessGroup(sub, name, members, timeout)
    _state.groups.append(pg)
    return pg


def get_process_group_ranks(group: ProcessGroup | None) -> list[int]:
    """The global ranks of ``group``, in group-rank order."""
    pg = _resolve(group)
    if pg is None:
        raise ValueError("get_process_group_ranks: this process is not in the group")
    return list(pg._ranks)


def get_global_rank(group: ProcessGroup | None, group_rank: int) -> int:
    """The global rank of ``group``'s member ``group_rank``."""
    ranks = get_process_group_ranks(group)
    if not 0 <= group_rank < len(ranks):
        raise ValueError(f"Group rank {group_rank} is not part of group (size {len(ranks)})")
    return ranks[group_rank]


def get_group_rank(group: ProcessGroup | None, global_rank: int) -> int:
    """The rank in ``group`` of the process with global rank ``global_rank``."""
    ranks = get_process_group_ranks(group)
    if global_rank not in ranks:
        raise ValueError(f"Global rank {global_rank} is not part of group {ranks}")
    return ranks.index(global_rank)


def get_node_local_rank(fallback_rank: int | None = None) -> int:
    """This process's rank among the processes of its machine: ``LOCAL_RANK`` (set by
    ``ember.distributed.run``), else ``fallback_rank``; an error when neither is there.

    Example::

        >>> dist.get_node_local_rank(fallback_rank=0)               # doctest: +SKIP
        1
    """
    if "LOCAL_RANK" in os.environ:
        return int(os.environ["LOCAL_RANK"])
    if fallback_rank is not None:
        return int(fallback_rank)
    raise RuntimeError("LOCAL_RANK is not in the environment: start the processes with "
                       "python -m ember.distributed.run, or pass fallback_rank to "
                       "get_node_local_rank")


def destroy_process_group(group: ProcessGroup | None = None) -> None:
    """Free ``group``; with no argument, every group and the default one (after which
    ``init_process_group`` may be called again). MPI itself stays initialised until exit."""
    if group is GroupMember.NON_GROUP_MEMBER:
        return
    if group is None or group is _state.default:
        for pg in reversed(_state.groups):
            pg._free()
        _state.groups = []
        _state.default = None
        return
    pg = _resolve(group)
    _state.groups.remove(pg)
    pg._free()
