"""What registries/datasets.toml says about a data set, and checking files against it."""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path
from typing import Any

from ganbench import catalogue
from ganbench.errors import UsageError


@functools.lru_cache(maxsize=1)
def _entries() -> dict[str, Any]:
    return catalogue.load("datasets")


def entry(name: str) -> dict[str, Any]:
    """The catalogue entry of data set ``name`` ({} if it has none)."""
    return _entries().get(name, {})


def description(name: str) -> str:
    return entry(name).get("description", name)


def source(name: str) -> str:
    """A one-line citation: what to cite, then the licence."""
    found = entry(name)
    parts = [
        found.get("citation", ""),
        found.get("source", "") if not found.get("citation") else "",
        f"licence: {found['licence']}" if found.get("licence") else "",
    ]
    return "; ".join(part for part in parts if part)


def expected_files(name: str) -> dict[str, str]:
    """File name -> published md5."""
    return dict(entry(name).get("files", {}))


def md5(path: Path) -> str:
    digest = hashlib.md5()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify(name: str, path: Path) -> None:
    """Refuse a file whose md5 is not the one the catalogue lists for data set ``name``."""
    expected = expected_files(name).get(path.name)
    if expected is None:
        return
    actual = md5(path)
    if actual != expected:
        raise UsageError(
            f"{name}: checksum mismatch for {path}: md5 {actual}, expected {expected} "
            "(a corrupt or different file; delete it, or point --data-root elsewhere)"
        )
