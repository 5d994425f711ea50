"""Trials trained as one batched ensemble: K members of one architecture, stacked, one step for all.

Each member is built as it would be alone (its seed, its initialisation, its optimiser's settings);
then its parameters and buffers become slices of stacked tensors of shape (K, ...), the members'
forward and backward run as one through ``torch.func.functional_call`` under ``torch.vmap``, and
one optimiser steps the stacked tensors. Adam and RMSprop are element-wise, so that is K
independent optimisers (members with their own learning rates or betas get a parameter group each,
over their own slices); the ensemble minimises the sum of the members' losses, so each member's
gradient is its own. BatchNorm's running statistics are stacked buffers, updated in place under
vmap. The members keep their own modules, whose tensors are views into the stacked ones: what
evaluates, constrains, averages or saves a member sees its current weights.

This is HFTA's horizontal fusion (Wang et al., MLSys 2021) done with torch.func's model ensembling.
"""

from __future__ import annotations

import dataclasses

import torch
from torch import nn
from torch.func import functional_call

from ganbench.registry import Registry
from ganbench.train import FastPaths, Setup, build_setup, make_optimiser
from ganbench.types import Critic, HParams, LossSpec, TrialPlan

__all__ = ["StackedCritic", "StackedGenerator", "build_ensemble", "stacked_loss"]


class _Stack:
    """The members' parameters and buffers stacked, the members' own tensors made views into them."""

    def __init__(self, members: list[nn.Module]):
        self.members, self.template = members, members[0]  # the template's code runs every member
        self.params: dict[str, nn.Parameter] = {}
        for name, _ in self.template.named_parameters():
            own = [m.get_parameter(name) for m in members]
            self.params[name] = nn.Parameter(torch.stack([p.detach() for p in own]))
            for k, parameter in enumerate(own):
                parameter.data = self.params[name].data[k]  # a view: the optimiser's steps show in the member
        self.buffers: dict[str, torch.Tensor] = {}
        for name, _ in self.template.named_buffers():
            self.buffers[name] = torch.stack([m.get_buffer(name) for m in members])
            owner, _, leaf = name.rpartition(".")
            for k, member in enumerate(members):
                member.get_submodule(owner)._buffers[leaf] = self.buffers[name][k]

    def __call__(self, *inputs: torch.Tensor) -> torch.Tensor:
        """The members' batches (and a conditional trial's labels), concatenated in member order, in and out."""
        per_member = [x.reshape(len(self.members), -1, *x.shape[1:]) for x in inputs]
        # randomness="error": a model that draws random numbers in its forward (dropout) would draw the
        # same for every member, or differently from alone; it fails here, and its trials train alone.
        out = torch.vmap(self._one, randomness="error")(self.params, self.buffers, *per_member)
        return out.reshape(-1, *out.shape[2:])

    def _one(self, params, buffers, *inputs: torch.Tensor) -> torch.Tensor:
        return functional_call(self.template, (params, buffers), inputs)

    def untie(self) -> None:
        """Give each member tensors of its own again (a view would save every member's weights with it)."""
        for name in self.params:
            for member in self.members:
                parameter = member.get_parameter(name)
                parameter.data = parameter.data.clone()
        for name in self.buffers:
            owner, _, leaf = name.rpartition(".")
            for member in self.members:
                module = member.get_submodule(owner)
                module._buffers[leaf] = module._buffers[leaf].clone()


class StackedGenerator(nn.Module):
    """K generators as one: (K*B, z_dim) latents in, the members' K*B samples out, member by member."""

    def __init__(self, members: list[nn.Module]):
        super().__init__()
        self.stack = _Stack(members)
        self.stacked = nn.ParameterList(self.stack.params.values())  # what the optimiser steps

    def forward(self, z: torch.Tensor, *labels: torch.Tensor) -> torch.Tensor:
        return self.stack(z, *labels)


class StackedCritic(Critic):
    """K critics as one: scores of shape (K*B,). Stabilisers, which reach into features and head, never
    see it: trials with stabilisers train alone."""

    def __init__(self, members: list[Critic]):
        nn.Module.__init__(self)  # no features or head of its own: the members have theirs
        self.stack = _Stack(list(members))
        self.critics = list(members)  # a plain list: their tensors are the stack's, not parameters twice
        self.stacked = nn.ParameterList(self.stack.params.values())

    def forward(self, x: torch.Tensor, *labels: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        return self.stack(x, *labels)

    def constrain(self) -> None:
        for critic in self.critics:  # in place on views: WGAN's clipping reaches the stacked weights
            critic.constrain()


def stacked_loss(loss: LossSpec, member_params: list[dict], device: torch.device) -> LossSpec:
    """The loss of each member on its own scores and its own parameters: a vector of K losses (their sum
    is what is minimised). Parameters the members share are passed as they are; those they set apart
    (a hinge margin per member) travel as a (K,) tensor, one value to each member under vmap."""
    members, first = len(member_params), member_params[0]
    differing = {key: torch.tensor([p[key] for p in member_params], device=device)
                 for key in first if any(p[key] != first[key] for p in member_params)}  # fmt: skip
    shared = {key: value for key, value in first.items() if key not in differing}

    def split(scores: torch.Tensor) -> torch.Tensor:
        return scores.reshape(members, -1, *scores.shape[1:])

    def d_loss(real_scores: torch.Tensor, fake_scores: torch.Tensor, **params) -> torch.Tensor:
        def one(r, f, own):
            return loss.d_loss(r, f, **params, **shared, **own)

        return torch.vmap(one)(split(real_scores), split(fake_scores), differing)

    def g_loss(fake_scores: torch.Tensor, real_scores: torch.Tensor | None, **params) -> torch.Tensor:
        if real_scores is None:
            return torch.vmap(lambda f, own: loss.g_loss(f, None, **params, **shared, **own))(
                split(fake_scores), differing
            )

        def one(f, r, own):
            return loss.g_loss(f, r, **params, **shared, **own)

        return torch.vmap(one)(split(fake_scores), split(real_scores), differing)

    return dataclasses.replace(loss, d_loss=d_loss, g_loss=g_loss)


def member_optimiser(stacked: nn.Module, members: list[nn.Module], hparams: list[HParams], rate: str):
    """One optimiser for the members' stacked tensors, each member stepping with its own settings.

    Members alike in their optimiser's settings share one parameter group over the stacked tensors:
    Adam and RMSprop are element-wise, so that is K independent optimisers. Members whose learning
    rates or betas differ get a parameter group each, over their own tensors (views into the stacked
    ones), with the settings torch gives that member alone; the stacked gradient is handed to the
    members' tensors as backward makes it.
    """
    alone = [make_optimiser(hp, m.parameters(), getattr(hp, rate)) for hp, m in zip(hparams, members, strict=True)]
    settings = [{k: v for k, v in o.param_groups[0].items() if k != "params"} for o in alone]
    if all(s == settings[0] for s in settings):
        return make_optimiser(hparams[0], stacked.parameters(), getattr(hparams[0], rate))
    optimiser = type(alone[0])([group for o in alone for group in o.param_groups])
    stack: _Stack = stacked.stack  # type: ignore[assignment]
    for name, tensor in stack.params.items():
        tensor.register_post_accumulate_grad_hook(_hand_over([m.get_parameter(name) for m in members]))
    return optimiser


def _hand_over(owners: list[nn.Parameter]):
    """A stacked tensor's gradient, as backward leaves it, given slice by slice to the members' own
    tensors (added, as backward adds): zero_grad and step then see each member as alone."""

    def hook(tensor: torch.Tensor) -> None:
        assert tensor.grad is not None
        for own, grad in zip(owners, tensor.grad.unbind(), strict=True):
            own.grad = grad if own.grad is None else own.grad + grad
        tensor.grad = None

    return hook


def build_ensemble(plans: list[TrialPlan], registry: Registry, device: torch.device, fast: FastPaths) -> Setup:
    """Build each member as alone, then stack them: a Setup whose ``members`` are the members' own."""
    members = [build_setup(plan, registry, device, fast) for plan in plans]
    first = members[0]
    generator = StackedGenerator([m.generator for m in members])
    critic = StackedCritic([m.critic for m in members])
    hparams = [m.hparams for m in members]
    opt_g = member_optimiser(generator, [m.generator for m in members], hparams, "lr_g")
    opt_d = member_optimiser(critic, [m.critic for m in members], hparams, "lr_d")
    loss = stacked_loss(first.loss, [m.loss_params for m in members], device)
    setup = Setup(generator, critic, opt_g, opt_d, loss, [], first.hparams, first.seed, fast)
    setup.members, setup.conditional = members, first.conditional
    return setup


def untie(setup: Setup) -> None:
    """After training: each member's weights its own, ready to be saved."""
    for stacked in (setup.generator, setup.critic):
        if isinstance(stacked, StackedGenerator | StackedCritic):
            stacked.stack.untie()
