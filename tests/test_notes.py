"""A trial's notes say when its numbers read differently: a busy machine, a slowdown, too few steps."""

import subprocess
import sys
import time

from ganbench import notes
from ganbench.budget import Budget
from ganbench.plugins import PluginOptions
from ganbench.registry import registry_for
from ganbench.testing import run_tiny_trial
from ganbench.threads import cores, load_average

MLP = registry_for(PluginOptions(external=False)).get("models", "mlp")


def test_too_few_steps_are_flagged_with_the_models_floor_and_the_advice():
    text = notes.under_trained(120, MLP, Budget("seconds", 20))
    assert text == (
        "under-trained: 120 steps, mlp needs about 500 to show anything; "
        "a step budget (--budget 500steps) gives every trial as many"
    )
    assert "--budget" not in notes.under_trained(120, MLP, Budget("steps", 120))


def test_a_slowdown_compares_the_last_stretch_with_the_first():
    assert notes.slowdown([(100, 1.0), (100, 1.1)]) is None
    assert notes.slowdown([(100, 1.0), (100, 4.0)]) == (
        "slowed down as it trained: 25 steps/s at the end against 100 at the start"
    )


def test_a_busy_machine_is_said_on_every_trial_that_trained_on_it():
    """Busy loops, six per core (bounded: they stop by themselves after 45 s and are killed at the end)."""
    spin = "import time\nend = time.time() + 45\nwhile time.time() < end: pass"
    loops = [subprocess.Popen([sys.executable, "-c", spin]) for _ in range(6 * cores())]
    try:
        deadline = time.time() + 40
        while (
            load_average() <= cores() + notes.BUSY_MARGIN and time.time() < deadline
        ):  # the 1-minute average climbs in ~10 s
            time.sleep(0.5)
        result = run_tiny_trial("mlp", "ns", dataset="ring8", steps=200)
    finally:
        for loop in loops:
            loop.kill()
    assert result.load_average > cores() + notes.BUSY_MARGIN
    assert any(note.startswith("the machine was busy while it trained") for note in result.notes)
    assert any(note.startswith("under-trained: 200 steps") for note in result.notes)
