"""The loop a ``DataLoader`` worker process runs.

NOTE [worker protocol]: the main process puts ``(epoch, task_id, index)`` on the worker's
own index queue; the worker answers ``(epoch, task_id, payload)`` on the shared result
queue, where ``payload`` is the pickled batch, an :class:`ExceptionWrapper` or a
:class:`StopMarker` (its iterable dataset is exhausted). A new ``epoch`` (persistent
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


def _send(data_queue, epoch, task_id, data, worker_id):
    try:
        payload = _ipc.dumps(data)
    except Exception:
        payload = _ipc.dumps(_ipc.ExceptionWrapper(
            where=f"in DataLoader worker process {worker_id} while sending the batch to the "
                  f"main process (the batch could not be pickled)").portable())
    data_queue.put((epoch, task_id, payload))


def worker_loop(cfg, index_queue, data_queue, done_event, worker_id, base_seed, parent_pid):
    """Run one worker until told to stop (see NOTE [worker protocol])."""
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
                        _send(data_queue, epoch, task_id, _ipc.ExceptionWrapper(
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
            _send(data_queue, epoch, task_id, data, worker_id)
            del data
    except KeyboardInterrupt:
        pass
    if done_event.is_set():
        data_queue.cancel_join_thread()
        data_queue.close()
