"""Losses: an adversarial objective as two functions of the critic's raw scores."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import torch

from ganbench.types.records import Record


@dataclass(kw_only=True)
class LossSpec(Record):
    """An adversarial objective over the critic's raw scores.

    ``d_loss(real_scores, fake_scores)`` and ``g_loss(fake_scores, real_scores)`` return
    scalars to minimise (``real_scores`` is None unless ``g_uses_real``). A loss with real/fake labels (``uses_labels``) also accepts a
    ``real_target=`` keyword in ``d_loss``, which one-sided label smoothing sets.

    An auxiliary-classifier loss (``uses_classes``, ACGAN) also gets ``classes=``, a
    :class:`ClassLogits`: the logits of a classifier the harness puts on D's features, with the
    classes of the batches they were computed on. It trains conditional models only, whose critic's
    features read the sample alone (``ModelSpec.label_free_features``).
    """

    d_loss: Callable[..., torch.Tensor]
    g_loss: Callable[[torch.Tensor, torch.Tensor | None], torch.Tensor]
    uses_labels: bool = False
    # Relativistic losses read D(real) in G's loss; for the others ``g_loss`` gets None and
    # the step saves a forward pass.
    g_uses_real: bool = False
    # ACGAN: d_loss and g_loss also take ``classes=ClassLogits(...)`` (see the class docstring).
    uses_classes: bool = False
    # Properties the loss needs from the model or a stabiliser, e.g. {"lipschitz"};
    # trials without them still run, and the table notes what is missing.
    requires: frozenset[str] = frozenset()
    # The loss's own parameters (name -> default): passed to d_loss and g_loss as keywords when set.
    params: Mapping[str, Any] = field(default_factory=dict)
    search_space: Mapping[str, Any] = field(default_factory=dict)  # param -> range, for --tune
    source: str = ""


@dataclass(frozen=True)
class ClassLogits:
    """The auxiliary classifier's view of a step's batches: (N, classes) logits and the (N,) int64
    classes each sample holds (the real labels; those G was asked for). ``real_*`` are None in
    ``g_loss``, which sees only the fakes."""

    real_logits: torch.Tensor | None
    real_labels: torch.Tensor | None
    fake_logits: torch.Tensor
    fake_labels: torch.Tensor
