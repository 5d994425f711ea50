"""End to end through the command line, with the tiny test plugin (fast) and the built-ins."""

import sqlite3

import pytest

from ganbench.cli import main

TOY = ["--plugin", "toy_plugin"]
TOY_RUN = [
    *TOY,
    "run",
    "--models",
    "toy-mlp",
    "--losses",
    "toy-ns",
    "--dataset",
    "toy-line",
    "--budget",
    "40steps",
    "--seeds",
    "2",
    "--metrics",
    "mean-gap",
]


def rows(folder, sql):
    with sqlite3.connect(folder / "results.sqlite") as db:
        return db.execute(sql).fetchall()


@pytest.fixture(scope="module")
def toy_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "toy"
    assert main([*TOY_RUN, "--out", str(out)]) == 0
    return out


def test_run_writes_database_pictures_weights_manifest_and_report(toy_run):
    trials = rows(
        toy_run, "SELECT model, loss, seed, status, steps, steps_per_s, samples, generator FROM trials ORDER BY seed"
    )
    assert [(t[0], t[1], t[2], t[3], t[4]) for t in trials] == [
        ("toy-mlp", "toy-ns", 0, "done", 40),
        ("toy-mlp", "toy-ns", 1, "done", 40),
    ]
    assert all(t[5] > 0 and (toy_run / t[6]).is_file() and (toy_run / t[7]).is_file() for t in trials)
    checkpoints = rows(
        toy_run, "SELECT trial_id, checkpoint, step FROM metrics WHERE name = 'mean-gap' ORDER BY trial_id, checkpoint"
    )
    assert len(checkpoints) == 8 and [c[2] for c in checkpoints[:4]] == [10, 20, 30, 40]
    assert rows(toy_run, "SELECT count(*) FROM scalars WHERE name = 'd_loss'")[0][0] >= 8
    report = (toy_run / "report.md").read_text()
    # one summary row over both seeds, then one row per trial
    assert report.count("| toy-mlp ") == 3 and "mean-gap" in report and "40steps" in report
    assert (toy_run / "results.csv").read_text().count("toy-mlp") == 2
    import json

    manifest = json.loads(rows(toy_run, "SELECT value FROM run WHERE key = 'manifest'")[0][0])
    assert manifest["versions"]["torch"] and "toy_plugin" in {p["name"] for p in manifest["plugins"]}
    assert manifest["command"].startswith("ganbench --plugin toy_plugin run")


def test_generator_weights_load_with_weights_only(toy_run):
    import torch

    [path] = rows(toy_run, "SELECT generator FROM trials WHERE seed = 0")[0]
    state = torch.load(toy_run / path, weights_only=True)
    assert any(name.endswith("weight") for name in state)


def test_report_renders_again_from_the_database_alone(toy_run):
    before = (toy_run / "report.md").read_text()
    (toy_run / "report.md").unlink()
    (toy_run / "results.csv").unlink()
    assert main(["report", str(toy_run)]) == 0
    assert (toy_run / "report.md").read_text() == before
    assert (toy_run / "results.csv").is_file()


def test_the_same_command_resumes_and_keeps_finished_trials(toy_run, capsys):
    finished = rows(toy_run, "SELECT id, finished_at FROM trials ORDER BY id")
    assert main([*TOY_RUN, "--out", str(toy_run)]) == 0
    assert rows(toy_run, "SELECT id, finished_at FROM trials ORDER BY id") == finished
    assert "0 to run, 2 kept from an earlier run" in capsys.readouterr().out


def test_a_different_grid_in_the_same_folder_is_refused(toy_run, capsys):
    assert main([*TOY_RUN[:-4], "--seeds", "3", "--metrics", "mean-gap", "--out", str(toy_run)]) == 2
    assert "holds a run with a different grid" in capsys.readouterr().err


@pytest.mark.parametrize(
    "arguments, message",
    [
        (["--models", "toy-mpl"], "did you mean 'toy-mlp'"),
        (["--budget", "30x"], "budget '30x' is not a budget"),
        (["--budget=-5s"], "must be more than zero"),
        (["--budget", "0steps"], "must be more than zero"),
        (["--seeds", "0"], "at least 1"),
        (["--stabilisers", "nosuch"], "unknown stabiliser 'nosuch'"),
        (["--dataset", "nosuch"], "unknown data set 'nosuch'"),
        (["--metrics", "nosuch"], "unknown metric 'nosuch'"),
        (["--executor", "nosuch"], "unknown executor 'nosuch'"),
        (["--device", "cuda:7"], "device 'cuda:7'"),
        (["--seeds", "two"], "invalid int value"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_nothing_written(tmp_path, capsys, arguments, message):
    out = tmp_path / "run"
    base = [
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
        "--out",
        str(out),
    ]
    assert main(base + arguments) == 2  # the last of a repeated option wins
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1 and err.startswith("ganbench: error:")
    assert not out.exists()


def test_list_and_plugins_show_components_and_providers(capsys):
    assert main([*TOY, "list", "models"]) == 0
    out = capsys.readouterr().out
    assert "toy-mlp" in out and "toy_plugin" in out
    assert main(["list", "suites"]) == 0
    out = capsys.readouterr().out
    assert "quick" in out and "modes-2d" in out
    assert main([*TOY, "plugins"]) == 0
    out = capsys.readouterr().out
    assert "toy_plugin" in out and "built-in" in out and "toy-mlp" in out


def test_list_shows_square_brackets_in_descriptions(capsys, monkeypatch):
    """Plugin text is not rich markup: "pip install 'ganbench[ray]'" keeps its brackets."""
    from ganbench import terminal

    monkeypatch.setattr(terminal.console, "width", 400)
    assert main(["list", "executors"]) == 0
    assert "pip install 'ganbench[ray]'" in capsys.readouterr().out


def test_a_folder_run_streams_its_images_and_says_so(tmp_path, capsys):
    import numpy as np
    from PIL import Image

    images = tmp_path / "faces"
    images.mkdir()
    rng = np.random.default_rng(0)
    for i in range(30):
        Image.fromarray(rng.integers(0, 256, (20, 24, 3), dtype=np.uint8)).save(images / f"{i}.jpg")
    out = tmp_path / "run"
    assert (
        main(
            [
                *TOY,
                "run",
                "--models",
                "dcgan",
                "--losses",
                "toy-ns",
                "--dataset",
                f"folder:{images}",
                "--image-size",
                "16",
                "--budget",
                "8steps",
                "--checkpoints",
                "2",
                "--metrics",
                "mean-gap",
                "--data-workers",
                "2",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    assert rows(out, "SELECT status, steps FROM trials") == [("done", 8)]
    assert len(rows(out, "SELECT value FROM metrics WHERE name = 'mean-gap'")) == 2
    assert "30 samples; streamed from storage by 2 DataLoader workers)" in (out / "report.md").read_text()

    # The same command resumes; once the folder has gained an image, it is another experiment.
    command = [
        *TOY,
        "run",
        "--models",
        "dcgan",
        "--losses",
        "toy-ns",
        "--dataset",
        f"folder:{images}",
        "--image-size",
        "16",
        "--budget",
        "8steps",
        "--checkpoints",
        "2",
        "--metrics",
        "mean-gap",
        "--data-workers",
        "0",
        "--out",
        str(out),
    ]
    assert main(command) == 0
    assert "decoded in the training process" in (out / "report.md").read_text()  # this invocation's loading
    Image.fromarray(rng.integers(0, 256, (20, 24, 3), dtype=np.uint8)).save(images / "new.jpg")
    before = (out / "results.sqlite").read_bytes()
    from ganbench.testing import forget_registries

    forget_registries()  # a new invocation loads the data afresh; this process caches its session
    assert main(command) == 2
    assert "was run on other data" in capsys.readouterr().err
    assert (out / "results.sqlite").read_bytes() == before


def test_a_data_bound_trial_is_flagged_under_the_terminal_table(tmp_path, capsys):
    out = tmp_path / "slow"
    assert (
        main(
            [
                *TOY,
                "run",
                "--models",
                "toy-mlp",
                "--losses",
                "toy-ns",
                "--dataset",
                "toy-slow-line",
                "--budget",
                "10steps",
                "--checkpoints",
                "1",
                "--metrics",
                "none",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    printed = " ".join(capsys.readouterr().out.split())
    assert "1 of 1 trials waited over 10% of their training for data" in printed
    [(share, notes)] = rows(out, "SELECT data_wait_share, notes FROM trials")
    assert share > 0.1 and "the data loader, not the model, limited its steps/s" in notes
    assert "data wait %" in (out / "report.md").read_text()


def test_a_finished_trials_bar_reaches_100_percent_and_its_clock_stops():
    from types import SimpleNamespace

    from ganbench.budget import Budget
    from ganbench.terminal import RunProgress
    from ganbench.types import TrialResult, Usage

    progress = RunProgress(Budget("steps", 10), total=2)
    jobs = [
        SimpleNamespace(id=f"t{seed}", model="toy-mlp", loss="toy-ns", stabilisers=(), seed=seed) for seed in (0, 1)
    ]
    for job in jobs:  # the last log line came at step 7 of 10, as logging every few steps leaves it
        progress.on_log(job)(Usage(steps=7), {"d_loss": 1.0, "g_loss": 1.0})
    progress.on_result(jobs[0], TrialResult("t0", "done"))
    progress.on_result(jobs[1], TrialResult("t1", "error", "it failed"))
    done, failed = progress.progress.tasks[1:]
    assert done.percentage == 100 and done.stop_time is not None
    assert failed.percentage == 70 and failed.stop_time is not None  # where it stopped, its clock stopped too


def test_a_trials_bar_shows_d_and_g_or_a_models_own_objective_terms():
    from ganbench.terminal import shown

    assert shown({"d_loss": 1.25, "g_loss": 0.5, "d_real": 0.3}) == "D 1.250  G 0.500"
    assert (
        shown({"loss": 812.0, "reconstruction": 800.0, "kl": 12.0}) == "loss 812.000  reconstruction 800.000  kl 12.000"
    )


def test_the_preparation_spinner_names_the_data_set_the_feature_network_and_its_cache(tmp_path, monkeypatch):
    from ganbench.commands.run import preparing
    from ganbench.runner import RunRequest

    monkeypatch.setenv("GANBENCH_CACHE", str(tmp_path / "cache"))
    request = RunRequest(["dcgan"], ["ns"], ["none"], "digits", 1, None, tmp_path / "run")
    text = preparing(request)
    assert "preparing digits" in text and "trains a feature network" in text and "once per data set" in text
    assert f"cached in {tmp_path / 'cache'}" in text


COMMANDS = ["--plugin", "command_plugin"]


def test_a_plugin_command_is_called_through_ganbench_name(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("GANBENCH_CACHE", str(tmp_path / "cache"))
    assert main([*COMMANDS, "greet", "--name", "ada"]) == 0
    assert capsys.readouterr().out.strip() == f"hello ada (cache {tmp_path / 'cache'}, device cpu)"
    assert main([*COMMANDS, "greet", "--name", "ada", "--code", "3"]) == 3  # its exit code is the command's
    assert main([*COMMANDS, "greet"]) == 2  # a UsageError it raises: one line, exit 2, as for ganbench's own
    assert capsys.readouterr().err.strip() == "ganbench: error: greet: give a --name"
    assert main([*COMMANDS, "greet", "--nosuch"]) == 2
    assert "unrecognized arguments: --nosuch" in capsys.readouterr().err


def test_a_plugin_command_with_data_gets_runs_data_options_and_loader(capsys, tmp_path):
    assert main([*TOY, *COMMANDS, "data-size", "toy-line", "--device", "cpu", "--data-root", str(tmp_path)]) == 0
    assert capsys.readouterr().out.strip() == f"toy-line: 2000 samples on cpu, root {tmp_path}"
    assert main([*TOY, *COMMANDS, "data-size", "toy-line", "--image-size", "2"]) == 2  # run's own check
    assert "--image-size 2: give an image side in pixels from 4" in capsys.readouterr().err
    assert main([*TOY, *COMMANDS, "data-size", "nosuch"]) == 2
    assert "unknown data set 'nosuch'" in capsys.readouterr().err


def test_plugin_commands_are_listed_by_the_top_level_help(capsys):
    with pytest.raises(SystemExit) as done:
        main([*COMMANDS, "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert "greet" in out and "say hello" in out and "fid-stats" in out  # the built-in FID plugin's too


def test_a_plugin_command_may_not_take_a_name_in_use():
    import argparse

    from ganbench.types import Commands

    subparsers = argparse.ArgumentParser().add_subparsers()
    subparsers.add_parser("run")
    commands = Commands(subparsers, lambda parser: None)
    with pytest.raises(ValueError, match="the command 'run' already exists"):
        commands.add("run", help="mine", run=lambda args, context: 0)
    with pytest.raises(ValueError, match="is not a command name"):
        commands.add("--x", help="mine", run=lambda args, context: 0)
    assert commands.add("mine", help="mine", run=lambda args, context: 0).prog.endswith("mine")
