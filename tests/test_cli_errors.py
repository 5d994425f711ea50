"""Bad input: one line saying what was wrong and what would be right, exit code 2, before any
training starts, and no results folder written (or an existing one left as it was)."""

import gzip
import shutil
import sqlite3
import sys

import pytest
from conftest import MNIST

from ganbench.cli import main

TOY = ["--plugin", "toy_plugin"]
BASE = [
    *TOY,
    "run",
    "--models",
    "toy-mlp",
    "--losses",
    "toy-ns",
    "--dataset",
    "toy-line",
    "--budget",
    "5steps",
    "--metrics",
    "mean-gap",
]


def refused(capsys, arguments, out):
    """Run, and return the one error line, checking exit code 2 and that nothing was written."""
    assert main([*BASE, *arguments, "--out", str(out)]) == 2
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("ganbench: error:"), err
    assert "trials (" not in captured.out  # no training started
    assert not out.exists()
    print(err, file=sys.__stdout__)  # the line itself, for the record (pytest -s)
    return err


@pytest.mark.parametrize(
    "arguments, message",
    [
        (["--stabilisers", "gp:lambda=abc"], "stabiliser parameter gp:lambda=abc must be a number (default 10.0)"),
        (["--stabilisers", "gp:weight=3"], "gp has no parameter 'weight' (its parameters: lambda=10.0)"),
        (["--stabilisers", "gp:lambda"], "write parameters as gp:name=value"),
        (["--stabilisers", "gp:lambda=-1"], "gp: lambda must be a number >= 0, got -1"),
        (["--workers", "0"], "argument --workers: 0: at least 1 worker is needed"),
        (["--workers", "-3"], "argument --workers: -3: at least 1 worker is needed"),
        (
            ["--workers", "2", "--address", "auto"],
            "call for the executors pool and ray at once; choose one with --executor",
        ),
        (["--executor", "local", "--workers", "2"], "the local executor runs one trial at a time; use --executor pool"),
        (["--executor", "pool", "--address", "auto"], "--address is for the ray executor"),
        (["--executor", "local", "--address", "auto"], "--address is for the ray executor"),
        (["--executor", "ray", "--workers", "2"], "leave --workers out, or use --executor pool"),
        (["--executor", "ray", "--address", "not an address"], "give auto, HOST:PORT or ray://HOST:PORT"),
        (["--executor", "pol"], "unknown executor 'pol'; did you mean 'pool'?"),
        (["--budget", "-5s"], "budget '-5s' must be more than zero"),  # a value, not mistaken for an option
        (["--seeds", "-2"], "--seeds -2: the number of seeds must be at least 1"),
        (["--data-workers", "-1"], "--data-workers -1: give 0 (decode in the training process) or more"),
    ],
)
def test_bad_option_values(tmp_path, capsys, arguments, message):
    if "ray" in arguments:
        pytest.importorskip("ray")
    assert message in refused(capsys, arguments, tmp_path / "run")


def test_ray_not_installed_says_how_to_install_it(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray -> ImportError
    err = refused(capsys, ["--executor", "ray"], tmp_path / "run")
    assert "pip install 'ganbench[ray]'" in err


def test_folder_data_set_without_a_path_or_with_a_missing_or_empty_one(tmp_path, capsys):
    assert "data set 'folder' needs an argument: folder:PATH" in refused(
        capsys, ["--dataset", "folder:"], tmp_path / "a"
    )
    missing = tmp_path / "nowhere"
    assert f"folder: no such folder {missing}" in refused(capsys, ["--dataset", f"folder:{missing}"], tmp_path / "b")
    empty = tmp_path / "empty"
    empty.mkdir()
    assert f"folder: no images in {empty}" in refused(capsys, ["--dataset", f"folder:{empty}"], tmp_path / "c")


def test_an_image_that_cannot_be_decoded_is_named(tmp_path, capsys):
    images = tmp_path / "images"
    images.mkdir()
    (images / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n this is not an image")
    err = refused(capsys, ["--dataset", f"folder:{images}"], tmp_path / "run")
    assert f"folder: cannot decode image {images / 'broken.png'}" in err


@pytest.mark.skipif(not (MNIST / "t10k-images-idx3-ubyte.gz").is_file(), reason="needs the shared MNIST test files")
def test_a_data_file_whose_checksum_differs_from_the_catalogue(tmp_path, capsys):
    root = tmp_path / "data"
    root.mkdir()
    for name in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        shutil.copy(MNIST / name, root / name)
    images = root / "t10k-images-idx3-ubyte.gz"
    data = bytearray(gzip.decompress(images.read_bytes()))
    data[5000] ^= 0xFF  # one pixel changed: still a valid IDX file, a different one
    images.write_bytes(gzip.compress(bytes(data)))
    err = refused(capsys, ["--dataset", "mnist", "--data-root", str(root)], tmp_path / "run")
    assert f"mnist: checksum mismatch for {images}" in err and "expected 9fb629c4189551a2d022fa330f9573f3" in err


def test_data_unavailable_inside_the_session_leaves_no_folder(tmp_path, capsys):
    empty = tmp_path / "data"
    empty.mkdir()
    err = refused(capsys, ["--dataset", "mnist", "--data-root", str(empty), "--no-download"], tmp_path / "run")
    assert f"mnist: no mnist files in {empty}" in err and "downloading is off" in err


def test_an_out_folder_holding_another_grid_is_refused_and_left_as_it_was(tmp_path, capsys):
    out = tmp_path / "run"
    assert main([*BASE, "--out", str(out)]) == 0
    with sqlite3.connect(out / "results.sqlite") as db:
        before = db.execute("SELECT id, status, finished_at FROM trials").fetchall()
    files = sorted(p.name for p in out.rglob("*"))
    capsys.readouterr()
    assert main([*BASE, "--seeds", "2", "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"ganbench: error: --out {out} holds a run with a different grid; choose a new --out to keep both"
    with sqlite3.connect(out / "results.sqlite") as db:
        assert db.execute("SELECT id, status, finished_at FROM trials").fetchall() == before
    assert sorted(p.name for p in out.rglob("*")) == files
