"""acgan (Odena et al. 2017): the loss against a hand-written cross-entropy, which models it trains, the
classifier ganbench puts on D's features, and that it learns the classes it is trained on."""

import math

import pytest
import torch

from ganbench import batching
from ganbench.budget import Budget, TrainingClock
from ganbench.cli import main
from ganbench.grid import plan_trials
from ganbench.plugins import PluginOptions
from ganbench.registry import registry_for
from ganbench.testing import assert_trial_ok
from ganbench.train import build_setup, train
from ganbench.trial import SessionKey, TrialJob, load_dataset
from ganbench.types import ClassLogits, DataOptions, DataShape, TrialPlan
from ganbench_plugins.losses import auxiliary_classifier as ac

BUILTINS = PluginOptions(external=False)


@pytest.fixture(scope="module")
def builtins():
    return registry_for(BUILTINS)


def softplus(s: float) -> float:
    return math.log1p(math.exp(s))


def cross_entropy(logits: list[list[float]], labels: list[int]) -> float:
    """The mean of -log softmax(logits)[label], written out row by row."""
    terms = [math.log(sum(math.exp(v) for v in row)) - row[label] for row, label in zip(logits, labels)]
    return sum(terms) / len(terms)


REAL, FAKE = [1.5, -0.5, 0.25], [-1.0, 0.75, 2.0]
REAL_LOGITS, FAKE_LOGITS = (
    [[2.0, -1.0, 0.5], [0.0, 0.5, 0.1], [1.0, 1.0, -3.0]],
    [[0.3, 0.2, 0.1], [-2, 4, 0], [1, 0, 1]],
)
REAL_LABELS, FAKE_LABELS = [0, 2, 1], [1, 1, 2]


def classes(real=True):
    return ClassLogits(
        torch.tensor(REAL_LOGITS) if real else None,
        torch.tensor(REAL_LABELS) if real else None,
        torch.tensor(FAKE_LOGITS, dtype=torch.float32),
        torch.tensor(FAKE_LABELS),
    )


@pytest.mark.parametrize("weight, real_target", [(1.0, 1.0), (0.3, 0.9)])
def test_the_loss_is_ns_plus_the_weighted_cross_entropy_of_real_and_fake(weight, real_target):
    real, fake = torch.tensor(REAL), torch.tensor(FAKE)
    source_d = sum(real_target * softplus(-s) + (1 - real_target) * softplus(s) for s in REAL) / 3
    source_d += sum(softplus(s) for s in FAKE) / 3
    class_d = cross_entropy(REAL_LOGITS, REAL_LABELS) + cross_entropy(FAKE_LOGITS, FAKE_LABELS)
    d = ac.acgan_d_loss(real, fake, classes=classes(), real_target=real_target, weight=weight)
    assert d.item() == pytest.approx(source_d + weight * class_d, rel=1e-6)
    g = ac.acgan_g_loss(fake, None, classes=classes(real=False), weight=weight)
    expected_g = sum(softplus(-s) for s in FAKE) / 3 + weight * cross_entropy(FAKE_LOGITS, FAKE_LABELS)
    assert g.item() == pytest.approx(expected_g, rel=1e-6)


def test_it_trains_conditional_models_whose_critic_features_read_the_image_alone(builtins):
    shape = DataShape("image", (1, 16, 16), classes=10)
    planned = {
        p.plan.model.name: p.skip_reason
        for p in plan_trials(builtins, shape, ["dcgan", "cdcgan", "pdcgan", "biggan"], ["acgan"], [()], [0])
    }
    assert planned["pdcgan"] is None and planned["biggan"] is None
    assert (
        planned["dcgan"]
        == "acgan classifies the samples by the class G was asked for, and dcgan is not class-conditional"
    )
    assert "cdcgan's read the label beside the sample" in planned["cdcgan"]


def setup_for(builtins, model="pdcgan", loss="acgan", **hparams):
    data = load_dataset(builtins, "digits", DataOptions(download=False))
    spec = builtins.get("models", model)
    hp = spec.hparams.replace(batch_size=32, **hparams)
    plan = TrialPlan(spec, builtins.get("losses", loss), (), 0, hp, data.shape)
    return build_setup(plan, builtins, torch.device("cpu")), data


def test_the_classifier_sits_on_ds_features_and_ds_optimiser_trains_it(builtins):
    setup, data = setup_for(builtins)
    classifier = setup.critic.classifier
    assert isinstance(classifier, torch.nn.Linear) and classifier.out_features == 10
    with torch.no_grad():
        assert classifier.in_features == setup.critic.features(data.x[:2]).shape[1]
    in_opt_d = {id(p) for group in setup.opt_d.param_groups for p in group["params"]}
    assert {id(p) for p in classifier.parameters()} <= in_opt_d
    plain, _ = setup_for(builtins, loss="ns")
    assert plain.critic.classifier is None  # other losses leave D as the model built it


def classifier_accuracy(setup, data) -> float:
    D = setup.critic.eval()
    with torch.no_grad():
        logits = D.classifier(D.features(data.x))
    return (logits.argmax(1) == data.labels).float().mean().item()


def test_training_teaches_the_classifier_the_real_classes(builtins):
    setup, data = setup_for(builtins)
    before = classifier_accuracy(setup, data)
    setup.critic.train()
    train(setup, data, Budget("steps", 150), TrainingClock(torch.device("cpu")), checkpoints=0,
          on_checkpoint=lambda index, usage: None)  # fmt: skip
    after = classifier_accuracy(setup, data)
    assert before < 0.3 and after > 0.7, (before, after)  # chance is 0.1


def test_a_trial_through_the_harness_trains_alone_and_says_why(ganbench_plugins, tmp_path):
    result = ganbench_plugins.run("pdcgan", "acgan", dataset="digits", steps=3, hparams={"batch_size": 16})
    assert_trial_ok(result)
    key = SessionKey(BUILTINS, "digits", DataOptions(download=False), "cpu", (), (), str(tmp_path))
    members = tuple(
        TrialJob("pdcgan", "acgan", (), s, {"batch_size": 8}, Budget.parse("2steps"), 1, key, threads=2) for s in (0, 1)
    )
    ensemble = batching.run_ensemble(batching.EnsembleJob(members))
    for r in ensemble.results:
        assert r.status == "done"
        assert "not batched: acgan classifies D's features, which ganbench does not stack" in r.notes


def test_check_plugin_acgan_trains_the_reference_projection_pair(capsys):
    assert main(["check-plugin", "acgan"]) == 0
    out = capsys.readouterr().out
    assert "reference-projection-mlp x acgan" in out and "loss 'acgan' keeps the contract" in out
