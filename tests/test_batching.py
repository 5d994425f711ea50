"""Which trials stack into an ensemble, what travels back, and the trials that train alone and why."""

import dataclasses

import pytest

from ganbench import batching
from ganbench.budget import Budget
from ganbench.plugins import PluginOptions
from ganbench.train import FastPaths
from ganbench.trial import SessionKey, TrialJob
from ganbench.types import OWN_OBJECTIVE, DataOptions, StabiliserChoice, TrialResult

TOY = PluginOptions(modules=("toy_plugin",))


def job(seed=0, model="toy-mlp", budget="5steps", cache="/tmp", **changes):
    key = SessionKey(TOY, "toy-line", DataOptions(download=False), "cpu", (), (), cache)
    made = TrialJob(model, "toy-ns", (), seed, {"lr_g": 1e-3}, Budget.parse(budget), 1, key, threads=2)
    return dataclasses.replace(made, **changes)


def test_trials_differing_only_in_seed_and_learning_rates_stack():
    jobs = [job(0), job(1), job(2, hparams={"lr_g": 5e-4, "lr_d": 2e-3}), job(3, hparams={"lr_g": 1e-3, "z_dim": 3})]
    units = batching.group(jobs)
    assert [type(u).__name__ for u in units] == ["EnsembleJob", "TrialJob"]
    assert [m.seed for m in units[0].members] == [0, 1, 2] and units[1].seed == 3
    assert units[0].seed == "0-2" and units[0].member_ids == [j.id for j in jobs[:3]]
    assert batching.group(jobs, enabled=False) == jobs


def test_betas_averages_and_a_losss_numbers_may_differ_but_not_its_words():
    jobs = [
        job(0, hparams={"lr_g": 1e-3, "betas": (0.0, 0.9), "ema": 0.999}, loss_params=(("margin", 1.0),)),
        job(1, hparams={"lr_g": 1e-3, "ema_start": 5}, loss_params=(("margin", 2.0),)),
        job(2, loss_params=(("margin", 3),)),
        job(3, loss_params=(("mode", "a"),)),
        job(4, loss_params=(("mode", "b"),)),
        job(5, hparams={"lr_g": 1e-3, "optimizer": "rmsprop"}, loss_params=(("margin", 1.0),)),
        job(6, hparams={"lr_g": 1e-3}),  # no margin given: another loss configuration
    ]
    units = batching.group(jobs)
    assert [getattr(u, "member_ids", u.id) for u in units] == [[j.id for j in jobs[:3]], *(j.id for j in jobs[3:])]


@pytest.mark.parametrize(
    "changes, reason",
    [
        ({"budget": "30s"}, "time budget"),
        ({"stabilisers": (StabiliserChoice("gp"),)}, "stabilisers"),
        ({"fast": FastPaths(compile=True)}, "--compile"),
        ({"fast": FastPaths(amp="fp16")}, "fp16"),
    ],
)
def test_what_trains_alone(changes, reason):
    jobs = [job(seed, **changes) for seed in range(3)]
    assert reason in batching.why_alone(jobs[0])
    assert batching.group(jobs) == jobs


def test_a_vae_and_an_acgan_trial_are_never_grouped():
    from ganbench.registry import registry_for

    builtins = registry_for(PluginOptions(external=False))
    vae = [job(s, model="vae", loss=OWN_OBJECTIVE) for s in range(2)]
    acgan = [job(s, model="pdcgan", loss="acgan") for s in range(2)]
    units = batching.group([*vae, *acgan], slots=1, registry=builtins)
    assert [u.id for u in units] == [j.id for j in [*vae, *acgan]]  # four trials, no ensemble
    assert "own objective" in batching.why_alone(vae[0])
    assert "acgan classifies D's features" in batching.why_alone(acgan[0], builtins)


def test_an_ensemble_holds_at_most_max_members(monkeypatch):
    monkeypatch.setattr(batching, "MAX_MEMBERS", 2)
    units = batching.group([job(seed) for seed in range(5)])
    assert [len(u.members) if isinstance(u, batching.EnsembleJob) else 1 for u in units] == [2, 2, 1]


def sizes(units):
    return [len(u.members) if isinstance(u, batching.EnsembleJob) else 1 for u in units]


@pytest.mark.parametrize("slots, expected", [(1, [8]), (2, [4, 4]), (3, [2, 2, 4]), (4, [2, 2, 2, 2]), (16, [1] * 8)])
def test_ensembles_are_halved_until_every_slot_has_a_job(slots, expected):
    units = batching.group([job(seed) for seed in range(8)], slots=slots)
    assert sizes(units) == expected
    assert [m.seed for u in units for m in getattr(u, "members", [u])] == list(range(8))  # order kept


def test_units_enough_for_the_slots_are_left_whole():
    jobs = [job(seed, model=model) for model in ("toy-mlp", "toy-dropout") for seed in range(4)]
    assert sizes(batching.group(jobs, slots=2)) == [4, 4]
    assert sizes(batching.group([*jobs, job(0, budget="30s")], slots=3)) == [4, 4, 1]


def test_an_executors_failure_of_an_ensemble_is_each_members():
    ensemble = batching.EnsembleJob((job(0), job(1)))
    units = {ensemble.id: ensemble}
    crashed = TrialResult(ensemble.id, "error", "a worker process died")
    assert [(r.id, r.status, r.reason) for r in batching.member_results(crashed, units)] == [
        (m.id, "error", "a worker process died") for m in ensemble.members
    ]
    own = [TrialResult(m.id, "done") for m in ensemble.members]
    assert batching.member_results(batching.EnsembleResult(ensemble.id, own), units) == own
    alone = TrialResult("x", "done")
    assert batching.member_results(alone, units) == [alone]


def test_an_ensemble_trains_its_members_in_one(tmp_path):
    result = batching.run_job(batching.EnsembleJob(tuple(job(s, cache=str(tmp_path)) for s in range(2))))
    assert [r.status for r in result.results] == ["done", "done"] and result.status == "done"
    assert all(any(n.startswith("batched: trained as one of 2") for n in r.notes) for r in result.results)


def test_on_a_cpu_an_ensemble_with_one_thread_trains_its_members_alone(tmp_path):
    result = batching.run_ensemble(batching.EnsembleJob(tuple(job(s, cache=str(tmp_path), threads=1) for s in (0, 1))))
    for r in result.results:
        assert r.status == "done" and any("not batched: on a CPU with one thread" in n for n in r.notes)


def test_a_model_that_cannot_be_stacked_trains_alone_and_says_why(tmp_path):
    members = tuple(job(s, model="toy-dropout", cache=str(tmp_path)) for s in range(2))
    result = batching.run_ensemble(batching.EnsembleJob(members))
    assert [r.status for r in result.results] == ["done", "done"]
    for r in result.results:
        assert not any(n.startswith("batched") for n in r.notes)
        [why] = [n for n in r.notes if n.startswith("not batched:")]
        assert "when stacked" in why and "random" in why  # vmap refuses a forward that draws random numbers


def test_a_model_with_its_own_objective_trains_alone_and_says_why(tmp_path):
    key = SessionKey(PluginOptions(external=False), "digits", DataOptions(download=False), "cpu", (), (), str(tmp_path))
    members = tuple(
        TrialJob("vae", OWN_OBJECTIVE, (), s, {"batch_size": 8}, Budget.parse("3steps"), 1, key, threads=2)
        for s in range(2)
    )
    result = batching.run_ensemble(batching.EnsembleJob(members))
    assert [r.status for r in result.results] == ["done", "done"]
    for r in result.results:
        [why] = [n for n in r.notes if n.startswith("not batched:")]
        assert "vae trains with its own objective" in why


def test_on_a_cpu_a_costly_step_trains_alone(tmp_path, monkeypatch):
    monkeypatch.setattr(batching, "CPU_BATCH_FLOPS", 1)
    result = batching.run_ensemble(batching.EnsembleJob(tuple(job(s, cache=str(tmp_path)) for s in range(2))))
    for r in result.results:
        assert r.status == "done" and any("not batched: on a CPU, a step of" in n for n in r.notes)


@pytest.mark.parametrize("workers, together", [(1, 4), (2, 2)])
def test_a_run_batches_its_seeds_unless_told_not_to(tmp_path, workers, together):
    """On a pool of 2 workers, 4 seeds train as two ensembles of 2: one for each worker (given two
    threads each: with one, a worker's share of two cores, they would train alone)."""
    import ganbench

    options = dict(models="toy-mlp", losses="toy-ns", dataset="toy-line", seeds=4, budget="6steps",
                   metrics="none", plugins=["toy_plugin"], workers=workers, threads=2)  # fmt: skip
    batched = ganbench.run(**options, out=tmp_path / "batched")
    alone = ganbench.run(**options, out=tmp_path / "alone", no_batch=True)
    assert list(batched.trials["status"]) == list(alone.trials["status"]) == ["done"] * 4
    assert list(batched.trials.index) == list(alone.trials.index)  # how it ran is not what it measures
    assert batched.trials["notes"].str.contains(f"batched: trained as one of {together} ").all()
    assert not alone.trials["notes"].fillna("").str.contains("batched").any()
