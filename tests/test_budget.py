import pytest
import torch

from ganbench.budget import Budget, TrainingClock, Usage
from ganbench.errors import UsageError


@pytest.mark.parametrize(
    "text, unit, amount",
    [
        ("30s", "seconds", 30),
        ("5m", "seconds", 300),
        ("1h", "seconds", 3600),
        ("2000steps", "steps", 2000),
        ("1step", "steps", 1),
        ("50kimg", "images", 50_000),
        ("1.5s", "seconds", 1.5),
        ("640img", "images", 640),
    ],
)
def test_parse(text, unit, amount):
    budget = Budget.parse(text)
    assert (budget.unit, budget.amount) == (unit, amount)
    assert Budget.parse(str(budget)) == budget  # the label round-trips


@pytest.mark.parametrize("text", ["30x", "-5s", "0steps", "steps", "", "1.5steps", "0s"])
def test_bad_budgets_say_what_would_be_right(text):
    with pytest.raises(UsageError, match="30s, 5m"):
        Budget.parse(text)


def test_checkpoints_at_even_fractions():
    budget = Budget.parse("100steps")
    due = []
    done = 0
    for step in range(1, 101):
        while budget.checkpoint_due(Usage(steps=step), done, 4):
            due.append(step)
            done += 1
    assert due == [25, 50, 75, 100]


def test_clock_excludes_paused_time():
    clock = TrainingClock(torch.device("cpu"))
    clock.start()
    torch.ones(1)
    clock.pause()
    spent = clock.seconds
    import time

    time.sleep(0.05)
    assert clock.seconds == spent  # paused: evaluation time is not training time
    clock.start()
    time.sleep(0.01)
    assert clock.seconds >= spent + 0.009
