"""How many CPU threads a trial trains with, and what the machine's load did to it.

On a CPU, torch's default (a thread per core) is wrong twice: trials that run side by side fight
over the cores, and a small model gains nothing from a second thread but its synchronisation
(measured on the 2-core machines here with benchmarks/bench_threads.py: see SMALL_STEP_FLOPS).
So each trial trains with ``--threads N`` when given, else with the cores its process was given
(a pool worker's share), and from its second step on with one thread when a step costs fewer than
SMALL_STEP_FLOPS, as torch.utils.flop_counter counted its first (ganbench.ledger). The count is
recorded with the trial (GFLOP per step), and so is the thread count: it changes the last bits of
a result. The load average at the start and the end says whether other work shared the machine.
"""

from __future__ import annotations

import os

import torch
from torch.utils import flop_counter as torch_flops
from torch.utils.flop_counter import FlopCounterMode

#: below this many FLOPs a step (forward, backward, every D and G update), one thread is as fast as two
#: and leaves a core free: set from benchmarks/bench_threads.py on 2026-12-01 (2-core CPU; results in
#: benchmarks/results/threads.md): the mlp on ring8 (0.11 GFLOP) ran at 0.96x with two threads,
#: dcgan at 16 px (0.26 GFLOP) at 1.36x and at 32 px (7.2 GFLOP) at 1.67x
SMALL_STEP_FLOPS = 2e8


def available_threads() -> int:
    """The threads this process may use: what a pool worker was given, else every core it may run on."""
    return torch.get_num_threads()


def choose_threads(given: int | None, flops: int | None, device: torch.device) -> int:
    if device.type != "cpu":
        return available_threads()  # the host's threads only feed the device
    if given is not None:
        return given
    if flops is not None and flops < SMALL_STEP_FLOPS:
        return 1
    return available_threads()


def load_average() -> float | None:
    try:
        return os.getloadavg()[0]
    except (OSError, AttributeError):  # not on this platform
        return None


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


class _NoModuleTracking:
    """Stands in for FlopCounterMode's module tracker, whose backward hooks break ``autograd.grad``
    (a gradient penalty's double backward fails under them); every count then goes to "Global"."""

    parents = {"Global"}

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def grouped_conv_backward_flop(grad_out_shape, x_shape, w_shape, *args, out_shape, **kwargs) -> int:
    """torch's count of a convolution's backward, its weight gradient's term divided by the groups.

    torch's formula ignores ``groups`` there, so a grouped convolution's weight gradient counts
    ``groups`` times over (StyleGAN2's modulated convolutions, one group per sample: 16x a whole
    step at batch 32). The input gradient's term is right as torch counts it.
    """
    *common, groups, output_mask = args  # bias, stride, padding, dilation, transposed, output_padding
    # torch's registered formula takes the shapes as they come and the outputs as out_val
    shapes = (grad_out_shape, x_shape, w_shape, *common, groups)
    grad_input = torch_flops.conv_backward_flop(*shapes, [output_mask[0], False], out_val=out_shape)
    grad_weight = torch_flops.conv_backward_flop(*shapes, [False, output_mask[1]], out_val=out_shape)
    return grad_input + grad_weight // max(groups, 1)


def flop_counter() -> FlopCounterMode:
    """torch's FLOP counter, counting the whole step without a per-module breakdown (and a grouped
    convolution's backward as often as it runs: grouped_conv_backward_flop)."""
    mapping = {torch.ops.aten.convolution_backward: grouped_conv_backward_flop}
    counter = FlopCounterMode(display=False, custom_mapping=mapping)
    counter.mod_tracker = _NoModuleTracking()  # type: ignore[assignment]
    return counter
