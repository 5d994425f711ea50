"""Progressive growing: Karras, Aila, Laine & Lehtinen (2018), Progressive Growing of GANs for Improved
Quality, Stability, and Variation, ICLR (arXiv:1710.10196), after the authors' code
(github.com/tkarras/progressive_growing_of_gans, networks.py).

Training starts at 8x8 and doubles the resolution until it is the image's, **on the budget's clock**
rather than a step count: the model reads the share of the budget spent (``set_progress``, called
by the training loop before every step), so under a time, step, image or FLOP budget alike it
reaches full resolution at ``full_at`` of the budget (default 0.5) and trains there for the rest.
The way there is split evenly between the resolutions; each slot holds the resolution steady for
its first half and fades the next one in over its second half (``alpha`` from 0 to 1), as the
paper's stabilise and fade phases.

Every layer exists from the start (the optimisers and a batched ensemble see fixed parameters):
below full resolution G's image is made at the current side and scaled up by nearest neighbours,
and D averages its input down to that side first, which undoes the scaling exactly, so real and
fake images meet D at the current resolution. While a resolution fades in, the real images fade
with it (``GrowingCritic.real_view``, which the training step calls on every real batch): blended
from the side below to the current one by the same alpha as G's output, as the paper does. What the paper's networks hold, at a small width:

* G: pixel norm of z, a 4x4 map (dense layer, then a 3x3 conv), then per resolution nearest x2
  and two 3x3 convs, LeakyReLU(0.2) and pixel norm after each; a 1x1 "toRGB" per resolution,
  then tanh (the paper's output is linear; ganbench's images lie in [-1, 1]);
* D: a 1x1 "fromRGB" per resolution, then per resolution two 3x3 convs and a 2x2 average pool,
  LeakyReLU(0.2); at 4x4 the **minibatch standard deviation** channel (groups of 4), a 3x3 conv,
  a 4x4 conv and a linear head;
* **equalised learning rate**: weights drawn from N(0, 1) and scaled at run time by He's constant.

Hyper-parameters: the paper's Adam (lr 1e-3, betas (0, 0.99)) and WGAN-GP with n_critic 1; here
the loss and any stabiliser are the run's choice (the paper's recipe is ``--losses wasserstein
--stabilisers gp``). Not modelled: the paper's epsilon-drift term and the growing batch size.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

from ganbench.types import Critic, DataShape, HParams, ModelSpec

from . import spaces

HPARAMS = HParams(z_dim=128, batch_size=64, optimizer="adam", lr_g=1e-3, lr_d=1e-3, betas=(0.0, 0.99), n_critic=1)
WIDTH = 32  # channels at every resolution (the paper: 512, halving from 64x64 on)
START = 8  # the first resolution trained, as the issue's schedule; 4x4 is the networks' base
FULL_AT = 0.5  # the share of the budget at which the image's own resolution is reached
GROUP = 4  # minibatch standard deviation over groups of this many samples


class EqualisedConv(nn.Conv2d):
    """A convolution whose weights are N(0, 1), scaled at run time by sqrt(2 / fan_in): every layer
    then learns at the same speed under Adam (the paper's equalised learning rate)."""

    def __init__(self, w_in: int, w_out: int, size: int, gain: float = math.sqrt(2), padding: int | None = None):
        super().__init__(w_in, w_out, size, padding=size // 2 if padding is None else padding)
        nn.init.normal_(self.weight)
        nn.init.zeros_(self.bias)
        self.scale = gain / math.sqrt(w_in * size * size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.conv2d(x, self.weight * self.scale, self.bias, padding=self.padding)


class EqualisedLinear(nn.Linear):
    def __init__(self, w_in: int, w_out: int, gain: float = math.sqrt(2)):
        super().__init__(w_in, w_out)
        nn.init.normal_(self.weight)
        nn.init.zeros_(self.bias)
        self.scale = gain / math.sqrt(w_in)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.linear(x, self.weight * self.scale, self.bias)


def pixel_norm(x: torch.Tensor) -> torch.Tensor:
    """Each pixel's feature vector to unit mean square (the paper's local response normalisation)."""
    return x * torch.rsqrt(x.pow(2).mean(dim=1, keepdim=True) + 1e-8)


def minibatch_stddev(x: torch.Tensor, group: int = GROUP) -> torch.Tensor:
    """One more channel: the standard deviation of each feature over a group of samples, averaged."""
    n, c, h, w = x.shape
    g = math.gcd(group, n)
    y = x.reshape(g, n // g, c, h, w)
    std = (y.var(dim=0, unbiased=False) + 1e-8).sqrt().mean(dim=(1, 2, 3))  # (n // g,)
    std = std.repeat(g).reshape(n, 1, 1, 1).expand(n, 1, h, w)
    return torch.cat([x, std], dim=1)


class Schedule:
    """Where in its growth a network is, from the share of the budget spent."""

    def __init__(self, side: int, full_at: float):
        if side < START or side & (side - 1):
            raise ValueError(f"pggan grows to power-of-two sides from {START} px, not {side}")
        self.stages = int(math.log2(side // START)) + 1  # resolutions trained: 8, 16, ..., side
        self.full_at = full_at
        self.progress = 1.0  # a network built outside training (sampling) is full-grown

    def position(self) -> tuple[int, float]:
        """(stage, alpha): the resolution 8 * 2**stage, and how far the next one has faded in."""
        if self.stages == 1:
            return 0, 0.0
        t = min(self.progress / self.full_at, 1.0) * (self.stages - 1)
        stage = min(int(t), self.stages - 1)
        within = t - stage
        return stage, max(0.0, 2 * within - 1) if stage < self.stages - 1 else 0.0


class Growing(nn.Module):
    """A network that grows with the budget. Its place in the schedule is kept as Python values that
    change a handful of times (``stage``, ``fading``: a compiled forward recompiles only then) and the
    fade's alpha as a buffer filled in place at every step (no recompile per step; in a batched
    ensemble the members' buffers are views of one stacked buffer, so all of them see it)."""

    def grow(self, side: int, full_at: float) -> None:
        self.schedule = Schedule(side, full_at)
        self.register_buffer("alpha", torch.zeros(()), persistent=False)
        self.set_progress(self.schedule.progress)

    def set_progress(self, progress: float) -> None:
        self.schedule.progress = progress
        stage, alpha = self.schedule.position()
        self.stage, self.fading = stage, alpha > 0
        self.alpha.fill_(alpha)

    @property
    def current_side(self) -> int:
        return START * 2**self.stage * (2 if self.fading else 1)  # a resolution fading in is the one D sees

    def faded(self, below: torch.Tensor, current: torch.Tensor) -> torch.Tensor:
        return torch.lerp(below, current, self.alpha.to(current.dtype))


class Generator(Growing):
    def __init__(self, z_dim: int, channels: int, side: int, width: int, full_at: float):
        super().__init__()
        self.side, self.width = side, width
        self.dense = EqualisedLinear(z_dim, width * 16, gain=math.sqrt(2) / 4)
        self.base = EqualisedConv(width, width, 3)
        # The blocks from 4x4 up: 8, 16, ..., side; each a resolution with its own toRGB.
        self.blocks = nn.ModuleList(
            nn.ModuleList([EqualisedConv(width, width, 3), EqualisedConv(width, width, 3)])
            for _ in range(int(math.log2(side // 4)))
        )
        self.to_rgb = nn.ModuleList(EqualisedConv(width, channels, 1, gain=1.0) for _ in self.blocks)
        self.grow(side, full_at)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        last = self.stage + int(math.log2(START // 4)) - 1 + (1 if self.fading else 0)  # the deepest block run
        h = F.leaky_relu(self.dense(pixel_norm(z)).view(-1, self.width, 4, 4), 0.2)
        h = pixel_norm(F.leaky_relu(self.base(pixel_norm(h)), 0.2))
        previous = h
        for index in range(last + 1):
            previous = h
            h = F.interpolate(h, scale_factor=2, mode="nearest")
            for conv in self.blocks[index]:
                h = pixel_norm(F.leaky_relu(conv(h), 0.2))
        image = self.to_rgb[last](h)
        if self.fading:  # the new resolution fading in over the one below, scaled up
            below = F.interpolate(self.to_rgb[last - 1](previous), scale_factor=2, mode="nearest")
            image = self.faded(below, image)
        image = torch.tanh(image)  # ganbench's images lie in [-1, 1]; the paper's output is linear
        return F.interpolate(image, size=self.side, mode="nearest") if image.shape[-1] < self.side else image


class Features(Growing):
    """D's trunk at the current resolution: the input averaged down to it, fromRGB, the blocks down to 4x4."""

    def __init__(self, channels: int, side: int, width: int, full_at: float):
        super().__init__()
        levels = int(math.log2(side // 4))  # blocks from side down to 4x4 (index 0: the full resolution)
        self.from_rgb = nn.ModuleList(EqualisedConv(channels, width, 1) for _ in range(levels))
        self.blocks = nn.ModuleList(
            nn.ModuleList([EqualisedConv(width, width, 3), EqualisedConv(width, width, 3)]) for _ in range(levels)
        )
        self.final = nn.ModuleList([EqualisedConv(width + 1, width, 3), EqualisedConv(width, width, 4, padding=0)])
        self.levels = levels
        self.grow(side, full_at)

    def _block(self, index: int, h: torch.Tensor) -> torch.Tensor:
        for conv in self.blocks[index]:
            h = F.leaky_relu(conv(h), 0.2)
        return F.avg_pool2d(h, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        side = self.current_side
        first = self.levels - int(math.log2(side // 4))  # the block that reads the current resolution
        x = F.adaptive_avg_pool2d(x, side) if x.shape[-1] > side else x
        h = self._block(first, F.leaky_relu(self.from_rgb[first](x), 0.2))
        if self.fading:  # the resolution below, as it was before this one faded in
            below = F.leaky_relu(self.from_rgb[first + 1](F.avg_pool2d(x, 2)), 0.2)
            h = self.faded(below, h)
        for index in range(first + 1, self.levels):
            h = self._block(index, h)
        h = F.leaky_relu(self.final[0](minibatch_stddev(h)), 0.2)
        h = F.leaky_relu(self.final[1](h), 0.2)  # 4x4 -> 1x1
        return h.flatten(1)


class GrowingCritic(Critic):
    def set_progress(self, progress: float) -> None:
        self.features.set_progress(progress)

    def real_view(self, x: torch.Tensor) -> torch.Tensor:
        """The real images as the paper shows them to D while a resolution fades in: at the current side,
        blended from the side below (scaled back up) to the current one by the fade's alpha, as G's
        output is (the code's process_reals); at full size, by nearest neighbours, so D and every
        stabiliser see real and fake batches of one shape."""
        growing = self.features
        if not growing.fading:
            return x  # D averages it down to the current side itself
        side = growing.current_side
        current = F.adaptive_avg_pool2d(x, side) if x.shape[-1] > side else x
        below = F.interpolate(F.avg_pool2d(current, 2), scale_factor=2, mode="nearest")
        faded = growing.faded(below, current)
        return F.interpolate(faded, size=x.shape[-1], mode="nearest") if side < x.shape[-1] else faded


def generator(shape: DataShape, hp: HParams) -> nn.Module:
    params = hp.model_params
    return Generator(hp.z_dim, shape.channels, shape.size, params.get("width", WIDTH), params.get("full_at", FULL_AT))


def critic(shape: DataShape, hp: HParams) -> Critic:
    params = hp.model_params
    width = params.get("width", WIDTH)
    features = Features(shape.channels, shape.size, width, params.get("full_at", FULL_AT))
    return GrowingCritic(features, EqualisedLinear(width, 1, gain=1.0))


def spec() -> ModelSpec:
    return ModelSpec(
        name="pggan",
        description="progressive growing from 8x8 on the budget's clock: fade-in, minibatch stddev, "
        "equalised learning rate, pixel norm",
        source="Karras, Aila, Laine & Lehtinen 2018, Progressive Growing of GANs for Improved Quality, "
        "Stability, and Variation, ICLR (arXiv:1710.10196); github.com/tkarras/progressive_growing_of_gans",
        generator=generator,
        critic=critic,
        hparams=HPARAMS.replace(),
        params={"width": WIDTH, "full_at": FULL_AT},
        search_space=spaces.ADAM,
        data_kinds=("image",),
        image_sizes=(16, 64),
        channels=(1, 3),
    )
