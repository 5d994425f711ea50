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
    plain, conditional = Draws([0], torch.device("cpu")), Draws([0], torch.device("cpu"), torch.tensor([0.5, 0.5]))
    assert plain.labels(4) == ()
    x_plain, labels = next(plain.real_batches(data, 5))
    x_conditional, (y,) = next(conditional.real_batches(data, 5))
    assert labels == () and torch.equal(x_plain, x_conditional)  # the same draw, with its labels
    rows = [int((data.x == row).all(dim=1).nonzero()[0]) for row in x_conditional]
    assert y.tolist() == data.labels[rows].tolist()


def test_fake_labels_follow_the_class_frequencies_and_each_members_own_stream():
    frequencies = torch.tensor([0.7, 0.1, 0.2], dtype=torch.float64)
    (y,) = Draws([3], torch.device("cpu"), frequencies).labels(50_000)
    torch.testing.assert_close(torch.bincount(y, minlength=3).double() / len(y), frequencies, atol=0.01, rtol=0)
    (together,) = Draws([3, 4], torch.device("cpu"), frequencies).labels(100)
    (alone,) = Draws([4], torch.device("cpu"), frequencies).labels(100)
    assert torch.equal(together[100:], alone)
