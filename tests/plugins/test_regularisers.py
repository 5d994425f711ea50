"""The regularisers and augmentations of R3GAN, DiffAugment, ADA, LeCam, CR/bCR, DRAGAN and MRGAN,
each against an independent computation on a small tensor (closed forms, NumPy, or autograd on a
hand-written function), and through the core's own training step where they use its newer hooks
(``d_scores``, ``own_module``, ``g_penalty``, ``scalars``)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn

from ganbench import hookimpl
from ganbench.errors import UsageError
from ganbench.grid import option_list, stabiliser_sets
from ganbench.testing import assert_trial_ok, run_tiny_trial
from ganbench.types import Critic, DataShape, HParams, Stabiliser, StabiliserSpec
from ganbench_plugins.losses import ganbench_losses
from ganbench_plugins.stabilisers import _augment, ada, ganbench_stabilisers

SPECS = {spec.name: spec for spec in ganbench_stabilisers()}
RPGAN = {spec.name: spec for spec in ganbench_losses()}["rpgan"]


@pytest.fixture(autouse=True)
def _seeded():
    torch.manual_seed(0)


def make(name: str, **params) -> Stabiliser:
    return SPECS[name].factory(**params)


def linear_critic(d: int) -> Critic:
    return Critic(nn.Flatten(), nn.Linear(d, 1, bias=False))


class HalfSquare(nn.Module):
    """D(x) = ||x||^2 / 2 per sample: its input gradient is x itself."""

    def forward(self, x):
        return 0.5 * x.flatten(1).pow(2).sum(dim=1, keepdim=True)


def square_critic() -> Critic:
    return Critic(nn.Identity(), HalfSquare())


# --------------------------------------------------------------------------- the records


def test_defaults_sources_and_search_spaces():
    assert SPECS["r2"].params == {"gamma": 10.0}
    assert SPECS["dragan"].params == {"lambda": 10.0, "c": 0.5}
    assert SPECS["lecam"].params == {"lambda": 0.3, "decay": 0.99}
    assert SPECS["cr"].params == {"lambda": 10.0}
    assert SPECS["bcr"].params == {"lambda_real": 10.0, "lambda_fake": 10.0}
    assert SPECS["diffaug"].params == {"policy": "color-translation-cutout"}
    assert SPECS["ada"].params == {"target": 0.6, "ada_kimg": 500.0, "interval": 4, "p": 0.0}
    assert SPECS["mrgan"].params == {"lambda1": 0.2, "lambda2": 0.4, "width": 256}
    for name in ("r2", "dragan", "lecam", "cr", "bcr", "diffaug", "ada", "mrgan"):
        assert SPECS[name].source and SPECS[name].description
    # Weights tune over two decades around their default.
    for name, key in (("r2", "gamma"), ("dragan", "lambda"), ("lecam", "lambda"), ("cr", "lambda")):
        space, default = SPECS[name].search_space[key], SPECS[name].params[key]
        assert space.high / space.low == pytest.approx(100) and math.sqrt(space.low * space.high) == pytest.approx(
            default
        )


def test_lambda_is_renamed_by_the_contract_and_checked():
    assert make("dragan", **{"lambda": 5.0}).weight == 5.0
    assert make("lecam", **{"lambda": 0.1}).weight == 0.1
    assert make("cr", **{"lambda": 2.0}).weight == 2.0
    with pytest.raises(UsageError, match="dragan: lambda must be a number >= 0, got -1"):
        make("dragan", **{"lambda": -1.0})


def test_dragan_parameters_in_the_comma_form_reach_the_instance(ganbench_plugins):
    [chosen] = stabiliser_sets(ganbench_plugins.registry, ["dragan:lambda=5,c=0.2"])
    [choice] = chosen
    assert choice.name == "dragan" and dict(choice.params) == {"lambda": 5.0, "c": 0.2}
    stabiliser = SPECS["dragan"].factory(**dict(choice.params))
    assert (stabiliser.weight, stabiliser.c) == (5.0, 0.2)
    # In a comma list of sets (as --stabilisers reads it), then through a real trial.
    words = option_list("--stabilisers", "none,dragan:lambda=5,c=0.2,gp")
    assert words == ["none", "dragan:lambda=5,c=0.2", "gp"]
    assert stabiliser_sets(ganbench_plugins.registry, words)[1] == chosen
    assert_trial_ok(run_tiny_trial("mlp", "ns", stabilisers="dragan:lambda=5,c=0.2", dataset="ring8", steps=2))


# --------------------------------------------------------------------------- rpgan


def test_rpgan_against_minus_log_sigmoid_of_the_paired_differences():
    real = torch.tensor([2.0, -1.0, 0.5], dtype=torch.float64)
    fake = torch.tensor([0.0, 1.0, 0.5], dtype=torch.float64)
    # D's loss is -log sigmoid(D(real_i) - D(fake_i)), averaged; G's is -log sigmoid(D(fake_i) - D(real_i)).
    d_expected = np.mean([-math.log(1 / (1 + math.exp(-(r - f)))) for r, f in zip(real.tolist(), fake.tolist())])
    g_expected = np.mean([-math.log(1 / (1 + math.exp(-(f - r)))) for r, f in zip(real.tolist(), fake.tolist())])
    assert RPGAN.d_loss(real, fake).item() == pytest.approx(d_expected)
    assert RPGAN.g_loss(fake, real).item() == pytest.approx(g_expected)
    assert RPGAN.g_uses_real
    # G's gradient: d/dfake softplus(r - f) / n = -sigmoid(r - f) / n.
    fake_g = fake.clone().requires_grad_(True)
    RPGAN.g_loss(fake_g, real).backward()
    torch.testing.assert_close(fake_g.grad, -torch.sigmoid(real - fake) / 3)


def test_rpgan_pairs_by_index_not_by_batch_means():
    real, fake = torch.tensor([1.0, -1.0]), torch.tensor([-1.0, 1.0])
    # Means are equal (0 and 0) but each pair differs by 2: softplus(-2) = log(1 + e^-2).
    assert RPGAN.d_loss(real, fake).item() == pytest.approx(0.5 * (math.log1p(math.exp(-2)) + math.log1p(math.exp(2))))


# --------------------------------------------------------------------------- r2, dragan


def test_r2_is_half_gamma_times_the_squared_gradient_on_the_fakes():
    critic = linear_critic(4)
    w = critic.head.weight
    real, fake = torch.randn(8, 4), torch.randn(8, 4)
    penalty = make("r2", gamma=4.0).d_penalty(critic, real, fake)
    torch.testing.assert_close(penalty, 4.0 / 2 * w.detach().pow(2).sum())
    penalty.backward()  # create_graph: it trains D
    torch.testing.assert_close(w.grad, 4.0 * w.detach())
    # grad D(x) = x for D = ||x||^2 / 2: the penalty reads the fakes and nothing of the reals.
    real, fake = torch.full((4, 2), 100.0), torch.tensor([[1.0, 2.0], [0.0, 1.0], [3.0, 0.0], [1.0, 1.0]])
    expected = 10.0 / 2 * fake.pow(2).sum(dim=1).mean()
    assert make("r2").d_penalty(square_critic(), real, fake).item() == pytest.approx(expected.item())


def test_dragan_at_real_samples_plus_scaled_uniform_noise():
    real = torch.tensor([[0.0, 1.0], [2.0, -1.0], [1.0, 1.0], [-2.0, 0.5]])
    torch.manual_seed(3)
    penalty = make("dragan", **{"lambda": 2.0}, c=0.5).d_penalty(square_critic(), real, torch.zeros(4, 2))
    torch.manual_seed(3)  # the same draw, by hand: x_hat = x + c * std(x) * U[0, 1)
    x_hat = real + 0.5 * real.std() * torch.rand(4, 2)
    # D = ||x||^2 / 2 has gradient x_hat, so the penalty is lambda * mean (||x_hat|| - 1)^2.
    expected = 2.0 * np.mean([(np.linalg.norm(row) - 1) ** 2 for row in x_hat.numpy()])
    assert penalty.item() == pytest.approx(expected, rel=1e-5)


def test_dragan_trains_d_through_the_gradient():
    critic = linear_critic(3)
    w = critic.head.weight
    penalty = make("dragan").d_penalty(critic, torch.randn(6, 3), torch.randn(6, 3))
    norm = w.detach().norm()
    torch.testing.assert_close(penalty, 10 * (norm - 1) ** 2)
    penalty.backward()
    torch.testing.assert_close(w.grad, 2 * 10 * (norm - 1) * w.detach() / norm)


# --------------------------------------------------------------------------- lecam


def test_lecam_against_its_moving_averages_worked_by_hand():
    lecam = make("lecam", **{"lambda": 0.5}, decay=0.9)
    real1, fake1 = torch.tensor([1.0, 3.0]), torch.tensor([-1.0, 0.0])
    lecam.d_scores(real1, fake1)
    # a_R = 0.9 * 0 + 0.1 * 2 = 0.2, a_F = 0.1 * -0.5 = -0.05
    real = torch.tensor([0.0, 1.0], requires_grad=True)
    fake = torch.tensor([0.5, -1.0], requires_grad=True)
    penalty = lecam.d_scores(real, fake)
    a_r, a_f = 0.9 * 0.2 + 0.1 * 0.5, 0.9 * -0.05 + 0.1 * -0.25  # 0.23, -0.07
    real_term = np.mean([max(r - a_f, 0) ** 2 for r in (0.0, 1.0)])
    fake_term = np.mean([max(a_r - f, 0) ** 2 for f in (0.5, -1.0)])
    assert penalty.item() == pytest.approx(0.5 * (real_term + fake_term))
    penalty.backward()  # through the scores, the averages held constant
    torch.testing.assert_close(real.grad, torch.tensor([0.5 * (0.0 + 0.07), 0.5 * (1.0 + 0.07)]))
    torch.testing.assert_close(fake.grad, torch.tensor([0.0, 0.5 * -(0.23 + 1.0)]))


# --------------------------------------------------------------------------- the transforms, against NumPy


def numpy_translate(x: np.ndarray, dh: int, dw: int, mode: str) -> np.ndarray:
    """One image (C, H, W) moved down dh and right dw, the uncovered edge padded by NumPy."""
    _, h, w = x.shape
    pad = max(h, w)
    padded = np.pad(x, ((0, 0), (pad, pad), (pad, pad)), mode="constant" if mode == "zeros" else "reflect")
    return padded[:, pad - dh : pad - dh + h, pad - dw : pad - dw + w]


@pytest.mark.parametrize("pad", ["zeros", "reflect"])
def test_translate_matches_numpy_padding(pad):
    x = torch.randn(5, 2, 6, 6)
    shift_h, shift_w = torch.tensor([0, 1, -2, 3, -1]), torch.tensor([2, 0, -1, -3, 1])
    moved = _augment.translate(x, shift_h, shift_w, pad=pad)
    for i in range(5):
        expected = numpy_translate(x[i].numpy(), int(shift_h[i]), int(shift_w[i]), pad)
        np.testing.assert_allclose(moved[i].numpy(), expected, rtol=0, atol=0)


def test_cutout_flip_rotation_and_colour_by_hand():
    x = torch.randn(3, 3, 4, 4)
    cut = _augment.cutout(x, torch.tensor([0, 2, -1]), torch.tensor([1, 3, -1]), 2, 2)
    for i, (top, left) in enumerate([(0, 1), (2, 3), (-1, -1)]):
        expected = x[i].numpy().copy()
        expected[:, max(top, 0) : top + 2, max(left, 0) : left + 2] = 0
        np.testing.assert_array_equal(cut[i].numpy(), expected)
    flipped = _augment.flip(x, torch.tensor([True, False, True]))
    np.testing.assert_array_equal(flipped[0].numpy(), x[0].numpy()[:, :, ::-1])
    np.testing.assert_array_equal(flipped[1].numpy(), x[1].numpy())
    turned = _augment.rotate90(x, torch.tensor([1, 2, 3]))
    for i, k in enumerate((1, 2, 3)):
        np.testing.assert_array_equal(turned[i].numpy(), np.rot90(x[i].numpy(), k, axes=(1, 2)))
    b = torch.tensor([0.5, -0.1, 0.0])
    torch.testing.assert_close(_augment.brightness(x, b), x + b.reshape(3, 1, 1, 1))
    s = torch.tensor([0.0, 1.0, 2.0])
    grey = x.mean(dim=1, keepdim=True)
    torch.testing.assert_close(_augment.saturation(x, s)[0], grey[0].expand(3, 4, 4))  # 0: every pixel grey
    torch.testing.assert_close(_augment.saturation(x, s)[2], 2 * x[2] - grey[2])
    c = torch.tensor([0.5, 1.0, 1.5])
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    torch.testing.assert_close(_augment.contrast(x, c), mean + (x - mean) * c.reshape(3, 1, 1, 1))
    torch.testing.assert_close(_augment.contrast(x, c, about_mean=False), x * c.reshape(3, 1, 1, 1))


# --------------------------------------------------------------------------- diffaug


def test_diffaug_draws_the_papers_amounts():
    x = torch.randn(6, 3, 8, 8)
    torch.manual_seed(5)
    out = make("diffaug", policy="color-translation").critic_input(x, 0.0)
    torch.manual_seed(5)  # the same draws, applied by hand
    b, s, c = torch.rand(6) - 0.5, torch.rand(6) * 2, torch.rand(6) + 0.5
    y = x + b.reshape(6, 1, 1, 1)
    grey = y.mean(dim=1, keepdim=True)
    y = grey + (y - grey) * s.reshape(6, 1, 1, 1)
    mean = y.mean(dim=(1, 2, 3), keepdim=True)
    y = mean + (y - mean) * c.reshape(6, 1, 1, 1)
    shift_h, shift_w = torch.randint(-1, 2, (6,)), torch.randint(-1, 2, (6,))  # 1/8 of 8 pixels: up to 1
    for i in range(6):
        expected = numpy_translate(y[i].numpy(), int(shift_h[i]), int(shift_w[i]), "zeros")
        np.testing.assert_allclose(out[i].numpy(), expected, atol=1e-6)


def test_diffaug_cutout_clears_half_the_side_somewhere():
    x = torch.ones(50, 1, 8, 8)
    out = make("diffaug", policy="cutout").critic_input(x, 0.0)
    cleared = (out == 0).sum(dim=(1, 2, 3))
    assert cleared.max() == 16 and cleared.min() >= 4  # a 4x4 square, whole or hanging over an edge


def test_diffaug_is_differentiable_for_every_sample():
    x = torch.randn(8, 3, 8, 8, requires_grad=True)
    out = make("diffaug").critic_input(x, 0.0)
    (grad,) = torch.autograd.grad((out * torch.randn_like(out)).sum(), x)
    assert (grad.flatten(1).abs().sum(dim=1) > 0).all()


def test_diffaug_policies_use_dashes_and_are_checked(ganbench_plugins):
    assert make("diffaug", policy="translation-cutout").policy == ("translation", "cutout")
    assert make("diffaug", policy="colour").policy == ("color",)
    with pytest.raises(UsageError, match="joined by '-'"):
        make("diffaug", policy="translation,cutout")
    [[choice]] = stabiliser_sets(ganbench_plugins.registry, ["diffaug:policy=translation-cutout"])
    assert dict(choice.params) == {"policy": "translation-cutout"}
    # '+' joins stabilisers: 'cutout' is then read as a stabiliser of its own, and refused.
    with pytest.raises(UsageError):
        stabiliser_sets(ganbench_plugins.registry, ["diffaug:policy=translation+cutout"])


def test_diffaug_and_ada_skip_vectors_with_a_reason():
    result = run_tiny_trial("mlp", "ns", stabilisers="diffaug", dataset="ring8", steps=1)
    assert result.status == "skipped" and "augments images" in result.reason


class Recorder(Stabiliser):
    """Notes every batch critic_input is given, and what g_penalty is given, in order."""

    calls: list = []

    def critic_input(self, x, progress):
        Recorder.calls.append(("critic_input", x.requires_grad, tuple(x.shape)))
        return x

    def d_scores(self, real_scores, fake_scores):
        Recorder.calls.append(("d_scores", real_scores.requires_grad, tuple(real_scores.shape)))

    def g_penalty(self, generator, real, adversarial):
        Recorder.calls.append(("g_penalty", real.requires_grad, tuple(real.shape)))


class RecorderPlugin:
    @staticmethod
    @hookimpl
    def ganbench_stabilisers():
        return [StabiliserSpec(name="recorder", description="notes its calls", factory=Recorder)]


def test_critic_input_sees_reals_and_fakes_in_d_updates_and_fakes_in_g_updates(ganbench_plugins):
    """What diffaug and ada rely on: D's update augments both batches, G's update its fakes only."""
    ganbench_plugins.register(RecorderPlugin, name="recorder_plugin")
    Recorder.calls = []
    result = ganbench_plugins.run("mlp", "ns", "recorder", dataset="ring8", steps=2, hparams={"n_critic": 2})
    assert_trial_ok(result)
    batch = (100, 2)  # mlp's batch of 2-d points
    d_update = [("critic_input", False, batch), ("critic_input", False, batch), ("d_scores", True, (100,))]
    g_update = [("critic_input", True, batch), ("g_penalty", False, batch)]
    assert Recorder.calls == (d_update * 2 + g_update) * 2


def test_g_penalty_gets_the_data_as_drawn_before_critic_input(ganbench_plugins):
    ganbench_plugins.register(RecorderPlugin, name="recorder_plugin")
    Recorder.calls = []
    assert_trial_ok(ganbench_plugins.run("mlp", "ns", "pack+recorder", dataset="ring8", steps=1))
    seen = {call[0]: call[2] for call in Recorder.calls}
    assert seen["critic_input"] == (50, 4)  # after packing
    assert seen["g_penalty"] == (100, 2)  # the data's own shape


# --------------------------------------------------------------------------- cr, bcr


def numpy_flip_and_shift(x: np.ndarray, which: bool, dh: int, dw: int) -> np.ndarray:
    return numpy_translate(x[:, :, ::-1] if which else x, dh, dw, "reflect")


def test_cr_against_the_flip_and_shift_done_in_numpy():
    critic = linear_critic(2 * 8 * 8)
    real = torch.randn(4, 2, 8, 8)
    torch.manual_seed(7)
    penalty = make("cr", **{"lambda": 3.0}).d_penalty(critic, real, torch.zeros_like(real))
    torch.manual_seed(7)
    which, shift_h, shift_w = torch.rand(4) < 0.5, torch.randint(-1, 2, (4,)), torch.randint(-1, 2, (4,))
    w = critic.head.weight.detach().numpy().reshape(-1)
    terms = []
    for i in range(4):
        x = real[i].numpy()
        t = numpy_flip_and_shift(x, bool(which[i]), int(shift_h[i]), int(shift_w[i]))
        terms.append((w @ x.reshape(-1) - w @ t.reshape(-1)) ** 2)
    assert penalty.item() == pytest.approx(3.0 * np.mean(terms), rel=1e-5)


def test_bcr_adds_the_same_term_on_fakes():
    critic = linear_critic(1 * 8 * 8)
    real, fake = torch.randn(4, 1, 8, 8), torch.randn(4, 1, 8, 8)
    torch.manual_seed(2)
    both = make("bcr", lambda_real=2.0, lambda_fake=5.0).d_penalty(critic, real, fake)
    torch.manual_seed(2)
    on_real = make("cr", **{"lambda": 2.0}).d_penalty(critic, real, fake)
    on_fake = make("cr", **{"lambda": 5.0}).d_penalty(critic, fake, real)  # continues the same stream
    torch.testing.assert_close(both, on_real + on_fake)
    assert make("bcr", lambda_real=0.0, lambda_fake=0.0).d_penalty(critic, real, fake) is None


# --------------------------------------------------------------------------- ada


@pytest.mark.parametrize("score, direction", [(1.0, +1), (-1.0, -1)])
def test_ada_moves_p_by_batch_times_interval_over_ada_kimg(score, direction):
    stabiliser = make("ada", p=0.5, ada_kimg=2.0, interval=4)
    batch = 32
    step = batch * 4 / (2.0 * 1000)  # 0.064
    for update in range(1, 9):
        stabiliser.d_scores(torch.full((batch,), score), torch.zeros(batch))
        moves = update // 4
        assert stabiliser.p == pytest.approx(0.5 + direction * moves * step)
    assert stabiliser.scalars() == {"ada_p": pytest.approx(0.5 + direction * 2 * step)}


def test_ada_reads_the_mean_sign_over_the_interval_against_the_target():
    stabiliser = make("ada", p=0.5, ada_kimg=1.0, interval=2, target=0.6)
    # r_t = mean sign over both updates: (8 * 1 + 8 * 0.25) / 16 = 0.625 > 0.6: up by 8 * 2 / 1000.
    stabiliser.d_scores(torch.ones(8), torch.zeros(8))
    stabiliser.d_scores(torch.tensor([1.0] * 5 + [-1.0] * 3), torch.zeros(8))
    assert stabiliser.p == pytest.approx(0.5 + 0.016)
    # r_t = 0.5 < 0.6: down by the same.
    stabiliser.d_scores(torch.tensor([1.0] * 6 + [-1.0] * 2), torch.zeros(8))
    stabiliser.d_scores(torch.tensor([1.0] * 2 + [-1.0] * 6), torch.zeros(8))
    assert stabiliser.p == pytest.approx(0.5)


def test_ada_p_stays_in_zero_to_one():
    stabiliser = make("ada", ada_kimg=0.001)
    for _ in range(8):
        stabiliser.d_scores(-torch.ones(64), torch.zeros(64))
    assert stabiliser.p == 0.0
    for _ in range(8):
        stabiliser.d_scores(torch.ones(64), torch.zeros(64))
    assert stabiliser.p == 1.0


def test_ada_pipeline_is_the_identity_at_p_0_and_differentiable_at_p_1():
    x = torch.randn(16, 3, 8, 8, requires_grad=True)
    assert make("ada").critic_input(x, 0.0) is x
    out = ada.augment(x, 1.0)
    assert out.shape == x.shape
    (grad,) = torch.autograd.grad((out * torch.randn_like(out)).sum(), x)
    assert (grad.flatten(1).abs().sum(dim=1) > 0).all()


def test_ada_logs_p_at_every_step_it_changes():
    # batch 64, interval 4: p moves by 64 * 4 / (5.12 * 1000) = 0.05 every 4 steps.
    result = run_tiny_trial("dcgan", "ns", stabilisers="ada:ada_kimg=5.12,p=0.5", dataset="digits", steps=12)
    assert_trial_ok(result)
    logged = [(s.step, round(s.value, 6)) for s in result.scalars if s.name == "ada_p"]
    assert [step for step, _ in logged] == [1, 4, 8, 12]
    assert logged[0][1] == 0.5
    assert all(abs(b - a) == pytest.approx(0.05) for (_, a), (_, b) in zip(logged, logged[1:]))


# --------------------------------------------------------------------------- mrgan


def test_mrgan_terms_by_hand_on_linear_maps():
    mrgan = make("mrgan", lambda1=0.5, lambda2=2.0, width=3)
    mrgan.own_module(DataShape("vector", (2,)), HParams(z_dim=1))
    with torch.no_grad():  # E(x) = x1 + x2 through a hidden layer that passes positive values
        mrgan.encoder[1].weight.copy_(torch.tensor([[1.0, 1.0], [0.0, 0.0], [0.0, 0.0]]))
        mrgan.encoder[1].bias.zero_()
        mrgan.encoder[3].weight.copy_(torch.tensor([[1.0, 0.0, 0.0]]))
        mrgan.encoder[3].bias.zero_()
    generator = nn.Linear(1, 2, bias=False)
    with torch.no_grad():
        generator.weight.copy_(torch.tensor([[1.0], [0.0]]))  # G(z) = (z, 0)
    x = torch.tensor([[1.0, 2.0], [0.5, 0.5]])
    penalty = mrgan.g_penalty(generator, x, lambda y: y.sum())  # a hand-written "G loss"
    # E(x) = 3, 1; G(E(x)) = (3, 0), (1, 0); ||x - G(E(x))||^2 = 4 + 4, 0.25 + 0.25.
    geometric = np.mean([8.0, 0.5])
    assert penalty.item() == pytest.approx(0.5 * geometric + 2.0 * (3.0 + 1.0))


def test_mrgan_trains_its_encoder_with_an_optimiser_of_its_own():
    from ganbench.budget import Budget, TrainingClock
    from ganbench.testing import registry_for
    from ganbench.train import build_setup, train
    from ganbench.types import DataOptions, StabiliserChoice, TrialPlan

    registry = registry_for(ganbench_plugins_options())
    data = registry.get("datasets", "ring8").load(DataOptions(download=False))
    model = registry.get("models", "mlp")
    plan = TrialPlan(model, registry.get("losses", "ns"), (StabiliserChoice("mrgan"),), 0, model.hparams, data.shape)
    setup = build_setup(plan, registry, torch.device("cpu"))
    [encoder_optimiser] = setup.opt_own
    encoder = setup.stabilisers[0].encoder
    before = [p.detach().clone() for p in encoder.parameters()]
    assert [p for group in encoder_optimiser.param_groups for p in group["params"]] == list(encoder.parameters())
    assert encoder_optimiser.param_groups[0]["lr"] == model.hparams.lr_g
    train(
        setup,
        data,
        Budget("steps", 2),
        TrainingClock(torch.device("cpu")),
        checkpoints=0,
        on_checkpoint=lambda i, u: None,
    )
    assert all(not torch.equal(a, b.detach()) for a, b in zip(before, encoder.parameters()))


def ganbench_plugins_options():
    from ganbench.plugins import PluginOptions

    return PluginOptions(external=False)


@pytest.mark.parametrize("loss", ["ns", "rpgan", "hinge"])
def test_new_stabilisers_train_with_the_real_step(loss):
    for stabilisers, model, dataset in (
        ("r1+r2", "mlp", "ring8"),
        ("lecam", "mlp", "ring8"),
        ("mrgan", "mlp", "ring8"),
        ("diffaug+lecam", "dcgan", "digits"),
        ("ada:p=0.3+bcr", "dcgan", "digits"),
        ("cr+mrgan", "dcgan", "digits"),
    ):
        assert_trial_ok(run_tiny_trial(model, loss, stabilisers=stabilisers, dataset=dataset, steps=2))
