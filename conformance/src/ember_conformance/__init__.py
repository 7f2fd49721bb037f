"""ember-conformance: the conformance suite for ember device plugins.

Run it against any installed device::

    python -m ember_conformance --device mydev [--xfail-file known.toml] [--report out.json]
                                [pytest args, e.g. -k linalg -x]

It is a pytest plugin (entry point ``pytest11: ember_conformance``): the op case table of
``ember.testing`` is run on the device against the cpu (NumPy) reference, gradients against
finite differences, plus the checks of ``ember_conformance.checks``. See docs/conformance.md.

(PYTEST_DONT_REWRITE: the runner imports this package before pytest starts, so pytest must
not try to rewrite it.)
"""

from .cli import main, probe_dtypes
from .xfail import XfailEntry, XfailFile, load_xfail_file

__version__ = "0.1.0"
__all__ = ["main", "probe_dtypes", "XfailEntry", "XfailFile", "load_xfail_file"]
