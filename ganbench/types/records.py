"""What every discovery hook returns: a named, described record, stamped with its provider."""

from __future__ import annotations

from dataclasses import dataclass


def normalise_name(name: str) -> str:
    """Names are compared lower-case with '-' for '_' and spaces: 'Fashion_MNIST' == 'fashion-mnist'."""
    return "-".join(name.strip().lower().replace("_", "-").split())


@dataclass(kw_only=True)
class Record:
    """What every discovery hook returns: a named, described component."""

    name: str
    description: str
    # Stamped by the registry, never set by the plugin itself.
    plugin: str = ""
    distribution: str = ""
    version: str = ""

    def __post_init__(self) -> None:
        self.name = normalise_name(self.name)

    @property
    def provider(self) -> str:
        dist = f"{self.distribution} {self.version}".strip()
        return f"{self.plugin} ({dist})" if dist and dist != self.plugin else self.plugin
