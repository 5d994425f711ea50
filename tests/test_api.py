"""ganbench.run and ganbench.load: the README's example runs and gives the command's table."""

import re
from pathlib import Path

import pandas as pd
import pytest

import ganbench
from ganbench.api import command_line
from ganbench.cli import main
from ganbench.errors import UsageError

README = Path(__file__).resolve().parents[1] / "README.md"


def readme_example() -> str:
    section = README.read_text().split("## From Python: `ganbench.run` and `ganbench.load`", 1)[1]
    return re.search(r"```python\n(.*?)```", section, flags=re.S).group(1)


def test_the_readme_example_returns_the_table_of_the_equivalent_command(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    scope: dict = {}
    exec(readme_example(), scope)
    results, again = scope["results"], scope["again"]
    assert main(["run", "--models", "mlp", "--losses", "ns,hinge", "--dataset", "ring8", "--budget", "300steps",
                 "--seeds", "2", "--out", "by-command"]) == 0  # fmt: skip
    by_command = ganbench.load("by-command")
    pd.testing.assert_frame_equal(results.summary, by_command.summary)
    pd.testing.assert_frame_equal(
        results.trials.drop(columns=["steps/s", "images/s", "train s", "eval s", "data wait %", "notes"]),
        by_command.trials.drop(columns=["steps/s", "images/s", "train s", "eval s", "data wait %", "notes"]),
    )  # the same trials (ids), the same metrics; only the timings differ
    assert list(results.summary["loss"]) == ["ns", "hinge"] and set(results.summary["seeds"]) == {2}
    written = pd.read_csv(tmp_path / "results" / "from-python" / "summary.csv", keep_default_na=False)
    assert list(written.columns) == list(results.summary.columns)
    assert written["modes mean"].tolist() == pytest.approx(results.summary["modes mean"].tolist())
    assert len(scope["modes_over_training"]) == 4 * 4  # 4 trials x 4 checkpoints
    pd.testing.assert_frame_equal(again.metrics, results.metrics)
    assert set(results.scalars["name"]) >= {"d_loss", "g_loss", "d_real", "d_fake"}
    assert results.facts["command"].startswith("ganbench run --models=mlp --losses=ns,hinge")


def test_keywords_become_the_command_lines_words():
    words = command_line(
        {"models": ["dcgan", "wgan"], "losses": {"ns", "hinge"}, "budget": "60s", "seeds": 3,
         "set": ["lr_d=4e-4|2e-4", "n_critic=2"], "dry_run": True, "fail_fast": False, "workers": 2,
         "out": Path("-odd name"), "plugins": ["toy_plugin"]}
    )  # fmt: skip
    assert words == ["--plugin", "toy_plugin", "run", "--models=dcgan,wgan", "--losses=hinge,ns", "--budget=60s",
                     "--seeds=3", "--set=lr_d=4e-4|2e-4", "--set=n_critic=2", "--dry-run", "--workers=2",
                     "--out=-odd name"]  # fmt: skip
    assert command_line({"compile": 1, "dry_run": 0}) == ["run", "--compile"]  # truthiness, not the type


def test_the_words_parse_to_what_the_keywords_say(tmp_path):
    from ganbench.cli import parse_arguments

    args, _ = parse_arguments(command_line({"models": "mlp", "seeds": 2, "out": tmp_path / "-run", "set": "lr=1e-3"}))
    assert (args.models, args.seeds, args.out, args.set) == ("mlp", 2, tmp_path / "-run", ["lr=1e-3"])


def test_an_unknown_keyword_is_refused_with_the_closest_option():
    with pytest.raises(UsageError, match=r"ganbench.run\(\) has no option 'model'; did you mean models\?"):
        ganbench.run(model="mlp")


def test_bad_values_raise_the_command_lines_one_line(tmp_path):
    with pytest.raises(UsageError, match="unknown model 'dcgn'; did you mean 'dcgan'"):
        ganbench.run(models="dcgn", out=tmp_path / "run")
    with pytest.raises(UsageError, match="--seeds 0"):
        ganbench.run(models="mlp", dataset="ring8", seeds=0, out=tmp_path / "run")
    assert not (tmp_path / "run").exists()


def test_a_dry_run_has_no_results_to_return(tmp_path):
    with pytest.raises(UsageError, match="dry_run=True plans and writes nothing"):
        ganbench.run(models="mlp", losses="ns", dataset="ring8", dry_run=True, out=tmp_path / "run")
    assert not (tmp_path / "run").exists()


def test_load_refuses_a_folder_that_is_no_run(tmp_path):
    with pytest.raises(UsageError):
        ganbench.load(tmp_path)
