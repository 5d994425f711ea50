"""ganbench: every GAN model x loss x stabiliser under the same compute budget."""

import time

STARTED = time.perf_counter()  # near the process start: the run's time split counts start-up from here

from ganbench.hookspecs import hookimpl  # noqa: E402

__version__ = "0.1.0"
__all__ = ["hookimpl", "__version__"]
