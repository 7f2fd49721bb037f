"""Dataset readers on small IDX / pickle / CSV / image files written by the tests."""

import gzip
import os
import pickle
import struct

import numpy as np
import pytest

import ember
from ember.datasets import (CIFAR10, CIFAR100, MNIST, CSVDataset, Digits, FashionMNIST,
                            ImageFolder)
from ember.transforms import ToTensor
from ember.utils.data import DataLoader


def write_idx(path, arr, code=0x08, gz=False):
    arr = np.asarray(arr)
    dt = {0x08: ">u1", 0x0B: ">i2", 0x0D: ">f4"}[code]
    data = bytes([0, 0, code, arr.ndim]) + struct.pack(f">{arr.ndim}I", *arr.shape) + \
        arr.astype(dt).tobytes()
    with (gzip.open if gz else open)(path, "wb") as f:
        f.write(data)


@pytest.fixture
def mnist_dir(tmp_path):
    rng = np.random.RandomState(0)
    imgs = {"train": rng.randint(0, 256, (5, 28, 28)), "t10k": rng.randint(0, 256, (3, 28, 28))}
    labels = {"train": [3, 1, 4, 1, 5], "t10k": [9, 2, 6]}
    for split in ("train", "t10k"):
        write_idx(tmp_path / f"{split}-images-idx3-ubyte", imgs[split])
        write_idx(tmp_path / f"{split}-labels-idx1-ubyte.gz", labels[split], gz=True)
    return tmp_path, imgs, labels


def test_mnist_reads_idx(mnist_dir):
    root, imgs, labels = mnist_dir
    ds = MNIST(root)
    assert len(ds) == 5 and ds.data.dtype is ember.uint8 and ds.targets.dtype is ember.int64
    np.testing.assert_array_equal(ds.data.numpy(), imgs["train"])
    img, y = ds[2]
    assert img.shape == (1, 28, 28) and img.dtype is ember.uint8 and y == 4
    np.testing.assert_array_equal(img.numpy()[0], imgs["train"][2])
    test = MNIST(str(root), train=False, transform=ToTensor(), target_transform=lambda t: -t)
    img, y = test[1]
    assert img.dtype is ember.float32 and y == -2
    np.testing.assert_allclose(img.numpy()[0], imgs["t10k"][1] / 255.0, rtol=1e-6)
    xb, yb = next(iter(DataLoader(test, batch_size=3)))
    assert xb.shape == (3, 1, 28, 28) and yb.tolist() == [-9, -2, -6]
    assert "Number of datapoints: 3" in repr(test)


def test_mnist_torchvision_layout_and_fashion(mnist_dir, tmp_path_factory):
    root, imgs, _ = mnist_dir
    other = tmp_path_factory.mktemp("tv")
    raw = other / "FashionMNIST" / "raw"
    raw.mkdir(parents=True)
    for name in os.listdir(root):
        (raw / name).write_bytes((root / name).read_bytes())
    ds = FashionMNIST(other, train=False)
    assert len(ds) == 3 and ds.classes[ds[0][1]] == "Ankle boot"


def test_missing_and_corrupt_files(tmp_path, mnist_dir):
    with pytest.raises(FileNotFoundError) as info:
        MNIST(tmp_path / "nowhere")
    msg = str(info.value)
    assert "train-images-idx3-ubyte" in msg and "nowhere" in msg and "never downloads" in msg
    root, _, _ = mnist_dir
    (root / "train-images-idx3-ubyte").write_bytes(b"\x00\x00\x08\x03" + struct.pack(
        ">3I", 5, 28, 28) + b"\x00" * 10)
    with pytest.raises(RuntimeError, match="truncated or corrupt"):
        MNIST(root)
    (root / "train-images-idx3-ubyte").write_bytes(b"PK\x03\x04garbage")
    with pytest.raises(RuntimeError, match="not an IDX file"):
        MNIST(root)


def test_idx_other_dtypes(tmp_path):
    from ember_data._io import read_idx
    write_idx(tmp_path / "f.idx", np.arange(6, dtype=np.float32).reshape(2, 3) / 4, code=0x0D)
    write_idx(tmp_path / "s.idx", [-3, 300], code=0x0B)
    t = read_idx(tmp_path / "f.idx")
    assert t.dtype is ember.float32 and t.tolist() == [[0, 0.25, 0.5], [0.75, 1.0, 1.25]]
    s = read_idx(tmp_path / "s.idx")
    assert s.dtype is ember.int16 and s.tolist() == [-3, 300]


@pytest.mark.skipif(not os.path.isdir("/usr/share/datasets/fashion-mnist"),
                    reason="Debian's dataset-fashion-mnist is not installed")
def test_fashion_mnist_default_root():
    ds = FashionMNIST(train=False)
    assert len(ds) == 10000 and ds[0][0].shape == (1, 28, 28)
    assert sorted(set(ds.targets.tolist())) == list(range(10))


def write_cifar(root, n_train=4, n_test=2, bytes_keys=True, folder="cifar-10-batches-py"):
    d = root / folder
    d.mkdir(parents=True)
    rng = np.random.RandomState(1)
    k = (lambda s: s.encode()) if bytes_keys else (lambda s: s)
    c10 = folder == "cifar-10-batches-py"
    data = {}
    names = ([f"data_batch_{i}" for i in range(1, 6)] if c10
             else ["train"])
    label_key = "labels" if c10 else "fine_labels"
    for name in names + (["test_batch"] if c10 else ["test"]):
        n = n_test if "test" in name else n_train
        rows = rng.randint(0, 256, (n, 3072)).astype(np.uint8)
        labels = list(rng.randint(0, 10, n))
        data[name] = (rows, labels)
        with open(d / name, "wb") as f:
            pickle.dump({k("data"): rows, k(label_key): [int(v) for v in labels],
                         k("batch_label"): k(name)}, f, protocol=2)
    meta = "batches.meta" if c10 else "meta"
    mkey = "label_names" if c10 else "fine_label_names"
    with open(d / meta, "wb") as f:
        pickle.dump({k(mkey): [k(f"class{i}") for i in range(10)]}, f, protocol=2)
    return data


@pytest.mark.parametrize("bytes_keys", [True, False])
def test_cifar10_reads_pickles(tmp_path, bytes_keys):
    data = write_cifar(tmp_path, bytes_keys=bytes_keys)
    ds = CIFAR10(tmp_path)
    assert len(ds) == 20 and ds.data.shape == (20, 32, 32, 3) and ds.data.dtype is ember.uint8
    rows, labels = data["data_batch_2"]
    img, y = ds[5]                                   # second row of the second batch
    assert img.shape == (3, 32, 32) and y == labels[1]
    np.testing.assert_array_equal(img.numpy(), rows[1].reshape(3, 32, 32))
    np.testing.assert_array_equal(ds.data.numpy()[5], rows[1].reshape(3, 32, 32).transpose(1, 2, 0))
    assert ds.classes[3] == "class3" and ds.class_to_idx["class9"] == 9
    test = CIFAR10(tmp_path / "cifar-10-batches-py", train=False, transform=ToTensor())
    x, _ = test[1]
    np.testing.assert_allclose(x.numpy(), data["test_batch"][0][1].reshape(3, 32, 32) / 255.0,
                               rtol=1e-6)


def test_cifar100_and_missing_batch(tmp_path):
    data = write_cifar(tmp_path, folder="cifar-100-python")
    ds = CIFAR100(tmp_path, train=False)
    assert len(ds) == 2 and ds[1][1] == data["test"][1][1]
    os.remove(tmp_path / "cifar-100-python" / "train")
    with pytest.raises(FileNotFoundError, match="missing file\\(s\\) train .*cifar-100-python"):
        CIFAR100(tmp_path)


class Evil:
    def __reduce__(self):
        return (os.system, ("touch " + os.environ.get("EVIL_MARK", "/tmp/ember_evil_mark"),))


def test_cifar_pickle_cannot_run_code(tmp_path, monkeypatch):
    mark = tmp_path / "mark"
    monkeypatch.setenv("EVIL_MARK", str(mark))
    write_cifar(tmp_path)
    with open(tmp_path / "cifar-10-batches-py" / "data_batch_3", "wb") as f:
        pickle.dump({"data": np.zeros((1, 3072), np.uint8), "labels": [Evil()]}, f)
    with pytest.raises(pickle.UnpicklingError, match="refusing to load global"):
        CIFAR10(tmp_path)
    assert not mark.exists()


def test_csv_dataset(tmp_path):
    p = tmp_path / "diabetes.csv"
    p.write_text("age,bmi,bp,target\n0.1,0.5,1.5,151\n-0.2,,2.0,75\n0.3,0.7,-1.0,141\n")
    ds = CSVDataset(p, target_column="target")
    assert len(ds) == 3 and ds.columns == ["age", "bmi", "bp", "target"]
    x, y = ds[0]
    assert x.dtype is ember.float32 and x.shape == (3,) and y.shape == ()
    np.testing.assert_allclose(x.numpy(), [0.1, 0.5, 1.5], rtol=1e-6)
    assert float(y) == 151.0 and bool(ds[1][0][1].isnan())
    cls = CSVDataset(p, target_column=-1, feature_columns=["bp", "age"],
                     target_dtype=ember.int64, dtype=ember.float64)
    x, y = cls[2]
    assert x.tolist() == [-1.0, 0.3] and y.dtype is ember.int64 and int(y) == 141
    multi = CSVDataset(p, target_column=["bp", "target"])
    assert multi[0][1].tolist() == [1.5, 151.0] and multi.feature_columns == ["age", "bmi"]
    feats = CSVDataset(p, target_column=None)
    assert feats[0].shape == (4,)
    xb, yb = next(iter(DataLoader(ds, batch_size=2)))
    assert xb.shape == (2, 3) and yb.shape == (2,)
    q = tmp_path / "noheader.tsv"
    q.write_text("1\t2\t0\n3\t4\t1\n")
    nh = CSVDataset(q, header=False, delimiter="\t", target_dtype=ember.int64)
    assert nh[1][0].tolist() == [3.0, 4.0] and int(nh[1][1]) == 1
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n3,cat\n")
    with pytest.raises(ValueError, match="row 3, column 'b': 'cat' is not a number"):
        CSVDataset(bad)
    with pytest.raises(KeyError, match="no column named 'zzz'"):
        CSVDataset(p, target_column="zzz")
    with pytest.raises(FileNotFoundError, match="no file"):
        CSVDataset(tmp_path / "none.csv")


def test_image_folder(tmp_path):
    Image = pytest.importorskip("PIL.Image")
    rng = np.random.RandomState(0)
    arrays = {}
    for cls in ("cat", "dog"):
        (tmp_path / cls).mkdir()
        for i in range(2):
            a = rng.randint(0, 256, (5, 7, 3)).astype(np.uint8)
            Image.fromarray(a).save(tmp_path / cls / f"{i}.png")
            arrays[(cls, i)] = a
    (tmp_path / "dog" / "notes.txt").write_text("not an image")
    ds = ImageFolder(tmp_path, transform=ToTensor())
    assert ds.classes == ["cat", "dog"] and len(ds) == 4 and ds.targets == [0, 0, 1, 1]
    x, y = ds[3]
    assert x.shape == (3, 5, 7) and y == 1
    np.testing.assert_allclose(x.numpy(), arrays[("dog", 1)].transpose(2, 0, 1) / 255.0,
                               rtol=1e-6)
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="no valid file for the classes empty"):
        ImageFolder(tmp_path)
    assert len(ImageFolder(tmp_path, allow_empty=True)) == 4


def test_digits_split_and_values():
    from sklearn.datasets import load_digits
    ref = load_digits()
    train, test = Digits(train=True), Digits(train=False)
    assert len(train) == 1438 and len(test) == 359
    assert train.data.dtype is ember.float32 and float(train.data.max()) == 1.0
    assert float(train.data.min()) == 0.0
    # every image is one of sklearn's, with its label; train and test do not overlap
    flat = ref.images.reshape(len(ref.images), -1) / 16.0
    keys = {tuple(r): int(t) for r, t in zip(flat.round(6), ref.target)}
    for ds in (train, test):
        imgs = ds.data.numpy().reshape(len(ds), -1).round(6)
        assert all(keys[tuple(r)] == int(t) for r, t in zip(imgs, ds.targets.tolist()))
    tr = {tuple(r) for r in train.data.numpy().reshape(len(train), -1).round(6)}
    te = {tuple(r) for r in test.data.numpy().reshape(len(test), -1).round(6)}
    assert len(tr & te) <= 5     # a few digits appear twice in the original data
    assert Digits(train=False).targets.tolist() == test.targets.tolist()   # deterministic
    img, y = train[0]
    assert img.shape == (1, 8, 8) and isinstance(y, int)


def test_dataset_registry():
    names = ember.datasets.list()
    for n in ("Digits", "MNIST", "FashionMNIST", "CIFAR10", "CSVDataset", "ImageFolder"):
        assert n in names
    assert ember.datasets.Digits is Digits
