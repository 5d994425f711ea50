"""Built-in datasets, registered through the `ganbench` entry-point group like any third-party plugin."""
from ganbench import hookimpl


@hookimpl
def ganbench_datasets():
    return []
