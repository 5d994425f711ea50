"""The built-in `resnet` (SNGAN's CIFAR ResNet): layouts, shapes, hand-counted parameters, the sides it
refuses, the contract, a trial through the harness, and `sn` reaching every layer of D."""

import math
import pickle

import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils import parametrize

from ganbench.cli import main
from ganbench.testing import assert_trial_ok
from ganbench.types import Critic, DataOptions, DataShape, HParams
from ganbench_plugins.models import resnet
from ganbench_plugins.stabilisers import sn

SPEC = resnet.spec()
NARROW = 16  # channels for G and D in the tests: the layout, not the width, is what is checked
HP = resnet.HPARAMS.replace(z_dim=8, model_params={"g_width": NARROW, "d_width": NARROW})
SHAPES = [DataShape("image", (c, s, s)) for s in (32, 48, 64) for c in (1, 3)]


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


@pytest.fixture
def narrow_defaults(monkeypatch):
    """The registered `resnet` itself, at widths a CPU checks in seconds (its defaults are the paper's 256/128)."""
    monkeypatch.setattr(resnet, "G_WIDTH", NARROW)
    monkeypatch.setattr(resnet, "D_WIDTH", NARROW)


def count(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def test_the_record_carries_the_papers_settings():
    assert SPEC.name == "resnet" and "arXiv:1802.05957" in SPEC.source and "Table 4" in SPEC.source
    assert SPEC.hparams == HParams(
        z_dim=128, batch_size=64, optimizer="adam", lr_g=2e-4, lr_d=2e-4, betas=(0.0, 0.9), n_critic=5
    )
    assert SPEC.params == {"g_width": 256, "d_width": 128}
    assert SPEC.search_space and not SPEC.provides  # Lipschitz only with `sn`, which provides it
    assert pickle.loads(pickle.dumps(SPEC)).supports(DataShape("image", (3, 48, 48))) is None


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_generator_output_shape_and_range(shape):
    G = resnet.generator(shape, HP)
    x = G(torch.randn(4, HP.z_dim))
    assert x.shape == (4, *shape.shape)
    assert x.abs().max() <= 1.0 and x.std() > 0  # tanh output, not a constant
    assert isinstance(G.out[-1], nn.Tanh)


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_critic_gives_raw_scores_from_summed_features(shape):
    D = resnet.critic(shape, HP)
    assert isinstance(D, Critic) and not any(isinstance(m, nn.Sigmoid) for m in D.modules())
    x = torch.rand(5, *shape.shape) * 2 - 1
    D.eval()
    scores, features = D(x), D.features(x)
    assert scores.shape == (5,) and features.shape == (5, NARROW)
    torch.testing.assert_close(D.head(features).reshape(-1), scores)
    assert D.head.bias is None  # the code's SNLinear(ch, 1, nobias=True)


@pytest.mark.parametrize("side, start, ups, last", [(32, 4, 3, 8), (48, 6, 3, 12), (64, 4, 4, 8)])
def test_layouts(side, start, ups, last):
    """G starts at 4x4 (6x6 at 48 px) and doubles per block; D pools all but the last doubling away,
    then runs two blocks at that side (8x8 for CIFAR's 32 px, as in Table 4)."""
    shape = DataShape("image", (3, side, side))
    G, D = resnet.generator(shape, HP), resnet.critic(shape, HP)
    assert G.start == start and len(G.blocks) == ups
    assert G.project(torch.randn(2, HP.z_dim)).shape == (2, NARROW * start * start)
    blocks = list(D.features)[:-1]
    assert isinstance(blocks[0], resnet.FirstBlock) and isinstance(D.features[-1], resnet.SumPool)
    pooled = [isinstance(b.shortcut, nn.Sequential) for b in blocks[1:]]
    assert pooled == [True] * (ups - 2) + [False, False]
    h = nn.Sequential(*blocks)(torch.randn(2, *shape.shape))
    assert h.shape == (2, NARROW, last, last)


def test_parameters_match_a_hand_count_of_each_block():
    w, c = 16, 3
    conv3, conv1 = 9 * w * w, w * w  # weights of a 3x3 and a 1x1 convolution, w channels in and out
    # G's block: two BatchNorms (scale and shift, 2w each), two 3x3 convs and the 1x1 shortcut, no biases.
    assert count(resnet.UpBlock(w)) == 2 * 2 * w + 2 * conv3 + conv1 == 19 * w * w + 4 * w == 4928
    # D's down-sampling block: the same convolutions with a bias each, no norm.
    assert count(resnet.DownBlock(w)) == 2 * (conv3 + w) + (conv1 + w) == 19 * w * w + 3 * w == 4912
    # A block that keeps the side: two 3x3 convs, the identity as the shortcut.
    assert count(resnet.DownBlock(w, pool=False)) == 2 * (conv3 + w) == 4640
    # The first block: 3x3 c -> w, 3x3 w -> w, 1x1 c -> w shortcut, each with a bias.
    assert count(resnet.FirstBlock(c, w)) == (9 * c * w + w) + (conv3 + w) + (c * w + w) == 2832


def test_the_papers_cifar_networks_have_the_hand_counted_size():
    shape = DataShape("image", (3, 32, 32))
    G, D = resnet.generator(shape, resnet.HPARAMS), resnet.critic(shape, resnet.HPARAMS)
    g, d = 256, 128
    up_block = 2 * 2 * g + 2 * 9 * g * g + g * g
    g_total = (128 * 16 * g + 16 * g) + 3 * up_block + 2 * g + (9 * g * 3 + 3)  # linear, blocks, BN, last conv
    conv3 = 9 * d * d + d
    first = (9 * 3 * d + d) + conv3 + (3 * d + d)
    d_total = first + (2 * conv3 + d * d + d) + 2 * (2 * conv3) + d  # + 1 pooled, 2 flat blocks, the head
    assert (count(G), count(D)) == (g_total, d_total) == (4_274_435, 1_053_824)


def test_initialisation_is_the_codes_glorot_uniform():
    block = resnet.DownBlock(64)
    inner, shortcut = block.residual[1], block.shortcut[0]
    for layer, gain in ((inner, math.sqrt(2)), (shortcut, 1.0)):
        fan_in, fan_out = layer.weight[0].numel(), layer.weight.shape[0] * layer.weight[0, 0].numel()
        limit = gain * math.sqrt(6 / (fan_in + fan_out))
        assert layer.weight.abs().max() <= limit
        assert layer.weight.std().item() == pytest.approx(limit / math.sqrt(3), rel=0.05)  # uniform on [-l, l]
        assert not layer.bias.any()


def test_sizes_it_cannot_build_are_refused_with_the_reason():
    for side in (8, 28, 40, 128):
        reason = SPEC.supports(DataShape("image", (3, side, side)))
        assert reason and "16, 32, 48, 64 px" in reason and str(side) in reason
    assert "image" in SPEC.supports(DataShape("vector", (2,)))
    assert "channels" in SPEC.supports(DataShape("image", (2, 32, 32)))
    with pytest.raises(ValueError, match="16, 32, 48, 64"):
        resnet.generator(DataShape("image", (1, 28, 28)), HP)
    with pytest.raises(ValueError, match="at least 1"):
        resnet.critic(DataShape("image", (1, 32, 32)), HP.replace(model_params={"d_width": 0}))


def test_at_16_px_g_has_two_up_blocks_and_d_runs_its_last_blocks_at_8x8():
    shape = DataShape("image", (1, 16, 16))
    G, D = resnet.generator(shape, HP), resnet.critic(shape, HP)
    assert len(G.blocks) == 2 and G.start == 4
    trunk = list(D.features)
    assert isinstance(trunk[0], resnet.FirstBlock) and len(trunk) == 1 + resnet.SIDE_BLOCKS + 1  # + SumPool
    h = torch.nn.Sequential(*trunk[:-1])(torch.randn(2, 1, 16, 16))
    assert h.shape[-2:] == (8, 8)
    assert G(torch.randn(2, HP.z_dim)).shape == (2, 1, 16, 16) and D(torch.randn(2, 1, 16, 16)).shape == (2,)


def test_gradients_reach_every_parameter():
    shape = DataShape("image", (3, 32, 32))
    G, D = resnet.generator(shape, HP), resnet.critic(shape, HP)
    fake, real = G(torch.randn(6, HP.z_dim)), torch.rand(6, *shape.shape) * 2 - 1
    (F.relu(1 - D(real)).mean() + F.relu(1 + D(fake)).mean()).backward()
    for module in (G, D):
        for name, p in module.named_parameters():
            assert p.grad is not None and p.grad.abs().sum() > 0, name


def test_sn_normalises_every_convolution_and_the_head():
    D = resnet.critic(DataShape("image", (3, 32, 32)), HP)
    layers = [m for m in D.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    # FirstBlock 3 convs, one pooled block 3, two flat blocks 2 each, the head.
    assert len(layers) == 3 + 3 + 2 * 2 + 1 and D.head in layers
    wrapped = sn.SpectralNorm().wrap_critic(D)
    assert all(parametrize.is_parametrized(m, "weight") for m in layers)
    x = torch.rand(4, 3, 32, 32) * 2 - 1
    with torch.no_grad():
        for _ in range(30):  # one power iteration a forward pass, as in training
            wrapped(x)
    sigmas = [torch.linalg.matrix_norm(m.weight.reshape(m.weight.shape[0], -1), ord=2).item() for m in layers]
    assert max(sigmas) == pytest.approx(1.0, abs=0.05) and min(sigmas) > 0.9


def test_check_plugin_resnet_passes(narrow_defaults, capsys):
    code = main(["check-plugin", "resnet"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "model 'resnet' keeps the contract" in out and "pass every built-in loss" in out


def test_trains_with_hinge_and_sn_through_the_harness(ganbench_plugins):
    result = ganbench_plugins.run(
        "resnet",
        "hinge",
        "sn",
        dataset="digits",
        steps=3,
        hparams={"batch_size": 16, "model_params": {"g_width": NARROW, "d_width": NARROW}},
        data=DataOptions(image_size=32, download=False),
    )
    assert_trial_ok(result)
    assert result.usage.steps == 3
