"""ganbench-relativistic: relativistic average GAN losses and a small residual model.

One module is the plugin: ganbench loads it through the entry point in pyproject.toml and
calls the two discovery hooks below.
"""

from ganbench import hookimpl
from ganbench_relativistic import losses, models


@hookimpl
def ganbench_losses():
    return losses.specs()


@hookimpl
def ganbench_models():
    return models.specs()
