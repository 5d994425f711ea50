"""--tune: every variant gets the same configurations, the best is chosen on held-out data, then retrained."""

import json
import sqlite3

import pytest

from ganbench.cli import main

ARGS = ["run", "--models", "mlp", "--losses", "ns,hinge", "--stabilisers", "none,gp", "--dataset", "ring8"]
TUNED = [*ARGS, "--tune", "3", "--seeds", "2", "--budget", "20steps", "--checkpoints", "1"]


@pytest.fixture(scope="module")
def tuned(tmp_path_factory):
    out = tmp_path_factory.mktemp("tuning") / "run"
    assert main([*TUNED, "--out", str(out)]) == 0
    return out


def trials(out):
    with sqlite3.connect(out / "results.sqlite") as db:
        rows = db.execute("SELECT id, phase, model, loss, stabilisers, seed, settings, config FROM trials").fetchall()
    return [
        dict(zip(("id", "phase", "model", "loss", "stabilisers", "seed", "settings"), r[:7]), config=json.loads(r[7]))
        for r in rows
    ]


def test_each_variant_tries_n_configurations_then_its_best_with_fresh_seeds(tuned):
    rows = trials(tuned)
    tune = [r for r in rows if r["phase"] == "tune"]
    final = [r for r in rows if r["phase"] == "final"]
    assert len(tune) == 4 * 3 and {r["seed"] for r in tune} == {0}
    assert len(final) == 4 * 2 and {r["seed"] for r in final} == {1, 2}
    facts = json.loads(sqlite3.connect(tuned / "results.sqlite").execute(
        "SELECT value FROM run WHERE key = 'tuning'").fetchone()[0])  # fmt: skip
    assert facts["select"] == "reverse_kl" and len(facts["variants"]) == 4
    by_id = {r["id"]: r for r in rows}
    with sqlite3.connect(tuned / "results.sqlite") as db:
        kl = dict(db.execute("SELECT trial_id, value FROM metrics WHERE name = 'reverse_kl'").fetchall())
    for variant in facts["variants"]:
        scores = [kl.get(t, float("inf")) for t in variant["trials"]]
        assert variant["best"] == scores.index(min(scores))  # lower reverse KL is better
        chosen = by_id[variant["trials"][variant["best"]]]["config"]["hparams"]
        mine = [r for r in final if r["model"] == "mlp" and variant["name"].startswith(f"mlp/{r['loss']}/")]
        assert any(r["config"]["hparams"] == chosen for r in mine)


def test_two_variants_with_the_same_space_see_the_same_points(tuned):
    facts = json.loads(sqlite3.connect(tuned / "results.sqlite").execute(
        "SELECT value FROM run WHERE key = 'tuning'").fetchone()[0])  # fmt: skip
    configs = {v["name"]: v["configs"] for v in facts["variants"]}
    assert configs["mlp/ns/none"] == configs["mlp/hinge/none"]
    assert configs["mlp/ns/gp"] == configs["mlp/hinge/gp"] and "gp.lambda" in configs["mlp/ns/gp"][0]


def test_the_report_tells_the_tuning_and_the_summary_holds_only_final_trials(tuned):
    text = (tuned / "report.md").read_text()
    assert "## Tuning" in text and "scored by `reverse_kl` (lower is better)" in text
    assert (tuned / "curves" / "tuning-expected-best.png").stat().st_size > 1000
    summary = text.split("## Results over seeds", 1)[1].split("\n## ", 1)[0]
    assert "tuned: best of 3" in summary and "tune 1/3" not in summary and "2/2" in summary


def test_a_finished_search_resumes_with_nothing_to_run(tuned, capsys):
    assert main([*TUNED, "--out", str(tuned)]) == 0
    out = capsys.readouterr().out
    assert "12 trials (0 to run, 12 kept" in out and "8 trials (0 to run, 8 kept" in out


def test_a_model_without_a_search_space_cannot_be_tuned(tmp_path, capsys):
    arguments = ["--plugin", "toy_plugin", "run", "--models", "toy-mlp", "--losses", "toy-ns", "--dataset", "toy-line"]
    assert main([*arguments, "--tune", "2", "--out", str(tmp_path / "run")]) == 2
    assert "the model 'toy-mlp' declares no search space" in capsys.readouterr().err
    assert not (tmp_path / "run").exists()
