"""``MNIST`` and ``FashionMNIST`` from local IDX files."""

from __future__ import annotations

import os

from .. import _io
from ._base import VisionDataset, find_file, missing_files_error

__all__ = ["MNIST", "FashionMNIST"]


class MNIST(VisionDataset):
    """MNIST handwritten digits (28x28 grayscale, 10 classes) from local IDX files.

    Args:
        root: the directory holding ``train-images-idx3-ubyte``,
            ``train-labels-idx1-ubyte``, ``t10k-images-idx3-ubyte`` and
            ``t10k-labels-idx1-ubyte`` (each optionally ``.gz``). torchvision's layout
            ``root/MNIST/raw/`` and ``root/raw/`` are searched too.
        train: the 60000 training images (default) or the 10000 test images.
        transform: applied to each image (``ember.transforms.ToTensor()`` makes it a
            float tensor in [0, 1]).
        target_transform: applied to each label.
        download: accepted for compatibility; ember never downloads. Missing files raise
            ``FileNotFoundError`` saying which file to put where.

    Samples are ``(image, label)``: ``image`` is a uint8 tensor of shape (1, 28, 28),
    ``label`` an ``int``. ``.data`` (uint8, N x 28 x 28) and ``.targets`` (int64, N) hold
    the split.

    Example::

        >>> ds = ember.datasets.MNIST("~/data/mnist", train=False,
        ...                           transform=ember.transforms.ToTensor())  # doctest: +SKIP
        >>> ds[0][0].shape                                                     # doctest: +SKIP
        ember.Size([1, 28, 28])
    """

    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five",
               "6 - six", "7 - seven", "8 - eight", "9 - nine"]
    _files = {True: ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
              False: ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}
    _default_root = None

    def __init__(self, root=None, train: bool = True, transform=None, target_transform=None,
                 download: bool = False) -> None:
        if root is None:
            root = self._default_root
            if root is None or not os.path.isdir(root):
                raise FileNotFoundError(
                    f"{type(self).__name__}: no root directory given"
                    + (f" and the default {root} does not exist" if root else "")
                    + f"; pass root= pointing at the directory with the IDX files "
                      f"{', '.join(self._files[True] + self._files[False])}")
        super().__init__(root, transform, target_transform)
        self.train = train
        images_path, labels_path = self._locate()
        self.data = _io.read_idx(images_path)
        self.targets = _io.read_idx(labels_path).long()
        if self.data.dim() != 3 or self.targets.dim() != 1:
            raise RuntimeError(f"{type(self).__name__}: {images_path} must hold a 3-d image "
                               f"array and {labels_path} a 1-d label array, got shapes "
                               f"{list(self.data.shape)} and {list(self.targets.shape)}")
        if self.data.shape[0] != self.targets.shape[0]:
            raise RuntimeError(f"{type(self).__name__}: {images_path} holds "
                               f"{self.data.shape[0]} images but {labels_path} holds "
                               f"{self.targets.shape[0]} labels")

    @property
    def raw_folder(self) -> str:
        return os.path.join(self.root, type(self).__name__, "raw")

    def _search_dirs(self):
        return [self.root, self.raw_folder, os.path.join(self.root, "raw")]

    def _locate(self):
        dirs = self._search_dirs()
        found, missing = [], []
        for base in self._files[self.train]:
            names = [base, base + ".gz", base.replace("-idx", ".idx"),
                     base.replace("-idx", ".idx") + ".gz"]
            p = find_file(dirs, names)
            (found if p else missing).append(p or base)
        if missing:
            raise missing_files_error(
                type(self).__name__, missing, dirs,
                f"copy the {type(self).__name__} IDX files "
                f"({', '.join(self._files[True] + self._files[False])}, gzip-compressed or "
                f"not) into {self.root}")
        return found

    @property
    def class_to_idx(self):
        return {c: i for i, c in enumerate(self.classes)}

    def __len__(self) -> int:
        return self.data.shape[0]

    def __getitem__(self, index):
        return self._apply(self.data[index].unsqueeze(0), int(self.targets[index]))

    def extra_repr(self) -> str:
        return f"Split: {'Train' if self.train else 'Test'}"


class FashionMNIST(MNIST):
    """Fashion-MNIST (Zalando's 28x28 grayscale clothing images, 10 classes) from local IDX
    files: the same files, layout and arguments as :class:`MNIST`.

    ``root`` defaults to ``/usr/share/datasets/fashion-mnist`` (where Debian's
    ``dataset-fashion-mnist`` package installs the files) when that directory exists.

    Example::

        >>> ds = ember.datasets.FashionMNIST(train=False)   # doctest: +SKIP
        >>> ds.classes[ds[0][1]]                              # doctest: +SKIP
        'Ankle boot'
    """

    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
               "Sneaker", "Bag", "Ankle boot"]
    _default_root = "/usr/share/datasets/fashion-mnist"
