"""Plugin loading with real entry points: throwaway plugin distributions are pip-installed
into a temporary virtual environment that also sees this interpreter's packages."""

import json
import os
import site
import subprocess
import sys
import textwrap

import pytest

TOY = '''
from ember.hookspecs import hookimpl
import ember_numpy.backend as _nb

LOADED = True


class ToyBackend(_nb.NumpyBackend):
    name = "toy"


@hookimpl
def ember_devices():
    return {"toy": ToyBackend}


@hookimpl
def ember_namespace(namespace):
    if namespace == "ember.nn":
        class ToyLayer:
            pass
        return {"ToyLayer": ToyLayer}
    if namespace == "ember.datasets":
        return {"ToyData": object}
    return None
'''

BROKEN = '''
raise ImportError("boom: libtoy.so not found")
'''

CLASH = '''
from ember.hookspecs import hookimpl


@hookimpl
def ember_namespace(namespace):
    if namespace == "ember.nn":
        return {"ToyLayer": object}
    return None
'''

BADHOOK = '''
from ember.hookspecs import hookimpl


@hookimpl
def ember_devices(unexpected_argument):
    return {}
'''


def _dist(root, name, module, source, eps):
    d = root / name
    (d / module).mkdir(parents=True)
    (d / module / "__init__.py").write_text(source)
    lines = "\n".join(f'"{k}" = "{v}"' for k, v in eps.items())
    (d / "pyproject.toml").write_text(textwrap.dedent(f'''
        [build-system]
        requires = ["setuptools>=61"]
        build-backend = "setuptools.build_meta"
        [project]
        name = "{name}"
        version = "1.2.3"
        [project.entry-points.ember]
        ''') + lines + "\n" + '[tool.setuptools]\npackages = ["%s"]\n' % module)
    return d


@pytest.fixture(scope="module")
def venv(tmp_path_factory):
    root = tmp_path_factory.mktemp("plugins")
    env_dir = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env_dir)], check=True)
    py = env_dir / "bin" / "python"
    sp = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                        check=True, capture_output=True, text=True).stdout.strip()
    # the temp venv sees this interpreter's packages (ember, ember-numpy, pluggy, numpy)
    parent = [p for p in sys.path if p.endswith("site-packages")] + site.getsitepackages()
    with open(os.path.join(sp, "_parent.pth"), "w") as fh:
        # addsitedir also runs the parent's .pth files (editable installs use them)
        for p in dict.fromkeys(parent):
            fh.write(f"import site; site.addsitedir({p!r})\n")
    dists = [
        _dist(root, "ember-toy", "ember_toy", TOY, {"device.toy": "ember_toy",
                                                    "nn.toy": "ember_toy",
                                                    "data.toy": "ember_toy"}),
        _dist(root, "ember-broken", "ember_broken", BROKEN, {"device.broken": "ember_broken"}),
    ]
    for d in dists:
        subprocess.run([sys.executable, "-m", "pip", "--python", str(py), "install", "-q",
                        "--no-deps", "--no-build-isolation", "--disable-pip-version-check",
                        str(d)], check=True, capture_output=True)
    return py, root


def run(py, code, env=None):
    e = dict(os.environ)
    e.update(env or {})
    r = subprocess.run([str(py), "-c", textwrap.dedent(code)], capture_output=True, text=True,
                       env=e, timeout=120)
    if r.returncode != 0:
        raise AssertionError(f"subprocess failed:\n{r.stdout}\n{r.stderr}")
    return r.stdout


def test_import_is_lazy_and_device_loads_on_first_use(venv):
    py, _ = venv
    out = run(py, """
        import sys, ember
        print("before", "ember_toy" in sys.modules, "ember_numpy" in sys.modules)
        t = ember.ones(2, 3, device="toy")
        print("after", "ember_toy" in sys.modules, t.device, (t * 2).sum().item())
        c = ember.ones(2)
        print("both", c.device, t.device)
    """)
    assert "before False False" in out
    assert "after True toy 12.0" in out
    assert "both cpu toy" in out


def test_mixing_devices_names_both(venv):
    py, _ = venv
    out = run(py, """
        import ember
        a = ember.ones(2); b = ember.ones(2, device="toy")
        try:
            a + b
        except RuntimeError as e:
            print("ERR", e)
        print("moved", (a + b.to("cpu")).tolist())
    """)
    assert "ERR" in out and "cpu" in out and "toy" in out and ".to(" in out
    assert "moved [2.0, 2.0]" in out


def test_broken_plugin_shows_real_cause(venv):
    py, _ = venv
    out = run(py, """
        import ember
        try:
            ember.zeros(1, device="broken")
        except RuntimeError as e:
            print("ERR", e)
            print("CAUSE", type(e.__cause__).__name__, e.__cause__)
        print("cpu still works", ember.ones(1).item())
    """)
    assert "ERR" in out and "boom: libtoy.so not found" in out and "ember-broken 1.2.3" in out
    assert "CAUSE ImportError" in out
    assert "cpu still works 1.0" in out


def test_namespace_names_from_plugins(venv):
    py, _ = venv
    out = run(py, """
        import sys, ember
        print("lazy", "ember_toy" in sys.modules)
        print(ember.nn.ToyLayer.__name__)
        print("ToyData" in ember.datasets.list())
    """)
    assert "lazy False" in out
    assert "ToyLayer" in out
    assert "True" in out


def test_plugins_listing_and_cli(venv):
    py, _ = venv
    out = run(py, """
        import json, ember
        print(json.dumps(ember.plugins()))
    """)
    info = {p["name"]: p for p in json.loads(out)}
    assert info["device.toy"]["distribution"] == "ember-toy"
    assert info["device.toy"]["version"] == "1.2.3"
    assert info["device.cpu"]["distribution"] == "ember-numpy"
    r = subprocess.run([str(py), "-m", "ember", "plugins", "--load"], capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "device.toy" in r.stdout and "ember-toy 1.2.3" in r.stdout and "loaded" in r.stdout
    assert "device.broken" in r.stdout and "failed" in r.stdout and "boom" in r.stdout


def test_autoload_off(venv):
    py, _ = venv
    out = run(py, """
        import ember
        try:
            ember.zeros(1, device="toy")
        except RuntimeError as e:
            print("ERR", e)
        import ember_numpy
        ember.register_plugin(ember_numpy, "by-hand")
        print("cpu", ember.ones(2).sum().item())
    """, env={"EMBER_PLUGIN_AUTOLOAD": "0"})
    assert "ERR" in out and "EMBER_PLUGIN_AUTOLOAD=0" in out
    assert "cpu 2.0" in out


def test_name_clash_is_an_error_naming_both(venv, tmp_path):
    py, root = venv
    d = _dist(tmp_path, "ember-clash", "ember_clash", CLASH, {"nn.clash": "ember_clash"})
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps",
                    "--no-build-isolation", "--target", str(target), str(d)], check=True,
                   capture_output=True)
    out = run(py, """
        import ember
        try:
            ember.nn.ToyLayer
        except Exception as e:
            print("ERR", type(e).__name__, e)
    """, env={"PYTHONPATH": str(target)})
    assert "ERR" in out and "ToyLayer" in out and "ember_toy" in out.replace("nn.toy", "ember_toy")
    assert "clash" in out


def test_invalid_hook_is_rejected_naming_plugin_and_hook(venv, tmp_path):
    py, _ = venv
    d = _dist(tmp_path, "ember-badhook", "ember_badhook", BADHOOK,
              {"device.bad": "ember_badhook"})
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps",
                    "--no-build-isolation", "--target", str(target), str(d)], check=True,
                   capture_output=True)
    out = run(py, """
        import ember
        try:
            ember.zeros(1, device="bad")
        except RuntimeError as e:
            print("ERR", e)
    """, env={"PYTHONPATH": str(target)})
    assert "ERR" in out and "device.bad" in out and "ember_devices" in out
