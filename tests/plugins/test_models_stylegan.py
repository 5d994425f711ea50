"""stylegan (StyleGAN2 at small width): shapes, the modulated and demodulated convolution against a
per-sample reference, noise inputs, style mixing, the residual D, gradients and a trial through the harness."""

import math

import pytest
import torch
from torch.nn import functional as F

from ganbench.cli import main
from ganbench.testing import assert_trial_ok
from ganbench.types import Critic, DataOptions, DataShape, HParams
from ganbench_plugins.models import stylegan

SPEC = stylegan.spec()
WIDTH = 8  # channels in the tests: the layout, not the width, is what is checked
HP = stylegan.HPARAMS.replace(z_dim=8, batch_size=8, model_params={"width": WIDTH})
SHAPES = [DataShape("image", (c, s, s)) for s in (16, 32, 64) for c in (1, 3)]


@pytest.fixture(autouse=True)
def _seeded():
    torch.manual_seed(0)


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    # Small networks on a shared CPU: a second intra-op thread only adds contention.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def built(side=16, channels=1, hp=HP):
    shape = DataShape("image", (channels, side, side))
    return stylegan.generator(shape, hp), stylegan.critic(shape, hp)


def with_noise(G, strength):
    with torch.no_grad():
        for layer in G.convs:
            layer.noise_strength.fill_(strength)


def test_the_record_carries_the_papers_settings():
    assert SPEC.name == "stylegan" and "arXiv:1912.04958" in SPEC.source
    assert SPEC.hparams == HParams(
        z_dim=64, batch_size=32, optimizer="adam", lr_g=2e-3, lr_d=2e-3, betas=(0.0, 0.99), n_critic=1
    )
    assert SPEC.params == {"width": 32, "mixing": 0.9} and SPEC.search_space
    for side in (8, 16, 32, 64):
        assert SPEC.supports(DataShape("image", (3, side, side))) is None
    for side in (4, 28, 128):
        assert str(side) in SPEC.supports(DataShape("image", (1, side, side)))
    assert "image" in SPEC.supports(DataShape("vector", (2,)))
    with pytest.raises(ValueError, match="power-of-two"):
        stylegan.generator(DataShape("image", (1, 28, 28)), HP)


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_shapes_range_and_raw_scores(shape):
    G, D = stylegan.generator(shape, HP), stylegan.critic(shape, HP)
    x = G(torch.randn(4, HP.z_dim))
    assert x.shape == (4, *shape.shape)
    assert x.abs().max() <= 1.0 and x.std() > 0  # tanh output, not a constant
    assert isinstance(D, Critic)
    scores, features = D(x), D.features(x)
    assert scores.shape == (4,) and features.shape == (4, WIDTH)
    torch.testing.assert_close(D.head(features).reshape(-1), scores)


@pytest.mark.parametrize("side, resolutions", [(8, 2), (32, 4), (64, 5)])
def test_layout_one_conv_at_4x4_two_above_a_torgb_each_and_d_down_to_4x4(side, resolutions):
    G, D = built(side)
    assert len(G.convs) == 2 * resolutions - 1 and len(G.to_rgb) == resolutions and G.styles == 2 * resolutions
    assert len(G.mapping) == stylegan.MAPPING_LAYERS and G.const.shape == (1, WIDTH, 4, 4)
    assert len(D.features.blocks) == resolutions - 1
    h = D.features.blocks(torch.randn(2, WIDTH, side, side))
    assert h.shape == (2, WIDTH, 4, 4)


def per_sample_reference(conv, x, w, demodulate):
    """Each sample on its own: its weights modulated and demodulated explicitly, then a plain convolution."""
    outputs = []
    for i in range(x.shape[0]):
        style = conv.affine.weight @ w[i] * conv.affine.scale + conv.affine.bias  # (in,)
        weight = conv.weight * conv.scale * style.view(1, -1, 1, 1)
        if demodulate:
            norms = weight.flatten(1).norm(dim=1)  # one per output channel
            weight = weight / norms.view(-1, 1, 1, 1)
        outputs.append(F.conv2d(x[i : i + 1], weight, padding=conv.padding))
    return torch.cat(outputs)


@pytest.mark.parametrize("size, demodulate", [(3, True), (1, False)])
def test_the_grouped_modulated_conv_equals_a_per_sample_loop(size, demodulate):
    conv = stylegan.ModulatedConv(6, 5, size, w_dim=7, demodulate=demodulate)
    with torch.no_grad():
        conv.affine.bias.normal_()  # styles far from their initial 1
    x, w = torch.randn(4, 6, 9, 9), torch.randn(4, 7)
    with torch.no_grad():
        torch.testing.assert_close(conv(x, w), per_sample_reference(conv, x, w, demodulate), atol=1e-5, rtol=1e-5)
        norms = conv.weights(w).flatten(2).norm(dim=2)  # (N, out)
    if demodulate:  # every sample's every output channel: unit L2 norm
        torch.testing.assert_close(norms, torch.ones(4, 5), atol=1e-5, rtol=0)
    else:
        assert (norms - 1).abs().max() > 0.1


def test_the_mapping_learns_at_a_hundredth_of_the_rate():
    layer = stylegan.MappingLinear(256, 64)
    assert layer.weight.std().item() == pytest.approx(1 / stylegan.LR_MULTIPLIER, rel=0.05)
    effective = layer.weight * layer.scale
    assert effective.std().item() == pytest.approx(1 / math.sqrt(256), rel=0.05)  # N(0, 1 / fan_in) at run time
    x = torch.randn(3, 256)
    layer(x).sum().backward()
    # d out / d weight is lr_multiplier / sqrt(fan_in) times that of a plain linear layer: Adam's steps
    # on the parameter move the effective weights lr_multiplier times as far.
    torch.testing.assert_close(layer.weight.grad, x.sum(0).expand(64, -1) * layer.scale)
    torch.testing.assert_close(layer.bias.grad, torch.full((64,), 3 * stylegan.LR_MULTIPLIER))


def test_noise_starts_silent_and_draws_fresh_from_the_global_rng_once_it_is_not():
    G, _ = built()
    G.eval()
    assert all(layer.noise_strength.item() == 0 for layer in G.convs)
    z = torch.randn(4, HP.z_dim)
    torch.testing.assert_close(G(z), G(z), atol=0, rtol=0)  # deterministic given z
    with_noise(G, 0.5)
    first, second = G(z), G(z)
    assert (first - second).abs().max() > 1e-3  # fresh noise each call
    torch.manual_seed(1)
    again = G(z)
    torch.manual_seed(1)
    torch.testing.assert_close(G(z), again, atol=0, rtol=0)  # and it follows the seed


def test_style_mixing_only_while_training():
    G, _ = built(hp=HP.replace(model_params={"width": WIDTH, "mixing": 1.0}))
    z = torch.randn(4, HP.z_dim)
    G.eval()
    one = G.ws(z)
    assert torch.equal(one, one[:, :1].expand_as(one))  # one w drives every layer
    G.train()
    crossovers = set()
    for _ in range(20):
        ws = G.ws(z)
        torch.testing.assert_close(ws[:, 0], one[:, 0])  # the first layer always keeps z's own w
        differs = (ws - one).abs().amax(dim=(0, 2)) > 0
        cutoff = int(differs.float().argmax())
        assert cutoff >= 1 and differs[cutoff:].all() and not differs[:cutoff].any()
        crossovers.add(cutoff)
    assert len(crossovers) > 1  # a random crossover layer
    G.mixing = 0.0
    assert torch.equal(G.ws(z), one)


def test_the_residual_block_sums_its_two_paths_over_sqrt_2_and_d_takes_any_batch():
    block = stylegan.ResidualBlock(4, 6)
    assert block.skip[1].bias is None  # a bias-free 1x1 conv after the pool
    x = torch.randn(3, 4, 8, 8)
    out = block(x)
    assert out.shape == (3, 6, 4, 4)
    torch.testing.assert_close(out, (block.residual(x) + block.skip(x)) / math.sqrt(2))
    _, D = built(32, 3)
    for n in (1, 3, 6, 8):  # groups of 4 for minibatch stddev where they divide the batch
        assert D(torch.rand(n, 3, 32, 32) * 2 - 1).shape == (n,)


def test_gradients_reach_every_parameter_noise_strengths_included():
    G, D = built(32, 3)
    fake, real = G(torch.randn(6, HP.z_dim)), torch.rand(6, 3, 32, 32) * 2 - 1
    (F.softplus(-D(real)).mean() + F.softplus(D(fake)).mean()).backward()
    for module in (G, D):
        for name, p in module.named_parameters():
            assert p.grad is not None and p.grad.abs().sum() > 0, name
    assert all(layer.noise_strength.item() == 0 for layer in G.convs)  # they were at 0, and still learn


@pytest.mark.parametrize("side", [16, 32])
def test_trains_through_the_harness_on_digits(ganbench_plugins, side):
    result = ganbench_plugins.run(
        "stylegan",
        "ns",
        "r1",
        dataset="digits",
        steps=3,
        hparams={"batch_size": 8, "model_params": {"width": WIDTH}},
        data=DataOptions(image_size=side, download=False),
    )
    assert_trial_ok(result)
    assert result.usage.steps == 3


def test_check_plugin_stylegan_passes(monkeypatch, capsys):
    monkeypatch.setattr(stylegan, "WIDTH", WIDTH)  # the registered model itself, at a width checked in seconds
    code = main(["check-plugin", "stylegan"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "model 'stylegan' keeps the contract" in out and "every built-in loss: trains with" in out
