"""Minibatch discrimination: Salimans, Goodfellow, Zaremba, Cheung, Radford & Chen 2016,
Improved Techniques for Training GANs, arXiv:1606.03498 (section 3.2).

D's features f(x_i) in R^A are multiplied by a learned tensor T in R^{A x B x C}, giving a
matrix M_i in R^{B x C} per sample. For each of the B kernels,
``c_b(x_i, x_j) = exp(-||M_i,b - M_j,b||_1)`` and ``o(x_i)_b = sum_{j != i} c_b(x_i, x_j)``:
how close x_i is to the rest of its batch. o(x_i) is concatenated to f(x_i) before a new last
layer, Linear(A + B, 1), so D can tell a collapsed batch (every o_b large) from a varied one.
The sum leaves j = i out, as the authors' code does (their ``+ 1e6 * eye``); the paper's own
formula keeps it, which only shifts every o_b by 1. The authors' per-kernel bias on o is
left out too: the new last layer's bias absorbs it. T starts ~ N(0, 0.05^2), as in their code.

Real and generated batches reach D separately, so each is compared only with its own kind.
"""

from __future__ import annotations

import torch
from torch import nn

from ganbench.types import Critic, DataShape, Stabiliser, StabiliserSpec

from . import _params

NAME = "mbd"
PARAMS = {"kernels": 100, "kernel_dim": 5}


class MinibatchFeatures(nn.Module):
    """(N, A) features -> (N, B) minibatch features o(x)."""

    def __init__(self, in_features: int, kernels: int, kernel_dim: int):
        super().__init__()
        self.kernels, self.kernel_dim = kernels, kernel_dim
        self.T = nn.Parameter(torch.randn(in_features, kernels * kernel_dim) * 0.05)

    def forward(self, f: torch.Tensor) -> torch.Tensor:
        n = f.shape[0]
        m = (f.flatten(1) @ self.T).reshape(n, self.kernels, self.kernel_dim).transpose(0, 1)  # (B, N, C)
        c = torch.exp(-torch.cdist(m, m, p=1))  # (B, N, N): c_b(x_i, x_j)
        c = c.masked_fill(torch.eye(n, dtype=torch.bool, device=f.device), 0.0)
        return c.sum(dim=2).transpose(0, 1)  # (N, B)


class MinibatchHead(nn.Module):
    """The critic's new head: [f(x), o(x)] -> Linear(A + B, 1)."""

    def __init__(self, in_features: int, kernels: int, kernel_dim: int):
        super().__init__()
        self.in_features = in_features
        self.minibatch = MinibatchFeatures(in_features, kernels, kernel_dim)
        self.linear = nn.Linear(in_features + kernels, 1)

    def forward(self, f: torch.Tensor) -> torch.Tensor:
        f = f.flatten(1)
        return self.linear(torch.cat([f, self.minibatch(f)], dim=1))


class MinibatchDiscrimination(Stabiliser):
    def __init__(self, kernels: int = PARAMS["kernels"], kernel_dim: int = PARAMS["kernel_dim"]):
        self.kernels = _params.integer(NAME, "kernels", kernels, minimum=1)
        self.kernel_dim = _params.integer(NAME, "kernel_dim", kernel_dim, minimum=1)
        self._shape: DataShape | None = None

    def critic_shape(self, shape: DataShape) -> DataShape:
        self._shape = shape  # only needed if the head does not say how wide the features are
        return shape

    def _feature_width(self, critic: Critic) -> int:
        for module in critic.head.modules():
            if isinstance(module, (MinibatchHead, nn.Linear)) and not isinstance(
                module, nn.modules.lazy.LazyModuleMixin
            ):
                return module.in_features
        if self._shape is None:
            raise ValueError("mbd cannot tell how wide the critic's features are: its head has no linear layer")
        # A head without a linear layer: measure the features on a dummy batch instead.
        training = critic.training
        critic.eval()
        try:
            with torch.no_grad():
                param = next(critic.parameters(), None)
                dummy = torch.zeros(2, *self._shape.shape, device=None if param is None else param.device)
                return critic.features(dummy).flatten(1).shape[1]
        finally:
            critic.train(training)

    def wrap_critic(self, critic: Critic) -> Critic:
        head = MinibatchHead(self._feature_width(critic), self.kernels, self.kernel_dim)
        param = next(critic.parameters(), None)
        critic.head = head if param is None else head.to(device=param.device, dtype=param.dtype)
        return critic


def spec() -> StabiliserSpec:
    return StabiliserSpec(
        name=NAME,
        description="minibatch discrimination: D's last layer also sees how close each sample is to its batch",
        source="Salimans et al. 2016, Improved Techniques for Training GANs, arXiv:1606.03498",
        params=dict(PARAMS),
        factory=_params.factory(NAME, MinibatchDiscrimination, PARAMS),
    )
