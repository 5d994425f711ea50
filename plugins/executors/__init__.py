"""Built-in executors, registered through the `ganbench` entry-point group like any third-party plugin.

One module each:

* local.py      ``local``: trials one after another in this process, with live progress (the default)
* pool.py       ``pool``: ``--workers N`` spawned worker processes, one GPU or an equal share of the CPU threads each
* ray_tasks.py  ``ray``: one Ray task per trial on a local or remote cluster (``pip install 'ganbench[ray]'``)

Whatever the executor, results come back to the driver as :class:`~ganbench.types.TrialResult` s
(pictures and weights included, as bytes) and the driver alone writes the database.
"""

from ganbench import hookimpl

from . import local, pool, ray_tasks
from .options import ganbench_add_options  # noqa: F401 (--workers, --address)


@hookimpl
def ganbench_executors():
    return [local.spec(), pool.spec(), ray_tasks.spec()]
