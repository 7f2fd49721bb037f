"""DataLoader worker processes: order, seeding, sharding, crashes, timeouts, persistence."""

import os
import random
import signal
import time

import numpy as np
import pytest
import torch.utils.data as tud

import ember
from ember.utils.data import DataLoader, Dataset, IterableDataset, TensorDataset, get_worker_info


class Info(Dataset):
    """Sample i -> (i, worker id, seed, ember draw, python draw, pid, init flag)."""

    def __init__(self, n=12):
        self.n = n
        self.flag = "main"

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        info = get_worker_info()
        wid = -1 if info is None else info.id
        seed = -1 if info is None else info.seed
        return (i, wid, seed, float(ember.rand(1).item()), random.random(), os.getpid(),
                self.flag, float(np.random.rand()))


class Stream(IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        info = get_worker_info()
        if info is None:
            return iter(range(self.n))
        return iter(range(info.id, self.n, info.num_workers))


class TorchStream(tud.IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        info = tud.get_worker_info()
        if info is None:
            return iter(range(self.n))
        return iter(range(info.id, self.n, info.num_workers))


def _init(worker_id):
    info = get_worker_info()
    info.dataset.flag = f"init{worker_id}"


@pytest.mark.filterwarnings("ignore:This DataLoader will create")
@pytest.mark.parametrize("workers", [1, 2, 3])
def test_order_is_deterministic_with_workers(workers):
    x = ember.arange(60.0, dtype=ember.float64).reshape(20, 3)
    y = ember.arange(20, dtype=ember.int32)
    ds = TensorDataset(x, y, y > 9)
    base = list(DataLoader(ds, batch_size=3))
    got = list(DataLoader(ds, batch_size=3, num_workers=workers))
    assert len(got) == len(base) == 7
    for (a, b, c), (d, e, f) in zip(base, got):
        assert d.dtype is ember.float64 and e.dtype is ember.int32 and f.dtype is ember.bool
        assert a.tolist() == d.tolist() and b.tolist() == e.tolist() and c.tolist() == f.tolist()


def test_slow_worker_batches_are_reordered():
    class Slow(Dataset):
        def __len__(self):
            return 8

        def __getitem__(self, i):
            if i < 2:
                time.sleep(0.3)          # worker 0's first batch arrives last
            return i

    got = [b.tolist() for b in DataLoader(Slow(), batch_size=2, num_workers=2)]
    assert got == [[0, 1], [2, 3], [4, 5], [6, 7]]
    unordered = [b.tolist() for b in DataLoader(Slow(), batch_size=2, num_workers=2,
                                                in_order=False)]
    assert sorted(unordered) == got and unordered != got


def test_worker_seeding_info_and_init_fn():
    g = ember.Generator().manual_seed(123)
    rows = [r for b in DataLoader(Info(8), batch_size=2, num_workers=2, generator=g,
                                  worker_init_fn=_init) for r in zip(*b)]
    wids = [int(r[1]) for r in rows]
    assert wids == [0, 0, 1, 1, 0, 0, 1, 1]                  # round-robin batches
    seeds = {int(r[1]): int(r[2]) for r in rows}
    assert seeds[1] == seeds[0] + 1                           # base_seed + worker id
    assert [r[6] for r in rows] == ["init0", "init0", "init1", "init1"] * 2
    pids = {int(r[5]) for r in rows}
    assert len(pids) == 2 and os.getpid() not in pids
    # the workers' ember and python generators differ from each other ...
    draws = [float(r[3]) for r in rows]
    pydraws = [float(r[4]) for r in rows]
    assert len(set(draws)) == 8 and len(set(pydraws)) == 8
    assert len({float(r[7]) for r in rows}) == 8          # numpy too, since it is imported
    # ... and restart from seed + id: worker 0's first draw is manual_seed(seed0)'s first
    ember.manual_seed(seeds[0])
    assert draws[0] == pytest.approx(float(ember.rand(1).item()))
    random.seed(seeds[1])
    assert pydraws[2] == pytest.approx(random.random())
    # the same loader generator seed gives the same draws
    g = ember.Generator().manual_seed(123)
    again = [float(r[3]) for b in DataLoader(Info(8), batch_size=2, num_workers=2,
                                             generator=g) for r in zip(*b)]
    assert again == draws
    # the main process is untouched
    assert get_worker_info() is None


@pytest.mark.filterwarnings("ignore:This DataLoader will create")
def test_iterable_dataset_sharding_matches_torch():
    for workers, bs in [(2, 2), (3, 2), (3, None), (4, 3)]:
        ours = [b if isinstance(b, int) else b.tolist()
                for b in DataLoader(Stream(11), batch_size=bs, num_workers=workers)]
        theirs = [b if isinstance(b, int) else b.tolist()
                  for b in tud.DataLoader(TorchStream(11), batch_size=bs, num_workers=workers)]
        assert ours == theirs
        flat = [v for b in ours for v in (b if isinstance(b, list) else [b])]
        assert sorted(flat) == list(range(11))


class Boom(Dataset):
    def __len__(self):
        return 8

    def __getitem__(self, i):
        if i == 5:
            raise KeyError(f"sample {i} is broken")
        return i


def test_worker_exception_is_reraised_with_worker_id():
    it = iter(DataLoader(Boom(), batch_size=2, num_workers=2))
    assert next(it).tolist() == [0, 1]
    assert next(it).tolist() == [2, 3]
    with pytest.raises(KeyError) as info:
        next(it)
    msg = str(info.value)
    assert "Caught KeyError in DataLoader worker process 0" in msg
    assert "sample 5 is broken" in msg and "Traceback" in msg


class Killer(Dataset):
    def __init__(self, how):
        self.how = how

    def __len__(self):
        return 8

    def __getitem__(self, i):
        if i == 2:
            if self.how == "kill":
                os.kill(os.getpid(), signal.SIGKILL)
            os._exit(3)
        return i


@pytest.mark.parametrize("how,what", [("kill", "SIGKILL"), ("exit", "exit code 3")])
def test_dead_worker_raises_instead_of_hanging(how, what):
    t0 = time.monotonic()
    with pytest.raises(RuntimeError, match=f"DataLoader worker 1 \\(pid \\d+\\) exited "
                                           f"unexpectedly: .*{what}"):
        list(DataLoader(Killer(how), batch_size=2, num_workers=2))
    assert time.monotonic() - t0 < 10


def test_timeout_raises_runtime_error():
    class Sleepy(Dataset):
        def __len__(self):
            return 4

        def __getitem__(self, i):
            time.sleep(30)
            return i

    t0 = time.monotonic()
    with pytest.raises(RuntimeError, match="DataLoader timed out after 0.3 seconds"):
        next(iter(DataLoader(Sleepy(), batch_size=2, num_workers=1, timeout=0.3)))
    assert time.monotonic() - t0 < 5


def test_worker_init_fn_error_and_unpicklable_batch():
    def bad_init(worker_id):
        raise ValueError(f"init failed in {worker_id}")

    with pytest.raises(ValueError, match="Caught ValueError in DataLoader worker process 0"):
        list(DataLoader(Info(4), batch_size=2, num_workers=1, worker_init_fn=bad_init))
    with pytest.raises(Exception, match="worker process 0 while sending the batch"):
        list(DataLoader(Info(2), num_workers=1, collate_fn=lambda b: (lambda: b)))


def test_persistent_workers_survive_epochs():
    loader = DataLoader(Info(6), batch_size=2, num_workers=2, persistent_workers=True)
    e1 = [r for b in loader for r in zip(*b)]
    e2 = [r for b in loader for r in zip(*b)]
    assert [int(r[0]) for r in e1] == [int(r[0]) for r in e2] == list(range(6))
    assert {int(r[5]) for r in e1} == {int(r[5]) for r in e2}              # the same processes
    assert [float(r[3]) for r in e1] != [float(r[3]) for r in e2]   # generators continue
    it = iter(loader)
    next(it)                                                       # stop early ...
    e3 = [int(r[0]) for b in loader for r in zip(*b)]              # ... and start over
    assert e3 == list(range(6))
    s = DataLoader(Stream(5), batch_size=2, num_workers=2, persistent_workers=True)
    assert [b.tolist() for b in s] == [b.tolist() for b in s] == [[0, 2], [1, 3], [4]]
    loader._iterator._shutdown_workers()


def test_prefetch_factor_bounds_outstanding_tasks():
    loader = DataLoader(Info(10), batch_size=1, num_workers=2, prefetch_factor=1)
    it = iter(loader)
    seen = []
    for b in it:
        assert it._tasks_outstanding <= 2
        seen.append(int(b[0]))
    assert seen == list(range(10))


def test_spawn_context_sends_tensors():
    ds = TensorDataset(ember.arange(6.0).reshape(3, 2), ember.tensor([1, 2, 3]))
    got = list(DataLoader(ds, batch_size=2, num_workers=1, multiprocessing_context="spawn"))
    assert got[0][0].tolist() == [[0.0, 1.0], [2.0, 3.0]] and got[1][1].tolist() == [3]


class KilledWhileSending(Dataset):
    """Worker 0 is killed while its large batch is (probably) half-way through the pipe."""

    def __len__(self):
        return 2

    def __getitem__(self, i):
        import threading
        if i == 1:
            threading.Timer(0.02, os.kill, (os.getpid(), signal.SIGKILL)).start()
            return ember.zeros(4_000_000, dtype=ember.float64)
        return ember.zeros(1)


def test_worker_killed_mid_message_does_not_hang():
    t0 = time.monotonic()
    with pytest.raises(RuntimeError, match="DataLoader worker 0 .* SIGKILL"):
        for _ in DataLoader(KilledWhileSending(), batch_size=None, num_workers=1):
            time.sleep(0.05)
    assert time.monotonic() - t0 < 10
