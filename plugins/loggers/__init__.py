"""Built-in loggers, chosen with ``--log``; each is an optional extra, registered like any third-party plugin.

One module each:

* tensorboard_events.py  ``tensorboard``: one event folder per trial, hyper-parameters in the HPARAMS tab
  (``pip install 'ganbench[tensorboard]'``)
* mlflow_runs.py         ``mlflow``: one MLflow run per trial under a parent run for the grid, a SQLite store in
  the run folder by default (``pip install 'ganbench[mlflow]'``)
* wandb_runs.py          ``wandb``: one W&B run per trial grouped by the grid, offline where no login exists
  (``pip install 'ganbench[wandb]'``)

None imports its library until a trial starts, so ganbench itself never needs them.
"""

from ganbench import hookimpl

from . import mlflow_runs, tensorboard_events, wandb_runs
from .options import ganbench_add_options  # noqa: F401 (--mlflow-tracking-uri, --wandb-mode, --wandb-project)


@hookimpl
def ganbench_loggers():
    return [tensorboard_events.spec(), mlflow_runs.spec(), wandb_runs.spec()]
