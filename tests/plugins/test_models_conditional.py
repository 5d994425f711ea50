"""cdcgan, pdcgan, cmlp and biggan: G(z, y) and D(x, y) for the data's classes, and the label reaches both."""

import pytest
import torch

from ganbench.types import Critic, DataShape, HParams
from ganbench_plugins.models import biggan, conditional

SPECS = {spec.name: spec for spec in [*conditional.specs(), biggan.spec()]}
HP = HParams(z_dim=8)
SHAPES = {
    "cdcgan": [DataShape("image", (c, s, s), classes=10) for s in (16, 32) for c in (1, 3)],
    "pdcgan": [DataShape("image", (c, s, s), classes=10) for s in (16, 32) for c in (1, 3)],
    "cmlp": [DataShape("image", (1, 8, 8), classes=10), DataShape("vector", (2,), classes=3)],
    "biggan": [DataShape("image", (c, s, s), classes=10) for s in (16, 32) for c in (1, 3)],
}
CASES = [(name, shape) for name, shapes in SHAPES.items() for shape in shapes]


@pytest.fixture(autouse=True)
def _seeded():
    torch.manual_seed(0)


def test_both_are_conditional_and_need_labelled_data():
    for spec in SPECS.values():
        assert spec.conditional and any(paper in spec.source for paper in ("Mirza & Osindero 2014", "Brock", "Koyama"))
        assert "needs a labelled data set" in spec.supports(DataShape("image", (1, 16, 16)))
    assert SPECS["cdcgan"].supports(DataShape("image", (1, 16, 16), classes=10)) is None


@pytest.mark.parametrize("name, shape", CASES)
def test_shapes_and_ranges(name, shape):
    G, D = SPECS[name].generator(shape, HP), SPECS[name].critic(shape, HP)
    y = torch.randint(shape.classes, (6,))
    x = G(torch.randn(6, HP.z_dim), y)
    assert x.shape == (6, *shape.shape) and isinstance(D, Critic)
    if shape.kind == "image":
        assert x.abs().max() <= 1
    assert D(x, y).shape == (6,)


@pytest.mark.parametrize("name, shape", CASES)
def test_the_label_changes_what_g_draws_and_how_d_scores(name, shape):
    G, D = SPECS[name].generator(shape, HP), SPECS[name].critic(shape, HP)
    G.eval()
    z = torch.randn(4, HP.z_dim).repeat(2, 1)
    y = torch.cat([torch.zeros(4, dtype=torch.int64), torch.ones(4, dtype=torch.int64)])
    x = G(z, y)
    assert not torch.allclose(x[:4], x[4:])  # same latents, other class: other samples
    same = x[:4].repeat(2, *[1] * (x.dim() - 1))
    scores = D(same, y)
    assert not torch.allclose(scores[:4], scores[4:])  # same samples, other class: other scores


def test_the_one_hot_code_is_a_comparison_vmap_can_batch():
    y = torch.tensor([[0, 2], [1, 1]])
    codes = torch.vmap(lambda labels: conditional.one_hot(labels, 3, torch.zeros(1)))(y)
    assert codes.tolist() == [[[1, 0, 0], [0, 0, 1]], [[0, 1, 0], [0, 1, 0]]]


def test_biggans_z_is_hierarchical_each_chunk_reaching_its_own_block():
    shape = DataShape("image", (1, 32, 32), classes=10)
    G = SPECS["biggan"].generator(shape, HParams(z_dim=128))
    assert G.chunks == 4 and [b.bn1.gain.in_features for b in G.blocks] == [128 + 32] * 3  # shared embedding + chunk
    z, y = torch.randn(2, 128, requires_grad=True), torch.tensor([3, 5])
    G(z, y).sum().backward()
    assert (z.grad.abs().sum(dim=0).reshape(4, 32).sum(dim=1) > 0).all()  # every chunk reaches the output


@pytest.mark.parametrize("name", ["biggan", "pdcgan"])
def test_a_projection_critic_projects_the_class_embedding_on_features_of_the_image_alone(name):
    shape = DataShape("image", (1, 16, 16), classes=10)
    D = SPECS[name].critic(shape, HParams())
    D.eval()
    x, y = torch.randn(3, 1, 16, 16), torch.tensor([0, 4, 9])
    h = D.features(x)
    expected = D.head(h).reshape(-1) + (D.embed(y) * h).sum(dim=1)
    torch.testing.assert_close(D(x, y), expected)
    scores, features = D.score_and_features(x, y)  # what acgan's step calls: the same, in one pass
    torch.testing.assert_close(scores, expected)
    torch.testing.assert_close(features, h)
    assert SPECS[name].label_free_features and not SPECS["cdcgan"].label_free_features
