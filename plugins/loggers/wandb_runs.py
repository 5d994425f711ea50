"""``wandb``: one W&B run per trial, grouped by the run folder's name, in ``log_dir/wandb``.

Offline by default where no W&B login exists (no WANDB_API_KEY, no api.wandb.ai entry in ~/.netrc),
so a run never blocks on the network or asks for a key; ``wandb sync RUN/logs/wandb/wandb/offline-run-*``
uploads later. ``--wandb-mode`` or WANDB_MODE decide otherwise. Training values are logged by G's
step; the stabilisers' own values (ADA's p) against their own step axis, ``stabiliser/step``.
"""

from __future__ import annotations

import netrc
import os
from pathlib import Path

from ganbench.types import LoggerSpec, TrialLogger, trial_name

from ._pictures import STEP_LOGS, image


def has_login() -> bool:
    if os.environ.get("WANDB_API_KEY"):
        return True
    try:  # $NETRC names the file where it is set, as curl and wandb itself read it
        return netrc.netrc(os.environ.get("NETRC") or None).authenticators("api.wandb.ai") is not None
    except (FileNotFoundError, netrc.NetrcParseError, OSError):
        return False


def mode(options) -> str:
    return options.get("wandb_mode") or os.environ.get("WANDB_MODE") or ("online" if has_login() else "offline")


def start_run(context) -> dict:
    """The mode is decided once, where the run is driven: every trial of a run online, or every one offline."""
    return {"mode": mode(context.options)}


class WandbTrial(TrialLogger):
    def __init__(self, context, trial):
        import wandb

        folder = Path(context.log_dir) / "wandb"
        folder.mkdir(parents=True, exist_ok=True)
        self.wandb = wandb
        self.run = wandb.init(
            project=context.options.get("wandb_project") or "ganbench",
            group=context.group,
            name=trial_name(trial),
            config=dict(trial),
            dir=str(folder),
            mode=context.shared["wandb"]["mode"],
            reinit="create_new",  # several trials in one process, one run each
            settings=wandb.Settings(silent=True, console="off", x_disable_stats=True),
        )
        self.logged_names: set[str] = set()

    def logged(self, step, seconds, values):
        self.run.log(
            {**{f"train/{name}": value for name, value in values.items()}, "train/seconds": seconds}, step=step
        )
        self.logged_names.update(values)

    def checkpoint(self, index, step, seconds, measurements, picture):
        row = {f"metrics/{m.column}": m.value for m in measurements}
        self.run.log({**row, "train/seconds": seconds, "samples": self.wandb.Image(image(picture))}, step=step)

    def finished(self, status, summary, scalars):
        own = [s for s in scalars if s.name not in STEP_LOGS | self.logged_names]
        if own:
            self.run.define_metric("stabiliser/*", step_metric="stabiliser/step")
            for s in own:
                self.run.log({"stabiliser/step": s.step, f"stabiliser/{s.name}": s.value})
        self.run.summary.update({**summary, "status": status})
        self.run.finish(exit_code=0 if status == "done" else 1)


def spec() -> LoggerSpec:
    return LoggerSpec(
        name="wandb",
        description="a Weights & Biases run per trial, grouped by the run; offline where no login exists",
        start_trial=WandbTrial,
        start_run=start_run,
        requires=("wandb",),
        extra="wandb",
    )
