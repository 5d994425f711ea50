"""What evaluation costs: FID feature extraction per 1,000 images, and preparing the reference statistics.

    python -m pytest benchmarks/bench_evaluation.py --benchmark-only -s

* Feature extraction, per extractor available offline: the CNN ganbench trains on the real
  data (on ``digits``, 16x16), and torch-fidelity's ``inception-v3-compat`` when its weights are
  on disk (``GANBENCH_INCEPTION_WEIGHTS=FILE``, or torch-fidelity's download in the torch hub
  cache); without them that benchmark is skipped with the reason, as they cannot be fetched
  here. Two numbers each: torch-fidelity's extraction of N uint8 images (its DataLoader and
  the network, batches of 500, as FID's ``calculate_metrics`` runs it), and ``FID.compute``
  end to end (conversion, extraction, statistics, the distance; reference cached), both
  scaled to 1,000 images.
* Preparing FID for a run (``FID(context)``: the feature network, then the reference
  statistics, both cached under ``MetricContext.cache_dir``, which `ganbench run` takes from
  ``GANBENCH_CACHE``): with a cold cache dir (the network is trained, once: one round) and a
  warm one; and the reference statistics alone (``Reference.prepare``) with the network cached
  but the statistics cold (a fresh torch-fidelity cache each round) or warm.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import benchkit
import pytest
import torch
from benchkit import CPU, REPORT
from torch_fidelity.registry import FEATURE_EXTRACTORS_REGISTRY
from torch_fidelity.utils import create_feature_extractor, get_featuresdict_from_dataset

from ganbench.types import DataOptions, MetricContext
from ganbench_plugins.metrics import extractor as extractors
from ganbench_plugins.metrics.fid import FID
from ganbench_plugins.metrics.reference import ImageTensors, Reference

EXTRACT_IMAGES = 2000  # per round for the ganbench CNN (well under a second)
# Inception at 299x299 runs about 5 images a second on one core (measured with stand-in weights):
# few images, one round, and a reference of the same size keep it to about a minute in all.
INCEPTION_IMAGES = 50
EXTRACTION_ROUNDS = {"ganbench": 3, "inception-v3-compat": 1}
INCEPTION_FILE = "weights-inception-2015-12-05-6726825d.pth"  # torch-fidelity's download
SECTION = "evaluation cost (digits, 16x16)"


@pytest.fixture(scope="module")
def digits():
    return benchkit.registry().get("datasets", "digits").load(DataOptions(download=False))


def context(dataset, cache_dir: str, **options) -> MetricContext:
    return MetricContext(dataset, CPU, cache_dir, {"fid_samples": 1000, **options})


@pytest.fixture(scope="module")
def scratch(tmp_path_factory) -> Path:
    """Where this module's cache dirs go: pytest's temporary folder, which it prunes itself."""
    return tmp_path_factory.mktemp("ganbench-cache")


def fresh_dir(scratch: Path, tag: str) -> str:
    return tempfile.mkdtemp(prefix=f"{tag}-", dir=scratch)


# The cold-cache benchmark trains the feature network; the warm benchmarks reuse its cache dir
# instead of training again (about 12 s on one core). Run alone (-k), the fixture trains it.
_prepared: dict[str, str] = {}


@pytest.fixture(scope="module")
def warm_cache(digits, scratch) -> str:
    if "dir" not in _prepared:
        _prepared["dir"] = fresh_dir(scratch, "warm")
        FID(context(digits, _prepared["dir"]))
    return _prepared["dir"]


@pytest.mark.benchmark(group="fid preparation")
def test_fid_preparation_cold_cache(benchmark, digits, scratch):
    cache = fresh_dir(scratch, "cold")
    metrics: list[FID] = []
    benchmark.pedantic(lambda: metrics.append(FID(context(digits, cache))), rounds=1, iterations=1)
    metric = metrics[0]
    net, reference = metric.extractor.net, metric.reference
    assert not net.cached and reference.computed
    _prepared.setdefault("dir", cache)
    total = benchmark.stats.stats.median
    benchmark.extra_info.update(
        threads=benchkit.THREADS,
        feature_net_training_s=net.seconds,
        reference_statistics_s=reference.seconds,
        reference_images=reference.n,
        heldout_accuracy=net.heldout_accuracy,
    )
    REPORT.say(
        SECTION,
        f"FID preparation, cold cache dir: {total:.2f} s (one round): feature network training "
        f"{net.seconds:.2f} s (held-out accuracy {net.heldout_accuracy:.3f}), reference statistics "
        f"of {reference.n} images {reference.seconds:.2f} s",
    )


@pytest.mark.benchmark(group="fid preparation")
def test_fid_preparation_warm_cache(benchmark, digits, warm_cache):
    metrics: list[FID] = []
    benchmark.pedantic(lambda: metrics.append(FID(context(digits, warm_cache))), rounds=5, iterations=1)
    assert metrics[-1].extractor.net.cached and not metrics[-1].reference.computed
    median = benchmark.stats.stats.median
    benchmark.extra_info.update(threads=benchkit.THREADS)
    REPORT.say(
        SECTION,
        f"FID preparation, warm cache dir (network and statistics read back): {1000 * median:.0f} ms (median of 5)",
    )


@pytest.mark.benchmark(group="reference statistics")
@pytest.mark.parametrize("cache", ["cold", "warm"])
def test_reference_statistics(benchmark, digits, scratch, warm_cache, cache):
    """Reference.prepare alone, the feature network cached: cold = no torch-fidelity statistics yet."""
    extractor = extractors.choose(context(digits, warm_cache))
    dirs: list[str] = []

    def cold_dir() -> None:  # untimed: a cache dir holding the network only
        dirs.append(fresh_dir(scratch, "stats"))
        shutil.copytree(Path(warm_cache) / "feature-nets", Path(dirs[-1]) / "feature-nets")

    references: list[Reference] = []

    def prepare() -> None:
        reference = Reference.of(context(digits, dirs[-1] if cache == "cold" else warm_cache))
        reference.prepare(extractor, fid=True)
        references.append(reference)

    benchmark.pedantic(prepare, setup=cold_dir if cache == "cold" else None, rounds=5, iterations=1)
    assert all(r.computed == (cache == "cold") for r in references)
    median = benchmark.stats.stats.median
    benchmark.extra_info.update(threads=benchkit.THREADS, reference_images=references[0].n)
    REPORT.say(
        SECTION,
        f"reference statistics ({references[0].n} images), {cache} torch-fidelity cache: "
        f"{1000 * median:.0f} ms (median of 5)",
    )


def inception_weights() -> str | None:
    """A local Inception weights file, or None: nothing is downloaded here."""
    named = os.environ.get("GANBENCH_INCEPTION_WEIGHTS")
    if named:
        return named if os.path.isfile(named) else None
    cached = Path(torch.hub.get_dir()) / "checkpoints" / INCEPTION_FILE
    return str(cached) if cached.is_file() else None


def extractor_for(kind: str, digits, cache_dir: str) -> tuple[extractors.Extractor, int]:
    """The extractor and the images to time it on; skips Inception when its weights are not on disk."""
    if kind == "ganbench":
        return extractors.choose(context(digits, cache_dir, fid_extractor="ganbench")), EXTRACT_IMAGES
    weights = inception_weights()
    if weights is None:
        reason = (
            f"{extractors.INCEPTION} weights are not on disk (set GANBENCH_INCEPTION_WEIGHTS=FILE or put "
            f"{INCEPTION_FILE} in {Path(torch.hub.get_dir()) / 'checkpoints'}) and this machine cannot "
            f"download them"
        )
        REPORT.say(SECTION, f"{extractors.INCEPTION}: skipped, {reason}")
        pytest.skip(reason)
    chosen = extractors.choose(context(digits, cache_dir, fid_extractor=extractors.INCEPTION, fid_weights=weights))
    return chosen, INCEPTION_IMAGES


def uint8_images(digits, n: int) -> torch.Tensor:
    """n digits as torch-fidelity reads them; the cost does not depend on what the pixels show."""
    index = torch.randint(len(digits), (n,), generator=torch.Generator().manual_seed(0))
    return extractors.to_uint8(digits.x[index])


@pytest.mark.benchmark(group="feature extraction")
@pytest.mark.parametrize("kind", ["ganbench", "inception-v3-compat"])
def test_feature_extraction(benchmark, digits, warm_cache, kind):
    chosen, n = extractor_for(kind, digits, warm_cache)
    layer = FEATURE_EXTRACTORS_REGISTRY[chosen.name].get_default_feature_layer_for_metric("fid")
    network = create_feature_extractor(chosen.name, [layer], cuda=False, verbose=False, **chosen.kwargs)
    images = uint8_images(digits, n)
    batch = chosen.fidelity_kwargs("")["batch_size"]  # what FID's calculate_metrics uses

    def extract(x: torch.Tensor) -> None:
        get_featuresdict_from_dataset(ImageTensors(x), network, batch, cuda=False, save_cpu_ram=True, verbose=False)

    extract(images[:8])  # warm-up: weights paged in, convolution primitives made
    rounds = EXTRACTION_ROUNDS[kind]
    benchmark.pedantic(extract, args=(images,), rounds=rounds, iterations=1)
    per_1000 = benchmark.stats.stats.median * 1000 / n
    benchmark.extra_info.update(threads=benchkit.THREADS, images=n, seconds_per_1000_images=per_1000)
    REPORT.say(
        SECTION,
        f"{chosen.label} feature extraction: {per_1000:.3f} s per 1,000 images "
        f"(torch-fidelity's loader and network, {n} images a round, median of {rounds})",
    )


@pytest.mark.benchmark(group="feature extraction")
@pytest.mark.parametrize("kind", ["ganbench", "inception-v3-compat"])
def test_fid_compute(benchmark, digits, warm_cache, kind):
    chosen, n = extractor_for(kind, digits, warm_cache)
    options = {"fid_extractor": kind, "fid_samples": n}
    if kind != "ganbench":  # and a reference of n images, not 1,797: its statistics are computed here
        options.update(fid_weights=inception_weights(), fid_reference_samples=n)
    metric = FID(context(digits, warm_cache, **options))  # prepares the reference (cached for ganbench)
    fake = digits.x[torch.randint(len(digits), (n,), generator=torch.Generator().manual_seed(1))]
    sample = lambda count: fake[:count]  # noqa: E731  (a sampler with G's cost taken out)
    metric.compute(sample)  # warm-up
    rounds = EXTRACTION_ROUNDS[kind]
    benchmark.pedantic(metric.compute, args=(sample,), rounds=rounds, iterations=1)
    per_1000 = benchmark.stats.stats.median * 1000 / n
    benchmark.extra_info.update(threads=benchkit.THREADS, images=n, seconds_per_1000_images=per_1000)
    REPORT.say(
        SECTION,
        f"{chosen.label} FID.compute end to end: {per_1000:.3f} s per 1,000 generated images "
        f"({n} a round, reference cached, median of {rounds})",
    )
