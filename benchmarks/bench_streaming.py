"""What streaming a folder costs the step, against the same images held in memory.

    python -m pytest benchmarks/bench_streaming.py --benchmark-only -s

A folder of JPEGs (written here: 64x64 smooth noise, like photographs to the codec, read at 32 or
16 px, as ``folder:PATH --image-size 32`` would) trains ``dcgan`` + ``ns`` at batch 64, streamed
with 0, 1 and 2 DataLoader workers (at 16 px a step is ~4x cheaper, so decoding weighs more); each round alternates with a round of the same trial on the same images
gathered into memory (sampled by index, the path of every built-in small data set), and
``x in memory`` is the median of the per-pair time ratios. Also measured: loading the folder
(listing files, reading each header) per 1,000 images, and decoding alone (images/s, one process).
"""

from __future__ import annotations

import time

import benchkit
import numpy as np
import pytest
import torch
from benchkit import BATCH, REPORT, GanbenchTrial, Paired, plan
from PIL import Image

from ganbench.types import DataOptions, Dataset

IMAGES = 2_000
#: generator steps per round by image side: 3-4 s rounds, so starting the workers (once per
#: trial, as in a run) weighs little
G_STEPS = {32: 30, 16: 120}
ROUNDS = 5
SECTION = "streamed folder against the same images in memory (dcgan + ns, batch 64, 3 channels)"


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    root = tmp_path_factory.mktemp("folder")
    rng = np.random.default_rng(0)
    for i in range(IMAGES):
        smooth = rng.normal(128, 60, (8, 8, 3)).clip(0, 255).astype(np.uint8)  # JPEG-friendly, like photos
        Image.fromarray(smooth).resize((64, 64), Image.Resampling.BICUBIC).save(root / f"{i:05d}.jpg", quality=90)
    return root


def load(folder, workers: int, side: int = 32):
    return (
        benchkit.registry()
        .get("datasets", "folder")
        .load(DataOptions(image_size=side, argument=str(folder), workers=workers))
    )


_in_memory: dict[int, GanbenchTrial] = {}


def in_memory(folder, side: int) -> GanbenchTrial:
    """The reference: the same images, gathered into memory and sampled by index."""
    if side not in _in_memory:
        streamed = load(folder, 2, side)
        trial = GanbenchTrial(
            plan("dcgan", "ns", streamed, batch_size=BATCH),
            Dataset("folder-in-memory", streamed.gather(torch.arange(len(streamed)))),
        )
        trial.train(G_STEPS[side])  # warm-up
        _in_memory[side] = trial
    return _in_memory[side]


@pytest.mark.parametrize("side, workers", [(32, 0), (32, 1), (32, 2), (16, 0), (16, 1), (16, 2)])
def test_streamed_step_against_in_memory(benchmark, folder, side, workers):
    data, steps = load(folder, workers, side), G_STEPS[side]
    trial = GanbenchTrial(plan("dcgan", "ns", data, batch_size=BATCH), data)
    trial.train(steps)  # warm-up: every round starts its workers afresh, as every trial does
    pairs = Paired(steps)
    pairs.benchmark(benchmark, trial.train, in_memory(folder, side).train, ROUNDS)
    benchmark.extra_info.update(side=side, workers=workers, ratios=[round(r, 4) for r in pairs.ratios])
    REPORT.say(
        SECTION,
        f"{side} px, {workers} workers: {pairs.ms_per_step(pairs.subject):.0f} ms/step streamed, "
        f"{pairs.ms_per_step(pairs.reference):.0f} ms/step in memory, "
        f"x in memory {pairs.median_ratio:.3f} (median of {ROUNDS} pairs; "
        f"{min(pairs.ratios):.3f}-{max(pairs.ratios):.3f}), {benchkit.THREADS} torch thread(s)",
    )


def test_loading_a_folder_reads_headers_only(benchmark, folder):
    started = []

    def load_once():
        started.append(time.perf_counter())
        load(folder, 0)
        started[-1] = time.perf_counter() - started[-1]

    benchmark.pedantic(load_once, rounds=3, iterations=1)
    REPORT.say(SECTION, f"loading (list + headers): {1000 * min(started) / IMAGES * 1000:.0f} ms per 1,000 images")


def test_decoding_rate_in_one_process(benchmark, folder):
    items = load(folder, 0).items
    index = iter(range(10**9))
    benchmark.pedantic(lambda: [items[next(index) % IMAGES] for _ in range(200)], rounds=5, iterations=1)
    REPORT.say(SECTION, f"decoding alone: {200 / benchmark.stats.stats.min:.0f} images/s in one process")
