"""Nothing from a results folder is ever run: weights load with weights_only=True, and plugins come
only from installed entry points or an explicit --plugin MODULE."""

import ast
import sqlite3
from pathlib import Path

import torch
import toy_plugin

from ganbench.cli import main
from ganbench.types import DataShape, HParams

REPO = Path(__file__).resolve().parents[1]


def calls(name):
    """Every call of ``name`` (e.g. 'torch.load') in the core and the built-in plugins."""
    for path in [*REPO.joinpath("ganbench").rglob("*.py"), *REPO.joinpath("plugins").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and ast.unparse(node.func) == name:
                yield path, node


def test_every_torch_load_is_weights_only():
    for path, call in calls("torch.load"):
        keywords = {k.arg: k.value for k in call.keywords}
        assert isinstance(keywords.get("weights_only"), ast.Constant) and keywords["weights_only"].value is True, (
            f"{path}:{call.lineno} loads with pickle"
        )


def test_no_pickle_or_dynamic_code_reads_run_folders():
    for name in (
        "pickle.load",
        "pickle.loads",
        "exec",
        "eval",
        "runpy.run_path",
        "importlib.util.spec_from_file_location",
    ):
        assert not list(calls(name)), name
    imports = [(path, call) for path, call in calls("importlib.import_module")]
    assert [path.name for path, _ in imports] == ["plugins.py"]  # --plugin MODULE, by name, from sys.path


def test_a_saved_generator_loads_with_weights_only_and_generates_as_trained(tmp_path):
    out = tmp_path / "run"
    assert (
        main(
            [
                "--plugin",
                "toy_plugin",
                "run",
                "--models",
                "toy-mlp",
                "--losses",
                "toy-ns",
                "--dataset",
                "toy-line",
                "--budget",
                "20steps",
                "--metrics",
                "mean-gap",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    with sqlite3.connect(out / "results.sqlite") as db:
        [path] = db.execute("SELECT generator FROM trials").fetchone()
    state = torch.load(out / path, weights_only=True, map_location="cpu")
    hp = HParams(z_dim=2)
    generator = toy_plugin.generator(DataShape("vector", (2,)), hp)
    generator.load_state_dict(state)  # every tensor present, with its shape
    samples = generator(torch.randn(8, hp.z_dim))
    assert samples.shape == (8, 2) and torch.isfinite(samples).all()
