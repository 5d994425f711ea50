"""`ganbench fid-stats DATASET --out FILE.npz`: the FID reference statistics `run` uses, for others to score against.

Registered through ``ganbench_add_commands``. The data set loads as `run` loads it (the same data
options), the extractor is chosen as `run` chooses it (``--fid-extractor``, ``--fid-weights``),
and the statistics are torch-fidelity's cache entry for that reference (computed and cached on a
miss, under the entry's lock: ``reference.py``): the very numbers a run's FID compares with. The
file is pytorch-fid's format (``mu``, ``sigma``, float64) with ganbench's own entries beside them
(``stats_file.METADATA``), so ``--fid-reference FILE`` gives the same FID as the cache.
"""

from __future__ import annotations

import os

import torch

from ganbench import __version__, hookimpl
from ganbench.errors import UsageError
from ganbench.types import MetricContext

from . import stats_file
from .features import FeatureSource
from .fid import applies_to, choose_extractor
from .options import add_extractor_options
from .reference import Reference


@hookimpl
def ganbench_add_commands(commands):
    parser = commands.add(
        "fid-stats",
        help="write a data set's FID reference statistics (mu, sigma, as pytorch-fid stores them) for --fid-reference",
        run=fid_stats,
        data=True,
    )
    parser.add_argument("dataset", metavar="DATASET", help="a data set name, or folder:PATH, as `run --dataset` takes")
    parser.add_argument("--out", required=True, metavar="FILE.npz", help="the statistics file to write")
    add_extractor_options(parser.add_argument)


def fid_stats(args, context) -> int:
    folder = os.path.dirname(os.path.abspath(args.out))
    if not os.path.isdir(folder):
        raise UsageError(f"--out {args.out}: the folder {folder} does not exist")
    dataset = context.load_dataset(args.dataset)
    reason = applies_to(dataset)
    if reason:
        raise UsageError(f"fid-stats {args.dataset}: {reason}")
    options = {key: value for key in ("fid_extractor", "fid_weights") if (value := getattr(args, key)) is not None}
    metric_context = MetricContext(dataset, torch.device(context.device), context.cache_dir, options)
    extractor = choose_extractor(metric_context)
    reference = Reference.of(metric_context)
    statistics = FeatureSource(extractor, reference).real_statistics()
    mu = statistics["mu"]
    stats_file.write(
        args.out,
        mu,
        statistics["sigma"],
        {
            "format": stats_file.FORMAT,
            "extractor": extractor.label,
            "extractor_id": extractor.name,
            "feature_size": int(mu.shape[0]),
            "dataset": dataset.name,
            "dataset_fingerprint": dataset.fingerprint(),
            "split": reference.split,
            "image_size": int(dataset.shape.size),
            "samples": int(reference.n),
            "ganbench_version": __version__,
        },
    )
    print(
        f"wrote {args.out}: FID statistics of {reference.n} {dataset.name} images ({reference.split}), "
        f"{mu.shape[0]}-d features of {extractor.label}"
    )
    return 0
