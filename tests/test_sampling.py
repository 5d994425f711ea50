"""Saved generators: rebuilt from installed plugins only, sampled, and interpolated (line and slerp)."""

import io

import pytest
import torch
from PIL import Image

from ganbench import sampling
from ganbench.cli import main
from ganbench.errors import UsageError
from ganbench.plugins import PluginOptions
from ganbench.registry import registry_for
from ganbench.store import Store
from ganbench.types import TrialResult

HPARAMS = {
    "z_dim": 2,
    "batch_size": 32,
    "optimizer": "adam",
    "lr_g": 0.001,
    "lr_d": 0.001,
    "betas": [0.5, 0.999],
    "n_critic": 1,
}


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    """A run folder with two trials' saved toy generators, written through the store as a run would."""
    import toy_plugin

    folder = tmp_path_factory.mktemp("sampling")
    store = Store(folder)
    store.set("dataset", {"name": "toy-line", "shape": "vector 2"})
    for trial_id, seed in (("abc123000000", 0), ("abd456000000", 1)):
        torch.manual_seed(seed)
        generator = toy_plugin.generator(sampling.DataShape("vector", (2,)), sampling.HParams(z_dim=2))
        buffer = io.BytesIO()
        torch.save(generator.state_dict(), buffer)
        trial = {
            "id": trial_id,
            "model": "toy-mlp",
            "loss": "toy-ns",
            "stabilisers": "none",
            "seed": seed,
            "hparams": HPARAMS,
        }
        store.record(trial, TrialResult(trial_id, "done", generator_state=buffer.getvalue()))
    store.close()
    return folder


def test_slerp_keeps_the_endpoints_and_follows_the_arc():
    a, b = torch.tensor([1.0, 0.0]), torch.tensor([0.0, 2.0])
    t = torch.linspace(0, 1, 5)
    path = sampling.slerp(a, b, t)
    assert torch.allclose(path[0], a) and torch.allclose(path[-1], b, atol=1e-6)
    assert not torch.allclose(path, sampling.lerp(a, b, t))
    assert torch.allclose(sampling.slerp(a, 2 * a, t), sampling.lerp(a, 2 * a, t))  # parallel: the line


def test_a_unique_prefix_finds_the_trial_and_an_ambiguous_or_unknown_one_is_refused(run_dir):
    store = Store.open_existing(run_dir)
    try:
        assert sampling.resolve_trial(store, "abc")["id"] == "abc123000000"
        with pytest.raises(UsageError, match="ambiguous"):
            sampling.resolve_trial(store, "ab")
        with pytest.raises(UsageError, match="no trial 'zzz'"):
            sampling.resolve_trial(store, "zzz")
        saved = sampling.load_generator(
            store, sampling.resolve_trial(store, "abd"), registry_for(PluginOptions(modules=("toy_plugin",)))
        )
        assert saved.z_dim == 2 and saved.shape.kind == "vector"
    finally:
        store.close()


def test_a_readable_name_finds_the_trial_and_one_shared_by_several_settings_lists_them(run_dir, tmp_path):
    store = Store.open_existing(run_dir)
    try:
        assert sampling.resolve_trial(store, "toy-mlp/toy-ns/none/0")["id"] == "abc123000000"
        assert sampling.resolve_trial(store, "toy-mlp/toy-ns/none/s1")["id"] == "abd456000000"
        with pytest.raises(UsageError, match=r"no trial 'toy-mlp/toy-ns/gp/0' .*toy-mlp/toy-ns/none/s0 \(abc12300\)"):
            sampling.resolve_trial(store, "toy-mlp/toy-ns/gp/0")
    finally:
        store.close()
    store = Store(tmp_path)  # one configuration and seed under two --set values
    for trial_id, settings in (("aaa000000000", "lr_d=1e-3"), ("bbb000000000", "lr_d=2e-3")):
        trial = {"id": trial_id, "model": "dcgan", "loss": "ns", "stabilisers": "none", "seed": 0, "settings": settings}
        store.record(trial, TrialResult(trial_id, "done"))
    try:
        with pytest.raises(UsageError) as refused:
            sampling.resolve_trial(store, "dcgan/ns/none/0")
        message = str(refused.value)
        assert "is ambiguous" in message and "\n" not in message
        assert "dcgan/ns/none/s0 (aaa00000, lr_d=1e-3)" in message and "(bbb00000, lr_d=2e-3)" in message
    finally:
        store.close()


def test_the_sample_command_writes_samples_and_interpolations(run_dir, tmp_path):
    out = tmp_path / "s.png"
    assert (
        main(["--plugin", "toy_plugin", "sample", str(run_dir), "--trial", "abc1", "-n", "16", "--out", str(out)]) == 0
    )
    assert Image.open(out).format == "PNG"
    path = tmp_path / "i.png"
    assert (
        main(["--plugin", "toy_plugin", "sample", str(run_dir), "--trial", "abd", "--interpolate", "--out", str(path)])
        == 0
    )
    assert Image.open(path).size[0] > 100
    by_name = tmp_path / "n.png"
    argv = ["--plugin", "toy_plugin", "sample", str(run_dir), "--trial", "toy-mlp/toy-ns/none/s1"]
    assert main([*argv, "-n", "4", "--out", str(by_name)]) == 0 and by_name.read_bytes().startswith(b"\x89PNG")


def test_an_unknown_trial_is_one_line_and_exit_2(run_dir, tmp_path, capsys):
    assert (
        main(["--plugin", "toy_plugin", "sample", str(run_dir), "--trial", "nosuch", "--out", str(tmp_path / "x.png")])
        == 2
    )
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "no trial 'nosuch'" in err and not (tmp_path / "x.png").exists()


def test_as_evaluated_draws_exactly_the_samples_a_metric_scored(tmp_path, capsys):
    import recording_plugin

    recording_plugin.SCORED.clear()
    out = tmp_path / "run"
    arguments = ["--plugin", "toy_plugin", "--plugin", "recording_plugin", "run", "--models", "toy-mlp"]
    arguments += ["--losses", "toy-ns", "--dataset", "toy-line", "--budget", "12steps", "--checkpoints", "2"]
    assert main([*arguments, "--metrics", "recording,mean-gap", "--out", str(out)]) == 0
    store = Store.open_existing(out)
    try:
        trial = store.frame("trials").iloc[0].to_dict()
        registry = registry_for(PluginOptions(modules=("toy_plugin", "recording_plugin")))
        saved = sampling.load_generator(store, trial, registry)
    finally:
        store.close()
    last = recording_plugin.SCORED[-1]  # the last checkpoint, scored with the weights that were saved
    assert torch.equal(sampling.as_evaluated(saved, "recording", recording_plugin.N), last)
    assert not torch.equal(recording_plugin.SCORED[0], last)  # G changed between the checkpoints
    png = tmp_path / "scored.png"
    argv = ["--plugin", "toy_plugin", "--plugin", "recording_plugin", "sample", str(out), "--trial", trial["id"][:6]]
    assert main([*argv, "--as-evaluated", "recording", "-n", "64", "--out", str(png)]) == 0
    assert png.read_bytes().startswith(b"\x89PNG")
    assert main([*argv, "--as-evaluated", "fid", "--out", str(png)]) == 2
    assert "the run evaluated mean-gap, recording" in capsys.readouterr().err


def test_a_conditional_trials_generator_is_rebuilt_for_the_runs_classes_and_asked_as_the_metrics_asked(tmp_path):
    from ganbench.conditioning import LabelledGenerator

    out = tmp_path / "run"
    arguments = ["run", "--models", "cdcgan", "--losses", "ns", "--dataset", "digits", "--budget", "3steps"]
    assert main([*arguments, "--metrics", "none", "--out", str(out)]) == 0
    store = Store.open_existing(out)
    try:
        trial = store.frame("trials").iloc[0].to_dict()
        saved = sampling.load_generator(store, trial, registry_for(PluginOptions(external=False)))
        facts = store.get("dataset")
    finally:
        store.close()
    assert isinstance(saved.generator, LabelledGenerator) and saved.z_dim == 100 + 1
    assert saved.generator.classes == facts["classes"] == 10
    assert sum(facts["class_frequencies"]) == pytest.approx(1.0) and min(facts["class_frequencies"]) > 0.09
    png = tmp_path / "samples.png"
    assert main(["sample", str(out), "--trial", "cdcgan/ns/none/0", "-n", "16", "--out", str(png)]) == 0
    assert png.read_bytes().startswith(b"\x89PNG")
