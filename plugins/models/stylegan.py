"""StyleGAN2 at small width: Karras, Laine, Aittala, Hellsten, Lehtinen & Aila (2020), Analyzing and
Improving the Image Quality of StyleGAN, CVPR (arXiv:1912.04958), after the authors' code
(github.com/NVlabs/stylegan2, training/networks_stylegan2.py: config F's skip G and residual D).

* G, **mapping**: pixel norm of z, then ``MAPPING_LAYERS`` equalised linear layers of ``W_DIM`` units with
  LeakyReLU(0.2) (the paper: 8 of 512), learning at ``LR_MULTIPLIER`` (0.01) of the rest's rate -> w.
* G, **synthesis**: a learned constant 4x4 input; per resolution (4, 8, ..., the image side) 3x3
  **modulated convolutions** with **weight demodulation** (each sample's style, an equalised affine
  layer of w with bias 1, scales the weights' input channels; each output channel's weights are then
  rescaled to unit L2 norm), run as one grouped convolution with the batch folded into the groups, as
  the code does; after each, per-pixel **noise** N(0, 1) (fresh every call, from the global RNG) times a
  learned per-layer strength that starts at 0, a bias and LeakyReLU(0.2) times sqrt(2). One conv at
  4x4, two at each later resolution (bilinear x2 before the first). **Skip outputs**: a modulated 1x1
  toRGB (no demodulation) per resolution, the image so far scaled up (bilinear x2) and added to; then
  tanh, as ``pggan`` does (the paper's output is linear; ganbench's images lie in [-1, 1]).
* **Style mixing**: in training mode, with probability ``mixing`` (the paper's 0.9) the layers from a
  random crossover on take their styles from a second w, of fresh latents; in eval mode one w drives
  every layer.
* D, **residual**: a 1x1 fromRGB at the image side, then per resolution down to 4x4 a block of two 3x3
  convs with LeakyReLU(0.2) and a 2x2 average pool, beside a skip path of the pool and a bias-free 1x1
  conv, the sum scaled by 1/sqrt(2); at 4x4 the minibatch standard deviation channel (groups of 4),
  a 3x3 conv and a dense layer (the features), and a linear head to one raw score.
* **Equalised learning rate** everywhere (``pggan``'s layers, reused): weights N(0, 1), scaled at run time.

Small width: ``width`` (default 32) channels at every resolution (config F: 512, halving above 32x32).
Hyper-parameters: the code's Adam, lr 2e-3 for G and D with betas (0, 0.99), batches of 32. The
paper trains the non-saturating loss with R1 on D (``--losses ns --stabilisers r1``); not modelled:
path length regularisation, lazy regularisation (R1 every 16 steps), the FIR filters of the up- and
down-sampling (bilinear and average pooling here), the moving average of w and the truncation trick.
The paper evaluates an EMA of G: ``--set ema=0.999``.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

from ganbench.types import Critic, DataShape, HParams, ModelSpec

from . import spaces
from .pggan import EqualisedConv, EqualisedLinear, minibatch_stddev, pixel_norm

#: The code's Adam (training/training_loop.py: learning_rate 0.002, beta1 0, beta2 0.99) and minibatch of 32.
HPARAMS = HParams(z_dim=64, batch_size=32, optimizer="adam", lr_g=2e-3, lr_d=2e-3, betas=(0.0, 0.99), n_critic=1)
WIDTH = 32  # channels at every resolution, in G and D
MIXING = 0.9  # the probability of style mixing a training batch (the paper's 90%)
W_DIM = 128  # the size of w and of the mapping's layers (the paper: 512)
MAPPING_LAYERS = 4  # the paper: 8
LR_MULTIPLIER = 0.01  # the mapping's learning rate, relative to the rest (the paper's 0.01)
SQRT2 = math.sqrt(2)


def levels(side: int) -> int:
    """G's resolutions 4, 8, ..., side; D has one block fewer (down to 4x4)."""
    if side < 8 or side & (side - 1):
        raise ValueError(f"stylegan builds power-of-two image sides from 8 px, not {side}")
    return int(math.log2(side)) - 1


def act(x: torch.Tensor) -> torch.Tensor:
    """The code's lrelu with its gain: LeakyReLU(0.2) times sqrt(2), so unit-variance layers stay unit-variance."""
    return F.leaky_relu(x, 0.2) * SQRT2


class MappingLinear(EqualisedLinear):
    """An equalised linear layer that learns at ``lr_multiplier`` of the rate (the code's lrmul): its
    weights are drawn from N(0, 1 / lr_multiplier^2) and both weights and bias are scaled by it at run time."""

    def __init__(self, w_in: int, w_out: int, lr_multiplier: float = LR_MULTIPLIER):
        super().__init__(w_in, w_out, gain=1.0)
        with torch.no_grad():
            self.weight.div_(lr_multiplier)
        self.scale = lr_multiplier / math.sqrt(w_in)
        self.lr_multiplier = lr_multiplier

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.linear(x, self.weight * self.scale, self.bias * self.lr_multiplier)


class ModulatedConv(nn.Module):
    """A convolution whose weights are scaled per sample by a style from w, over the input channels
    (modulation), then, if ``demodulate``, to unit L2 norm per output channel (demodulation)."""

    def __init__(self, w_in: int, w_out: int, size: int, w_dim: int, demodulate: bool = True):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(w_out, w_in, size, size))
        self.scale = 1 / math.sqrt(w_in * size * size)  # equalised; demodulation makes it moot but for toRGB
        self.affine = EqualisedLinear(w_dim, w_in, gain=1.0)
        nn.init.ones_(self.affine.bias)  # the styles start at 1: the plain convolution
        self.demodulate, self.padding = demodulate, size // 2

    def weights(self, w: torch.Tensor) -> torch.Tensor:
        """Each sample's effective weights: (N, w_dim) -> (N, out, in, k, k)."""
        style = self.affine(w)
        weight = self.weight[None] * self.scale * style[:, None, :, None, None]
        if self.demodulate:
            weight = weight * torch.rsqrt(weight.pow(2).sum(dim=(2, 3, 4), keepdim=True) + 1e-8)
        return weight

    def forward(self, x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        n, c, h, wd = x.shape
        weight = self.weights(w)  # one grouped convolution: sample i is group i, with its own weights
        weight = weight.reshape(-1, c, *weight.shape[-2:])
        out = F.conv2d(x.reshape(1, n * c, h, wd), weight, padding=self.padding, groups=n)
        return out.reshape(n, -1, h, wd)


class StyledConv(nn.Module):
    """A synthesis layer: modulated 3x3 conv, per-pixel noise at a learned strength, bias, LeakyReLU."""

    def __init__(self, w_in: int, w_out: int, w_dim: int):
        super().__init__()
        self.conv = ModulatedConv(w_in, w_out, 3, w_dim)
        self.noise_strength = nn.Parameter(torch.zeros(()))  # the code's: 0 at first
        self.bias = nn.Parameter(torch.zeros(w_out))

    def forward(self, x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        x = self.conv(x, w)
        x = x + self.noise_strength * torch.randn_like(x[:, :1])  # one noise image, every channel
        return act(x + self.bias.view(1, -1, 1, 1))


class ToRGB(nn.Module):
    """A modulated 1x1 conv to the image's channels, without demodulation, and a bias; no activation."""

    def __init__(self, w_in: int, channels: int, w_dim: int):
        super().__init__()
        self.conv = ModulatedConv(w_in, channels, 1, w_dim, demodulate=False)
        self.bias = nn.Parameter(torch.zeros(channels))

    def forward(self, x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        return self.conv(x, w) + self.bias.view(1, -1, 1, 1)


def up(x: torch.Tensor) -> torch.Tensor:
    return F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)


class Generator(nn.Module):
    """(N, z_dim) latents -> (N, C, H, W) images in [-1, 1]."""

    def __init__(self, z_dim: int, channels: int, side: int, width: int = WIDTH, mixing: float = MIXING):
        super().__init__()
        n = levels(side)
        layers: list[nn.Module] = []
        for index in range(MAPPING_LAYERS):
            layers.append(MappingLinear(z_dim if index == 0 else W_DIM, W_DIM))
        self.mapping = nn.ModuleList(layers)
        self.const = nn.Parameter(torch.randn(1, width, 4, 4))
        # Conv i reads style i; the toRGB of resolution r (0: 4x4) reads style 2r + 1, as in the code.
        self.convs = nn.ModuleList(StyledConv(width, width, W_DIM) for _ in range(2 * n - 1))
        self.to_rgb = nn.ModuleList(ToRGB(width, channels, W_DIM) for _ in range(n))
        self.styles, self.mixing = 2 * n, mixing

    def map(self, z: torch.Tensor) -> torch.Tensor:
        w = pixel_norm(z)
        for layer in self.mapping:
            w = act(layer(w))
        return w

    def ws(self, z: torch.Tensor) -> torch.Tensor:
        """A w per layer, (N, styles, w_dim): one w, or two mixed at a crossover layer while training."""
        w = self.map(z)[:, None].expand(-1, self.styles, -1)
        if not (self.training and self.mixing > 0):
            return w
        other = self.map(torch.randn_like(z))[:, None]
        # One crossover for the batch, from layer 1 on; "no mixing" is a crossover past the last layer.
        cutoff = torch.randint(1, self.styles, (), device=z.device)
        cutoff = torch.where(torch.rand((), device=z.device) < self.mixing, cutoff, self.styles)
        later = torch.arange(self.styles, device=z.device) >= cutoff
        return torch.where(later[None, :, None], other, w)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        ws = self.ws(z)
        x = self.convs[0](self.const.expand(z.shape[0], -1, -1, -1), ws[:, 0])
        image = self.to_rgb[0](x, ws[:, 1])
        for r in range(1, len(self.to_rgb)):
            x = self.convs[2 * r](self.convs[2 * r - 1](up(x), ws[:, 2 * r - 1]), ws[:, 2 * r])
            image = up(image) + self.to_rgb[r](x, ws[:, 2 * r + 1])
        return torch.tanh(image)  # ganbench's images lie in [-1, 1]; the paper's output is linear


def no_bias(conv: EqualisedConv) -> EqualisedConv:
    conv.register_parameter("bias", None)
    return conv


class ResidualBlock(nn.Module):
    """D's block: 3x3 conv, LeakyReLU, 3x3 conv, LeakyReLU, 2x2 average pool; skip: the pool, then a
    bias-free 1x1 conv; the sum over sqrt(2), which keeps the variance of two unit-variance paths."""

    def __init__(self, w_in: int, w_out: int):
        super().__init__()
        # Not in place: gradient penalties differentiate through this graph twice.
        self.residual = nn.Sequential(
            EqualisedConv(w_in, w_in, 3),
            nn.LeakyReLU(0.2),
            EqualisedConv(w_in, w_out, 3),
            nn.LeakyReLU(0.2),
            nn.AvgPool2d(2),
        )
        self.skip = nn.Sequential(nn.AvgPool2d(2), no_bias(EqualisedConv(w_in, w_out, 1, gain=1.0)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (self.residual(x) + self.skip(x)) / SQRT2


class Features(nn.Module):
    """D's trunk: fromRGB, the residual blocks down to 4x4, minibatch stddev, a 3x3 conv, a dense layer."""

    def __init__(self, channels: int, side: int, width: int):
        super().__init__()
        self.from_rgb = EqualisedConv(channels, width, 1)
        self.blocks = nn.Sequential(*(ResidualBlock(width, width) for _ in range(levels(side) - 1)))
        self.conv = EqualisedConv(width + 1, width, 3)
        self.dense = EqualisedLinear(width * 4 * 4, width)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.blocks(F.leaky_relu(self.from_rgb(x), 0.2))
        h = F.leaky_relu(self.conv(minibatch_stddev(h)), 0.2)
        return F.leaky_relu(self.dense(h.flatten(1)), 0.2)


def width_of(hp: HParams) -> int:
    width = hp.model_params.get("width", WIDTH)
    if width < 1:
        raise ValueError(f"stylegan's width is a number of channels, at least 1, not {width}")
    return width


def generator(shape: DataShape, hp: HParams) -> nn.Module:
    mixing = hp.model_params.get("mixing", MIXING)
    if not 0 <= mixing <= 1:
        raise ValueError(f"stylegan's mixing is a probability, 0 to 1, not {mixing}")
    return Generator(hp.z_dim, shape.channels, shape.size, width_of(hp), mixing)


def critic(shape: DataShape, hp: HParams) -> Critic:
    width = width_of(hp)
    return Critic(Features(shape.channels, shape.size, width), EqualisedLinear(width, 1, gain=1.0))


def spec() -> ModelSpec:
    return ModelSpec(
        name="stylegan",
        description="StyleGAN2 at small width: mapping network, modulated/demodulated convs, noise inputs, "
        "skip G, residual D, style mixing",
        source="Karras, Laine, Aittala, Hellsten, Lehtinen & Aila 2020, Analyzing and Improving the Image "
        "Quality of StyleGAN, CVPR (arXiv:1912.04958); github.com/NVlabs/stylegan2",
        generator=generator,
        critic=critic,
        hparams=HPARAMS.replace(),
        params={"width": WIDTH, "mixing": MIXING},
        search_space=spaces.ADAM,
        data_kinds=("image",),
        image_sizes=(8, 64),
        channels=(1, 3),
    )
