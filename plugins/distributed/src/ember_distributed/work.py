"""``Work``: the handle of a collective started with ``async_op=True``."""

from __future__ import annotations

import datetime
import time

__all__ = ["Work"]


def _mark_written(t) -> None:
    """Record an in-place write into ``t``'s memory made outside ember's ops (by MPI or NCCL),
    so autograd's saved-tensor check sees it like any in-place op."""
    t._storage._version += 1


class Work:
    """A collective in flight. ``wait()`` blocks until it is done and its results are written
    into the output tensors; ``is_completed()`` asks without blocking.

    Transports subclass it and implement ``_test()`` (non-blocking: finished?) and, where
    they can block more cheaply than by polling, ``_block()``. Results that must be copied out
    of temporary buffers are written by callbacks that run once, on completion.

    Example::

        >>> work = dist.all_reduce(t, async_op=True)      # doctest: +SKIP
        >>> ...                                             # overlap other work
        >>> work.wait()                                     # doctest: +SKIP
        True
    """

    def __init__(self, name: str, outputs=(), timeout: datetime.timedelta | None = None):
        self._name = name
        self._outputs = list(outputs)
        self._timeout = timeout
        self._callbacks: list = []
        self._finished = False
        self._error: BaseException | None = None

    # -- what a transport provides ------------------------------------------------------
    def _test(self) -> bool:
        """True when the communication is done (drives progress where the library needs it)."""
        raise NotImplementedError(f"{type(self).__name__} does not implement _test()")

    def _block(self) -> None:
        """Block until the communication is done (default: poll ``_test``)."""
        while not self._test():
            pass

    # -- public ---------------------------------------------------------------------------
    def _then(self, fn) -> "Work":
        """Run ``fn()`` once, when the communication has finished."""
        self._callbacks.append(fn)
        return self

    def _complete(self) -> None:
        if self._finished:
            return
        self._finished = True
        try:
            for fn in self._callbacks:
                fn()
        except BaseException as exc:
            self._error = exc
            raise
        finally:
            self._callbacks = []

    def is_completed(self) -> bool:
        """True when the collective has finished (its outputs are written)."""
        if self._finished:
            return True
        if self._test():
            self._complete()
            return True
        return False

    def wait(self, timeout: datetime.timedelta | None = None) -> bool:
        """Block until the collective has finished and its outputs are written; return True.

        ``timeout`` (a ``datetime.timedelta``; default: the process group's timeout) bounds
        the wait: past it a ``RuntimeError`` names the collective. A timed-out collective
        cannot be cancelled (MPI has no such call): the process group is unusable after it.
        """
        if self._finished:
            if self._error is not None:
                raise self._error
            return True
        limit = timeout if timeout is not None else self._timeout
        if limit is not None and not isinstance(limit, datetime.timedelta):
            raise TypeError(f"Work.wait: timeout must be a datetime.timedelta, got "
                            f"{type(limit).__name__}")
        if limit is None:
            self._block()
        else:
            deadline = time.monotonic() + limit.total_seconds()
            while not self._test():
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"ember.distributed: {self._name} did not finish within {limit}; "
                        f"another rank may have stopped, or called a different collective "
                        f"(every rank must call the same collectives in the same order)")
        self._complete()
        return True

    def result(self) -> list:
        """The output tensors of the collective (valid once it has finished)."""
        return list(self._outputs)

    def exception(self) -> BaseException | None:
        """The error raised while finishing the collective, if any."""
        return self._error

    def __repr__(self) -> str:
        state = "completed" if self._finished else "pending"
        return f"<Work {self._name} ({state})>"

