"""Built-in stabilisers, registered through the `ganbench` entry-point group like any third-party plugin.

One module per method, each with a ``spec()`` giving its :class:`~ganbench.types.StabiliserSpec`.
Parameters are written ``name:param=value`` on the command line (``gp:lambda=5``, ``pack:m=4``)
and combined with '+' (``gp+sn``), applied in that order.
"""

from ganbench import hookimpl

from . import ada, bcr, clip, cr, diffaug, dragan, fm, gp, ha, lecam, ls, mbd, mrgan, noise, pack, r1, r2, sn

MODULES = (mbd, fm, gp, r1, sn, noise, ha, pack, ls, clip, r2, dragan, lecam, cr, bcr, diffaug, ada, mrgan)


@hookimpl
def ganbench_stabilisers():
    return [module.spec() for module in MODULES]
