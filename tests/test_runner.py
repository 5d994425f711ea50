"""A whole run: which executor runs it, what is refused before a folder exists, and the resume rule."""

import dataclasses

import pytest

from ganbench.budget import Budget
from ganbench.errors import UsageError
from ganbench.plugins import PluginOptions
from ganbench.registry import registry_for
from ganbench.runfolder import open_run_folder
from ganbench.runner import RunRequest, choose_executor, plan_run

BUILTINS = PluginOptions(external=False)


def test_the_executor_is_the_named_one_else_the_one_the_options_call_for_else_the_default():
    registry = registry_for(BUILTINS)
    default = next(spec for spec in registry.all("executors") if spec.default)
    assert choose_executor(registry, None, {}) is default
    claimed = [spec for spec in registry.all("executors") if spec.chosen_when({"workers": 2})]
    assert len(claimed) == 1 and choose_executor(registry, None, {"workers": 2}) is claimed[0]
    assert choose_executor(registry, default.name, {"workers": 2}) is default  # named wins
    with pytest.raises(UsageError, match="at once; choose one with --executor"):
        choose_executor(registry, None, {"workers": 2, "address": "auto"})


def request(tmp_path, **changes):
    base = dict(
        models=["toy-mlp"], losses=["toy-ns"], stabilisers=["none"], dataset="toy-line", seeds=1,
        budget=Budget("steps", 3), out=tmp_path / "run", plugins=PluginOptions(modules=("toy_plugin",)),
        metrics=["none"],
    )  # fmt: skip
    return RunRequest(**{**base, **changes})


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"seeds": 0}, "the number of seeds must be at least 1"),
        ({"checkpoints": 0}, "at least 1 checkpoint is needed"),
        ({"device": "gpu7"}, "device 'gpu7' is not a device"),
        ({"dataset": "toy-lin"}, "unknown data set 'toy-lin'"),
    ],
)
def test_bad_requests_are_refused_while_planning(tmp_path, changes, message):
    with pytest.raises(UsageError, match=message):
        plan_run(request(tmp_path, **changes))
    assert not (tmp_path / "run").exists()


def test_the_same_grid_reopens_its_folder_and_another_grid_is_refused(tmp_path):
    open_run_folder(plan_run(request(tmp_path))).close()
    open_run_folder(plan_run(request(tmp_path))).close()  # the same grid: a resume
    with pytest.raises(UsageError, match="holds a run with a different grid"):
        open_run_folder(plan_run(request(tmp_path, seeds=2)))


def test_a_driver_without_a_gpu_plans_trials_for_a_clusters_gpus(tmp_path, monkeypatch):
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    base = dict(models=["mlp"], losses=["ns"], stabilisers=["none"], dataset="ring8", seeds=1,
                budget=Budget("steps", 2), out=tmp_path / "run", device="cuda", metrics=["none"])  # fmt: skip
    remote = RunRequest(**base, executor="elsewhere", plugins=PluginOptions(modules=("remote_executor_plugin",)))
    planned = plan_run(remote)
    assert [job.device for job in planned.jobs] == ["cuda"]  # resolved on the worker, not here
    with pytest.raises(UsageError, match="CUDA is not available here"):
        plan_run(RunRequest(**base))  # trials in this process: this machine's devices
    for device, said in (("cuda:1", "given one GPU"),):
        with pytest.raises(UsageError, match=said):
            plan_run(dataclasses.replace(remote, device=device))
