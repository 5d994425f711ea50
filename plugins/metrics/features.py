"""Features and FID statistics through torch-fidelity, for the metrics computed here rather than inside it.

``torch_fidelity.calculate_metrics`` returns numbers only; density/coverage and FD-infinity need
the features themselves. :class:`FeatureSource` asks torch-fidelity's own functions for them,
with the extractor, feature layer, batch size and cache names ``calculate_metrics`` uses, so the
features are the ones FID sees: the reference's features and statistics are read from their
cache entry (extracted and cached first on a miss, under the entry's lock: see ``reference.py``),
and the generated images' features are extracted as FID extracts them.
"""

from __future__ import annotations

import numpy as np
import torch
from torch_fidelity.metric_fid import fid_input_id_to_statistics_cached
from torch_fidelity.registry import FEATURE_EXTRACTORS_REGISTRY
from torch_fidelity.utils import create_feature_extractor, extract_featuresdict_from_input_id_cached

from .extractor import Extractor, to_uint8
from .reference import ImageTensors, Reference


class FeatureSource:
    """The run's extractor as torch-fidelity builds it, once, and the features it gives both sides."""

    def __init__(self, extractor: Extractor, reference: Reference):
        self.extractor, self.reference = extractor, reference
        self.kwargs = extractor.fidelity_kwargs(reference.cache_root)
        # FID's layer: Inception's 2048-d pool, DINOv2's embedding, ganbench's features
        self.layer = FEATURE_EXTRACTORS_REGISTRY[extractor.name].get_default_feature_layer_for_metric("fid")
        self.net = create_feature_extractor(extractor.name, [self.layer], **self.kwargs)

    def generated(self, images: torch.Tensor) -> torch.Tensor:
        """(N, d) features of images in [-1, 1], on the CPU; nothing cached (they have no cache name)."""
        found = extract_featuresdict_from_input_id_cached(
            1, self.net, input1=ImageTensors(to_uint8(images)), **self.kwargs
        )
        return found[self.layer]

    def feature_size(self, image_shape: tuple[int, ...]) -> int:
        """d, the features' dimension, from one blank image of ``image_shape`` (C, H, W): every extractor's own."""
        return int(self.generated(torch.zeros(1, *image_shape)).shape[1])

    def real(self) -> torch.Tensor:
        """(n, d) features of the reference images, from torch-fidelity's cache."""
        with self.reference.entry(self.extractor):
            found = extract_featuresdict_from_input_id_cached(2, self.net, **self.reference.inputs(), **self.kwargs)
        return found[self.layer]

    def real_statistics(self) -> dict[str, np.ndarray]:
        """The reference's FID statistics ({"mu", "sigma"}), from torch-fidelity's cache: the ones FID reads."""
        with self.reference.entry(self.extractor):
            return fid_input_id_to_statistics_cached(2, self.net, self.layer, **self.reference.inputs(), **self.kwargs)
