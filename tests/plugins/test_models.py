"""The built-in models: shapes, ranges, raw scores, the critic's two halves, constraints, training signal."""

import pickle

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from ganbench.types import Critic, DataShape, HParams, ModelSpec
from ganbench_plugins import models as models_plugin
from ganbench_plugins.models import dcgan, mlp, wgan

SPECS = {spec.name: spec for spec in models_plugin.ganbench_models()}
IMAGE_SHAPES = [DataShape("image", (c, s, s)) for s in (16, 32, 64) for c in (1, 3)]
# Small latents keep the tests fast; the architectures do not depend on z's size.
HP = HParams(z_dim=8)


@pytest.fixture(autouse=True)
def _seeded():
    torch.manual_seed(0)


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    # These networks are tiny: intra-op threads only add overhead, and on a shared CPU
    # two spinning threads run several times slower than one.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def build(name, shape, hp=HP):
    spec = SPECS[name]
    return spec.generator(shape, hp), spec.critic(shape, hp)


def test_the_built_in_models_are_registered_with_full_records():
    assert set(SPECS) == {
        "dcgan",
        "wgan",
        "mlp",
        "resnet",
        "biggan",
        "pggan",
        "stylegan",
        "vae",
        "cdcgan",
        "pdcgan",
        "cmlp",
    }
    for spec in SPECS.values():
        assert isinstance(spec, ModelSpec)
        assert spec.description and "\n" not in spec.description
        assert spec.source
        assert isinstance(spec.hparams, HParams)
    assert SPECS["wgan"].provides == frozenset({"lipschitz"})
    assert not SPECS["dcgan"].provides and not SPECS["mlp"].provides


def test_paper_hyper_parameters():
    assert SPECS["dcgan"].hparams == HParams(
        z_dim=100, batch_size=64, optimizer="adam", lr_g=2e-4, lr_d=2e-4, betas=(0.5, 0.999), n_critic=1
    )
    w = SPECS["wgan"].hparams
    assert (w.optimizer, w.lr_g, w.lr_d, w.n_critic, w.batch_size, w.z_dim) == ("rmsprop", 5e-5, 5e-5, 5, 64, 100)
    m = SPECS["mlp"].hparams
    assert (m.z_dim, m.batch_size, m.optimizer, m.lr_g, m.lr_d, m.betas) == (2, 100, "adam", 1e-4, 1e-4, (0.8, 0.999))


def test_records_are_fresh_and_picklable():
    # The registry stamps records, and worker executors pickle them.
    assert models_plugin.ganbench_models()[0] is not models_plugin.ganbench_models()[0]
    for spec in SPECS.values():
        assert pickle.loads(pickle.dumps(spec)).name == spec.name


def test_supports():
    image16 = DataShape("image", (3, 16, 16))
    vector = DataShape("vector", (2,))
    for name in ("dcgan", "wgan"):
        assert SPECS[name].supports(image16) is None
        assert SPECS[name].supports(DataShape("image", (1, 64, 64))) is None
        assert "vector" in SPECS[name].supports(vector)
        assert "28" in SPECS[name].supports(DataShape("image", (1, 28, 28)))
        assert SPECS[name].supports(DataShape("image", (1, 128, 128)))
        assert SPECS[name].supports(DataShape("image", (2, 32, 32)))
    assert SPECS["mlp"].supports(vector) is None
    assert "image" in SPECS["mlp"].supports(image16)


def test_builders_refuse_shapes_they_cannot_build():
    with pytest.raises(ValueError, match="power-of-two"):
        dcgan.generator(DataShape("image", (1, 28, 28)), HP)
    with pytest.raises(ValueError, match="vector"):
        mlp.generator(DataShape("image", (1, 16, 16)), HP)


@pytest.mark.parametrize("name", ["dcgan", "wgan"])
@pytest.mark.parametrize("shape", IMAGE_SHAPES, ids=str)
def test_image_models_shapes_and_raw_scores(name, shape):
    G, D = build(name, shape)
    assert isinstance(D, Critic)
    x = G(torch.randn(4, HP.z_dim))
    assert x.shape == (4, *shape.shape)
    assert x.abs().max() <= 1.0  # tanh output
    assert x.std() > 0

    D.eval()  # the same answers batch by batch, to compare the halves with the whole
    scores = D(x)
    assert scores.shape == (4,)
    features = D.features(x)
    assert features.dim() == 2 and features.shape[0] == 4
    torch.testing.assert_close(D.head(features).reshape(-1), scores)
    assert isinstance(D.head, nn.Linear) and D.head.in_features == features.shape[1]


@pytest.mark.parametrize("name", ["dcgan", "wgan"])
def test_scores_are_raw_not_probabilities(name):
    shape = DataShape("image", (1, 16, 16))
    _, D = build(name, shape)
    assert not any(isinstance(m, nn.Sigmoid) for m in D.modules())
    with torch.no_grad():
        D.head.bias.fill_(5.0)  # a probability could never get here
    scores = D(torch.rand(4, *shape.shape) * 2 - 1)
    assert (scores > 1).all()
    with torch.no_grad():
        D.head.bias.fill_(-5.0)
    assert (D(torch.rand(4, *shape.shape) * 2 - 1) < 0).all()


@pytest.mark.parametrize("side, layers", [(16, 2), (32, 3), (64, 4)])
def test_dcgan_depth_follows_the_image_side(side, layers):
    G, D = build("dcgan", DataShape("image", (3, side, side)))
    convs = [m for m in D.features.modules() if isinstance(m, nn.Conv2d)]
    assert len(convs) == layers
    assert all(c.kernel_size == (4, 4) and c.stride == (2, 2) for c in convs)
    # BatchNorm on every discriminator layer but the first.
    assert sum(isinstance(m, nn.BatchNorm2d) for m in D.modules()) == layers - 1
    assert isinstance(D.features[1], nn.LeakyReLU) and D.features[1].negative_slope == 0.2
    # Generator: a 4x4 map, then one transposed conv per doubling.
    upsamples = [m for m in G.modules() if isinstance(m, nn.ConvTranspose2d)]
    assert len(upsamples) == layers + 1
    assert isinstance(list(G.modules())[-1], nn.Tanh)
    z = torch.randn(2, HP.z_dim)
    assert upsamples[0](z.reshape(2, -1, 1, 1)).shape[-1] == 4
    assert sum(isinstance(m, nn.BatchNorm2d) for m in G.modules()) == layers


def test_dcgan_width_is_the_papers_at_64px():
    G, D = build("dcgan", DataShape("image", (3, 64, 64)), dcgan.HPARAMS)
    # The reference DCGAN (ngf = ndf = 64) for 64x64 RGB images.
    assert [m.out_channels for m in D.modules() if isinstance(m, nn.Conv2d)] == [64, 128, 256, 512]
    assert [m.out_channels for m in G.modules() if isinstance(m, nn.ConvTranspose2d)] == [512, 256, 128, 64, 3]
    assert D.head.in_features == 512 * 4 * 4


def test_dcgan_initialisation():
    G, D = build("dcgan", DataShape("image", (3, 64, 64)), dcgan.HPARAMS)
    convs = [m.weight for m in [*G.modules(), *D.modules()] if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d))]
    weights = torch.cat([w.flatten() for w in convs])
    assert weights.mean().abs() < 1e-3 and weights.std().item() == pytest.approx(0.02, rel=0.05)
    norms = torch.cat([m.weight for m in [*G.modules(), *D.modules()] if isinstance(m, nn.BatchNorm2d)])
    assert norms.mean().item() == pytest.approx(1.0, abs=0.01) and norms.std().item() == pytest.approx(0.02, rel=0.2)


def test_critic_accepts_packed_channels():
    # Packing m samples multiplies the channels D sees; the side fixes the depth.
    packed = DataShape("image", (2 * 3, 16, 16))
    for name in ("dcgan", "wgan"):
        D = SPECS[name].critic(packed, HP)
        assert D(torch.randn(5, 6, 16, 16)).shape == (5,)
    assert mlp.critic(DataShape("vector", (4,)), HP)(torch.randn(5, 4)).shape == (5,)


def test_wgan_critic_has_no_batchnorm_and_clips_every_parameter():
    shape = DataShape("image", (3, 32, 32))
    G, D = build("wgan", shape)
    assert isinstance(D, wgan.ClippedCritic)
    assert not any(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in D.modules())
    # The generator is DCGAN's, BatchNorm and all.
    assert any(isinstance(m, nn.BatchNorm2d) for m in G.modules())
    with torch.no_grad():
        for p in D.parameters():
            p.normal_(0, 1.0)
    assert max(p.abs().max() for p in D.parameters()) > 0.01
    D.constrain()
    for p in D.parameters():
        assert p.abs().max() <= 0.01
    inside = [p.clone() for p in D.parameters()]
    with torch.no_grad():
        for p in D.parameters():
            p.mul_(0.5)
    D.constrain()  # values already inside the box stay where they are
    for p, q in zip(D.parameters(), inside):
        torch.testing.assert_close(p, 0.5 * q)


def test_dcgan_critic_constraint_is_a_no_op():
    _, D = build("dcgan", DataShape("image", (1, 16, 16)))
    before = [p.clone() for p in D.parameters()]
    D.constrain()
    assert all(torch.equal(p, q) for p, q in zip(D.parameters(), before))


@pytest.mark.parametrize(
    "name, shape",
    [
        ("dcgan", DataShape("image", (3, 16, 16))),
        ("wgan", DataShape("image", (1, 32, 32))),
        ("mlp", DataShape("vector", (2,))),
    ],
    ids=str,
)
def test_gradients_reach_every_parameter(name, shape):
    G, D = build(name, shape)
    fake = G(torch.randn(6, HP.z_dim))
    real = torch.rand(6, *shape.shape) * 2 - 1
    (F.softplus(-D(real)).mean() + F.softplus(D(fake)).mean()).backward()
    for module in (G, D):
        for pname, p in module.named_parameters():
            assert p.grad is not None and p.grad.abs().sum() > 0, pname


def test_mlp_architecture_follows_pacgan():
    shape = DataShape("vector", (2,))
    G, D = build("mlp", shape, mlp.HPARAMS)
    linears = [m for m in G.modules() if isinstance(m, nn.Linear)]
    assert len(linears) == 5 and linears[0].in_features == 2 and linears[-1].out_features == 2
    assert sum(isinstance(m, nn.BatchNorm1d) for m in G.modules()) == 4
    assert not any(isinstance(m, nn.Tanh) for m in G.modules())  # mixtures are not bounded to [-1, 1]
    assert sum(isinstance(m, mlp.Maxout) for m in D.modules()) == 3
    x = G(torch.randn(7, 2))
    assert x.shape == (7, 2)
    D.eval()
    torch.testing.assert_close(D.head(D.features(x)).reshape(-1), D(x))
    assert D.features(x).shape == (7, mlp.D_WIDTH)


def test_maxout_keeps_the_largest_piece():
    layer = mlp.Maxout(3, 2, pieces=4)
    x = torch.randn(5, 3)
    pieces = F.linear(x, layer.linear.weight, layer.linear.bias).reshape(5, 2, 4)
    torch.testing.assert_close(layer(x), pieces.max(dim=2).values)


def test_a_few_adam_steps_of_dcgan_move_the_losses():
    shape = DataShape("image", (1, 16, 16))
    hp = dcgan.HPARAMS.replace(z_dim=16)
    G, D = build("dcgan", shape, hp)
    opt_g = torch.optim.Adam(G.parameters(), lr=hp.lr_g, betas=hp.betas)
    opt_d = torch.optim.Adam(D.parameters(), lr=hp.lr_d, betas=hp.betas)
    # A fixed "data set": two images, one dark and one with a bright square.
    real = -torch.ones(8, *shape.shape)
    real[::2, :, 4:12, 4:12] = 1.0
    z = torch.randn(8, hp.z_dim)

    def d_loss():
        return F.softplus(-D(real)).mean() + F.softplus(D(G(z).detach())).mean()

    start = d_loss().item()
    for _ in range(5):
        opt_d.zero_grad()
        d_loss().backward()
        opt_d.step()
        opt_g.zero_grad()
        F.softplus(-D(G(z))).mean().backward()
        opt_g.step()
    # D learned to tell these apart at least a little; the losses moved and stayed finite.
    end = d_loss().item()
    assert end == end and end != pytest.approx(start, abs=1e-4)
    for _ in range(15):
        opt_d.zero_grad()
        d_loss().backward()
        opt_d.step()
    assert d_loss().item() < start
