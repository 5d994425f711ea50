"""What a trial on a GPU sets, measures and records, kept out of the trial's own code.

Per trial: cuDNN's autotuner is set as the trial asks and put back after it, so a trial never
inherits another's setting; peak memory is measured for training alone (evaluation's peak is its
own number, since torch-fidelity's Inception can need more than a small GAN); after an
out-of-memory error the allocator's cache is emptied, so the next trial in the process starts
clean; evaluation runs on the trial's own GPU (``cuda:N``; torch-fidelity moves its networks to
"the" current device); and the device is described in words for the trial's row. On a CPU all of
this reduces to the description.
"""

from __future__ import annotations

import contextlib
import gc
import platform
from collections.abc import Iterator
from dataclasses import dataclass

import torch


def describe(device: torch.device) -> str:
    """The trial's device as its row records it: the GPU, CUDA and cuDNN, and the determinism settings."""
    deterministic = "on" if torch.are_deterministic_algorithms_enabled() else "off"
    if device.type != "cuda":
        processor = platform.processor() or platform.machine() or "unknown processor"
        return f"{device.type} ({processor}), torch {torch.__version__}, deterministic algorithms {deterministic}"
    index = device.index if device.index is not None else torch.cuda.current_device()
    cudnn = torch.backends.cudnn
    return (
        f"{torch.cuda.get_device_name(index)} (cuda:{index}), CUDA {torch.version.cuda}, cuDNN {cudnn.version()}, "
        f"cudnn.benchmark {'on' if cudnn.benchmark else 'off'}, cudnn.deterministic {'on' if cudnn.deterministic else 'off'}, "
        f"deterministic algorithms {deterministic}, torch {torch.__version__}"
    )


@contextlib.contextmanager
def trial_settings(device: torch.device, cudnn_benchmark: bool) -> Iterator[None]:
    """cuDNN's autotuner as the trial asks (CUDA only), restored afterwards, whatever happens inside."""
    before = torch.backends.cudnn.benchmark
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = cudnn_benchmark
    try:
        yield
    finally:
        torch.backends.cudnn.benchmark = before


def release(device: torch.device) -> None:
    """Give an out-of-memory trial's memory back, once its error is handled (the traceback held its frames),
    so the next trial in this process starts with the allocator's cache empty."""
    gc.collect()
    if device.type == "cuda":
        torch.cuda.empty_cache()


def evaluating_on(device: torch.device) -> contextlib.AbstractContextManager:
    """``cuda:N`` as the current device while metrics run: libraries that call ``.cuda()`` land on GPU N."""
    if device.type == "cuda" and device.index is not None:
        return torch.cuda.device(device.index)
    return contextlib.nullcontext()


@dataclass
class MemoryPeaks:
    """Peak allocated memory (MiB) of training and of evaluation, apart; None on devices that do not count."""

    device: torch.device
    training_mb: float | None = None
    evaluation_mb: float | None = None
    baseline: int = 0  # bytes held before the trial began (the data set, the metrics' networks): not its own

    @property
    def counting(self) -> bool:
        return self.device.type == "cuda"

    def start(self) -> None:
        if self.counting:
            self.baseline = torch.cuda.memory_allocated(self.device)
            torch.cuda.reset_peak_memory_stats(self.device)

    def _peak_since_reset(self) -> float:
        peak = (torch.cuda.max_memory_allocated(self.device) - self.baseline) / 2**20
        torch.cuda.reset_peak_memory_stats(self.device)
        return peak

    @contextlib.contextmanager
    def evaluation(self) -> Iterator[None]:
        """Training's peak so far is taken before evaluation starts, evaluation's when it ends."""
        if not self.counting:
            yield
            return
        self.training_mb = max(self.training_mb or 0.0, self._peak_since_reset())
        try:
            yield
        finally:
            self.evaluation_mb = max(self.evaluation_mb or 0.0, self._peak_since_reset())

    def finish(self) -> None:
        if self.counting:
            self.training_mb = max(self.training_mb or 0.0, self._peak_since_reset())
