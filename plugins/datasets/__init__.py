"""Built-in data sets, registered through the `ganbench` entry-point group like any third-party plugin.

One module per concern:

* mixtures.py       ``ring8``, ``grid25``: the PacGAN 2D Gaussian mixtures (vectors, with modes)
* digits.py         ``digits``: scikit-learn's bundled 8x8 digits, the default (no download)
* idx.py            ``mnist``, ``fashion-mnist``: IDX files in the data root, or torchvision
* cifar.py          ``cifar10``: through torchvision
* stacked_mnist.py  ``stacked-mnist``: three MNIST digits as R, G, B, 1,000 modes
* folder.py         ``folder:PATH``: any ImageFolder tree, or a flat folder of images
* catalogue.py      what registries/datasets.toml says: descriptions, citations, md5 checks
* images.py         resizing and scaling to [-1, 1], shared by the image sets

Loading is lazy: ``load(options)`` reads files only when a run asks for that data set.
"""

from ganbench import hookimpl
from ganbench.types import DatasetSpec

from . import catalogue, cifar, digits, folder, idx, mixtures, stacked_mnist


def _spec(name: str, load, kind: str = "image", takes_argument: bool = False, offline: bool = False) -> DatasetSpec:
    return DatasetSpec(
        name=name,
        description=catalogue.description(name),
        load=load,
        kind=kind,
        takes_argument=takes_argument,
        offline=offline,
        source=catalogue.source(name),
    )


@hookimpl
def ganbench_datasets():
    return [
        _spec("ring8", mixtures.load_ring8, kind="vector", offline=True),
        _spec("grid25", mixtures.load_grid25, kind="vector", offline=True),
        _spec("digits", digits.load, offline=True),
        _spec("mnist", idx.loader("mnist")),
        _spec("fashion-mnist", idx.loader("fashion-mnist")),
        _spec("cifar10", cifar.load),
        _spec("stacked-mnist", stacked_mnist.load),
        _spec("folder", folder.load, takes_argument=True),
    ]
