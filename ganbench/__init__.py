"""ganbench: every GAN model x loss x stabiliser under the same compute budget."""
from ganbench.hookspecs import hookimpl

__version__ = "0.1.0"
__all__ = ["hookimpl", "__version__"]
