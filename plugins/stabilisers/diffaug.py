"""Differentiable augmentation (DiffAugment): Zhao, Liu, Lin, Zhu & Han 2020, Differentiable
Augmentation for Data-Efficient GAN Training, NeurIPS 2020, arXiv:2006.10738.

Every batch D sees, real or generated, in D's update and in G's, goes through the same random
transforms, each differentiable so that G learns through them:

- ``color``: brightness + U[-0.5, 0.5), saturation x U[0, 2) (about each pixel's grey), contrast
  x U[0.5, 1.5) (about the image's mean), each amount drawn per image;
- ``translation``: a shift of up to 1/8 of the side, in whole pixels per axis, the uncovered
  edge filled with 0 (mid-grey in [-1, 1]);
- ``cutout``: a square of half the side, centred anywhere in the image, set to 0.

As the paper's code does, the transforms are applied to every image, not with a probability.
``policy`` selects them, joined by '-' (``diffaug:policy=translation-cutout``; '+' would join
stabilisers and ',' separate parameters); ``colour`` is accepted for ``color``.

Where each batch is augmented: the training step calls ``critic_input`` on the real and the
generated batch of every D update and on the generated batch of G's update (G's step reuses the
last real batch D saw, already augmented), which is exactly the paper's "T(x) and T(G(z)) for D,
T(G(z)) for G".
"""

from __future__ import annotations

import torch

from ganbench.types import Stabiliser, StabiliserSpec, TrialPlan

from . import _augment, _params

NAME = "diffaug"
PARAMS = {"policy": "color-translation-cutout"}
TRANSFORMS = ("color", "translation", "cutout")
TRANSLATION_RATIO, CUTOUT_RATIO = 1 / 8, 1 / 2


def _per_image(x: torch.Tensor) -> torch.Tensor:
    return torch.rand(x.shape[0], device=x.device, dtype=x.dtype)


def color(x: torch.Tensor) -> torch.Tensor:
    x = _augment.brightness(x, _per_image(x) - 0.5)
    x = _augment.saturation(x, _per_image(x) * 2)
    return _augment.contrast(x, _per_image(x) + 0.5)


def translation(x: torch.Tensor) -> torch.Tensor:
    n, _, h, w = x.shape
    most_h, most_w = int(h * TRANSLATION_RATIO + 0.5), int(w * TRANSLATION_RATIO + 0.5)
    shift_h = torch.randint(-most_h, most_h + 1, (n,), device=x.device)
    shift_w = torch.randint(-most_w, most_w + 1, (n,), device=x.device)
    return _augment.translate(x, shift_h, shift_w, pad="zeros")


def cutout(x: torch.Tensor) -> torch.Tensor:
    n, _, h, w = x.shape
    size_h, size_w = int(h * CUTOUT_RATIO + 0.5), int(w * CUTOUT_RATIO + 0.5)
    # The paper's centre is uniform over the image (one more place on an even-sized square's side).
    centre_h = torch.randint(0, h + (1 - size_h % 2), (n,), device=x.device)
    centre_w = torch.randint(0, w + (1 - size_w % 2), (n,), device=x.device)
    return _augment.cutout(x, centre_h - size_h // 2, centre_w - size_w // 2, size_h, size_w)


APPLY = {"color": color, "translation": translation, "cutout": cutout}


class DiffAugment(Stabiliser):
    def __init__(self, policy: str = PARAMS["policy"]):
        self.policy = _augment.policy(NAME, policy, TRANSFORMS, aliases={"colour": "color"})

    def check(self, trial: TrialPlan) -> str | None:
        return _augment.images_only(NAME, trial)

    def critic_input(self, x: torch.Tensor, progress: float) -> torch.Tensor:
        for transform in self.policy:
            x = APPLY[transform](x)
        return x


def spec() -> StabiliserSpec:
    return StabiliserSpec(
        name=NAME,
        description="DiffAugment: colour, translation and cutout on every batch D sees, differentiable for G",
        source="Zhao et al. 2020, Differentiable Augmentation for Data-Efficient GAN Training, arXiv:2006.10738",
        params=dict(PARAMS),
        factory=_params.factory(NAME, DiffAugment, PARAMS),
    )
