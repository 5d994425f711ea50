"""The built-in stabilisers against known answers, on tiny models, on the CPU."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils import parametrize

from ganbench.errors import UsageError
from ganbench.types import Critic, DataShape, HParams, LossSpec, ModelSpec, Stabiliser, TrialPlan
from ganbench_plugins.stabilisers import ganbench_stabilisers
from ganbench_plugins.stabilisers.mbd import MinibatchHead

SPECS = {spec.name: spec for spec in ganbench_stabilisers()}
#: the stabilisers tested here; the hand-written step below calls only the hooks they use
CLASSIC = {"mbd", "fm", "gp", "r1", "sn", "noise", "ha", "pack", "ls", "clip"}
#: tested in test_regularisers.py, through the core's own step (d_scores, own_module, g_penalty, scalars)
REGULARISERS = {"r2", "dragan", "lecam", "cr", "bcr", "diffaug", "ada", "mrgan"}
BUILT_INS = CLASSIC | REGULARISERS


@pytest.fixture(autouse=True)
def _seeded():
    torch.manual_seed(0)


def make(name: str, **params) -> Stabiliser:
    """What the core does for 'name:key=value': the spec's factory with the user's overrides."""
    return SPECS[name].factory(**params)


def linear_critic(d: int, bias: bool = False) -> Critic:
    return Critic(nn.Flatten(), nn.Linear(d, 1, bias=bias))


def plan(*, uses_labels: bool = True, batch_size: int = 64, shape=DataShape("vector", (2,))) -> TrialPlan:
    model = ModelSpec(
        name="tiny",
        description="tiny",
        generator=lambda s, h: nn.Identity(),
        critic=lambda s, h: linear_critic(s.size),
        data_kinds=("vector", "image"),
    )
    loss = LossSpec(
        name="tiny-loss",
        description="tiny",
        d_loss=lambda r, f, **k: r.mean() - f.mean(),
        g_loss=lambda f, r: -f.mean(),
        uses_labels=uses_labels,
    )
    return TrialPlan(model, loss, (), 0, HParams(batch_size=batch_size), shape)


# --------------------------------------------------------------------------- the records


def test_every_built_in_is_registered_with_a_description_source_and_working_defaults():
    assert set(SPECS) == BUILT_INS
    for spec in SPECS.values():
        assert spec.description and "\n" not in spec.description
        assert spec.source
        stabiliser = spec.factory()  # the defaults alone make a working stabiliser
        assert isinstance(stabiliser, Stabiliser)
        # Each call makes a fresh instance: per-trial state is never shared.
        assert spec.factory() is not stabiliser


def test_params_and_provides():
    assert SPECS["gp"].params == {"lambda": 10.0}
    assert SPECS["r1"].params == {"gamma": 10.0}
    assert SPECS["mbd"].params == {"kernels": 100, "kernel_dim": 5}
    assert SPECS["fm"].params == {"mode": "replace"}
    assert SPECS["pack"].params == {"m": 2}
    assert SPECS["ls"].params == {"target": 0.9}
    assert SPECS["clip"].params == {"c": 0.01}
    assert SPECS["noise"].params == {"std": 0.1}
    assert SPECS["ha"].params == {"weight": 1.0, "g": False}
    assert SPECS["sn"].params == {"n_power_iterations": 1}
    lipschitz = {name for name in SPECS if "lipschitz" in make(name).provides}
    assert lipschitz == {"sn", "clip"}


def test_overrides_reach_the_instance():
    assert make("gp", **{"lambda": 5.0}).weight == 5.0
    assert make("pack", m=4).m == 4
    assert make("ls", target=0.8).real_target() == 0.8


@pytest.mark.parametrize(
    "name, params, message",
    [
        ("pack", {"m": 1}, "pack: m must be an integer >= 2, got 1"),
        ("pack", {"m": 2.5}, "pack: m must be an integer >= 2, got 2.5"),
        ("gp", {"lambda": -1.0}, "gp: lambda must be a number >= 0, got -1"),
        ("r1", {"gamma": -0.5}, "r1: gamma must be a number >= 0, got -0.5"),
        ("r1", {"gamma": float("nan")}, "r1: gamma must be a number >= 0, got nan"),
        ("sn", {"n_power_iterations": 0}, "sn: n_power_iterations must be an integer >= 1, got 0"),
        ("noise", {"std": -0.1}, "noise: std must be a number >= 0, got -0.1"),
        ("ha", {"weight": -1.0}, "ha: weight must be a number >= 0, got -1"),
        ("ha", {"g": "yes"}, "ha: g must be true or false, got 'yes'"),
        ("ls", {"target": 0.0}, "ls: target must be a number > 0 and <= 1, got 0"),
        ("ls", {"target": 1.5}, "ls: target must be a number > 0 and <= 1, got 1.5"),
        ("clip", {"c": 0.0}, "clip: c must be a number > 0, got 0"),
        ("mbd", {"kernels": 0}, "mbd: kernels must be an integer >= 1, got 0"),
        ("fm", {"mode": "sum"}, "fm: mode must be one of replace, add, got 'sum'"),
        ("gp", {"lamda": 5.0}, "gp: no parameter 'lamda' (its parameters: lambda=10.0)"),
    ],
)
def test_bad_values_are_one_line_usage_errors(name, params, message):
    with pytest.raises(UsageError) as error:
        make(name, **params)
    assert str(error.value) == message


# --------------------------------------------------------------------------- gp, r1


@pytest.mark.parametrize("weight", [10.0, 2.5])
def test_gp_on_a_linear_critic_is_lambda_times_norm_minus_one_squared(weight):
    critic = linear_critic(5)
    w = critic.head.weight
    real, fake = torch.randn(16, 5), torch.randn(16, 5)
    penalty = make("gp", **{"lambda": weight}).d_penalty(critic, real, fake)
    norm = w.detach().norm()
    torch.testing.assert_close(penalty, weight * (norm - 1) ** 2)
    penalty.backward()  # create_graph: the penalty trains D
    torch.testing.assert_close(w.grad, 2 * weight * (norm - 1) * w.detach() / norm)


def test_gp_on_images_takes_the_norm_over_the_whole_sample():
    critic = linear_critic(3 * 4 * 4)
    real, fake = torch.randn(8, 3, 4, 4), torch.randn(8, 3, 4, 4)
    penalty = make("gp").d_penalty(critic, real, fake)
    torch.testing.assert_close(penalty, 10 * (critic.head.weight.detach().norm() - 1) ** 2)


def test_gp_interpolates_between_real_and_fake():
    # D(x) = ||x||^2 / 2 has gradient x, so the penalty reveals where it was evaluated.
    class Square(nn.Module):
        def forward(self, x):
            return 0.5 * x.pow(2).sum(dim=1, keepdim=True)

    critic = Critic(nn.Identity(), Square())
    real, fake = torch.full((1000, 1), 2.0), torch.full((1000, 1), 1.0)
    penalty = make("gp", **{"lambda": 1.0}).d_penalty(critic, real, fake)
    # x_hat = 1 + eps, eps ~ U[0, 1]: E[(x_hat - 1)^2] = E[eps^2] = 1/3.
    assert abs(penalty.item() - 1 / 3) < 0.03


def test_r1_on_a_linear_critic_is_half_gamma_times_squared_norm():
    critic = linear_critic(5, bias=True)
    w = critic.head.weight
    real, fake = torch.randn(16, 5), torch.randn(16, 5)
    penalty = make("r1", gamma=4.0).d_penalty(critic, real, fake)
    torch.testing.assert_close(penalty, 4.0 / 2 * w.detach().pow(2).sum())
    penalty.backward()
    torch.testing.assert_close(w.grad, 4.0 * w.detach())


def test_r1_reads_real_data_only():
    class Square(nn.Module):
        def forward(self, x):
            return 0.5 * x.pow(2).sum(dim=1, keepdim=True)

    critic = Critic(nn.Identity(), Square())
    real, fake = torch.full((4, 2), 3.0), torch.full((4, 2), 100.0)
    # grad D(x) = x, so (gamma / 2) ||x||^2 = 5 * 18 = 90 whatever the fake batch is.
    assert make("r1").d_penalty(critic, real, fake).item() == pytest.approx(90.0)


# --------------------------------------------------------------------------- mbd


def test_mbd_replaces_the_head_and_o_is_batch_size_minus_one_on_identical_samples():
    critic = Critic(nn.Identity(), nn.Linear(4, 1))
    critic = make("mbd").wrap_critic(critic)
    assert isinstance(critic.head, MinibatchHead)
    assert critic.head.linear.in_features == 4 + 100
    x = torch.randn(1, 4).repeat(7, 1)
    o = critic.head.minibatch(critic.features(x))
    assert o.shape == (7, 100)
    torch.testing.assert_close(o, torch.full((7, 100), 6.0))
    assert critic(x).shape == (7,)


def test_mbd_o_tends_to_zero_on_far_apart_samples():
    stabiliser = make("mbd", kernels=8, kernel_dim=3)
    critic = stabiliser.wrap_critic(Critic(nn.Identity(), nn.Linear(4, 1)))
    x = torch.randn(6, 4) * 1e4
    o = critic.head.minibatch(x)
    assert o.max().item() < 1e-6
    # In between: two close pairs far from each other give o ~ 1 for everyone.
    near = torch.tensor([[0.0, 0, 0, 0], [1e-6, 0, 0, 0], [1e4, 0, 0, 0], [1e4, 1e-6, 0, 0]])
    torch.testing.assert_close(critic.head.minibatch(near), torch.ones(4, 8), atol=1e-3, rtol=0)


def test_mbd_matches_the_definition():
    head = make("mbd", kernels=3, kernel_dim=2).wrap_critic(Critic(nn.Identity(), nn.Linear(5, 1))).head
    f = torch.randn(4, 5)
    m = (f @ head.minibatch.T).reshape(4, 3, 2)
    expected = torch.zeros(4, 3)
    for i in range(4):
        for j in range(4):
            if i != j:
                expected[i] += torch.exp(-(m[i] - m[j]).abs().sum(dim=1))
    torch.testing.assert_close(head.minibatch(f), expected)
    torch.testing.assert_close(head(f), head.linear(torch.cat([f, expected], dim=1)))


def test_mbd_trains_its_tensor_and_handles_a_head_without_a_linear_layer():
    stabiliser = make("mbd", kernels=4, kernel_dim=2)
    shape = stabiliser.critic_shape(DataShape("image", (1, 4, 4)))
    critic = Critic(nn.Conv2d(1, 3, 3), nn.Sequential(nn.Conv2d(3, 1, 2), nn.Flatten()))  # features (N, 3, 2, 2)
    critic = stabiliser.wrap_critic(critic)
    assert critic.head.in_features == 12
    scores = critic(torch.randn(5, *shape.shape))
    assert scores.shape == (5,)
    scores.sum().backward()
    assert critic.head.minibatch.T.grad is not None and critic.head.minibatch.T.grad.abs().sum() > 0


# --------------------------------------------------------------------------- fm


def features_critic() -> Critic:
    return Critic(nn.Sequential(nn.Linear(3, 4), nn.Tanh()), nn.Linear(4, 1))


def test_fm_is_zero_when_the_features_match():
    critic = features_critic()
    real = torch.randn(10, 3)
    loss = make("fm").g_loss(critic, real, real.clone(), adversarial=torch.tensor(5.0))
    assert loss.item() == 0.0


def test_fm_is_the_squared_distance_of_feature_means_and_trains_g_not_d():
    critic, generator = features_critic(), nn.Linear(2, 3)
    real, fake = torch.randn(10, 3), generator(torch.randn(10, 2))
    loss = make("fm").g_loss(critic, real, fake, adversarial=torch.tensor(5.0))
    with torch.no_grad():
        expected = (critic.features(real).mean(0) - critic.features(fake).mean(0)).pow(2).sum()
    torch.testing.assert_close(loss, expected)  # 'replace': the adversarial loss is dropped
    loss.backward()
    assert generator.weight.grad is not None and generator.weight.grad.abs().sum() > 0
    assert all(p.grad is None for p in critic.parameters())
    assert all(p.requires_grad for p in critic.parameters())  # D is frozen for that pass only


def test_fm_add_mode_adds_to_the_adversarial_loss():
    critic = features_critic()
    real, fake = torch.randn(10, 3), torch.randn(10, 3)
    matching = make("fm").g_loss(critic, real, fake, adversarial=torch.tensor(0.0))
    added = make("fm", mode="add").g_loss(critic, real, fake, adversarial=torch.tensor(2.0))
    torch.testing.assert_close(added, matching + 2.0)


# --------------------------------------------------------------------------- sn


def sn_critic() -> Critic:
    features = nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1),
        nn.LeakyReLU(0.2),
        nn.Conv2d(8, 4, 4, 2, 1),
        nn.LeakyReLU(0.2),
        nn.Flatten(),
        nn.Linear(4 * 4 * 4, 16),
        nn.LeakyReLU(0.2),
    )
    critic = Critic(features, nn.Linear(16, 1))
    with torch.no_grad():
        for p in critic.parameters():
            p.mul_(5.0)  # singular values far from 1 before normalisation
    return critic


def weighted_layers(critic: Critic) -> list[nn.Module]:
    return [m for m in critic.modules() if isinstance(m, (nn.Linear, nn.Conv2d))]


def test_sn_normalises_every_layer_to_a_top_singular_value_of_one():
    critic = make("sn").wrap_critic(sn_critic())
    layers = weighted_layers(critic)
    assert len(layers) == 4 and critic.head in layers
    assert all(parametrize.is_parametrized(layer, "weight") for layer in layers)
    assert critic(torch.randn(2, 3, 8, 8)).shape == (2,)
    for _ in range(300):  # in training mode every read of a weight runs one power iteration
        for layer in layers:
            _ = layer.weight
    critic.eval()  # no further iteration: read the weights as they are
    for layer in layers:
        weight = layer.weight.detach()
        sigma = torch.linalg.svdvals(weight.reshape(weight.shape[0], -1))[0].item()
        assert abs(sigma - 1) < 0.01, (layer, sigma)


def test_sn_power_iterations_param_and_applies_once():
    stabiliser = make("sn", n_power_iterations=3)
    critic = stabiliser.wrap_critic(stabiliser.wrap_critic(sn_critic()))
    for layer in weighted_layers(critic):
        assert len(layer.parametrizations.weight) == 1
        assert layer.parametrizations.weight[0].n_power_iterations == 3


# --------------------------------------------------------------------------- pack


def test_pack_images_along_channels():
    stabiliser = make("pack", m=2)
    assert stabiliser.critic_shape(DataShape("image", (3, 8, 8))) == DataShape("image", (6, 8, 8))
    x = torch.randn(8, 3, 8, 8)
    packed = stabiliser.critic_input(x, 0.0)
    assert packed.shape == (4, 6, 8, 8)
    torch.testing.assert_close(packed[1, :3], x[2])
    torch.testing.assert_close(packed[1, 3:], x[3])


def test_pack_vectors_along_features_with_m_4():
    stabiliser = make("pack", m=4)
    assert stabiliser.critic_shape(DataShape("vector", (2,))) == DataShape("vector", (8,))
    x = torch.randn(12, 2)
    packed = stabiliser.critic_input(x, 0.5)
    assert packed.shape == (3, 8)
    torch.testing.assert_close(packed[2], x[8:12].reshape(-1))


def test_pack_critic_is_built_for_the_packed_shape():
    stabiliser = make("pack", m=4)
    shape = stabiliser.critic_shape(DataShape("image", (1, 4, 4)))
    critic = Critic(nn.Conv2d(shape.channels, 2, 4), nn.Sequential(nn.Flatten(), nn.Linear(2, 1)))
    assert critic(stabiliser.critic_input(torch.randn(16, 1, 4, 4), 0.0)).shape == (4,)


def test_pack_checks_the_batch_size_before_anything_trains():
    assert make("pack", m=4).check(plan(batch_size=64)) is None
    with pytest.raises(UsageError, match="batch size 10 is not divisible by m=4"):
        make("pack", m=4).check(plan(batch_size=10))


# --------------------------------------------------------------------------- ha


def flat(module: nn.Module) -> torch.Tensor:
    return torch.cat([p.detach().reshape(-1) for p in module.parameters()])


def test_ha_d_penalty_is_zero_first_then_the_distance_to_the_mean_of_past_parameters():
    stabiliser = make("ha", weight=2.0)
    critic = Critic(nn.Identity(), nn.Linear(2, 1))
    real = fake = torch.randn(4, 2)
    history = []

    first = stabiliser.d_penalty(critic, real, fake)
    assert first.item() == 0.0
    for _ in range(3):
        history.append(flat(critic))
        with torch.no_grad():  # stands in for an optimiser step
            for p in critic.parameters():
                p.add_(torch.randn_like(p))
        stabiliser.after_d_step(critic)
        penalty = stabiliser.d_penalty(critic, real, fake)
        expected = 2.0 * (flat(critic) - torch.stack(history).mean(0)).pow(2).sum()
        torch.testing.assert_close(penalty, expected)
    penalty.backward()
    assert critic.head.weight.grad.abs().sum() > 0


def test_ha_generator_term_only_with_g_true():
    generator = nn.Linear(2, 2)
    critic = Critic(nn.Identity(), nn.Linear(2, 1))
    real = fake = torch.randn(4, 2)
    adversarial = torch.tensor(1.5)

    off = make("ha")
    off.after_g_step(generator)
    assert off.g_loss(critic, real, fake, adversarial) is adversarial

    on = make("ha", g=True, weight=3.0)
    assert on.g_loss(critic, real, fake, adversarial) is adversarial  # generator not seen yet
    on.after_g_step(generator)
    assert on.g_loss(critic, real, fake, adversarial).item() == pytest.approx(1.5)  # no history yet
    before = flat(generator)
    with torch.no_grad():
        generator.weight.add_(1.0)
    on.after_g_step(generator)
    loss = on.g_loss(critic, real, fake, adversarial)
    torch.testing.assert_close(loss, 1.5 + 3.0 * (flat(generator) - before).pow(2).sum())
    loss.backward()
    assert generator.weight.grad.abs().sum() > 0


# --------------------------------------------------------------------------- noise, ls, clip


def test_noise_std_is_annealed_linearly_to_zero():
    stabiliser = make("noise")
    assert stabiliser.current_std(0.0) == pytest.approx(0.1)
    assert stabiliser.current_std(0.5) == pytest.approx(0.05)
    assert stabiliser.current_std(1.0) == 0.0
    x = torch.zeros(200_000)
    assert stabiliser.critic_input(x, 0.0).std().item() == pytest.approx(0.1, rel=0.02)
    assert stabiliser.critic_input(x, 0.75).std().item() == pytest.approx(0.025, rel=0.02)
    assert torch.equal(stabiliser.critic_input(x, 1.0), x)


def test_ls_smooths_the_real_target_and_skips_losses_without_labels():
    stabiliser = make("ls")
    assert stabiliser.real_target() == 0.9
    assert stabiliser.check(plan(uses_labels=True)) is None
    reason = stabiliser.check(plan(uses_labels=False))
    assert reason and "tiny-loss" in reason and "label" in reason


def test_ls_target_reaches_a_labelled_loss():
    def d_loss(real, fake, real_target=1.0):
        return F.binary_cross_entropy_with_logits(real, torch.full_like(real, real_target)) + F.softplus(fake).mean()

    real = torch.zeros(4)
    smoothed = d_loss(real, real, real_target=make("ls").real_target())
    # BCE at p = 1/2 is log 2 whatever the target, so use a confident real score instead.
    confident = torch.full((4,), 5.0)
    assert d_loss(confident, real, real_target=0.9) > d_loss(confident, real)
    assert torch.isfinite(smoothed)


def test_clip_bounds_every_parameter():
    critic = sn_critic()
    stabiliser = make("clip", c=0.05)
    stabiliser.after_d_step(critic)
    for p in critic.parameters():
        assert p.abs().max() <= torch.tensor(0.05)  # c in the parameters' own precision
    small = Critic(nn.Identity(), nn.Linear(2, 1))
    with torch.no_grad():
        small.head.weight.copy_(torch.tensor([[0.001, -0.3]]))
    make("clip").after_d_step(small)
    torch.testing.assert_close(small.head.weight, torch.tensor([[0.001, -0.01]]))


# --------------------------------------------------------------------------- composition and a step


def build(names: str, shape: DataShape, trial: TrialPlan, make_critic):
    """The core's build order: factories, check, critic_shape, build the critic, wrap_critic."""
    stabilisers = []
    for word in names.split("+"):
        name, *assignments = word.split(":")
        params = {}
        for assignment in assignments:
            key, _, raw = assignment.partition("=")
            default = SPECS[name].params[key]
            params[key] = (raw == "true") if isinstance(default, bool) else type(default)(raw)
        stabilisers.append(make(name, **params))
    for stabiliser in stabilisers:
        assert stabiliser.check(trial) is None
    critic_shape = shape
    for stabiliser in stabilisers:
        critic_shape = stabiliser.critic_shape(critic_shape)
    critic = make_critic(critic_shape)
    for stabiliser in stabilisers:
        critic = stabiliser.wrap_critic(critic)
    return stabilisers, critic


def test_gp_and_sn_both_apply_on_one_critic():
    trial = plan()
    stabilisers, critic = build(
        "gp+sn",
        DataShape("vector", (2,)),
        trial,
        lambda s: Critic(nn.Sequential(nn.Linear(s.size, 8), nn.LeakyReLU(0.2)), nn.Linear(8, 1)),
    )
    gp, sn = stabilisers
    assert parametrize.is_parametrized(critic.head, "weight")
    assert parametrize.is_parametrized(critic.features[0], "weight")
    penalty = gp.d_penalty(critic, torch.randn(16, 2), torch.randn(16, 2))
    assert penalty.item() > 0
    penalty.backward()
    assert critic.head.parametrizations.weight.original.grad.abs().sum() > 0
    assert "lipschitz" in set().union(*(s.provides for s in stabilisers))


def train_steps(stabilisers, critic, generator, data, *, steps=3, z_dim=2, batch=8, uses_labels=True):
    """The training step as the Stabiliser contract describes it, with the non-saturating loss."""
    opt_d = torch.optim.Adam(critic.parameters(), lr=1e-3)
    opt_g = torch.optim.Adam(generator.parameters(), lr=1e-3)
    targets = [t for t in (s.real_target() for s in stabilisers) if t is not None]
    target = targets[0] if targets and uses_labels else 1.0
    view = lambda x, progress: [x := s.critic_input(x, progress) for s in stabilisers][-1] if stabilisers else x  # noqa: E731
    losses = []
    for step in range(steps):
        progress = step / steps
        real = view(data[torch.randint(len(data), (batch,))], progress)
        with torch.no_grad():
            fake = view(generator(torch.randn(batch, z_dim)), progress)
        real_scores, fake_scores = critic(real), critic(fake)
        loss_d = (
            F.binary_cross_entropy_with_logits(real_scores, torch.full_like(real_scores, target))
            + F.softplus(fake_scores).mean()
        )
        for s in stabilisers:
            penalty = s.d_penalty(critic, real, fake)
            if penalty is not None:
                loss_d = loss_d + penalty
        opt_d.zero_grad(set_to_none=True)
        loss_d.backward()
        opt_d.step()
        critic.constrain()
        for s in stabilisers:
            s.after_d_step(critic)
        fake = view(generator(torch.randn(batch, z_dim)), progress)
        loss_g = F.softplus(-critic(fake)).mean()
        for s in stabilisers:
            loss_g = s.g_loss(critic, real, fake, loss_g)
        opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        opt_g.step()
        for s in stabilisers:
            s.after_g_step(generator)
        losses += [loss_d.item(), loss_g.item()]
    return losses


@pytest.mark.parametrize(
    "names",
    sorted(CLASSIC) + ["gp+sn", "mbd+fm:mode=add+r1+noise+ha:g=true+pack:m=4+ls+clip", "pack+mbd+sn+gp"],
)
@pytest.mark.parametrize("kind", ["vector", "image"])
def test_every_stabiliser_trains_a_few_steps_on_tiny_models(names, kind):
    shape = DataShape("vector", (2,)) if kind == "vector" else DataShape("image", (1, 8, 8))
    data = torch.randn(64, *shape.shape).clamp(-1, 1)
    size = math.prod(shape.shape)

    def make_critic(s: DataShape) -> Critic:
        if s.kind == "vector":
            return Critic(nn.Sequential(nn.Linear(s.size, 16), nn.LeakyReLU(0.2)), nn.Linear(16, 1))
        features = nn.Sequential(nn.Conv2d(s.channels, 4, 4, 2, 1), nn.LeakyReLU(0.2), nn.Flatten())
        return Critic(features, nn.Linear(4 * (s.size // 2) ** 2, 1))

    generator = nn.Sequential(nn.Linear(2, size), nn.Tanh(), nn.Unflatten(1, shape.shape))
    stabilisers, critic = build(names, shape, plan(shape=shape, batch_size=8), make_critic)
    losses = train_steps(stabilisers, critic, generator, data)
    assert all(math.isfinite(v) for v in losses), losses
