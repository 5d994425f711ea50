"""The metric caches shared by processes: cold-cache processes started together agree, then and later.

Before the fix, two processes that found the cache empty at once each trained a feature network
(different weights for different thread counts), the last rename won the network file and the
statistics came from the other: FID(real digits, reference) was 32 in every later run, not ~0.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

from ganbench_plugins.metrics import cache

# FID of the real digits (the data set ganbench trains on, through its loader) against their own
# reference, prepared in the cache folder given, with the thread count given; then the extractor's
# name, and whether this process trained the network and computed the reference statistics.
FID_OF_REAL_DIGITS = """
import sys, torch
torch.set_num_threads(int(sys.argv[1]))
from ganbench.types import DataOptions, MetricContext
from ganbench_plugins.datasets import digits
from ganbench_plugins.metrics import fid
data = digits.load(DataOptions())
metric = fid.FID(MetricContext(data, torch.device("cpu"), sys.argv[2]))
[real] = metric.compute(lambda n: data.gather(torch.arange(n)))
print(real.value, metric.extractor.name, not metric.extractor.net.cached, metric.reference.computed)
"""


def start(threads: int, cache_dir: str) -> subprocess.Popen:
    command = [sys.executable, "-c", FID_OF_REAL_DIGITS, str(threads), cache_dir]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def finish(run: subprocess.Popen) -> tuple[float, str, bool, bool]:
    out, err = run.communicate(timeout=600)
    assert run.returncode == 0, err.decode()[-3000:]
    value, extractor, trained, computed = out.decode().split()
    return float(value), extractor, trained == "True", computed == "True"


def test_two_cold_cache_processes_at_once_leave_one_network_and_its_statistics(tmp_path):
    cache_dir = str(tmp_path / "cache")
    started = time.perf_counter()
    # At once, with an empty cache, and with different thread counts (a driver and a pool worker).
    together = [start(1, cache_dir), start(2, cache_dir)]
    first, second = (finish(run) for run in together)
    together_s = time.perf_counter() - started
    third = finish(start(2, cache_dir))
    print(
        f"FID(real, reference): {first[0]:.6f} and {second[0]:.6f} together ({together_s:.0f} s), "
        f"{third[0]:.6f} after; extractor {third[1]}"
    )
    assert all(abs(run[0]) < 1 for run in (first, second, third))
    assert first[1] == second[1] == third[1]  # one network: the same weights' hash in every extractor name
    # One process trained and computed while the other waited on the locks, then read its files.
    assert sorted([first[2], second[2]]) == [False, True] and sorted([first[3], second[3]]) == [False, True]
    assert not third[2] and not third[3]
    networks = [f for f in os.listdir(os.path.join(cache_dir, "feature-nets")) if f.endswith(".pt")]
    assert len(networks) == 1, networks
    statistics = [f for f in os.listdir(os.path.join(cache_dir, "fidelity")) if f.endswith("-stat-fid-features.pt")]
    assert len(statistics) == 1 and third[1] in statistics[0], statistics


def test_the_lock_lets_one_holder_in_at_a_time(tmp_path):
    path = str(tmp_path / "entry.pt")
    inside, overlaps = [0], [0]

    def hold() -> None:
        with cache.locked(path):
            inside[0] += 1
            overlaps[0] = max(overlaps[0], inside[0])
            time.sleep(0.05)
            inside[0] -= 1

    threads = [threading.Thread(target=hold) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert overlaps[0] == 1
    assert os.path.exists(path + ".lock") and not os.path.exists(path)


def test_an_atomic_save_leaves_the_file_or_nothing(tmp_path):
    path = str(tmp_path / "sub" / "entry.pt")
    cache.save_atomically({"a": 1}, path)
    assert os.listdir(tmp_path / "sub") == ["entry.pt"]  # no temporary file left beside it
