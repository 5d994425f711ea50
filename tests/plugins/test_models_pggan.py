"""pggan: grows from 8x8 on the budget's clock, reaching full resolution at ``full_at`` of a step
budget and of a time budget alike; its fade, minibatch standard deviation and equalised layers."""

import math

import pytest
import torch
from torch.nn import functional as F

from ganbench.budget import Budget, TrainingClock
from ganbench.registry import load_registry
from ganbench.train import build_setup, train_members
from ganbench.types import Dataset, DataShape, HParams, TrialPlan
from ganbench_plugins.models import pggan

HP = HParams(z_dim=8, batch_size=8, model_params={"width": 8})


@pytest.fixture(autouse=True)
def _seeded():
    torch.manual_seed(0)


def built(side=16, hp=HP):
    shape = DataShape("image", (1, side, side))
    return pggan.generator(shape, hp), pggan.critic(shape, hp)


@pytest.mark.parametrize("side, sides", [(16, [8, 16]), (32, [8, 16, 32]), (64, [8, 16, 32, 64])])
def test_the_schedule_grows_by_doublings_and_is_full_grown_at_full_at(side, sides):
    schedule = pggan.Schedule(side, full_at=0.5)
    seen = []
    for step in range(1001):
        schedule.progress = step / 1000
        stage, alpha = schedule.position()
        seen.append((schedule.progress, pggan.START * 2**stage, alpha))
    assert sorted({s for _, s, _ in seen}) == sides
    full = [p for p, s, alpha in seen if s == side and alpha == 0]
    assert full[0] == pytest.approx(0.5) and all(p >= 0.5 for p in full)
    alphas = [alpha for p, s, alpha in seen if p < 0.5]
    assert max(alphas) > 0.99 and all(0 <= a < 1 for a in alphas)  # every new side fades in, 0 to 1


def test_below_full_resolution_g_draws_the_small_image_scaled_up_and_d_sees_it_small():
    G, D = built()
    for module in (G, D):
        module.set_progress(0.0)  # 8x8 of 16
    x = G(torch.randn(4, HP.z_dim))
    blocks = F.interpolate(F.avg_pool2d(x, 2), scale_factor=2, mode="nearest")
    torch.testing.assert_close(x, blocks)  # constant over 2x2 blocks: an 8x8 image
    torch.testing.assert_close(D(blocks), D(x))
    other = torch.randn(4, 1, 16, 16)  # what D reads of it is its 2x2 averages
    torch.testing.assert_close(D(other), D(F.interpolate(F.avg_pool2d(other, 2), scale_factor=2)))


def test_a_fade_starts_where_the_smaller_resolution_was():
    G, _ = built()
    z = torch.randn(4, HP.z_dim)
    G.set_progress(0.2)  # 8x8, steady
    steady = G(z)
    G.set_progress(0.25 + 1e-6)  # 16x16 fading in, alpha ~ 0
    assert G.schedule.position()[1] < 1e-4
    torch.testing.assert_close(G(z), steady, atol=1e-3, rtol=0)


def test_real_images_fade_in_with_the_new_resolution_as_gs_do():
    _, D = built(32)
    x = torch.rand(4, 1, 32, 32) * 2 - 1
    D.set_progress(0.1)  # 8x8 of 32, steady: reals pass as they are (D averages them down itself)
    assert D.features.schedule.position()[1] == 0 and D.real_view(x) is x
    D.set_progress(0.2)  # 16x16 fading in over 8x8
    _, alpha = D.features.schedule.position()
    assert 0 < alpha < 1 and D.features.current_side == 16
    # The paper's blend, written out: 16x16 reals, and the same through 8x8, mixed by alpha.
    at_16 = x.reshape(4, 1, 16, 2, 16, 2).mean(dim=(3, 5))
    at_8 = x.reshape(4, 1, 8, 4, 8, 4).mean(dim=(3, 5)).repeat_interleave(2, 2).repeat_interleave(2, 3)
    expected = (1 - alpha) * at_8 + alpha * at_16
    view = D.real_view(x)
    assert view.shape == x.shape  # full size, as G's images are
    torch.testing.assert_close(F.avg_pool2d(view, 2), expected, atol=1e-6, rtol=0)
    D.set_progress(1.0)
    assert D.real_view(x) is x  # full-grown: nothing to fade


def test_the_training_step_shows_d_the_faded_real_batches():
    registry = load_registry(external=False)
    data = Dataset("noise", torch.rand(64, 1, 16, 16) * 2 - 1)
    spec = registry.get("models", "pggan")
    hp = spec.hparams.replace(z_dim=8, batch_size=8, model_params={"width": 8})
    setup = build_setup(
        TrialPlan(spec, registry.get("losses", "ns"), (), 0, hp, data.shape), registry, torch.device("cpu")
    )
    viewed = []
    view = setup.critic.real_view
    setup.critic.real_view = lambda x: viewed.append(x.shape) or view(x)
    train_members(setup, data, Budget("steps", 3), TrainingClock(torch.device("cpu")), checkpoints=0,
                  on_checkpoint=lambda index, usage: None)  # fmt: skip
    assert viewed == [(8, 1, 16, 16)] * 3  # every real batch, once a step, none of G's


def test_minibatch_stddev_is_the_mean_feature_std_within_groups():
    x = torch.randn(8, 3, 2, 2)
    out = pggan.minibatch_stddev(x, group=4)
    groups = x.reshape(4, 2, 3, 2, 2)  # sample i is in group i % 2, as the paper's reshape
    expected = groups.std(dim=0, unbiased=False).mean(dim=(1, 2, 3))
    assert out.shape == (8, 4, 2, 2)
    torch.testing.assert_close(out[:, 3, 0, 0], expected.repeat(4), atol=1e-5, rtol=1e-4)


def test_equalised_layers_scale_unit_normal_weights_by_hes_constant():
    conv = pggan.EqualisedConv(16, 4, 3)
    assert conv.scale == pytest.approx(math.sqrt(2 / (16 * 9)))
    assert conv.weight.std().item() == pytest.approx(1.0, abs=0.15)
    x = torch.randn(2, 16, 5, 5)
    torch.testing.assert_close(conv(x), F.conv2d(x, conv.weight * conv.scale, conv.bias, padding=1))


@pytest.mark.parametrize("budget", [Budget("steps", 40), Budget("seconds", 3.0)])
def test_full_resolution_is_reached_at_full_at_of_a_step_and_a_time_budget(budget):
    """Through the training loop: what the model was told at each step is the ledger's share of the budget."""
    registry = load_registry(external=False)
    x = torch.rand(256, 1, 16, 16) * 2 - 1
    data = Dataset("noise", x)
    spec = registry.get("models", "pggan")
    hp = spec.hparams.replace(z_dim=8, batch_size=8, model_params={"width": 8, "full_at": 0.6})
    plan = TrialPlan(spec, registry.get("losses", "ns"), (), 0, hp, data.shape)
    setup = build_setup(plan, registry, torch.device("cpu"))
    told: list[tuple[float, bool]] = []  # (progress told, full-grown: the image's own side, faded in)
    tell, schedule = setup.generator.set_progress, setup.generator.schedule

    def recorded(progress):
        tell(progress)
        told.append((progress, schedule.position() == (schedule.stages - 1, 0.0)))

    setup.generator.set_progress = recorded
    train_members(setup, data, budget, TrainingClock(torch.device("cpu")), checkpoints=0,
                  on_checkpoint=lambda index, usage: None)  # fmt: skip
    progress = [p for p, _ in told]
    assert len(told) >= 10 and progress[0] == 0.0 and progress == sorted(progress)
    growing = [p for p, full in told if not full]
    grown = [p for p, full in told if full]
    step = max(b - a for a, b in zip(progress, progress[1:]))  # one step's share of the budget, at most
    assert max(growing) < 0.6 <= min(grown) <= 0.6 + step
    assert setup.critic.features.schedule.progress == told[-1][0]  # D was told the same


def test_compiled_it_recompiles_once_per_phase_of_growth_not_per_step_and_matches_eager():
    """The fade's alpha is a buffer, the stage a Python value: a compiled G and D follow every step's
    progress with one graph per phase (8x8, fading to 16, 16x16), and give what eager ones give."""
    from torch._dynamo.utils import counters

    G, D = built()
    torch._dynamo.reset()
    compiled_g, compiled_d = torch.compile(G, backend="aot_eager"), torch.compile(D, backend="aot_eager")
    z = torch.randn(4, HP.z_dim)
    try:
        for step in range(40):
            G.set_progress(step / 40), D.set_progress(step / 40)
            x = compiled_g(z)
            torch.testing.assert_close(x, G(z))
            torch.testing.assert_close(compiled_d(x), D(x))
        assert counters["stats"]["unique_graphs"] == 2 * 3  # G's three phases and D's
    finally:
        torch._dynamo.reset()
