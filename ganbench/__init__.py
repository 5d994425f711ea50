"""ganbench: every GAN model x loss x stabiliser under the same compute budget."""

import time

STARTED = time.perf_counter()  # near the process start: the run's time split counts start-up from here

from ganbench.hookspecs import hookimpl  # noqa: E402

__version__ = "0.1.0"
__all__ = ["hookimpl", "__version__", "run", "load"]


def __getattr__(name: str):
    """``ganbench.run`` and ``ganbench.load`` (ganbench.api), imported on first use: a plugin's
    ``from ganbench import hookimpl`` should not load torch, pandas and the whole engine."""
    if name in ("run", "load"):
        from ganbench import api

        return getattr(api, name)
    raise AttributeError(f"module 'ganbench' has no attribute {name!r}")
