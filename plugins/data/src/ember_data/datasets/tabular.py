"""``CSVDataset``: rows of a numeric CSV table as (features, target) tensors."""

from __future__ import annotations

import os

import ember
from ember.utils.data import Dataset

from .. import _io

__all__ = ["CSVDataset"]


class CSVDataset(Dataset):
    """A numeric table read from a CSV file; sample ``i`` is ``(features, target)`` of row
    ``i`` (or just ``features`` when ``target_column=None``).

    Args:
        path: the CSV file.
        target_column: the target's column: an index (negative counts from the end;
            default -1, the last column), a name from the header, a list of them (the
            target is then a vector), or ``None`` for no target.
        feature_columns: the feature columns (indices or names, in this order); default:
            every column that is not a target.
        header: the first line holds the column names (default True).
        delimiter: the field separator (default ``","``).
        comment: lines starting with this string are skipped.
        dtype: the features' dtype (default float32).
        target_dtype: the target's dtype (default: ``dtype``); use ``ember.int64`` for
            class labels.
        transform, target_transform: applied to each sample's features / target.

    Empty fields are NaN; a non-numeric field raises ``ValueError`` naming the row and the
    column. ``.features`` (N, F), ``.targets`` (N,) or (N, k) and ``.columns`` (the names)
    hold the table.

    Shape: features (F,), target () or (k,).

    Example::

        >>> ds = ember.datasets.CSVDataset("diabetes.csv", target_column="target")  # doctest: +SKIP
        >>> x, y = ds[0]                                                           # doctest: +SKIP
        >>> x.shape, y.shape                                                       # doctest: +SKIP
        (ember.Size([10]), ember.Size([]))
    """

    def __init__(self, path, target_column=-1, feature_columns=None, header: bool = True,
                 delimiter: str = ",", comment: str | None = None, dtype=None,
                 target_dtype=None, transform=None, target_transform=None) -> None:
        path = os.path.expanduser(str(path))
        if not os.path.isfile(path):
            raise FileNotFoundError(f"CSVDataset: no file {path}; pass the path of an existing "
                                    f"CSV file (ember never downloads data)")
        self.path = path
        self.columns, table = _io.read_csv_table(path, delimiter, header, comment)
        width = len(self.columns)
        dtype = dtype or ember.float32
        self.transform = transform
        self.target_transform = target_transform

        def col(c):
            if isinstance(c, str):
                if c not in self.columns:
                    raise KeyError(f"CSVDataset: no column named {c!r} in {path}; the columns "
                                   f"are {self.columns}")
                return self.columns.index(c)
            if not -width <= c < width:
                raise IndexError(f"CSVDataset: column index {c} is out of range for {width} "
                                 f"columns in {path}")
            return c % width

        if target_column is None:
            target_idx = []
        elif isinstance(target_column, (list, tuple)):
            target_idx = [col(c) for c in target_column]
        else:
            target_idx = [col(target_column)]
        if feature_columns is None:
            feature_idx = [j for j in range(width) if j not in target_idx]
        else:
            feature_idx = [col(c) for c in feature_columns]
        self.feature_columns = [self.columns[j] for j in feature_idx]
        self.target_columns = [self.columns[j] for j in target_idx]
        index = ember.tensor(feature_idx, dtype=ember.int64, device="cpu")
        self.features = table[:, index].to(dtype)
        if target_column is None:
            self.targets = None
        else:
            t = table[:, ember.tensor(target_idx, dtype=ember.int64, device="cpu")]
            if not isinstance(target_column, (list, tuple)):
                t = t[:, 0]
            tdt = target_dtype or dtype
            if not tdt.is_floating_point and bool(t.isnan().any()):
                raise ValueError(f"CSVDataset: the target column(s) {self.target_columns} of "
                                 f"{path} have empty fields; they cannot be {tdt}")
            self.targets = t.to(tdt)

    def __len__(self) -> int:
        return self.features.shape[0]

    def __getitem__(self, index):
        x = self.features[index]
        if self.transform is not None:
            x = self.transform(x)
        if self.targets is None:
            return x
        y = self.targets[index]
        if self.target_transform is not None:
            y = self.target_transform(y)
        return x, y

    def __repr__(self) -> str:
        return (f"CSVDataset({self.path!r}, rows={len(self)}, features={self.feature_columns}, "
                f"target={self.target_columns or None})")
