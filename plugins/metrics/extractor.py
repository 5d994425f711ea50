"""Which feature extractor a metric uses, and the ganbench-trained network as a torch-fidelity extractor.

torch-fidelity computes FID, KID, IS and precision/recall from a *registered* feature
extractor: a :class:`FeatureExtractorBase` subclass that takes uint8 images (N, 3, H, W)
(grey images with the grey channel repeated) and returns a tuple of named feature tensors.
:func:`register` wraps a trained :class:`~.feature_net.FeatureNet` that way: it converts the
uint8 input back to [-1, 1], keeps one channel for a grey network, and returns

* ``features``: the network's 128-d embedding (FID, KID, precision/recall), and
* ``logits``: its class logits (Inception Score).

A *per-channel* extractor (Stacked MNIST) runs a single-digit network on each channel:
``features`` are the three embeddings side by side, and ``logits`` are the joint
log-probabilities of the 1,000 digit triples, ``log p(a) + log p(b) + log p(c)``.

The metric option ``fid_extractor`` picks the extractor for every FID-family metric: ``auto``
(the default) is the ganbench network for labelled images and torch-fidelity's standard
``inception-v3-compat`` otherwise; ``dinov2-vit-s-14``, ``-b-14``, ``-l-14`` and ``-g-14`` are
torch-fidelity's DINOv2 ViTs (Stein et al. 2023, "Exposing flaws of generative model evaluation
metrics and their unfair treatment of diffusion models", arXiv:2306.04675, recommend ViT-L/14).
``fid_weights`` names a local weights file for the one chosen. Without that file and without a
network connection :class:`FeatureWeightsUnavailable` says so in one line.

Each extractor resizes the images first, and the chosen one says how (``Extractor.resize``):
ganbench's network to its ``WORK_SIZE`` (16 px, bilinear, antialiased when shrinking),
Inception to 299 px and DINOv2 to 224 px with torch-fidelity's TF1-compatible bilinear
interpolation (no antialiasing), as the published statistics were made.
"""

from __future__ import annotations

import hashlib
import os
import socket
from dataclasses import dataclass, field
from typing import Any

import torch
from torch_fidelity import register_feature_extractor
from torch_fidelity.feature_extractor_base import FeatureExtractorBase
from torch_fidelity.feature_extractor_dinov2 import MODEL_METADATA as DINOV2_MODELS
from torch_fidelity.feature_extractor_dinov2 import FeatureExtractorDinoV2
from torch_fidelity.feature_extractor_inceptionv3 import FeatureExtractorInceptionV3
from torch_fidelity.registry import FEATURE_EXTRACTORS_REGISTRY

from ganbench.errors import UsageError
from ganbench.types import Dataset, MetricContext

from . import feature_net

INCEPTION = "inception-v3-compat"
FEATURES = ("features", "logits")
DOWNLOAD_TIMEOUT_S = 20  # per blocking socket operation: a dead route fails instead of hanging
DINOV2_HUB_REPO = "facebookresearch_dinov2_main"  # where torch.hub keeps facebookresearch/dinov2's code


class FeatureWeightsUnavailable(UsageError):
    """A feature extractor's weights are neither on disk nor downloadable; the message is one line."""


def to_uint8(x: torch.Tensor) -> torch.Tensor:
    """Images in [-1, 1] (N, C, H, W) -> torch-fidelity's input: uint8 (N, 3, H, W) on the CPU, grey repeated."""
    x = ((x.detach().float() + 1) * 127.5).round_().clamp_(0, 255).to(torch.uint8).cpu()
    if x.shape[1] == 1:
        x = x.expand(-1, 3, -1, -1).contiguous()
    if x.shape[1] != 3:
        raise ValueError(f"torch-fidelity takes images with 1 or 3 channels, not {x.shape[1]}")
    return x


class NetExtractor(FeatureExtractorBase):
    """Base of the classes :func:`register` makes; ``network`` and ``per_channel`` are set on each subclass."""

    network: feature_net.FeatureNet
    per_channel: bool = False

    def __init__(self, name: str, features_list: list[str], **kwargs: Any):
        super().__init__(name, features_list)
        self.net = self.network  # shared, not copied: torch-fidelity makes an instance per call

    @staticmethod
    def get_provided_features_list() -> tuple[str, ...]:
        return FEATURES

    @staticmethod
    def get_default_feature_layer_for_metric(metric: str) -> str:
        return "logits" if metric == "isc" else "features"

    @staticmethod
    def can_be_compiled() -> bool:
        return False

    @staticmethod
    def get_dummy_input_for_compile() -> torch.Tensor:
        raise NotImplementedError("ganbench feature networks are not compiled")

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, ...]:
        if x.dtype != torch.uint8 or x.dim() != 4 or x.shape[1] != 3:
            raise ValueError(f"expected uint8 images (N, 3, H, W), got {x.dtype} {tuple(x.shape)}")
        x = x.float() / 127.5 - 1
        if self.per_channel:
            parts = [self.net.features_and_logits(x[:, k : k + 1]) for k in range(3)]
            features = torch.cat([f for f, _ in parts], dim=1)
            a, b, c = (logits.log_softmax(dim=1) for _, logits in parts)
            k = a.shape[1]
            logits = (a[:, :, None, None] + b[:, None, :, None] + c[:, None, None, :]).reshape(-1, k**3)
        else:
            if self.net.in_channels == 1:
                x = x.mean(dim=1, keepdim=True)  # the grey channel torch-fidelity repeated
            features, logits = self.net.features_and_logits(x)
        out = {"features": features, "logits": logits}
        return tuple(out[name] for name in self.features_list)


def register(name: str, net: feature_net.FeatureNet, per_channel: bool = False) -> str:
    """Register ``net`` with torch-fidelity under ``name`` (a cache key: data, version, weights' hash)."""
    cls = type(f"NetExtractor_{name}", (NetExtractor,), {"network": net.eval(), "per_channel": per_channel})
    return _registered(name, cls)


def _registered(name: str, cls: type[FeatureExtractorBase]) -> str:
    if name in FEATURE_EXTRACTORS_REGISTRY:
        # torch-fidelity refuses a second registration of a name. Ours end in the weights' hash,
        # so the weights are the same; only the object is new.
        FEATURE_EXTRACTORS_REGISTRY[name] = cls
    else:
        register_feature_extractor(name, cls)
    return name


@dataclass
class Extractor:
    """The extractor chosen for a run: what torch-fidelity is told, and the label a column carries."""

    name: str  # torch-fidelity's registry name, part of every cache file name
    label: str  # Measurement.extractor
    cuda: bool
    kwargs: dict[str, Any] = field(default_factory=dict)
    net: feature_net.TrainedNet | None = None
    resize: str = ""  # what it does to the images' size before its first layer, as a heading says it

    def fidelity_kwargs(self, cache_root: str) -> dict[str, Any]:
        return dict(
            feature_extractor=self.name,
            cuda=self.cuda,
            cache_root=cache_root,
            verbose=False,
            save_cpu_ram=True,  # no DataLoader worker processes, precision/recall in parts
            batch_size=500,
            **self.kwargs,
        )


@dataclass(frozen=True)
class Pretrained:
    """One of torch-fidelity's extractors with published, downloaded weights."""

    layer: str  # a feature it provides: building it takes one
    side: int  # it resizes every image to side x side first (torch-fidelity's TF1-compatible bilinear)
    weights: str  # the file --fid-weights names


PRETRAINED = {
    INCEPTION: Pretrained(
        "2048",
        FeatureExtractorInceptionV3.INPUT_IMAGE_SIZE,
        "torch-fidelity's weights-inception-2015-12-05-6726825d.pth",
    ),
    **{  # dinov2-vit-s-14, -b-14, -l-14 (Stein et al. 2023's choice), -g-14
        name: Pretrained(
            "dinov2",
            FeatureExtractorDinoV2.INPUT_IMAGE_SIZE,
            f"torch.hub's {hub}_pretrain.pth, with facebookresearch/dinov2's code in torch.hub's cache",
        )
        for name, hub in DINOV2_MODELS.items()
    },
}
CHOICES = ("auto", "ganbench", *PRETRAINED)


def choose(
    context: MetricContext, trained: feature_net.TrainedNet | None = None, per_channel: bool = False
) -> Extractor:
    """The extractor ``options["fid_extractor"]`` asks for: one of ``CHOICES``."""
    dataset, options = context.dataset, context.options
    wanted = str(options.get("fid_extractor", "auto"))
    cuda = torch.device(context.device).type == "cuda"
    if wanted == "auto":
        wanted = "ganbench" if (trained is not None or has_labelled_images(dataset)) else INCEPTION
    if wanted == "ganbench":
        if trained is None:
            trained = feature_net.load_or_train(dataset, context.cache_dir, context.device)
        # The weights' hash in the name puts it in every torch-fidelity cache file made with this network.
        name = register(f"ganbench-cnn-{trained.key}-w{trained.weights_hash}", trained.net, per_channel)
        resize = feature_net.FeatureNet.resize_path(dataset.shape.size)
        return Extractor(name, f"ganbench-{dataset.name}-cnn", cuda, net=trained, resize=resize)
    if wanted in PRETRAINED:
        name, kwargs = load_pretrained(wanted, options.get("fid_weights"))
        side = PRETRAINED[wanted].side
        resize = f"{side} px as is" if dataset.shape.size == side else f"{side} px TF1 bilinear"
        return Extractor(name, wanted, cuda, kwargs, resize=resize)
    raise UsageError(f"fid_extractor '{wanted}' is not known: use {', '.join(CHOICES[:-1])} or {CHOICES[-1]}")


def has_labelled_images(dataset: Dataset) -> bool:
    """Images with two or more classes: what ganbench's feature network can be trained on."""
    return dataset.labels is not None and dataset.shape.kind == "image" and feature_net.class_count(dataset) >= 2


def load_pretrained(wanted: str, weights: str | None) -> tuple[str, dict[str, Any]]:
    """torch-fidelity's extractor ``wanted``, built once now so that missing weights fail here, in one line.

    Returns the registry name to hand torch-fidelity and the keyword arguments it needs. The
    weights are torch-fidelity's own download (cached by torch.hub: a connected machine, once)
    or the file ``weights``: Inception takes its path; DINOv2, which torch-fidelity loads through
    torch.hub alone, is built from it by :class:`DinoV2FromFile`.
    """
    fix = (
        f"pass --fid-weights FILE ({PRETRAINED[wanted].weights}), run once on a connected machine, "
        "or measure throughput alone with --metrics none"
    )
    name, kwargs = wanted, {}
    if weights:
        if not os.path.isfile(weights):
            raise FeatureWeightsUnavailable(f"{wanted} weights file '{weights}' does not exist; {fix}")
        if wanted == INCEPTION:
            try:  # torch-fidelity unpickles the file in full; accept only a plain tensors-and-numbers file
                torch.load(weights, map_location="cpu", weights_only=True)
            except Exception as error:
                raise FeatureWeightsUnavailable(
                    f"{wanted} weights could not be read from '{weights}' ({_first_line(error)}); {fix}"
                ) from None
            kwargs["feature_extractor_weights_path"] = os.path.abspath(weights)
        else:
            name = DinoV2FromFile.register(wanted, weights)
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(DOWNLOAD_TIMEOUT_S)
    try:
        FEATURE_EXTRACTORS_REGISTRY[name](name, [PRETRAINED[wanted].layer], verbose=False, **kwargs)
    except Exception as error:  # URLError (offline), a truncated download, a state dict of another network
        what = f"could not be read from '{weights}'" if weights else "are not cached and could not be downloaded"
        raise FeatureWeightsUnavailable(f"{wanted} weights {what} ({_first_line(error)}); {fix}") from None
    finally:
        socket.setdefaulttimeout(previous)
    return name, kwargs


class DinoV2FromFile(FeatureExtractorDinoV2):
    """torch-fidelity's DINOv2 extractor (its resizing, normalisation and features unchanged), weights from a file.

    torch-fidelity builds DINOv2 with ``torch.hub.load("facebookresearch/dinov2", ...)`` alone,
    which downloads the weights (a weights path raises NotImplementedError). This builds the same
    network from the copy of that repository torch.hub keeps in its cache, untrained
    (``source="local"``, ``pretrained=False``: nothing is downloaded), then loads the file into
    it, every tensor, weights only.
    """

    hub_model: str  # "dinov2_vitl14": set, with ``weights``, on each subclass :meth:`register` makes
    weights: str

    def __init__(self, name: str, features_list: list[str], **kwargs: Any):
        FeatureExtractorBase.__init__(self, name, features_list)
        self.feature_extractor_internal_dtype = torch.float32  # torch-fidelity's default for DINOv2
        repo = os.path.join(torch.hub.get_dir(), DINOV2_HUB_REPO)
        if not os.path.isdir(repo):
            raise FileNotFoundError(f"facebookresearch/dinov2's code, which builds the network, is not in {repo}")
        os.environ["XFORMERS_DISABLED"] = "1"  # as torch-fidelity sets it: the same attention code
        self.model = torch.hub.load(repo, self.hub_model, source="local", pretrained=False)
        self.model.load_state_dict(torch.load(self.weights, map_location="cpu", weights_only=True))
        self.requires_grad_(False)
        self.eval()

    @classmethod
    def register(cls, wanted: str, weights: str) -> str:
        """Register a subclass for the file ``weights``, named with its hash: its cache entries are its own."""
        with open(weights, "rb") as handle:
            digest = hashlib.file_digest(handle, "sha256").hexdigest()[:12]
        attributes = {"hub_model": DINOV2_MODELS[wanted], "weights": os.path.abspath(weights)}
        return _registered(f"{wanted}-w{digest}", type(f"DinoV2FromFile_{digest}", (cls,), attributes))


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return (text.splitlines()[0] if text else type(error).__name__)[:300]  # room for a cache path
