"""Shared pieces of the vision datasets: transforms, ``repr`` and the missing-file error."""

from __future__ import annotations

import os

from ember.utils.data import Dataset

__all__ = ["VisionDataset", "find_file", "missing_files_error"]


class VisionDataset(Dataset):
    """Base of the image datasets: holds ``root``, ``transform`` (applied to the image)
    and ``target_transform`` (applied to the label)."""

    def __init__(self, root, transform=None, target_transform=None) -> None:
        self.root = os.path.expanduser(str(root)) if root is not None else None
        self.transform = transform
        self.target_transform = target_transform

    def _apply(self, img, target):
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        lines = [f"Dataset {type(self).__name__}", f"    Number of datapoints: {len(self)}"]
        if self.root is not None:
            lines.append(f"    Root location: {self.root}")
        lines += ["    " + ln for ln in self.extra_repr().splitlines()]
        if self.transform is not None:
            lines.append(f"    Transform: {self.transform!r}")
        if self.target_transform is not None:
            lines.append(f"    Target transform: {self.target_transform!r}")
        return "\n".join(lines)


def find_file(dirs, names):
    """The first existing ``dir/name`` over ``dirs`` x ``names``, or None."""
    for d in dirs:
        for n in names:
            p = os.path.join(d, n)
            if os.path.isfile(p):
                return p
    return None


def missing_files_error(dataset: str, missing, dirs, hint: str) -> FileNotFoundError:
    looked = ", ".join(dict.fromkeys(dirs))
    return FileNotFoundError(
        f"{dataset}: missing file(s) {', '.join(missing)} (looked in: {looked}). ember never "
        f"downloads data at run time: {hint}")
