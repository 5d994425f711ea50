"""The built-in models' search spaces for `--tune`, from compare_gan's wide ranges.

Lucic et al. 2018 ("Are GANs Created Equal?") and google/compare_gan (src/params.py,
``GetDefaultWideRange``): one learning rate for G and D, log-uniform on [1e-5, 1e-2]; Adam's
beta1 uniform on [0, 1]; discriminator steps per generator step 1 to 5; and for WGAN the weight
clipping bound log-uniform on [1e-3, 1]. The keys are `--set`'s: ``lr`` sets both learning rates.
"""

from ganbench.types import IntRange, LogUniform, Uniform

LEARNING_RATE = LogUniform(1e-5, 1e-2)

ADAM = {"lr": LEARNING_RATE, "beta1": Uniform(0.0, 1.0), "n_critic": IntRange(1, 5)}
# RMSprop has no beta1; compare_gan's WGAN adds the clipping bound.
RMSPROP_CLIPPED = {"lr": LEARNING_RATE, "n_critic": IntRange(1, 5), "clip": LogUniform(1e-3, 1.0)}
