"""L-BFGS with an optional strong-Wolfe line search (Nocedal & Wright, algorithms 7.4, 3.5
and 3.6; the choices follow minFunc, as PyTorch's ``LBFGS`` does)."""

from __future__ import annotations

from functools import partial

import ember
from ember.optim import Optimizer
from ember.optim._multi_tensor import flatten, unflatten_into

from ._base import check_lr, value

__all__ = ["LBFGS"]


def _cubic_min(x1, f1, g1, x2, f2, g2, bounds=None):
    """The minimiser of the cubic through ``(x1, f1)``, ``(x2, f2)`` with slopes ``g1``,
    ``g2``, clamped to ``bounds`` (default: between the two points); the middle of the
    bounds when the cubic has no minimum."""
    lo, hi = bounds if bounds is not None else ((x1, x2) if x1 <= x2 else (x2, x1))
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    disc = d1 ** 2 - g1 * g2
    if not disc >= 0:
        return (lo + hi) / 2.0
    d2 = disc.sqrt()
    if x1 <= x2:
        x = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
    else:
        x = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
    return min(max(x, lo), hi)


def _strong_wolfe(evaluate, t, d, f, g, gtd, c1=1e-4, c2=0.9, tolerance_change=1e-9,
                  max_ls=25):
    """Line search along ``d`` from the current point (loss ``f``, gradient ``g``, slope
    ``gtd``) for a step ``t`` meeting the strong Wolfe conditions. ``evaluate(t)`` returns
    ``(loss, flat_grad)`` at ``x + t d`` and leaves the parameters at ``x``.
    Returns ``(loss, flat_grad, t, evaluations)``."""
    d_norm = d.abs().max()
    g = g.clone()
    f_new, g_new = evaluate(t)
    evals = 1
    gtd_new = g_new.dot(d)
    # phase 1: grow the step until an interval [lo, hi] brackets an acceptable one
    t_prev, f_prev, g_prev, gtd_prev = 0, f, g, gtd
    done = False
    it = 0
    pts = None                         # bracket: lists of [t, f, g, gtd] for its two ends
    while it < max_ls:
        if f_new > f + c1 * t * gtd or (it > 1 and f_new >= f_prev):
            pts = [[t_prev, f_prev, g_prev, gtd_prev], [t, f_new, g_new.clone(), gtd_new]]
            break
        if abs(gtd_new) <= -c2 * gtd:
            pts = [[t, f_new, g_new, None]]
            done = True
            break
        if gtd_new >= 0:
            pts = [[t_prev, f_prev, g_prev, gtd_prev], [t, f_new, g_new.clone(), gtd_new]]
            break
        t_next = _cubic_min(t_prev, f_prev, gtd_prev, t, f_new, gtd_new,
                            bounds=(t + 0.01 * (t - t_prev), t * 10))
        t_prev, f_prev, g_prev, gtd_prev = t, f_new, g_new.clone(), gtd_new
        t = t_next
        f_new, g_new = evaluate(t)
        evals += 1
        gtd_new = g_new.dot(d)
        it += 1
    if it == max_ls:
        pts = [[0, f, g, None], [t, f_new, g_new, None]]
    # phase 2 (zoom): shrink the bracket until a point meets the conditions
    insufficient = False
    lo, hi = (0, 1) if pts[0][1] <= pts[-1][1] else (1, 0)
    while not done and it < max_ls:
        a, b = pts[0][0], pts[1][0]
        if abs(b - a) * d_norm < tolerance_change:
            break
        t = _cubic_min(a, pts[0][1], pts[0][3], b, pts[1][1], pts[1][3])
        top, bottom = max(a, b), min(a, b)
        margin = 0.1 * (top - bottom)
        if min(top - t, t - bottom) < margin:
            # too close to an end: move away from it unless the last try was fine
            if insufficient or t >= top or t <= bottom:
                t = top - margin if abs(t - top) < abs(t - bottom) else bottom + margin
                insufficient = False
            else:
                insufficient = True
        else:
            insufficient = False
        f_new, g_new = evaluate(t)
        evals += 1
        gtd_new = g_new.dot(d)
        it += 1
        if f_new > f + c1 * t * gtd or f_new >= pts[lo][1]:
            pts[hi] = [t, f_new, g_new.clone(), gtd_new]
            lo, hi = (0, 1) if pts[0][1] <= pts[1][1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (pts[hi][0] - pts[lo][0]) >= 0:
                pts[hi] = list(pts[lo])
            pts[lo] = [t, f_new, g_new.clone(), gtd_new]
    t, f_new, g_new = pts[lo][0], pts[lo][1], pts[lo][2]
    return f_new, g_new, t, evals


class LBFGS(Optimizer):
    """L-BFGS: a quasi-Newton method that builds an approximate inverse Hessian from the last
    ``history_size`` steps and gradient changes. ``step(closure)`` runs up to ``max_iter``
    iterations, re-evaluating the model through ``closure`` (which must clear the gradients,
    compute the loss, call ``backward`` and return the loss).

    Args:
        params: tensors or ``(name, tensor)`` pairs (one parameter group only).
        lr: step length (default 1).
        max_iter: iterations per ``step`` (default 20).
        max_eval: function evaluations per ``step`` (default ``max_iter * 5 // 4``).
        tolerance_grad: stop when ``max |grad| <= tolerance_grad`` (default 1e-7).
        tolerance_change: stop when the step or the loss change is below this (default 1e-9).
        history_size: number of correction pairs kept (default 100).
        line_search_fn: None (fixed step ``lr``) or ``"strong_wolfe"``.

    State (kept on the first parameter): ``func_evals``, ``n_iter``, the direction ``d``,
    step ``t``, the history ``old_dirs``, ``old_stps``, ``ro``, ``H_diag``, ``al``,
    ``prev_flat_grad`` and ``prev_loss``. Memory: ``(2 * history_size + 2)`` flat copies of
    the parameters.

    Example::

        >>> opt = ember.optim.LBFGS(model.parameters(), line_search_fn="strong_wolfe")
        >>> def closure():
        ...     opt.zero_grad()
        ...     loss = loss_fn(model(x), y)
        ...     loss.backward()
        ...     return loss
        >>> opt.step(closure)
    """

    def __init__(self, params, lr=1, max_iter=20, max_eval=None, tolerance_grad=1e-7,
                 tolerance_change=1e-9, history_size=100, line_search_fn=None):
        check_lr(lr)
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        defaults = dict(lr=lr, max_iter=max_iter, max_eval=max_eval,
                        tolerance_grad=tolerance_grad, tolerance_change=tolerance_change,
                        history_size=history_size, line_search_fn=line_search_fn)
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        self._params = self.param_groups[0]["params"]
        for p in self._params:
            if p.is_complex():
                raise NotImplementedError(
                    f"LBFGS: complex parameters are not supported yet (got a {p.dtype} "
                    f"parameter of shape {list(p.shape)}); optimize its real and imaginary "
                    f"parts as two real parameters")

    # the parameters as one flat vector ------------------------------------------------------
    def _flat_grad(self):
        return flatten([p.grad if p.grad is not None else ember.zeros_like(p)
                        for p in self._params])

    def _move(self, t, d) -> None:
        """``params += t * d`` (``d`` flat)."""
        x = flatten(self._params)
        x.add_(d, alpha=float(t))
        unflatten_into(x, self._params)

    def _evaluate_at(self, closure, x0, t, *, d):
        self._move(t, d)
        loss = float(closure())
        g = self._flat_grad()
        unflatten_into(x0, self._params)
        return loss, g

    @ember.no_grad()
    def step(self, closure):
        """Run up to ``max_iter`` L-BFGS iterations; ``closure`` is required. Returns the
        loss of the first evaluation."""
        if closure is None:
            raise RuntimeError("LBFGS.step() requires a closure that re-evaluates the model "
                               "and returns the loss: opt.step(closure)")
        closure = ember.enable_grad()(closure)
        group = self.param_groups[0]
        lr = value(group["lr"])
        max_iter, max_eval = group["max_iter"], group["max_eval"]
        tol_grad, tol_change = group["tolerance_grad"], group["tolerance_change"]
        line_search, history_size = group["line_search_fn"], group["history_size"]

        state = self.state[self._params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)

        orig_loss = closure()
        loss = float(orig_loss)
        evals = 1
        state["func_evals"] += 1
        g = self._flat_grad()
        if g.abs().max() <= tol_grad:
            return orig_loss

        d, t = state.get("d"), state.get("t")
        old_dirs, old_stps, ro = state.get("old_dirs"), state.get("old_stps"), state.get("ro")
        h_diag = state.get("H_diag")
        prev_g, prev_loss = state.get("prev_flat_grad"), state.get("prev_loss")

        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            # direction: steepest descent first, then the two-loop recursion
            if state["n_iter"] == 1:
                d = -g
                old_dirs, old_stps, ro = [], [], []
                h_diag = 1
            else:
                y = g - prev_g
                s = d * t
                ys = y.dot(s)
                if ys > 1e-10:            # keep the pair only when curvature is positive
                    if len(old_dirs) == history_size:
                        old_dirs.pop(0)
                        old_stps.pop(0)
                        ro.pop(0)
                    old_dirs.append(y)
                    old_stps.append(s)
                    ro.append(1.0 / ys)
                    h_diag = ys / y.dot(y)
                if "al" not in state:
                    state["al"] = [None] * history_size
                al = state["al"]
                q = -g
                for i in range(len(old_dirs) - 1, -1, -1):
                    al[i] = old_stps[i].dot(q) * ro[i]
                    q.add_(old_dirs[i], alpha=-float(al[i]))
                d = r = q * h_diag
                for i in range(len(old_dirs)):
                    beta = old_dirs[i].dot(r) * ro[i]
                    r.add_(old_stps[i], alpha=float(al[i] - beta))
            if prev_g is None:
                prev_g = g.clone()
            else:
                prev_g.copy_(g)
            prev_loss = loss

            # step length
            t = min(1.0, 1.0 / g.abs().sum()) * lr if state["n_iter"] == 1 else lr
            gtd = g.dot(d)
            if gtd > -tol_change:        # not a descent direction any more
                break
            ls_evals = 0
            if line_search is not None:
                if line_search != "strong_wolfe":
                    raise RuntimeError("only 'strong_wolfe' is supported")
                evaluate = partial(self._evaluate_at, closure, flatten(self._params), d=d)
                loss, g, t, ls_evals = _strong_wolfe(evaluate, t, d, loss, g, gtd,
                                                     max_ls=max_eval - evals)
                self._move(t, d)
                opt_cond = g.abs().max() <= tol_grad
            else:
                self._move(t, d)
                opt_cond = False
                if n_iter != max_iter:
                    loss = float(closure())
                    g = self._flat_grad()
                    opt_cond = g.abs().max() <= tol_grad
                    ls_evals = 1
            evals += ls_evals
            state["func_evals"] += ls_evals

            if (n_iter == max_iter or evals >= max_eval or opt_cond
                    or (d * t).abs().max() <= tol_change or abs(loss - prev_loss) < tol_change):
                break

        state.update(d=d, t=t, old_dirs=old_dirs, old_stps=old_stps, ro=ro, H_diag=h_diag,
                     prev_flat_grad=prev_g, prev_loss=prev_loss)
        return orig_loss
