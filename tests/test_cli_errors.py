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
        (["--data-fraction", "0"], "0: give a share of the data, more than 0 and at most 1 (e.g. 0.1)"),
        (["--data-fraction", "1.5"], "1.5: give a share of the data, more than 0 and at most 1 (e.g. 0.1)"),
        (["--data-fraction", "a tenth"], "'a tenth' is not a number"),
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


# ------------------------------------------------------------ limits and silent defaults (one line each)


def digits(count: int) -> str:
    return "1" + "0" * (count - 1)


@pytest.mark.parametrize(
    "arguments, message",
    [
        (["--budget", digits(401) + "steps"], "is more than a trial may have, 10^9 steps"),
        (["--budget", digits(401) + "s"], "is more than a trial may have, 1 week (168h)"),
        (["--budget", "2000000mimg"], "is more than a trial may have, 10^12 images"),
        (["--budget", ""], "budget '' is not a budget: use a training time"),
        (["--models", ",,,"], "--models ',,,' names nothing; give comma-separated names, or all"),
        (["--models", ""], "--models '' names nothing"),
        (["--losses", " , "], "--losses ' , ' names nothing"),
        (["--stabilisers", "gp+gp"], "stabiliser set 'gp+gp' has gp twice; give each stabiliser once in a set"),
        (["--stabilisers", "gp:lambda=1+gp"], "stabiliser set 'gp:lambda=1+gp' has gp twice"),
        (
            ["--seeds", "10000000"],
            "the grid has 10,000,000 trials (1 x 1 x 1 x 10,000,000: models x losses x stabiliser sets x seeds); "
            "a run holds at most 100,000",
        ),
        (["--checkpoints", "100000"], "--checkpoints 100000: at most 1,000 checkpoints a trial"),
        (["--checkpoints", "6"], "--checkpoints 6 is more than the budget's 5 steps"),
        (["--checkpoints", "0"], "--checkpoints 0: at least 1 checkpoint is needed"),
        (["--fid-samples", "100000000"], "argument --fid-samples: 100000000: at most 1,000,000 samples per FID"),
        (["--dataset", "digits", "--image-size", "100000"], "--image-size 100000: give an image side in pixels from 4"),
    ],
)
def test_limits_and_empty_values_are_refused(tmp_path, capsys, arguments, message):
    assert message in refused(capsys, arguments, tmp_path / "run")


def test_a_name_given_twice_is_used_once_with_a_note(tmp_path, capsys):
    out = tmp_path / "run"
    assert main([*BASE[:-1], "mean-gap,Mean_Gap", "--losses", "toy-ns,toy-ns", "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert "ganbench: warning: --losses names toy-ns more than once; each is used once" in err
    assert "ganbench: warning: --metrics names Mean_Gap more than once; each is used once" in err
    with sqlite3.connect(out / "results.sqlite") as db:
        assert db.execute("SELECT count(*) FROM trials").fetchone()[0] == 1
        per_checkpoint = db.execute("SELECT count(*) FROM metrics WHERE name = 'mean-gap' GROUP BY checkpoint")
        assert {n for (n,) in per_checkpoint} == {1}  # computed once, not twice


def test_a_grid_too_big_is_refused_before_it_is_planned(tmp_path, capsys, monkeypatch):
    from ganbench import grid, runner

    monkeypatch.setattr(runner, "plan_trials", lambda *a, **k: pytest.fail("planned a grid past the limit"))
    monkeypatch.setattr(grid, "MAX_TRIALS", 3)
    assert "the grid has 4 trials" in refused(capsys, ["--seeds", "4"], tmp_path / "run")


# ------------------------------------------------------------ --out: where a run folder cannot be


def refused_line(capsys, arguments, code=2):
    """Run any command; return its one error line, checking the exit code and that nothing trained."""
    assert main(arguments) == code
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("ganbench: error:"), err
    assert "trials (" not in captured.out
    print(err[:300], file=sys.__stdout__)
    return err


def test_an_out_that_cannot_be_a_run_folder_is_one_line_and_leaves_everything_as_it_was(tmp_path, capsys):
    a_file = tmp_path / "somefile"
    a_file.write_text("keep")
    for out, message in [
        (a_file, f"--out {a_file} is not a folder; give a new or empty folder (or a run folder to resume)"),
        ("/dev/null", "--out /dev/null is not a folder"),
        (a_file / "run", f"--out {a_file / 'run'}: {a_file} is a file, so no folder can be made under it"),
        ("/proc/x/run", "--out /proc/x/run: nothing can be written in /proc ([Errno"),
        (tmp_path / ("a" * 100_000), "(100,0"),  # the name is shortened in the message
    ]:
        err = refused_line(capsys, [*BASE, "--out", str(out)])
        assert message in err and len(err) < 600, err
    assert a_file.read_text() == "keep" and sorted(p.name for p in tmp_path.iterdir()) == ["somefile"]


def test_an_empty_out_is_refused_rather_than_the_current_folder_used(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    err = refused_line(capsys, [*BASE, "--out", ""])
    assert "argument --out: an empty path would mean the current folder; give a folder or file name" in err
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------ sample, report and resume on bad files


@pytest.fixture
def toy_run(tmp_path):
    out = tmp_path / "run"
    assert main([*BASE[:-3], "20steps", "--metrics", "mean-gap", "--out", str(out)]) == 0
    return out


def trial_id(out):
    with sqlite3.connect(out / "results.sqlite") as db:
        return db.execute("SELECT id FROM trials").fetchone()[0]


def test_sample_refuses_too_many_samples_and_an_out_it_cannot_write(toy_run, tmp_path, capsys):
    capsys.readouterr()
    sample = [*TOY, "sample", str(toy_run), "--trial", trial_id(toy_run)]
    assert "-n 50000000: ask for 1 to 10,000 samples" in refused_line(
        capsys, [*sample, "-n", "50000000", "--out", "s.png"]
    )
    err = refused_line(capsys, [*sample, "--out", str(tmp_path)])
    assert f"--out {tmp_path} is a folder; give a file name in it" in err
    err = refused_line(capsys, [*sample, "--out", "/proc/x/samples.png"])
    assert "--out /proc/x/samples.png: nothing can be written in /proc" in err
    assert not list(tmp_path.glob("*.png"))


def test_sample_refuses_a_generator_file_that_is_not_weights_alone_in_one_line(toy_run, tmp_path, capsys):
    import os

    import torch

    class Code:
        def __reduce__(self):
            return (os.system, ("echo this must never run",))

    tid = trial_id(toy_run)
    torch.save({"weight": Code()}, toy_run / "generators" / f"{tid}.pt")  # a file that would call os.system
    capsys.readouterr()
    err = refused_line(capsys, [*TOY, "sample", str(toy_run), "--trial", tid, "--out", str(tmp_path / "s.png")])
    assert f"trial {tid}: " in err and "is not weights alone (" in err and "so it is refused and never run" in err
    assert "system" in err  # torch's own reason, in a few words: the global it refused
    assert not (tmp_path / "s.png").exists()


def test_report_refuses_an_out_it_cannot_write(toy_run, capsys):
    capsys.readouterr()
    err = refused_line(capsys, ["report", str(toy_run), "--format", "md", "--out", "/proc/x"])
    assert err.startswith("ganbench: error: --out /proc/x: nothing can be written in /proc")


def garbage_database(folder):
    (folder / "results.sqlite").unlink()
    for suffix in ("-wal", "-shm"):
        (folder / f"results.sqlite{suffix}").unlink(missing_ok=True)
    (folder / "results.sqlite").write_bytes(bytes(range(256)) * 40)


def damaged_database(folder):
    data = bytearray((folder / "results.sqlite").read_bytes())
    data[4096:] = bytes((i * 7) & 255 for i in range(len(data) - 4096))  # the header stays, the pages do not
    (folder / "results.sqlite").write_bytes(bytes(data))


@pytest.mark.parametrize(
    "spoil, reason", [(garbage_database, "file is not a database"), (damaged_database, "malformed")]
)
def test_report_and_resume_on_a_results_file_that_is_not_a_database_are_one_line(toy_run, capsys, spoil, reason):
    spoil(toy_run)
    before = {p.name: p.read_bytes() for p in toy_run.iterdir() if p.is_file()}
    capsys.readouterr()
    for command in (["report", str(toy_run)], [*BASE[:-3], "20steps", "--metrics", "mean-gap", "--out", str(toy_run)]):
        err = refused_line(capsys, command)
        assert f"{toy_run / 'results.sqlite'} cannot be used as a ganbench results database (" in err
        assert reason in err
    assert {p.name: p.read_bytes() for p in toy_run.iterdir() if p.is_file()} == before


def test_a_full_disk_during_report_names_the_file_and_leaves_the_old_one_whole(toy_run, capsys, monkeypatch):
    from ganbench import paths

    old = (toy_run / "report.md").read_bytes()
    write = paths._fill

    def full(file, payload):
        if payload.startswith(b"# ganbench run"):
            file.write(payload[:10])
            raise OSError(28, "No space left on device")
        write(file, payload)

    monkeypatch.setattr(paths, "_fill", full)
    capsys.readouterr()
    err = refused_line(capsys, ["report", str(toy_run)])
    assert err == f"ganbench: error: cannot write {toy_run / 'report.md'}: [Errno 28] No space left on device"
    assert (toy_run / "report.md").read_bytes() == old
    assert not [p for p in toy_run.rglob("*") if p.name.endswith(".tmp")]


def test_a_read_only_run_folder_is_one_line_naming_the_file(toy_run, capsys, monkeypatch):
    """Simulated (tests run as root here, where chmod does not stop writes): every new file is refused."""
    from ganbench import paths

    def read_only(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(paths.tempfile, "mkstemp", read_only)
    capsys.readouterr()
    err = refused_line(capsys, ["report", str(toy_run), "--format", "md", "--out", str(toy_run / "report.md")])
    assert err.endswith(f"{toy_run / 'report.md'}: [Errno 13] Permission denied")
    err = refused_line(capsys, ["report", str(toy_run)])
    assert err == f"ganbench: error: cannot write {toy_run / 'results.csv'}: [Errno 13] Permission denied"


def test_a_truncated_jpeg_read_while_a_metric_is_prepared_is_one_line(tmp_path, capsys):
    """Over 64 images a metric's preparation decodes them in DataLoader workers, whose errors come back
    with the worker's whole traceback as their text: the line says only what the worker said."""
    import numpy as np
    from PIL import Image

    images = tmp_path / "images"
    images.mkdir()
    noise = np.random.default_rng(0)
    for i in range(70):
        Image.fromarray(noise.integers(0, 255, (64, 64, 3), dtype=np.uint8)).save(images / f"{i:02}.jpg")
    broken = images / "00.jpg"
    broken.write_bytes(broken.read_bytes()[: broken.stat().st_size * 6 // 10])  # the header reads, the pixels do not
    out = tmp_path / "run"
    err = refused_line(
        capsys,
        [
            *TOY,
            "run",
            "--models",
            "dcgan",
            "--losses",
            "ns",
            "--dataset",
            f"folder:{images}",
            "--image-size",
            "16",
            "--metrics",
            "mean-gap",
            "--data-workers",
            "1",
            "--budget",
            "5steps",
            "--out",
            str(out),
        ],
    )
    assert err.startswith(f"ganbench: error: folder: cannot decode image {broken}: image file is truncated")
    assert not out.exists()


def test_a_flop_budget_with_compile_is_refused_before_any_work(tmp_path, capsys):
    arguments = ["--budget", "1gflop", "--compile"]
    assert main([*BASE[:-4], *arguments, "--metrics", "mean-gap", "--out", str(tmp_path / "run")]) == 2
    assert "torch's FLOP counter cannot see inside a compiled step" in capsys.readouterr().err
    assert not (tmp_path / "run").exists()
