"""What streaming a folder costs the step, against the same images held in memory.

    python -m pytest benchmarks/bench_streaming.py --benchmark-only -s

A folder of JPEGs (written here: 64x64 photographs-like noise, read at 32 px, as ``folder:PATH
--image-size 32`` would) trains ``dcgan`` + ``ns`` at batch 64, streamed with 0, 1 and 2
DataLoader workers; each round alternates with a round of the same trial on the same images
gathered into memory (sampled by index, the path of every built-in small data set), and
``x in memory`` is the median of the per-pair time ratios. Also measured: loading the folder
(listing files, reading each header) per 1,000 images, and decoding alone (images/s, one process).
"""
from __future__ import annotations

import time

import numpy as np
import pytest
import torch
from PIL import Image

import benchkit
from benchkit import BATCH, REPORT, GanbenchTrial, Paired, plan
from ganbench.types import DataOptions, Dataset

IMAGES = 2_000
SIDE = 32
G_STEPS = 4  # dcgan at 32 px: about half a second a round
ROUNDS = 7
SECTION = "streamed folder against the same images in memory (dcgan + ns, batch 64, 32 px, 3 channels)"


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    root = tmp_path_factory.mktemp("folder")
    rng = np.random.default_rng(0)
    for i in range(IMAGES):
        smooth = rng.normal(128, 60, (8, 8, 3)).clip(0, 255).astype(np.uint8)  # JPEG-friendly, like photos
        Image.fromarray(smooth).resize((64, 64), Image.Resampling.BICUBIC).save(root / f"{i:05d}.jpg", quality=90)
    return root


def load(folder, workers: int):
    return benchkit.registry().get("datasets", "folder").load(
        DataOptions(image_size=SIDE, argument=str(folder), workers=workers))


@pytest.fixture(scope="module")
def in_memory(folder):
    streamed = load(folder, workers=2)
    trial = GanbenchTrial(plan("dcgan", "ns", streamed, batch_size=BATCH),
                          Dataset("folder-in-memory", streamed.gather(torch.arange(len(streamed)))))
    trial.train(G_STEPS)  # warm-up
    return trial


@pytest.mark.parametrize("workers", [0, 1, 2])
def test_streamed_step_against_in_memory(benchmark, folder, in_memory, workers):
    data = load(folder, workers)
    trial = GanbenchTrial(plan("dcgan", "ns", data, batch_size=BATCH), data)
    trial.train(G_STEPS)  # warm-up: every round starts its workers afresh, as every trial does
    pairs = Paired(G_STEPS)
    pairs.benchmark(benchmark, trial.train, in_memory.train, ROUNDS)
    benchmark.extra_info.update(workers=workers, ratios=[round(r, 4) for r in pairs.ratios])
    REPORT.say(SECTION, f"{workers} workers: {pairs.ms_per_step(pairs.subject):.0f} ms/step streamed, "
                        f"{pairs.ms_per_step(pairs.reference):.0f} ms/step in memory, "
                        f"x in memory {pairs.median_ratio:.3f} (median of {ROUNDS} pairs; "
                        f"{min(pairs.ratios):.3f}-{max(pairs.ratios):.3f}), {benchkit.THREADS} torch thread(s)")


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
