"""``DatasetFolder`` and ``ImageFolder``: one sub-directory per class."""

from __future__ import annotations

import os

from ._base import VisionDataset

__all__ = ["DatasetFolder", "ImageFolder", "IMG_EXTENSIONS"]

IMG_EXTENSIONS = (".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp")


def _has_extension(name: str, extensions) -> bool:
    return name.lower().endswith(tuple(e.lower() for e in extensions))


class DatasetFolder(VisionDataset):
    """Samples stored as ``root/<class>/**/<file>``: the classes are the sub-directories of
    ``root`` in sorted order, and every file with one of ``extensions`` (or accepted by
    ``is_valid_file``) under a class directory is a sample of that class.

    Args:
        root: the directory of class directories.
        loader: ``loader(path)`` reads one sample.
        extensions: accepted file endings (case-insensitive); excludes ``is_valid_file``.
        transform, target_transform: applied to each sample / label.
        is_valid_file: ``is_valid_file(path) -> bool`` instead of ``extensions``.
        allow_empty: allow classes without any file (otherwise ``FileNotFoundError``).

    ``.classes``, ``.class_to_idx``, ``.samples`` (``(path, class_index)`` pairs) and
    ``.targets`` describe the dataset.

    Example::

        >>> ds = DatasetFolder("data/train", loader=open, extensions=(".txt",))  # doctest: +SKIP
        >>> ds.classes                                                           # doctest: +SKIP
        ['cat', 'dog']
    """

    def __init__(self, root, loader, extensions=None, transform=None, target_transform=None,
                 is_valid_file=None, allow_empty: bool = False) -> None:
        super().__init__(root, transform, target_transform)
        if not os.path.isdir(self.root):
            raise FileNotFoundError(f"{type(self).__name__}: the directory {self.root} does "
                                    f"not exist; pass the directory that holds one "
                                    f"sub-directory per class")
        self.classes, self.class_to_idx = self.find_classes(self.root)
        self.samples = self.make_dataset(self.root, self.class_to_idx, extensions,
                                         is_valid_file, allow_empty)
        self.loader = loader
        self.extensions = extensions
        self.targets = [s[1] for s in self.samples]

    @staticmethod
    def find_classes(directory):
        """``(classes, class_to_idx)`` from the sub-directories of ``directory``."""
        classes = sorted(e.name for e in os.scandir(directory) if e.is_dir())
        if not classes:
            raise FileNotFoundError(f"Couldn't find any class folder in {directory}; put the "
                                    f"samples of each class in their own sub-directory")
        return classes, {c: i for i, c in enumerate(classes)}

    @staticmethod
    def make_dataset(directory, class_to_idx, extensions=None, is_valid_file=None,
                     allow_empty=False):
        """The ``(path, class_index)`` pairs, classes in order, files sorted per class."""
        if (extensions is None) == (is_valid_file is None):
            raise ValueError("Both extensions and is_valid_file cannot be None or not None "
                             "at the same time")
        if is_valid_file is None:
            def is_valid_file(p):
                return _has_extension(p, extensions)
        out, empty = [], []
        for cls in sorted(class_to_idx):
            start = len(out)
            for dirpath, _, files in sorted(os.walk(os.path.join(directory, cls),
                                                    followlinks=True)):
                for f in sorted(files):
                    p = os.path.join(dirpath, f)
                    if is_valid_file(p):
                        out.append((p, class_to_idx[cls]))
            if len(out) == start:
                empty.append(cls)
        if empty and not allow_empty:
            msg = f"Found no valid file for the classes {', '.join(empty)}. "
            if extensions is not None:
                msg += f"Supported extensions are: {', '.join(extensions)}"
            raise FileNotFoundError(msg)
        return out

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, index):
        path, target = self.samples[index]
        return self._apply(self.loader(path), target)


def pil_loader(path):
    """Open an image file with Pillow and convert it to RGB."""
    try:
        from PIL import Image
    except ImportError as exc:
        raise ImportError("ImageFolder's default loader needs Pillow (pip install Pillow); "
                          "or pass loader= that reads one image file") from exc
    with open(path, "rb") as f:
        img = Image.open(f)
        return img.convert("RGB")


class ImageFolder(DatasetFolder):
    """Images stored as ``root/<class>/**/<image>`` (``.jpg``, ``.png``, ...), loaded with
    Pillow as RGB ``PIL.Image`` s (apply ``ember.transforms.ToTensor()`` to get tensors).
    The arguments are those of :class:`DatasetFolder` with ``loader`` defaulting to a
    Pillow loader and ``extensions`` to common image endings.

    Example::

        >>> tf = ember.transforms.ToTensor()
        >>> ds = ember.datasets.ImageFolder("data/train", transform=tf)  # doctest: +SKIP
        >>> img, label = ds[0]                                          # doctest: +SKIP
    """

    def __init__(self, root, transform=None, target_transform=None, loader=None,
                 is_valid_file=None, allow_empty: bool = False) -> None:
        super().__init__(root, loader or pil_loader,
                         IMG_EXTENSIONS if is_valid_file is None else None,
                         transform, target_transform, is_valid_file, allow_empty)
        self.imgs = self.samples
