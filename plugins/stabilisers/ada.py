"""Adaptive discriminator augmentation (ADA): Karras, Aittala, Hellsten, Laine, Lehtinen & Aila
2020, Training Generative Adversarial Networks with Limited Data, NeurIPS 2020, arXiv:2006.06676.

Every batch D sees (reals and fakes in D's update, fakes in G's) goes through a pipeline whose
transforms each apply to an image with probability p: x-flip, a quarter-turn rotation, an
integer translation (up to 1/8 of the side, edges mirrored), then brightness (+ N(0, 0.2)),
contrast (x lognormal(0, (0.5 ln 2)^2), about 0) and saturation (x lognormal(0, (ln 2)^2),
about each pixel's grey). As in the paper's code, a flip or rotation that applies draws its
amount uniformly, "none" included (flip or not; 0 to 3 quarter turns). The paper's other colour
transforms (luma flip, hue rotation) and its geometric ones beyond these are left out.

p starts at ``p`` (0) and adapts to D's overfitting: r_t = E[sign(D(x_real))] over the last
``interval`` (4) D updates, on the raw scores D's loss saw (read through ``d_scores``, so no
second forward pass); then p += sign(r_t - target) * batch * interval / (ada_kimg * 1000),
kept in [0, 1]: p can go from 0 to 1 in ``ada_kimg`` thousand real images. The paper's
``ada_kimg`` is 500, made for runs of millions of images; a short run can scale it down
(``ada:ada_kimg=20``) so that p can move as far in its budget. p is logged (``ada_p``) at every
step it changes.
"""

from __future__ import annotations

import math

import torch

from ganbench.types import LogUniform, Stabiliser, StabiliserSpec, TrialPlan, Uniform

from . import _augment, _params

NAME = "ada"
PARAMS = {"target": 0.6, "ada_kimg": 500.0, "interval": 4, "p": 0.0}
TRANSLATION_RATIO = 1 / 8
BRIGHTNESS_STD, CONTRAST_STD, SATURATION_STD = 0.2, 0.5 * math.log(2), math.log(2)


class AdaptiveAugmentation(Stabiliser):
    def __init__(
        self,
        target: float = PARAMS["target"],
        ada_kimg: float = PARAMS["ada_kimg"],
        interval: int = PARAMS["interval"],
        p: float = PARAMS["p"],
    ):
        self.target = _params.number(NAME, "target", target, minimum=0, maximum=1)
        self.ada_kimg = _params.number(NAME, "ada_kimg", ada_kimg, above=0)
        self.interval = _params.integer(NAME, "interval", interval, minimum=1)
        self.p = _params.number(NAME, "p", p, minimum=0, maximum=1)
        self.signs = torch.zeros(())  # the sum of sign(D(x_real)) since p last moved
        self.seen, self.updates = 0, 0

    def check(self, trial: TrialPlan) -> str | None:
        return _augment.images_only(NAME, trial)

    def critic_input(self, x: torch.Tensor, progress: float) -> torch.Tensor:
        return augment(x, self.p) if self.p > 0 else x

    def d_scores(self, real_scores: torch.Tensor, fake_scores: torch.Tensor) -> torch.Tensor | None:
        """Reads D's raw scores on the (augmented) reals; every ``interval`` updates, p moves."""
        self.signs = self.signs.to(real_scores.device) + real_scores.detach().sign().sum()
        self.seen += real_scores.numel()
        self.updates += 1
        if self.updates % self.interval == 0:
            # The one read back from the device, every `interval` D updates (as in the paper's code): p is a
            # Python float so that the pipeline and the log need no sync in the updates between.
            r_t = self.signs.item() / self.seen
            step = len(real_scores) * self.interval / (self.ada_kimg * 1000)
            self.p = min(max(self.p + _sign(r_t - self.target) * step, 0.0), 1.0)
            self.signs, self.seen = torch.zeros((), device=real_scores.device), 0
        return None

    def scalars(self) -> dict[str, float]:
        return {"ada_p": self.p}


def _sign(value: float) -> float:
    return float(value > 0) - float(value < 0)


def augment(x: torch.Tensor, p: float) -> torch.Tensor:
    """ADA's pipeline: each transform applies to each image with probability ``p``."""
    n, _, h, w = x.shape

    def applies() -> torch.Tensor:
        return torch.rand(n, device=x.device) < p

    def amount(draws: torch.Tensor, otherwise: float) -> torch.Tensor:
        """``draws`` where the transform applies to that image, else the amount that changes nothing."""
        return torch.where(applies(), draws, torch.full_like(draws, otherwise))

    x = _augment.flip(x, amount(torch.randint(0, 2, (n,), device=x.device), 0) == 1)
    if h == w:  # images are square; a quarter turn of anything else would change its shape
        x = _augment.rotate90(x, amount(torch.randint(0, 4, (n,), device=x.device), 0))
    shift = (torch.rand(2, n, device=x.device) * 2 - 1) * TRANSLATION_RATIO
    shift_h = amount(torch.round(shift[0] * h).long(), 0)
    shift_w = amount(torch.round(shift[1] * w).long(), 0)
    x = _augment.translate(x, shift_h, shift_w, pad="reflect")
    normal = torch.randn(3, n, device=x.device, dtype=x.dtype)
    x = _augment.brightness(x, amount(normal[0] * BRIGHTNESS_STD, 0.0))
    x = _augment.contrast(x, amount(torch.exp(normal[1] * CONTRAST_STD), 1.0), about_mean=False)
    return _augment.saturation(x, amount(torch.exp(normal[2] * SATURATION_STD), 1.0))


def spec() -> StabiliserSpec:
    return StabiliserSpec(
        name=NAME,
        description="ADA: flips, quarter turns, shifts and colour, each with probability p adapted to D's overfitting",
        source="Karras et al. 2020, Training Generative Adversarial Networks with Limited Data, arXiv:2006.06676",
        params=dict(PARAMS),
        search_space={
            "target": Uniform(0.4, 0.8),  # around the paper's 0.6
            "ada_kimg": LogUniform(5.0, 500.0),  # two decades below the paper's 500, for short runs
        },
        factory=_params.factory(NAME, AdaptiveAugmentation, PARAMS),
    )
