"""Class-conditional trials: the labels G is asked for, in training and when it is evaluated."""

import math

import pytest
import torch
from torch import nn

from ganbench import conditioning
from ganbench.latents import sampler
from ganbench.train import Draws
from ganbench.types import Dataset


def labelled(n=600, classes=(0.5, 0.3, 0.2), seed=0):
    g = torch.Generator().manual_seed(seed)
    labels = torch.multinomial(torch.tensor(classes), n, replacement=True, generator=g)
    x = torch.randn(n, 2, generator=g) + labels[:, None].float()
    return Dataset("three", x, labels, class_names=tuple("abc"[: len(classes)]))


class Echo(nn.Module):
    """A conditional G whose sample is the label it was asked for, as a float: what it was asked shows."""

    def __init__(self):
        super().__init__()
        self.unused = nn.Parameter(torch.zeros(1))

    def forward(self, z, y):
        return y.float()[:, None] + 0 * z[:, :1]


def test_class_frequencies_are_the_labels_shares():
    data = labelled()
    expected = torch.bincount(data.labels, minlength=3).double() / len(data)
    torch.testing.assert_close(conditioning.class_frequencies(data), expected)
    with pytest.raises(ValueError, match="no labels"):
        conditioning.class_frequencies(Dataset("none", torch.zeros(3, 2)))


def test_the_labelled_latent_asks_for_classes_at_their_frequencies():
    frequencies = torch.tensor([0.5, 0.3, 0.2], dtype=torch.float64)
    G = conditioning.LabelledGenerator(Echo(), frequencies)
    z = torch.randn(200_000, 4, generator=torch.Generator().manual_seed(1))
    shares = torch.bincount(G.labels_of(z), minlength=3).double() / len(z)
    torch.testing.assert_close(shares, frequencies, atol=0.005, rtol=0)  # binomial sd ~0.001
    assert torch.equal(G(z[:10]).reshape(-1).long(), G.labels_of(z[:10]))  # G was asked what labels_of says


def test_the_normal_cdf_splits_the_last_coordinate_at_the_cumulative_shares():
    G = conditioning.LabelledGenerator(Echo(), torch.tensor([0.25, 0.25, 0.5]))
    # Phi^-1(0.25) = -0.6745, Phi^-1(0.5) = 0: just either side of each boundary.
    last = torch.tensor([-3.0, -0.68, -0.67, -0.01, 0.01, 3.0])
    z = torch.cat([torch.zeros(6, 2), last[:, None]], dim=1)
    assert G.labels_of(z).tolist() == [0, 0, 1, 1, 2, 2]
    assert math.isclose(0.5 * (1 + math.erf(-0.6745 / math.sqrt(2))), 0.25, abs_tol=1e-4)


def test_asking_sets_the_class_and_keeps_the_latent():
    G = conditioning.LabelledGenerator(Echo(), torch.tensor([0.1, 0.6, 0.3]))
    z = torch.randn(9, 5)
    wanted = torch.tensor([0, 1, 2] * 3)
    asked = G.asking(z, wanted)
    assert torch.equal(G.labels_of(asked), wanted) and torch.equal(asked[:, :-1], z[:, :-1])


def test_a_metric_reads_the_samples_with_the_labels_they_were_asked_for():
    G = conditioning.LabelledGenerator(Echo(), torch.tensor([0.5, 0.5]))
    sample = sampler(G, 3, trial_seed=0, stream="m")
    x, y = sample.with_labels(1200)  # more than one chunk of latents
    assert torch.equal(x.reshape(-1).long(), y) and set(y.tolist()) == {0, 1}
    assert not hasattr(sampler(nn.Linear(3, 2), 3, 0, "m"), "with_labels")


def test_draws_of_an_unconditional_trial_are_as_they_were():
    data = labelled()
    plain, conditional = Draws([0], torch.device("cpu")), Draws([0], torch.device("cpu"), labelled=True)
    x_plain, labels = next(plain.real_batches(data, 5))
    x_conditional, (y,) = next(conditional.real_batches(data, 5))
    assert labels == () and torch.equal(x_plain, x_conditional)  # the same draw, with its labels
    rows = [int((data.x == row).all(dim=1).nonzero()[0]) for row in x_conditional]
    assert y.tolist() == data.labels[rows].tolist()


def test_real_batch_labels_follow_the_class_frequencies_and_each_members_own_stream():
    data = labelled(n=3000, classes=(0.7, 0.1, 0.2))
    batches = Draws([3], torch.device("cpu"), labelled=True).real_batches(data, 500)
    y = torch.cat([next(batches)[1][0] for _ in range(40)])
    shares = torch.bincount(y, minlength=3).double() / len(y)
    torch.testing.assert_close(shares, conditioning.class_frequencies(data), atol=0.01, rtol=0)
    _, (together,) = next(Draws([3, 4], torch.device("cpu"), labelled=True).real_batches(data, 100))
    _, (alone,) = next(Draws([4], torch.device("cpu"), labelled=True).real_batches(data, 100))
    assert torch.equal(together[100:], alone)


def one_hot_critic():
    from ganbench.registry import load_registry
    from ganbench.types import DataShape

    spec = load_registry(external=False).get("models", "cmlp")
    return spec.critic(DataShape("vector", (2,), classes=3), spec.hparams).eval()


def test_a_critic_given_labels_is_d_of_the_sample_and_its_label():
    D = one_hot_critic()
    x, y = torch.randn(6, 2), torch.tensor([0, 1, 2, 2, 1, 0])
    given = conditioning.CriticGiven(D, (y,))
    torch.testing.assert_close(given(x), D(x, y), rtol=0, atol=0)
    torch.testing.assert_close(given.features(x), D.score_and_features(x, y)[1], rtol=0, atol=0)
    assert not torch.allclose(given.features(x), conditioning.CriticGiven(D, ((y + 1) % 3,)).features(x))  # reads y
    assert {id(p) for p in given.parameters()} == {id(p) for p in D.parameters()}  # D's own, nothing new
    assert given.classes == D.classes == 3  # D's own attributes read through
    G = conditioning.GeneratorGiven(Echo(), (y,))
    assert torch.equal(G(torch.randn(6, 4)).reshape(-1), y.float())


def test_a_gradient_penalty_through_the_given_critic_is_the_one_of_d_at_each_rows_label():
    """GP on a conditional D, from the built-in gp stabiliser, against the penalty written out with autograd
    at the same interpolates: each row's gradient of D(., y_i)."""
    from ganbench.registry import load_registry

    gp = load_registry(external=False).get("stabilisers", "gp").factory()
    D = one_hot_critic()
    real, fake, y = torch.randn(8, 2), torch.randn(8, 2), torch.randint(3, (8,))
    torch.manual_seed(5)
    penalty = gp.d_penalty(conditioning.CriticGiven(D, (y,)), real, fake)
    torch.manual_seed(5)
    eps = torch.rand(8, 1)
    expected = 0.0
    for i in range(8):  # one row at a time: D's gradient at the interpolate, with that row's label
        x_hat = (eps[i] * real[i] + (1 - eps[i]) * fake[i])[None].requires_grad_(True)
        (grad,) = torch.autograd.grad(D(x_hat, y[i : i + 1]).sum(), x_hat)
        expected += 10.0 * (grad.norm() - 1) ** 2 / 8
    torch.testing.assert_close(penalty, expected, rtol=1e-5, atol=1e-6)
    penalty.backward()  # and it trains D: its graph reaches D's parameters
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in D.parameters())
