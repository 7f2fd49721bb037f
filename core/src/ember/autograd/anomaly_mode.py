"""``detect_anomaly``: find the forward op whose backward produced NaN."""

from __future__ import annotations

import traceback

__all__ = ["detect_anomaly", "set_detect_anomaly", "enabled", "run_checked"]

_state = {"on": False}


def enabled() -> bool:
    return _state["on"]


class detect_anomaly:
    """Context manager: record the forward stack of every node, and make backward raise a
    ``RuntimeError`` naming the node (and printing where its forward ran) as soon as a
    backward function returns a gradient containing NaN.

    Example::

        with ember.autograd.detect_anomaly():
            y = (x.sqrt() * 0).sum()
            y.backward()     # RuntimeError: Function 'SqrtBackward0' returned nan values ...
    """

    def __init__(self, check_nan: bool = True):
        self.check_nan = check_nan

    def __enter__(self):
        self._prev = _state["on"]
        _state["on"] = self.check_nan
        return self

    def __exit__(self, *exc):
        _state["on"] = self._prev
        return False


class set_detect_anomaly(detect_anomaly):
    """``set_detect_anomaly(mode)``: set anomaly detection now (and restore on exit when used
    as a context manager)."""

    def __init__(self, mode: bool, check_nan: bool = True):
        self._prev = _state["on"]
        _state["on"] = bool(mode) and check_nan
        self.check_nan = bool(mode) and check_nan

    def __enter__(self):
        return self


def record_stack(node) -> None:
    if _state["on"]:
        node._anomaly_stack = "".join(traceback.format_stack()[:-3])


def run_checked(node, grads):
    out = node.apply(tuple(grads))
    for i, g in enumerate(out):
        if g is not None and (g._dtype.is_floating_point or g._dtype.is_complex):
            if bool(g.isnan().any()):
                stack = getattr(node, "_anomaly_stack", None)
                where = f"\nForward call that created it:\n{stack}" if stack else ""
                raise RuntimeError(f"Function '{node.name()}' returned nan values in its "
                                   f"{i}th output.{where}")
    return out
