"""ember-optim optimizers against torch.optim: 20-step trajectories for every optimizer and
option on one small regression problem (loss and gradients computed by each library), the
multi-tensor path against the per-parameter path (bit-identical), state_dict layout and
resume, argument errors, hooks, param groups, zero_grad, repr."""

import copy
import math
import warnings

import numpy as np
import pytest
import torch

import ember
import ember.optim._multi_tensor as mt

torch.set_num_threads(1)

# -- the problem ----------------------------------------------------------------------------
# loss = mean((X @ W + b - Y)^2) + 0.5 (s - 1)^2 + 0.1 sum(v^2) with a 0-d parameter s and a
# non-contiguous (transposed) parameter v, so flat buffers meet every layout.

_rng = np.random.default_rng(0)
X = _rng.standard_normal((8, 5)).astype(np.float32)
Y = _rng.standard_normal((8, 4)).astype(np.float32)
INIT = [_rng.standard_normal((5, 4)).astype(np.float32),
        _rng.standard_normal((4,)).astype(np.float32),
        np.float32(0.3),
        _rng.standard_normal((3, 2)).astype(np.float32)]


def make_params(lib):
    if lib is torch:
        ps = [torch.tensor(a) for a in INIT]
        ps[3] = torch.tensor(INIT[3].T.copy()).t()
    else:
        ps = [ember.tensor(a) for a in INIT]
        ps[3] = ember.tensor(INIT[3].T.copy()).t()
    for p in ps:
        p.requires_grad_(True)
    return ps


def loss_of(lib, ps, sign=1.0):
    W, b, s, v = ps
    x, y = lib.tensor(X), lib.tensor(Y)
    r = x @ W + b - y
    return sign * ((r * r).mean() + 0.5 * (s - 1.0) ** 2 + 0.1 * (v * v).sum())


def run(lib, cls_name, kwargs, steps=20, foreach=None, params=None, sign=1.0):
    ps = params if params is not None else make_params(lib)
    kw = dict(kwargs)
    if foreach is not None:
        kw["foreach"] = foreach
    opt = getattr(lib.optim, cls_name)(ps, **kw)
    for _ in range(steps):
        opt.zero_grad()
        loss_of(lib, ps, sign).backward()
        opt.step()
    return ps, opt


def arr(t):
    return t.detach().numpy().copy()


CASES = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.3, weight_decay=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True)),
    ("SGD", dict(lr=0.05, momentum=0.5, maximize=True)),
    ("Adam", dict(lr=0.05)),
    ("Adam", dict(lr=0.05, amsgrad=True)),
    ("Adam", dict(lr=0.05, weight_decay=0.1, betas=(0.8, 0.99))),
    ("Adam", dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True)),
    ("Adam", dict(lr=0.05, maximize=True, eps=1e-3)),
    ("AdamW", dict(lr=0.05)),
    ("AdamW", dict(lr=0.05, amsgrad=True, weight_decay=0.5)),
    ("Adamax", dict(lr=0.05)),
    ("Adamax", dict(lr=0.05, weight_decay=0.1, maximize=True)),
    ("NAdam", dict(lr=0.05)),
    ("NAdam", dict(lr=0.05, weight_decay=0.1, momentum_decay=0.01)),
    ("NAdam", dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True)),
    ("RAdam", dict(lr=0.05)),
    ("RAdam", dict(lr=0.05, weight_decay=0.1, betas=(0.9, 0.9))),
    ("RAdam", dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True, maximize=True)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, centered=True)),
    ("RMSprop", dict(lr=0.01, momentum=0.9, alpha=0.9)),
    ("RMSprop", dict(lr=0.01, centered=True, momentum=0.5, weight_decay=0.1, maximize=True)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.05, initial_accumulator_value=0.1)),
    ("Adagrad", dict(lr=0.1, weight_decay=0.1, eps=1e-5, maximize=True)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.8, weight_decay=0.1)),
    ("Adadelta", dict(maximize=True, eps=1e-4)),
    ("ASGD", dict(lr=0.05)),
    ("ASGD", dict(lr=0.05, lambd=1e-2, alpha=0.5, t0=5, weight_decay=0.1)),
    ("ASGD", dict(lr=0.05, t0=0, maximize=True)),
    ("Rprop", dict(lr=0.01)),
    ("Rprop", dict(lr=0.05, etas=(0.3, 1.5), step_sizes=(1e-3, 0.1))),
    ("Rprop", dict(lr=0.01, maximize=True)),
]


def _ids(case):
    name, kw = case
    return name + "-" + "-".join(f"{k}={v}" for k, v in kw.items())


@pytest.mark.parametrize("case", CASES, ids=[_ids(c) for c in CASES])
def test_trajectory_matches_torch(case):
    name, kw = case
    sign = -1.0 if kw.get("maximize") else 1.0
    tp, topt = run(torch, name, kw, sign=sign)
    ep, eopt = run(ember, name, kw, sign=sign)
    for t, e in zip(tp, ep, strict=False):
        np.testing.assert_allclose(arr(e), arr(t), rtol=1e-4, atol=2e-5)
    # same state layout, same values
    tsd, esd = topt.state_dict(), eopt.state_dict()
    assert list(esd) == ["state", "param_groups"]
    assert esd["param_groups"] == tsd["param_groups"]
    assert sorted(esd["state"]) == sorted(tsd["state"])
    for i, tst in tsd["state"].items():
        est = esd["state"][i]
        assert sorted(est) == sorted(tst), (i, sorted(est), sorted(tst))
        for k, v in tst.items():
            if isinstance(v, torch.Tensor):
                assert est[k].shape == tuple(v.shape) and str(est[k].dtype) == \
                    str(v.dtype).replace("torch", "ember")
                np.testing.assert_allclose(arr(est[k]), arr(v), rtol=1e-4, atol=2e-5)
    assert repr(eopt) == repr(topt)


@pytest.mark.parametrize("case", CASES[::3] + [CASES[6], CASES[11], CASES[23]],
                         ids=[_ids(c) for c in CASES[::3] + [CASES[6], CASES[11], CASES[23]]])
def test_multi_tensor_path_is_bit_identical(case):
    name, kw = case
    ref, _ = run(ember, name, kw, steps=6, foreach=False)
    flat, opt = run(ember, name, kw, steps=6, foreach=True)
    mt.USE_KERNELS = False
    try:
        generic, _ = run(ember, name, kw, steps=6, foreach=True)
    finally:
        mt.USE_KERNELS = True
    for a, b, c in zip(ref, flat, generic, strict=False):
        np.testing.assert_array_equal(arr(a), arr(b))
        np.testing.assert_array_equal(arr(a), arr(c))
    # per-parameter state tensors are views of the flat buffers, one per parameter
    st = opt.state[flat[0]]
    assert all(v.shape == flat[0].shape for k, v in st.items() if k not in ("step", "eta", "mu",
                                                                             "mu_product"))


def test_flat_path_pieces_and_kernel_many_params():
    # enough parameters for several pieces, with odd sizes, a big one and mixed dtypes
    rng = np.random.default_rng(1)
    shapes = [(70, 70)] * 30 + [(3,), (300, 300), (5, 7)]
    init = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    init.append(rng.standard_normal((4, 4)))                      # float64
    grads = [[rng.standard_normal(a.shape).astype(a.dtype) for a in init] for _ in range(3)]

    def go(foreach, kernels, **kw):
        mt.USE_KERNELS = kernels
        try:
            ps = [ember.tensor(a, requires_grad=True) for a in init]
            opt = ember.optim.Adam(ps, lr=0.01, foreach=foreach, **kw)
            for gs in grads:
                for p, g in zip(ps, gs, strict=False):
                    p.grad = ember.tensor(g)
                opt.step()
            return [arr(p) for p in ps]
        finally:
            mt.USE_KERNELS = True

    for kw in ({}, dict(amsgrad=True, weight_decay=0.1)):
        a, b, c = go(False, True, **kw), go(None, True, **kw), go(None, False, **kw)
        for x, y, z in zip(a, b, c, strict=False):
            np.testing.assert_array_equal(x, y)
            np.testing.assert_array_equal(x, z)
    # and against torch
    tps = [torch.tensor(a, requires_grad=True) for a in init]
    topt = torch.optim.Adam(tps, lr=0.01)
    for gs in grads:
        for p, g in zip(tps, gs, strict=False):
            p.grad = torch.tensor(g)
        topt.step()
    for x, t in zip(go(None, True), tps, strict=False):
        np.testing.assert_allclose(x, arr(t), rtol=1e-5, atol=1e-6)


def test_params_without_grad_and_late_params_fall_back_correctly():
    # a parameter that gets no gradient at some steps keeps a different step count: the flat
    # path must notice and still match torch
    tp, ep = make_params(torch), make_params(ember)
    topt, eopt = torch.optim.Adam(tp, lr=0.05), ember.optim.Adam(ep, lr=0.05)
    for i in range(8):
        for ps, opt, lib in ((tp, topt, torch), (ep, eopt, ember)):
            opt.zero_grad()
            loss_of(lib, ps).backward()
            if i % 3 == 1:
                ps[1].grad = None
            opt.step()
    for t, e in zip(tp, ep, strict=False):
        np.testing.assert_allclose(arr(e), arr(t), rtol=1e-4, atol=2e-5)
    assert eopt.state[ep[1]]["step"].item() == topt.state[tp[1]]["step"].item() == 5
    assert len(eopt._flat_cache) == 1          # stale flat buffers are not kept around


def test_sgd_first_momentum_buffer_and_no_state_without_momentum():
    _, opt = run(ember, "SGD", dict(lr=0.1), steps=2)
    assert opt.state_dict()["state"] == {}
    ps, opt = run(ember, "SGD", dict(lr=0.1, momentum=0.9), steps=1)
    assert sorted(opt.state_dict()["state"]) == [0, 1, 2, 3]


def test_sparse_adam_matches_torch_with_sparse_gradients():
    rng = np.random.default_rng(3)
    w0 = rng.standard_normal((6, 3)).astype(np.float32)
    tw = torch.tensor(w0, requires_grad=True)
    ew = ember.tensor(w0, requires_grad=True)
    topt = torch.optim.SparseAdam([tw], lr=0.1)
    eopt = ember.optim.SparseAdam([ew], lr=0.1)
    for _ in range(6):
        g = rng.standard_normal((6, 3)).astype(np.float32)
        g[rng.random(6) < 0.5] = 0                # rows not looked up this step
        tw.grad = torch.tensor(g).to_sparse()
        ew.grad = ember.tensor(g)
        topt.step()
        eopt.step()
        np.testing.assert_allclose(arr(ew), arr(tw), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(arr(eopt.state[ew]["exp_avg"]),
                               arr(topt.state[tw]["exp_avg"].to_dense()), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("kw", [dict(lr=0.5, max_iter=5),
                                dict(lr=1, line_search_fn="strong_wolfe"),
                                dict(lr=1, max_iter=4, history_size=2,
                                     line_search_fn="strong_wolfe")])
def test_lbfgs_matches_torch(kw):
    # float64 here: L-BFGS is a second-order method whose line search compares loss values
    # at the 1e-9 level, so float32 rounding differences would change its branch decisions
    def make(lib):
        ps = [lib.tensor(INIT[0].astype(np.float64)), lib.tensor(INIT[1].astype(np.float64))]
        for p in ps:
            p.requires_grad_(True)
        return ps

    def closure_for(lib, ps, opt):
        x, y = lib.tensor(X.astype(np.float64)), lib.tensor(Y.astype(np.float64))

        def closure():
            opt.zero_grad()
            r = x @ ps[0] + ps[1] - y
            loss = (r * r).mean() + 0.01 * (ps[0] ** 4).sum()
            loss.backward()
            return loss
        return closure

    results = []
    for lib in (torch, ember):
        ps = make(lib)
        opt = lib.optim.LBFGS(ps, **kw)
        c = closure_for(lib, ps, opt)
        losses = [float(opt.step(c).detach()) for _ in range(3)]
        st = opt.state[ps[0]]
        results.append((ps, losses, st["func_evals"], st["n_iter"], len(st["old_dirs"])))
    (tp, tl, tf, tn, th), (ep, el, ef, en, eh) = results
    assert (ef, en, eh) == (tf, tn, th)
    np.testing.assert_allclose(el, tl, rtol=1e-9)
    for t, e in zip(tp, ep, strict=False):
        np.testing.assert_allclose(arr(e), arr(t), rtol=1e-8, atol=1e-10)


def test_lbfgs_errors():
    ps = make_params(ember)
    with pytest.raises(ValueError, match="doesn't support per-parameter options"):
        ember.optim.LBFGS([{"params": ps[:1]}, {"params": ps[1:]}])
    opt = ember.optim.LBFGS(ps, line_search_fn="wolfe")

    def closure():
        opt.zero_grad()
        loss = loss_of(ember, ps)
        loss.backward()
        return loss
    with pytest.raises(RuntimeError, match="only 'strong_wolfe' is supported"):
        opt.step(closure)
    with pytest.raises(RuntimeError, match="requires a closure"):
        opt.step(None)


# -- state_dict -----------------------------------------------------------------------------

RESUME = ["SGD", "Adam", "AdamW", "Adamax", "NAdam", "RAdam", "RMSprop", "Adagrad", "Adadelta",
          "ASGD", "Rprop"]
RESUME_KW = {"SGD": dict(lr=0.05, momentum=0.9), "RMSprop": dict(lr=0.01, centered=True,
                                                                   momentum=0.5),
             "ASGD": dict(lr=0.05, t0=3), "Adam": dict(lr=0.05, amsgrad=True)}


@pytest.mark.parametrize("name", RESUME)
def test_state_dict_resume_gives_identical_trajectory(name):
    kw = RESUME_KW.get(name, dict(lr=0.05))
    sched = lambda opt: ember.optim.lr_scheduler.StepLR(opt, step_size=3, gamma=0.7)  # noqa

    def steps(ps, opt, sch, n):
        for _ in range(n):
            opt.zero_grad()
            loss_of(ember, ps).backward()
            opt.step()
            sch.step()

    ps = make_params(ember)
    opt = getattr(ember.optim, name)(ps, **kw)
    sch = sched(opt)
    steps(ps, opt, sch, 7)
    saved = copy.deepcopy({"params": [arr(p) for p in ps], "opt": opt.state_dict(),
                           "sch": sch.state_dict()})
    steps(ps, opt, sch, 6)

    ps2 = make_params(ember)
    with ember.no_grad():
        for p, a in zip(ps2, saved["params"], strict=False):
            p.copy_(ember.tensor(a))
    opt2 = getattr(ember.optim, name)(ps2, **kw)
    sch2 = sched(opt2)
    opt2.load_state_dict(saved["opt"])
    sch2.load_state_dict(saved["sch"])
    steps(ps2, opt2, sch2, 6)
    for a, b in zip(ps, ps2, strict=False):
        np.testing.assert_array_equal(arr(a), arr(b))
    assert sch2.get_last_lr() == sch.get_last_lr()
    assert opt2.param_groups[0]["lr"] == opt.param_groups[0]["lr"]


def test_state_dict_loads_torch_layout_and_casts():
    tp = make_params(torch)
    topt = torch.optim.Adam(tp, lr=0.05)
    for _ in range(3):
        topt.zero_grad()
        loss_of(torch, tp).backward()
        topt.step()
    tsd = topt.state_dict()
    esd = {"state": {i: {k: ember.tensor(v.numpy().astype(np.float64)) if k != "step"
                         else ember.tensor(v.numpy()) for k, v in st.items()}
                     for i, st in tsd["state"].items()},
           "param_groups": copy.deepcopy(tsd["param_groups"])}
    ep = make_params(ember)
    with ember.no_grad():
        for p, t in zip(ep, tp, strict=False):
            p.copy_(ember.tensor(arr(t)))
    eopt = ember.optim.Adam(ep, lr=0.05)
    eopt.load_state_dict(esd)
    assert eopt.state[ep[0]]["exp_avg"].dtype == ember.float32      # cast to the param dtype
    assert eopt.state[ep[0]]["step"].item() == 3
    for _ in range(3):
        for ps, opt, lib in ((tp, topt, torch), (ep, eopt, ember)):
            opt.zero_grad()
            loss_of(lib, ps).backward()
            opt.step()
    for t, e in zip(tp, ep, strict=False):
        np.testing.assert_allclose(arr(e), arr(t), rtol=1e-5, atol=1e-6)


def test_load_state_dict_errors():
    ps = make_params(ember)
    opt = ember.optim.SGD([{"params": ps[:2]}, {"params": ps[2:]}], lr=0.1)
    sd = opt.state_dict()
    assert [g["params"] for g in sd["param_groups"]] == [[0, 1], [2, 3]]
    other = ember.optim.SGD(ps, lr=0.1)
    with pytest.raises(ValueError, match="different number of parameter groups"):
        other.load_state_dict(sd)
    other = ember.optim.SGD([{"params": ps[:1]}, {"params": ps[1:]}], lr=0.1)
    with pytest.raises(ValueError, match="doesn't match the size of optimizer's group"):
        other.load_state_dict(sd)


def test_state_dict_hooks():
    ps = make_params(ember)
    opt = ember.optim.SGD(ps, lr=0.1)
    calls = []
    opt.register_state_dict_pre_hook(lambda o: calls.append("pre"))
    opt.register_state_dict_post_hook(lambda o, sd: {**sd, "extra": 1})
    sd = opt.state_dict()
    assert calls == ["pre"] and sd["extra"] == 1
    opt.register_load_state_dict_pre_hook(lambda o, sd: calls.append("lpre"))
    h = opt.register_load_state_dict_post_hook(lambda o: calls.append("lpost"))
    opt.load_state_dict(sd)
    assert calls == ["pre", "lpre", "lpost"]
    h.remove()
    opt.load_state_dict(sd)
    assert calls == ["pre", "lpre", "lpost", "lpre"]


# -- the base class -------------------------------------------------------------------------

def test_step_hooks_and_closure():
    ps = make_params(ember)
    opt = ember.optim.Adam(ps, lr=0.1)
    seen = []
    h1 = opt.register_step_pre_hook(lambda o, a, k: seen.append(("pre", a, dict(k))))
    h2 = opt.register_step_post_hook(lambda o, a, k: seen.append(("post", a, dict(k))))
    g = ember.optim.optimizer.register_optimizer_step_pre_hook(
        lambda o, a, k: seen.append(("global", type(o).__name__)))

    def closure():
        opt.zero_grad()
        loss = loss_of(ember, ps)
        loss.backward()
        return loss
    loss = opt.step(closure)
    assert float(loss) == pytest.approx(float(loss_of(torch, make_params(torch)).detach()),
                                        rel=1e-6)
    assert [s[0] for s in seen] == ["global", "pre", "post"]
    assert seen[1][1] == (closure,)
    h1.remove(), h2.remove(), g.remove()
    opt.step(closure)
    assert len(seen) == 3

    # a pre-hook may replace the arguments
    opt.register_step_pre_hook(lambda o, a, k: ((), {"closure": closure}))
    assert opt.step() is not None
    opt.register_step_pre_hook(lambda o, a, k: 5)
    with pytest.raises(RuntimeError, match="must return None or a tuple"):
        opt.step()


def test_hooks_run_once_with_super_step():
    class Mine(ember.optim.SGD):
        def step(self, closure=None):
            self.count = getattr(self, "count", 0) + 1
            return super().step(closure)
    ps = make_params(ember)
    opt = Mine(ps, lr=0.1)
    n = []
    opt.register_step_pre_hook(lambda o, a, k: n.append(1))
    loss_of(ember, ps).backward()
    opt.step()
    assert n == [1] and opt.count == 1


def test_zero_grad():
    ps = make_params(ember)
    opt = ember.optim.SGD(ps, lr=0.1)
    loss_of(ember, ps).backward()
    opt.zero_grad(set_to_none=False)
    assert all(p.grad is not None and float(p.grad.abs().sum()) == 0 for p in ps)
    opt.zero_grad()
    assert all(p.grad is None for p in ps)


def test_param_groups_defaults_and_named_params():
    ps = make_params(ember)
    opt = ember.optim.SGD([{"params": ps[:2]}, {"params": ps[2:], "lr": 0.5}], lr=0.1,
                          momentum=0.9)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.5]
    assert opt.param_groups[1]["momentum"] == 0.9
    tps = make_params(torch)
    topt = torch.optim.SGD([{"params": tps[:2]}, {"params": tps[2:], "lr": 0.5}], lr=0.1,
                           momentum=0.9)
    assert repr(opt) == repr(topt)
    for _ in range(3):
        for p, o, lib in ((ps, opt, ember), (tps, topt, torch)):
            o.zero_grad()
            loss_of(lib, p).backward()
            o.step()
    for t, e in zip(tps, ps, strict=False):
        np.testing.assert_allclose(arr(e), arr(t), rtol=1e-5, atol=1e-6)

    named = ember.optim.Adam([("w", ps[0]), ("b", ps[1])])
    tnamed = torch.optim.Adam([("w", tps[0]), ("b", tps[1])])
    assert named.state_dict()["param_groups"] == tnamed.state_dict()["param_groups"]
    with pytest.raises(ValueError, match="all optimizer param groups should be with/without"):
        named.add_param_group({"params": [ps[2]]})

    opt = ember.optim.SGD(ps[:2], lr=0.1)
    opt.add_param_group({"params": ps[2], "lr": 0.01})
    assert opt.param_groups[1]["params"] == [ps[2]] and opt.param_groups[1]["momentum"] == 0
    with pytest.raises(ValueError, match="some parameters appear in more than one"):
        opt.add_param_group({"params": [ps[0]]})


def test_optimizer_argument_errors():
    ps = make_params(ember)
    with pytest.raises(TypeError, match="should be an iterable of Tensors or dicts, but got "
                                        "ember.FloatTensor"):
        ember.optim.SGD(ps[0])
    with pytest.raises(ValueError, match="optimizer got an empty parameter list"):
        ember.optim.SGD([])
    with pytest.raises(TypeError, match="optimizer can only optimize Tensors, but one of the "
                                        "params is int"):
        ember.optim.SGD([1])
    with pytest.raises(ValueError, match="can't optimize a non-leaf Tensor"):
        ember.optim.SGD([ps[0] * 2])
    with pytest.raises(TypeError, match="ordered collections"):
        ember.optim.SGD([{"params": {ps[0]}}])
    with pytest.raises(TypeError, match="param_group must be a dict"):
        ember.optim.SGD(ps[:1]).add_param_group([ps[1]])
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        ember.optim.SGD([ps[0], ps[0]])
    assert any("duplicate parameters" in str(x.message) for x in w)

    class NeedsLR(ember.optim.Optimizer):
        def __init__(self, params):
            super().__init__(params, {"lr": ember.optim.optimizer.required})
    with pytest.raises(ValueError, match="didn't specify a value of required optimization "
                                         "parameter lr"):
        NeedsLR(ps)
    with pytest.raises(NotImplementedError):
        ember.optim.Optimizer(ps, {}).step()


BAD = [("lr", -1), ("eps", -1), ("betas", (1.0, 0.9)), ("betas", (0.9, 1.5)),
       ("weight_decay", -1), ("momentum", -1), ("alpha", -1), ("rho", 2), ("lr_decay", -1),
       ("initial_accumulator_value", -1), ("etas", (1.5, 1.2)), ("momentum_decay", -1)]
NAMES = ["SGD", "Adam", "AdamW", "Adamax", "NAdam", "RAdam", "RMSprop", "Adagrad", "Adadelta",
         "ASGD", "Rprop", "LBFGS", "SparseAdam"]


@pytest.mark.parametrize("name", NAMES)
def test_argument_checks_match_torch_messages(name):
    import inspect
    sig = inspect.signature(getattr(torch.optim, name).__init__).parameters
    esig = inspect.signature(getattr(ember.optim, name).__init__).parameters
    assert list(esig) == list(sig)
    assert [p.default for p in esig.values()] == [p.default for p in sig.values()]
    tp, ep = torch.zeros(2, requires_grad=True), ember.zeros(2, requires_grad=True)
    for key, bad in BAD:
        if key not in sig:
            continue
        try:
            getattr(torch.optim, name)([tp], **{key: bad})
        except Exception as exc:
            err = exc
        else:                                     # torch accepts it: so must ember
            getattr(ember.optim, name)([ep], **{key: bad})
            continue
        with pytest.raises(type(err), match="^" + __import__("re").escape(str(err))):
            getattr(ember.optim, name)([ep], **{key: bad})
    if "fused" in sig:
        for kw in (dict(fused=True, foreach=True), dict(fused=True, differentiable=True)):
            with pytest.raises(RuntimeError) as te:
                getattr(torch.optim, name)([tp], **kw)
            with pytest.raises(RuntimeError, match=__import__("re").escape(str(te.value))):
                getattr(ember.optim, name)([ep], **kw)
    if name == "SGD":
        with pytest.raises(ValueError, match="Nesterov momentum requires a momentum and zero "
                                             "dampening"):
            ember.optim.SGD([ep], nesterov=True)


def test_complex_params_sgd_and_clear_error_elsewhere():
    tz = torch.tensor([1 + 2j, -0.5j], dtype=torch.complex64, requires_grad=True)
    ez = ember.tensor([1 + 2j, -0.5j], dtype=ember.complex64, requires_grad=True)
    topt = torch.optim.SGD([tz], lr=0.1, momentum=0.9)
    eopt = ember.optim.SGD([ez], lr=0.1, momentum=0.9)
    for _ in range(3):
        tz.grad = torch.tensor([0.5 - 1j, 2 + 0j])
        ez.grad = ember.tensor([0.5 - 1j, 2 + 0j], dtype=ember.complex64)
        topt.step()
        eopt.step()
    np.testing.assert_allclose(arr(ez), arr(tz), rtol=1e-6)
    opt = ember.optim.Adam([ez])
    with pytest.raises(NotImplementedError, match="Adam: complex parameters"):
        opt.step()


def test_differentiable_step_records_graph():
    # differentiable=True runs the update with grad mode on (per-parameter path), so the
    # new parameters are a function of a (non-leaf) parameter and of the learning rate input
    base = ember.tensor([1.0, -2.0], requires_grad=True)
    p = base * 1.0
    p.retain_grad()
    opt = ember.optim.SGD([p], lr=0.1, momentum=0.5, differentiable=True)
    p.grad = ember.tensor([0.5, 0.5])
    opt.step()
    p.sum().backward()
    np.testing.assert_allclose(arr(base.grad), [1.0, 1.0])
    np.testing.assert_allclose(arr(p.detach()), [0.95, -2.05], rtol=1e-6)


def test_pickle_and_deepcopy_optimizer():
    ps, opt = run(ember, "Adam", dict(lr=0.05), steps=3)
    clone = copy.deepcopy(opt)
    assert clone.state_dict()["param_groups"] == opt.state_dict()["param_groups"]
    assert len(clone.state) == 4
    assert repr(clone) == repr(opt)


def test_adam_step_speed_ratio_smoke():
    """Not a timing assertion: the flat path runs a 200-parameter Adam step and matches torch
    (the ratio itself is measured by bench/, see the report)."""
    rng = np.random.default_rng(0)
    init = [rng.standard_normal((64, 64)).astype(np.float32) for _ in range(200)]
    grads = [rng.standard_normal((64, 64)).astype(np.float32) for _ in range(200)]
    tp = [torch.tensor(a, requires_grad=True) for a in init]
    ep = [ember.tensor(a, requires_grad=True) for a in init]
    for t, e, g in zip(tp, ep, grads, strict=False):
        t.grad, e.grad = torch.tensor(g), ember.tensor(g)
    topt, eopt = torch.optim.Adam(tp, lr=1e-3), ember.optim.Adam(ep, lr=1e-3)
    for _ in range(3):
        topt.step()
        eopt.step()
    for t, e in zip(tp[::37], ep[::37], strict=False):
        np.testing.assert_allclose(arr(e), arr(t), rtol=1e-5, atol=1e-6)
    assert math.isclose(eopt.state[ep[0]]["step"].item(), 3)
