"""``mlflow``: a parent run for the grid (the run folder), and one child run per trial.

By default the store is SQLite in the run's log folder (``log_dir/mlflow/mlflow.db``, artifacts
beside it): MLflow 3 keeps its file store in maintenance mode and refuses it unless told otherwise,
and a database is what it asks for. ``--mlflow-tracking-uri`` sends everything to any server.
The parent run is made once, by the process that drives the run, before any trial; a resumed run
folder finds its parent again by its path. Metrics carry G's step, and as their time stamp the
trial's start plus its training seconds. ``mlflow ui --backend-store-uri sqlite:///RUN/logs/mlflow/mlflow.db``
shows a run (the UI needs the full ``mlflow`` package).
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from ganbench.types import LoggerSpec, TrialLogger, flat_params, trial_name

from ._pictures import STEP_LOGS, image, key

EXPERIMENT = "ganbench"
RUN_TAG = "ganbench.run_dir"
MAX_BATCH = 900  # MLflow takes at most 1,000 metrics per log_batch
WRITE_EVERY = 30.0  # seconds: logged metrics are written in batches, each one database transaction


def _client(uri: str):
    from mlflow import MlflowClient

    for name in ("mlflow", "alembic"):  # its database set-up talks at INFO on the terminal
        logging.getLogger(name).setLevel(logging.WARNING)
    return MlflowClient(tracking_uri=uri)


def start_run(context) -> dict:
    folder = Path(context.log_dir).resolve() / "mlflow"
    uri = context.options.get("mlflow_tracking_uri")
    if not uri:
        folder.mkdir(parents=True, exist_ok=True)
        uri = f"sqlite:///{folder / 'mlflow.db'}"
    client = _client(uri)  # the first client creates the database's tables: here, before workers race to
    found = client.get_experiment_by_name(EXPERIMENT)
    if found is not None:
        experiment = found.experiment_id
    else:
        artifacts = None if context.options.get("mlflow_tracking_uri") else (folder / "artifacts").as_uri()
        experiment = client.create_experiment(EXPERIMENT, artifact_location=artifacts)
    run_dir = str(Path(context.run_dir).resolve())
    earlier = [] if "'" in run_dir else client.search_runs([experiment], f"tags.`{RUN_TAG}` = '{run_dir}'")
    if earlier:  # the same run folder, resumed: its trials join the parent they had
        parent = earlier[0].info.run_id
        client.update_run(parent, status="RUNNING")
    else:
        parent = client.create_run(experiment, run_name=context.group, tags={RUN_TAG: run_dir}).info.run_id
    return {"tracking_uri": uri, "experiment_id": experiment, "parent_run_id": parent}


def finish_run(context) -> None:
    shared = context.shared["mlflow"]
    client = _client(shared["tracking_uri"])
    run_dir = Path(context.run_dir)
    for name in ("report.html", "report.md", "experiment.toml"):
        if (run_dir / name).is_file():
            client.log_artifact(shared["parent_run_id"], str(run_dir / name), artifact_path="report")
    ended = {"done": "FINISHED", "interrupted": "KILLED"}.get(context.outcome, "FAILED")
    client.set_terminated(shared["parent_run_id"], ended)


class MlflowTrial(TrialLogger):
    def __init__(self, context, trial):
        from mlflow.entities import Param

        shared = context.shared["mlflow"]
        self.client = _client(shared["tracking_uri"])
        tags = {"mlflow.parentRunId": shared["parent_run_id"], "ganbench.trial": trial["id"]}
        self.run = self.client.create_run(shared["experiment_id"], run_name=trial_name(trial), tags=tags).info.run_id
        params = [Param(name, str(value)) for name, value in flat_params(trial).items()]
        self.client.log_batch(self.run, params=params)
        self.started, self.written = time.time(), time.monotonic()
        self.buffer: list = []
        self.logged_names: set[str] = set()

    def _metric(self, name: str, value: float, step: int, seconds: float):
        from mlflow.entities import Metric

        return Metric(key(name), float(value), int((self.started + seconds) * 1000), int(step))

    def _write(self) -> None:
        while self.buffer:
            batch, self.buffer = self.buffer[:MAX_BATCH], self.buffer[MAX_BATCH:]
            self.client.log_batch(self.run, metrics=batch)
        self.written = time.monotonic()

    def logged(self, step, seconds, values):
        self.buffer += [self._metric(f"train/{name}", value, step, seconds) for name, value in values.items()]
        self.logged_names.update(values)
        if len(self.buffer) >= MAX_BATCH or time.monotonic() - self.written > WRITE_EVERY:
            self._write()

    def checkpoint(self, index, step, seconds, measurements, picture):
        self.buffer += [self._metric(f"metrics/{m.column}", m.value, step, seconds) for m in measurements]
        self._write()
        self.client.log_image(self.run, image(picture), key="samples", step=step)

    def finished(self, status, summary, scalars):
        self.buffer += [
            self._metric(f"stabiliser/{s.name}", s.value, s.step, s.seconds)
            for s in scalars
            if s.name not in STEP_LOGS | self.logged_names
        ]
        steps_per_s = summary.get("steps_per_s")
        if isinstance(steps_per_s, float) and steps_per_s == steps_per_s:
            self.buffer.append(self._metric("summary/steps_per_s", steps_per_s, summary.get("steps", 0), 0.0))
        self._write()
        self.client.set_tag(self.run, "ganbench.status", status)
        ended = {"done": "FINISHED", "interrupted": "KILLED"}.get(status, "FAILED")
        self.client.set_terminated(self.run, ended)


def spec() -> LoggerSpec:
    return LoggerSpec(
        name="mlflow",
        description="an MLflow run per trial under a parent run: params, metrics by step, sample grids, the report",
        start_trial=MlflowTrial,
        start_run=start_run,
        finish_run=finish_run,
        requires=("mlflow", "sqlalchemy", "alembic"),  # the SQLite store needs the last two
        extra="mlflow",
    )
