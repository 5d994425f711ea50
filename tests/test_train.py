"""The training step and loop, through the real trial path, with tiny test plugins."""

import dataclasses
import math

import pytest
import spy_plugin
import torch

from ganbench.budget import Budget
from ganbench.plugins import PluginOptions
from ganbench.testing import run_tiny_trial
from ganbench.train import FastPaths

PLUGINS = PluginOptions(modules=("toy_plugin", "spy_plugin"))


def tiny(**kwargs):
    options = dict(model="toy-mlp", loss="toy-ns", dataset="toy-line", plugins=PLUGINS)
    options.update(kwargs)
    return run_tiny_trial(**options)


def losses(result):
    return [(s.step, s.name, s.value) for s in result.scalars]


def test_step_budget_is_deterministic_for_a_seed():
    first, again, other = tiny(steps=30, seed=3), tiny(steps=30, seed=3), tiny(steps=30, seed=4)
    assert first.status == "done" and first.usage.steps == 30
    assert losses(first) == losses(again)
    assert losses(first) != losses(other)
    assert first.generator_state == again.generator_state


def test_n_critic_discriminator_updates_per_generator_update():
    spy_plugin.CALLS.update(after_d_step=0, after_g_step=0, progress=[])
    result = tiny(stabilisers="spy", steps=7, hparams={"n_critic": 3, "batch_size": 16})
    assert result.status == "done"
    assert spy_plugin.CALLS["after_d_step"] == 21 and spy_plugin.CALLS["after_g_step"] == 7
    assert result.usage.images == 7 * 3 * 16  # real images shown to D
    progress = spy_plugin.CALLS["progress"]
    assert progress[0] == 0 and max(progress) < 1 and progress == sorted(progress)


def test_checkpoints_at_even_fractions_of_the_budget():
    result = tiny(steps=40, checkpoints=4, metrics=("mean-gap",))
    assert [(c.checkpoint, c.step) for c in result.checkpoints] == [(0, 10), (1, 20), (2, 30), (3, 40)]
    assert all(c.measurement.name == "mean-gap" and c.measurement.value >= 0 for c in result.checkpoints)
    seconds = [c.seconds for c in result.checkpoints]
    assert seconds == sorted(seconds) and seconds[-1] == pytest.approx(result.usage.seconds)


def test_time_budget_ends_within_two_percent_or_one_step():
    budget = 1.5
    result = run_tiny_trial("toy-mlp", "toy-ns", dataset="toy-line", plugins=PLUGINS, steps=1)  # warm the session
    from ganbench.trial import TrialJob, run_trial

    job = TrialJob(**{**_job_fields(result), "budget": Budget("seconds", budget)})
    timed = run_trial(job)
    step_seconds = timed.usage.seconds / timed.usage.steps
    assert timed.status == "done"
    assert budget <= timed.usage.seconds <= budget + max(0.02 * budget, step_seconds)


def _job_fields(result):
    import tempfile

    from ganbench.testing import registry_for
    from ganbench.trial import SessionKey
    from ganbench.types import DataOptions

    key = SessionKey(PLUGINS, "toy-line", DataOptions(download=False), "cpu", (), (), tempfile.gettempdir())
    spec = registry_for(PLUGINS).get("models", "toy-mlp")
    return dict(
        model="toy-mlp",
        loss="toy-ns",
        stabilisers=(),
        seed=0,
        hparams=spec.hparams.as_dict(),
        budget=Budget("steps", 1),
        checkpoints=2,
        session=key,
    )


def test_divergence_is_recorded_with_its_step():
    result = tiny(loss="nan-loss", steps=50)
    assert result.status == "diverged"
    assert "not finite at step 10" in result.reason


def test_an_exception_in_a_plugin_is_an_error_naming_the_plugin():
    result = tiny(loss="broken-loss", steps=5)
    assert result.status == "error"
    assert "broken on purpose" in result.reason and "spy_plugin" in result.reason
    assert "Traceback" in result.traceback


def test_throughput_is_measured_after_warm_up():
    result = tiny(steps=60)
    assert result.steps_per_s > 0 and math.isfinite(result.steps_per_s)
    assert result.images_per_s == pytest.approx(result.steps_per_s * 32)


@pytest.mark.parametrize(
    "fast",
    [dict(amp="bf16"), dict(amp="fp16"), dict(channels_last=True), dict(cudnn_benchmark=True), dict(compile=True)],
    ids=["bf16", "fp16", "channels-last", "cudnn-benchmark", "compile"],
)
def test_fast_paths_complete_and_are_recorded(fast):
    from ganbench.train import FastPaths
    from ganbench.trial import TrialJob, run_trial

    options = FastPaths(**fast)
    job = TrialJob(**{**_job_fields(None), "budget": Budget("steps", 6), "fast": options})
    result = run_trial(job)
    assert result.status == "done", result.reason
    assert job.config()["fast_paths"] == {**FastPaths().__dict__, **fast}
    plain = TrialJob(**{**_job_fields(None), "budget": Budget("steps", 6)})
    assert plain.id != job.id  # a fast path is part of what the trial is
    assert all(math.isfinite(s.value) for s in result.scalars)


def test_a_failing_observer_never_fails_the_trial():
    from ganbench.registry import registry_for
    from ganbench.testing import forget_registries

    registry = registry_for(PLUGINS)
    registry.plugins.manager.register(spy_plugin.FailingObserver, name="failing-observer")
    try:
        result = tiny(steps=8, checkpoints=2)
    finally:
        registry.plugins.manager.unregister(name="failing-observer")
        forget_registries()
    assert result.status == "done"
    assert result.reason.count("observer of ganbench_checkpoint failed: RuntimeError: the logger is down") == 2


def write_images(folder, n=40, side=16):
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(0)
    for i in range(n):
        Image.fromarray(rng.integers(0, 256, (side, side, 3), dtype=np.uint8)).save(folder / f"{i}.png")


@pytest.fixture
def opened_batches(monkeypatch):
    """Every batches() iterator a streamed data set hands out, kept alive here: so only an explicit
    close() by the trial, not the garbage collector, can have stopped it and its workers."""
    from ganbench.types import StreamedDataset

    opened, original = [], StreamedDataset.batches

    def spied(self, batch_size, generator):
        opened.append(original(self, batch_size, generator))
        return opened[-1]

    monkeypatch.setattr(StreamedDataset, "batches", spied)
    return opened


def test_a_streamed_data_set_trains_the_same_whatever_its_workers_and_stops_them(tmp_path, opened_batches):
    import multiprocessing

    from ganbench.types import DataOptions

    write_images(tmp_path)
    before = set(multiprocessing.active_children())
    results = [
        tiny(
            model="dcgan",
            loss="toy-ns",
            dataset=f"folder:{tmp_path}",
            steps=6,
            metrics=("mean-gap",),
            hparams={"batch_size": 16},
            data=DataOptions(download=False, image_size=16, workers=workers),
        )
        for workers in (0, 2)
    ]
    assert [r.status for r in results] == ["done", "done"], results[0].reason
    assert results[0].generator_state == results[1].generator_state
    assert losses(results[0]) == losses(results[1])
    assert len(opened_batches) == 2 and all(batches.gi_frame is None for batches in opened_batches)  # closed
    assert set(multiprocessing.active_children()) - before == set()


def test_a_trial_that_fails_still_stops_its_data_workers(tmp_path, opened_batches):
    import multiprocessing

    from ganbench.types import DataOptions

    write_images(tmp_path)
    before = set(multiprocessing.active_children())
    result = tiny(
        model="dcgan",
        loss="nan-loss",
        dataset=f"folder:{tmp_path}",
        steps=20,
        hparams={"batch_size": 8},
        data=DataOptions(download=False, image_size=16, workers=2),
    )
    assert result.status == "diverged"
    [batches] = opened_batches
    assert batches.gi_frame is None and set(multiprocessing.active_children()) - before == set()


def test_time_waiting_for_data_is_measured_and_a_data_bound_trial_says_so():
    import toy_plugin

    steps, batch = 10, 8
    slow = tiny(dataset="toy-slow-line", steps=steps, hparams={"batch_size": batch})
    # After the 5 warm-up steps, each D update waited for `batch` items read one after another in
    # this process (workers=0): at least that much of the timed window, whose length steps/s gives.
    timed_seconds = (steps - 5) / slow.steps_per_s
    assert slow.data_wait_share >= (steps - 5) * batch * toy_plugin.SLOW_ITEM_SECONDS / timed_seconds
    assert 0.5 < slow.data_wait_share <= 1  # sleeping dwarfs a toy step
    [note] = [n for n in slow.notes if n.startswith("waited ")]  # a busy machine may add a note of its own
    assert "the data loader, not the model, limited its steps/s" in note
    fast = tiny(steps=steps, hparams={"batch_size": batch})  # in memory: sampled by index
    assert 0 <= fast.data_wait_share < 0.5


def test_an_image_damaged_past_its_header_fails_the_trial_in_one_line_naming_it(tmp_path):
    from ganbench.types import DataOptions

    write_images(tmp_path, n=8)
    whole = (tmp_path / "0.png").read_bytes()
    (tmp_path / "0.png").write_bytes(whole[: len(whole) // 2])  # the header reads; the pixels do not
    result = tiny(
        model="dcgan",
        loss="toy-ns",
        dataset=f"folder:{tmp_path}",
        steps=3,
        hparams={"batch_size": 8},
        data=DataOptions(download=False, image_size=16, workers=1),
    )
    assert result.status == "error"
    assert result.reason.startswith(f"UsageError: folder: cannot decode image {tmp_path / '0.png'}")
    assert "\n" not in result.reason and "Traceback" in result.traceback


def test_a_loader_slow_to_start_spends_none_of_a_time_budget():
    import toy_plugin

    from ganbench.trial import TrialJob, run_trial

    budget = 1.0
    fields = _job_fields(None)
    fields["session"] = dataclasses.replace(fields["session"], dataset="toy-slow-start-line")
    result = run_trial(TrialJob(**{**fields, "budget": Budget("seconds", budget)}))
    assert result.status == "done", result.reason
    first = min(s.seconds for s in result.scalars if s.step == 1)
    assert first < toy_plugin.SLOW_START_SECONDS / 2  # the clock started after the loader did
    step_seconds = result.usage.seconds / result.usage.steps
    assert budget <= result.usage.seconds <= budget + max(0.02 * budget, step_seconds)


@pytest.fixture
def fast_compile(monkeypatch):
    """torch.compile with its aot_eager backend: the same AOTAutograd (and its double-backward limit), no C++ build."""
    import functools

    import torch

    torch._dynamo.reset()  # no compiled frame of an earlier test is reused
    monkeypatch.setattr(torch, "compile", functools.partial(torch.compile, backend="aot_eager"))
    yield
    torch._dynamo.reset()


def test_compiled_graphs_cannot_double_backward_so_gp_compiles_g_alone(fast_compile):
    import torch

    from ganbench.train import FastPaths
    from ganbench.trial import TrialJob, run_trial
    from ganbench.types import StabiliserChoice

    D = torch.compile(torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1)))
    x = torch.randn(4, 2, requires_grad=True)
    (gradient,) = torch.autograd.grad(D(x).sum(), x, create_graph=True)
    with pytest.raises(RuntimeError, match="double backward|create_graph"):  # why gp cannot train a compiled D
        gradient.pow(2).sum().backward()

    fields = {**_job_fields(None), "budget": Budget("steps", 4), "fast": FastPaths(compile=True)}
    gp = run_trial(TrialJob(**{**fields, "stabilisers": (StabiliserChoice("gp"),)}))
    assert gp.status == "done", gp.reason
    assert any(n.startswith("compiled: G only, D eager (gp differentiates D's gradient") for n in gp.notes)
    plain = run_trial(TrialJob(**fields))
    assert plain.status == "done" and any(n.startswith("compiled: G and D;") for n in plain.notes)


@pytest.mark.parametrize("model, loss", [("pdcgan", "acgan"), ("vae", "ns")])
def test_a_step_that_calls_ds_own_methods_compiles_g_alone_and_says_so(fast_compile, model, loss):
    import torch

    from ganbench.registry import load_registry
    from ganbench.train import compile_modules
    from ganbench.types import DataShape, TrialPlan

    registry = load_registry(external=False)
    spec = registry.get("models", model)
    shape = DataShape("image", (1, 16, 16), classes=10)
    plan = TrialPlan(spec, registry.get("losses", loss), (), 0, spec.hparams, shape)
    G, D = torch.nn.Linear(2, 2), torch.nn.Linear(2, 1)
    _, critic, compiled = compile_modules(G, D, registry, plan)
    assert critic is D and compiled.startswith("G only, D eager") and "own methods" in compiled


def test_a_compiled_generator_is_saved_under_its_own_keys(fast_compile):
    import io

    import torch

    from ganbench.train import FastPaths
    from ganbench.trial import TrialJob, run_trial

    result = run_trial(TrialJob(**{**_job_fields(None), "budget": Budget("steps", 2), "fast": FastPaths(compile=True)}))
    state = torch.load(io.BytesIO(result.generator_state), weights_only=True)
    assert state and not any(key.startswith("_orig_mod.") for key in state)


@pytest.mark.parametrize(("reuse", "forwards_per_step"), [(False, 3), (True, 2)])
def test_reuse_fake_gives_gs_update_the_fakes_of_ds_last_update(reuse, forwards_per_step):
    """With n_critic 2: fresh latents for G's update cost a third G forward a step; reuse_fake saves it."""
    from ganbench.budget import TrainingClock
    from ganbench.testing import registry_for
    from ganbench.train import build_setup, train
    from ganbench.trial import load_dataset
    from ganbench.types import DataOptions, TrialPlan

    registry = registry_for(PLUGINS)
    data = load_dataset(registry, "toy-line", DataOptions(download=False))
    spec = registry.get("models", "toy-mlp")
    hp = spec.hparams.replace(n_critic=2, reuse_fake=reuse)
    plan = TrialPlan(spec, registry.get("losses", "toy-ns"), (), 0, hp, data.shape)
    setup = build_setup(plan, registry, __import__("torch").device("cpu"))
    calls = []
    setup.generator.register_forward_hook(lambda module, args, out: calls.append(out.requires_grad))
    train(setup, data, Budget("steps", 3), TrainingClock(__import__("torch").device("cpu")), checkpoints=0,
          on_checkpoint=lambda index, usage: None)  # fmt: skip
    assert len(calls) == 3 * forwards_per_step
    assert calls[:forwards_per_step] == ([False, False, True] if not reuse else [False, True])


def test_reuse_fake_is_recorded_only_when_set():
    from ganbench.types import HParams

    assert "reuse_fake" not in HParams().as_dict()  # trials that do not set it keep their ids
    assert HParams(reuse_fake=True).as_dict()["reuse_fake"] is True
    assert HParams.from_dict(HParams(reuse_fake=True).as_dict()).reuse_fake is True


def test_progress_reaches_a_progress_aware_models_networks_its_ema_and_every_ensemble_member():
    from ganbench.ensemble import build_ensemble
    from ganbench.registry import load_registry
    from ganbench.types import Dataset, TrialPlan

    registry = load_registry(external=False)
    data = Dataset("noise", torch.rand(64, 1, 16, 16) * 2 - 1)
    spec = registry.get("models", "pggan")
    hp = spec.hparams.replace(z_dim=8, batch_size=4, ema=0.9, model_params={"width": 8})
    plans = [TrialPlan(spec, registry.get("losses", "ns"), (), seed, hp, data.shape) for seed in (0, 1)]
    setup = build_ensemble(plans, registry, torch.device("cpu"), FastPaths())
    for average in setup.averages:
        average.update()  # the EMA copies G from its first update on
    setup.tell_progress(0.3)
    for member in setup.members:
        assert member.generator.schedule.progress == member.critic.features.schedule.progress == 0.3
        assert member.average.evaluated.schedule.progress == 0.3


@pytest.mark.parametrize(
    ("stabilisers", "reuse", "g_step"), [((), False, "GD"), (("mrgan",), False, "GDGD"), ((), True, "D")]
)
def test_a_conditional_trials_fakes_ask_for_the_labels_of_the_real_batch_beside_them(stabilisers, reuse, g_step):
    """Every call of G (D's fakes, G's update, MRGAN's G(E(x))) and of D in a D update and the G update
    after it carries the labels of that D update's real batch: one class per row for the stabilisers."""
    from ganbench.budget import TrainingClock
    from ganbench.registry import load_registry
    from ganbench.train import build_setup, train
    from ganbench.types import Dataset, StabiliserChoice, TrialPlan

    registry = load_registry(external=False)
    g = torch.Generator().manual_seed(0)
    labels = torch.randint(3, (300,), generator=g)
    data = Dataset("three", torch.randn(300, 2, generator=g) + labels[:, None], labels, class_names=("a", "b", "c"))
    spec = registry.get("models", "cmlp")
    choices = tuple(StabiliserChoice(name) for name in stabilisers)
    plan = TrialPlan(spec, registry.get("losses", "ns"), choices, 0, spec.hparams.replace(n_critic=2, batch_size=16, reuse_fake=reuse),
                     data.shape)  # fmt: skip
    setup = build_setup(plan, registry, torch.device("cpu"))
    calls = []  # (network, labels, input)
    for name, module in (("G", setup.generator), ("D", setup.critic)):
        module.register_forward_pre_hook(
            lambda module, args, name=name: calls.append((name, args[1], args[0].detach()))
        )
    train(setup, data, Budget("steps", 3), TrainingClock(torch.device("cpu")), checkpoints=0,
          on_checkpoint=lambda index, usage: None)  # fmt: skip
    runs = []  # the calls in runs of equal labels
    for call in calls:
        if runs and torch.equal(runs[-1][-1][1], call[1]):
            runs[-1].append(call)
        else:
            runs.append([call])
    # Three steps of two D updates, each: G's fakes, D on real, D on fake; the G update follows the second
    # (with reuse_fake, on the second update's fakes: D alone).
    assert ["".join(c[0] for c in run) for run in runs] == ["GDD", "GDD" + g_step] * 3
    for run in runs:  # and the labels are those of the real rows D judged (found in the data by value)
        real = run[1][2]
        rows = [int((data.x == row).all(dim=1).nonzero()[0]) for row in real]
        assert torch.equal(data.labels[rows], run[0][1])
