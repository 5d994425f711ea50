"""The heading of every FID-family column: what a reader needs to compare two of its numbers.

FID, KID, precision/recall, density/coverage and FD-infinity depend on more than the generator:
on the feature extractor (``Measurement.extractor``, which also gives each its own column), on
how many generated samples were scored (FID's bias falls as 1/N), on which real images and how
many they were scored against, and on how the extractor resized the images first. Every one of
these metrics builds its qualifiers here, so the headings say the same things the same way:
'FID (ganbench-digits-cnn, 1797 generated vs 1797 real (all), 16 px as is)'.
"""

from __future__ import annotations

from .extractor import Extractor
from .reference import Reference


def qualifiers(extractor: Extractor, generated: int, reference: Reference | None) -> tuple[str, ...]:
    """``Measurement.qualifiers`` of a FID-family measurement; ``reference`` None for a score of generated samples alone."""
    compared = f"{generated} generated"
    if reference is not None:
        compared += f" vs {reference.n} real ({reference.split})"
    return tuple(q for q in (compared, extractor.resize) if q)


def imported_qualifiers(extractor: Extractor, generated: int, imported: str) -> tuple[str, ...]:
    """FID against an imported statistics file (``--fid-reference``): 'N generated vs imported FILE (...)'."""
    return tuple(q for q in (f"{generated} generated vs imported {imported}", extractor.resize) if q)
