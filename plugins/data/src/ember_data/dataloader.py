"""``DataLoader``: batches from a dataset, in the main process or in worker processes.

The loader is split as PyTorch splits it: a sampler chooses indices, a fetcher (``_fetch``)
reads the samples and ``collate_fn`` merges them, either here or in worker processes
(``_worker``) that send pickled batches back (``_ipc``).

NOTE [ordering]: batches come back in the order the sampler made them, whatever the number
of workers: each task gets a sequence number, answers that arrive early are kept until their
turn (``in_order=False`` gives them out as they come). With ``shuffle=False`` the batches are
therefore the same for every ``num_workers``.

NOTE [no hang]: the main process waits on the workers' result pipes, whose write ends only
the workers hold: a worker that dies (an exception that escaped the worker loop,
``os._exit``, a signal such as SIGKILL), even half-way through sending a batch, shows up as
end-of-file at once and raises a ``RuntimeError`` naming the worker id, its pid and its exit
code or signal. Every ``_POLL`` seconds of waiting the workers' liveness is also checked.
``timeout > 0`` bounds each wait.
"""

from __future__ import annotations

import itertools
import math
import multiprocessing
import multiprocessing.connection
import os
import signal
import time
import warnings
from typing import Any, Callable

import ember
from ember.utils.data import IterableDataset

from . import _ipc
from ._fetch import make_fetcher
from ._worker import worker_loop
from .collate import default_collate, default_convert
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler

__all__ = ["DataLoader"]

_POLL = 0.5               # seconds between liveness checks while waiting for a batch
_JOIN_TIMEOUT = 2.0       # seconds given to workers to exit before they are terminated


class _InfiniteConstantSampler(Sampler):
    """The sampler of an ``IterableDataset``: ``None`` forever (the dataset decides)."""

    def __iter__(self):
        while True:
            yield None


def _draw_seed(generator) -> int:
    return int(ember.randint(0, 2 ** 63 - 1, (), dtype=ember.int64, generator=generator,
                             device="cpu").item())


class DataLoader:
    """Iterate over a dataset in batches.

    Args:
        dataset: a map-style :class:`~ember.utils.data.Dataset` (``__getitem__`` and
            ``__len__``) or an :class:`~ember.utils.data.IterableDataset`.
        batch_size: samples per batch (default 1); ``None`` turns batching off (each
            sample is only passed through ``default_convert``).
        shuffle: reshuffle the indices every epoch (a ``RandomSampler``).
        sampler: the order of indices (excludes ``shuffle``).
        batch_sampler: yields lists of indices (excludes ``batch_size``, ``shuffle``,
            ``sampler`` and ``drop_last``).
        num_workers: worker processes that load batches (0: load in this process).
        collate_fn: merges a list of samples into a batch (default :func:`default_collate`).
        pin_memory: put batches in page-locked memory of the accelerator
            (``pin_memory_device``, default ``"cuda"``); a no-op (with a warning) without one.
        drop_last: drop the last, incomplete batch.
        timeout: seconds to wait for a batch from the workers (0: no limit); passing it
            raises ``RuntimeError``.
        worker_init_fn: called as ``worker_init_fn(worker_id)`` in each worker after seeding.
        multiprocessing_context: a start method name (``"fork"``, ``"spawn"``,
            ``"forkserver"``) or a ``multiprocessing`` context.
        generator: an ``ember.Generator`` for the shuffling and the workers' base seed.
        prefetch_factor: batches loaded in advance per worker (default 2 with workers).
        persistent_workers: keep the workers alive between epochs.
        in_order: give batches in sampler order (default); ``False`` gives them as they
            arrive.

    Each worker ``i`` seeds ``ember.manual_seed`` and ``random.seed`` with
    ``base_seed + i`` (``base_seed`` drawn from ``generator`` each epoch) and sees
    ``ember.utils.data.get_worker_info()``. An exception in a worker is raised again here
    with the worker's traceback; a worker that dies raises a ``RuntimeError`` naming it.

    Example::

        >>> ds = TensorDataset(ember.arange(10.).reshape(5, 2), ember.arange(5))
        >>> [y.tolist() for _, y in DataLoader(ds, batch_size=2)]
        [[0, 1], [2, 3], [4]]
    """

    _initialized = False

    def __init__(self, dataset, batch_size: int | None = 1, shuffle: bool | None = None,
                 sampler=None, batch_sampler=None, num_workers: int = 0,
                 collate_fn: Callable | None = None, pin_memory: bool = False,
                 drop_last: bool = False, timeout: float = 0,
                 worker_init_fn: Callable | None = None, multiprocessing_context=None,
                 generator=None, *, prefetch_factor: int | None = None,
                 persistent_workers: bool = False, pin_memory_device: str = "",
                 in_order: bool = True) -> None:
        if not isinstance(num_workers, int) or num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 "
                             "to disable multiprocessing.")
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("prefetch_factor option could only be specified in "
                             "multiprocessing.let num_workers > 0 to enable multiprocessing, "
                             "otherwise set prefetch_factor to None.")
        if num_workers > 0 and prefetch_factor is None:
            prefetch_factor = 2
        if prefetch_factor is not None and prefetch_factor < 0:
            raise ValueError("prefetch_factor option should be non-negative")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")

        self.dataset = dataset
        self.num_workers = num_workers
        self.prefetch_factor = prefetch_factor
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.in_order = in_order
        self.multiprocessing_context = multiprocessing_context

        if isinstance(dataset, IterableDataset):
            self._dataset_kind = "iterable"
            if shuffle not in (False, None):
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified "
                                 f"shuffle option, but got shuffle={shuffle}")
            if sampler is not None:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified "
                                 f"sampler option, but got sampler={sampler}")
            if batch_sampler is not None:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified "
                                 f"batch_sampler option, but got batch_sampler={batch_sampler}")
        else:
            shuffle = bool(shuffle)
            self._dataset_kind = "map"

        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with "
                                 "batch_size, shuffle, sampler, and drop_last")
            batch_size = None
            drop_last = False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually "
                             "exclusive with drop_last")

        if sampler is None:
            if self._dataset_kind == "iterable":
                sampler = _InfiniteConstantSampler()
            elif shuffle:
                sampler = RandomSampler(dataset, generator=generator)
            else:
                sampler = SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)

        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.generator = generator
        if collate_fn is None:
            collate_fn = default_collate if self._auto_collation else default_convert
        self.collate_fn = collate_fn
        self.persistent_workers = persistent_workers
        self._IterableDataset_len_called = None
        self._iterator = None
        self._initialized = True

    # -- attributes fixed after construction ---------------------------------------------
    def __setattr__(self, attr, val):
        if self._initialized and attr in ("batch_size", "batch_sampler", "sampler",
                                          "drop_last", "dataset", "persistent_workers"):
            raise ValueError(f"{attr} attribute should not be set after "
                             f"{type(self).__name__} is initialized")
        super().__setattr__(attr, val)

    @property
    def multiprocessing_context(self):
        return self.__mp_ctx

    @multiprocessing_context.setter
    def multiprocessing_context(self, ctx):
        if ctx is not None:
            if self.num_workers == 0:
                raise ValueError(f"multiprocessing_context can only be used with "
                                 f"multi-process loading (num_workers > 0), but got "
                                 f"num_workers={self.num_workers}")
            if isinstance(ctx, str):
                methods = multiprocessing.get_all_start_methods()
                if ctx not in methods:
                    raise ValueError(f"multiprocessing_context option should specify a valid "
                                     f"start method in {methods!r}, but got "
                                     f"multiprocessing_context={ctx!r}")
                ctx = multiprocessing.get_context(ctx)
            elif not isinstance(ctx, multiprocessing.context.BaseContext):
                raise TypeError(f"multiprocessing_context option should be a valid context "
                                f"object or a string specifying the start method, but got "
                                f"multiprocessing_context={ctx!r}")
        self.__mp_ctx = ctx

    @property
    def _auto_collation(self) -> bool:
        return self.batch_sampler is not None

    @property
    def _index_sampler(self):
        return self.batch_sampler if self._auto_collation else self.sampler

    # -- iteration -----------------------------------------------------------------------
    def _get_iterator(self):
        if self.num_workers == 0:
            return _SingleProcessIter(self)
        self._check_worker_number()
        return _MultiProcessIter(self)

    def _check_worker_number(self):
        try:
            cpus = len(os.sched_getaffinity(0))
        except (AttributeError, OSError):
            cpus = os.cpu_count()
        if cpus and self.num_workers > cpus:
            warnings.warn(f"This DataLoader will create {self.num_workers} worker processes in "
                          f"total, more than the {cpus} CPU(s) this process may use; loading "
                          f"may get slower. Lower num_workers if needed.", stacklevel=3)

    def __iter__(self):
        if self.persistent_workers and self.num_workers > 0:
            if self._iterator is None or self._iterator._shutdown:
                self._iterator = self._get_iterator()
            else:
                self._iterator._reset(self)
            return self._iterator
        return self._get_iterator()

    def __len__(self) -> int:
        if self._dataset_kind == "iterable":
            length = self._IterableDataset_len_called = len(self.dataset)
            if self.batch_size is not None:
                length = (length // self.batch_size if self.drop_last
                          else math.ceil(length / self.batch_size))
            return length
        return len(self._index_sampler)

    def __del__(self):
        it = self.__dict__.get("_iterator")
        if it is not None:
            it._shutdown_workers()


def _pin_device_backend(device_type: str):
    """The backend of the accelerator that pins memory, or None."""
    if device_type in ("", "cpu"):
        device_type = "cuda"
    if device_type == "cuda":
        if not ember.cuda.is_available():
            return None
    from ember._plugins import registry
    try:
        be = registry().backend(device_type)
    except RuntimeError:
        return None
    return be if be.is_available() else None


def _pin(data: Any, be) -> Any:
    if isinstance(data, ember.Tensor):
        if data.device.type != "cpu":
            return data
        method = getattr(data, "pin_memory", None)
        if callable(method):
            return method()
        return ember.from_numpy(be.pin_memory(data.numpy()))
    if isinstance(data, (str, bytes)):
        return data
    if isinstance(data, dict):
        pinned = {k: _pin(v, be) for k, v in data.items()}
        try:
            return type(data)(pinned)
        except TypeError:
            return pinned
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(_pin(d, be) for d in data))
    if isinstance(data, tuple):
        return tuple(_pin(d, be) for d in data)
    if isinstance(data, list):
        return [_pin(d, be) for d in data]
    if hasattr(data, "pin_memory"):
        return data.pin_memory()
    return data


class _BaseIter:
    def __init__(self, loader: DataLoader) -> None:
        self._dataset = loader.dataset
        self._dataset_kind = loader._dataset_kind
        self._IterableDataset_len_called = loader._IterableDataset_len_called
        self._auto_collation = loader._auto_collation
        self._drop_last = loader.drop_last
        self._index_sampler = loader._index_sampler
        self._num_workers = loader.num_workers
        self._prefetch_factor = loader.prefetch_factor
        self._timeout = loader.timeout
        self._collate_fn = loader.collate_fn
        self._sampler_iter = iter(self._index_sampler)
        self._base_seed = _draw_seed(loader.generator)
        self._persistent_workers = loader.persistent_workers
        self._num_yielded = 0
        self._pin_be = None
        if loader.pin_memory:
            be = _pin_device_backend(loader.pin_memory_device)
            if be is None or not callable(getattr(be, "pin_memory", None)) and \
                    not callable(getattr(ember.Tensor, "pin_memory", None)):
                warnings.warn("'pin_memory' argument is set as true but no accelerator that "
                              "pins memory is found, then device pinned memory won't be used.",
                              stacklevel=3)
            else:
                self._pin_be = be

    def __iter__(self):
        return self

    def _reset(self, loader, first_iter=False):
        self._sampler_iter = iter(self._index_sampler)
        self._num_yielded = 0
        self._IterableDataset_len_called = loader._IterableDataset_len_called

    def _next_index(self):
        return next(self._sampler_iter)

    def _maybe_pin(self, data):
        return data if self._pin_be is None else _pin(data, self._pin_be)

    def __next__(self):
        data = self._next_data()
        self._num_yielded += 1
        n = self._IterableDataset_len_called
        if self._dataset_kind == "iterable" and n is not None and self._num_yielded > n:
            warnings.warn(f"Length of IterableDataset {self._dataset} was reported to be {n} "
                          f"(when accessing len(dataloader)), but {self._num_yielded} samples "
                          f"have been fetched. For multiprocessing data-loading, this could "
                          f"be caused by not properly configuring the IterableDataset replica "
                          f"at each worker.", stacklevel=2)
        return data

    def __len__(self) -> int:
        return len(self._index_sampler)

    _shutdown = False

    def _shutdown_workers(self, graceful=True):
        pass


class _SingleProcessIter(_BaseIter):
    def __init__(self, loader):
        super().__init__(loader)
        self._fetcher = make_fetcher(self._dataset_kind, self._dataset, self._auto_collation,
                                     self._collate_fn, self._drop_last)

    def _next_data(self):
        index = self._next_index()
        return self._maybe_pin(self._fetcher.fetch(index))


def _describe_exit(code) -> str:
    if code is not None and code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"killed by signal {name} (exit code {code})"
    return f"exit code {code}"


class _MultiProcessIter(_BaseIter):
    """Feeds index tasks to worker processes and gives their batches back in order
    (NOTE [ordering], NOTE [no hang], and NOTE [worker protocol] in ``_worker``)."""

    def __init__(self, loader):
        super().__init__(loader)
        self._shutdown = True           # until the workers exist
        ctx = loader.multiprocessing_context or multiprocessing.get_context()
        self._in_order = loader.in_order
        cfg = (self._dataset_kind, self._dataset, self._auto_collation, self._collate_fn,
               self._drop_last, loader.worker_init_fn, self._num_workers)
        if ctx.get_start_method() != "fork":
            cfg = _ipc.dumps(cfg)      # tensors in the dataset travel as NOTE [ipc tensors]
        self._done_event = ctx.Event()
        self._index_queues, self._workers, self._conns = [], [], []
        self._released = []             # workers sent None: their exit is expected
        self._open = {}                 # result pipe (read end) -> worker id, until EOF
        try:
            for wid in range(self._num_workers):
                q = ctx.Queue()
                q.cancel_join_thread()
                reader, writer = ctx.Pipe(duplex=False)
                w = ctx.Process(target=worker_loop, daemon=True,
                                args=(cfg, q, writer, self._done_event, wid,
                                      self._base_seed, os.getpid()),
                                name=f"ember DataLoader worker {wid}")
                try:
                    w.start()
                finally:
                    writer.close()      # NOTE [no hang]: only the worker keeps a write end
                self._index_queues.append(q)
                self._workers.append(w)
                self._conns.append(reader)
                self._open[reader] = wid
                self._released.append(False)
        finally:
            self._shutdown = False
            if len(self._workers) < self._num_workers:
                self._shutdown_workers()
        self._epoch = 0
        self._reset(loader, first_iter=True)

    def _reset(self, loader, first_iter=False):
        super()._reset(loader, first_iter)
        self._epoch += 1
        self._send_idx = 0
        self._rcvd_idx = 0
        self._task_info = {}            # task id -> [worker id] or [worker id, payload]
        self._tasks_outstanding = 0
        self._workers_status = [not r for r in self._released]
        self._worker_cycle = itertools.cycle(range(self._num_workers))
        for _ in range(self._prefetch_factor * self._num_workers):
            self._try_put_index()

    def _try_put_index(self):
        if not any(self._workers_status):
            return
        try:
            index = self._next_index()
        except StopIteration:
            return
        for _ in range(self._num_workers):
            wid = next(self._worker_cycle)
            if self._workers_status[wid]:
                break
        self._index_queues[wid].put((self._epoch, self._send_idx, index))
        self._task_info[self._send_idx] = [wid]
        self._tasks_outstanding += 1
        self._send_idx += 1

    def _worker_died(self, wid):
        w = self._workers[wid]
        w.join(timeout=1.0)             # the pipe closes a moment before the exit code is set
        code = w.exitcode
        self._shutdown_workers(graceful=False)
        what = (_describe_exit(code) if code is not None
                else "it closed its result pipe but is still running")
        raise RuntimeError(
            f"DataLoader worker {wid} (pid {w.pid}) exited unexpectedly: {what}. It was "
            f"killed (by the OS out-of-memory killer, say) or crashed; any traceback it "
            f"printed is above.")

    def _check_workers(self):
        for wid, w in enumerate(self._workers):
            if not self._released[wid] and not w.is_alive():
                self._worker_died(wid)

    def _try_get(self, timeout):
        """The next ``(task_id, data)`` of the current epoch, or None after ``timeout``."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            ready = multiprocessing.connection.wait(list(self._open),
                                                    timeout=max(0.0, min(remaining, _POLL)))
            for conn in ready:
                wid = self._open[conn]
                try:
                    raw = conn.recv_bytes()
                except (EOFError, OSError):
                    del self._open[conn]
                    if self._released[wid]:
                        continue            # a worker we asked to exit
                    self._worker_died(wid)
                epoch, task_id, data = _ipc.loads(raw)
                if epoch == self._epoch:
                    return task_id, data
            if not ready:
                self._check_workers()
                if time.monotonic() >= deadline:
                    return None

    def _get_data(self):
        if self._timeout > 0:
            got = self._try_get(self._timeout)
            if got is None:
                self._shutdown_workers(graceful=False)
                raise RuntimeError(f"DataLoader timed out after {self._timeout} seconds "
                                   f"waiting for a batch from its {self._num_workers} "
                                   f"worker(s); raise timeout= or make the dataset faster")
            return got
        while True:
            got = self._try_get(3600.0)
            if got is not None:
                return got

    def _next_data(self):
        while True:
            while self._rcvd_idx < self._send_idx:
                info = self._task_info.get(self._rcvd_idx)
                if info is not None and (len(info) == 2 or self._workers_status[info[0]]):
                    break
                self._task_info.pop(self._rcvd_idx, None)
                self._rcvd_idx += 1
            else:
                if not self._persistent_workers:
                    self._shutdown_workers()
                raise StopIteration
            info = self._task_info[self._rcvd_idx]
            if len(info) == 2:
                del self._task_info[self._rcvd_idx]
                self._rcvd_idx += 1
                return self._process(info[1])
            if self._shutdown:
                raise RuntimeError("DataLoader iterator was used after its workers were "
                                   "shut down (after an error); create a new iterator")
            task_id, data = self._get_data()
            self._tasks_outstanding -= 1
            if isinstance(data, _ipc.StopMarker):
                self._workers_status[data.worker_id] = False
                if not self._persistent_workers:
                    self._release_worker(data.worker_id)
                self._try_put_index()
                continue
            if task_id != self._rcvd_idx:
                if not self._in_order:
                    self._task_info.pop(task_id, None)
                    return self._process(data)
                self._task_info[task_id].append(data)
                continue
            del self._task_info[task_id]
            self._rcvd_idx += 1
            return self._process(data)

    def _process(self, data):
        self._try_put_index()
        if isinstance(data, _ipc.ExceptionWrapper):
            data.reraise()
        return self._maybe_pin(data)

    def _release_worker(self, wid):
        if not self._released[wid]:
            self._released[wid] = True
            try:
                self._index_queues[wid].put(None)
            except (OSError, ValueError):
                pass

    def _shutdown_workers(self, graceful=True):
        """Stop the workers: ask them to exit, wait a little (``_JOIN_TIMEOUT``, or a
        moment after an error, when they may be stuck in the dataset's code), then
        terminate the ones still running."""
        if self._shutdown:
            return
        self._shutdown = True
        try:
            self._done_event.set()
            for wid in range(len(self._workers)):
                self._release_worker(wid)
            deadline = time.monotonic() + (_JOIN_TIMEOUT if graceful else 0.2)
            for w in self._workers:
                w.join(timeout=max(0.0, deadline - time.monotonic()))
            for w in self._workers:
                if w.is_alive():
                    w.terminate()
                    w.join(timeout=1.0)
            for q in self._index_queues:
                q.cancel_join_thread()
                q.close()
            for conn in self._conns:
                conn.close()
            self._open.clear()
        except Exception:       # interpreter shutdown: best effort
            pass

    def __del__(self):
        if not self.__dict__.get("_shutdown", True):
            self._shutdown_workers()
