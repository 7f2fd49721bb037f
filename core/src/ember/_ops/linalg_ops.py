"""Products and contractions: ``vdot inner outer/ger addmm addmv addr addbmm baddbmm einsum
tensordot kron cross cdist chain_matmul``, plus the top-level aliases of ``ember.linalg``
functions PyTorch also has on ``torch`` (``det``, ``inverse``, ``cholesky``, ``qr``, ...).

All of them are composed from views, elementwise ops, ``sum`` and ``matmul``, so autograd
follows without hand-written backwards (``cdist`` adds a square root whose gradient is zero
at zero distance, as PyTorch's).

NOTE [einsum]: an equation is lowered to at most one diagonal view per repeated subscript,
one ``sum`` per subscript that only one operand carries, and one batched ``matmul`` (or a
broadcast multiply when nothing is contracted) per pair of operands, folded left to right.
Each product permutes its operands to ``(batch, free, contracted)`` and reshapes them to
three dimensions, so no loop ever runs over elements.
"""

from __future__ import annotations

import builtins
import collections
import importlib

from .._tensor import Tensor, _prod, _wrap_dim
from .basic import matmul, sum as _sum
from .core import Op, _inplace, _tname, _check_same_device, write_out, broadcast_shapes
from ._reg import export

_py_max = builtins.max

_SVD = collections.namedtuple("svd", "U S V")
_QR = collections.namedtuple("qr", "Q R")


def _linalg():
    return importlib.import_module("ember.linalg")


def _scaled(x, s):
    return x if (not isinstance(s, Tensor) and s == 1) else x * s


def _same_dtype(op, a, b, what=("self", "mat2")):
    if a._dtype is not b._dtype:
        raise RuntimeError(f"{op}: {what[0]} and {what[1]} must have the same dtype, but got "
                           f"{_tname(a._dtype)} and {_tname(b._dtype)}")


def _check_dims(op, t, n, what):
    if t.dim() != n:
        kind = {1: "a vector", 2: "a matrix", 3: "a 3D tensor"}[n]
        raise RuntimeError(f"{op}: {what} must be {kind}, got {t.dim()}-D tensor of shape "
                           f"{list(t.shape)}")


def _add_scaled(op, input, prod, beta, alpha):
    """``beta * input + alpha * prod``; with ``beta == 0`` ``input`` is ignored entirely
    (its nan and inf do not propagate), as PyTorch documents."""
    _check_same_device(op, input, prod)
    try:
        broadcast_shapes(input._shape, prod._shape)
    except RuntimeError:
        raise RuntimeError(f"{op}: the input of shape {list(input.shape)} cannot be broadcast "
                           f"to the product's shape {list(prod.shape)}") from None
    if not isinstance(beta, Tensor) and beta == 0:
        # keep input in the graph (its gradient is zero, as PyTorch's) without reading it
        from .._creation import tensor
        from .elementwise import where
        never = tensor(False, device=input.device)
        return _scaled(prod, alpha) + where(never, input, 0.0).to(prod._dtype)
    return _scaled(input, beta) + _scaled(prod, alpha)


# -- vector products ------------------------------------------------------------------------

@export("vdot")
def vdot(input, other, *, out=None):
    """``sum(conj(input) * other)`` of two 1-D tensors of the same size and dtype (the
    first argument is conjugated).

    Example: ``ember.vdot(ember.tensor([1., 2.]), ember.tensor([3., 4.]))`` is ``11.``."""
    if input.dim() != 1 or other.dim() != 1:
        raise RuntimeError(f"1D tensors expected, but got {input.dim()}D and {other.dim()}D "
                           f"tensors")
    if input._dtype is not other._dtype:
        raise RuntimeError(f"vdot : expected both vectors to have same dtype, but found "
                           f"{_tname(input._dtype)} and {_tname(other._dtype)}")
    if input._shape[0] != other._shape[0]:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{input._shape[0]}] and "
                           f"src [{other._shape[0]}] to have the same number of elements, but "
                           f"got {input._shape[0]} and {other._shape[0]} elements respectively")
    r = matmul(input.conj(), other)
    return write_out(r, out) if out is not None else r


@export("inner")
def inner(input, other, *, out=None):
    """Sum of products over the last dimension of both tensors (a product when either is
    0-d). Shape: ``input.shape[:-1] + other.shape[:-1]``.

    Example: ``ember.inner(ember.ones(2, 3), ember.ones(4, 3)).shape`` is ``(2, 4)``."""
    if input.dim() == 0 or other.dim() == 0:
        r = input * other
    else:
        if input._shape[-1] != other._shape[-1]:
            raise RuntimeError(f"inner() the last dimension must match on both input tensors "
                               f"but got shapes {list(input.shape)} and {list(other.shape)}")
        r = tensordot(input, other, ([input.dim() - 1], [other.dim() - 1]))
    return write_out(r, out) if out is not None else r


@export("outer", "ger")
def outer(input, vec2, *, out=None):
    """Outer product of two 1-D tensors: ``(n,), (m,) -> (n, m)`` (dtypes promote).

    Example: ``ember.outer(ember.tensor([1., 2.]), ember.tensor([1., 10.]))``."""
    if input.dim() != 1:
        raise RuntimeError(f"outer: Expected 1-D argument self, but got {input.dim()}-D")
    if vec2.dim() != 1:
        raise RuntimeError(f"outer: Expected 1-D argument vec2, but got {vec2.dim()}-D")
    r = input.unsqueeze(1) * vec2
    return write_out(r, out) if out is not None else r


# -- fused add + product ----------------------------------------------------------------------

@export("addmm")
def addmm(input, mat1, mat2, *, beta=1, alpha=1, out=None):
    """``beta * input + alpha * (mat1 @ mat2)``; ``input`` broadcasts to ``(n, m)``.

    Example: ``ember.addmm(ember.zeros(2, 4), ember.ones(2, 3), ember.ones(3, 4))``."""
    _check_dims("addmm", mat1, 2, "mat1")
    _check_dims("addmm", mat2, 2, "mat2")
    _same_dtype("addmm", mat1, mat2)
    r = _add_scaled("addmm", input, matmul(mat1, mat2), beta, alpha)
    return write_out(r, out) if out is not None else r


@export("addmv")
def addmv(input, mat, vec, *, beta=1, alpha=1, out=None):
    """``beta * input + alpha * (mat @ vec)``: ``(n,) + (n, m) @ (m,)``."""
    _check_dims("addmv", mat, 2, "mat")
    _check_dims("addmv", vec, 1, "vec")
    _same_dtype("addmv", mat, vec, ("mat", "vec"))
    r = _add_scaled("addmv", input, matmul(mat, vec), beta, alpha)
    return write_out(r, out) if out is not None else r


@export("addr")
def addr(input, vec1, vec2, *, beta=1, alpha=1, out=None):
    """``beta * input + alpha * outer(vec1, vec2)``: ``(n, m) + (n,) x (m,)``."""
    _check_dims("addr", vec1, 1, "vec1")
    _check_dims("addr", vec2, 1, "vec2")
    r = _add_scaled("addr", input, outer(vec1, vec2), beta, alpha)
    return write_out(r, out) if out is not None else r


@export("baddbmm")
def baddbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    """``beta * input + alpha * bmm(batch1, batch2)``: ``(b, n, m) + (b, n, k) @ (b, k, m)``."""
    _check_dims("baddbmm", batch1, 3, "batch1")
    _check_dims("baddbmm", batch2, 3, "batch2")
    _same_dtype("baddbmm", batch1, batch2, ("batch1", "batch2"))
    if batch1._shape[0] != batch2._shape[0]:
        raise RuntimeError(f"baddbmm: batch1 and batch2 must have the same number of "
                           f"batches, got {batch1._shape[0]} and {batch2._shape[0]}")
    r = _add_scaled("baddbmm", input, matmul(batch1, batch2), beta, alpha)
    return write_out(r, out) if out is not None else r


@export("addbmm")
def addbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    """``beta * input + alpha * sum_i(batch1[i] @ batch2[i])``: ``(n, m) + (b, n, k) @
    (b, k, m)`` reduced over the batch (one matrix multiply of ``(n, b*k) @ (b*k, m)``)."""
    _check_dims("addbmm", batch1, 3, "batch1")
    _check_dims("addbmm", batch2, 3, "batch2")
    _same_dtype("addbmm", batch1, batch2, ("batch1", "batch2"))
    b, n, k = batch1._shape
    b2, k2, m = batch2._shape
    if b != b2:
        raise RuntimeError(f"addbmm: batch1 and batch2 must have the same number of "
                           f"batches, got {b} and {b2}")
    if k != k2:
        raise RuntimeError(f"Incompatible matrix sizes for bmm ({n}x{k} and {k2}x{m})")
    prod = matmul(batch1.permute(1, 0, 2).reshape(n, b * k), batch2.reshape(b * k, m))
    r = _add_scaled("addbmm", input, prod, beta, alpha)
    return write_out(r, out) if out is not None else r


def _inplace_variant(name, fn):
    def op_(self, *args, beta=1, alpha=1):
        return _inplace(self, lambda s: fn(s, *args, beta=beta, alpha=alpha), *args)
    op_.__name__ = name + "_"
    op_.__doc__ = f"In-place ``{name}``."
    export(name + "_", function=False)(op_)


for _name, _fn in (("addmm", addmm), ("addmv", addmv), ("addr", addr), ("baddbmm", baddbmm),
                   ("addbmm", addbmm)):
    _inplace_variant(_name, _fn)


# -- tensordot ------------------------------------------------------------------------------

def _as_dim_list(d, ndim, op):
    if isinstance(d, Tensor):
        d = d.tolist()
    if isinstance(d, int):
        d = [d]
    return [_wrap_dim(int(x), ndim, op) for x in d]


def _contract(a, b, da, db):
    """Contract dims ``da`` of ``a`` with ``db`` of ``b`` (equal lengths, sizes checked):
    one permute + reshape per operand and one matrix multiply."""
    fa = [i for i in range(a.dim()) if i not in da]
    fb = [i for i in range(b.dim()) if i not in db]
    ka = _prod(a._shape[i] for i in da)
    ma = a.permute(*(fa + da)).reshape(_prod(a._shape[i] for i in fa), ka)
    mb = b.permute(*(db + fb)).reshape(ka, _prod(b._shape[i] for i in fb))
    out_shape = tuple(a._shape[i] for i in fa) + tuple(b._shape[i] for i in fb)
    return matmul(ma, mb).reshape(out_shape)


@export("tensordot", method=False)
def tensordot(a, b, dims=2, out=None):
    """Contract the last ``dims`` dims of ``a`` with the first ``dims`` of ``b`` (an int),
    or the listed dims (``([1, 0], [0, 1])``). Shape: ``a``'s free dims then ``b``'s.

    Example: ``ember.tensordot(ember.ones(2, 3, 4), ember.ones(4, 3, 5), ([1, 2], [1, 0]))``
    has shape ``(2, 5)``."""
    _check_same_device("tensordot", a, b)
    if isinstance(dims, Tensor) and dims.dim() == 0:
        dims = int(dims.item())
    if isinstance(dims, int):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        if dims > a.dim() or dims > b.dim():
            raise RuntimeError(f"tensordot expects dims < ndim_a or ndim_b, but got "
                               f"dims={dims}")
        da = list(range(a.dim() - dims, a.dim()))
        db = list(range(dims))
    else:
        if len(dims) != 2:
            raise RuntimeError("tensordot expects dims to be an int or a pair of dim lists")
        da = _as_dim_list(dims[0], a.dim(), "tensordot")
        db = _as_dim_list(dims[1], b.dim(), "tensordot")
        if len(da) != len(db):
            raise RuntimeError(f"both dimension lists should have same length, got {len(da)} "
                               f"and {len(db)}")
    for i, j in zip(da, db):
        if a._shape[i] != b._shape[j]:
            raise RuntimeError(f"contracted dimensions need to match, but first has size "
                               f"{a._shape[i]} in dim {i} and second has size {b._shape[j]} "
                               f"in dim {j}")
    _same_dtype("tensordot", a, b, ("self", "other"))
    r = _contract(a, b, da, db)
    return write_out(r, out) if out is not None else r


# -- einsum ---------------------------------------------------------------------------------

def _sublist_eq(args):
    """Turn the sublist form ``einsum(a, [0, 1], b, [1, 2], [0, 2])`` into an equation."""
    def term(sub):
        s = []
        for v in sub:
            if v is Ellipsis:
                s.append("...")
            else:
                v = int(v)
                if not 0 <= v < 52:
                    raise RuntimeError(f"einsum(): subscript in subscript list is not within "
                                       f"the valid range [0, 52), got {v}")
                s.append(chr(ord("A") + v) if v < 26 else chr(ord("a") + v - 26))
        return "".join(s)
    ops, terms = [], []
    args = list(args)
    while len(args) >= 2:
        ops.append(args.pop(0))
        terms.append(term(args.pop(0)))
    eq = ",".join(terms)
    if args:
        eq += "->" + term(args[0])
    return eq, ops


def _parse_term(term, pos0):
    """Subscript labels of one term: letters, and '...' as the marker ``None``."""
    out = []
    i = 0
    while i < len(term):
        c = term[i]
        if c == ".":
            if term[i:i + 3] != "...":
                raise RuntimeError(f"einsum(): found '.' for operand that is not part of any "
                                   f"ellipsis (at index {pos0 + i} of the equation)")
            if None in out:
                raise RuntimeError("einsum(): found '.' for operand for which an ellipsis was "
                                   "already found")
            out.append(None)
            i += 3
            continue
        if not c.isascii() or not c.isalpha():
            raise RuntimeError(f"einsum(): invalid subscript given at index {pos0 + i} in the "
                               f"equation string, subscripts must be in [a-zA-Z]")
        out.append(c)
        i += 1
    return out


@export("einsum", method=False)
def einsum(*args):
    """Einstein summation: ``einsum("ij,jk->ik", a, b)`` is ``a @ b``.

    Supports ``...`` (broadcast batch dims), implicit output (``"ij,jk"``: the ellipsis dims
    then the subscripts seen once, in alphabetical order), repeated subscripts in one operand
    (``"ii->i"`` takes the diagonal), size-1 broadcasting, and the sublist form
    ``einsum(a, [0, 1], b, [1, 2], [0, 2])``. Operands must share one dtype.

    Example: ``ember.einsum("bij,bjk->bik", x, y)`` is a batched matrix product; NOTE
    [einsum] describes how it is lowered."""
    if not args:
        raise RuntimeError("einsum(): must specify the equation string and at least one "
                           "operand, or at least one operand and its subscripts list")
    if isinstance(args[0], str):
        eq = args[0]
        ops = list(args[1:])
        if len(ops) == 1 and isinstance(ops[0], (list, tuple)):
            ops = list(ops[0])
    else:
        eq, ops = _sublist_eq(args)
    if not ops:
        raise RuntimeError("einsum(): must provide at least one operand")
    for i, o in enumerate(ops):
        if not isinstance(o, Tensor):
            raise TypeError(f"einsum(): operand {i} must be a Tensor, got {type(o).__name__}")
    _check_same_device("einsum", *ops)
    for o in ops[1:]:
        if o._dtype is not ops[0]._dtype:
            raise RuntimeError(f"expected scalar type {_tname(ops[0]._dtype)} but found "
                               f"{_tname(o._dtype)} (einsum(): operands must share one "
                               f"dtype; convert them with .to())")
    eq = eq.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    terms = lhs.split(",")
    if len(terms) < len(ops):
        raise RuntimeError("einsum(): more operands were provided than specified in the "
                           "equation")
    if len(terms) > len(ops):
        raise RuntimeError("einsum(): fewer operands were provided than specified in the "
                           "equation")
    pos = 0
    parsed = []
    for t in terms:
        parsed.append(_parse_term(t, pos))
        pos += len(t) + 1

    # expand the ellipsis into labels (0, k), ..., aligned to the right across operands
    ell = 0
    labels = []
    for i, (lab, x) in enumerate(zip(parsed, ops)):
        n_named = len([c for c in lab if c is not None])
        if None in lab:
            e = x.dim() - n_named
            if e < 0:
                raise RuntimeError(f"einsum(): the number of subscripts in the equation "
                                   f"({n_named}) is more than the number of dimensions "
                                   f"({x.dim()}) for operand {i}")
            ell = _py_max(ell, e)
        elif n_named != x.dim():
            raise RuntimeError(f"einsum(): the number of subscripts in the equation ({n_named}) "
                               f"does not match the number of dimensions ({x.dim()}) for "
                               f"operand {i} and no ellipsis was given")
        labels.append(lab)
    full = []
    for lab, x in zip(labels, ops):
        e = x.dim() - len([c for c in lab if c is not None])
        out = []
        for c in lab:
            if c is None:
                out.extend((0, ell - e + k) for k in range(e))
            else:
                out.append(c)
        full.append(out)
    ell_labels = [(0, k) for k in range(ell)]

    # output labels
    if arrow:
        olab = _parse_term(rhs, len(lhs) + 2)
        out_labels = []
        seen_in = {c for lab in full for c in lab}
        for c in olab:
            if c is None:
                out_labels.extend(ell_labels)
                continue
            if c in out_labels:
                raise RuntimeError(f"einsum(): output subscript {c} appears more than once in "
                                   f"the output")
            if c not in seen_in:
                raise RuntimeError(f"einsum(): output subscript {c} does not appear in the "
                                   f"equation for any input operand")
            out_labels.append(c)
    else:
        counts = {}
        for lab in full:
            for c in lab:
                if isinstance(c, str):
                    counts[c] = counts.get(c, 0) + 1
        out_labels = ell_labels + sorted(c for c, n in counts.items() if n == 1)

    # diagonals for repeated subscripts inside one operand
    xs = []
    for i, (lab, x) in enumerate(zip(full, ops)):
        lab = list(lab)
        while True:
            dup = next((c for k, c in enumerate(lab) if c in lab[k + 1:]), None)
            if dup is None:
                break
            p1 = lab.index(dup)
            p2 = lab.index(dup, p1 + 1)
            if x._shape[p1] != x._shape[p2]:
                raise RuntimeError(f"einsum(): subscript {dup} is repeated for operand {i} but "
                                   f"the sizes don't match, {x._shape[p2]} != {x._shape[p1]}")
            x = x.diagonal(0, p1, p2)
            lab = [c for k, c in enumerate(lab) if k not in (p1, p2)] + [dup]
        xs.append([x, lab])

    # sizes must agree or broadcast from 1
    size = {}
    for i, (x, lab) in enumerate(xs):
        for c, n in zip(lab, x._shape):
            prev = size.get(c)
            if prev is None or prev == 1:
                size[c] = n
            elif n != 1 and n != prev:
                name = c if isinstance(c, str) else "..."
                raise RuntimeError(f"einsum(): subscript {name} has size {n} for operand {i} "
                                   f"which does not broadcast with previously seen size {prev}")

    def reduce_unneeded(x, lab, keep):
        dims = [k for k, c in enumerate(lab) if c not in keep]
        if dims:
            x = _sum(x, tuple(dims))
            lab = [c for c in lab if c in keep]
        return x, lab

    out_set = set(out_labels)
    x, lab = xs[0]
    later = set(out_set)
    for _, ly in xs[1:]:
        later.update(ly)
    x, lab = reduce_unneeded(x, lab, later)
    for j in range(1, len(xs)):
        y, ly = xs[j]
        later = set(out_set)
        for _, lz in xs[j + 1:]:
            later.update(lz)
        y, ly = reduce_unneeded(y, ly, later | set(lab))
        x, lab = reduce_unneeded(x, lab, later | set(ly))
        x, lab = _pair(x, lab, y, ly, later, size)
    x, lab = reduce_unneeded(x, lab, out_set)
    perm = [lab.index(c) for c in out_labels]
    if perm != list(range(len(perm))):
        x = x.permute(*perm)
    want = tuple(size[c] for c in out_labels)
    if x._shape != want:
        x = x.expand(want)
    return x


def _pair(a, la, b, lb, later, size):
    """Multiply two labelled operands, contracting the shared labels not needed later."""
    sb = set(lb)
    sa = set(la)
    batch = [c for c in la if c in sb and c in later]
    contract = [c for c in la if c in sb and c not in later]
    left = [c for c in la if c not in sb]
    right = [c for c in lb if c not in sa]

    def arrange(x, lx, order):
        perm = [lx.index(c) for c in order]
        if perm != list(range(len(perm))):
            x = x.permute(*perm)
        want = tuple(size[c] if c in batch or c in contract else x._shape[k]
                     for k, c in enumerate(order))
        if x._shape != want:
            x = x.expand(want)
        return x

    nb = [size[c] for c in batch]
    nl = [a._shape[la.index(c)] for c in left]
    nr = [b._shape[lb.index(c)] for c in right]
    if not contract:
        # nothing to sum: a broadcast multiply
        x = arrange(a, la, batch + left)
        y = arrange(b, lb, batch + right)
        x = x.reshape(tuple(nb) + tuple(nl) + (1,) * len(nr))
        y = y.reshape(tuple(nb) + (1,) * len(nl) + tuple(nr))
        return x * y, batch + left + right
    nc = [size[c] for c in contract]
    x = arrange(a, la, batch + left + contract).reshape(
        (_prod(nb), _prod(nl), _prod(nc)))
    y = arrange(b, lb, batch + contract + right).reshape(
        (_prod(nb), _prod(nc), _prod(nr)))
    r = matmul(x, y).reshape(tuple(nb) + tuple(nl) + tuple(nr))
    return r, batch + left + right


# -- kron, cross, cdist ---------------------------------------------------------------------

@export("kron")
def kron(input, other, *, out=None):
    """Kronecker product: for ``(a0, a1)`` and ``(b0, b1)`` the ``(a0*b0, a1*b1)`` block
    matrix ``input[i, j] * other`` (operands of different rank get leading 1s).

    Example: ``ember.kron(ember.eye(2), ember.ones(2, 2))`` is block-diagonal ``(4, 4)``."""
    _check_same_device("kron", input, other)
    n = _py_max(input.dim(), other.dim())
    sa = (1,) * (n - input.dim()) + tuple(input._shape)
    sb = (1,) * (n - other.dim()) + tuple(other._shape)
    a = input.reshape(tuple(v for s in sa for v in (s, 1)))
    b = other.reshape(tuple(v for s in sb for v in (1, s)))
    r = (a * b).reshape(tuple(x * y for x, y in zip(sa, sb)))
    return write_out(r, out) if out is not None else r


def _cross(op, input, other, dim):
    _check_same_device(op, input, other)
    if input.dim() != other.dim():
        raise RuntimeError(f"linalg.cross: inputs must have the same number of dimensions "
                           f"(got {input.dim()} and {other.dim()}); unsqueeze the smaller one")
    shape = broadcast_shapes(input._shape, other._shape)
    if input._shape != shape:
        input = input.expand(shape)
    if other._shape != shape:
        other = other.expand(shape)
    d = _wrap_dim(dim, len(shape), op)
    if shape[d] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got "
                           f"{input._shape[d]} and {other._shape[d]}")
    from .._creation import tensor
    i1 = tensor([1, 2, 0], device=input.device)
    i2 = tensor([2, 0, 1], device=input.device)
    pre = (slice(None),) * d
    a1, a2 = input[pre + (i1,)], input[pre + (i2,)]
    b1, b2 = other[pre + (i1,)], other[pre + (i2,)]
    return a1 * b2 - a2 * b1


@export("cross")
def cross(input, other, dim=None, *, out=None):
    """Cross product of 3-vectors along ``dim`` (default: the first dimension of size 3, as
    PyTorch's deprecated default; prefer ``ember.linalg.cross``, which uses -1). Operands
    broadcast."""
    if dim is None:
        dim = next((i for i, s in enumerate(input._shape) if s == 3), None)
        if dim is None:
            raise RuntimeError(f"no dimension of size 3 in input of shape "
                               f"{list(input.shape)}; pass dim= explicitly")
        if other.dim() > dim and other._shape[dim] != 3:
            raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got "
                               f"{input._shape[dim]} and {other._shape[dim]}")
    r = _cross("cross", input, other, dim)
    return write_out(r, out) if out is not None else r


class _SafeSqrt(Op):
    """``sqrt`` whose gradient is 0 (not inf) at 0: distances that are exactly zero."""

    _node_name = "SqrtBackward0"

    @staticmethod
    def forward(ctx, x):
        st = x._storage
        y = st._be.sqrt(x._data)
        from .._tensor import _from_native
        y = _from_native(y, st._be, st.device)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        pos = y > 0
        from .elementwise import where
        return where(pos, g / (2 * where(pos, y, 1.0)), 0.0)


@export("cdist", method=False)
def cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary"):
    """Pairwise ``p``-norm distances between the rows of ``x1`` ``(*, P, M)`` and of ``x2``
    ``(*, R, M)``: a ``(*, P, R)`` tensor (batch dims broadcast). ``p`` is any value >= 0
    (``inf`` too). For ``p=2`` with more than 25 rows (or ``compute_mode=
    "use_mm_for_euclid_dist"``) it uses ``|x|^2 + |y|^2 - 2 x y^T``, one matrix multiply.

    Example: ``ember.cdist(ember.zeros(1, 2), ember.tensor([[3., 4.]]))`` is ``[[5.]]``."""
    if x1.dim() < 2:
        raise RuntimeError(f"cdist only supports at least 2D tensors, X1 got: {x1.dim()}D")
    if x2.dim() < 2:
        raise RuntimeError(f"cdist only supports at least 2D tensors, X2 got: {x2.dim()}D")
    if x1._shape[-1] != x2._shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: "
                           f"{x1._shape[-1]} X2: {x2._shape[-1]}")
    for name, x in (("X1", x1), ("X2", x2)):
        if not x._dtype.is_floating_point:
            raise RuntimeError(f"cdist only supports floating-point dtypes, {name} got: "
                               f"{_tname(x._dtype)}")
    if p < 0:
        raise RuntimeError("cdist only supports non-negative p values")
    modes = ("use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist",
             "donot_use_mm_for_euclid_dist")
    if compute_mode not in modes and compute_mode is not None:
        raise ValueError(f"{compute_mode} is not a valid value for compute_mode; expected one "
                         f"of {modes}")
    _check_same_device("cdist", x1, x2)
    big = x1._shape[-2] > 25 or x2._shape[-2] > 25
    use_mm = p == 2 and (compute_mode == "use_mm_for_euclid_dist" or (
        compute_mode in (None, modes[0]) and big))
    if use_mm:
        n1 = (x1 * x1).sum(-1).unsqueeze(-1)
        n2 = (x2 * x2).sum(-1).unsqueeze(-2)
        d2 = (n1 + n2 - 2 * matmul(x1, x2.mT)).clamp_min(0)
        return _SafeSqrt.apply(d2)
    diff = x1.unsqueeze(-2) - x2.unsqueeze(-3)
    return _linalg().vector_norm(diff, p, dim=-1)


# -- chains of products ---------------------------------------------------------------------

def _chain_order(dims):
    """Optimal parenthesisation of a matrix chain (dynamic programming over the chain
    length): ``split[i][j]`` is where to split the product of matrices i..j."""
    n = len(dims) - 1
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            best = None
            for k in range(i, j):
                c = cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1]
                if best is None or c < best:
                    best, split[i][j] = c, k
            cost[i][j] = best
    return split


def multi_dot_impl(tensors, op="linalg.multi_dot"):
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError(f"{op}(): expected at least 2 tensors but got 0")
    if len(tensors) == 1:
        if op == "chain_matmul":
            return tensors[0]
        raise RuntimeError(f"{op}(): expected at least 2 tensors but got 1")
    _check_same_device(op, *tensors)
    first_vec = tensors[0].dim() == 1
    last_vec = tensors[-1].dim() == 1
    ms = list(tensors)
    if first_vec:
        ms[0] = ms[0].unsqueeze(0)
    if last_vec:
        ms[-1] = ms[-1].unsqueeze(1)
    for i, m in enumerate(ms):
        if m.dim() != 2:
            where = "first" if i == 0 else "last" if i == len(ms) - 1 else ""
            raise RuntimeError(f"{op}(): tensor {i} must be 2D but got {tensors[i].dim()}D"
                               + (f" (only the {where} tensor may be 1D)" if where else ""))
        if m._dtype is not ms[0]._dtype:
            raise RuntimeError(f"{op}(): all tensors must have be the same dtype but tensor 0 "
                               f"is {_tname(ms[0]._dtype)} and tensor {i} is "
                               f"{_tname(m._dtype)}")
    for i in range(len(ms) - 1):
        if ms[i]._shape[1] != ms[i + 1]._shape[0]:
            raise RuntimeError(f"{op}(): tensors {i} and {i + 1} with shapes "
                               f"{list(ms[i].shape)} and {list(ms[i + 1].shape)} cannot be "
                               f"multiplied")
    dims = [m._shape[0] for m in ms] + [ms[-1]._shape[1]]
    split = _chain_order(dims)

    def prod(i, j):
        if i == j:
            return ms[i]
        k = split[i][j]
        return matmul(prod(i, k), prod(k + 1, j))

    r = prod(0, len(ms) - 1)
    if first_vec and last_vec:
        return r.reshape(())
    if first_vec:
        return r.squeeze(0)
    if last_vec:
        return r.squeeze(1)
    return r


@export("chain_matmul", method=False)
def chain_matmul(*matrices, out=None):
    """Product of 2-D matrices in the cheapest order (deprecated in PyTorch in favour of
    ``ember.linalg.multi_dot``)."""
    r = multi_dot_impl(matrices, "chain_matmul")
    return write_out(r, out) if out is not None else r


# -- torch.* aliases of ember.linalg functions ----------------------------------------------

@export("det")
def det(input):
    """Determinant of square matrices ``(*, n, n) -> (*)`` (``ember.linalg.det``)."""
    return _linalg().det(input)


@export("logdet")
def logdet(input):
    """``log(det(A))``: nan for a negative determinant, -inf for a zero one."""
    sign, logabs = _linalg().slogdet(input)
    if input._dtype.is_complex:
        return logabs + sign.log()
    from .elementwise import where
    nan = float("nan")
    return where(sign < 0, nan, where(sign == 0, float("-inf"), logabs))


@export("slogdet")
def slogdet(input):
    """``(sign, log|det|)`` (``ember.linalg.slogdet``)."""
    return _linalg().slogdet(input)


@export("inverse")
def inverse(input, *, out=None):
    """Inverse of square matrices (``ember.linalg.inv``)."""
    return _linalg().inv(input, out=out)


@export("matrix_power")
def matrix_power(input, n):
    """``input`` multiplied by itself ``n`` times (``ember.linalg.matrix_power``)."""
    return _linalg().matrix_power(input, n)


@export("matrix_exp")
def matrix_exp(input):
    """The matrix exponential (``ember.linalg.matrix_exp``)."""
    return _linalg().matrix_exp(input)


@export("pinverse")
def pinverse(input, rcond=1e-15):
    """Moore-Penrose pseudo-inverse, singular values below ``rcond * max`` dropped."""
    return _linalg().pinv(input, rtol=rcond)


@export("cholesky")
def cholesky(input, upper=False, *, out=None):
    """Cholesky factor (lower, or upper with ``upper=True``) of Hermitian positive-definite
    matrices (``ember.linalg.cholesky``)."""
    return _linalg().cholesky(input, upper=upper, out=out)


def _chol_factor(factor, upper):
    """The factor as lower triangular ``L``; only its triangle is read, but (as PyTorch) the
    gradient is that of the formula applied to the full matrix."""
    L = factor.mH if upper else factor
    lin = _linalg()
    return L - (L - lin._tril(L)).detach()


@export("cholesky_solve")
def cholesky_solve(input, input2, upper=False, *, out=None):
    """Solve ``A X = B`` given ``B`` (``input``, ``(*, n, k)``) and the Cholesky factor of
    ``A`` (``input2``, lower triangular, or upper with ``upper=True``)."""
    L = _chol_factor(input2, upper)
    r = _linalg().solve(matmul(L, L.mH), input)
    return write_out(r, out) if out is not None else r


@export("cholesky_inverse")
def cholesky_inverse(input, upper=False, *, out=None):
    """Inverse of ``A`` from its Cholesky factor (lower, or upper with ``upper=True``)."""
    L = _chol_factor(input, upper)
    r = _linalg().inv(matmul(L, L.mH))
    return write_out(r, out) if out is not None else r


@export("qr")
def qr(input, some=True, *, out=None):
    """``(Q, R)`` of ``input`` (reduced when ``some``, complete otherwise)."""
    q, r = _linalg().qr(input, mode="reduced" if some else "complete")
    return _QR(q, r)


@export("svd")
def svd(input, some=True, compute_uv=True, *, out=None):
    """``(U, S, V)`` with ``input = U diag(S) V^H`` (note ``V``, not ``V^H``, as
    ``torch.svd``); with ``compute_uv=False`` U and V are zero-filled."""
    lin = _linalg()
    if not compute_uv:
        s = lin.svdvals(input)
        from .._creation import zeros
        m, n = input._shape[-2:]
        b = tuple(input._shape[:-2])
        return _SVD(zeros(b + (m, m), dtype=input._dtype, device=input.device), s,
                    zeros(b + (n, n), dtype=input._dtype, device=input.device))
    u, s, vh = lin.svd(input, full_matrices=not some)
    return _SVD(u, s, vh.mH)
