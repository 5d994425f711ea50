"""Pictures from a saved generator: fresh samples and latent interpolations (straight line and slerp).

The generator is rebuilt from the installed plugins (the trial's model, hyper-parameters and the
run's data shape) and its weights are read with ``weights_only=True``: nothing from the results
folder is ever executed.
"""

from __future__ import annotations

import dataclasses
import json
import warnings
from dataclasses import dataclass

import torch
from torch import nn

from ganbench.conditioning import for_sampling
from ganbench.errors import UsageError
from ganbench.latents import eval_mode, sampler
from ganbench.paths import inside_folder
from ganbench.pictures import image_grid_png, labelled_rows_png, scatter_png
from ganbench.store import Store
from ganbench.types import DataShape, HParams

#: the most samples `ganbench sample -n` draws at once: a grid of 10,000 is already a 800x80,000-pixel picture
MAX_SAMPLES = 10_000


@dataclass
class Saved:
    trial: dict  # the trials row
    generator: nn.Module
    shape: DataShape
    z_dim: int


def resolve_trial(store: Store, text: str) -> dict:
    """The trial named ``text``: an id or a unique prefix of one, or a readable name ``model/loss/stabilisers/seed``
    (``dcgan/ns/none/0``, or ``.../s0``); unknown or ambiguous is a UsageError (one line)."""
    trials = store.frame("trials")
    if "/" in text:
        found = trials[[_readable(t) == _readable_form(text) for t in trials.itertuples()]]
    else:
        found = trials[trials["id"].str.startswith(text)] if text else trials.iloc[0:0]
    if len(found) == 1:
        return found.iloc[0].to_dict()
    if len(found) > 1:  # a name: several settings or phases of one configuration and seed
        hint = "give one of these ids" if "/" in text else "give more characters"
        raise UsageError(f"trial '{text}' is ambiguous in {store.folder}: {_listed(found)}; {hint}")
    raise UsageError(f"no trial '{text}' in {store.folder} (trials: {_listed(trials) or 'none'})")


def _readable(trial) -> str:
    """'dcgan/ns/none/s0': how the progress bars name a trial."""
    return f"{trial.model}/{trial.loss}/{trial.stabilisers}/s{trial.seed}"


def _readable_form(text: str) -> str:
    """A name as given, in _readable's form: the seed with its 's', whether it was written or not."""
    head, _, seed = text.strip().rpartition("/")
    return f"{head}/s{seed.removeprefix('s')}"


def _listed(trials, most: int = 10) -> str:
    """'dcgan/ns/none/s0 (3f2a9c1b), ...': name, id prefix and what tells same-named trials apart."""
    shown = []
    for t in trials.head(most).itertuples():
        told_apart = [getattr(t, column, None) for column in ("settings", "phase")]
        shown.append(
            ", ".join([f"{_readable(t)} ({t.id[:8]}", *(x for x in told_apart if isinstance(x, str) and x)]) + ")"
        )
    more = f" and {len(trials) - most} more" if len(trials) > most else ""
    return ", ".join(shown) + more


def parse_shape(text: str) -> DataShape:
    """'image 1x16x16' or 'vector 2' (the run facts' form) -> DataShape."""
    kind, _, dims = str(text).partition(" ")
    try:
        return DataShape(kind, tuple(int(d) for d in dims.split("x")))
    except ValueError:
        raise UsageError(f"the run's data shape '{text}' cannot be read") from None


def load_generator(store: Store, trial: dict, registry) -> Saved:
    """Rebuild a trial's generator from the installed model and load its saved weights."""
    if not trial.get("generator"):
        raise UsageError(f"trial {trial['id']} ({trial['status']}) has no saved generator")
    config = json.loads(trial["config"])
    model = registry.get("models", config["model"])  # unknown: a UsageError naming the choices
    hparams = HParams.from_dict(config.get("hparams", {}))
    facts = store.get("dataset", {})
    shape = parse_shape(facts.get("shape", ""))
    frequencies = None
    if model.conditional:  # built for the run's classes; asked for them as the metrics asked (ganbench.conditioning)
        if not facts.get("class_frequencies"):
            raise UsageError(
                f"trial {trial['id']}: {model.name} is class-conditional, and the run kept no class frequencies"
            )
        frequencies = torch.tensor(facts["class_frequencies"], dtype=torch.float64)
        shape = dataclasses.replace(shape, classes=len(frequencies))
    generator = model.generator(shape, hparams)
    # Run folders of earlier versions saved a compiled generator's wrapper: its keys carry '_orig_mod.'.
    state = {key.removeprefix("_orig_mod."): value for key, value in _saved_weights(store, trial).items()}
    try:
        generator.load_state_dict(state)
    except RuntimeError as error:  # missing or misshapen tensors: torch lists them over many lines
        raise UsageError(
            f"trial {trial['id']}: the saved weights do not fit model {model.name} "
            f"({str(error).strip().splitlines()[0][:300]})"
        ) from None
    generator.eval()
    sampled, z_dim = for_sampling(generator, hparams.z_dim, frequencies)
    return Saved(trial, sampled.eval(), shape, z_dim)


def _saved_weights(store: Store, trial: dict) -> dict:
    """The trial's weights file, inside its run folder, read as tensors alone; anything else is refused in one line."""
    path = inside_folder(store.folder, trial["generator"])
    if path is None:
        raise UsageError(f"trial {trial['id']}: its generator file {trial['generator']} is outside the run folder")
    try:
        with warnings.catch_warnings():  # torch warns about the pickle protocol of a file it then refuses
            warnings.simplefilter("ignore")
            return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # pickle.UnpicklingError for code in the file, RuntimeError for a damaged one
        raise UsageError(
            f"trial {trial['id']}: {path} is not weights alone ({_why(error)}), so it is refused and never run"
        ) from None


def _why(error: Exception) -> str:
    """torch's reason in one line: its message is paragraphs of advice around the one that says what was found."""
    paragraphs = [" ".join(p.split()) for p in str(error).split("\n\n") if p.strip()]
    found = [p for p in paragraphs if not p.startswith(("Weights only load failed", "Check the documentation"))]
    return (found or paragraphs or [type(error).__name__])[0][:300]


def latents(z_dim: int, n: int, seed: int) -> torch.Tensor:
    return torch.randn(n, z_dim, generator=torch.Generator().manual_seed(seed))


def slerp(a: torch.Tensor, b: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """Spherical interpolation between latent points a and b (D,) at fractions t (N,) -> (N, D)."""
    cos = torch.dot(a, b) / (a.norm() * b.norm())
    omega = torch.arccos(cos.clamp(-1.0, 1.0))
    if omega.abs() < 1e-6:  # (nearly) parallel: the straight line is the arc
        return lerp(a, b, t)
    t = t[:, None]
    return (torch.sin((1 - t) * omega) * a + torch.sin(t * omega) * b) / torch.sin(omega)


def lerp(a: torch.Tensor, b: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    return a + t[:, None] * (b - a)


@torch.no_grad()
def samples_png(saved: Saved, n: int = 64, seed: int = 0, modes: torch.Tensor | None = None) -> bytes:
    x = saved.generator(latents(saved.z_dim, n, seed))
    if saved.shape.kind == "image":
        return image_grid_png(x, columns=8, scale=max(1, 64 // saved.shape.size))
    return scatter_png(x, modes, title=f"{n} samples")


@torch.no_grad()
def as_evaluated(saved: Saved, metric: str, n: int) -> torch.Tensor:
    """The first n samples the metric ``metric`` scored for this trial: its latent stream (ganbench.latents),
    the trial's seed, G in eval mode; with the saved weights, those of the last checkpoint."""
    sample = sampler(saved.generator, saved.z_dim, int(saved.trial["seed"]), metric)
    with eval_mode(saved.generator):
        return sample(n)


def as_evaluated_png(saved: Saved, metric: str, n: int, modes: torch.Tensor | None = None) -> bytes:
    x = as_evaluated(saved, metric, n)
    if saved.shape.kind == "image":
        return image_grid_png(x, columns=8, scale=max(1, 64 // saved.shape.size))
    return scatter_png(x, modes, title=f"{n} samples {metric} scored")


@torch.no_grad()
def interpolation_png(saved: Saved, steps: int = 10, seed: int = 0) -> bytes:
    """Two rows between the same two latent points, each labelled: straight line (top) and slerp (bottom)."""
    a, b = latents(saved.z_dim, 2, seed)
    t = torch.linspace(0, 1, steps)
    line, arc = saved.generator(lerp(a, b, t)), saved.generator(slerp(a, b, t))
    if saved.shape.kind == "image":
        return labelled_rows_png([("straight line", line), ("slerp", arc)], scale=max(1, 48 // saved.shape.size))
    return _paths_png(line, arc)


def _paths_png(line: torch.Tensor, arc: torch.Tensor) -> bytes:
    import matplotlib.pyplot as plt

    from ganbench.pictures import figure_png

    figure, axes = plt.subplots(figsize=(4, 4), dpi=100)
    for points, name, colour in ((line, "straight line", "tab:blue"), (arc, "slerp", "tab:orange")):
        xy = points[:, :2].cpu()
        axes.plot(xy[:, 0], xy[:, 1], marker="o", ms=3, label=name, color=colour)
    axes.set_aspect("equal")
    axes.legend(fontsize=8)
    axes.set_title("G along a latent path", fontsize=9)
    return figure_png(figure)
