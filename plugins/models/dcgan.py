"""DCGAN: the all-convolutional GAN of Radford, Metz and Chintala (2015), arXiv:1511.06434.

Generator: the latent vector is a 1x1 map; a 4x4 transposed convolution makes it 4x4, then
each 4x4 stride-2 transposed convolution doubles the side until it is the image's, with
BatchNorm and ReLU between and tanh at the end. Discriminator: the mirror image, 4x4 stride-2
convolutions with LeakyReLU(0.2) and BatchNorm on every layer but the first, down to a 4x4
map; its features are that map flattened, its head a linear layer to one raw score (the
same as DCGAN's final 4x4 valid convolution, without the sigmoid: the loss owns that).

Widths double as the side halves. The paper's base width is 64 at 64 px; the base is scaled
with the image side (:func:`base_width`) so a 16 px run stays cheap on a laptop CPU.
"""

from __future__ import annotations

import math

from torch import nn

from ganbench.types import Critic, DataShape, HParams, ModelSpec

from . import spaces

#: The paper's hyper-parameters: Adam at 2e-4 with beta1 = 0.5, batches of 64, z of size 100.
HPARAMS = HParams(z_dim=100, batch_size=64, optimizer="adam", lr_g=2e-4, lr_d=2e-4, betas=(0.5, 0.999), n_critic=1)


def base_width(side: int) -> int:
    """The width of the generator's last hidden layer and the critic's first: the paper's 64 at 64 px.

    It shrinks with the side (16 at 16 px, 32 at 32 px) because a small image needs fewer
    layers *and* fewer filters, and the cost of a layer grows with the square of its width.
    """
    return max(8, min(64, side))


def _doublings(shape: DataShape) -> int:
    """How many stride-2 layers lie between a 4x4 map and the image side."""
    side = shape.size
    if shape.kind != "image" or side < 8 or side & (side - 1):
        raise ValueError(f"DCGAN builds square images with a power-of-two side of at least 8 px, not {shape}")
    return int(math.log2(side)) - 2


def init_weights(module: nn.Module) -> None:
    """DCGAN's initialisation: conv and linear weights ~ N(0, 0.02); BatchNorm scales ~ N(1, 0.02)."""
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
        nn.init.normal_(module.weight, 0.0, 0.02)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, nn.BatchNorm2d):
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)


class Generator(nn.Module):
    """(N, z_dim) latents -> (N, C, H, W) images in [-1, 1]."""

    def __init__(self, z_dim: int, channels: int, side: int, width: int | None = None):
        super().__init__()
        n = _doublings(DataShape("image", (channels, side, side)))
        width = width or base_width(side)
        widths = [width * 2 ** (n - 1 - i) for i in range(n)]  # 4x4 map first, widest
        layers: list[nn.Module] = [
            # Bias-free before BatchNorm: the norm's shift makes a bias redundant.
            nn.ConvTranspose2d(z_dim, widths[0], 4, 1, 0, bias=False),
            nn.BatchNorm2d(widths[0]),
            nn.ReLU(True),
        ]
        for w_in, w_out in zip(widths, widths[1:]):
            layers += [nn.ConvTranspose2d(w_in, w_out, 4, 2, 1, bias=False), nn.BatchNorm2d(w_out), nn.ReLU(True)]
        layers += [nn.ConvTranspose2d(widths[-1], channels, 4, 2, 1, bias=False), nn.Tanh()]
        self.net = nn.Sequential(*layers)
        self.z_dim = z_dim
        self.apply(init_weights)

    def forward(self, z):
        return self.net(z.reshape(z.shape[0], self.z_dim, 1, 1))


def critic_layers(shape: DataShape, batch_norm: bool, width: int | None = None) -> tuple[nn.Sequential, int]:
    """The convolutional trunk, (N, C, H, W) -> (N, F) features, and F.

    ``shape`` is what the critic sees, so its channels may be a multiple of the data's
    (packing); only the side fixes the depth.
    """
    n = _doublings(shape)
    width = width or base_width(shape.size)
    widths = [width * 2**i for i in range(n)]
    layers: list[nn.Module] = []
    w_in = shape.channels
    for i, w_out in enumerate(widths):
        norm = batch_norm and i > 0
        layers.append(nn.Conv2d(w_in, w_out, 4, 2, 1, bias=not norm))
        if norm:
            layers.append(nn.BatchNorm2d(w_out))
        # Not in place: gradient penalties differentiate through this graph twice.
        layers.append(nn.LeakyReLU(0.2))
        w_in = w_out
    layers.append(nn.Flatten())
    return nn.Sequential(*layers), widths[-1] * 4 * 4


def generator(shape: DataShape, hp: HParams) -> nn.Module:
    return Generator(hp.z_dim, shape.channels, shape.size, hp.model_params.get("width"))


def critic(shape: DataShape, hp: HParams) -> Critic:
    features, n_features = critic_layers(shape, batch_norm=True, width=hp.model_params.get("width"))
    model = Critic(features, nn.Linear(n_features, 1))
    model.apply(init_weights)
    return model


def spec() -> ModelSpec:
    return ModelSpec(
        name="dcgan",
        description="DCGAN: transposed-conv generator and strided-conv discriminator with BatchNorm",
        source="Radford, Metz & Chintala 2015, Unsupervised Representation Learning with Deep "
        "Convolutional GANs, arXiv:1511.06434",
        generator=generator,
        critic=critic,
        hparams=HPARAMS.replace(),
        # 0: the base width follows the image side (base_width); set it to compare widths.
        params={"width": 0},
        min_steps=300,  # on the bundled digits: fewer steps leave blobs (README: Choosing a budget)
        search_space=spaces.ADAM,
        data_kinds=("image",),
        image_sizes=(16, 64),
        channels=(1, 3),
    )
