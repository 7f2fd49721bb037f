"""DataLoader, samplers, collate and dataset combinators against torch.utils.data."""

import collections
import math
import random

import numpy as np
import pytest
import torch
import torch.utils.data as tud

import ember
from ember.utils.data import (BatchSampler, ChainDataset, ConcatDataset, DataLoader, Dataset,
                              DistributedSampler, IterableDataset, RandomSampler,
                              SequentialSampler, StackDataset, Subset, SubsetRandomSampler,
                              TensorDataset, WeightedRandomSampler, default_collate,
                              default_convert, get_worker_info, random_split)


def to_np(x):
    """Nested ember/torch batch -> nested numpy/python for comparison."""
    if isinstance(x, ember.Tensor):
        return ("T", str(x.dtype).split(".")[-1], x.numpy().tolist())
    if isinstance(x, torch.Tensor):
        return ("T", str(x.dtype).split(".")[-1], x.numpy().tolist())
    if isinstance(x, dict):
        return {k: to_np(v) for k, v in x.items()}
    if isinstance(x, tuple) and hasattr(x, "_fields"):
        return (type(x).__name__,) + tuple(to_np(v) for v in x)
    if isinstance(x, (list, tuple)):
        return type(x)(to_np(v) for v in x)
    return x


Point = collections.namedtuple("Point", "x y")


def sample_sets():
    rng = np.random.RandomState(0)
    arr = rng.rand(3, 2).astype(np.float32)
    return [
        [1, 2, 3],
        [True, False],
        [1.5, 2.5],
        ["a", "b"],
        [(1, 2.0), (3, 4.0)],
        [[1, 2], [3, 4]],
        [{"a": 1, "b": [1.0, 2.0]}, {"a": 2, "b": [3.0, 4.0]}],
        [Point(1, 2.0), Point(3, 4.0)],
        [arr, arr * 2],
        [np.float32(1.5), np.float32(2.5)],
        [np.int16(3), np.int16(4)],
    ]


@pytest.mark.parametrize("k", range(11))
def test_default_collate_matches_torch(k):
    batch = sample_sets()[k]
    got = default_collate(batch)
    want = tud.default_collate(batch)
    assert to_np(got) == to_np(want)


def test_default_collate_tensors_and_nested():
    a = [(ember.tensor([1.0, 2.0]), {"y": ember.tensor(3)}), (ember.tensor([4.0, 5.0]),
                                                               {"y": ember.tensor(6)})]
    t = [(torch.tensor([1.0, 2.0]), {"y": torch.tensor(3)}), (torch.tensor([4.0, 5.0]),
                                                              {"y": torch.tensor(6)})]
    assert to_np(default_collate(a)) == to_np(tud.default_collate(t))


def test_default_collate_errors():
    with pytest.raises(RuntimeError, match=r"\[3\] at entry 0 and \[4\] at entry 1"):
        default_collate([ember.zeros(3), ember.zeros(4)])
    with pytest.raises(RuntimeError, match="equal size"):
        default_collate([[1, 2], [3]])
    with pytest.raises(TypeError, match="found <class 'object'>"):
        default_collate([object(), object()])
    with pytest.raises(TypeError, match="<U1"):
        default_collate([np.array(["a"]), np.array(["b"])])


def test_default_convert_matches_torch():
    data = {"x": np.arange(3), "p": Point(np.float64(1.0), "s"), "t": (np.zeros(2), 1)}
    assert to_np(default_convert(data)) == to_np(tud.default_convert(data))
    t = ember.ones(2)
    assert default_convert(t) is t


def test_samplers_match_torch():
    ds = list(range(10))
    assert list(SequentialSampler(ds)) == list(tud.SequentialSampler(ds))
    for bs in (1, 3, 4, 10, 12):
        for dl in (False, True):
            e = BatchSampler(SequentialSampler(ds), bs, dl)
            t = tud.BatchSampler(tud.SequentialSampler(ds), bs, dl)
            assert list(e) == list(t) and len(e) == len(t)
    for n, reps, dl in [(10, 3, False), (10, 3, True), (11, 4, False), (2, 3, False),
                        (7, 7, True)]:
        for rank in range(reps):
            e = DistributedSampler(range(n), num_replicas=reps, rank=rank, shuffle=False,
                                   drop_last=dl)
            t = tud.DistributedSampler(range(n), num_replicas=reps, rank=rank, shuffle=False,
                                       drop_last=dl)
            assert list(e) == list(t) and len(e) == len(t)


def test_distributed_sampler_shuffle_partitions():
    n, reps = 23, 4
    for epoch in range(2):
        parts = []
        for r in range(reps):
            s = DistributedSampler(range(n), num_replicas=reps, rank=r, seed=5)
            s.set_epoch(epoch)
            parts.append(list(s))
        flat = [i for p in parts for i in p]
        assert len(flat) == 24 and set(flat) == set(range(n))       # padded by one repeat
        assert all(len(p) == 6 for p in parts)
    a = DistributedSampler(range(n), num_replicas=2, rank=0)
    b = DistributedSampler(range(n), num_replicas=2, rank=0)
    assert list(a) == list(b)
    b.set_epoch(1)
    assert list(a) != list(b)
    with pytest.raises(ValueError, match="Invalid rank 2"):
        DistributedSampler(range(4), num_replicas=2, rank=2)
    with pytest.raises(RuntimeError, match="num_replicas"):
        DistributedSampler(range(4))


def test_random_sampler_properties():
    ds = list(range(17))
    g = ember.Generator().manual_seed(3)
    s = RandomSampler(ds, generator=g)
    e1, e2 = list(s), list(s)
    assert sorted(e1) == ds and sorted(e2) == ds and e1 != e2
    g2 = ember.Generator().manual_seed(3)
    assert list(RandomSampler(ds, generator=g2)) == e1               # reproducible
    more = list(RandomSampler(ds, num_samples=40, generator=g))
    assert len(more) == 40 and sorted(more[:17]) == ds and sorted(more[17:34]) == ds
    rep = list(RandomSampler(ds, replacement=True, num_samples=100, generator=g))
    assert len(rep) == 100 and all(0 <= i < 17 for i in rep) and len(set(rep[:17])) < 17
    ember.manual_seed(1)
    a = list(RandomSampler(ds))
    ember.manual_seed(1)
    assert list(RandomSampler(ds)) == a
    with pytest.raises(TypeError, match="replacement should be a boolean"):
        RandomSampler(ds, replacement=1)
    with pytest.raises(ValueError, match="num_samples should be a positive integer"):
        RandomSampler(ds, num_samples=0)


def test_subset_and_weighted_samplers():
    s = SubsetRandomSampler([7, 3, 5, 11], generator=ember.Generator().manual_seed(0))
    assert sorted(s) == [3, 5, 7, 11] and len(s) == 4
    w = WeightedRandomSampler([0.0, 1.0, 0.0, 3.0], 2000,
                              generator=ember.Generator().manual_seed(0))
    got = list(w)
    assert set(got) == {1, 3} and abs(got.count(3) / 2000 - 0.75) < 0.05
    nr = list(WeightedRandomSampler([1.0, 1.0, 1.0, 0.0], 3, replacement=False))
    assert sorted(nr) == [0, 1, 2]
    with pytest.raises(ValueError, match="1d sequence"):
        WeightedRandomSampler([[1.0, 2.0]], 2)
    with pytest.raises(ValueError, match="num_samples"):
        WeightedRandomSampler([1.0], -1)


def test_batch_sampler_validation():
    with pytest.raises(ValueError, match="batch_size should be a positive integer value"):
        BatchSampler(range(3), 0, False)
    with pytest.raises(ValueError, match="drop_last should be a boolean"):
        BatchSampler(range(3), 2, 1)


def test_dataset_combinators():
    x = ember.arange(12.0).reshape(6, 2)
    y = ember.arange(6)
    td = TensorDataset(x, y)
    assert len(td) == 6 and td[2][0].tolist() == [4.0, 5.0] and td[2][1].item() == 2
    with pytest.raises(ValueError, match="Size mismatch"):
        TensorDataset(ember.zeros(3), ember.zeros(4))
    cd = ConcatDataset([td, TensorDataset(ember.zeros(2, 2), ember.zeros(2))])
    assert len(cd) == 8 and cd[7][0].tolist() == [0.0, 0.0] and cd[-8][1].item() == 0
    assert cd.cumulative_sizes == [6, 8]
    assert len(td + td) == 12
    sub = Subset(td, [5, 0])
    assert len(sub) == 2 and sub[0][1].item() == 5
    sd = StackDataset(a=td, b=list("abcdef"))
    assert sd[1]["b"] == "b" and sd[1]["a"][1].item() == 1
    st = StackDataset(td, list("abcdef"))
    assert st[3][1] == "d"
    with pytest.raises(ValueError, match="Size mismatch"):
        StackDataset(td, [1, 2])

    class It(IterableDataset):
        def __init__(self, n):
            self.n = n

        def __iter__(self):
            return iter(range(self.n))

        def __len__(self):
            return self.n

    ch = It(2) + It(3)
    assert isinstance(ch, ChainDataset) and list(ch) == [0, 1, 0, 1, 2] and len(ch) == 5
    with pytest.raises(TypeError, match="IterableDataset"):
        ConcatDataset([It(2)])


def test_random_split():
    g = ember.Generator().manual_seed(0)
    a, b, c = random_split(range(10), [0.5, 0.3, 0.2], generator=g)
    assert (len(a), len(b), len(c)) == (5, 3, 2)
    assert sorted(list(a) + list(b) + list(c)) == list(range(10))
    # torch's rule for the remainder of fractional lengths: one each, from the first split
    lens = [len(s) for s in random_split(range(11), [0.3, 0.3, 0.4])]
    tlens = [len(s) for s in tud.random_split(range(11), [0.3, 0.3, 0.4])]
    assert lens == tlens
    g1, g2 = ember.Generator().manual_seed(7), ember.Generator().manual_seed(7)
    assert list(random_split(range(9), [4, 5], generator=g1)[0]) == \
        list(random_split(range(9), [4, 5], generator=g2)[0])
    with pytest.raises(ValueError, match="Sum of input lengths"):
        random_split(range(5), [2, 2])


class Squares(Dataset):
    def __init__(self, n=10):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return {"x": float(i), "y": i * i, "name": f"s{i}"}


@pytest.mark.parametrize("bs,dl", [(1, False), (3, False), (3, True), (4, False), (None, False)])
def test_loader_batches_match_torch_sequential(bs, dl):
    ours = list(DataLoader(Squares(), batch_size=bs, drop_last=dl))
    theirs = list(tud.DataLoader(Squares(), batch_size=bs, drop_last=dl))
    assert to_np(ours) == to_np(theirs)
    assert len(DataLoader(Squares(), batch_size=bs, drop_last=dl)) == \
        len(tud.DataLoader(Squares(), batch_size=bs, drop_last=dl))


def test_loader_batch_sampler_and_custom_collate():
    bsamp = [[3, 1], [0], [2, 4, 5]]
    ours = [b["y"].tolist() for b in DataLoader(Squares(), batch_sampler=bsamp)]
    theirs = [b["y"].tolist() for b in tud.DataLoader(Squares(), batch_sampler=bsamp)]
    assert ours == theirs == [[9, 1], [0], [4, 16, 25]]
    got = list(DataLoader(Squares(4), batch_size=2, collate_fn=lambda b: [s["y"] for s in b]))
    assert got == [[0, 1], [4, 9]]


def test_loader_shuffle_generator():
    ds = TensorDataset(ember.arange(20))
    g = ember.Generator().manual_seed(0)
    e1 = [int(v) for (b,) in DataLoader(ds, batch_size=4, shuffle=True, generator=g) for v in b]
    e2 = [int(v) for (b,) in DataLoader(ds, batch_size=4, shuffle=True, generator=g) for v in b]
    assert sorted(e1) == list(range(20)) and e1 != e2
    g = ember.Generator().manual_seed(0)
    e1b = [int(v) for (b,) in DataLoader(ds, batch_size=4, shuffle=True, generator=g)
           for v in b]
    assert e1b == e1


def test_loader_argument_errors():
    ds = Squares()
    with pytest.raises(ValueError, match="num_workers option should be non-negative"):
        DataLoader(ds, num_workers=-1)
    with pytest.raises(ValueError, match="timeout option should be non-negative"):
        DataLoader(ds, timeout=-1)
    with pytest.raises(ValueError, match="prefetch_factor"):
        DataLoader(ds, prefetch_factor=2)
    with pytest.raises(ValueError, match="persistent_workers option needs num_workers > 0"):
        DataLoader(ds, persistent_workers=True)
    with pytest.raises(ValueError, match="mutually exclusive with shuffle"):
        DataLoader(ds, sampler=[0, 1], shuffle=True)
    with pytest.raises(ValueError, match="batch_sampler option is mutually exclusive"):
        DataLoader(ds, batch_sampler=[[0]], batch_size=2)
    with pytest.raises(ValueError, match="mutually exclusive with drop_last"):
        DataLoader(ds, batch_size=None, drop_last=True)
    with pytest.raises(ValueError, match="expected unspecified shuffle"):
        DataLoader(Stream(4), shuffle=True)
    dl = DataLoader(ds)
    with pytest.raises(ValueError, match="batch_size attribute should not be set"):
        dl.batch_size = 3
    with pytest.raises(ValueError, match="multiprocessing_context can only be used"):
        DataLoader(ds, multiprocessing_context="spawn")


class Stream(IterableDataset):
    """0..n-1, split between workers by get_worker_info."""

    def __init__(self, n):
        self.n = n

    def __iter__(self):
        info = get_worker_info()
        if info is None:
            return iter(range(self.n))
        return iter(range(info.id, self.n, info.num_workers))

    def __len__(self):
        return self.n


def test_iterable_dataset_single_process_matches_torch():
    class TStream(tud.IterableDataset):
        def __iter__(self):
            return iter(range(7))

    for bs, dl in [(2, False), (2, True), (None, False)]:
        ours = [to_np(b) for b in DataLoader(Stream(7), batch_size=bs, drop_last=dl)]
        theirs = [to_np(b) for b in tud.DataLoader(TStream(), batch_size=bs, drop_last=dl)]
        assert ours == theirs
    assert len(DataLoader(Stream(7), batch_size=2)) == 4


def test_pin_memory_on_cpu_is_a_noop():
    ds = TensorDataset(ember.arange(6.0))
    with pytest.warns(UserWarning, match="pin_memory"):
        got = [b[0].tolist() for b in DataLoader(ds, batch_size=4, pin_memory=True)]
    assert got == [[0.0, 1.0, 2.0, 3.0], [4.0, 5.0]]


def test_getitems_is_used():
    class Batched(Dataset):
        calls = 0

        def __len__(self):
            return 5

        def __getitem__(self, i):
            raise AssertionError("__getitems__ should be used")

        def __getitems__(self, idx):
            Batched.calls += 1
            return [i * 10 for i in idx]

    assert [b.tolist() for b in DataLoader(Batched(), batch_size=2)] == [[0, 10], [20, 30],
                                                                          [40]]
    assert Batched.calls == 3


def test_namespace_and_base_classes():
    import ember.utils.data as eud
    for name in ["DataLoader", "TensorDataset", "random_split", "default_collate",
                 "DistributedSampler", "Dataset", "Sampler", "get_worker_info"]:
        assert name in dir(eud)
    assert issubclass(eud.SequentialSampler, eud.Sampler)
    assert eud.get_worker_info() is None
    with pytest.raises(NotImplementedError, match="__getitem__"):
        Dataset()[0]
    assert math.isclose(float(default_collate([1.5])[0]), 1.5)
    random.seed(0)


def test_pin_memory_calls_the_backend():
    from ember_data.dataloader import _pin

    class FakeAccelerator:
        pinned = 0

        def pin_memory(self, host):
            FakeAccelerator.pinned += 1
            return host.copy()

    if callable(getattr(ember.Tensor, "pin_memory", None)):
        pytest.skip("Tensor.pin_memory exists: the loader uses it instead of the backend")
    batch = {"x": ember.arange(4.0), "y": (ember.tensor([1, 2]), "name")}
    out = _pin(batch, FakeAccelerator())
    assert FakeAccelerator.pinned == 2
    assert out["x"].tolist() == [0.0, 1.0, 2.0, 3.0] and out["y"][0].tolist() == [1, 2]
    assert out["y"][1] == "name" and isinstance(out["y"], tuple)


def test_distributed_sampler_reads_the_process_group(monkeypatch):
    dist = ember.distributed
    monkeypatch.setattr(dist, "is_available", lambda: True, raising=False)
    monkeypatch.setattr(dist, "is_initialized", lambda: True, raising=False)
    monkeypatch.setattr(dist, "get_world_size", lambda *a, **k: 3, raising=False)
    monkeypatch.setattr(dist, "get_rank", lambda *a, **k: 2, raising=False)
    s = DistributedSampler(range(10), shuffle=False)
    assert (s.num_replicas, s.rank) == (3, 2) and list(s) == [2, 5, 8, 1]
