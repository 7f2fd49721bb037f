"""Normalization functionals and layers against torch: values and gradients, train/eval
differences, running statistics over several steps (momentum and cumulative average), buffers,
state_dict keys, reprs, old checkpoints and error messages."""

import warnings

import numpy as np
import pytest
import torch
import torch.nn as tnn
import torch.nn.functional as TF

import ember
import ember.nn as enn
import ember.nn.functional as EF
from nn_compare import assert_close, compare, compare_module, copy_weights, same_repr, to_ember


def rnd(*shape, seed=0, rg=True, dtype=torch.float64):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(*shape, generator=g, dtype=dtype).requires_grad_(rg)


# -- functionals ----------------------------------------------------------------------------

@pytest.mark.parametrize("shape", [(6, 3), (4, 3, 5), (4, 3, 5, 6), (2, 3, 2, 3, 4)])
@pytest.mark.parametrize("affine", [True, False])
def test_batch_norm_functional_training(shape, affine):
    x = rnd(*shape, seed=1)
    w, b = (rnd(3, seed=2), rnd(3, seed=3)) if affine else (None, None)
    rm_e, rv_e = ember.zeros(3, dtype=ember.float64), ember.ones(3, dtype=ember.float64)
    rm_t, rv_t = torch.zeros(3, dtype=torch.float64), torch.ones(3, dtype=torch.float64)
    compare(lambda x_, w_, b_: EF.batch_norm(x_, rm_e, rv_e, w_, b_, True, 0.3),
            lambda x_, w_, b_: TF.batch_norm(x_, rm_t, rv_t, w_, b_, True, 0.3), [x, w, b])
    assert_close(rm_e, rm_t, 1e-12, 1e-12)
    assert_close(rv_e, rv_t, 1e-12, 1e-12)
    # evaluation uses the running statistics
    compare(lambda x_, w_, b_: EF.batch_norm(x_, rm_e, rv_e, w_, b_, False),
            lambda x_, w_, b_: TF.batch_norm(x_, rm_t, rv_t, w_, b_, False), [x, w, b])


def test_batch_norm_functional_without_running_stats():
    x = rnd(5, 3, 4)
    compare(lambda a: EF.batch_norm(a, None, None, training=True),
            lambda a: TF.batch_norm(a, None, None, training=True), [x])


@pytest.mark.parametrize("nshape", [(6,), (5, 6)])
@pytest.mark.parametrize("affine", ["both", "weight", None])
def test_layer_norm(nshape, affine):
    x = rnd(3, 5, 6, seed=4)
    w = rnd(*nshape, seed=5) if affine else None
    b = rnd(*nshape, seed=6) if affine == "both" else None
    compare(lambda *a: EF.layer_norm(a[0], nshape, a[1], a[2], 1e-3),
            lambda *a: TF.layer_norm(a[0], nshape, a[1], a[2], 1e-3), [x, w, b])


@pytest.mark.parametrize("groups", [1, 2, 6])
def test_group_norm(groups):
    x, w, b = rnd(3, 6, 4, 5, seed=7), rnd(6, seed=8), rnd(6, seed=9)
    compare(lambda *a: EF.group_norm(a[0], groups, a[1], a[2]),
            lambda *a: TF.group_norm(a[0], groups, a[1], a[2]), [x, w, b])
    compare(lambda a: EF.group_norm(a, groups), lambda a: TF.group_norm(a, groups), [x[:, :, 0]])


def test_instance_norm_functional():
    x, w, b = rnd(3, 4, 5, 6, seed=10), rnd(4, seed=11), rnd(4, seed=12)
    compare(lambda *a: EF.instance_norm(a[0], weight=a[1], bias=a[2]),
            lambda *a: TF.instance_norm(a[0], weight=a[1], bias=a[2]), [x, w, b])
    rm_e, rv_e = ember.zeros(4, dtype=ember.float64), ember.ones(4, dtype=ember.float64)
    rm_t, rv_t = torch.zeros(4, dtype=torch.float64), torch.ones(4, dtype=torch.float64)
    compare(lambda a: EF.instance_norm(a, rm_e, rv_e, momentum=0.2),
            lambda a: TF.instance_norm(a, rm_t, rv_t, momentum=0.2), [x])
    assert_close(rm_e, rm_t, 1e-12, 1e-12)
    assert_close(rv_e, rv_t, 1e-12, 1e-12)
    compare(lambda a: EF.instance_norm(a, rm_e, rv_e, use_input_stats=False),
            lambda a: TF.instance_norm(a, rm_t, rv_t, use_input_stats=False), [x])


@pytest.mark.parametrize("eps", [None, 1e-3])
def test_rms_norm(eps):
    x, w = rnd(3, 5, 6, seed=13), rnd(5, 6, seed=14)
    compare(lambda a, b: EF.rms_norm(a, (5, 6), b, eps),
            lambda a, b: TF.rms_norm(a, (5, 6), b, eps), [x, w])
    x32 = rnd(4, 8, seed=15, dtype=torch.float32)
    compare(lambda a: EF.rms_norm(a, (8,)), lambda a: TF.rms_norm(a, (8,)), [x32], rtol=1e-5,
            atol=1e-6)


@pytest.mark.parametrize("shape", [(2, 6, 7), (2, 6, 4, 5), (2, 6, 3, 4, 5)])
def test_local_response_norm(shape):
    x = rnd(*shape, seed=16)
    for size in (2, 3):
        compare(lambda a, size=size: EF.local_response_norm(a, size, 1e-2, 0.7, 2.0),
                lambda a, size=size: TF.local_response_norm(a, size, 1e-2, 0.7, 2.0), [x])


def test_norm_functional_errors():
    with pytest.raises(ValueError, match="Expected more than 1 value per channel when training"):
        EF.batch_norm(ember.randn(1, 3), None, None, training=True)
    with pytest.raises(RuntimeError, match=r"Given normalized_shape=\[10\], expected input with "
                                           r"shape \[\*, 10\], but got input of size\[3, 5\]"):
        EF.layer_norm(ember.randn(3, 5), (10,))
    with pytest.raises(RuntimeError, match="Expected number of channels in input to be "
                                           "divisible by num_groups"):
        EF.group_norm(ember.randn(2, 5, 3), 2)
    with pytest.raises(RuntimeError, match="running_mean and running_var must be defined"):
        EF.batch_norm(ember.randn(4, 3), None, None, training=False)
    with pytest.raises(RuntimeError, match="expected weight to have 3 elements"):
        EF.batch_norm(ember.randn(4, 3), None, None, ember.ones(4), training=True)


# -- BatchNorm layers -----------------------------------------------------------------------

def _bn_pair(cls, *a, **k):
    e = getattr(enn, cls)(*a, dtype=ember.float64, **k)
    t = getattr(tnn, cls)(*a, dtype=torch.float64, **k)
    return e, t


def _check_buffers(e, t):
    be, bt = dict(e.named_buffers()), dict(t.named_buffers())
    assert list(be) == list(bt)
    for k in bt:
        assert_close(be[k], bt[k], 1e-12, 1e-12, k)


@pytest.mark.parametrize("cls,shape", [("BatchNorm1d", (8, 4)), ("BatchNorm1d", (8, 4, 5)),
                                       ("BatchNorm2d", (6, 4, 3, 5)),
                                       ("BatchNorm3d", (4, 4, 2, 3, 2))])
@pytest.mark.parametrize("momentum", [0.1, None])
def test_batchnorm_running_stats_over_steps(cls, shape, momentum):
    e, t = _bn_pair(cls, 4, momentum=momentum)
    assert same_repr(e, t)
    assert list(e.state_dict()) == list(t.state_dict())
    copy_weights(e, t)
    for step in range(4):
        x = rnd(*shape, seed=20 + step)
        compare_module(e, t, x) if step == 0 else assert_close(e(to_ember(x)), t(x), 1e-10,
                                                               1e-10)
        _check_buffers(e, t)
    assert int(e.num_batches_tracked.item()) == 4
    e.eval()
    t.eval()
    x = rnd(*shape, seed=30)
    compare_module(e, t, x)
    _check_buffers(e, t)                 # evaluation leaves the buffers alone
    assert int(e.num_batches_tracked.item()) == 4


def test_batchnorm_train_eval_differ():
    e = enn.BatchNorm2d(3)
    x = ember.randn(8, 3, 4, 4) * 3 + 1
    y_train = e(x)
    e.eval()
    y_eval = e(x)
    assert float((y_train - y_eval).abs().max()) > 0.1
    m = y_train.mean((0, 2, 3))
    assert float(m.abs().max()) < 1e-5


def test_batchnorm_no_tracking_and_no_affine():
    e, t = _bn_pair("BatchNorm2d", 3, affine=False, track_running_stats=False)
    assert same_repr(e, t)
    assert list(e.state_dict()) == list(t.state_dict()) == []
    assert e.running_mean is None and e.num_batches_tracked is None
    x = rnd(4, 3, 2, 2)
    compare_module(e, t, x)
    e.eval()
    t.eval()
    compare_module(e, t, x)            # still batch statistics in evaluation
    e2, t2 = _bn_pair("BatchNorm1d", 3, bias=False)
    assert same_repr(e2, t2) and list(e2.state_dict()) == list(t2.state_dict())
    compare_module(e2, t2, rnd(5, 3))


def test_batchnorm_buffers_and_reset():
    e = enn.BatchNorm1d(3)
    assert e.num_batches_tracked.dtype is ember.int64 and e.num_batches_tracked.dim() == 0
    assert [n for n, _ in e.named_buffers()] == ["running_mean", "running_var",
                                                 "num_batches_tracked"]
    e(ember.randn(4, 3))
    e.reset_running_stats()
    assert float(e.running_mean.abs().sum()) == 0 and float(e.running_var.sum()) == 3
    assert int(e.num_batches_tracked.item()) == 0


def test_batchnorm_loads_checkpoint_without_num_batches_tracked():
    e = enn.BatchNorm2d(3)
    sd = e.state_dict()
    del sd["num_batches_tracked"]
    sd._metadata[""]["version"] = 1
    e.load_state_dict(sd)
    with pytest.raises(RuntimeError, match="num_batches_tracked"):
        sd2 = e.state_dict()
        del sd2["num_batches_tracked"]
        e.load_state_dict(sd2)


def test_batchnorm_input_dim_errors():
    with pytest.raises(ValueError, match=r"expected 4D input \(got 3D input\)"):
        enn.BatchNorm2d(3)(ember.randn(2, 3, 4))
    with pytest.raises(ValueError, match=r"expected 2D or 3D input \(got 4D input\)"):
        enn.BatchNorm1d(3)(ember.randn(2, 3, 4, 4))


# -- InstanceNorm, LayerNorm, GroupNorm, RMSNorm, LRN layers ---------------------------------

@pytest.mark.parametrize("cls,shape", [("InstanceNorm1d", (3, 4, 6)),
                                       ("InstanceNorm2d", (3, 4, 3, 5)),
                                       ("InstanceNorm3d", (2, 4, 2, 3, 2))])
def test_instancenorm_layers(cls, shape):
    e, t = _bn_pair(cls, 4)
    assert same_repr(e, t) and list(e.state_dict()) == list(t.state_dict())
    compare_module(e, t, rnd(*shape, seed=40))
    compare_module(e, t, rnd(*shape[1:], seed=41))           # unbatched
    e, t = _bn_pair(cls, 4, affine=True, track_running_stats=True)
    assert same_repr(e, t) and list(e.state_dict()) == list(t.state_dict())
    copy_weights(e, t)
    for step in range(3):
        x = rnd(*shape, seed=42 + step)
        assert_close(e(to_ember(x)), t(x), 1e-10, 1e-10)
        _check_buffers(e, t)
    e.eval()
    t.eval()
    compare_module(e, t, rnd(*shape, seed=50))
    with pytest.raises(ValueError, match="to match num_features"):
        e(ember.randn(*((shape[0], 5) + shape[2:]), dtype=ember.float64))


def test_instancenorm_mismatch_warns_without_affine():
    with pytest.warns(UserWarning, match="does not match num_features"):
        enn.InstanceNorm1d(3)(ember.randn(2, 4, 5))


def test_layernorm_groupnorm_rmsnorm_lrn_layers():
    cases = [("LayerNorm", ((5, 6),), {}, (3, 5, 6)), ("LayerNorm", (6,), dict(bias=False),
                                                       (3, 5, 6)),
             ("LayerNorm", (6,), dict(elementwise_affine=False, eps=1e-3), (3, 5, 6)),
             ("GroupNorm", (2, 6), {}, (3, 6, 4)), ("GroupNorm", (3, 6), dict(affine=False),
                                                    (3, 6, 2, 2)),
             ("GroupNorm", (3, 6), dict(bias=False), (3, 6, 2)),
             ("RMSNorm", ([5, 6],), {}, (3, 5, 6)), ("RMSNorm", (6,), dict(eps=1e-4), (2, 6)),
             ("RMSNorm", (6,), dict(elementwise_affine=False), (2, 6))]
    for name, a, k, shape in cases:
        e, t = _bn_pair(name, *a, **k)
        assert same_repr(e, t), (repr(e), repr(t))
        assert list(e.state_dict()) == list(t.state_dict())
        if e.weight is not None:                 # non-trivial affine parameters
            with torch.no_grad():
                t.weight.copy_(rnd(*t.weight.shape, seed=60, rg=False))
                if getattr(t, "bias", None) is not None:
                    t.bias.copy_(rnd(*t.bias.shape, seed=61, rg=False))
        compare_module(e, t, rnd(*shape, seed=62))
    e, t = enn.LocalResponseNorm(3, 1e-3, 0.8, 1.5), tnn.LocalResponseNorm(3, 1e-3, 0.8, 1.5)
    assert same_repr(e, t)
    compare_module(e, t, rnd(2, 5, 4, 4, seed=63))
    with pytest.raises(ValueError, match="num_channels must be divisible by num_groups"):
        enn.GroupNorm(4, 6)


def test_norm_default_init():
    for m in (enn.BatchNorm2d(4), enn.LayerNorm(4), enn.GroupNorm(2, 4), enn.RMSNorm(4),
              enn.InstanceNorm2d(4, affine=True)):
        assert float(m.weight.sum()) == 4
        if getattr(m, "bias", None) is not None:
            assert float(m.bias.abs().sum()) == 0
    bn = enn.BatchNorm2d(4)
    assert float(bn.running_var.sum()) == 4 and float(bn.running_mean.abs().sum()) == 0


def test_float32_batchnorm_matches():
    e, t = enn.BatchNorm2d(3), tnn.BatchNorm2d(3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        compare_module(e, t, rnd(4, 3, 5, 5, dtype=torch.float32), rtol=1e-4, atol=1e-5)
    assert_close(e.running_var, t.running_var, 1e-5, 1e-6)
    np.testing.assert_equal(e.num_batches_tracked.item(), t.num_batches_tracked.item())
