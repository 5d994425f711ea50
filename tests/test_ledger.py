"""The training loop's bookkeeping: budget spent, throughput window, logs and divergence, checkpoints, data wait."""

import math
import time

import pytest
import torch

from ganbench.budget import Budget, TrainingClock
from ganbench.ledger import Diverged, TrainingLedger

CPU = torch.device("cpu")


def ledger(budget, checkpoints=4, **options):
    seen = {"checkpoints": [], "logs": []}
    made = TrainingLedger(
        Budget.parse(budget),
        TrainingClock(CPU),
        images_per_step=options.pop("images_per_step", 64),
        checkpoints=checkpoints,
        on_checkpoint=lambda index, usage: seen["checkpoints"].append((index, usage.steps)),
        on_log=lambda usage, values, member: seen["logs"].append((usage.steps, values)),
        **options,
    )
    return made, seen


def logged(value=0.5):
    return {
        "d_loss": torch.tensor(value),
        "g_loss": torch.tensor(1.0),
        "d_real": torch.ones(4),
        "d_fake": torch.zeros(4),
    }


def run(made, batches, per_step=lambda real: None):
    with made.real_batches(iter(batches)) as real:
        while not made.spent:
            per_step(next(real))
            made.step_done(logged())
    return made.outcome()


def test_a_step_budget_counts_steps_and_images_and_evaluates_at_even_fractions():
    made, seen = ledger("20steps", images_per_step=128)
    outcome = run(made, [torch.zeros(1)] * 100)
    assert outcome.usage.steps == 20 and outcome.usage.images == 20 * 128
    assert seen["checkpoints"] == [(0, 5), (1, 10), (2, 15), (3, 20)]
    assert [step for step, _ in seen["logs"]] == [1, 10, 20]  # step 1, then every 10th


def test_logged_values_are_means_and_a_non_finite_one_ends_the_trial():
    made, seen = ledger("3steps")
    with made.real_batches(iter([torch.zeros(1)] * 5)):
        made.step_done(logged())
        assert seen["logs"][0][1] == {"d_loss": 0.5, "g_loss": 1.0, "d_real": 1.0, "d_fake": 0.0}
        with pytest.raises(Diverged, match="d_loss is not finite at step 10"):
            made.usage.steps = 9  # the next step is logged
            made.step_done(logged(float("nan")))


def test_throughput_excludes_the_warm_up_steps():
    """A slow first step (compiling, a loader starting) is warm-up: steps/s counts only the steps after it."""
    made, _ = ledger("12steps", checkpoints=0, warmup_steps=2)

    def step(real):
        time.sleep(0.3 if made.usage.steps == 0 else 0.01)

    outcome = run(made, [torch.zeros(1)] * 20, step)
    assert 10 / outcome.steps_per_s < 0.2  # ten timed steps of ~10 ms, not the 0.3 s warm-up
    assert outcome.usage.seconds >= 0.3


def test_waiting_for_batches_is_measured_as_a_share_of_the_timed_window():
    made, _ = ledger("10steps", checkpoints=0, warmup_steps=1)

    def slow_batches():
        while True:
            time.sleep(0.02)
            yield torch.zeros(1)

    outcome = run(made, slow_batches())
    assert 0.8 < outcome.data_wait_share <= 1.0  # nearly all of the timed window was spent waiting


def test_the_first_batch_is_drawn_before_the_clock_starts():
    made, _ = ledger("2steps", checkpoints=0)

    def late_start():
        time.sleep(0.4)  # a loader's start-up: preparation, not budget
        while True:
            yield torch.zeros(1)

    outcome = run(made, late_start())
    assert outcome.usage.seconds < 0.2


def test_a_time_budget_stops_once_spent_and_the_clock_stays_paused_for_checkpoints():
    made, seen = ledger("0.3s", checkpoints=2)
    outcome = run(made, [torch.zeros(1)] * 10_000, lambda real: time.sleep(0.005))
    assert 0.3 <= outcome.usage.seconds < 0.35 and len(seen["checkpoints"]) == 2
    assert math.isfinite(outcome.steps_per_s)


def test_a_stabilisers_values_are_kept_at_every_step_one_changes():
    values = iter([0.0, 0.0, 0.1, 0.1, 0.2, 0.2, 0.2, 0.2])
    current = {}

    def stabiliser_scalars():
        return current

    made, _ = ledger("8steps", checkpoints=0, stabiliser_scalars=stabiliser_scalars, log_every=100)

    def per_step(real):
        current["ada_p"] = next(values)

    outcome = run(made, [torch.zeros(2)] * 9, per_step)
    kept = [(s.step, s.value) for s in outcome.scalars if s.name == "ada_p"]
    assert kept == [(1, 0.0), (3, 0.1), (5, 0.2)]  # its first value, then each change, at the step it happened


class LaggingClock:
    """A GPU's clock as the ledger sees it: each step queues ``gpu_step`` seconds of work while the host
    moves on after ``host_step``, up to ``queue`` seconds ahead (then it blocks, as a full queue does)."""

    def __init__(self, gpu_step=0.1, host_step=0.08, queue=0.5):
        self.gpu_step, self.host_step, self.queue = gpu_step, host_step, queue
        self.host, self.device, self.syncs = 0.0, 0.0, 0

    def step(self):
        self.device += self.gpu_step
        self.host = max(self.host + self.host_step, self.device - self.queue)

    def start(self):
        pass

    def pause(self):  # the ledger's clock synchronises when it pauses
        self.host = max(self.host, self.device)

    @property
    def host_seconds(self):
        return self.host

    @property
    def seconds(self):  # waiting for the device: the queued work is done, the host has caught up
        self.syncs += 1
        self.host = max(self.host, self.device)
        return self.host


def test_a_time_budget_waits_for_the_device_rarely_and_still_ends_within_a_step():
    from ganbench import ledger as ledger_module

    clock = LaggingClock()
    made = TrainingLedger(Budget.parse("60s"), clock, images_per_step=1, checkpoints=0,
                          on_checkpoint=lambda index, usage: None, on_log=lambda usage, values, member: None, log_every=10**9)  # fmt: skip
    with made.real_batches(iter([torch.zeros(1)] * 10**5)) as real:
        while not made.spent:
            next(real)
            clock.step()
            made.step_done(logged())
    assert (
        60 <= made.usage.seconds == clock.device < 60 + clock.gpu_step
    )  # the device's own time, one step over at most
    assert clock.syncs < made.usage.steps / 5  # not every step: every SYNC_EVERY steps and near the end
    assert ledger_module.SYNC_EVERY > 1 and 0 < made.device_lag <= clock.queue


def test_an_ensembles_members_keep_their_own_logs_and_one_that_diverges_is_set_aside():
    made, seen = ledger("4steps", members=2, log_every=1)
    member_values = {"d_loss": torch.tensor([0.5, 2.0]), "g_loss": torch.tensor([1.0, 3.0])}
    scores = torch.tensor([1.0, 1.0, 1.0, 5.0, 5.0, 5.0])  # the members' batches one after another
    with made.real_batches(iter(range(100))) as real:
        for step in range(4):
            next(real)
            if step == 2:  # member 1's loss stops being finite; member 0 trains on
                member_values["d_loss"] = torch.tensor([0.5, float("nan")])
            made.step_done({**member_values, "d_real": scores})
    first, second = made.outcomes()
    assert [s.value for s in first.scalars if s.name == "d_real"] == [1.0] * 4
    assert [s.value for s in second.scalars if s.name == "d_real"] == [5.0] * 2  # logs until it diverged
    assert first.diverged is None and second.diverged is not None and second.diverged.step == 3
    assert first.usage.steps == second.usage.steps == 4 and not made.diverged.get(0)


def test_an_ensemble_whose_members_all_diverged_is_spent():
    made, _ = ledger("100steps", members=2, log_every=1)
    with made.real_batches(iter(range(100))) as real:
        next(real)
        made.step_done({"d_loss": torch.tensor([float("inf"), float("nan")])})
    assert made.spent and made.usage.steps == 1 and set(made.diverged) == {0, 1}
