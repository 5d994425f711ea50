"""vae, the model that brings its own objective: the negative ELBO against torch.distributions, the
batch-optimal decoder variance, and how the grid, tuning, training and check-plugin treat such a model."""

import sqlite3
from types import SimpleNamespace

import pytest
import torch
from torch.distributions import Normal, kl_divergence

from ganbench.cli import main
from ganbench.grid import plan_trials, stabiliser_sets
from ganbench.plugins import PluginOptions
from ganbench.registry import registry_for
from ganbench.settings import Assignment
from ganbench.testing import assert_trial_ok
from ganbench.tuning import Tuning
from ganbench.types import OWN_OBJECTIVE, DataShape, ModelSpec, Objective, StabiliserChoice
from ganbench_plugins.models import vae

SPEC = vae.spec()
SHAPE = DataShape("image", (1, 16, 16), classes=10)
HP = vae.HPARAMS.replace(z_dim=8, batch_size=8)


@pytest.fixture(autouse=True)
def _seeded():
    torch.manual_seed(0)


@pytest.fixture(scope="module")
def builtins():
    return registry_for(PluginOptions(external=False))


def networks(shape=SHAPE, hp=HP):
    return vae.generator(shape, hp), vae.critic(shape, hp)


def test_the_record_declares_its_own_objective_and_no_loss_can_be_called():
    assert isinstance(SPEC, ModelSpec) and "arXiv:1312.6114" in SPEC.source
    assert SPEC.objective == Objective(name="negative ELBO", step=vae.negative_elbo)
    loss = SPEC.objective_loss()
    assert loss.name == OWN_OBJECTIVE
    with pytest.raises(TypeError):
        loss.d_loss(torch.zeros(2), torch.zeros(2))
    assert "image" in SPEC.supports(DataShape("vector", (2,)))


def test_the_encoder_gives_a_diagonal_gaussian_posterior_of_z_dim():
    G, encoder = networks()
    x = torch.rand(5, *SHAPE.shape) * 2 - 1
    mean, log_variance = encoder.posterior(x)
    assert mean.shape == log_variance.shape == (5, HP.z_dim)
    assert G(mean).shape == (5, *SHAPE.shape)


def test_the_negative_elbo_equals_torch_distributions_with_the_same_draw():
    G, encoder = networks()
    x = torch.rand(6, *SHAPE.shape) * 2 - 1
    torch.manual_seed(3)
    terms = vae.negative_elbo(G, encoder, x)
    # The same reparameterised draw, rebuilt from the same seed, scored by torch.distributions.
    mean, log_variance = encoder.posterior(x)
    posterior = Normal(mean, torch.exp(0.5 * log_variance))
    torch.manual_seed(3)
    z = posterior.rsample()
    reconstructed = G(z)
    sigma = (x - reconstructed).pow(2).mean().sqrt()  # the batch's maximum-likelihood sigma
    nll = -Normal(reconstructed, sigma).log_prob(x).flatten(1).sum(1)
    kl = kl_divergence(posterior, Normal(torch.zeros_like(mean), torch.ones_like(mean))).sum(1)
    torch.testing.assert_close(terms["reconstruction"], nll.mean())
    torch.testing.assert_close(terms["kl"], kl.mean())
    torch.testing.assert_close(terms["loss"], (nll + kl).mean())


def test_the_decoder_sigma_is_the_likelihoods_optimum():
    G, encoder = networks()
    x = torch.rand(6, *SHAPE.shape) * 2 - 1
    torch.manual_seed(3)
    best = vae.negative_elbo(G, encoder, x)["reconstruction"]
    torch.manual_seed(3)
    mean, log_variance = encoder.posterior(x)
    reconstructed = G(mean + torch.randn_like(mean) * torch.exp(0.5 * log_variance))
    optimum = (x - reconstructed).pow(2).mean().sqrt()
    for factor in (0.8, 0.95, 1.05, 1.25):  # any other sigma explains the batch worse
        other = -Normal(reconstructed, optimum * factor).log_prob(x).flatten(1).sum(1).mean()
        assert other > best


def test_a_perfect_reconstruction_keeps_a_finite_loss():
    x = torch.zeros(4, *SHAPE.shape)
    _, encoder = networks()
    offset = torch.zeros((), requires_grad=True)
    exact = lambda z: x + offset + 0 * z.sum()  # noqa: E731 - a decoder that reconstructs every image exactly
    terms = vae.negative_elbo(exact, encoder, x)
    terms["loss"].backward()
    assert torch.isfinite(offset.grad)  # and a finite gradient, not log's 0/0
    assert all(torch.isfinite(p.grad).all() for p in encoder.parameters() if p.grad is not None)
    # sigma^2 is floored at e^-12, so each of the 256 pixels costs 0.5 (-12 + log 2 pi) nats, not -inf.
    expected = 0.5 * (vae.MIN_LOG_VARIANCE + vae.LOG_2PI) * 256
    assert terms["reconstruction"].item() == pytest.approx(expected, rel=1e-5)
    assert torch.isfinite(terms["loss"])


def test_the_grid_trains_it_once_under_the_first_loss_and_says_why_the_rest_are_skipped(builtins):
    sets = stabiliser_sets(builtins, ["none", "gp"])
    planned = plan_trials(builtins, SHAPE, ["dcgan", "vae"], ["ns", "hinge"], sets, [0])
    vae_trials = [p for p in planned if p.plan.model.name == "vae"]
    assert len(vae_trials) == 4 and sum(p.skip_reason is None for p in planned) == 1 + 4  # dcgan's four, vae's one
    [trained] = [p for p in vae_trials if p.skip_reason is None]
    assert trained.plan.loss.name == OWN_OBJECTIVE and trained.plan.stabilisers == ()
    reasons = {p.skip_reason for p in vae_trials if p.skip_reason}
    assert reasons == {
        "vae trains with its own objective (negative ELBO): stabilisers do not apply to it",
        "vae trains with its own objective (negative ELBO): it trains once, not once per loss "
        "(its row is under the first loss named)",
    }


def test_a_setting_of_the_loss_alone_does_not_train_it_twice(builtins):
    from ganbench.runner import grid_points
    from ganbench.settings import parse_setting

    points = grid_points([parse_setting("hinge.margin=1|2"), parse_setting("lr=1e-3|1e-4")])
    planned = plan_trials(builtins, SHAPE, ["vae"], ["hinge"], [()], [0], points)
    trained = [p for p in planned if p.skip_reason is None]
    assert len(planned) == 4 and len(trained) == 2  # one per learning rate, not per margin
    assert {p.plan.hparams.lr_g for p in trained} == {1e-3, 1e-4}
    [again, *_] = [p for p in planned if p.skip_reason]
    assert "changes only what does not apply to it" in again.skip_reason


def test_tuning_searches_the_models_space_once_not_per_loss_or_stabiliser(builtins):
    request = SimpleNamespace(tune=3, tune_seed=0, seeds=1, select=None, settings=[])
    models = [StabiliserChoice("vae")]
    losses = [StabiliserChoice("hinge"), StabiliserChoice("ns")]
    tuning = Tuning.plan(request, builtins, models, losses, stabiliser_sets(builtins, ["none", "gp"]), [Assignment()])
    [variant] = tuning.variants
    assert variant.loss.name == "hinge" and variant.stabilisers == ()
    assert variant.name == "vae/own-objective/none"  # as its trials' rows name it
    assert set(variant.space) == {"lr", "beta1"}  # no hinge.margin: the loss never trains it
    assert len(variant.configs) == 3


def final_rows(out):
    with sqlite3.connect(out / "results.sqlite") as db:
        query = "SELECT loss, stabilisers, seed, status, reason FROM trials WHERE phase = 'final' ORDER BY position"
        return db.execute(query).fetchall()


def test_tuning_with_a_stabiliser_in_every_set_lists_it_skipped_with_the_reason(tmp_path, capsys):
    """--tune --stabilisers gp: nothing of the VAE to tune, but the final table still has its rows."""
    out = tmp_path / "run"
    arguments = ["run", "--models", "vae", "--losses", "ns", "--stabilisers", "gp", "--dataset", "digits"]
    assert main([*arguments, "--tune", "2", "--seeds", "2", "--budget", "3steps", "--out", str(out)]) == 0
    rows = final_rows(out)
    assert [row[:4] for row in rows] == [("ns", "gp", 1, "skipped"), ("ns", "gp", 2, "skipped")]  # the final seeds
    assert all("stabilisers do not apply to it" in row[4] for row in rows)
    shown = capsys.readouterr().out
    assert "None" not in shown.split("ganbench results")[-1]  # no trial measured steps/s: the cell is empty


def test_a_tuned_run_lists_the_vaes_other_combinations_skipped_as_an_untuned_grid_does(tmp_path):
    out = tmp_path / "run"
    arguments = ["run", "--models", "vae", "--losses", "ns,hinge", "--stabilisers", "none,gp", "--dataset", "digits"]
    assert main([*arguments, "--tune", "2", "--budget", "3steps", "--out", str(out)]) == 0
    rows = {(loss, stabilisers): (status, reason) for loss, stabilisers, _, status, reason in final_rows(out)}
    assert rows.keys() == {("own-objective", "none"), ("ns", "gp"), ("hinge", "none"), ("hinge", "gp")}
    assert rows["own-objective", "none"][0] == "done"  # tuned once, under the first loss
    assert "stabilisers do not apply to it" in rows["ns", "gp"][1] and "stabilisers" in rows["hinge", "gp"][1]
    assert "it trains once, not once per loss" in rows["hinge", "none"][1]


def test_it_trains_through_the_harness_logging_its_terms(ganbench_plugins):
    result = ganbench_plugins.run("vae", "ns", dataset="digits", steps=4, hparams={"batch_size": 16, "z_dim": 8})
    assert_trial_ok(result)
    assert result.usage.steps == 4 and result.usage.images == 4 * 16  # one real batch a step, no n_critic
    logged = {scalar.name for scalar in result.scalars}
    assert {"loss", "reconstruction", "kl"} <= logged and not logged & {"d_loss", "g_loss"}


def test_training_lowers_the_negative_elbo(ganbench_plugins):
    result = ganbench_plugins.run("vae", "ns", dataset="digits", steps=60, hparams={"batch_size": 32, "z_dim": 8})
    assert_trial_ok(result)
    losses = [scalar.value for scalar in result.scalars if scalar.name == "loss"]
    assert len(losses) >= 4 and losses[-1] < losses[0] - 100  # nats per image: it learns the digits


def test_check_plugin_vae_passes(capsys):
    assert main(["check-plugin", "vae"]) == 0, capsys.readouterr().out
    out = capsys.readouterr().out
    assert "gradients: the objective" in out and "model 'vae' keeps the contract" in out


def broken_spec(step):
    return ModelSpec(
        name="broken-vae",
        description="x",
        generator=vae.generator,
        critic=vae.critic,
        objective=Objective(name="broken", step=step),
        hparams=HP,
        data_kinds=("image",),
    )


def decoder_only(G, encoder, x, *labels):
    """Never touches the encoder: its parameters are never reached."""
    return {"loss": (G(torch.randn(x.shape[0], HP.z_dim)) - x).pow(2).mean()}


def no_loss(G, encoder, x, *labels):
    return {"reconstruction": (G(encoder.posterior(x)[0]) - x).pow(2).mean()}


@pytest.mark.parametrize(
    "step, line",
    [
        (decoder_only, "gradients: the objective: the objective never reaches D."),
        (no_loss, "must hold 'loss', a scalar to minimise"),
    ],
)
def test_check_plugin_fails_an_objective_that_misses_a_network_or_has_no_loss(ganbench_plugins, step, line):
    class Plugin:
        from ganbench import hookimpl

        @staticmethod
        @hookimpl
        def ganbench_models():
            return [broken_spec(step)]

    ganbench_plugins.register(Plugin)
    with pytest.raises(AssertionError, match="conformance checks failed") as failed:
        ganbench_plugins.assert_conforms("model", "broken-vae")
    assert line in str(failed.value)
