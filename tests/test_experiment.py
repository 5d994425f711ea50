"""Experiment files: --config, the experiment.toml every run folder keeps, and `ganbench rerun`."""

import sqlite3

from ganbench.cli import main

TOY = ["--plugin", "toy_plugin"]
RUN = [*TOY, "run", "--models", "toy-mlp", "--losses", "toy-ns", "--dataset", "toy-line", "--metrics", "mean-gap"]


def measured(folder):
    with sqlite3.connect(folder / "results.sqlite") as db:
        return sorted(db.execute("SELECT trial_id, name, checkpoint, value FROM metrics").fetchall())


def test_a_rerun_gives_the_same_trial_ids_and_the_same_numbers_bit_for_bit(tmp_path):
    first = tmp_path / "first"
    assert main([*RUN, "--set", "lr_d=1e-3|3e-3", "--seeds", "2", "--budget", "30steps", "--out", str(first)]) == 0
    kept = (first / "experiment.toml").read_text()
    assert 'set = ["lr_d=1e-3|3e-3"]' in kept and 'plugins = ["toy_plugin"]' in kept and "out =" not in kept
    assert main(["rerun", str(first)]) == 0
    again = tmp_path / "first-rerun"
    assert measured(again) == measured(first) and len(measured(first)) == 4 * 4  # 4 trials, 4 checkpoints


def test_a_config_file_gives_defaults_and_the_command_line_wins(tmp_path):
    config = tmp_path / "exp.toml"
    config.write_text(
        'models = ["toy-mlp"]\nlosses = ["toy-ns"]\ndataset = "toy-line"\nbudget = "10steps"\nseeds = 2\n'
    )
    out = tmp_path / "run"
    assert main([*TOY, "run", "--config", str(config), "--seeds", "1", "--metrics", "none", "--out", str(out)]) == 0
    with sqlite3.connect(out / "results.sqlite") as db:
        assert db.execute("SELECT COUNT(*), MAX(steps) FROM trials").fetchone() == (1, 10)


def test_bad_experiment_files_are_one_line_naming_the_file_and_the_line(tmp_path, capsys):
    unknown = tmp_path / "unknown.toml"
    unknown.write_text('models = ["toy-mlp"]\nlr_dd = 3\n')
    broken = tmp_path / "broken.toml"
    broken.write_text('models = ["toy-mlp"\n')
    for path, says in ((unknown, "line 2: 'lr_dd' is not an option of ganbench run"), (broken, "not valid TOML")):
        assert main([*TOY, "run", "--config", str(path), "--out", str(tmp_path / "run")]) == 2
        err = capsys.readouterr().err.strip()
        assert says in err and len(err.splitlines()) == 1
    assert main(["rerun", str(tmp_path)]) == 2
    assert "is not a ganbench run folder with an experiment" in capsys.readouterr().err
    assert not (tmp_path / "run").exists()


def test_a_dry_run_prints_the_plan_and_writes_nothing(tmp_path, capsys):
    out = tmp_path / "run"
    assert (
        main([*RUN, "--set", "lr_d=1e-3|3e-3", "--seeds", "3", "--budget", "2m", "--dry-run", "--out", str(out)]) == 0
    )
    text = capsys.readouterr().out
    assert "6 trials to run, 0 skipped" in text and "[lr_d=1e-3]" in text
    assert "at least 0.20 h (120s x 6 trials / 1 workers)" in text
    assert not out.exists()
