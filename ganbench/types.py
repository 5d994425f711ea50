"""The records plugins return, and the behaviour each kind of component implements.

Discovery hooks (see hookspecs.py) return *records*: small dataclasses that carry a
normalised ``name``, a one-line ``description`` and whatever the harness needs to build
the component for one trial. The registry stamps every record with the plugin, the
distribution and the version that provided it, so a table can always say who measured what.

Behaviour is plain Python, not hooks:

* a model builds a generator ``G: z -> x`` and a :class:`Critic` ``D: x -> raw scores``;
* a loss is two functions of the critic's raw scores;
* a :class:`Stabiliser` overrides the methods it needs, called at fixed points of the step;
* a :class:`Dataset` holds its samples in [-1, 1] and knows its classes or modes;
* a :class:`Metric` turns a sampler into :class:`Measurement` s;
* an :class:`Executor` runs a list of trials and streams their results back.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn


def normalise_name(name: str) -> str:
    """Names are compared lower-case with '-' for '_' and spaces: 'Fashion_MNIST' == 'fashion-mnist'."""
    return "-".join(name.strip().lower().replace("_", "-").split())


# --------------------------------------------------------------------------- records


@dataclass(kw_only=True)
class Record:
    """What every discovery hook returns: a named, described component."""

    name: str
    description: str
    # Stamped by the registry, never set by the plugin itself.
    plugin: str = ""
    distribution: str = ""
    version: str = ""

    def __post_init__(self) -> None:
        self.name = normalise_name(self.name)

    @property
    def provider(self) -> str:
        dist = f"{self.distribution} {self.version}".strip()
        return f"{self.plugin} ({dist})" if dist and dist != self.plugin else self.plugin


@dataclass(frozen=True)
class DataShape:
    """What one sample looks like: ``("image", (C, H, W))`` or ``("vector", (d,))``."""

    kind: str
    shape: tuple[int, ...]

    @property
    def channels(self) -> int:
        return self.shape[0]

    @property
    def size(self) -> int:
        """Image side in pixels (images are square), or the vector's dimension."""
        return self.shape[-1]

    def __str__(self) -> str:
        return f"{self.kind} {'x'.join(map(str, self.shape))}"


@dataclass(kw_only=True)
class HParams:
    """A model's default hyper-parameters; recorded with every trial."""

    z_dim: int = 100
    batch_size: int = 64
    optimizer: str = "adam"  # "adam" or "rmsprop"
    lr_g: float = 2e-4
    lr_d: float = 2e-4
    betas: tuple[float, float] = (0.5, 0.999)
    n_critic: int = 1  # discriminator updates per generator update

    def replace(self, **changes: Any) -> HParams:
        return dataclasses.replace(self, **changes)

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


class Critic(nn.Module):
    """The discriminator: ``D(x) = head(features(x))``, raw scores of shape (N,), never a sigmoid.

    Split in two so that stabilisers can reach both halves: feature matching reads
    ``features(x)`` (N, F); minibatch discrimination replaces ``head``.
    """

    def __init__(self, features: nn.Module, head: nn.Module):
        super().__init__()
        self.features = features
        self.head = head

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x)).reshape(-1)

    def constrain(self) -> None:
        """Called after every critic optimiser step; a model's own constraint (WGAN clips here)."""


@dataclass(kw_only=True)
class ModelSpec(Record):
    """A GAN architecture: two builders, called with the data's shape and the trial's hyper-parameters.

    ``generator(shape, hparams)`` maps (N, z_dim) latents to samples of ``shape``.
    ``critic(shape, hparams)`` returns a :class:`Critic` for inputs of ``shape``; that shape is
    the data's, or what a stabiliser makes of it (packing m samples multiplies the channels).
    """

    generator: Callable[[DataShape, HParams], nn.Module]
    critic: Callable[[DataShape, HParams], Critic]
    hparams: HParams = field(default_factory=HParams)
    data_kinds: tuple[str, ...] = ("image",)
    # Image sides the model can build, inclusive; ignored for vectors.
    image_sizes: tuple[int, int] = (16, 64)
    channels: tuple[int, ...] = (1, 3)
    # Loss names this model cannot train with, and why.
    incompatible_losses: Mapping[str, str] = field(default_factory=dict)
    # Properties the model guarantees, e.g. {"lipschitz"} for a clipped critic.
    provides: frozenset[str] = frozenset()
    source: str = ""

    def supports(self, shape: DataShape) -> str | None:
        """None if the model can be built for this data, else the reason it cannot."""
        if shape.kind not in self.data_kinds:
            return f"{self.name} needs {' or '.join(self.data_kinds)} data, the data set gives {shape.kind}s"
        if shape.kind == "image":
            lo, hi = self.image_sizes
            if not lo <= shape.size <= hi or shape.size & (shape.size - 1):
                return f"{self.name} builds power-of-two image sides from {lo} to {hi} px, not {shape.size}"
            if shape.channels not in self.channels:
                return f"{self.name} builds images with {self.channels} channels, not {shape.channels}"
        return None


@dataclass(kw_only=True)
class LossSpec(Record):
    """An adversarial objective over the critic's raw scores.

    ``d_loss(real_scores, fake_scores)`` and ``g_loss(fake_scores, real_scores)`` return
    scalars to minimise (``real_scores`` is None unless ``g_uses_real``). A loss with real/fake labels (``uses_labels``) also accepts a
    ``real_target=`` keyword in ``d_loss``, which one-sided label smoothing sets.
    """

    d_loss: Callable[..., torch.Tensor]
    g_loss: Callable[[torch.Tensor, torch.Tensor | None], torch.Tensor]
    uses_labels: bool = False
    # Relativistic losses read D(real) in G's loss; for the others ``g_loss`` gets None and
    # the step saves a forward pass.
    g_uses_real: bool = False
    # Properties the loss needs from the model or a stabiliser, e.g. {"lipschitz"};
    # trials without them still run, and the table notes what is missing.
    requires: frozenset[str] = frozenset()
    source: str = ""


class Stabiliser:
    """A stabilisation trick. Override only what the method needs; the defaults do nothing.

    One instance is made per trial, so any state (running averages, schedules) lives with
    that trial. The training step calls, in order:

    ``critic_shape``/``wrap_critic`` once when the trial is built; then every step
    ``critic_input`` on real and fake batches, ``d_penalty`` added to D's loss,
    ``after_d_step``; ``g_loss`` to add to or replace G's loss, ``after_g_step``.
    """

    #: properties this stabiliser guarantees, e.g. {"lipschitz"}
    provides: frozenset[str] = frozenset()

    def check(self, trial: TrialPlan) -> str | None:
        """None if this stabiliser can work in the trial, else the reason to skip it."""
        return None

    def critic_shape(self, shape: DataShape) -> DataShape:
        """The shape of what D sees, if the stabiliser changes it (packing)."""
        return shape

    def wrap_critic(self, critic: Critic) -> Critic:
        return critic

    def critic_input(self, x: torch.Tensor, progress: float) -> torch.Tensor:
        """Transform a real or fake batch before D sees it; ``progress`` is the budget fraction used."""
        return x

    def real_target(self) -> float | None:
        """The target for real samples in a labelled loss (one-sided label smoothing)."""
        return None

    def d_penalty(self, critic: Critic, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor | None:
        """A term added to D's loss; ``real`` and ``fake`` are D's inputs (after ``critic_input``)."""
        return None

    def g_loss(self, critic: Critic, real: torch.Tensor, fake: torch.Tensor, adversarial: torch.Tensor) -> torch.Tensor:
        """G's loss given its adversarial loss: return it, add to it or replace it."""
        return adversarial

    def after_d_step(self, critic: Critic) -> None:
        pass

    def after_g_step(self, generator: nn.Module) -> None:
        pass


@dataclass(kw_only=True)
class StabiliserSpec(Record):
    """A stabiliser: ``factory(**params)`` makes a fresh :class:`Stabiliser` for one trial."""

    factory: Callable[..., Stabiliser]
    params: Mapping[str, Any] = field(default_factory=dict)  # name -> default (its type is the param's)
    source: str = ""


@dataclass
class Dataset:
    """Samples in memory, float32: images (N, C, H, W) scaled to [-1, 1], or vectors (N, d) as they are.

    What the harness and the metrics read is the same for every data set, held in memory or
    streamed from storage (:class:`ganbench.streaming.StreamedDataset`): ``shape``, ``len()``,
    ``labels``/``class_names``/``modes``, ``fingerprint()``, ``gather(index)`` for chosen samples
    and ``batches(...)`` for training. ``x`` exists only for data held in memory.
    """

    name: str
    x: torch.Tensor
    labels: torch.Tensor | None = None  # (N,) int64 class indices, where the data has classes
    class_names: tuple[str, ...] = ()
    modes: torch.Tensor | None = None  # (K, d) mixture centres, where the data is a known mixture
    mode_std: float | None = None
    source: str = ""

    @property
    def shape(self) -> DataShape:
        return DataShape("image" if self.x.dim() == 4 else "vector", tuple(self.x.shape[1:]))

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    @property
    def device(self) -> torch.device:
        return self.x.device

    @property
    def loading(self) -> str:
        """How training reads the samples, as the report states it."""
        return "in memory, sampled by index on the device"

    def __len__(self) -> int:
        return self.x.shape[0]

    def to(self, device: torch.device | str) -> Dataset:
        move = lambda t: None if t is None else t.to(device)  # noqa: E731
        return dataclasses.replace(self, x=move(self.x), labels=move(self.labels), modes=move(self.modes))

    def gather(self, index: torch.Tensor) -> torch.Tensor:
        """The samples at ``index`` (a 1-D integer tensor), float32 on the data's device."""
        return self.x[index.to(self.x.device)]

    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """n samples drawn uniformly with replacement, on the data's own device."""
        index = torch.randint(len(self), (n,), device=self.device, generator=generator)
        return self.gather(index)

    def batches(self, batch_size: int, generator: torch.Generator) -> Iterator[torch.Tensor]:
        """Endless random training batches on the data's device: the training loop's real samples.

        In memory, each batch is drawn by index with ``generator`` (no copies, no DataLoader), so
        the draws interleave with the loop's latents exactly as in a hand-written loop.
        """
        while True:
            yield self.sample(batch_size, generator)

    def fingerprint(self) -> str:
        """A short hash of the samples and labels: a cache key for anything trained on them."""
        digest = hashlib.sha256()
        digest.update(str(tuple(self.x.shape)).encode())
        digest.update(self.x.detach().cpu().contiguous().numpy().tobytes())
        if self.labels is not None:
            digest.update(self.labels.detach().cpu().contiguous().numpy().tobytes())
        return digest.hexdigest()[:16]


@dataclass(frozen=True)
class DataOptions:
    """What a data set loader is told by the command line."""

    root: str = "data"
    image_size: int | None = None  # None: the data set's natural size
    download: bool = True
    argument: str = ""  # the part after ':' in 'folder:PATH'
    workers: int | None = None  # DataLoader worker processes for streamed data sets; None: chosen from the cores


@dataclass(kw_only=True)
class DatasetSpec(Record):
    """A data set: ``load(options)`` returns a :class:`Dataset` (or a streamed one, for data too big to hold).

    A loader that cannot find or fetch its files raises :class:`DataUnavailable` with one
    line naming the folder and the files expected there.
    """

    load: Callable[[DataOptions], Dataset]
    kind: str = "image"
    takes_argument: bool = False  # 'folder:PATH'
    source: str = ""


@dataclass(frozen=True)
class Measurement:
    """One number a metric computed. ``extractor`` and ``n_samples`` qualify its column."""

    name: str
    value: float
    higher_is_better: bool
    extractor: str | None = None
    n_samples: int | None = None

    @property
    def column(self) -> str:
        """Numbers from different feature extractors never share a column."""
        return f"{self.name}[{self.extractor}]" if self.extractor else self.name


@dataclass
class MetricContext:
    """What a metric is prepared with, once per run: the real data and where to cache."""

    dataset: Dataset
    device: torch.device
    cache_dir: str
    options: Mapping[str, Any] = field(default_factory=dict)


class Metric:
    """Computes measurements from a sampler ``sample(n) -> samples in [-1, 1] on the device``."""

    #: Facts about how the metric was prepared, recorded with the run and shown in its report,
    #: e.g. {"classifier_heldout_accuracy": 0.994}. Set it in ``__init__``.
    info: Mapping[str, Any] = {}

    def compute(self, sample: Callable[[int], torch.Tensor]) -> list[Measurement]:
        raise NotImplementedError


@dataclass(kw_only=True)
class MetricSpec(Record):
    """A metric: ``applies_to(dataset)`` is None or the reason it does not; ``factory`` prepares it."""

    factory: Callable[[MetricContext], Metric]
    applies_to: Callable[[Dataset], str | None] = lambda dataset: None
    default: bool = True  # computed unless --metrics names a selection
    source: str = ""


class Executor:
    """Runs trials; yields each result as soon as it is known, in any order.

    ``run_one(job, on_log=None)`` is ``ganbench.trial.run_trial``: a module-level function, so it
    pickles to worker processes and Ray tasks. ``on_log(job)`` gives a progress callback for a
    job; executors that run trials in this process pass it on, remote ones may ignore it.

    Ctrl-C: an executor that runs trials elsewhere raises :class:`ganbench.trial.Interrupted`,
    naming the trials in flight, whether the KeyboardInterrupt arrives inside ``run`` or is
    thrown into it at a ``yield`` (the runner does that when Ctrl-C lands while it stores a result).
    """

    def run(
        self, jobs: list[Any], run_one: Callable[..., Any], on_log: Callable[[Any], Any] | None = None
    ) -> Iterator[Any]:
        raise NotImplementedError


@dataclass(kw_only=True)
class ExecutorSpec(Record):
    """An executor: ``factory(options)`` with the CLI's executor options (e.g. ``workers``)."""

    factory: Callable[[Mapping[str, Any]], Executor]


# --------------------------------------------------------------------------- plans


@dataclass(frozen=True)
class StabiliserChoice:
    """One stabiliser in a selection, with its parameters: 'gp:lambda=5'."""

    name: str
    params: tuple[tuple[str, Any], ...] = ()

    def __str__(self) -> str:
        return ":".join([self.name, *(f"{k}={v}" for k, v in self.params)])


@dataclass
class TrialPlan:
    """Everything one trial is, before it runs: what stabiliser checks and the grid look at."""

    model: ModelSpec
    loss: LossSpec
    stabilisers: tuple[StabiliserChoice, ...]
    seed: int
    hparams: HParams
    data_shape: DataShape

    @property
    def stabiliser_label(self) -> str:
        return "+".join(map(str, self.stabilisers)) or "none"


class DataUnavailable(Exception):
    """A data set's files are absent and cannot be fetched; the message is one line for the user."""
