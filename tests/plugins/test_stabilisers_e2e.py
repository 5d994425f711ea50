"""Every built-in stabiliser trains a few steps with every built-in model it supports and every
built-in loss, through the core's trainer, and the losses stay finite.

Runs through ``ganbench.testing.run_tiny_trial``; skipped as a whole until the core provides it.
Also each built-in passes ``ganbench.conformance``, the check a third-party stabiliser gets.
"""

from __future__ import annotations

import math

import pytest

from ganbench_plugins.stabilisers import ganbench_stabilisers

testing = pytest.importorskip("ganbench.testing", reason="ganbench.testing.run_tiny_trial is not there yet")

STABILISERS = sorted(spec.name for spec in ganbench_stabilisers())
MODELS = {"mlp": "ring8", "dcgan": "digits", "wgan": "digits"}
LOSSES = ["minimax", "ns", "wasserstein", "hinge", "lsgan"]
COMBINATIONS = ["gp+sn", "mbd+fm+noise+ha:g=true+pack:m=4+clip"]


def assert_trained(result, label: str) -> None:
    if result.status == "skipped":
        # Only where a check says the combination cannot work, and then it says why.
        assert result.reason, f"{label}: skipped without a reason"
        return
    detail = result.reason or getattr(result, "error", "") or getattr(result, "traceback", "")
    assert result.status == "done", f"{label}: {result.status}: {detail}"
    values = {}
    for scalar in result.scalars:
        values.setdefault(scalar.name, []).append(scalar.value)
    for name in ("d_loss", "g_loss"):
        assert values.get(name), f"{label}: no {name} recorded"
        assert all(math.isfinite(v) for v in values[name]), f"{label}: {name} {values[name]}"


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("model", list(MODELS))
@pytest.mark.parametrize("stabiliser", STABILISERS)
def test_stabiliser_trains_with_every_model_and_loss(stabiliser, model, loss):
    # Two steps: every hook runs, and a second step sees the state the first one left.
    result = testing.run_tiny_trial(model, loss, stabilisers=stabiliser, dataset=MODELS[model], steps=2, seed=0)
    assert_trained(result, f"{model} x {loss} x {stabiliser}")


@pytest.mark.parametrize("model", ["cmlp", "pdcgan"])
@pytest.mark.parametrize("stabiliser", STABILISERS)
def test_stabiliser_trains_a_class_conditional_model(stabiliser, model):
    """D and G reach the stabilisers with the step's labels bound: every one trains a conditional model
    (one-hot critic features that read the label, or a projection's that do not), but packing, which
    would judge several samples, and so several labels, as one."""
    result = testing.run_tiny_trial(model, "ns", stabilisers=stabiliser, dataset="digits", steps=2, seed=0)
    if stabiliser == "pack":
        assert result.status == "skipped" and "judges each sample with its label" in result.reason
    else:
        assert_trained(result, f"{model} x ns x {stabiliser}")
        assert result.status == "done"


def test_ls_skips_exactly_the_losses_without_labels():
    for loss in LOSSES:
        result = testing.run_tiny_trial("mlp", loss, stabilisers="ls", dataset="ring8", steps=2, seed=0)
        if result.status == "skipped":
            assert "label" in (result.reason or ""), result.reason
        else:
            assert_trained(result, f"mlp x {loss} x ls")


@pytest.mark.parametrize("stabilisers", COMBINATIONS)
@pytest.mark.parametrize("model", list(MODELS))
def test_stabilisers_compose(stabilisers, model):
    result = testing.run_tiny_trial(model, "ns", stabilisers=stabilisers, dataset=MODELS[model], steps=3, seed=0)
    assert_trained(result, f"{model} x ns x {stabilisers}")


@pytest.mark.parametrize("stabiliser", STABILISERS)
def test_stabiliser_passes_the_conformance_checks(stabiliser):
    conformance = pytest.importorskip("ganbench.conformance")
    failed = conformance.failures(conformance.check("stabilisers", stabiliser))
    assert not failed, [f"{c.check}: {c.detail}" for c in failed]
