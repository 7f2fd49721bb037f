"""``Digits``: scikit-learn's bundled 8x8 handwritten digits (1797 images, 10 classes)."""

from __future__ import annotations

import importlib.util
import os

import ember

from .. import _io
from ._base import VisionDataset

__all__ = ["Digits"]


def _load_digits():
    """(images float64 (N, 8, 8) in 0..16, labels int64 (N,)) from the CSV file that ships
    inside scikit-learn; read directly, because importing sklearn takes seconds. Falls back
    to ``sklearn.datasets.load_digits`` if the file is not where it is expected."""
    spec = importlib.util.find_spec("sklearn")
    if spec is None:
        raise ImportError("ember.datasets.Digits reads the digits bundled with scikit-learn: "
                          "pip install scikit-learn")
    roots = spec.submodule_search_locations or [os.path.dirname(spec.origin or "")]
    for root in roots:
        path = os.path.join(root, "datasets", "data", "digits.csv.gz")
        if os.path.isfile(path):
            table = _io.read_numeric_csv(path)
            if table.shape[1] == 65:
                return table[:, :64].reshape(-1, 8, 8), table[:, 64].long()
    from sklearn.datasets import load_digits
    bunch = load_digits()
    return (ember.tensor(bunch.images, device="cpu"),
            ember.tensor(bunch.target, dtype=ember.int64, device="cpu"))


class Digits(VisionDataset):
    """The 8x8 handwritten digits bundled with scikit-learn (UCI optical digits, 1797
    images of 10 classes), split into a train and a test part. No download: the data ships
    with scikit-learn.

    Args:
        root: ignored (kept for the common dataset signature).
        train: the train split (default) or the test split.
        transform: applied to each image tensor.
        target_transform: applied to each label.
        test_fraction: share of the samples in the test split (default 0.2).
        split_seed: seed of the permutation that makes the split (fixed: the same split
            on every run and every machine).

    Samples are ``(image, label)``: ``image`` is a float32 tensor of shape (1, 8, 8) with
    values in [0, 1] (the original 0..16 intensities divided by 16), ``label`` an ``int``.
    ``.data`` (N, 1, 8, 8) and ``.targets`` (N,) hold the whole split.

    Example::

        >>> train = ember.datasets.Digits(train=True)
        >>> img, label = train[0]
        >>> img.shape, len(train) + len(ember.datasets.Digits(train=False))
        (ember.Size([1, 8, 8]), 1797)
    """

    classes = [str(i) for i in range(10)]

    def __init__(self, root=None, train: bool = True, transform=None, target_transform=None,
                 test_fraction: float = 0.2, split_seed: int = 0) -> None:
        super().__init__(root, transform, target_transform)
        if not 0.0 < test_fraction < 1.0:
            raise ValueError(f"Digits: test_fraction must be in (0, 1), got {test_fraction}")
        raw_images, labels = _load_digits()
        images = raw_images.to(ember.float32).unsqueeze(1) / 16.0
        n = labels.shape[0]
        n_test = int(round(n * test_fraction))
        perm = ember.randperm(n, generator=ember.Generator().manual_seed(split_seed),
                              device="cpu")
        idx = perm[n_test:] if train else perm[:n_test]
        self.train = train
        self.data = images[idx]
        self.targets = labels[idx]

    @property
    def class_to_idx(self):
        return {c: i for i, c in enumerate(self.classes)}

    def __len__(self) -> int:
        return self.targets.shape[0]

    def __getitem__(self, index):
        return self._apply(self.data[index], int(self.targets[index]))

    def extra_repr(self) -> str:
        return f"Split: {'Train' if self.train else 'Test'}"
