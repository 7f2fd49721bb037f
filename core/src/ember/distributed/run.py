"""``python -m ember.distributed.run -n N script.py [args]``: start N processes of a script
(the distributed plugin's launcher, which wraps ``mpiexec``)."""

import sys

from .._plugins import LazyNamespace

__getattr__ = LazyNamespace("ember.distributed.run")


def __dir__():
    return __getattr__.names()


if __name__ == "__main__":
    sys.exit(__getattr__("main")())
