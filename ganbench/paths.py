"""Paths a command is given or a run folder names: checked before anything is written, written whole.

Three concerns, one place each:

- ``check_out_folder`` and ``check_output_file`` refuse, in one line, a path that cannot become a
  run folder or an output file (a file where a folder is wanted, a folder under a file, a place
  nobody may write, a name longer than the file system allows), before any work starts and
  without creating anything that stays.
- ``write_atomically`` writes a file to a temporary file beside it and renames it over the old
  one, so a full disk or a Ctrl-C leaves the old file whole and no half-written one.
- ``inside_folder`` is the one door through which a report reads a file a database names: a path
  that leads outside the run folder (``../..``, an absolute path, a symlink pointing out) is not
  read, since the database may come from someone else.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import tempfile
from pathlib import Path

from ganbench.errors import UsageError

NAME_MAX = 255  # bytes in one file name, on the file systems ganbench runs on (ext4, APFS, NTFS)
PATH_MAX = 4096  # bytes in a whole path (Linux's limit; macOS allows 1024 for some calls)
SHOWN = 256  # characters of a path shown in a message: a 100,000-character one is not echoed whole


def shown(path: str | Path) -> str:
    """The path for a message, shortened when it is very long."""
    text = str(path)
    return text if len(text) <= SHOWN else f"{text[:SHOWN]}... ({len(text):,} characters)"


def error_text(error: OSError) -> str:
    """'[Errno 28] No space left on device', without the file name (the message names it once)."""
    return f"[Errno {error.errno}] {error.strerror}" if error.errno else str(error)


def path_argument(text: str) -> Path:
    """An argparse ``type=`` for an --out path: an empty one would mean the current folder, so it is refused."""
    if not text.strip():
        raise argparse.ArgumentTypeError("an empty path would mean the current folder; give a folder or file name")
    return Path(text)


def check_out_folder(path: Path, option: str = "--out") -> None:
    """Refuse a path that cannot be a run folder: an existing file, a folder under a file, no write access."""
    _check_length(path, option)
    if path.exists() or path.is_symlink():
        if not path.is_dir():
            raise UsageError(
                f"{option} {shown(path)} is not a folder; give a new or empty folder (or a run folder to resume)"
            )
        _check_writable(path, path, option)
        return
    ancestor = _nearest_existing(path)
    if not ancestor.is_dir():
        raise UsageError(f"{option} {shown(path)}: {shown(ancestor)} is a file, so no folder can be made under it")
    _check_writable(ancestor, path, option)


def check_output_file(path: Path, option: str = "--out") -> None:
    """Refuse a path that cannot be written as a file: a folder, a device, a place under a file or unwritable."""
    _check_length(path, option)
    if path.is_dir():
        raise UsageError(f"{option} {shown(path)} is a folder; give a file name in it, e.g. {shown(path / 'out.png')}")
    if path.exists() and not path.is_file():  # /dev/null, a pipe: replacing it would remove it
        raise UsageError(f"{option} {shown(path)} is not a regular file; give a file name to write")
    ancestor = _nearest_existing(path.parent)
    if not ancestor.is_dir():
        raise UsageError(f"{option} {shown(path)}: {shown(ancestor)} is a file, so nothing can be written under it")
    _check_writable(ancestor, path, option)


def _check_length(path: Path, option: str) -> None:
    if len(os.fsencode(str(path))) > PATH_MAX:
        raise UsageError(f"{option} {shown(path)} is too long: a path has at most {PATH_MAX} bytes")
    longest = max((len(os.fsencode(part)) for part in path.parts), default=0)
    if longest > NAME_MAX:
        raise UsageError(
            f"{option} {shown(path)}: a name in it has {longest:,} bytes, more than the {NAME_MAX} allowed"
        )


def _nearest_existing(path: Path) -> Path:
    """The path itself or its closest ancestor that exists (a relative path ends at the current folder)."""
    for candidate in [path, *path.parents]:
        if candidate.exists():
            return candidate
    return Path(".")


def _check_writable(folder: Path, path: Path, option: str) -> None:
    """Try to make (and at once remove) a folder in ``folder``: the only sure test (root, /proc, read-only mounts)."""
    try:
        os.rmdir(tempfile.mkdtemp(prefix=".ganbench-check-", dir=folder))
    except OSError as error:
        raise UsageError(
            f"{option} {shown(path)}: nothing can be written in {shown(folder)} ({error_text(error)})"
        ) from None


def make_folder(path: Path) -> None:
    """mkdir -p, with a failure as one line naming the folder."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UsageError(f"cannot create {shown(path)}: {error_text(error)}") from None


def write_atomically(path: str | Path, data: str | bytes) -> None:
    """Write the whole file or nothing: a temporary file beside it, renamed over it once written.

    A failure (a full disk, a read-only folder) is one line naming the file; the old file, if
    any, is left as it was and the temporary file is removed.
    """
    path = Path(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name[:100]}.", suffix=".tmp", dir=path.parent)
    except OSError as error:
        raise UsageError(f"cannot write {shown(path)}: {error_text(error)}") from None
    try:
        with os.fdopen(handle, "wb") as file:
            _fill(file, payload)
        os.chmod(temporary, 0o666 & ~_umask())  # mkstemp makes it private; a report is as readable as any file
        os.replace(temporary, path)
    except BaseException as error:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        if isinstance(error, OSError):
            raise UsageError(f"cannot write {shown(path)}: {error_text(error)}") from None
        raise


def _fill(file, payload: bytes) -> None:
    """The write itself, flushed to the disk before the rename makes it the file (a test makes it fail)."""
    file.write(payload)
    file.flush()
    os.fsync(file.fileno())


def _umask() -> int:
    mask = os.umask(0)  # the only way to read it is to set it: set it back at once
    os.umask(mask)
    return mask


def inside_folder(folder: str | Path, relative: str | Path) -> Path | None:
    """``folder / relative`` with symlinks resolved, if that is inside ``folder``; else None (not to be read)."""
    root = Path(folder).resolve()
    path = (root / relative).resolve()  # an absolute ``relative`` replaces root: then it is outside
    return path if path != root and path.is_relative_to(root) else None
