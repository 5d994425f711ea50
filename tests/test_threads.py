"""A trial's threads: its step counted in FLOPs (checked by hand), one thread for a small model."""

import pytest
import torch
from torch import nn

from ganbench.budget import Budget, TrainingClock
from ganbench.plugins import PluginOptions
from ganbench.registry import registry_for
from ganbench.threads import SMALL_STEP_FLOPS, choose_threads
from ganbench.train import build_setup, train
from ganbench.types import Critic, Dataset, DataShape, HParams, ModelSpec, TrialPlan

B, Z, H, D = 16, 4, 32, 2  # batch, latent, hidden, data size


def generator(shape, hp):
    return nn.Sequential(nn.Linear(Z, H), nn.ReLU(), nn.Linear(H, D))


def critic(shape, hp):
    return Critic(nn.Sequential(nn.Linear(D, H), nn.ReLU()), nn.Linear(H, 1))


def setup_for(n_critic=1):
    registry = registry_for(PluginOptions(external=False))
    model = ModelSpec(name="hand", description="d", generator=generator, critic=critic, data_kinds=("vector",))
    hp = HParams(z_dim=Z, batch_size=B, n_critic=n_critic)
    plan = TrialPlan(model, registry.get("losses", "ns"), (), 0, hp, DataShape("vector", (D,)))
    return build_setup(plan, registry, torch.device("cpu"))


def by_hand(n_critic: int) -> int:
    """2 * batch * in * out for each linear layer's forward; its backward is the gradient of the weight
    (the same again) and, where the layer's input needs one, the gradient of the input (the same again)."""
    mm = lambda i, o: 2 * B * i * o  # noqa: E731
    g_forward = mm(Z, H) + mm(H, D)
    d_forward = mm(D, H) + mm(H, 1)
    # D's update: G without gradient, D on the real and the fake batch; backward: weight gradients of both
    # layers, the input gradient of the head only (D's first layer gets data, which needs none).
    d_update = g_forward + 2 * d_forward + 2 * (mm(D, H) + 2 * mm(H, 1))
    # G's update: G and D forward; backward through D (input and weight gradients of both layers) and G
    # (both gradients of its last layer, the weight gradient of its first: z needs none).
    g_update = g_forward + d_forward + 2 * (mm(H, 1) + mm(D, H)) + 2 * mm(H, D) + mm(Z, H)
    return n_critic * d_update + g_update


@pytest.mark.parametrize("n_critic", [1, 3])
def test_a_steps_flops_are_its_linear_layers_forward_and_backward(n_critic):
    """Counted as the real first step trains (torch.utils.flop_counter), against a count by hand."""
    counted = []
    data = Dataset("points", torch.randn(256, D))
    train(setup_for(n_critic), data, Budget("steps", 3), TrainingClock(torch.device("cpu")), checkpoints=0,
          on_checkpoint=lambda index, usage: None, on_first_step=counted.append)  # fmt: skip
    assert counted == [by_hand(n_critic)]  # the first step alone


def test_a_small_step_trains_on_one_thread_and_a_given_count_wins():
    cpu = torch.device("cpu")
    assert choose_threads(None, int(SMALL_STEP_FLOPS / 10), cpu) == 1
    assert choose_threads(None, int(SMALL_STEP_FLOPS * 10), cpu) == torch.get_num_threads()
    assert choose_threads(3, int(SMALL_STEP_FLOPS / 10), cpu) == 3


def test_every_trial_records_its_threads_and_step_cost():
    from ganbench.testing import run_tiny_trial

    result = run_tiny_trial("mlp", "ns", dataset="ring8", steps=3)
    assert result.threads == 1 and 0 < result.gflop_per_step < SMALL_STEP_FLOPS / 1e9


def flop_budgeted(budget: str, n_critic=1, checkpoints=0):
    counted, marks = [], []
    data = Dataset("points", torch.randn(256, D))
    outcome = train(setup_for(n_critic), data, Budget.parse(budget), TrainingClock(torch.device("cpu")),
                    checkpoints=checkpoints, on_checkpoint=lambda index, usage: marks.append(usage.flops),
                    on_first_step=counted.append)  # fmt: skip
    return outcome.usage, counted, marks


@pytest.mark.parametrize("n_critic", [1, 3])
def test_a_flop_budget_ends_within_one_step_of_the_hand_counted_total(n_critic):
    step = by_hand(n_critic)
    usage, counted, _ = flop_budgeted(f"{10 * step / 1e9}gflop", n_critic)  # ten of this model's steps
    assert counted == [step] and usage.steps == 10 and usage.flops == 10 * step


def test_steps_of_different_cost_spend_the_same_flops_within_one_step():
    budget = 40 * by_hand(3)  # 40 steps with three D updates; the one-update model's steps are cheaper
    cheap, _, _ = flop_budgeted(f"{budget / 1e9}gflop", n_critic=1)
    dear, _, _ = flop_budgeted(f"{budget / 1e9}gflop", n_critic=3)
    assert cheap.steps > dear.steps == 40
    for usage, step in ((cheap, by_hand(1)), (dear, by_hand(3))):
        assert budget <= usage.flops < budget + step


def test_a_flop_budget_counts_again_after_each_checkpoint_and_charges_the_new_cost():
    """A step whose cost changes (augmentation switched on, a growing model) is charged what it costs now."""
    from ganbench.ledger import TrainingLedger

    seen = []
    ledger = TrainingLedger(Budget("flops", 1e9), TrainingClock(torch.device("cpu")), images_per_step=1,
                            checkpoints=4, on_checkpoint=lambda index, usage: seen.append(usage.flops),
                            on_log=lambda usage, values, member: None)  # fmt: skip
    size = 100
    with ledger.real_batches(iter([torch.zeros(1)] * 10**6)) as batches:
        while not ledger.spent:
            next(batches)
            torch.ones(size, size) @ torch.ones(size, size)  # 2 * size^3 FLOPs a step
            ledger.step_done({"d_loss": torch.tensor(0.0)})
            if ledger.checkpoints_done == 2:
                size = 200  # costs 8x from the next counted step on
    cheap, dear = 2 * 100**3, 2 * 200**3
    assert seen[0] == pytest.approx(0.25e9, abs=cheap) and seen[1] == pytest.approx(0.5e9, abs=cheap)
    # after the second checkpoint every step is charged its new cost, counted on the step that follows it
    assert 1e9 <= ledger.usage.flops < 1e9 + dear
    assert ledger.step_flops == dear


def test_under_a_step_budget_the_flops_used_follow_a_step_that_grows_dearer():
    """Counted again at every sixteenth of any budget: FLOPs used and the mean GFLOP/step follow the change."""
    from ganbench.ledger import RECOUNTS, TrainingLedger

    ledger = TrainingLedger(Budget("steps", 160), TrainingClock(torch.device("cpu")), images_per_step=1,
                            checkpoints=0, on_checkpoint=lambda index, usage: None,
                            on_log=lambda usage, values, member: None, on_first_step=lambda flops: None)  # fmt: skip
    cheap, dear = 2 * 100**3, 2 * 200**3
    with ledger.real_batches(iter([torch.zeros(1)] * 10**6)) as batches:
        while not ledger.spent:
            next(batches)
            size = 100 if ledger.usage.steps < 80 else 200  # from step 81 on it costs 8x
            torch.ones(size, size) @ torch.ones(size, size)
            ledger.step_done({"d_loss": torch.tensor(0.0)})
    true = 80 * cheap + 80 * dear
    # the change is seen at the next sixteenth: at most 160 / RECOUNTS steps charged the old cost
    assert true - (160 // RECOUNTS) * (dear - cheap) <= ledger.usage.flops <= true
    assert ledger.usage.flops > 150 * cheap  # the first step's count alone would give 160 * cheap


def test_a_growing_pggans_flops_used_are_its_steps_as_they_grew():
    """pggan starts at 8x8 and grows to the data's 16x16: its mean step costs more than its first."""
    registry = registry_for(PluginOptions(external=False))
    spec = registry.get("models", "pggan")
    hp = spec.hparams.replace(z_dim=8, batch_size=8, model_params={"width": 16})
    data = Dataset("noise", torch.rand(64, 1, 16, 16) * 2 - 1)
    setup = build_setup(TrialPlan(spec, registry.get("losses", "ns"), (), 0, hp, data.shape), registry,
                        torch.device("cpu"))  # fmt: skip
    first = []
    outcome = train(setup, data, Budget("steps", 48), TrainingClock(torch.device("cpu")), checkpoints=0,
                    on_checkpoint=lambda index, usage: None, on_first_step=first.append)  # fmt: skip
    mean = outcome.usage.flops / outcome.usage.steps
    assert mean > 1.5 * first[0]  # most of its steps ran at 16x16, four times the pixels of 8x8


def test_a_step_the_counter_cannot_see_under_a_flop_budget_ends_with_the_reason():
    from ganbench.ledger import TrainingLedger

    ledger = TrainingLedger(Budget("flops", 1e9), TrainingClock(torch.device("cpu")), images_per_step=1,
                            checkpoints=0, on_checkpoint=lambda index, usage: None, on_log=lambda usage, values, member: None)  # fmt: skip
    with pytest.raises(RuntimeError, match="counted 0 FLOPs"):
        with ledger.real_batches(iter([torch.zeros(1)] * 3)) as batches:
            next(batches)
            ledger.step_done({"d_loss": torch.tensor(0.0)})


@pytest.mark.parametrize("groups", [1, 8])
def test_a_grouped_convolution_counts_as_its_groups_run_one_by_one(groups):
    """Checked against torch's own count of the same convolutions run ungrouped, group by group
    (torch's backward formula alone counts a grouped weight gradient `groups` times over)."""
    import torch.nn.functional as F
    from torch.utils.flop_counter import FlopCounterMode

    from ganbench.threads import flop_counter

    c, o, side = 6, 5, 9
    x = torch.randn(1, groups * c, side, side, requires_grad=True)
    w = torch.randn(groups * o, c, 3, 3, requires_grad=True)
    with flop_counter() as grouped:
        F.conv2d(x, w, padding=1, groups=groups).sum().backward()
    xs = x.detach().reshape(groups, 1, c, side, side).requires_grad_()
    ws = w.detach().reshape(groups, o, c, 3, 3).requires_grad_()
    with FlopCounterMode(display=False) as one_by_one:
        for i in range(groups):
            F.conv2d(xs[i], ws[i], padding=1).sum().backward()
    assert grouped.get_total_flops() == one_by_one.get_total_flops()
