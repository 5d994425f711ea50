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


# ------------------------------------------------------------ a report embeds only its own folder


def toy_run(out, budget="20steps"):
    arguments = ["--plugin", "toy_plugin", "run", "--models", "toy-mlp", "--losses", "toy-ns", "--dataset", "toy-line"]
    assert main([*arguments, "--budget", budget, "--metrics", "mean-gap", "--out", str(out)]) == 0


def test_a_database_naming_files_outside_its_folder_gets_none_of_them_embedded(tmp_path):
    """trials.samples and pictures.path are read by the report: ../.., an absolute path and a symlink
    pointing out all lead outside the run folder, and none of those files reaches report.html."""
    import base64

    out = tmp_path / "run"
    toy_run(out)
    secrets = {}
    for name in ("secret-a", "secret-b", "secret-c", "secret-d"):
        secrets[name] = (tmp_path / name, f"{name}: private bytes that must stay on this machine".encode() * 20)
        secrets[name][0].write_bytes(secrets[name][1])
    (out / "samples" / "inside-link.png").symlink_to(secrets["secret-c"][0])
    outside = ["../secret-a", str(secrets["secret-b"][0]), "samples/inside-link.png", "samples/../../secret-d"]
    with sqlite3.connect(out / "results.sqlite") as db:
        paths = [row[0] for row in db.execute("SELECT rowid FROM pictures ORDER BY checkpoint")]
        assert len(paths) >= 4
        for rowid, path in zip(paths, outside):
            db.execute("UPDATE pictures SET path = ? WHERE rowid = ?", (path, rowid))
        db.execute("UPDATE trials SET samples = ?", ("../secret-a",))
    for shape in ("vector 2", "image 1x8x8"):  # 2D data shows checkpoint pictures, images the samples table
        with sqlite3.connect(out / "results.sqlite") as db:
            db.execute("UPDATE run SET value = json_set(value, '$.shape', ?) WHERE key = 'dataset'", (shape,))
        assert main(["report", str(out)]) == 0
        page = (out / "report.html").read_bytes()
        markdown = (out / "report.md").read_text()
        for path, data in secrets.values():
            assert base64.b64encode(data) not in page and data[:40] not in page, (shape, path)
        assert b"picture skipped: outside the run folder" in page, shape
        assert "secret-a" not in markdown and "picture skipped: outside the run folder" in markdown


def test_trial_reasons_and_names_from_the_database_are_escaped_in_report_md(tmp_path):
    out = tmp_path / "run<img src=x onerror=alert(1)>"
    toy_run(out)
    with sqlite3.connect(out / "results.sqlite") as db:
        db.execute(
            "UPDATE trials SET status = 'error', reason = ?, notes = ?",
            ("<script>alert('reason')</script>", "see [here](javascript:alert(1)) | <b>bold</b>"),
        )
    assert main(["report", str(out)]) == 0
    markdown = (out / "report.md").read_text()
    assert "<script>" not in markdown and "&lt;script&gt;alert('reason')&lt;/script&gt;" in markdown
    assert "<b>" not in markdown and "<img" not in markdown and "[here](javascript:" not in markdown  # no link
    assert "&lt;img src=x onerror=alert(1)&gt;" in markdown  # the folder's name, and the --out in the command
    html = (out / "report.html").read_text()
    assert "<script>alert" not in html and "<img src=x" not in html
