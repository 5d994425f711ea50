"""benchmarks/gpu_check.py's dry mode: every check runs on the CPU, so the script works when a GPU is lent."""

import subprocess
import sys
from pathlib import Path

import pytest
import torch

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "gpu_check.py"


def test_the_dry_run_exercises_every_check_and_fails_none():
    done = subprocess.run([sys.executable, str(SCRIPT), "--dry"], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    for check in ("ganbench vs bare loop", "time budget", "bf16 autocast speed-up", "torch.compile speed-up",
                  "gp under --compile", "batched trials"):  # fmt: skip
        assert any(check in line for line in lines), f"no line for {check}:\n{done.stdout}"
    assert not any(line.startswith("FAIL") for line in lines), done.stdout
    assert any("compiled G only, D eager" in line for line in lines)


@pytest.mark.skipif(torch.cuda.is_available(), reason="with a GPU the script runs its real checks")
def test_without_a_gpu_and_without_dry_it_says_what_to_do():
    done = subprocess.run([sys.executable, str(SCRIPT)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "run with --dry" in done.stderr
