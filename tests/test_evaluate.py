"""ganbench.evaluate: what a metric returns is checked at every evaluation; a bad record fails its trial, naming the metric."""

import sqlite3

import pytest
import torch
from torch import nn

from ganbench.cli import main
from ganbench.evaluate import Evaluator
from ganbench.plugins import PluginOptions
from ganbench.registry import registry_for
from ganbench.testing import forget_registries
from ganbench.types import DataOptions, Dataset, MetricContext

PLUGINS = PluginOptions(external=False, modules=("bad_metric_plugin",))


@pytest.mark.parametrize(
    "name, says",
    [
        ("returns-float", "returned float 1.0, not a list"),
        ("no-direction", "higher_is_better=None: it must be True or False"),
        ("tensor-value", "it must be an int or float"),
    ],
)
def test_a_bad_record_is_a_type_error_naming_the_metric_and_its_plugin(name, says):
    data = Dataset("points", torch.randn(64, 2))
    spec = registry_for(PLUGINS).get("metrics", name)
    evaluator = Evaluator.prepare([spec], MetricContext(data, torch.device("cpu"), "unused"))
    with pytest.raises(TypeError, match=f"metric '{name}' from bad_metric_plugin") as raised:
        evaluator.evaluate(nn.Linear(2, 2), z_dim=2, seed=0)
    assert says in str(raised.value)


def test_a_trial_whose_metric_returns_a_bad_record_ends_error_and_the_grid_goes_on(tmp_path):
    forget_registries()  # a fresh session: flaky-direction is bad at its first evaluation in a process
    out = tmp_path / "run"
    code = main(
        [
            *("--plugin", "toy_plugin", "--plugin", "bad_metric_plugin", "run"),
            *("--models", "toy-mlp", "--losses", "toy-ns", "--dataset", "toy-line", "--seeds", "2"),
            *("--budget", "2steps", "--checkpoints", "1", "--metrics", "flaky-direction", "--executor", "local"),
            *("--out", str(out)),
        ]
    )
    assert code == 0
    with sqlite3.connect(out / "results.sqlite") as db:
        rows = db.execute("SELECT seed, status, reason FROM trials ORDER BY seed").fetchall()
    [(_, first, reason), (_, second, _)] = rows
    assert first == "error" and "metric 'flaky-direction' from bad_metric_plugin" in reason, reason
    assert "higher_is_better=None" in reason
    assert second == "done"


def test_a_metrics_samples_do_not_depend_on_which_other_metrics_run(cache_dir):
    """FID of the same trained G is the same number with --metrics fid and with every metric beside it."""
    from ganbench.testing import run_tiny_trial

    def fid(metrics):
        result = run_tiny_trial("dcgan", "ns", dataset="digits", steps=2, metrics=metrics, cache_dir=str(cache_dir))
        assert result.status == "done", result.reason
        return [c.measurement.value for c in result.checkpoints if c.measurement.name == "fid"]

    alone = fid(("fid",))
    assert alone == fid(("kid", "class-coverage", "fid", "precision-recall")) and len(alone) == 1


def test_each_stream_is_seeded_by_the_trial_and_its_name_and_drawn_on_the_cpu():
    from ganbench.latents import sampler, stream_seed

    assert stream_seed(0, "fid") == stream_seed(0, "fid") != stream_seed(0, "kid") != stream_seed(1, "kid")
    identity = nn.Identity()
    identity.register_parameter("p", nn.Parameter(torch.zeros(1)))  # a device to read
    first = sampler(identity, 3, 0, "fid")(1200)  # three chunks
    again = sampler(identity, 3, 0, "fid")
    assert torch.equal(torch.cat([again(700), again(500)]), first)  # a stream continues, however it is split
    expected = torch.randn(500, 3, generator=torch.Generator().manual_seed(stream_seed(0, "fid")))
    assert torch.equal(first[:500], expected)  # the CPU generator, whatever G's device


def test_kid_is_a_default_beside_fid_where_fid_scores_fewer_than_2048_samples():
    from ganbench.evaluate import choose_metrics

    registry = registry_for(PluginOptions(external=False))
    digits = registry.get("datasets", "digits").load(DataOptions())
    chosen = {spec.name for spec in choose_metrics(registry, digits, None, {})}
    assert {"fid", "kid"} <= chosen  # 1,797 samples: FID's bias is large, KID is shown beside it
    assert "kid" not in {spec.name for spec in choose_metrics(registry, digits, None, {"fid_samples": 5000})}
    why = registry.get("metrics", "kid").default_when(digits, {})
    assert why.startswith("FID is scored on 1,797 generated samples (< 2,048)")
