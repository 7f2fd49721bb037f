"""``SummaryWriter``: scalars, histograms and text for TensorBoard, written as event files
(TFRecord framing, NOTE [protobuf by hand] in ``_proto``)."""

from __future__ import annotations

import itertools
import math
import numbers
import os
import socket
import threading
import time
from datetime import datetime

import ember

from . import _proto
from ._record import frame

__all__ = ["SummaryWriter"]

_uid = itertools.count()


class _EventFileWriter:
    """One ``events.out.tfevents.*`` file: a queue of encoded events, flushed when
    ``max_queue`` events wait, ``flush_secs`` have passed, or on ``flush``/``close``."""

    def __init__(self, log_dir, max_queue=10, flush_secs=120, filename_suffix=""):
        os.makedirs(log_dir, exist_ok=True)
        name = (f"events.out.tfevents.{int(time.time()):010d}.{socket.gethostname()}."
                f"{os.getpid()}.{next(_uid)}{filename_suffix}")
        self.path = os.path.join(log_dir, name)
        self._file = open(self.path, "wb")
        self._queue: list[bytes] = []
        self._max_queue = max(1, int(max_queue))
        self._flush_secs = flush_secs
        self._last_flush = time.monotonic()
        self._lock = threading.Lock()
        self._closed = False
        self.add_event(_proto.event(time.time(), file_version="brain.Event:2"))
        self.flush()

    def add_event(self, data: bytes) -> None:
        with self._lock:
            if self._closed:
                raise RuntimeError(f"SummaryWriter: the event file {self.path} is closed; "
                                   f"create a new SummaryWriter to write more")
            self._queue.append(frame(data))
            due = (len(self._queue) >= self._max_queue
                   or time.monotonic() - self._last_flush >= self._flush_secs)
        if due:
            self.flush()

    def flush(self) -> None:
        with self._lock:
            if self._closed:
                return
            if self._queue:
                self._file.write(b"".join(self._queue))
                self._queue.clear()
            self._file.flush()
            self._last_flush = time.monotonic()

    def close(self) -> None:
        self.flush()
        with self._lock:
            if not self._closed:
                self._closed = True
                self._file.close()


def _scalar(value, what="scalar_value"):
    if isinstance(value, ember.Tensor):
        if value.numel() != 1:
            raise ValueError(f"SummaryWriter: {what} must be a single number, got a tensor of "
                             f"shape {list(value.shape)}")
        return float(value.item())
    try:
        return float(value)
    except (TypeError, ValueError):
        raise TypeError(f"SummaryWriter: {what} must be a number or a one-element tensor, got "
                        f"{type(value).__name__}") from None


def _tf_bins():
    """TensorFlow's default histogram bucket edges: +-1e-12 * 1.1**k up to 1e20, and 0."""
    pos = []
    v = 1e-12
    while v < 1e20:
        pos.append(v)
        v *= 1.1
    return [-x for x in reversed(pos)] + [0.0] + pos


_TF_BINS = None


class SummaryWriter:
    """Write TensorBoard event files into ``log_dir``; view them with
    ``tensorboard --logdir runs``.

    Args:
        log_dir: the directory (default ``runs/<date>_<host><comment>``).
        comment: appended to the default ``log_dir``.
        purge_step: after a crash, make TensorBoard drop events with a step >= this.
        max_queue: events kept in memory before a write.
        flush_secs: a write happens at the latest this long after the last one (checked
            when an event is added).
        filename_suffix: appended to the event file's name.

    Example::

        >>> with SummaryWriter("runs/demo") as w:           # doctest: +SKIP
        ...     for step in range(3):
        ...         w.add_scalar("loss", 1.0 / (step + 1), step)
    """

    def __init__(self, log_dir=None, comment: str = "", purge_step=None, max_queue: int = 10,
                 flush_secs: int = 120, filename_suffix: str = "") -> None:
        if not log_dir:
            stamp = datetime.now().strftime("%b%d_%H-%M-%S")
            log_dir = os.path.join("runs", f"{stamp}_{socket.gethostname()}{comment}")
        self.log_dir = log_dir
        self._dir = os.fspath(log_dir)
        self.purge_step = purge_step
        self.max_queue = max_queue
        self.flush_secs = flush_secs
        self.filename_suffix = filename_suffix
        self.file_writer = _EventFileWriter(self._dir, max_queue, flush_secs, filename_suffix)
        self.all_writers = {self._dir: self.file_writer}
        if purge_step is not None:
            now = time.time()
            self.file_writer.add_event(_proto.event(now, step=purge_step,
                                                    file_version="brain.Event:2"))
            self.file_writer.add_event(_proto.event(now, step=purge_step,
                                                    session_log=_proto.session_log_start()))

    def get_logdir(self) -> str:
        """The directory the event files are written to."""
        return self.log_dir

    def _add(self, value: bytes, global_step, walltime, writer=None) -> None:
        wall = time.time() if walltime is None else float(walltime)
        step = None if global_step is None else int(_scalar(global_step, "global_step"))
        (writer or self.file_writer).add_event(
            _proto.event(wall, step=step, summary=_proto.summary(value)))

    def add_scalar(self, tag: str, scalar_value, global_step=None, walltime=None,
                   new_style: bool = False, double_precision: bool = False) -> None:
        """Record one number (a float, or a one-element tensor) for ``tag`` at
        ``global_step``. ``new_style`` stores it as a tensor with the scalars plugin's
        metadata (``double_precision`` keeps it as float64)."""
        v = _scalar(scalar_value)
        if new_style:
            value = _proto.tensor_scalar_value(tag, v, double_precision)
        else:
            value = _proto.scalar_value(tag, v)
        self._add(value, global_step, walltime)

    def add_scalars(self, main_tag: str, tag_scalar_dict: dict, global_step=None,
                    walltime=None) -> None:
        """Several related numbers in one chart: each ``tag`` is written, under
        ``main_tag``, to its own sub-run ``log_dir/<main_tag>_<tag>``."""
        wall = time.time() if walltime is None else walltime
        for tag, v in tag_scalar_dict.items():
            sub = os.path.join(self._dir, main_tag.replace("/", "_") + "_" + tag)
            w = self.all_writers.get(sub)
            if w is None:
                w = self.all_writers[sub] = _EventFileWriter(sub, self.max_queue,
                                                             self.flush_secs,
                                                             self.filename_suffix)
            self._add(_proto.scalar_value(main_tag, _scalar(v)), global_step, wall, w)

    def add_histogram(self, tag: str, values, global_step=None, bins="tensorflow",
                      walltime=None, max_bins=None) -> None:
        """A histogram of ``values`` (a tensor or a sequence of numbers). ``bins`` is
        ``"tensorflow"`` (TensorFlow's exponential buckets), an int (equal-width buckets
        over [min, max]) or a sequence of bucket edges; ``max_bins`` merges neighbouring
        buckets until at most that many remain. Computed with ember ops."""
        x = values if isinstance(values, ember.Tensor) else ember.as_tensor(values)
        x = x.detach().cpu().to(ember.float64).reshape(-1)
        n = x.numel()
        if n == 0:
            raise ValueError(f"SummaryWriter.add_histogram: {tag!r} got no values")
        if not bool(x.isfinite().all()):
            raise ValueError(f"SummaryWriter.add_histogram: {tag!r} has NaN or infinite "
                             f"values; a histogram needs finite values")
        vmin, vmax = float(x.min()), float(x.max())
        edges = self._edges(bins, vmin, vmax)
        sorted_x = x.sort().values
        below = ember.searchsorted(sorted_x, edges)                   # values < edge
        upto_last = ember.searchsorted(sorted_x, edges[-1:], right=True)
        counts = ember.cat([below[1:-1], upto_last]) - below[:-1]
        limits = edges[1:]
        if max_bins is not None and counts.numel() > max_bins:
            k = math.ceil(counts.numel() / max_bins)
            pad = (-counts.numel()) % k
            if pad:
                counts = ember.cat([counts, ember.zeros(pad, dtype=counts.dtype)])
                limits = ember.cat([limits, limits[-1:].expand(pad)])
            counts = counts.view(-1, k).sum(1)
            limits = limits.view(-1, k)[:, -1]
        nz = (counts > 0).nonzero()
        if nz.numel() == 0:
            raise ValueError(f"SummaryWriter.add_histogram: no value of {tag!r} falls inside "
                             f"the bucket edges [{float(edges[0])}, {float(edges[-1])}]")
        first, last = int(nz[0, 0]), int(nz[-1, 0])
        left = float(edges[first]) if first == 0 else float(limits[first - 1])
        bucket_limit = [left] + limits[first:last + 1].tolist()
        bucket = [0.0] + counts[first:last + 1].to(ember.float64).tolist()
        value = _proto.histogram_value(tag, vmin, vmax, n, float(x.sum()),
                                       float((x * x).sum()), bucket_limit, bucket)
        self._add(value, global_step, walltime)

    @staticmethod
    def _edges(bins, vmin, vmax):
        global _TF_BINS
        if isinstance(bins, str):
            if bins != "tensorflow":
                raise ValueError(f"SummaryWriter.add_histogram: bins must be 'tensorflow', an "
                                 f"int or a sequence of edges, got {bins!r}")
            if _TF_BINS is None:
                _TF_BINS = ember.tensor(_tf_bins(), dtype=ember.float64)
            return _TF_BINS
        if isinstance(bins, numbers.Integral):
            if bins < 1:
                raise ValueError(f"SummaryWriter.add_histogram: bins must be >= 1, got {bins}")
            lo, hi = (vmin - 0.5, vmax + 0.5) if vmin == vmax else (vmin, vmax)
            return ember.linspace(lo, hi, int(bins) + 1, dtype=ember.float64)
        edges = ember.as_tensor(bins, dtype=ember.float64).reshape(-1)
        if edges.numel() < 2 or bool((edges[1:] < edges[:-1]).any()):
            raise ValueError("SummaryWriter.add_histogram: bin edges must be at least two "
                             "increasing numbers")
        return edges

    def add_text(self, tag: str, text_string: str, global_step=None, walltime=None) -> None:
        """A piece of (Markdown) text, shown in TensorBoard's Text tab under
        ``<tag>/text_summary``."""
        self._add(_proto.text_value(tag + "/text_summary", str(text_string)), global_step,
                  walltime)

    def flush(self) -> None:
        """Write every pending event to disk."""
        for w in self.all_writers.values():
            w.flush()

    def close(self) -> None:
        """Flush and close every event file (later ``add_*`` calls raise)."""
        for w in self.all_writers.values():
            w.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass
