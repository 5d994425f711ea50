"""A convolutional VAE of DCGAN size (Kingma & Welling 2014), the non-adversarial baseline: GAN or VAE at
equal compute, scored by the same metrics in the same table.

It brings its own objective (``ModelSpec.objective``), so no loss or stabiliser applies to it: each
step minimises the negative ELBO of a real batch over both networks,

    -ELBO(x) = E_q(z|x)[-log p(x|z)] + KL(q(z|x) || N(0, I)),

with one reparameterised draw of z per image (Kingma & Welling's estimator), in nats per image.

* Encoder q(z|x): DCGAN's discriminator trunk (strided 4x4 convolutions, BatchNorm, LeakyReLU) and a
  linear layer to the posterior's mean and log-variance, a diagonal Gaussian. It is built by the
  ``critic`` builder, the model's second network, and never scores anything.
* Decoder p(x|z): DCGAN's generator, whose tanh output is the Gaussian's mean in ganbench's [-1, 1].
  It is G: what the metrics, sample grids and ``ganbench sample`` draw from, z ~ N(0, I) as for a GAN,
  showing the decoder's mean (the usual VAE picture: the mean, not a noisy draw).
* The decoder's variance is one sigma for all pixels, at its maximum-likelihood value for the batch
  (sigma^2 = the mean squared error, floored at e^-12): the "optimal sigma-VAE" of Rybkin, Daniilidis &
  Levine 2021, which balances reconstruction against KL without a hand-set weight (a fixed sigma = 1,
  a plain squared error, gives the blurry samples that make VAE baselines look worse than they are).

Logged: ``loss`` (the negative ELBO), ``reconstruction`` and ``kl``, each per image.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from ganbench.types import Critic, DataShape, HParams, ModelSpec, Objective, Uniform

from . import dcgan, spaces

#: Adam at 1e-3 (the VAE papers' usual rate), beta1 0.9; DCGAN's batch and a 64-d latent
HPARAMS = HParams(z_dim=64, batch_size=64, optimizer="adam", lr_g=1e-3, lr_d=1e-3, betas=(0.9, 0.999), n_critic=1)
#: log sigma^2 is kept above this: a decoder that reconstructs a batch exactly would otherwise send the
#: likelihood, and the loss, to infinity
MIN_LOG_VARIANCE = -12.0
LOG_2PI = math.log(2 * math.pi)


class Encoder(Critic):
    """(N, C, H, W) images -> the posterior's (mean, log-variance), each (N, z_dim)."""

    def __init__(self, shape: DataShape, hp: HParams):
        features, n_features = dcgan.critic_layers(shape, batch_norm=True, width=hp.model_params.get("width"))
        super().__init__(features, nn.Linear(n_features, 2 * hp.z_dim))
        self.apply(dcgan.init_weights)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        return self.head(self.features(x))

    def posterior(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mean, log_variance = self(x).chunk(2, dim=1)
        return mean, log_variance


def negative_elbo(decoder: nn.Module, encoder: Encoder, x: torch.Tensor, *labels: torch.Tensor) -> dict:
    """The objective's terms for a batch of real images, each the batch mean of a per-image sum in nats."""
    mean, log_variance = encoder.posterior(x)
    z = mean + torch.randn_like(mean) * torch.exp(0.5 * log_variance)  # the reparameterisation trick
    reconstructed = decoder(z)
    squared = (x - reconstructed).pow(2).flatten(1)
    # The decoder's maximum-likelihood variance for this batch (Rybkin et al. 2021), one for all pixels.
    # Floored before the log: a clamp after it would pass log's 0/0 gradient at an exact reconstruction.
    log_sigma2 = squared.mean().clamp_min(math.exp(MIN_LOG_VARIANCE)).log()
    nll = 0.5 * (squared / log_sigma2.exp() + log_sigma2 + LOG_2PI).sum(1)
    kl = 0.5 * (mean.pow(2) + log_variance.exp() - 1 - log_variance).sum(1)
    return {"loss": (nll + kl).mean(), "reconstruction": nll.mean(), "kl": kl.mean()}


def generator(shape: DataShape, hp: HParams) -> nn.Module:
    return dcgan.Generator(hp.z_dim, shape.channels, shape.size, hp.model_params.get("width"))


def critic(shape: DataShape, hp: HParams) -> Critic:
    return Encoder(shape, hp)


def spec() -> ModelSpec:
    return ModelSpec(
        name="vae",
        description="VAE baseline: DCGAN-sized conv encoder and decoder trained on the ELBO (its own objective)",
        source="Kingma & Welling 2014, Auto-Encoding Variational Bayes, ICLR (arXiv:1312.6114); decoder variance "
        "of Rybkin, Daniilidis & Levine 2021, Simple and Effective VAE Training with Calibrated Decoders, ICML",
        generator=generator,
        critic=critic,
        objective=Objective(name="negative ELBO", step=negative_elbo),
        hparams=HPARAMS.replace(),
        params={"width": 0},  # 0: DCGAN's width for the image side (dcgan.base_width)
        search_space={"lr": spaces.LEARNING_RATE, "beta1": Uniform(0.0, 1.0)},
        data_kinds=("image",),
        image_sizes=(16, 64),
        channels=(1, 3),
    )
