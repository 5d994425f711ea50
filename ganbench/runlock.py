"""One `ganbench run` per run folder at a time: a lock file in the folder, holding its process id.

Two runs on one folder would both train the trials not yet finished, so the second is refused
in one line naming the first. The lock is an advisory ``flock`` on ``run.lock``: the kernel drops
it when its process ends, however it ends, so a lock left by a killed run (its file still naming
a process that is gone) is simply taken over. The process id in the file is only for the message.
``flock`` is POSIX (Linux, macOS); where it is missing the folder is not locked.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from ganbench.errors import UsageError

try:
    import fcntl
except ImportError:  # Windows: no flock
    fcntl = None  # type: ignore[assignment]

LOCK_FILE = "run.lock"

#: the lock files this process holds open. A forked child (a DataLoader worker) closes its copies, so a
#: worker outliving a killed run never keeps the folder locked (closing a copy does not unlock the parent's).
_held: set[int] = set()


def _close_in_child() -> None:
    for handle in _held:
        with contextlib.suppress(OSError):
            os.close(handle)
    _held.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_close_in_child)


class RunLock:
    """``with RunLock(folder):`` holds the folder for this process, or raises UsageError naming the holder."""

    def __init__(self, folder: str | Path):
        self.path = Path(folder) / LOCK_FILE
        self._handle: int | None = None

    def __enter__(self) -> RunLock:
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()

    def acquire(self) -> None:
        if fcntl is None or self._handle is not None:
            return
        while True:
            try:
                handle = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            except OSError as error:
                raise UsageError(f"cannot lock {self.path}: [Errno {error.errno}] {error.strerror}") from None
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(handle)
                raise UsageError(in_use(self.path.parent, holder_pid(self.path))) from None
            # The holder before us may have removed the file between our open and our lock: then
            # we locked a file nobody else will see, so lock the one now at the path instead.
            if _same_file(handle, self.path):
                break
            os.close(handle)
        os.ftruncate(handle, 0)
        os.write(handle, f"{os.getpid()}\n".encode())
        self._handle = handle
        _held.add(handle)

    def release(self) -> None:
        """Remove the file, then unlock: whoever waits finds either our lock or no file."""
        if self._handle is None:
            return
        with contextlib.suppress(OSError):
            self.path.unlink()
        _held.discard(self._handle)
        os.close(self._handle)  # closing drops the flock
        self._handle = None


def check_free(folder: str | Path) -> None:
    """Refuse at once a folder another run holds, before any work (the lock itself is taken later)."""
    path = Path(folder) / LOCK_FILE
    if fcntl is None or not path.is_file():
        return
    try:
        handle = os.open(path, os.O_RDONLY)
    except OSError:  # gone since, or unreadable: acquire() says what is wrong
        return
    try:
        fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)  # a shared lock is refused while a run holds it
    except BlockingIOError:
        raise UsageError(in_use(path.parent, holder_pid(path))) from None
    finally:
        os.close(handle)  # drops the shared lock, if we got it


def holder_pid(path: Path) -> int | None:
    with contextlib.suppress(OSError, ValueError):
        return int(path.read_text().strip())
    return None


def in_use(folder: Path, pid: int | None) -> str:
    who = f"process {pid}" if pid else "its process id not yet written"
    return (
        f"--out {folder} is in use by another ganbench run ({who}); wait for it to end, "
        "stop it, or choose another --out"
    )


def _same_file(handle: int, path: Path) -> bool:
    try:
        return os.fstat(handle).st_ino == os.stat(path).st_ino
    except FileNotFoundError:
        return False
