"""Executors: local, pool and ray give the same database for the same grid; pool workers share
the machine fairly; a worker that dies costs only its trials.

Step budgets are deterministic on a CPU per seed. The tiny test model's layers are too small for
torch to split a matrix product over threads, so its numbers are bit-identical whatever the
thread count (checked below) and the executors are compared exactly; larger models (the
built-in ``mlp``) do change in the last bits with the thread count, as a product summed in
parallel adds in another order, so they would need a tolerance.
"""

import os
import sqlite3
import sys
from pathlib import Path

import pytest
import torch

from ganbench.cli import main
from ganbench.plugins import PluginOptions
from ganbench.testing import run_tiny_trial

SUPPORT = str(Path(__file__).parent / "support")
PLUGINS = ["--plugin", "toy_plugin", "--plugin", "fault_plugin"]
GRID = [
    *PLUGINS,
    "run",
    "--models",
    "toy-mlp",
    "--losses",
    "toy-ns",
    "--dataset",
    "toy-line",
    "--budget",
    "60steps",
    "--seeds",
    "4",
    "--checkpoints",
    "2",
    "--metrics",
    "mean-gap,torch-threads",
]


def table(folder, sql):
    with sqlite3.connect(folder / "results.sqlite") as db:
        return db.execute(sql).fetchall()


def numbers(folder):
    """Per trial id: status, steps, every loss value and the mean-gap metric at every checkpoint."""
    trials = table(folder, "SELECT id, status, steps FROM trials ORDER BY id")
    scalars = table(folder, "SELECT trial_id, step, name, value FROM scalars ORDER BY trial_id, step, name")
    metrics = table(
        folder, "SELECT trial_id, checkpoint, value FROM metrics WHERE name = 'mean-gap' ORDER BY trial_id, checkpoint"
    )
    return trials, scalars, metrics


def generators(folder):
    rows = table(folder, "SELECT id, generator FROM trials ORDER BY id")
    return {trial: torch.load(folder / path, weights_only=True) for trial, path in rows}


@pytest.fixture(scope="module")
def local_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("executors") / "local"
    assert main([*GRID, "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def pool_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("executors") / "pool"
    assert main([*GRID, "--workers", "2", "--out", str(out)]) == 0
    return out


def test_tiny_model_numbers_do_not_depend_on_the_thread_count():
    plugins = PluginOptions(modules=("toy_plugin",))
    threads = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        one = run_tiny_trial("toy-mlp", "toy-ns", dataset="toy-line", plugins=plugins, steps=60)
        torch.set_num_threads(2)
        two = run_tiny_trial("toy-mlp", "toy-ns", dataset="toy-line", plugins=plugins, steps=60)
    finally:
        torch.set_num_threads(threads)
    assert [s.value for s in one.scalars] == [s.value for s in two.scalars]
    assert one.generator_state == two.generator_state


def test_pool_gives_the_same_results_as_local(local_run, pool_run):
    assert numbers(pool_run) == numbers(local_run)
    assert [status for _, status, _ in numbers(pool_run)[0]] == ["done"] * 4
    local, pooled = generators(local_run), generators(pool_run)
    assert local.keys() == pooled.keys()
    for trial in local:
        assert all(torch.equal(local[trial][name], pooled[trial][name]) for name in local[trial])


def test_pool_workers_share_the_cores(pool_run):
    cores = len(os.sched_getaffinity(0))
    threads = {value for (value,) in table(pool_run, "SELECT value FROM metrics WHERE name = 'torch-threads'")}
    assert threads == {float(max(1, cores // 2))}


def test_workers_are_pinned_one_gpu_each(monkeypatch):
    from ganbench_plugins.executors import _worker

    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "2,3")
    assert _worker.gpus_to_pin("cuda") == ["2", "3"]
    assert _worker.gpus_to_pin("cuda:1") == []  # one named GPU for every worker
    assert _worker.gpus_to_pin("cpu") == []
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "0")
    assert _worker.gpus_to_pin("cuda") == []
    assert _worker.threads_per_worker(2, cores=2) == 1 and _worker.threads_per_worker(3, cores=2) == 1
    assert _worker.threads_per_worker(2, cores=16) == 8


def test_the_pool_starts_one_worker_per_gpu_and_one_on_a_single_gpu(monkeypatch):
    from ganbench_plugins.executors import _worker, pool

    monkeypatch.setattr(_worker, "cpu_cores", lambda: 16)
    assert pool.default_workers("cuda", ["0", "1", "2"]) == 3
    assert pool.default_workers("cuda", []) == 1  # one visible GPU: trials sharing it time each other's kernels
    assert pool.default_workers("cuda:1", []) == 1
    assert pool.default_workers("cpu", []) == 16


def test_each_executor_says_how_many_jobs_it_runs_at_once(monkeypatch):
    """What batching splits ensembles to: the pool's workers; the local executor runs one."""
    from ganbench_plugins.executors import _worker, local, pool

    monkeypatch.setattr(_worker, "cpu_cores", lambda: 6)
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    assert pool.PoolExecutor(3).slots("cpu") == 3 and pool.PoolExecutor().slots("cpu") == 6
    assert pool.PoolExecutor().slots("cuda:1") == 1
    assert local.LocalExecutor().slots("cpu") == 1


def test_a_worker_that_dies_costs_only_its_trial(tmp_path):
    out = tmp_path / "run"
    assert (
        main(
            [
                *PLUGINS,
                "run",
                "--models",
                "toy-mlp",
                "--losses",
                "fault-crash,toy-ns",
                "--dataset",
                "toy-line",
                "--budget",
                "10steps",
                "--metrics",
                "mean-gap",
                "--executor",
                "pool",
                "--workers",
                "1",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    rows = dict(table(out, "SELECT loss, status || ': ' || reason FROM trials"))
    assert rows["fault-crash"].startswith("error: a worker process died")
    assert rows["toy-ns"] == "done: "


@pytest.fixture(scope="module")
def local_ray():
    ray = pytest.importorskip("ray")
    # Ray's workers do not share this process's sys.path: the test plugins travel in PYTHONPATH.
    path = os.pathsep.join([SUPPORT, *[p for p in sys.path if p]])
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, runtime_env={"env_vars": {"PYTHONPATH": path}})
    yield ray
    ray.shutdown()


def test_ray_runs_as_many_jobs_at_once_as_the_cluster_has_cpus_or_gpus(local_ray):
    from ganbench_plugins.executors.ray_tasks import RayExecutor

    assert RayExecutor(local_ray, started=False).slots("cpu") == 2
    assert RayExecutor(local_ray, started=False).slots("cuda") == 1  # no GPUs: still one at a time


def test_ray_gives_the_same_results_as_local(local_run, local_ray, tmp_path):
    out = tmp_path / "ray"
    assert main([*GRID, "--executor", "ray", "--out", str(out)]) == 0
    assert local_ray.is_initialized()  # a Ray the caller started is left running
    assert numbers(out) == numbers(local_run)
    assert (out / "report.md").is_file()
    local, remote = generators(local_run), generators(out)
    for trial in local:
        assert all(torch.equal(local[trial][name], remote[trial][name]) for name in local[trial])
