"""The built-in loggers, read back with each tool's own reader: TensorBoard's EventAccumulator,
MLflow's MlflowClient, and the W&B offline run files; no network is touched.

The socket check sees this process only: W&B's own service process (wandb-core) is not watched;
that W&B stayed offline is shown by its offline run folders, which an online run does not write.
"""

import glob
import ipaddress
import socket
import sqlite3
from pathlib import Path

import pytest

from ganbench.cli import main
from ganbench.plugins import DISABLE_EXTERNAL_ENV
from ganbench.testing import forget_registries

pytest.importorskip("tensorboard")
pytest.importorskip("mlflow")
pytest.importorskip("wandb")

RUN = ["run", "--models", "mlp", "--losses", "ns,hinge", "--dataset", "ring8", "--budget", "300steps"]
TRIALS = 2


def _local(address) -> bool:
    if not isinstance(address, tuple):  # a Unix socket's path: this machine
        return True
    host = address[0]
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


@pytest.fixture(scope="module")
def logged_run(tmp_path_factory, cache_dir):
    """The acceptance command, with every connection this process makes recorded."""
    out = tmp_path_factory.mktemp("logged") / "run"
    connects = []
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex

    def connect(self, address):
        connects.append(address)
        return real_connect(self, address)

    def connect_ex(self, address):
        connects.append(address)
        return real_connect_ex(self, address)

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GANBENCH_CACHE", str(cache_dir))
        patch.setenv(DISABLE_EXTERNAL_ENV, "1")
        for name in ("WANDB_API_KEY", "WANDB_MODE", "MLFLOW_TRACKING_URI"):
            patch.delenv(name, raising=False)
        patch.setenv("NETRC", str(out.parent / "no-netrc"))  # no W&B login, whatever this machine has
        patch.setattr(socket.socket, "connect", connect)
        patch.setattr(socket.socket, "connect_ex", connect_ex)
        forget_registries()
        assert main([*RUN, "--log", "tensorboard,mlflow,wandb", "--out", str(out)]) == 0
    forget_registries()
    return out, connects


def test_no_socket_connects_beyond_this_machine(logged_run):
    _, connects = logged_run
    assert [address for address in connects if not _local(address)] == []


def test_every_trial_finished_and_no_logger_failed(logged_run):
    out, _ = logged_run
    with sqlite3.connect(out / "results.sqlite") as db:
        rows = db.execute("SELECT status, reason FROM trials").fetchall()
    assert [status for status, _ in rows] == ["done"] * TRIALS
    assert not any("logger" in (reason or "") for _, reason in rows)


def test_tensorboard_event_files_hold_scalars_metrics_images_and_hparams(logged_run):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    out, _ = logged_run
    folders = sorted(Path(out, "logs", "tensorboard", out.name).iterdir())  # a folder per run, one per trial
    assert len(folders) == TRIALS and folders[0].name.startswith("mlp-hinge-none-s0-")
    for folder in folders:
        events = EventAccumulator(str(folder), size_guidance={"scalars": 0, "images": 0})
        events.Reload()
        tags = events.Tags()
        assert {"train/d_loss", "train/g_loss", "train/d_real", "train/d_fake"} <= set(tags["scalars"])
        steps = [e.step for e in events.Scalars("train/d_loss")]
        assert steps[0] == 1 and steps[-1] == 300 and steps == sorted(steps)
        modes = events.Scalars("metrics/modes")
        assert [e.step for e in modes] == [75, 150, 225, 300]  # 4 checkpoints of 300 steps
        assert all(0 <= e.value <= 8 for e in modes)
        assert [e.step for e in events.Images("samples")] == [75, 150, 225, 300]
        assert "_hparams_/experiment" in events.PluginTagToContent("hparams")


def test_mlflow_runs_read_back_with_mlflow_client(logged_run):
    from mlflow import MlflowClient

    out, _ = logged_run
    client = MlflowClient(tracking_uri=f"sqlite:///{Path(out, 'logs', 'mlflow', 'mlflow.db').resolve()}")
    experiment = client.get_experiment_by_name("ganbench")
    runs = client.search_runs([experiment.experiment_id])
    parents = [r for r in runs if "mlflow.parentRunId" not in r.data.tags]
    children = [r for r in runs if r.data.tags.get("mlflow.parentRunId") == parents[0].info.run_id]
    assert len(parents) == 1 and parents[0].info.status == "FINISHED" and len(children) == TRIALS
    assert {r.data.params["loss"] for r in children} == {"ns", "hinge"}
    for run in children:
        assert run.info.status == "FINISHED" and run.data.tags["ganbench.status"] == "done"
        assert run.data.params["model"] == "mlp" and run.data.params["seed"] == "0"
        history = client.get_metric_history(run.info.run_id, "train/d_loss")
        assert [m.step for m in history][-1] == 300 and len(history) == 31  # step 1, then every 10
        assert [m.step for m in client.get_metric_history(run.info.run_id, "metrics/modes")] == [75, 150, 225, 300]
        images = [a.path for a in client.list_artifacts(run.info.run_id, "images")]
        assert len(images) >= 4  # a sample grid per checkpoint
    report = [a.path for a in client.list_artifacts(parents[0].info.run_id, "report")]
    assert "report/report.html" in report and "report/report.md" in report


def test_wandb_offline_runs_hold_their_history(logged_run):
    import wandb_records

    out, _ = logged_run
    files = sorted(glob.glob(str(Path(out, "logs", "wandb", "wandb", "offline-run-*", "run-*.wandb"))))
    assert len(files) == TRIALS  # offline: no login, so no network
    names = set()
    for file in files:
        run = wandb_records.run_record(file)
        names.add(run.display_name)
        assert run.run_group == out.name and run.project == "ganbench"
        rows = wandb_records.history(file)
        losses = [row["_step"] for row in rows if "train/d_loss" in row]
        assert losses[0] == 1 and losses[-1] == 300
        checkpoints = [row for row in rows if "metrics/modes" in row]
        assert [row["_step"] for row in checkpoints] == [75, 150, 225, 300]
        assert all(row["samples/_type"] == "image-file" and row["samples/width"] > 0 for row in checkpoints)
    assert len(names) == TRIALS
