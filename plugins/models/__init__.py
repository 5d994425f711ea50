"""Built-in models, registered through the `ganbench` entry-point group like any third-party plugin.

* ``dcgan``: Radford et al. 2015, convolutional, BatchNorm in both networks (images, 16-64 px);
* ``wgan``: Arjovsky et al. 2017, the DCGAN generator and a weight-clipped critic (images);
* ``resnet``: Miyato et al. 2018 (SNGAN), the CIFAR ResNet pair; spectral normalisation from ``sn`` (images, 32/48/64 px);
* ``mlp``: PacGAN's fully connected pair for 2D mixtures (vectors);
* ``biggan``: Brock et al. 2019 at small width, class-conditional (labelled images, 16-64 px);
* ``pggan``: Karras et al. 2018, progressive growing on the budget's clock (images, 16-64 px);
* ``stylegan``: Karras et al. 2020 (StyleGAN2) at small width, skip G and residual D (images, 8-64 px);
* ``vae``: Kingma & Welling 2014, the non-adversarial baseline, trained on the ELBO, its own objective (images);
* ``conditional``: class-conditional ``cdcgan`` and ``cmlp``, Mirza & Osindero 2014's cGAN by
  concatenation (labelled data only).

Each module builds a fresh record in ``spec()``: the registry stamps records with their
provider, so two plugin managers never share (or fight over) one record.
"""

from ganbench import hookimpl

from . import biggan, conditional, dcgan, mlp, pggan, resnet, stylegan, vae, wgan

MODULES = (dcgan, wgan, resnet, mlp, biggan, pggan, stylegan, vae)


@hookimpl
def ganbench_models():
    return [*(module.spec() for module in MODULES), *conditional.specs()]
