"""Spectral normalisation: Miyato, Kataoka, Koyama & Yoshida 2018, Spectral Normalization for
Generative Adversarial Networks, ICLR 2018, arXiv:1802.05957.

Every layer of D with a weight (linear and convolutional layers, the head included) has its
weight divided by an estimate of its largest singular value, kept by power iteration: one
iteration per forward pass in training mode, the vectors carried over between passes (the
paper's Algorithm 1). Convolution kernels are reshaped to (out, in * k * k) matrices, as in
the paper's implementation. ``torch.nn.utils.parametrizations.spectral_norm`` does exactly
this. With 1-Lipschitz activations the critic is then 1-Lipschitz, hence ``provides``.
"""

from __future__ import annotations

from torch import nn
from torch.nn.utils import parametrize
from torch.nn.utils.parametrizations import spectral_norm

from ganbench.types import Critic, Stabiliser, StabiliserSpec

from . import _params

NAME = "sn"
PARAMS = {"n_power_iterations": 1}

#: The layers whose ``weight`` is normalised.
LAYERS = (
    nn.Linear,
    nn.Bilinear,
    nn.Conv1d,
    nn.Conv2d,
    nn.Conv3d,
    nn.ConvTranspose1d,
    nn.ConvTranspose2d,
    nn.ConvTranspose3d,
)


class SpectralNorm(Stabiliser):
    provides = frozenset({"lipschitz"})

    def __init__(self, n_power_iterations: int = PARAMS["n_power_iterations"]):
        self.n_power_iterations = _params.integer(NAME, "n_power_iterations", n_power_iterations, minimum=1)

    def wrap_critic(self, critic: Critic) -> Critic:
        for module in list(critic.modules()):
            if (
                isinstance(module, LAYERS)
                and not isinstance(module, nn.modules.lazy.LazyModuleMixin)
                and not parametrize.is_parametrized(module, "weight")  # 'sn+sn' normalises once
            ):
                spectral_norm(module, n_power_iterations=self.n_power_iterations)
        return critic


def spec() -> StabiliserSpec:
    return StabiliserSpec(
        name=NAME,
        description="spectral normalisation of every D layer with weights, by power iteration",
        source="Miyato et al. 2018, Spectral Normalization for Generative Adversarial Networks, arXiv:1802.05957",
        params=dict(PARAMS),
        factory=_params.factory(NAME, SpectralNorm, PARAMS),
    )
