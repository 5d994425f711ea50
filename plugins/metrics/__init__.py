"""Built-in metrics, registered through the `ganbench` entry-point group like any third-party plugin.

One module per concern:

* ``feature_net``: the small CNN classifier ganbench trains on the real labelled data (cached);
* ``extractor``: that network as a torch-fidelity feature extractor, and the run's choice of
  extractor (``fid_extractor``: auto | ganbench | inception-v3-compat | dinov2-vit-{s,b,l,g}-14;
  ``fid_weights``), with how it resizes the images;
* ``reference``: the real reference images and their torch-fidelity cache entry;
* ``cache``: locks and atomic writes, so processes sharing a cache never mix networks and statistics;
* ``labels``: the qualifiers of every FID-family heading (extractor, generated vs real counts and
  split, resizing);
* ``fid``: FID, against the data set or an imported statistics file (``stats_file``, written by
  ``commands``: `ganbench fid-stats`); ``fidelity_extra``: KID (a default where FID scores < 2,048 samples), Inception Score,
  precision/recall (opt-in);
* ``features``: torch-fidelity's features of both sides, for the metrics computed here;
  ``feature_metrics``: density/coverage and FD-infinity (opt-in), whose arithmetic is in ``knn``
  and ``fd_infinity``;
* ``modes2d``: PacGAN/VEEGAN mode coverage on Gaussian mixtures;
* ``classes``: class coverage of labelled images; ``conditional``: conditional accuracy of
  class-conditional trials, ``intra_fid``: their FID within each class; ``stacked``: Stacked MNIST's 1,000 modes.

Metric options (``MetricContext.options``): ``fid_samples``, ``fid_reference_samples``,
``fid_extractor``, ``fid_weights``, ``fid_reference``, ``kid_subsets``, ``coverage_samples``,
``conditional_samples``, ``intra_fid_samples``, ``mode_samples``,
``stacked_samples``; each module's docstring gives its default.
"""

from ganbench import hookimpl
from ganbench.types import MetricSpec

from . import classes, conditional, feature_metrics, fid, fidelity_extra, intra_fid, modes2d, stacked
from .commands import ganbench_add_commands  # noqa: F401 (ganbench fid-stats)
from .options import ganbench_add_options  # noqa: F401 (--fid-extractor, --fid-weights, --fid-samples, --fid-reference)


@hookimpl
def ganbench_metrics():
    return [
        MetricSpec(
            name="fid",
            tuning_score="fid",
            tuning_priority=3,
            description="Fréchet distance between generated and real features, via torch-fidelity",
            factory=fid.FID,
            measures=("fid",),
            applies_to=fid.applies_to,
            source="Heusel et al. 2017, GANs trained by a two time-scale update rule converge to a local Nash "
            "equilibrium (arXiv:1706.08500); torch-fidelity (Obukhov et al.)",
        ),
        MetricSpec(
            name="kid",
            tuning_score="kid",
            tuning_priority=2,
            description="kernel (MMD) distance between generated and real features, via torch-fidelity",
            factory=fidelity_extra.KID,
            measures=("kid",),
            applies_to=fid.applies_to,
            default=False,
            default_when=fidelity_extra.kid_beside_fid,
            source="Binkowski et al. 2018, Demystifying MMD GANs (arXiv:1801.01401)",
        ),
        MetricSpec(
            name="inception-score",
            description="Inception Score of the generated images, via torch-fidelity",
            factory=fidelity_extra.InceptionScore,
            measures=("inception_score",),
            applies_to=fid.applies_to,
            default=False,
            source="Salimans et al. 2016, Improved techniques for training GANs (arXiv:1606.03498)",
        ),
        MetricSpec(
            name="precision-recall",
            description="k-NN precision and recall of generated vs real features",
            factory=fidelity_extra.PrecisionRecall,
            measures=("precision", "recall"),
            applies_to=fid.applies_to,
            default=False,
            source="Kynkäänniemi et al. 2019, Improved precision and recall metric (arXiv:1904.06991)",
        ),
        MetricSpec(
            name="density-coverage",
            description="k-NN density and coverage of generated vs real features (k = 5)",
            factory=feature_metrics.DensityCoverage,
            measures=("density", "coverage"),
            applies_to=fid.applies_to,
            default=False,
            source="Naeem et al. 2020, Reliable fidelity and diversity metrics for generative models "
            "(arXiv:2002.09797)",
        ),
        MetricSpec(
            name="fd-infinity",
            tuning_score="fd_infinity",
            tuning_priority=4,
            description="FID extrapolated to infinitely many generated samples (fit against 1/N)",
            factory=feature_metrics.FDInfinity,
            measures=("fd_infinity",),
            applies_to=fid.applies_to,
            default=False,
            source="Chong & Forsyth 2020, Effectively unbiased FID and Inception Score and where to find them "
            "(arXiv:1911.07023)",
        ),
        MetricSpec(
            name="mode-coverage",
            tuning_score="reverse_kl",
            tuning_priority=1,
            description="modes captured, % high-quality samples, reverse KL on a Gaussian mixture",
            factory=modes2d.ModeCoverage,
            measures=("modes", "high_quality_pct", "reverse_kl"),
            applies_to=modes2d.applies_to,
            source="Srivastava et al. 2017, VEEGAN (arXiv:1705.07761); Lin et al. 2018, PacGAN (arXiv:1712.04086)",
        ),
        MetricSpec(
            name="class-coverage",
            tuning_score="class_kl",
            tuning_priority=1,
            description="classes generated and KL to the real class frequencies, by a trained classifier",
            factory=classes.ClassCoverage,
            measures=("classes_covered", "class_kl"),
            applies_to=classes.applies_to,
            source="classifier-based mode counting as in Che et al. 2017, Mode regularized GANs (arXiv:1612.02136)",
        ),
        MetricSpec(
            name="conditional-accuracy",
            description="conditional trials: share of samples a trained classifier assigns to the class asked for",
            factory=conditional.ConditionalAccuracy,
            measures=("conditional_accuracy",),
            applies_to=classes.applies_to,
            conditional_only=True,
            source="classification accuracy of conditional samples as in Odena et al. 2017, Conditional image "
            "synthesis with auxiliary classifier GANs (arXiv:1610.09585)",
        ),
        MetricSpec(
            name="intra-fid",
            description="conditional trials: FID within each class, averaged over the classes, via torch-fidelity",
            factory=intra_fid.IntraClassFID,
            measures=("intra_fid",),
            applies_to=intra_fid.applies_to,
            conditional_only=True,
            source="Miyato & Koyama 2018, cGANs with projection discriminator (arXiv:1802.05637), Section 5",
        ),
        MetricSpec(
            name="stacked-mnist-modes",
            tuning_score="reverse_kl",
            tuning_priority=1,
            description="Stacked MNIST: triples of digits covered (of 1,000) and reverse KL",
            factory=stacked.StackedModes,
            measures=("modes", "reverse_kl"),
            applies_to=stacked.applies_to,
            source="Metz et al. 2017, Unrolled GANs (arXiv:1611.02163); Lin et al. 2018, PacGAN (arXiv:1712.04086)",
        ),
    ]
