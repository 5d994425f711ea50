"""Batched ensembles: each member trains as it would alone, to float tolerance, through the real trial path.

Over a few steps the members' losses, metrics and weights equal their trials run alone (GAN
training is chaotic: over hundreds of steps any float difference grows, as a change of thread
count does alone; see the README). The built-in mlp and dcgan both use BatchNorm, whose running
statistics are stacked buffers.
"""

import dataclasses
import io

import pytest
import torch

from ganbench.budget import Budget
from ganbench.plugins import PluginOptions
from ganbench.trial import SessionKey, TrialJob, run_members, run_trial
from ganbench.types import DataOptions

BUILTINS = PluginOptions(external=False)


def jobs(model, dataset, seeds=(0, 1, 2), steps=4, hparams=None, image_size=None, cache="/tmp"):
    key = SessionKey(BUILTINS, dataset, DataOptions(download=False, image_size=image_size), "cpu", (), (), cache)
    return [
        TrialJob(model, "ns" if model != "wgan" else "wasserstein", (), seed, dict((hparams or {}).get(seed, {})),
                 Budget("steps", steps), 1, key, threads=1)
        for seed in seeds
    ]  # fmt: skip


def weights(result):
    return torch.load(io.BytesIO(result.generator_state))


def assert_same(alone, together, atol):
    assert [r.status for r in together] == ["done"] * len(alone), [r.reason for r in together]
    for a, b in zip(alone, together, strict=True):
        assert [(s.step, s.name) for s in a.scalars] == [(s.step, s.name) for s in b.scalars]
        assert [s.value for s in b.scalars] == pytest.approx([s.value for s in a.scalars], rel=1e-4, abs=atol)
        wa, wb = weights(a), weights(b)
        assert wa.keys() == wb.keys()
        for name in wa:  # parameters and BatchNorm's running statistics alike
            torch.testing.assert_close(wb[name], wa[name], atol=atol, rtol=1e-4)
        assert any(n.startswith("batched: trained as one of 3") for n in b.notes)


@pytest.mark.parametrize(
    "model, dataset, image_size",
    [("mlp", "ring8", None), ("dcgan", "digits", 16), ("cdcgan", "digits", 16)],  # cdcgan: labels stacked too
)
def test_members_train_as_their_trials_alone(model, dataset, image_size, tmp_path):
    planned = jobs(model, dataset, image_size=image_size, cache=str(tmp_path))
    alone = [run_trial(job) for job in planned]
    assert_same(alone, run_members(planned), atol=1e-5)
    assert weights(alone[0]).keys() and not torch.equal(*(next(iter(weights(r).values())) for r in alone[:2]))


def test_members_with_their_own_learning_rates_train_as_alone(tmp_path):
    rates = {0: {"lr_g": 1e-4, "lr_d": 4e-4}, 1: {"lr_g": 2e-3, "lr_d": 1e-4}, 2: {}}
    planned = jobs("mlp", "ring8", hparams=rates, cache=str(tmp_path))
    assert_same([run_trial(job) for job in planned], run_members(planned), atol=1e-5)


def test_members_with_their_own_betas_and_averages_train_as_alone(tmp_path):
    """Adam's betas set apart give each member a parameter group of its own; each keeps its own EMA of G."""
    own = {
        0: {"betas": (0.0, 0.9), "ema": 0.9},
        1: {"betas": (0.5, 0.99), "lr_g": 1e-3},
        2: {"ema": 0.5, "ema_start": 2},
    }
    planned = jobs("mlp", "ring8", hparams=own, cache=str(tmp_path))
    alone, together = [run_trial(job) for job in planned], run_members(planned)
    assert_same(alone, together, atol=1e-5)
    assert [r.evaluated for r in together] == [r.evaluated for r in alone]
    assert together[0].evaluated.startswith("EMA G (decay 0.9") and together[1].evaluated == "G"
    for a, b in zip(alone, together, strict=True):  # the EMA evaluated and G's own weights both match
        raw = [torch.load(io.BytesIO(r.raw_generator_state)) if r.raw_generator_state else {} for r in (a, b)]
        for name in raw[0]:
            torch.testing.assert_close(raw[1][name], raw[0][name], atol=1e-5, rtol=1e-4)


def test_members_with_their_own_loss_parameters_train_as_alone(tmp_path):
    """A hinge margin per member travels as a tensor under vmap, one value to each member."""
    planned = [
        dataclasses.replace(job, loss="hinge", loss_params=(("margin", margin),))
        for job, margin in zip(jobs("mlp", "ring8", cache=str(tmp_path)), (0.5, 1.0, 3.0), strict=True)
    ]
    alone = [run_trial(job) for job in planned]
    assert_same(alone, run_members(planned), atol=1e-5)
    first_d_loss = [next(s.value for s in r.scalars if s.name == "d_loss") for r in alone]
    assert len(set(first_d_loss)) == 3  # the margins matter, so matching them is no accident


def test_a_loss_parameter_every_member_shares_is_kept(tmp_path):
    """A hinge margin of 3 for all: the ensemble must not fall back to the loss's default of 1."""
    planned = [
        dataclasses.replace(job, loss="hinge", loss_params=(("margin", 3.0),))
        for job in jobs("mlp", "ring8", cache=str(tmp_path))
    ]
    assert_same([run_trial(job) for job in planned], run_members(planned), atol=1e-5)


def test_a_clipped_critic_is_clipped_in_every_member(tmp_path):
    """WGAN clips D's weights in place after each step: through the members' views, the stacked weights."""
    from ganbench.budget import TrainingClock
    from ganbench.ensemble import build_ensemble
    from ganbench.train import train_members
    from ganbench.trial import plan_for, session

    planned = jobs("wgan", "digits", image_size=16, cache=str(tmp_path))
    current = session(planned[0].session)
    setup = build_ensemble([plan_for(j, current) for j in planned], current.registry, torch.device("cpu"),
                           planned[0].fast)  # fmt: skip
    clip = setup.members[0].critic.clip
    train_members(setup, current.training_data, Budget("steps", 2), TrainingClock(torch.device("cpu")),
                  checkpoints=0, on_checkpoint=lambda index, usage: None)  # fmt: skip
    stacked = [p.detach() for p in setup.critic.parameters()]
    assert stacked and all(p.abs().max() <= clip for p in stacked)
    assert float(max(p.abs().max() for p in stacked)) == pytest.approx(clip)  # RMSprop's steps reach the bound
    for k, member in enumerate(setup.members):  # the members' own modules see the stacked weights
        for own, together in zip(member.critic.parameters(), stacked, strict=True):
            assert torch.equal(own, together[k])


def test_a_saved_member_holds_its_own_weights_only(tmp_path):
    planned = jobs("mlp", "ring8", steps=2, cache=str(tmp_path))
    alone, together = run_trial(planned[0]), run_members(planned)[0]
    assert len(together.generator_state) == len(alone.generator_state)  # a view would save all three members


def test_a_member_that_failed_alone_keeps_its_own_error_when_a_later_failure_ends_them_all(tmp_path, monkeypatch):
    from ganbench import ensemble, trial

    evaluate = trial._evaluate

    def failing_for_seed_1(job, *args):
        if job.seed == 1:
            raise ValueError("seed 1's metric failed")
        return evaluate(job, *args)

    def shared_failure(setup):
        raise RuntimeError("untying failed for every member")

    monkeypatch.setattr(trial, "_evaluate", failing_for_seed_1)
    monkeypatch.setattr(ensemble, "untie", shared_failure)
    results = run_members(jobs("mlp", "ring8", steps=2, cache=str(tmp_path)))
    assert [r.status for r in results] == ["error"] * 3
    assert "seed 1's metric failed" in results[1].reason and "untying" not in results[1].reason
    assert all("untying failed" in r.reason for r in (results[0], results[2]))


def test_an_observers_failure_is_told_to_the_member_it_observed(tmp_path):
    import spy_plugin

    from ganbench.registry import registry_for
    from ganbench.testing import forget_registries

    registry = registry_for(BUILTINS)
    registry.plugins.manager.register(spy_plugin.SeedOneObserver, name="seed-one-observer")
    try:
        results = run_members(jobs("mlp", "ring8", steps=2, cache=str(tmp_path)))
    finally:
        registry.plugins.manager.unregister(name="seed-one-observer")
        forget_registries()
    assert [r.status for r in results] == ["done"] * 3
    assert "seed 1's observer is down" in results[1].reason
    assert not results[0].reason and not results[2].reason
