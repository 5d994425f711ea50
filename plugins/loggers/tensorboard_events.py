"""``tensorboard``: each trial's event folder, ``log_dir/tensorboard/<run name>/<trial name>``.

Scalars carry the generator step and, as their wall time, the trial's start plus its training
seconds, so TensorBoard's "relative" axis is training time (evaluation excluded) and its "step"
axis is G's steps. The trial's configuration goes to the HPARAMS tab with its last metrics, so
trials compare in one table. ``tensorboard --logdir RUN/logs/tensorboard`` shows a whole run.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from ganbench.types import LoggerSpec, TrialLogger, flat_params, trial_name

from ._pictures import STEP_LOGS, array, key


class TensorBoardTrial(TrialLogger):
    def __init__(self, context, trial):
        from torch.utils.tensorboard import SummaryWriter

        # Under the run's name: the same trial id in another run (a rerun, a shared --log-dir) is its own folder.
        folder = Path(context.log_dir) / "tensorboard" / context.group / trial_name(trial)
        shutil.rmtree(folder, ignore_errors=True)  # an interrupted attempt of this trial: its events would mix in
        self.writer = SummaryWriter(log_dir=str(folder))
        self.trial, self.started = trial, time.time()
        self.logged_names: set[str] = set()

    def logged(self, step, seconds, values):
        for name, value in values.items():
            self.writer.add_scalar(f"train/{name}", value, step, walltime=self.started + seconds)
        self.logged_names.update(values)

    def checkpoint(self, index, step, seconds, measurements, picture):
        walltime = self.started + seconds
        for measurement in measurements:
            self.writer.add_scalar(f"metrics/{key(measurement.column)}", measurement.value, step, walltime=walltime)
        self.writer.add_image("samples", array(picture), step, walltime=walltime, dataformats="HWC")

    def finished(self, status, summary, scalars):
        from torch.utils.tensorboard.summary import hparams

        for scalar in scalars:  # the stabilisers' own values (ADA's p), which the step's logs do not carry
            if scalar.name not in STEP_LOGS | self.logged_names:
                self.writer.add_scalar(
                    f"stabiliser/{scalar.name}", scalar.value, scalar.step, self.started + scalar.seconds
                )
        numbers = {name: float(v) for name, v in summary.items() if isinstance(v, (int, float)) and v == v}
        steps = int(numbers.pop("steps", 0))
        numbers.pop("seconds", None)
        if "steps_per_s" in numbers:  # a scalar of its own, so the HPARAMS table can show it
            self.writer.add_scalar("summary/steps_per_s", numbers["steps_per_s"], steps)
        final = {("summary/" if name == "steps_per_s" else "metrics/") + key(name): v for name, v in numbers.items()}
        params = {**flat_params(self.trial), "status": status}
        for summary_part in hparams(params, final):  # written into this trial's own folder, not a new one
            self.writer.file_writer.add_summary(summary_part)
        self.writer.close()


def spec() -> LoggerSpec:
    return LoggerSpec(
        name="tensorboard",
        description="TensorBoard event files per trial: losses, D(x), D(G(z)), metrics, sample grids, hparams",
        start_trial=TensorBoardTrial,
        requires=("tensorboard",),
        extra="tensorboard",
    )
