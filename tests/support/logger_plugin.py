"""Loggers for tests: ``recorder`` writes every event it is told as a JSON line in its log folder;
``broken`` fails at the first checkpoint; ``needy`` needs a module nobody has; ``unstartable``
cannot start its run."""

import json
from pathlib import Path

from ganbench import hookimpl
from ganbench.types import LoggerSpec, TrialLogger, trial_name


class Recorder(TrialLogger):
    def __init__(self, context, trial):
        folder = Path(context.log_dir, "recorder")
        folder.mkdir(parents=True, exist_ok=True)
        self.file = open(folder / f"{trial_name(trial)}.jsonl", "w")
        self._write("started", id=trial["id"], shared=dict(context.shared.get("recorder", {})), group=context.group)

    def _write(self, event, **values):
        self.file.write(json.dumps({"event": event, **values}) + "\n")

    def logged(self, step, seconds, values):
        self._write("logged", step=step, seconds=seconds, values=dict(values))

    def checkpoint(self, index, step, seconds, measurements, picture):
        metrics = {m.column: m.value for m in measurements}
        self._write("checkpoint", index=index, step=step, metrics=metrics, png=picture[:8].hex())

    def finished(self, status, summary, scalars):
        self._write("finished", status=status, steps=summary["steps"], scalars=len(scalars))
        self.file.close()


class Broken(TrialLogger):
    def __init__(self, context, trial):
        pass

    def checkpoint(self, index, step, seconds, measurements, picture):
        raise OSError("No space left on device")


def unstartable(context):
    raise ConnectionError("tracking server unreachable")


@hookimpl
def ganbench_loggers():
    return [
        LoggerSpec(
            name="recorder",
            description="every event as a JSON line",
            start_trial=Recorder,
            start_run=lambda context: {"token": "from-the-driver"},
        ),
        LoggerSpec(name="broken", description="fails at a checkpoint", start_trial=Broken),
        LoggerSpec(
            name="needy", description="needs a missing module", start_trial=Recorder, requires=("no_such_module_q",)
        ),
        LoggerSpec(name="unstartable", description="cannot start", start_trial=Recorder, start_run=unstartable),
    ]
