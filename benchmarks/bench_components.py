"""Step time of every built-in component at batch 64, and its cost relative to the plain model.

    python -m pytest benchmarks/bench_components.py --benchmark-only -s

* every built-in model x every built-in loss: ``mlp`` on ``ring8`` (2-d vectors), ``dcgan`` and
  ``wgan`` on random 32x32 one-channel images; ``wgan`` makes 5 D updates per G step, so the
  table gives time per generator step and per D update, and a ``wgan`` run with n_critic=1
  separates one D update's cost from the G update's;
* every built-in stabiliser on ``dcgan`` + ``ns``, or on ``mlp`` + ``ns`` where the grid's checks
  say it does not apply to images (a stabiliser that fits neither is listed with the reason).

Each trial is built as ganbench builds it (``build_setup`` + ``train`` under a steps budget,
batch 64 for every model, so ``mlp`` runs below its default of 100). The "plain model" is the
same model with ``ns`` and no stabiliser; each component's rounds alternate with rounds of its
plain model in this process, and ``x plain`` is the median of the per-pair time ratios, so load
from other processes mostly cancels out. The table is printed at the end of the session and
written to benchmarks/results/components.md.
"""

from __future__ import annotations

import statistics

import benchkit
import pytest
from benchkit import BATCH, REPORT, ComponentRow, GanbenchTrial, Paired, plan, random_images, ring8

#: generator steps per round: rounds of about half a second (mlp steps take about a millisecond)
G_STEPS = {"mlp": 50, "dcgan": 4, "wgan": 2}
COMPONENT_ROUNDS = 5  # pairs per component: the median of 5 ratios shrugs off one disturbed round
PLAIN_LOSS = "ns"

MODELS = benchkit.registry().names("models")
# The plain loss first, so each model's reference row heads its rows.
LOSSES = sorted(benchkit.registry().names("losses"), key=lambda name: name != PLAIN_LOSS)
STABILISERS = benchkit.registry().names("stabilisers")


def data_for(model: str):
    return ring8() if benchkit.registry().get("models", model).data_kinds == ("vector",) else random_images()


def data_label(model: str) -> str:
    data = data_for(model)
    return f"{data.name} ({data.shape})"


_plain: dict[str, GanbenchTrial] = {}


def plain(model: str) -> GanbenchTrial:
    """The model's reference trial, built and warmed once, then shared by every row of that model."""
    if model not in _plain:
        trial = GanbenchTrial(plan(model, PLAIN_LOSS, data_for(model), batch_size=BATCH), data_for(model))
        trial.train(G_STEPS[model])  # warm-up
        _plain[model] = trial
    return _plain[model]


def measure(benchmark, trial: GanbenchTrial, model: str) -> tuple[float, float | None, Paired]:
    """(ms per G step, ratio to the plain model or None if ``trial`` is it) over paired rounds."""
    steps, reference = G_STEPS[model], plain(model)
    pairs = Paired(steps)
    if trial is reference:
        benchmark.pedantic(
            lambda: pairs.subject.append(benchkit.seconds(trial.train, steps)), rounds=COMPONENT_ROUNDS, iterations=1
        )
        return pairs.ms_per_step(pairs.subject), None, pairs
    trial.train(steps)  # warm-up
    pairs.benchmark(benchmark, trial.train, reference.train, COMPONENT_ROUNDS)
    return pairs.ms_per_step(pairs.subject), pairs.median_ratio, pairs


def record(benchmark, row: ComponentRow, pairs: Paired | None = None) -> None:
    REPORT.components.append(row)
    benchmark.extra_info.update(
        threads=benchkit.THREADS,
        batch=BATCH,
        n_critic=row.n_critic,
        ms_per_g_step=row.ms_per_g_step,
        ms_per_d_update=row.ms_per_d_update,
        ratio_to_plain=row.ratio,
    )
    if pairs is not None:
        benchmark.extra_info.update(steps_per_round=pairs.steps, ratios=[round(r, 4) for r in pairs.ratios])
    ms = "—" if row.ms_per_g_step is None else f"{row.ms_per_g_step:.1f} ms/G step"
    ratio = "" if row.ratio is None else f", x{row.ratio:.2f} plain"
    print(f"{row.model}/{row.loss}/{row.stabiliser}: {ms}{ratio} {row.note}".rstrip())


@pytest.mark.benchmark(group="model x loss")
@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("model", MODELS)
def test_model_loss(benchmark, model, loss):
    planned = plan(model, loss, data_for(model), batch_size=BATCH)
    n_critic = planned.plan.hparams.n_critic
    if planned.skip_reason:
        record(
            benchmark,
            ComponentRow(
                "model x loss",
                model,
                loss,
                "none",
                data_label(model),
                n_critic,
                None,
                None,
                f"skipped: {planned.skip_reason}",
            ),
        )
        pytest.skip(planned.skip_reason)
    trial = plain(model) if loss == PLAIN_LOSS else GanbenchTrial(planned, data_for(model))
    ms, ratio, pairs = measure(benchmark, trial, model)
    note = "plain" if ratio is None else "; ".join(planned.notes)
    record(
        benchmark,
        ComponentRow(
            "model x loss", model, loss, "none", data_label(model), n_critic, ms, 1.0 if ratio is None else ratio, note
        ),
        pairs,
    )


@pytest.mark.benchmark(group="model x loss")
def test_wgan_d_update_and_g_update(benchmark):
    """wgan at n_critic=1 beside its default 5: t(n) = n * D update + G update, solved per pair."""
    model = "wgan"
    default = plain(model)
    n = default.n_critic
    planned = plan(model, PLAIN_LOSS, data_for(model), batch_size=BATCH, n_critic=1)
    ms, ratio, pairs = measure(benchmark, GanbenchTrial(planned, data_for(model)), model)
    # Per pair: D update = (t5 - t1) / (5 - 1), G update = t1 - D update (per generator step).
    d_update = [(t_n - t_1) / (n - 1) / pairs.steps * 1000 for t_n, t_1 in zip(pairs.reference, pairs.subject)]
    g_update = [t_1 / pairs.steps * 1000 - d for t_1, d in zip(pairs.subject, d_update)]
    d_ms, g_ms = statistics.median(d_update), statistics.median(g_update)
    benchmark.extra_info.update(d_update_ms=d_ms, g_update_ms=g_ms)
    record(
        benchmark,
        ComponentRow(
            "model x loss",
            model,
            PLAIN_LOSS,
            "none",
            data_label(model),
            1,
            ms,
            ratio,
            f"n_critic=1 (x plain: against n_critic={n}), to split the step below",
        ),
        pairs,
    )
    REPORT.component_notes.append(
        f"wgan, split by timing n_critic={n} against n_critic=1 (median of pairs): one D update "
        f"(G forward without grad, D forward and backward on real and fake, RMSprop step, weight clipping) "
        f"takes {d_ms:.1f} ms, the G update {g_ms:.1f} ms."
    )


def stabiliser_trial(name: str):
    """dcgan + ns if the grid lets the stabiliser work on images, else mlp + ns; else the last skip."""
    for model in ("dcgan", "mlp"):
        planned = plan(model, PLAIN_LOSS, data_for(model), name, batch_size=BATCH)
        if not planned.skip_reason:
            break
    return model, planned


@pytest.mark.benchmark(group="stabiliser")
@pytest.mark.parametrize("stabiliser", STABILISERS)
def test_stabiliser(benchmark, stabiliser):
    model, planned = stabiliser_trial(stabiliser)
    n_critic = planned.plan.hparams.n_critic
    if planned.skip_reason:
        record(
            benchmark,
            ComponentRow(
                "stabiliser",
                model,
                PLAIN_LOSS,
                stabiliser,
                data_label(model),
                n_critic,
                None,
                None,
                f"skipped on dcgan and mlp: {planned.skip_reason}",
            ),
        )
        pytest.skip(planned.skip_reason)
    ms, ratio, pairs = measure(benchmark, GanbenchTrial(planned, data_for(model)), model)
    added = ms - pairs.ms_per_step(pairs.reference)
    note = "; ".join([f"{added:+.1f} ms/step over none", *planned.notes])
    record(
        benchmark,
        ComponentRow("stabiliser", model, PLAIN_LOSS, stabiliser, data_label(model), n_critic, ms, ratio, note),
        pairs,
    )
