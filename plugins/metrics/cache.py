"""Cache files that several processes share: one writer per entry, and no half-written files.

Pool workers, Ray tasks and users on one machine share ``cache_dir``. Two processes that find
an entry missing at the same moment must not both compute it: their results may differ, and the
last rename would win silently, leaving the network of one beside the statistics of the other.
So "look in the cache, compute if absent, write" runs under :func:`locked`, an exclusive
``fcntl.flock`` on ``<path>.lock``: the second process waits, looks again, and reads what the
first wrote. Files are written to a temporary name and renamed (:func:`save_atomically`), so a
reader that takes no lock never sees half a file.

The lock files stay behind (a few bytes each): removing one while another process waits on it
would let a third process lock a new file of the same name, and both would write.
"""

from __future__ import annotations

import fcntl  # Linux and macOS, the platforms ganbench targets
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

import torch


@contextmanager
def locked(path: str) -> Iterator[None]:
    """Hold the exclusive lock of cache entry ``path`` (waiting for it): one process at a time inside."""
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path + ".lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # released when the file is closed, even if this process dies
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def save_atomically(obj: object, path: str) -> None:
    """``torch.save`` to a temporary file beside ``path``, then rename: readers see all of it or nothing."""
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=os.path.dirname(path) or ".", suffix=".tmp")
    os.close(handle)
    try:
        torch.save(obj, tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
