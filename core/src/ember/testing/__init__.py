"""Testing helpers: ``assert_close`` and the declarative op case table (``OpCase``) that
ember's own tests and the conformance suite both run."""

from ._compare import assert_close, make_tensor
from .opinfo import OpCase, T, all_cases, make_inputs, tolerance

__all__ = ["assert_close", "make_tensor", "OpCase", "T", "all_cases", "make_inputs",
           "tolerance"]
