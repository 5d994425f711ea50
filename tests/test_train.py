"""The training step and loop, through the real trial path, with tiny test plugins."""

import dataclasses
import math

import pytest
import spy_plugin

from ganbench.budget import Budget
from ganbench.plugins import PluginOptions
from ganbench.testing import run_tiny_trial

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
