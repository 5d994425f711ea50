"""The FID family's command-line options: `--fid-extractor`, `--fid-weights`, `--fid-samples`, `--fid-reference`.

Their values reach every metric as ``MetricContext.options`` (``fid_extractor``, ``fid_weights``,
``fid_samples``, ``fid_reference``) and are part of each trial's id: another extractor, or another
reference file (its path and a hash of its content: ``stats_file.py``), is another experiment.
`ganbench fid-stats` (``commands.py``) takes the extractor options too, through
:func:`add_extractor_options`, so that it writes the statistics `run` would use.
"""

from __future__ import annotations

import argparse
import os

from ganbench import hookimpl
from ganbench.types import whole_number

from . import stats_file
from .extractor import CHOICES

MAX_FID_SAMPLES = 1_000_000  # 20x the usual 50,000: more only spends hours for no steadier number


def weights_file(text: str) -> str:
    if not os.path.isfile(text):
        raise argparse.ArgumentTypeError(f"{text}: no such file")
    return os.path.abspath(text)


@hookimpl
def ganbench_add_options(options):
    add_extractor_options(lambda *flags, **kwargs: options.add("metric", *flags, **kwargs))
    options.add(
        "metric",
        "--fid-samples",
        type=whole_number(
            2,
            "FID needs at least 2 samples (thousands, in practice)",
            MAX_FID_SAMPLES,
            f"at most {MAX_FID_SAMPLES:,} samples per FID evaluation",
        ),
        help=f"generated samples per FID evaluation (at most {MAX_FID_SAMPLES:,})",
    )
    options.add(
        "metric",
        "--fid-reference",
        type=stats_file.pin,
        metavar="FILE.npz",
        help="score FID against these precomputed statistics (mu, sigma: pytorch-fid's, ADM's, or `ganbench "
        "fid-stats`'s) instead of the data set's; checked for the extractor and the feature size",
    )


def add_extractor_options(add) -> None:
    """--fid-extractor and --fid-weights, through ``add(*flags, **argparse_keywords)``: for `run` and `fid-stats`."""
    add(
        "--fid-extractor",
        default="auto",
        help="the features of FID, KID, precision/recall, density/coverage and FD-infinity: auto (a network trained "
        f"on the data, for labelled images, else Inception), {', '.join(CHOICES[1:-1])} or {CHOICES[-1]}",
    )
    add(
        "--fid-weights",
        type=weights_file,
        help="a local weights file for --fid-extractor: torch-fidelity's Inception file, or a DINOv2 checkpoint "
        "(with facebookresearch/dinov2's code in torch.hub's cache)",
    )
