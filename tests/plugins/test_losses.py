"""The built-in losses against closed forms and independent BCE computations on probabilities."""

import math
import pickle

import pytest
import torch
import torch.nn.functional as F

from ganbench_plugins import losses as losses_plugin
from ganbench_plugins.losses import standard

ALL = {spec.name: spec for spec in losses_plugin.ganbench_losses()}
# The losses of scores alone; acgan also reads class logits (tests/plugins/test_losses_auxiliary_classifier.py).
LOSSES = {name: spec for name, spec in ALL.items() if not spec.uses_classes}
SCORES = torch.tensor([-3.0, -1.0, -0.25, 0.0, 0.5, 2.0, 4.0], dtype=torch.float64)


def bce(scores, target):
    """Binary cross-entropy on sigmoid probabilities: the textbook form, computed independently."""
    return F.binary_cross_entropy(torch.sigmoid(scores), torch.full_like(scores, target))


def test_the_seven_losses_are_registered_with_description_and_source():
    assert set(ALL) == {"minimax", "ns", "wasserstein", "hinge", "lsgan", "rpgan", "acgan"}
    assert {n for n, s in ALL.items() if s.uses_classes} == {"acgan"}
    for spec in ALL.values():
        assert spec.description and "\n" not in spec.description
        assert spec.source
    assert {n for n, s in LOSSES.items() if s.g_uses_real} == {"rpgan"}  # relativistic: G's loss reads D(real)
    assert {n for n, s in LOSSES.items() if s.uses_labels} == {"minimax", "ns", "lsgan"}
    assert LOSSES["wasserstein"].requires == frozenset({"lipschitz"})
    assert all(not s.requires for n, s in LOSSES.items() if n != "wasserstein")


def test_records_are_fresh_and_picklable():
    # The registry stamps records, and worker executors pickle them.
    assert losses_plugin.ganbench_losses()[0] is not losses_plugin.ganbench_losses()[0]
    for spec in LOSSES.values():
        clone = pickle.loads(pickle.dumps(spec))
        assert clone.d_loss(SCORES, SCORES) == spec.d_loss(SCORES, SCORES)


def test_log_losses_at_zero_scores():
    zero = torch.zeros(8)
    for name in ("ns", "minimax"):
        assert LOSSES[name].d_loss(zero, zero).item() == pytest.approx(2 * math.log(2))
    assert LOSSES["ns"].g_loss(zero, None).item() == pytest.approx(math.log(2))
    assert LOSSES["minimax"].g_loss(zero, None).item() == pytest.approx(math.log(0.5))


@pytest.mark.parametrize("name", ["ns", "minimax"])
def test_log_d_loss_is_bce_on_probabilities(name):
    real, fake = SCORES, SCORES.flip(0) * 0.7
    expected = bce(real, 1.0) + bce(fake, 0.0)
    assert LOSSES[name].d_loss(real, fake).item() == pytest.approx(expected.item(), rel=1e-9)


@pytest.mark.parametrize("s", [-3.0, -1.0, 0.0, 0.5, 2.0, 4.0])
def test_minimax_g_loss_is_log_one_minus_d(s):
    score = torch.tensor([s], dtype=torch.float64)
    expected = math.log(1 - 1 / (1 + math.exp(-s)))
    assert LOSSES["minimax"].g_loss(score, None).item() == pytest.approx(expected, rel=1e-9)


def test_ns_g_loss_is_minus_log_d():
    expected = -torch.log(torch.sigmoid(SCORES)).mean()
    assert LOSSES["ns"].g_loss(SCORES, None).item() == pytest.approx(expected.item(), rel=1e-9)
    assert LOSSES["ns"].g_loss(SCORES, None).item() == pytest.approx(bce(SCORES, 1.0).item(), rel=1e-9)


def test_wasserstein_is_the_difference_of_means():
    real, fake = torch.tensor([1.0, 2.0, 6.0]), torch.tensor([-1.0, 0.5])
    assert LOSSES["wasserstein"].d_loss(real, fake).item() == pytest.approx(-0.25 - 3.0)
    assert LOSSES["wasserstein"].g_loss(fake, None).item() == pytest.approx(0.25)


def test_hinge_at_hand_computed_points():
    real = torch.tensor([2.0, 0.5, -1.0])  # relu(1 - r): 0, 0.5, 2   -> mean 2.5/3
    fake = torch.tensor([-2.0, 0.0, 1.0])  # relu(1 + f): 0, 1, 2     -> mean 1
    assert LOSSES["hinge"].d_loss(real, fake).item() == pytest.approx(2.5 / 3 + 1.0)
    assert LOSSES["hinge"].g_loss(fake, None).item() == pytest.approx(1.0 / 3)
    # Confident and right on both sides: nothing left to learn.
    assert LOSSES["hinge"].d_loss(torch.tensor([1.5]), torch.tensor([-1.5])).item() == 0.0


def test_lsgan_at_hand_computed_points():
    real = torch.tensor([1.0, 0.0, 3.0])  # (r - 1)^2: 0, 1, 4 -> mean 5/3
    fake = torch.tensor([0.0, 2.0])  # (f - 0)^2: 0, 4 -> mean 2
    assert LOSSES["lsgan"].d_loss(real, fake).item() == pytest.approx(0.5 * 5 / 3 + 0.5 * 2)
    assert LOSSES["lsgan"].g_loss(fake, None).item() == pytest.approx(0.5 * (1 + 1) / 2)
    assert LOSSES["lsgan"].d_loss(torch.ones(4), torch.zeros(4)).item() == 0.0


@pytest.mark.parametrize("name", ["ns", "minimax"])
def test_label_smoothing_is_bce_against_the_target(name):
    real, fake = SCORES, -SCORES
    expected = bce(real, 0.9) + bce(fake, 0.0)
    assert LOSSES[name].d_loss(real, fake, real_target=0.9).item() == pytest.approx(expected.item(), rel=1e-9)
    # Smoothing only ever touches the real side.
    assert LOSSES[name].d_loss(real, fake, real_target=1.0) == LOSSES[name].d_loss(real, fake)


def test_lsgan_smoothing_moves_the_real_target():
    real, fake = torch.tensor([0.9, 0.0]), torch.tensor([0.5])
    expected = 0.5 * (0 + 0.81) / 2 + 0.5 * 0.25
    assert LOSSES["lsgan"].d_loss(real, fake, real_target=0.9).item() == pytest.approx(expected)


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_finite_values_and_gradients_for_extreme_scores(name):
    spec = LOSSES[name]
    extreme = torch.tensor([-100.0, 100.0, -100.0, 100.0])
    real = extreme.clone().requires_grad_()
    fake = extreme.flip(0).clone().requires_grad_()
    kwargs = {"real_target": 0.9} if spec.uses_labels else {}
    d = spec.d_loss(real, fake, **kwargs)
    g = spec.g_loss(fake, real.detach() if spec.g_uses_real else None)
    assert d.dim() == 0 and g.dim() == 0
    torch.autograd.backward([d, g])
    for value in (d, g, real.grad, fake.grad):
        assert torch.isfinite(value).all()


def test_log_losses_at_extreme_scores_match_their_limits():
    hundred = torch.tensor([100.0])
    # D sure a fake is fake: -log D(G(z)) ~ 100, log(1 - D(G(z))) ~ 0 (the saturation).
    assert LOSSES["ns"].g_loss(-hundred, None).item() == pytest.approx(100.0)
    assert LOSSES["minimax"].g_loss(-hundred, None).item() == pytest.approx(0.0, abs=1e-30)
    # D completely wrong on both sides.
    assert LOSSES["ns"].d_loss(-hundred, hundred).item() == pytest.approx(200.0)


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_generator_loss_falls_as_fake_scores_rise(name):
    # Scores below 1, where even the least squares loss (target c = 1) still wants them higher.
    fake = torch.tensor([-3.0, -1.0, 0.0, 0.5], requires_grad=True)
    real = torch.zeros(4) if LOSSES[name].g_uses_real else None  # relativistic: fixed real scores
    LOSSES[name].g_loss(fake, real).backward()
    assert (fake.grad < 0).all()


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_discriminator_loss_pushes_real_up_and_fake_down(name):
    # Inside every loss's active region: below the hinge margin, below the lsgan targets.
    real = torch.tensor([-0.5, 0.0, 0.5], requires_grad=True)
    fake = torch.tensor([-0.5, 0.0, 0.5], requires_grad=True)
    LOSSES[name].d_loss(real, fake).backward()
    assert (real.grad < 0).all()
    fake_should_fall = fake.grad > 0 if name != "lsgan" else fake.grad[fake.detach() > 0] > 0
    assert fake_should_fall.all()


def test_minimax_saturates_where_ns_does_not():
    fake = torch.tensor([-8.0], requires_grad=True)
    LOSSES["minimax"].g_loss(fake, None).backward()
    minimax_grad = fake.grad.item()
    fake.grad = None
    LOSSES["ns"].g_loss(fake, None).backward()
    assert abs(minimax_grad) < 1e-3 < abs(fake.grad.item())


def test_losses_are_plain_functions_of_the_module():
    # Named functions, not lambdas: they pickle to worker processes and read well in tracebacks.
    assert LOSSES["ns"].g_loss is standard.ns_g_loss
    assert LOSSES["minimax"].d_loss is LOSSES["ns"].d_loss is standard.log_d_loss
