"""ganbench.gpu: what a GPU trial sets and measures, checked on a CPU by watching the torch calls."""

import pytest
import torch

from ganbench import gpu


def test_a_cpu_is_described_with_torch_and_the_determinism_setting():
    text = gpu.describe(torch.device("cpu"))
    assert text.startswith("cpu (") and f"torch {torch.__version__}" in text
    assert "deterministic algorithms off" in text


def test_a_gpu_is_described_by_name_cuda_and_cudnn(monkeypatch):
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda index: f"Test GPU {index}")
    monkeypatch.setattr(torch.backends.cudnn, "version", lambda: 90100)
    text = gpu.describe(torch.device("cuda:1"))
    assert text.startswith("Test GPU 1 (cuda:1), CUDA ") and "cuDNN 90100" in text and "cudnn.benchmark off" in text


@pytest.mark.parametrize("wanted", [True, False])
def test_cudnn_benchmark_is_set_for_the_trial_and_restored_after(wanted, monkeypatch):
    monkeypatch.setattr(torch.backends.cudnn, "benchmark", not wanted)
    with gpu.trial_settings(torch.device("cuda"), wanted):
        assert torch.backends.cudnn.benchmark is wanted
    assert torch.backends.cudnn.benchmark is (not wanted)


def test_a_cpu_trial_leaves_cudnn_alone(monkeypatch):
    monkeypatch.setattr(torch.backends.cudnn, "benchmark", False)
    with gpu.trial_settings(torch.device("cpu"), True):
        assert torch.backends.cudnn.benchmark is False


def test_the_setting_is_restored_after_a_failing_trial_and_release_empties_the_cache(monkeypatch):
    emptied = []
    monkeypatch.setattr(torch.cuda, "empty_cache", lambda: emptied.append(True))
    monkeypatch.setattr(torch.backends.cudnn, "benchmark", False)
    with pytest.raises(torch.cuda.OutOfMemoryError):
        with gpu.trial_settings(torch.device("cuda"), True):
            raise torch.cuda.OutOfMemoryError("CUDA out of memory")
    assert torch.backends.cudnn.benchmark is False
    gpu.release(torch.device("cuda"))
    gpu.release(torch.device("cpu"))
    assert emptied == [True]


def test_evaluation_runs_on_the_trials_own_gpu():
    chosen = gpu.evaluating_on(torch.device("cuda:2"))
    assert isinstance(chosen, torch.cuda.device) and chosen.idx == 2
    assert not isinstance(gpu.evaluating_on(torch.device("cuda")), torch.cuda.device)  # the current one already
    assert not isinstance(gpu.evaluating_on(torch.device("cpu")), torch.cuda.device)


def test_training_and_evaluation_peaks_are_kept_apart(monkeypatch):
    """Beyond the 40 MiB held before the trial, allocated memory rises by 100 MiB training, 900 evaluating,
    150 training again: training's peak is 150, evaluation's 900."""
    peaks = iter([100, 900, 150])
    current = {"peak": 0}
    monkeypatch.setattr(torch.cuda, "reset_peak_memory_stats", lambda device=None: current.update(peak=next(peaks, 0)))
    monkeypatch.setattr(torch.cuda, "max_memory_allocated", lambda device=None: (current["peak"] + 40) * 2**20)
    monkeypatch.setattr(torch.cuda, "memory_allocated", lambda device=None: 40 * 2**20)  # data, metric networks
    memory = gpu.MemoryPeaks(torch.device("cuda"))
    memory.start()  # training reaches 100
    with memory.evaluation():  # evaluation reaches 900
        pass
    memory.finish()  # training again reaches 150
    assert (memory.training_mb, memory.evaluation_mb) == (150, 900)


def test_a_cpu_counts_no_memory():
    memory = gpu.MemoryPeaks(torch.device("cpu"))
    memory.start()
    with memory.evaluation():
        pass
    memory.finish()
    assert (memory.training_mb, memory.evaluation_mb) == (None, None)
