"""The EMA generator: its weights equal an average computed by hand, and it is what a trial evaluates and reports."""

import sqlite3

import pytest
import torch

from ganbench.budget import Budget, TrainingClock
from ganbench.cli import main
from ganbench.ema import GeneratorAverage
from ganbench.plugins import PluginOptions
from ganbench.testing import registry_for
from ganbench.train import build_setup, train
from ganbench.trial import load_dataset
from ganbench.types import DataOptions, TrialPlan

PLUGINS = PluginOptions(modules=("toy_plugin",))
CPU = torch.device("cpu")


def hand_average(snapshots, decay, start):
    """average_t = decay * average_(t-1) + (1 - decay) * G_t, from G's weights after update ``start`` on."""
    average = None
    for update, weights in enumerate(snapshots, start=1):
        if update < start:
            continue
        average = weights.clone() if average is None else decay * average + (1 - decay) * weights
    return average


@pytest.mark.parametrize(("decay", "start"), [(0.9, 0), (0.5, 3)])
def test_the_ema_of_a_trained_g_equals_the_average_by_hand(decay, start):
    registry = registry_for(PLUGINS)
    data = load_dataset(registry, "toy-line", DataOptions(download=False))
    spec = registry.get("models", "toy-mlp")
    plan = TrialPlan(spec, registry.get("losses", "toy-ns"), (), 0, spec.hparams.replace(ema=decay, ema_start=start),
                     data.shape)  # fmt: skip
    setup = build_setup(plan, registry, CPU)
    snapshots = []  # G's weights after every G update, flattened
    flat = lambda module: torch.cat([p.detach().flatten() for p in module.parameters()])  # noqa: E731
    setup.opt_g.register_step_post_hook(lambda optimiser, args, kwargs: snapshots.append(flat(setup.generator)))
    train(setup, data, Budget("steps", 6), TrainingClock(CPU), checkpoints=0, on_checkpoint=lambda i, u: None)
    assert len(snapshots) == 6
    torch.testing.assert_close(flat(setup.evaluated), hand_average(snapshots, decay, start), rtol=1e-6, atol=1e-7)
    assert not torch.equal(flat(setup.evaluated), flat(setup.generator))  # G itself trains on, unaveraged
    assert setup.average.label == (f"EMA G (decay {decay:g}" + (f" from step {start})" if start else ")"))


def test_before_its_start_there_is_no_average_and_g_is_evaluated():
    generator = torch.nn.Linear(2, 2)
    average = GeneratorAverage(generator, 0.99, start=5)
    for _ in range(4):
        average.update()
    assert average.evaluated is generator and average.label == "G (EMA not started from step 5)"
    average.update()
    assert average.evaluated is not generator and torch.equal(average.evaluated.weight, generator.weight)


def test_no_decay_no_average():
    generator = torch.nn.Linear(2, 2)
    average = GeneratorAverage(generator, 0.0)
    average.update()
    assert average.evaluated is generator and average.label == "G"


def test_a_run_with_ema_evaluates_it_saves_both_and_the_report_says_ema_g(tmp_path):
    out = tmp_path / "run"
    assert main(["run", "--models", "mlp", "--losses", "ns", "--dataset", "ring8", "--budget", "60steps",
                 "--set", "ema=0.99|0", "--checkpoints", "1", "--out", str(out)]) == 0  # fmt: skip
    with sqlite3.connect(out / "results.sqlite") as db:
        rows = dict(db.execute("SELECT evaluated, generator_raw FROM trials").fetchall())
    assert set(rows) == {"EMA G (decay 0.99)", "G"}
    assert rows["EMA G (decay 0.99)"] and (out / rows["EMA G (decay 0.99)"]).is_file() and rows["G"] is None
    report = (out / "report.md").read_text()
    assert "EMA G (decay 0.99)" in report  # the row of the trial scored on the average says so
    (raw,) = out.glob("generators/*-g.pt")
    evaluated = raw.with_name(raw.name.replace("-g.pt", ".pt"))
    g, average = (torch.load(path, weights_only=True) for path in (raw, evaluated))
    assert g.keys() == average.keys()  # the same generator, its own weights and its average
    assert any(not torch.equal(g[key], average[key]) for key in g)
