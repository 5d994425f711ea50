"""The report's figures: a PNG per metric column, per trial's training curves, and the throughput bars."""

import io

import pandas as pd
from PIL import Image

from ganbench import figures


def image(png: bytes) -> Image.Image:
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    return Image.open(io.BytesIO(png))


TRIALS = pd.DataFrame(
    {
        "id": ["a", "b", "c"],
        "model": ["m"] * 3,
        "loss": ["ns", "ns", "hinge"],
        "stabilisers": ["none"] * 3,
        "seed": [0, 1, 0],
        "status": ["done", "done", "error"],
        "steps": [10, 10, 0],
        "steps_per_s": [5.0, 6.0, None],
        "train_seconds": [2.0, 1.7, 0.0],
    }
)


def test_one_curve_figure_per_metric_column():
    metrics = pd.DataFrame(
        {
            "trial_id": ["a", "a", "b", "b"],
            "checkpoint": [0, 1, 0, 1],
            "seconds": [1.0, 2.0, 0.9, 1.7],
            "column_name": ["fid[x]"] * 4,
            "value": [50.0, 40.0, 55.0, 42.0],
        }
    )
    made = figures.metric_curves(metrics, TRIALS, {"fid[x]": "FID (x)"})
    assert list(made) == ["fid[x]"] and image(made["fid[x]"]).size[0] > 300
    assert figures.metric_curves(metrics.iloc[0:0], TRIALS, {}) == {}


def test_training_curves_and_throughput_bars_are_pictures():
    scalars = pd.DataFrame({"seconds": [0.1, 0.2], "name": ["d_loss", "d_loss"], "value": [1.0, 0.9]})
    assert image(figures.training_curves(scalars, "m/ns/none s0")).size[1] > 100
    bars = image(figures.throughput_and_budget(TRIALS))
    assert bars.size[0] > bars.size[1]  # three panels side by side
    assert figures.throughput_and_budget(TRIALS[TRIALS["steps"] == 0]) is None  # nothing ran: no figure


def test_a_model_with_its_own_objective_gets_one_panel_of_its_terms():
    scalars = pd.DataFrame(
        {"seconds": [0.1, 0.2, 0.1, 0.2], "name": ["loss", "loss", "kl", "kl"], "value": [900.0, 700.0, 9.0, 12.0]}
    )
    vae_like = image(figures.training_curves(scalars, "vae/own-objective/none s0"))
    gan = image(figures.training_curves(TWO_PANELS, "m/ns/none s0"))
    assert vae_like.size[0] < gan.size[0]  # one panel, not the losses and D outputs' two


TWO_PANELS = pd.DataFrame(
    {"seconds": [0.1, 0.1, 0.1, 0.1], "name": ["d_loss", "g_loss", "d_real", "d_fake"], "value": [1.0, 0.7, 0.4, -0.4]}
)
