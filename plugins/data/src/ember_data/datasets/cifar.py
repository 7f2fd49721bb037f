"""``CIFAR10`` and ``CIFAR100`` from the local python-pickle batches."""

from __future__ import annotations

import os

from .. import _io
from ._base import VisionDataset, find_file, missing_files_error

__all__ = ["CIFAR10", "CIFAR100"]


class CIFAR10(VisionDataset):
    """CIFAR-10 (32x32 colour images, 10 classes) from the "python version" batches.

    Args:
        root: the directory holding ``cifar-10-batches-py/`` (``data_batch_1`` ..
            ``data_batch_5``, ``test_batch``, ``batches.meta``), or that directory itself.
        train: the 50000 training images (default) or the 10000 test images.
        transform, target_transform: applied to each image / label.
        download: accepted for compatibility; ember never downloads.

    The pickles are read with a restricted unpickler that accepts only Python containers
    and NumPy arrays, so a crafted file cannot run code. Samples are ``(image, label)``:
    ``image`` is a uint8 tensor of shape (3, 32, 32), ``label`` an ``int``. ``.data`` is
    uint8 (N, 32, 32, 3) as in torchvision, ``.targets`` a list of ints.

    Example::

        >>> ds = ember.datasets.CIFAR10("~/data", train=False)   # doctest: +SKIP
        >>> ds[0][0].shape                                          # doctest: +SKIP
        ember.Size([3, 32, 32])
    """

    base_folder = "cifar-10-batches-py"
    train_list = ["data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4",
                  "data_batch_5"]
    test_list = ["test_batch"]
    meta_file = "batches.meta"
    meta_key = "label_names"
    label_key = "labels"

    def __init__(self, root, train: bool = True, transform=None, target_transform=None,
                 download: bool = False) -> None:
        super().__init__(root, transform, target_transform)
        self.train = train
        dirs = [os.path.join(self.root, self.base_folder), self.root]
        names = self.train_list if train else self.test_list
        paths = [find_file(dirs, [n]) for n in names]
        missing = [n for n, p in zip(names, paths) if p is None]
        meta = find_file(dirs, [self.meta_file])
        if missing:
            raise missing_files_error(
                type(self).__name__, missing, dirs,
                f"unpack the CIFAR python archive so that {self.base_folder}/ (with "
                f"{', '.join(self.train_list + self.test_list + [self.meta_file])}) is inside "
                f"{self.root}")
        batches, targets = [], []
        for p in paths:
            entry = _io.load_cifar_pickle(p)
            if "data" not in entry:
                raise RuntimeError(f"{p}: not a CIFAR batch (no 'data' entry)")
            key = self.label_key if self.label_key in entry else "labels"
            batches.append(entry["data"])
            targets.extend(int(t) for t in entry[key])
        self.data = _io.cifar_images(batches)
        self.targets = targets
        if self.data.shape[0] != len(targets):
            raise RuntimeError(f"{type(self).__name__}: {self.data.shape[0]} images but "
                               f"{len(targets)} labels in {', '.join(paths)}")
        if meta is not None:
            names = _io.load_cifar_pickle(meta)[self.meta_key]
            self.classes = [c.decode("utf-8") if isinstance(c, bytes) else str(c) for c in names]
        else:
            self.classes = [str(i) for i in range(max(targets) + 1)]
        self.class_to_idx = {c: i for i, c in enumerate(self.classes)}

    def __len__(self) -> int:
        return self.data.shape[0]

    def __getitem__(self, index):
        return self._apply(self.data[index].permute(2, 0, 1), self.targets[index])

    def extra_repr(self) -> str:
        return f"Split: {'Train' if self.train else 'Test'}"


class CIFAR100(CIFAR10):
    """CIFAR-100 (32x32 colour images, 100 fine classes) from ``cifar-100-python/``
    (``train``, ``test``, ``meta``); the same arguments and sample format as
    :class:`CIFAR10`.

    Example::

        >>> ds = ember.datasets.CIFAR100("~/data", train=False)   # doctest: +SKIP
        >>> len(ds.classes)                                          # doctest: +SKIP
        100
    """

    base_folder = "cifar-100-python"
    train_list = ["train"]
    test_list = ["test"]
    meta_file = "meta"
    meta_key = "fine_label_names"
    label_key = "fine_labels"

