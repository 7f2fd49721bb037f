"""``ember.device`` and the default device."""

from __future__ import annotations

__all__ = ["device", "get_default_device", "set_default_device"]


class device:
    """A device: a type (``"cpu"``, ``"cuda"``, a plugin's name) and an optional index.

    Example::

        >>> ember.device("cuda:1")
        device(type='cuda', index=1)
        >>> ember.device("cuda", 0).index
        0
    """

    __slots__ = ("type", "index")

    def __init__(self, type, index: int | None = None):
        if isinstance(type, device):
            if index is not None:
                raise ValueError("device(): index given twice")
            self.type, self.index = type.type, type.index
            return
        if isinstance(type, int) and not isinstance(type, bool):
            type, index = "cuda", type
        if not isinstance(type, str):
            raise TypeError(f"device(): expected a string like 'cpu' or 'cuda:0', got "
                            f"{type.__class__.__name__}")
        name = type.strip()
        if ":" in name:
            if index is not None:
                raise RuntimeError(f"device(): type {name!r} already has an index; "
                                   f"pass either 'cuda:1' or ('cuda', 1)")
            name, _, idx = name.partition(":")
            if not idx.isdigit():
                raise RuntimeError(f"Invalid device string: {type!r}; expected 'type' or "
                                   f"'type:index' with a non-negative integer index")
            index = int(idx)
        if not name or not (name.replace("_", "").isalnum()):
            raise RuntimeError(f"Invalid device string: {type!r}")
        if index is not None and index < 0:
            raise RuntimeError(f"Device index must not be negative, got {index}")
        self.type = name
        self.index = index

    def __eq__(self, other):
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and self.type == other.type and self.index == other.index

    def __hash__(self):
        return hash((self.type, self.index))

    def __repr__(self):
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __reduce__(self):
        return (device, (self.type, self.index))


_default = [device("cpu")]


def get_default_device() -> device:
    """The device new tensors are created on when none is given (``cpu`` unless changed)."""
    return _default[0]


def set_default_device(dev) -> None:
    """Set the device factory functions use by default, e.g. ``set_default_device("cuda")``."""
    _default[0] = device("cpu") if dev is None else device(dev)
