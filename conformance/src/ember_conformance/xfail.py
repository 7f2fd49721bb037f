"""The known-failures file a backend author keeps (TOML)::

    # conformance-xfail.toml
    [[xfail]]
    pattern = "ops.py::test_value[elementwise/erfinv*-float32]"
    reason = "erfinv is computed in float32 on this device: 1e-3 relative error near +-1"

``pattern`` is a glob matched against a test's conformance id (``<module file>::<test>[<params>]``,
as printed in the report) and against its full pytest node id: ``*`` matches any run of
characters, ``?`` one character, and everything else -- brackets included -- is literal.
``reason`` is required. A listed test that fails counts as a known failure; one that passes
is reported as a FAILURE ("stale xfail entry"), so fixed bugs are noticed; an entry that
matches no collected test triggers a warning.
"""

from __future__ import annotations

import dataclasses
import re

__all__ = ["XfailEntry", "XfailFile", "XfailFileError", "load_xfail_file", "glob_to_regex"]


class XfailFileError(ValueError):
    """The known-failures file cannot be read; the message names the file and the entry."""


def glob_to_regex(pattern: str) -> re.Pattern:
    """``*`` -> any run, ``?`` -> any one character, all else literal."""
    out = []
    for ch in pattern:
        out.append(".*" if ch == "*" else "." if ch == "?" else re.escape(ch))
    return re.compile("".join(out), re.DOTALL)


@dataclasses.dataclass
class XfailEntry:
    pattern: str
    reason: str
    index: int                      # position in the file (1-based), for messages
    matched: int = 0                # how many collected tests it matched

    def __post_init__(self):
        self._re = glob_to_regex(self.pattern)

    def matches(self, *ids: str) -> bool:
        return any(self._re.fullmatch(i) for i in ids if i)


@dataclasses.dataclass
class XfailFile:
    path: str | None
    entries: list

    def find(self, *ids: str) -> XfailEntry | None:
        """The first entry matching any of ``ids``."""
        for e in self.entries:
            if e.matches(*ids):
                return e
        return None


def _toml():
    try:
        import tomllib
        return tomllib
    except ImportError:                     # Python 3.10
        import tomli
        return tomli


def load_xfail_file(path: str | None) -> XfailFile:
    """Read and validate a known-failures file (``None``: no known failures)."""
    if path is None:
        return XfailFile(None, [])
    try:
        with open(path, "rb") as f:
            data = _toml().load(f)
    except FileNotFoundError:
        raise XfailFileError(f"xfail file {path!r} does not exist") from None
    except Exception as e:
        raise XfailFileError(f"xfail file {path!r} is not valid TOML: {e}") from None
    unknown = set(data) - {"xfail"}
    if unknown:
        raise XfailFileError(f"xfail file {path!r}: unknown top-level keys {sorted(unknown)}; "
                             f"write entries as [[xfail]] tables with pattern and reason")
    raw = data.get("xfail", [])
    if not isinstance(raw, list):
        raise XfailFileError(f"xfail file {path!r}: 'xfail' must be an array of tables "
                             f"([[xfail]]), got {type(raw).__name__}")
    entries = []
    for i, item in enumerate(raw, 1):
        if not isinstance(item, dict):
            raise XfailFileError(f"xfail file {path!r}: entry {i} is not a table")
        pattern, reason = item.get("pattern"), item.get("reason")
        if not isinstance(pattern, str) or not pattern.strip():
            raise XfailFileError(f"xfail file {path!r}: entry {i} needs a non-empty string "
                                 f"'pattern' (a glob on the test id)")
        if not isinstance(reason, str) or not reason.strip():
            raise XfailFileError(f"xfail file {path!r}: entry {i} ({pattern!r}) needs a "
                                 f"non-empty 'reason': say why the device cannot pass it")
        extra = set(item) - {"pattern", "reason"}
        if extra:
            raise XfailFileError(f"xfail file {path!r}: entry {i} ({pattern!r}) has unknown "
                                 f"keys {sorted(extra)}")
        entries.append(XfailEntry(pattern.strip(), reason.strip(), i))
    return XfailFile(path, entries)
