"""``Flatten`` and ``Unflatten``."""

from __future__ import annotations

from ember.nn import Module

__all__ = ["Flatten", "Unflatten"]


class Flatten(Module):
    """Flattens dims ``start_dim..end_dim`` into one (a view when possible).

    Args:
        start_dim (int): first dim to flatten. Default: 1 (keeps the batch dim).
        end_dim (int): last dim to flatten. Default: -1.

    Shape: ``(*, S_start, ..., S_end, *)`` -> ``(*, prod(S_start..S_end), *)``.

    Example::

        >>> nn.Flatten()(ember.ones(32, 1, 5, 5)).shape
        ember.Size([32, 25])
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input):
        return input.flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Expands dim ``dim`` into ``unflattened_size`` (a tuple of ints, one may be -1).

    Args:
        dim (int): the dim to unflatten.
        unflattened_size (tuple of int): the new sizes.

    Shape: ``(*, S_dim, *)`` -> ``(*, U_1, ..., U_n, *)`` with ``prod(U) = S_dim``.

    Example::

        >>> nn.Unflatten(1, (2, 5, 5))(ember.ones(2, 50)).shape
        ember.Size([2, 2, 5, 5])
    """

    def __init__(self, dim: int, unflattened_size) -> None:
        super().__init__()
        if isinstance(dim, str):
            raise TypeError("Unflatten: named tensors are not supported; dim must be an int")
        if not isinstance(dim, int):
            raise TypeError(f"invalid argument type for dim parameter: expected int, got "
                            f"{type(dim).__name__}")
        if not isinstance(unflattened_size, (tuple, list)):
            raise TypeError("unflattened_size must be tuple of ints, but found type "
                            f"{type(unflattened_size).__name__}")
        for idx, elem in enumerate(unflattened_size):
            if not isinstance(elem, int):
                raise TypeError(f"unflattened_size must be tuple of ints, but found element of "
                                f"type {type(elem).__name__} at pos {idx}")
        self.dim = dim
        self.unflattened_size = unflattened_size

    def forward(self, input):
        return input.unflatten(self.dim, self.unflattened_size)

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
