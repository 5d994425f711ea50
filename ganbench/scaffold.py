"""`ganbench new-plugin NAME --kind KIND`: write a plugin package that installs and passes its tests as is.

The package has a ``pyproject.toml`` with the ``ganbench`` entry point, a module with a small
but working component of the kind, a test through the testing kit and a README. The files come
from ``ganbench/templates/*.tmpl`` (``string.Template``: ``$name`` and friends).
"""

from __future__ import annotations

import keyword
import re
import string
from importlib import resources
from pathlib import Path

from ganbench import __version__
from ganbench.errors import UsageError
from ganbench.registry import SINGULAR
from ganbench.types import normalise_name

KINDS = ("model", "loss", "stabiliser", "dataset", "metric", "executor", "logger")
PLURAL = {
    "model": "models",
    "loss": "losses",
    "stabiliser": "stabilisers",
    "dataset": "datasets",
    "metric": "metrics",
    "executor": "executors",
    "logger": "loggers",
}
NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]*\Z")
RESERVED = {"ganbench", "ganbench_plugins", "test", "tests", "torch", "pytest"}

#: what the README suggests running, and the test that trains with the component, per kind
USAGE = {
    "model": "ganbench run --models $name --losses ns --dataset ring8 --budget 200steps",
    "loss": "ganbench run --models dcgan --losses $name --budget 200steps",
    "stabiliser": "ganbench run --models mlp --losses ns --stabilisers $name --dataset ring8 --budget 200steps",
    "dataset": "ganbench run --models mlp --losses ns --dataset $name --budget 200steps",
    "metric": "ganbench run --models mlp --losses ns --dataset ring8 --metrics $name --budget 200steps",
    "executor": "ganbench run --models mlp --losses ns --dataset ring8 --executor $name --budget 200steps",
    "logger": "ganbench run --models mlp --losses ns --dataset ring8 --log $name --budget 200steps",
}
TRIAL_TEST = {
    "model": 'ganbench_plugins.run("$name", "ns", dataset="ring8", steps=3)',
    "loss": 'ganbench_plugins.run("mlp", "$name", dataset="ring8", steps=3)',
    "stabiliser": 'ganbench_plugins.run("mlp", "ns", stabilisers="$name", dataset="ring8", steps=3)',
    "dataset": 'ganbench_plugins.run("mlp", "ns", dataset="$name", steps=3)',
    "metric": 'ganbench_plugins.run("mlp", "ns", dataset="ring8", steps=3, metrics=("$name",))',
}
TRIAL_TEST_BODY = """def test_a_tiny_trial_trains(ganbench_plugins):
    ganbench_plugins.register($package)
    result = $call
    assert_trial_ok(result)  # status 'done', every logged loss finite
"""
METRIC_EXTRA = """    assert [c.measurement.name for c in result.checkpoints] == ["$name"]
"""


def check_name(name: str) -> str:
    """The Python package name for NAME, or a usage error saying what a good name looks like."""
    package = name.replace("-", "_").lower()
    if not NAME.match(name) or keyword.iskeyword(package) or not package.isidentifier():
        raise UsageError(
            f"'{name}' is not a usable plugin name: start with a letter, then letters, digits, '_' or '-' "
            "(e.g. mylosses or ganbench-relu-loss)"
        )
    if package in RESERVED:
        raise UsageError(f"'{name}' would shadow the package '{package}'; choose another name")
    return package


def _template(file: str) -> string.Template:
    return string.Template(resources.files("ganbench").joinpath("templates", file).read_text(encoding="utf-8"))


def files_for(name: str, kind: str) -> dict[str, str]:
    """Relative path -> text of every file of the package."""
    if kind not in KINDS:
        raise UsageError(f"unknown kind '{kind}': choose one of {', '.join(KINDS)}")
    package = check_name(name)
    component = normalise_name(name)
    values = {
        "name": component,
        "package": package,
        "dist": name.replace("_", "-").lower(),
        "kind": kind,
        "kinds": PLURAL[kind],
        "ganbench_version": __version__,
    }
    values["usage"] = string.Template(USAGE[kind]).substitute(values)
    if kind in TRIAL_TEST:
        call = string.Template(TRIAL_TEST[kind]).substitute(values)
        body = TRIAL_TEST_BODY + (METRIC_EXTRA if kind == "metric" else "")
        values["trial_test"] = string.Template(body).substitute(values, call=call)
    else:  # an executor or a logger is exercised by the conformance check, which runs trials through it
        values["trial_test"] = ""
    render = lambda file: _template(file).substitute(values).rstrip() + "\n"  # noqa: E731
    return {
        "pyproject.toml": render("pyproject.toml.tmpl"),
        "README.md": render("README.md.tmpl"),
        f"src/{package}/__init__.py": render(f"{kind}.py.tmpl"),
        f"tests/test_{package}.py": render("test.py.tmpl"),
    }


def new_plugin(name: str, kind: str, directory: Path = Path(".")) -> Path:
    """Write the package into ``directory/name``; an existing folder is never overwritten."""
    files = files_for(name, kind)
    root = Path(directory) / name
    if root.exists():
        raise UsageError(f"{root} already exists; choose another name or --dir (nothing was written)")
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


assert set(PLURAL.values()) == set(SINGULAR)
