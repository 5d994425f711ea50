"""A fully connected GAN for vector data: the 2D mixture architecture of PacGAN.

Source: Lin, Khetan, Fanti & Oh 2018, PacGAN: The power of two samples in generative
adversarial networks, NeurIPS 2018 (arXiv:1712.04086), 2D-ring and 2D-grid experiments
(github.com/fjxmlzn/PacGAN, synthetic_data_experiments/*/config.py and pacgan_task.py), which
follow VEEGAN's setup:

* generator: z ~ N(0, I) of size 2, four hidden fully connected layers with BatchNorm and
  ReLU (400 units each), a linear output;
* discriminator: three maxout layers (200 units, 5 pieces each), a linear output;
* weights ~ N(0, 0.02), biases 0; Adam at 1e-4 with beta1 = 0.8; batches of 100.

Here the widths are reduced (:data:`G_WIDTH`, :data:`D_WIDTH`) so that a trial runs hundreds of
steps per second on a CPU; the depth, the layer types, z and the optimiser are the paper's.
The critic's input is ``shape.size`` wide, so a packed critic (m samples concatenated) is
built from the shape it is given.
"""

from __future__ import annotations

from torch import nn

from ganbench.types import Critic, DataShape, HParams, ModelSpec

from . import spaces

G_WIDTH = 128  # PacGAN: 400
D_WIDTH = 64  # PacGAN: 200
MAXOUT_PIECES = 5
G_LAYERS = 4
D_LAYERS = 3

HPARAMS = HParams(z_dim=2, batch_size=100, optimizer="adam", lr_g=1e-4, lr_d=1e-4, betas=(0.8, 0.999), n_critic=1)


class Maxout(nn.Module):
    """A linear layer with ``pieces`` outputs per unit, keeping the largest (Goodfellow et al. 2013)."""

    def __init__(self, in_features: int, out_features: int, pieces: int):
        super().__init__()
        self.out_features, self.pieces = out_features, pieces
        self.linear = nn.Linear(in_features, out_features * pieces)

    def forward(self, x):
        return self.linear(x).view(x.shape[0], self.out_features, self.pieces).amax(dim=2)


def init_weights(module: nn.Module) -> None:
    if isinstance(module, nn.Linear):
        nn.init.normal_(module.weight, 0.0, 0.02)
        if module.bias is not None:
            nn.init.zeros_(module.bias)


def _check(shape: DataShape) -> None:
    if shape.kind != "vector":
        raise ValueError(f"the mlp model builds vectors, not {shape}")


def generator(shape: DataShape, hp: HParams) -> nn.Module:
    _check(shape)
    layers: list[nn.Module] = []
    width_in = hp.z_dim
    width = hp.model_params.get("g_width", G_WIDTH)
    for _ in range(G_LAYERS):
        # Bias-free before BatchNorm, as in PacGAN: the norm's shift makes a bias redundant.
        layers += [nn.Linear(width_in, width, bias=False), nn.BatchNorm1d(width), nn.ReLU(True)]
        width_in = width
    layers.append(nn.Linear(width_in, shape.size))
    model = nn.Sequential(*layers)
    model.apply(init_weights)
    return model


def critic(shape: DataShape, hp: HParams) -> Critic:
    _check(shape)
    layers: list[nn.Module] = []
    width_in = shape.size
    width = hp.model_params.get("d_width", D_WIDTH)
    for _ in range(D_LAYERS):
        layers.append(Maxout(width_in, width, MAXOUT_PIECES))
        width_in = width
    model = Critic(nn.Sequential(*layers), nn.Linear(width_in, 1))
    model.apply(init_weights)
    return model


def spec() -> ModelSpec:
    return ModelSpec(
        name="mlp",
        description="fully connected GAN for 2D mixtures: BatchNorm-ReLU generator, maxout discriminator",
        source="Lin, Khetan, Fanti & Oh 2018, PacGAN: The power of two samples in GANs, NeurIPS "
        "(arXiv:1712.04086), 2D ring/grid architecture, widths reduced for CPU",
        generator=generator,
        critic=critic,
        hparams=HPARAMS.replace(),
        params={"g_width": G_WIDTH, "d_width": D_WIDTH},
        min_steps=500,  # on the 2D mixtures: fewer steps rarely leave a point near a mode
        search_space=spaces.ADAM,
        data_kinds=("vector",),
    )
