"""What a pool worker process does before its first trial; stdlib only at import time.

Kept apart from pool.py so the pieces that must happen before torch touches the GPU or
starts its thread pools read in one place.
"""

from __future__ import annotations

import os
import signal
import threading
import time

THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")


def cpu_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def threads_per_worker(workers: int, cores: int | None = None) -> int:
    """An equal share of the cores, so workers do not fight over them (at least one thread each)."""
    return max(1, (cores or cpu_cores()) // workers)


def gpus_to_pin(device: str) -> list[str]:
    """The GPUs to spread workers over: those this process sees, when the device is plain 'cuda'.

    'cuda:N' names one GPU for every worker, and 'cpu' or a single GPU needs no pinning.
    """
    if not device.startswith("cuda") or ":" in device:
        return []
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    if visible is not None:
        ids = [part.strip() for part in visible.split(",") if part.strip()]
    else:
        import torch  # the driver has it loaded already; device_count does not initialise CUDA

        ids = [str(index) for index in range(torch.cuda.device_count())]
    return ids if len(ids) > 1 else []


def initialise(counter, gpus: list[str], threads: int, parent: int) -> None:
    """Run in each worker as it starts: pin a GPU, share the CPU, leave Ctrl-C to the driver."""
    # The driver records the trials in flight as interrupted and stops the workers itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with counter.get_lock():
        index = counter.value
        counter.value += 1
    if gpus:  # before CUDA initialises in this process, so the trial's "cuda" is this worker's GPU
        os.environ["CUDA_VISIBLE_DEVICES"] = gpus[index % len(gpus)]
    for variable in THREAD_VARIABLES:
        os.environ[variable] = str(threads)
    import torch

    torch.set_num_threads(threads)
    threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True, name="ganbench-watchdog").start()


def _exit_with_parent(parent: int) -> None:
    """A driver killed with SIGKILL cannot stop its workers: each notices it is orphaned and exits."""
    while True:
        time.sleep(1.0)
        if os.getppid() != parent:
            os._exit(1)
