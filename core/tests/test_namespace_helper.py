"""``ember.hookspecs.namespace_from_modules``: the shared body of the plugins'
``ember_namespace`` hooks."""

import sys
import textwrap

import pytest

from ember.hookspecs import namespace_from_modules


@pytest.fixture
def fakepkg(tmp_path, monkeypatch):
    """A throwaway package ``fakens_pkg`` with public, private and __all__-less modules."""
    pkg = tmp_path / "fakens_pkg"
    (pkg / "layers").mkdir(parents=True)
    files = {
        "__init__.py": "",
        "layers/__init__.py": "",
        "layers/b_mod.py": "__all__ = ['B', 'Shared']\nB = 'b'\nShared = 'from b'\nhidden = 1\n",
        "layers/a_mod.py": "__all__ = ['A', 'Shared']\nA = 'a'\nShared = 'from a'\n",
        "layers/_private.py": "__all__ = ['P']\nP = 'p'\n",
        "single.py": "__all__ = ['S']\nS = 's'\n",
        "noall.py": "X = 1\n",
        "broken.py": "import fakens_missing_dependency\n__all__ = []\n",
    }
    for name, text in files.items():
        (pkg / name).write_text(textwrap.dedent(text))
    monkeypatch.syspath_prepend(str(tmp_path))
    yield "fakens_pkg"
    for mod in [m for m in sys.modules if m.startswith("fakens_pkg")]:
        del sys.modules[mod]


def test_package_star_reads_public_submodules_in_name_order(fakepkg):
    got = namespace_from_modules({"ember.nn": f"{fakepkg}.layers.*"}, "ember.nn")
    # a_mod before b_mod: a later module's name wins; _private is skipped; `hidden` is not in __all__
    assert got == {"A": "a", "Shared": "from b", "B": "b"}
    assert list(got) == ["A", "Shared", "B"]


def test_single_module_and_sequence(fakepkg):
    sources = {"ember.one": f"{fakepkg}.single",
               "ember.many": (f"{fakepkg}.single", f"{fakepkg}.layers.a_mod")}
    assert namespace_from_modules(sources, "ember.one") == {"S": "s"}
    assert namespace_from_modules(sources, "ember.many") == {"S": "s", "A": "a",
                                                               "Shared": "from a"}


def test_unknown_namespace_is_none_and_imports_nothing(fakepkg):
    assert namespace_from_modules({"ember.nn": f"{fakepkg}.single"}, "ember.optim") is None
    assert f"{fakepkg}.single" not in sys.modules


def test_module_without_all_is_an_error_naming_it(fakepkg):
    with pytest.raises(AttributeError, match=r"fakens_pkg\.noall .*'ember\.x'.*__all__"):
        namespace_from_modules({"ember.x": f"{fakepkg}.noall"}, "ember.x")


def test_import_error_propagates_unchanged(fakepkg):
    with pytest.raises(ModuleNotFoundError) as info:
        namespace_from_modules({"ember.x": f"{fakepkg}.broken"}, "ember.x")
    assert info.value.name == "fakens_missing_dependency"


def test_builtin_plugins_serve_their_namespaces_through_it():
    import ember
    import ember_nn
    import ember_optim

    assert ember_nn.ember_namespace("ember.nn")["Linear"] is ember.nn.Linear
    assert ember_optim.ember_namespace("ember.optim")["SGD"] is ember.optim.SGD
    assert ember_nn.ember_namespace("ember.optim") is None
