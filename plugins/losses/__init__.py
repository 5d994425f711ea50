"""Built-in losses, registered through the `ganbench` entry-point group like any third-party plugin.

``minimax`` and ``ns`` (Goodfellow et al. 2014), ``wasserstein`` (Arjovsky et al. 2017),
``hinge`` (Lim & Ye 2017; Miyato et al. 2018) and ``lsgan`` (Mao et al. 2017), all on raw
critic scores: see :mod:`ganbench_plugins.losses.standard`; and ``rpgan``, the relativistic pairing
loss of R3GAN (Huang et al. 2024): :mod:`ganbench_plugins.losses.relativistic_pairing`; and
``acgan`` (Odena et al. 2017), ``ns`` plus an auxiliary classifier's cross-entropy, for conditional
models: :mod:`ganbench_plugins.losses.auxiliary_classifier`.
"""

from ganbench import hookimpl

from . import auxiliary_classifier, relativistic_pairing, standard


@hookimpl
def ganbench_losses():
    return standard.specs() + relativistic_pairing.specs() + auxiliary_classifier.specs()
