"""`ganbench new-plugin`: the package it writes installs and passes its own tests, for every kind;
and the acceptance path of docs/plugins.md (new-plugin, pip install, list, run) works end to end."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ganbench.cli import main
from ganbench.scaffold import KINDS, files_for

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "ganbench-relativistic"


def test_writes_a_package_and_never_overwrites(tmp_path, capsys):
    assert main(["new-plugin", "mylosses", "--kind", "loss", "--dir", str(tmp_path)]) == 0
    root = tmp_path / "mylosses"
    assert sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()) == [
        "README.md",
        "pyproject.toml",
        "src/mylosses/__init__.py",
        "tests/test_mylosses.py",
    ]
    assert '[project.entry-points.ganbench]\nmylosses = "mylosses"' in (root / "pyproject.toml").read_text()
    before = (root / "README.md").read_text()
    capsys.readouterr()
    assert main(["new-plugin", "mylosses", "--kind", "model", "--dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "already exists" in err and len(err.strip().splitlines()) == 1
    assert (root / "README.md").read_text() == before


@pytest.mark.parametrize("name", ["9lives", "my losses", "class", "my.losses", "ganbench", ""])
def test_bad_names_are_refused_in_one_line(name, tmp_path, capsys):
    assert main(["new-plugin", name, "--kind", "loss", "--dir", str(tmp_path)]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize("kind", KINDS)
def test_generated_code_compiles(kind):
    for path, text in files_for(f"my-{kind}", kind).items():
        if path.endswith(".py"):
            compile(text, path, "exec")


def test_the_stabiliser_template_refuses_a_bad_value_in_one_line(tmp_path, capsys, monkeypatch):
    """The docs promise UsageError for a bad parameter: one line and exit 2, never a traceback."""
    for path, text in files_for("mydrift", "stabiliser").items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text)
    monkeypatch.syspath_prepend(str(tmp_path / "src"))
    out = tmp_path / "run"
    arguments = ["--plugin", "mydrift", "run", "--models", "mlp", "--losses", "ns", "--dataset", "ring8"]
    assert main([*arguments, "--stabilisers", "mydrift:eps=-1", "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == "ganbench: error: mydrift: eps must be at least 0, got -1.0" and not out.exists()


def _pip(*args):
    done = subprocess.run(
        [sys.executable, "-m", "pip", *args, "-q", "--disable-pip-version-check"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return done


@pytest.mark.slow
def test_every_kind_installs_and_passes_its_own_tests_and_the_docs_path_works(tmp_path):
    # Installed into a folder of its own (pip --target) rather than the shared venv, so other test
    # runs never see these plugins; a subprocess with it on PYTHONPATH is then "the user's environment".
    names = {kind: "mylosses" if kind == "loss" else f"my{kind}" for kind in KINDS}
    for kind, name in names.items():
        assert main(["new-plugin", name, "--kind", kind, "--dir", str(tmp_path)]) == 0
    site = tmp_path / "site"
    example = tmp_path / EXAMPLE.name  # a copy: pip builds in the source tree, which stays clean
    shutil.copytree(EXAMPLE, example, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    packages = [str(tmp_path / name) for name in names.values()] + [str(example)]
    _pip("install", "--no-deps", "--no-build-isolation", "--target", str(site), *packages)
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep),
    }
    env.pop("GANBENCH_DISABLE_EXTERNAL_PLUGINS", None)
    env["COLUMNS"] = "300"  # one table row per trial, unwrapped

    tests = [str(tmp_path / name / "tests") for name in names.values()] + [str(example / "tests")]
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *tests],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert " passed" in done.stdout and "failed" not in done.stdout

    def ganbench(*args):
        return subprocess.run(
            [sys.executable, "-m", "ganbench.cli", *args],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )

    listed = ganbench("list", "losses")
    assert listed.returncode == 0 and "mylosses" in listed.stdout and "ragan" in listed.stdout, listed.stderr
    ran = ganbench(
        "run",
        "--models",
        "mlp",
        "--losses",
        "mylosses",
        "--dataset",
        "ring8",
        "--budget",
        "20steps",
        "--checkpoints",
        "1",
        "--metrics",
        "mode-coverage",
        "--out",
        str(tmp_path / "run"),
        "--device",
        "cpu",
    )
    assert ran.returncode == 0, ran.stdout[-3000:] + ran.stderr[-2000:]
    rows = [line for line in ran.stdout.splitlines() if "mylosses" in line and "done" in line]
    assert rows, ran.stdout[-3000:]
