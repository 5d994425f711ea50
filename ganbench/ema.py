"""The EMA generator: an exponential moving average of G's weights, kept beside G, evaluated instead of it.

Averaging G's iterates (Karras et al. 2018; Yazici et al. 2019, "The Unusual Effectiveness of
Averaging in GAN Training") smooths the oscillation of adversarial training; the average is what
the metrics and the sample grids see, and G goes on training unchanged. From ``ema_start`` on, after
each G update, ``average = decay * average + (1 - decay) * G`` for every parameter and buffer
(BatchNorm's running statistics are averaged too: torch.optim.swa_utils.AveragedModel with
``use_buffers=True``); before it there is no average, and G itself is evaluated.
"""

from __future__ import annotations

from torch import nn
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn


class GeneratorAverage:
    """``update()`` after each G update; ``evaluated`` is the module metrics and pictures should use."""

    def __init__(self, generator: nn.Module, decay: float, start: int = 0):
        self.generator = getattr(generator, "_orig_mod", generator)  # a compiled G: average the module itself
        self.decay, self.start = decay, start
        self.updates = 0  # G updates seen
        self.average: AveragedModel | None = None

    @property
    def enabled(self) -> bool:
        return self.decay > 0

    def update(self) -> None:
        if not self.enabled:
            return
        self.updates += 1
        if self.updates < self.start:
            return
        if self.average is None:  # the first averaged step: the average starts as a copy of G
            self.average = AveragedModel(
                self.generator, multi_avg_fn=get_ema_multi_avg_fn(self.decay), use_buffers=True
            )
        self.average.update_parameters(self.generator)

    @property
    def evaluated(self) -> nn.Module:
        return self.average.module if self.average is not None else self.generator

    @property
    def label(self) -> str:
        """What the metrics saw, for the trial's row: 'G', or 'EMA G (decay 0.999 from step 1000)'."""
        if not self.enabled:
            return "G"
        started = f" from step {self.start}" if self.start else ""
        return f"EMA G (decay {self.decay:g}{started})" if self.average is not None else f"G (EMA not started{started})"
