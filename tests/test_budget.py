import re

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
        ("500tflop", "flops", 500e12),
        ("2.5gflop", "flops", 2.5e9),
        ("1pflop", "flops", 1e15),
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


@pytest.mark.parametrize(
    "text, most",
    [("1" + "0" * 400 + "steps", "10^9 steps"), ("1" + "0" * 400 + "s", "1 week"), ("169h", "1 week"),
     ("1000001kstep", "10^9 steps"), ("1000001mimg", "10^12 images"), ("1000001pflop", "10^21 FLOPs")],
)  # fmt: skip
def test_budgets_past_the_stated_maximum_are_refused_not_read_as_for_ever(text, most):
    with pytest.raises(UsageError, match=re.escape(f"is more than a trial may have, {most}")) as refused:
        Budget.parse(text)
    assert len(str(refused.value)) < 250  # a 400-digit number is shortened in the message
    assert Budget.parse("168h").amount == 7 * 24 * 3600 and Budget.parse("1000000kstep").amount == 10**9


def test_checkpoints_are_bounded_and_at_most_one_a_step():
    from ganbench.budget import MAX_CHECKPOINTS

    assert Budget.parse("20steps").checkpoints(None) == 4 and Budget.parse("2steps").checkpoints(None) == 2
    assert Budget.parse("30s").checkpoints(None) == 4 and Budget.parse("30s").checkpoints(MAX_CHECKPOINTS) == 1000
    assert Budget.parse("20steps").checkpoints(20) == 20
    with pytest.raises(UsageError, match="--checkpoints 21 is more than the budget's 20 steps"):
        Budget.parse("20steps").checkpoints(21)
    with pytest.raises(UsageError, match="--checkpoints 100000: at most 1,000 checkpoints a trial"):
        Budget.parse("1000000steps").checkpoints(100_000)
    with pytest.raises(UsageError, match="at least 1 checkpoint"):
        Budget.parse("30s").checkpoints(0)
