"""The loop a ``DataLoader`` worker process runs.

NOTE [worker protocol]: the main process puts ``(epoch, task_id, index)`` on the worker's
own index queue; the worker answers with the pickled ``(epoch, task_id, data)`` on its own
result pipe, where ``data`` is the batch, an :class:`ExceptionWrapper` or a
:class:`StopMarker` (its iterable dataset is exhausted). Only this worker holds the
pipe's write end, so when the worker dies -- even in the middle of a message -- the main
process reads end-of-file instead of waiting forever. A sender thread writes to the pipe,
so the worker goes on loading (prefetching) while the main process is busy. A new ``epoch`` (persistent
workers) restarts the worker's iterator over an iterable dataset; the main process drops
answers of an older epoch. ``None`` on the index queue, the done event, or the death of
the parent process end the loop.

NOTE [worker seeding]: worker ``i`` seeds ember's default generators (``ember.manual_seed``)
and Python's ``random`` with ``base_seed + i``, where ``base_seed`` is drawn once per
iterator from the loader's generator (or the default generator). If the user's code has
already imported NumPy, its global generator is seeded too, so NumPy-based augmentations
differ between workers (NumPy is never imported here).
"""

from __future__ import annotations

import os
import queue
import random
import sys
import threading

import ember
from ember.utils.data import _worker_info

from . import _ipc
from ._fetch import make_fetcher

__all__ = ["worker_loop", "POLL_INTERVAL"]

#: how often a waiting worker checks the done event and its parent (seconds)
POLL_INTERVAL = 0.5


def _seed_worker(base_seed: int, worker_id: int) -> int:
    seed = base_seed + worker_id
    random.seed(seed)
    ember.manual_seed(seed)
    np = sys.modules.get("numpy")
    if np is not None:
        np.random.seed((seed ^ (seed >> 32)) & 0xFFFFFFFF)
    return seed


class _Sender:
    """Writes messages to the result pipe from a background thread."""

    def __init__(self, conn):
        self.conn = conn
        self.queue = queue.SimpleQueue()
        self.thread = threading.Thread(target=self._run, daemon=True,
                                       name="ember DataLoader sender")
        self.thread.start()

    def _run(self):
        while True:
            data = self.queue.get()
            if data is None:
                return
            try:
                self.conn.send_bytes(data)
            except (OSError, ValueError):      # the main process is gone
                return

    def send(self, epoch, task_id, data, worker_id):
        try:
            payload = _ipc.dumps((epoch, task_id, data))
        except Exception:
            payload = _ipc.dumps((epoch, task_id, _ipc.ExceptionWrapper(
                where=f"in DataLoader worker process {worker_id} while sending the batch to "
                      f"the main process (the batch could not be pickled)").portable()))
        self.queue.put(payload)

    def close(self, wait: bool):
        self.queue.put(None)
        if wait:
            self.thread.join(timeout=10.0)
        self.conn.close()


def worker_loop(cfg, index_queue, result_conn, done_event, worker_id, base_seed, parent_pid):
    """Run one worker until told to stop (see NOTE [worker protocol])."""
    sender = _Sender(result_conn)
    try:
        if isinstance(cfg, bytes):
            cfg = _ipc.loads(cfg)
        kind, dataset, auto_collation, collate_fn, drop_last, init_fn, num_workers = cfg
        seed = _seed_worker(base_seed, worker_id)
        _worker_info._set_worker_info(id=worker_id, num_workers=num_workers, seed=seed,
                                      dataset=dataset)
        init_error = None
        fetcher = None
        try:
            if init_fn is not None:
                init_fn(worker_id)
            fetcher = make_fetcher(kind, dataset, auto_collation, collate_fn, drop_last)
        except Exception:
            init_error = _ipc.ExceptionWrapper(
                where=f"in DataLoader worker process {worker_id}").portable()
        current_epoch = None
        while True:
            try:
                msg = index_queue.get(timeout=POLL_INTERVAL)
            except queue.Empty:
                if done_event.is_set() or os.getppid() != parent_pid:
                    break
                continue
            if msg is None:
                break
            if done_event.is_set():
                continue                 # draining: the main process is shutting us down
            epoch, task_id, index = msg
            if epoch != current_epoch:
                if current_epoch is not None and kind == "iterable" and init_error is None:
                    try:
                        fetcher = make_fetcher(kind, dataset, auto_collation, collate_fn,
                                               drop_last)
                    except Exception:
                        sender.send(epoch, task_id, _ipc.ExceptionWrapper(
                            where=f"in DataLoader worker process {worker_id}").portable(),
                            worker_id)
                        continue
                current_epoch = epoch
            if init_error is not None:
                data = init_error
            else:
                try:
                    data = fetcher.fetch(index)
                except StopIteration:
                    data = _ipc.StopMarker(worker_id) if kind == "iterable" else \
                        _ipc.ExceptionWrapper(where=f"in DataLoader worker process "
                                                    f"{worker_id}").portable()
                except Exception:
                    data = _ipc.ExceptionWrapper(
                        where=f"in DataLoader worker process {worker_id}").portable()
            sender.send(epoch, task_id, data, worker_id)
            del data
    except KeyboardInterrupt:
        pass
    sender.close(wait=not done_event.is_set())
