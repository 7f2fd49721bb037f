"""``ember.nn.utils.rnn``: ``PackedSequence`` and the padding helpers.

A packed sequence stores a batch of sequences of unequal length time-major without padding:
``data`` holds, for every time step ``t``, the step's entries of the ``batch_sizes[t]``
sequences still running (the batch sorted by decreasing length), one after the other.
Recurrent layers accept it in place of a padded tensor and skip the padding entirely.

Example::

    >>> from ember.nn.utils.rnn import pad_sequence, pack_padded_sequence, pad_packed_sequence
    >>> seqs = [ember.ones(3, 2), ember.ones(1, 2)]
    >>> padded = pad_sequence(seqs)                       # (3, 2, 2), zero padded
    >>> packed = pack_padded_sequence(padded, [3, 1])
    >>> packed.batch_sizes
    tensor([2, 1, 1])
    >>> out, lengths = pad_packed_sequence(packed)        # back to (3, 2, 2), lengths [3, 1]
"""

from __future__ import annotations

from collections import namedtuple

import ember

__all__ = ["PackedSequence", "pack_padded_sequence", "pad_packed_sequence", "pad_sequence",
           "pack_sequence", "unpack_sequence", "unpad_sequence", "invert_permutation"]


def invert_permutation(permutation):
    """The inverse of a permutation given as a 1-D index tensor (None stays None)."""
    if permutation is None:
        return None
    return ember.argsort(permutation)


_PackedSequenceBase = namedtuple("PackedSequence_",
                                 ["data", "batch_sizes", "sorted_indices", "unsorted_indices"])


class PackedSequence(_PackedSequenceBase):
    """A batch of variable-length sequences, packed (built by ``pack_padded_sequence`` or
    ``pack_sequence``; never construct one by hand from padded data).

    Fields: ``data`` (sum of lengths, *) time-major entries; ``batch_sizes`` (int64, on the
    cpu) how many sequences run at each time step; ``sorted_indices`` the order in which the
    original batch was sorted by decreasing length (None when it already was);
    ``unsorted_indices`` its inverse.

    Example::

        >>> p = pack_sequence([ember.tensor([1., 2., 3.]), ember.tensor([4.])])
        >>> p.data, p.batch_sizes
        (tensor([1., 4., 2., 3.]), tensor([2, 1, 1]))
    """

    __slots__ = ()

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is None:                   # PackedSequence((data, batch_sizes))
            if not isinstance(data, (list, tuple)) or len(data) != 2:
                raise TypeError("PackedSequence(): expected data and batch_sizes, or a "
                                "(data, batch_sizes) pair")
            data, batch_sizes = data
        if not isinstance(batch_sizes, ember.Tensor):
            batch_sizes = ember.tensor(list(batch_sizes), dtype=ember.int64)
        if batch_sizes.device.type != "cpu" or batch_sizes.dim() != 1:
            raise ValueError(f"PackedSequence: batch_sizes must be a 1-D cpu tensor, got a "
                             f"{batch_sizes.dim()}-D tensor on {batch_sizes.device}")
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    # conversions move data (and the index tensors with it); batch_sizes stays on the cpu
    def to(self, *args, **kwargs):
        """A PackedSequence with ``data.to(*args, **kwargs)``; the index tensors follow the
        data's device, ``batch_sizes`` stays on the cpu."""
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        dev = data.device
        return type(self)(data, self.batch_sizes,
                          None if self.sorted_indices is None else self.sorted_indices.to(dev),
                          None if self.unsorted_indices is None
                          else self.unsorted_indices.to(dev))

    def cuda(self, *args, **kwargs):
        dev = args[0] if args else kwargs.pop("device", None)
        return self.to("cuda" if dev is None else (f"cuda:{dev}" if isinstance(dev, int)
                                                    else dev))

    def cpu(self, *args, **kwargs):
        return self.to("cpu")

    def double(self):
        return self.to(dtype=ember.float64)

    def float(self):
        return self.to(dtype=ember.float32)

    def half(self):
        return self.to(dtype=ember.float16)

    def long(self):
        return self.to(dtype=ember.int64)

    def int(self):
        return self.to(dtype=ember.int32)

    def short(self):
        return self.to(dtype=ember.int16)

    def char(self):
        return self.to(dtype=ember.int8)

    def byte(self):
        return self.to(dtype=ember.uint8)

    @property
    def is_cuda(self):
        return self.data.is_cuda

    def is_pinned(self):
        return False


def _lengths_tensor(lengths, op):
    if isinstance(lengths, ember.Tensor):
        if lengths.dim() != 1:
            raise RuntimeError(f"{op}: lengths must be a 1-D tensor, got {lengths.dim()}-D")
        return lengths.to("cpu").to(ember.int64)
    try:
        return ember.tensor([int(v) for v in lengths], dtype=ember.int64)
    except TypeError:
        raise TypeError(f"{op}: lengths must be a 1-D tensor or a list of ints, got "
                        f"{type(lengths).__name__}") from None


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    """Pack a padded batch of sequences.

    Args:
        input: (T, B, *) padded sequences, or (B, T, *) with ``batch_first``.
        lengths: the B sequence lengths (list or 1-D tensor); each in 1..T.
        batch_first: whether ``input`` is batch-major.
        enforce_sorted: when True the lengths must be in decreasing order; otherwise the
            batch is sorted here and the permutation kept in the result.

    Returns: a ``PackedSequence``. Example::

        >>> x = ember.zeros(5, 3, 8)
        >>> pack_padded_sequence(x, [5, 2, 4], enforce_sorted=False).data.shape
        ember.Size([11, 8])
    """
    op = "pack_padded_sequence"
    lengths = _lengths_tensor(lengths, op)
    if batch_first:
        input = input.transpose(0, 1)
    if input.dim() < 2:
        raise RuntimeError(f"{op}: input must have at least 2 dims (time, batch), got "
                           f"{input.dim()}-D")
    T, B = input.shape[0], input.shape[1]
    if lengths.shape[0] != B:
        raise RuntimeError(f"Expected `len(lengths)` to be equal to batch_size, but got "
                           f"{lengths.shape[0]} (batch_size={B})")
    if B == 0 or input.numel() == 0:
        raise RuntimeError("Cannot pack empty tensors.")
    if enforce_sorted:
        if B > 1 and bool((lengths[1:] > lengths[:-1]).any()):
            raise RuntimeError(
                "`lengths` array must be sorted in decreasing order when `enforce_sorted` is "
                "True. You can pass `enforce_sorted=False` to pack_padded_sequence and/or "
                "pack_sequence to sidestep this requirement if you do not need ONNX "
                "exportability.")
        sorted_indices = None
    else:
        lengths, sorted_indices = ember.sort(lengths, descending=True, stable=True)
        sorted_indices = sorted_indices.to(input.device)
        input = input.index_select(1, sorted_indices)
    if int(lengths[-1]) <= 0:
        raise RuntimeError("Length of all samples has to be greater than 0, but found an "
                           "element in 'lengths' that is <= 0")
    top = int(lengths[0])
    if top > T:
        raise RuntimeError(f"{op}: a sequence length ({top}) exceeds the padded length of the "
                           f"input ({T}); check lengths and batch_first")
    mask = ember.arange(top)[:, None] < lengths[None, :]            # (top, B)
    batch_sizes = mask.sum(1)
    data = input[:top][mask.to(input.device)]
    return PackedSequence(data, batch_sizes, sorted_indices, None)


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """Undo ``pack_padded_sequence``: returns ``(padded, lengths)``.

    ``padded`` is (T, B, *) (or (B, T, *) with ``batch_first``) in the original batch order,
    filled with ``padding_value`` past each sequence's end; T is the longest length, or
    ``total_length``. ``lengths`` is an int64 cpu tensor. Example::

        >>> out, lengths = pad_packed_sequence(packed, batch_first=True, total_length=10)
    """
    data, batch_sizes = sequence.data, sequence.batch_sizes
    T = batch_sizes.shape[0]
    if total_length is not None:
        if total_length < T:
            raise ValueError(f"Expected total_length to be at least the length of the "
                             f"longest sequence in input, but got total_length={total_length} "
                             f"and max sequence length being {T}")
    else:
        total_length = T
    B = int(batch_sizes[0])
    mask = ember.arange(B)[None, :] < batch_sizes[:, None]          # (T, B)
    lengths = mask.sum(0)
    if total_length > T:
        mask = ember.cat([mask, ember.zeros(total_length - T, B, dtype=ember.bool)], 0)
    out = ember.full((total_length, B) + tuple(data.shape[1:]), padding_value,
                     dtype=data.dtype, device=data.device)
    out = ember.index_put(out, (mask.to(data.device),), data)
    if sequence.unsorted_indices is not None:
        out = out.index_select(1, sequence.unsorted_indices)
        lengths = lengths[sequence.unsorted_indices.to("cpu")]
    if batch_first:
        out = out.transpose(0, 1)
    return out, lengths


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """Stack tensors of shape (L_i, *) into one (T, B, *) tensor (or (B, T, *) with
    ``batch_first``), T = max L_i, padding with ``padding_value`` on ``padding_side``
    (``"right"`` or ``"left"``). Example::

        >>> pad_sequence([ember.ones(2), ember.ones(3)], batch_first=True)
        tensor([[1., 1., 0.],
                [1., 1., 1.]])
    """
    if isinstance(sequences, ember.Tensor):
        sequences = list(sequences.unbind(0))
    sequences = list(sequences)
    if not sequences:
        raise RuntimeError("received an empty list of sequences")
    if padding_side not in ("right", "left"):
        raise ValueError(f"Expected padding_side to be one of left or right, but got "
                         f"{padding_side}.")
    trail = tuple(sequences[0].shape[1:])
    for s in sequences:
        if s.dim() < 1 or tuple(s.shape[1:]) != trail:
            raise RuntimeError(f"pad_sequence: every sequence must be 1-D or more with the "
                               f"same trailing dims {list(trail)}; got {list(s.shape)} next "
                               f"to {list(sequences[0].shape)}")
    lengths = ember.tensor([s.shape[0] for s in sequences], dtype=ember.int64)
    T = int(lengths.max()) if len(sequences) else 0
    B = len(sequences)
    pos = ember.arange(T)[None, :]
    mask = pos < lengths[:, None] if padding_side == "right" else pos >= (T - lengths)[:, None]
    first = sequences[0]
    out = ember.full((B, T) + trail, padding_value, dtype=first.dtype, device=first.device)
    out = ember.index_put(out, (mask.to(first.device),), ember.cat(sequences, 0))
    return out if batch_first else out.transpose(0, 1)


def pack_sequence(sequences, enforce_sorted=True):
    """Pack a list of tensors (L_i, *) (sorted by decreasing length unless
    ``enforce_sorted=False``) into a ``PackedSequence``. Example::

        >>> pack_sequence([ember.ones(3, 4), ember.ones(2, 4)]).batch_sizes
        tensor([2, 2, 1])
    """
    lengths = [s.shape[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths,
                                enforce_sorted=enforce_sorted)


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    """Split a padded (T, B, *) tensor (or (B, T, *) with ``batch_first``) back into the
    list of its B sequences, each cut to its length."""
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    lengths = _lengths_tensor(lengths, "unpad_sequence").tolist()
    return [padded_sequences[i, :n] for i, n in enumerate(lengths)]


def unpack_sequence(packed_sequences):
    """The list of sequences (L_i, *) held by a ``PackedSequence``, in the original order.

    Example::

        >>> [s.shape[0] for s in unpack_sequence(pack_sequence(seqs, enforce_sorted=False))]
    """
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
