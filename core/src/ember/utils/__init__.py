"""``ember.utils``: ``data``, ``checkpoint``, ``dlpack``, ``safetensors``, ``tensorboard``."""

import importlib as _il


def __getattr__(name):
    if name in ("data", "checkpoint", "dlpack", "safetensors", "tensorboard", "hooks"):
        return _il.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'ember.utils' has no attribute {name!r}")
