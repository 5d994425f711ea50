"""ganbench-relativistic, checked against values worked out by hand and through ganbench's testing kit."""

import math

import ganbench_relativistic
import pytest
import torch
from ganbench_relativistic.losses import ralsgan_d_loss, ralsgan_g_loss, rasgan_d_loss, rasgan_g_loss

from ganbench.testing import assert_trial_ok

# real scores (1, 3), fake scores (0, 2): mean(real) = 2, mean(fake) = 1
REAL, FAKE = torch.tensor([1.0, 3.0]), torch.tensor([0.0, 2.0])


def softplus(x):
    return math.log1p(math.exp(x))


def test_rasgan_by_hand():
    # D: real - mean(fake) = (0, 2) against 1, fake - mean(real) = (-2, 0) against 0
    d = (softplus(-0) + softplus(-2)) / 2 + (softplus(-2) + softplus(0)) / 2
    # G: fake - mean(real) = (-2, 0) against 1, real - mean(fake) = (0, 2) against 0
    g = (softplus(2) + softplus(0)) / 2 + (softplus(0) + softplus(2)) / 2
    assert rasgan_d_loss(REAL, FAKE).item() == pytest.approx(d, rel=1e-6)  # = log 2 + log(1 + e^-2) = 0.8201
    assert rasgan_g_loss(FAKE, REAL).item() == pytest.approx(g, rel=1e-6)  # = 2.8201
    assert d == pytest.approx(0.820075, abs=1e-6) and g == pytest.approx(2.820075, abs=1e-6)


def test_ralsgan_by_hand():
    # D: (0, 2) - 1 = (-1, 1) -> mean square 1; (-2, 0) + 1 = (-1, 1) -> 1
    assert ralsgan_d_loss(REAL, FAKE).item() == pytest.approx(2.0)
    # G: (-2, 0) - 1 = (-3, -1) -> 5; (0, 2) + 1 = (1, 3) -> 5
    assert ralsgan_g_loss(FAKE, REAL).item() == pytest.approx(10.0)


def test_rasgan_matches_binary_cross_entropy_with_logits():
    g = torch.Generator().manual_seed(0)
    real, fake = torch.randn(16, generator=g), torch.randn(16, generator=g)
    bce = torch.nn.functional.binary_cross_entropy_with_logits
    expected = bce(real - fake.mean(), torch.ones(16)) + bce(fake - real.mean(), torch.zeros(16))
    assert rasgan_d_loss(real, fake).item() == pytest.approx(expected.item(), rel=1e-6)


def test_generator_gradient_comes_through_the_fake_scores_only():
    fake = torch.tensor([0.0, 2.0], requires_grad=True)
    rasgan_g_loss(fake, REAL).backward()
    # d/df_i [softplus(-(f_i - 2))/2 + sum_j softplus(r_j - mean f)/2] = -sigmoid(2 - f_i)/2 - sum_j sigmoid(r_j - 1)/4
    sig = lambda x: 1 / (1 + math.exp(-x))  # noqa: E731
    shared = (sig(0) + sig(2)) / 4
    assert fake.grad.tolist() == pytest.approx([-sig(2) / 2 - shared, -sig(0) / 2 - shared], rel=1e-6)


@pytest.mark.parametrize("side, channels", [(16, 1), (32, 3), (64, 3)])
def test_resnet_small_shapes(side, channels):
    from ganbench_relativistic.models import critic, generator

    from ganbench.types import DataShape, HParams

    shape, hp = DataShape("image", (channels, side, side)), HParams(z_dim=64)
    x = generator(shape, hp)(torch.randn(2, 64))
    assert x.shape == (2, channels, side, side) and x.abs().max() <= 1
    D = critic(shape, hp)
    assert D(x).shape == (2,) and D.features(x).shape == (2, 64)


@pytest.mark.parametrize("kind, name", [("loss", "ragan"), ("loss", "rals"), ("model", "resnet-small")])
def test_keeps_the_plugin_contract(ganbench_plugins, kind, name):
    ganbench_plugins.register(ganbench_relativistic)
    ganbench_plugins.assert_conforms(kind, name)


def test_trains_with_a_built_in_model(ganbench_plugins):
    ganbench_plugins.register(ganbench_relativistic)
    assert_trial_ok(ganbench_plugins.run("mlp", "ragan", dataset="ring8", steps=3))
