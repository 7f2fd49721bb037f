"""ember.optim.lr_scheduler against torch.optim.lr_scheduler: the learning rate (and cycled
momentum) of every scheduler over 100 steps with two param groups, state_dict round trips
mid-run, the closed forms, warnings and argument errors."""

import copy
import pickle
import warnings

import numpy as np
import pytest
import torch

import ember


class Halving:
    """A picklable callable object with state (LambdaLR saves its __dict__)."""

    def __init__(self, base=0.97):
        self.base = base

    def __call__(self, epoch):
        return self.base ** epoch


def make_opt(lib, name="SGD", **kw):
    ps = [lib.zeros(3, requires_grad=True), lib.zeros(2, requires_grad=True)]
    groups = [{"params": ps[:1]}, {"params": ps[1:], "lr": 0.05}]
    if name == "SGD":
        return getattr(lib.optim, name)(groups, lr=0.1, momentum=0.9, **kw)
    return getattr(lib.optim, name)(groups, lr=0.1, **kw)


def sched_of(lib, kind, opt):
    S = lib.optim.lr_scheduler
    if kind == "LambdaLR":
        return S.LambdaLR(opt, [lambda e: 0.95 ** e, Halving()])
    if kind == "MultiplicativeLR":
        return S.MultiplicativeLR(opt, lambda e: 0.97 if e % 2 else 1.01)
    if kind == "StepLR":
        return S.StepLR(opt, step_size=7, gamma=0.5)
    if kind == "MultiStepLR":
        return S.MultiStepLR(opt, milestones=[10, 30, 30, 75], gamma=0.3)
    if kind == "ConstantLR":
        return S.ConstantLR(opt, factor=0.25, total_iters=12)
    if kind == "LinearLR":
        return S.LinearLR(opt, start_factor=0.2, end_factor=0.9, total_iters=40)
    if kind == "ExponentialLR":
        return S.ExponentialLR(opt, gamma=0.96)
    if kind == "PolynomialLR":
        return S.PolynomialLR(opt, total_iters=60, power=2.0)
    if kind == "CosineAnnealingLR":
        return S.CosineAnnealingLR(opt, T_max=30, eta_min=0.001)
    if kind == "CosineAnnealingWarmRestarts":
        return S.CosineAnnealingWarmRestarts(opt, T_0=8, T_mult=2, eta_min=0.002)
    if kind == "CyclicLR":
        return S.CyclicLR(opt, base_lr=[0.01, 0.02], max_lr=0.2, step_size_up=9,
                          step_size_down=5, mode="triangular2")
    if kind == "CyclicLR-exp":
        return S.CyclicLR(opt, base_lr=0.01, max_lr=0.2, step_size_up=6, mode="exp_range",
                          gamma=0.98)
    if kind == "CyclicLR-custom":
        return S.CyclicLR(opt, base_lr=0.01, max_lr=0.1, step_size_up=5, scale_fn=Halving(0.9),
                          scale_mode="iterations", cycle_momentum=False)
    if kind == "OneCycleLR":
        return S.OneCycleLR(opt, max_lr=[0.3, 0.2], total_steps=101)
    if kind == "OneCycleLR-3":
        return S.OneCycleLR(opt, max_lr=0.3, epochs=10, steps_per_epoch=11, pct_start=0.25,
                            anneal_strategy="linear", three_phase=True)
    if kind == "SequentialLR":
        return S.SequentialLR(opt, [S.LinearLR(opt, start_factor=0.1, total_iters=10),
                                    S.ExponentialLR(opt, gamma=0.95),
                                    S.CosineAnnealingLR(opt, T_max=20)], milestones=[10, 50])
    if kind == "ChainedScheduler":
        return S.ChainedScheduler([S.ConstantLR(opt, factor=0.5, total_iters=15),
                                   S.ExponentialLR(opt, gamma=0.97),
                                   S.StepLR(opt, step_size=20, gamma=0.5)])
    raise KeyError(kind)


KINDS = ["LambdaLR", "MultiplicativeLR", "StepLR", "MultiStepLR", "ConstantLR", "LinearLR",
         "ExponentialLR", "PolynomialLR", "CosineAnnealingLR", "CosineAnnealingWarmRestarts",
         "CyclicLR", "CyclicLR-exp", "CyclicLR-custom", "OneCycleLR", "OneCycleLR-3",
         "SequentialLR", "ChainedScheduler"]


def trace(lib, kind, steps=100, opt_name="SGD"):
    opt = make_opt(lib, opt_name)
    s = sched_of(lib, kind, opt)
    out = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(steps):
            opt.step()
            s.step()
            g = opt.param_groups
            out.append([g[0]["lr"], g[1]["lr"], g[0].get("momentum"), g[1].get("momentum"),
                        *(x for x in s.get_last_lr())])
    return out, opt, s


@pytest.mark.parametrize("kind", KINDS)
def test_lr_sequence_matches_torch(kind):
    t, topt, ts = trace(torch, kind)
    e, eopt, es = trace(ember, kind)
    np.testing.assert_allclose(np.array(e, dtype=float), np.array(t, dtype=float), rtol=1e-12,
                               atol=1e-15)
    assert [g.get("initial_lr") for g in eopt.param_groups] == \
           [g.get("initial_lr") for g in topt.param_groups]
    assert sorted(es.state_dict()) == sorted(ts.state_dict())


@pytest.mark.parametrize("kind", ["CyclicLR", "OneCycleLR"])
def test_beta1_cycling_with_adam(kind):
    t, topt, _ = trace(torch, kind, steps=40, opt_name="Adam")
    e, eopt, _ = trace(ember, kind, steps=40, opt_name="Adam")
    np.testing.assert_allclose(np.array([r[:2] for r in e]), np.array([r[:2] for r in t]),
                               rtol=1e-12)
    assert eopt.param_groups[0]["betas"] == pytest.approx(topt.param_groups[0]["betas"])


@pytest.mark.parametrize("kind", KINDS)
def test_state_dict_round_trip_mid_run(kind):
    opt = make_opt(ember)
    s = sched_of(ember, kind, opt)
    lrs = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(37):
            opt.step()
            s.step()
        saved_opt = copy.deepcopy(opt.state_dict())
        saved = copy.deepcopy(s.state_dict())
        pickle.dumps(saved)                       # plain data: lambdas are not stored
        for _ in range(40):
            opt.step()
            s.step()
            lrs.append([g["lr"] for g in opt.param_groups] + s.get_last_lr())
        opt2 = make_opt(ember)
        opt2.load_state_dict(saved_opt)
        s2 = sched_of(ember, kind, opt2)
        opt2.load_state_dict(saved_opt)           # the constructor stepped: restore lrs
        s2.load_state_dict(saved)
        lrs2 = []
        for _ in range(40):
            opt2.step()
            s2.step()
            lrs2.append([g["lr"] for g in opt2.param_groups] + s2.get_last_lr())
    assert lrs2 == lrs


def test_lambda_state_dict_keeps_callable_object_state():
    opt = make_opt(ember)
    s = ember.optim.lr_scheduler.LambdaLR(opt, [lambda e: 1.0, Halving(0.5)])
    sd = s.state_dict()
    assert sd["lr_lambdas"] == [None, {"base": 0.5}]
    s2 = ember.optim.lr_scheduler.LambdaLR(make_opt(ember), [lambda e: 1.0, Halving(0.9)])
    s2.load_state_dict(sd)
    assert s2.lr_lambdas[1].base == 0.5


def test_resume_with_last_epoch_and_initial_lr():
    S = ember.optim.lr_scheduler
    opt = make_opt(ember)
    with pytest.raises(KeyError, match="initial_lr"):
        S.StepLR(opt, step_size=3, last_epoch=5)
    for lib in (torch, ember):
        o = make_opt(lib)
        for g in o.param_groups:
            g["initial_lr"] = g["lr"]
        sch = lib.optim.lr_scheduler.CosineAnnealingLR(o, T_max=10, last_epoch=4)
        vals = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for _ in range(5):
                o.step()
                sch.step()
                vals.append([g["lr"] for g in o.param_groups])
        if lib is torch:
            ref = vals
    np.testing.assert_allclose(vals, ref, rtol=1e-12)


def test_closed_form_step_with_epoch():
    for kind in ["StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR", "LinearLR",
                 "PolynomialLR", "ConstantLR", "CosineAnnealingWarmRestarts"]:
        res = []
        for lib in (torch, ember):
            opt = make_opt(lib)
            s = sched_of(lib, kind, opt)
            with warnings.catch_warnings(record=True) as w:
                warnings.simplefilter("always")
                out = []
                for ep in (3, 17, 5.5 if kind == "CosineAnnealingWarmRestarts" else 5, 44, 80):
                    s.step(ep)
                    out.append([g["lr"] for g in opt.param_groups])
            assert any("epoch" in str(x.message) for x in w) or \
                kind == "CosineAnnealingWarmRestarts"
            res.append(out)
        np.testing.assert_allclose(res[1], res[0], rtol=1e-12, err_msg=kind)


def test_reduce_lr_on_plateau_matches_torch():
    metrics = [1.0, 0.9, 0.95, 0.95, 0.95, 0.95, 0.8, 0.85, 0.85, 0.85, 0.85, 0.85, 0.85,
               0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7] * 3
    for kw in (dict(patience=2), dict(mode="max", patience=1, factor=0.5, cooldown=2,
                                      threshold_mode="abs", threshold=0.01, min_lr=[0.02, 0])):
        res = []
        for lib in (torch, ember):
            opt = make_opt(lib)
            s = lib.optim.lr_scheduler.ReduceLROnPlateau(opt, **kw)
            out = []
            for m in metrics:
                opt.step()
                s.step(ember.tensor(m, dtype=ember.float64) if lib is ember else m)
                out.append([g["lr"] for g in opt.param_groups] + s.get_last_lr()
                           + [s.num_bad_epochs, s.cooldown_counter, s.best])
            res.append(out)
        np.testing.assert_allclose(np.array(res[1], dtype=float), np.array(res[0], dtype=float),
                                   rtol=1e-12)
        sd = s.state_dict()
        s2 = ember.optim.lr_scheduler.ReduceLROnPlateau(make_opt(ember))
        s2.load_state_dict(sd)
        assert s2.best == s.best and s2.mode == s.mode and s2.patience == s.patience


def test_scheduler_errors_and_warnings():
    S = ember.optim.lr_scheduler
    opt = make_opt(ember)
    with pytest.raises(TypeError, match="list is not an Optimizer"):
        S.StepLR([], step_size=2)
    with pytest.raises(ValueError, match="Expected 2 lr_lambdas, but got 1"):
        S.LambdaLR(opt, [lambda e: 1.0])
    with pytest.raises(TypeError, match="lr_lambda should be a function, but got int"):
        S.MultiplicativeLR(opt, 3)
    with pytest.raises(ValueError, match="Constant multiplicative factor expected to be "
                                         "between 0 and 1."):
        S.ConstantLR(opt, factor=2)
    with pytest.raises(ValueError, match="Starting multiplicative factor"):
        S.LinearLR(opt, start_factor=0)
    with pytest.raises(ValueError, match="Expected positive integer T_0, but got 0"):
        S.CosineAnnealingWarmRestarts(opt, T_0=0)
    with pytest.raises(ValueError, match="Expected integer T_mult >= 1, but got 0"):
        S.CosineAnnealingWarmRestarts(opt, T_0=2, T_mult=0)
    with pytest.raises(ValueError, match="base_lr must have the same length as "
                                         "optimizer.param_groups"):
        S.CyclicLR(opt, base_lr=[0.1], max_lr=1.0)
    with pytest.raises(ValueError, match="mode is invalid and scale_fn is None"):
        S.CyclicLR(opt, base_lr=0.1, max_lr=1.0, mode="square")
    with pytest.raises(ValueError, match="optimizer must support momentum or beta1"):
        S.CyclicLR(make_opt(ember, "Adagrad"), base_lr=0.1, max_lr=1.0)
    with pytest.raises(ValueError, match="You must define either total_steps OR"):
        S.OneCycleLR(opt, max_lr=0.1)
    with pytest.raises(ValueError, match="Expected float between 0 and 1 pct_start"):
        S.OneCycleLR(opt, max_lr=0.1, total_steps=10, pct_start=1)
    with pytest.raises(ValueError, match="anneal_strategy must be one of"):
        S.OneCycleLR(opt, max_lr=0.1, total_steps=10, anneal_strategy="exp")
    s = S.OneCycleLR(make_opt(ember), max_lr=0.1, total_steps=3)
    with pytest.raises(ValueError, match="Tried to step 4 times. The specified number of "
                                         "total steps is 3"):
        for _ in range(4):
            s.optimizer.step()
            s.step()
    with pytest.raises(ValueError, match="Factor should be < 1.0."):
        S.ReduceLROnPlateau(opt, factor=1.0)
    with pytest.raises(ValueError, match="mode avg is unknown!"):
        S.ReduceLROnPlateau(opt, mode="avg")
    with pytest.raises(ValueError, match="expects at least one scheduler"):
        S.SequentialLR(opt, [], milestones=[])
    with pytest.raises(ValueError, match="number of milestones to be equal to 2"):
        S.SequentialLR(opt, [S.StepLR(opt, 2)], milestones=[1, 2])
    with pytest.raises(ValueError, match="does not support `ReduceLROnPlateau`"):
        S.ChainedScheduler([S.ReduceLROnPlateau(opt)])
    with pytest.raises(ValueError, match="expects all schedulers to belong to the same"):
        S.ChainedScheduler([S.StepLR(opt, 2), S.StepLR(make_opt(ember), 2)])

    opt = make_opt(ember)
    s = S.StepLR(opt, step_size=2)
    with pytest.warns(UserWarning, match="before `optimizer.step\\(\\)`"):
        s.step()
    with pytest.warns(UserWarning, match="please use `get_last_lr\\(\\)`"):
        s.get_lr()
    opt = make_opt(ember)
    s = S.StepLR(opt, step_size=2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        opt.step()
        s.step()


def test_base_class_is_extensible_and_legacy_alias():
    S = ember.optim.lr_scheduler

    class Halve(S.LRScheduler):
        def get_lr(self):
            return [base * 0.5 ** self.last_epoch for base in self.base_lrs]

    opt = make_opt(ember)
    s = Halve(opt)
    opt.step()
    s.step()
    opt.step()
    s.step()
    assert s.get_last_lr() == [0.025, 0.0125]
    assert issubclass(S._LRScheduler, S.LRScheduler) and S._LRScheduler.__name__ == \
        "_LRScheduler"
    assert isinstance(S.StepLR(opt, 2), S.LRScheduler)
    with pytest.raises(NotImplementedError):
        S.LRScheduler(make_opt(ember))
