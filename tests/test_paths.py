"""Paths: what cannot be a run folder or an output file is refused before anything is written, files are
written whole, and a path a database names is read only if it stays inside the run folder."""

import errno
import os

import pytest

from ganbench import paths
from ganbench.errors import UsageError
from ganbench.paths import check_out_folder, check_output_file, inside_folder, write_atomically


def listing(folder):
    return sorted(p.name for p in folder.rglob("*"))


def test_a_new_folder_an_empty_one_and_a_run_folder_can_be_run_folders(tmp_path):
    check_out_folder(tmp_path / "new" / "run")
    check_out_folder(tmp_path)
    assert listing(tmp_path) == []  # the write check leaves nothing behind


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda t: (t / "file").write_text("x") and t / "file", "is not a folder"),
        (lambda t: (t / "file").write_text("x") and t / "file" / "run", "file is a file, so no folder can be made"),
        (lambda t: t / ("a" * 300), "a name in it has 300 bytes, more than the 255 allowed"),
        (lambda t: t / "/".join(["abc"] * 2000), "is too long: a path has at most 4096 bytes"),
    ],
    ids=["a file", "under a file", "a long name", "a long path"],
)
def test_what_cannot_be_a_run_folder_is_refused_in_one_line(tmp_path, make, message):
    with pytest.raises(UsageError, match=message) as refused:
        check_out_folder(make(tmp_path))
    assert "\n" not in str(refused.value) and len(str(refused.value)) < 500


def test_devices_and_pseudo_file_systems_are_refused():
    with pytest.raises(UsageError, match="/dev/null is not a folder"):
        check_out_folder(paths.Path("/dev/null"))
    with pytest.raises(UsageError, match=r"nothing can be written in /proc \(\[Errno"):
        check_out_folder(paths.Path("/proc/x/run"))
    with pytest.raises(UsageError, match="/dev/null is not a regular file"):
        check_output_file(paths.Path("/dev/null"))
    with pytest.raises(UsageError, match=r"nothing can be written in /proc"):
        check_output_file(paths.Path("/proc/x"))


def test_an_output_file_must_not_be_a_folder(tmp_path):
    check_output_file(tmp_path / "new" / "samples.png")
    (tmp_path / "old.md").write_text("old")
    check_output_file(tmp_path / "old.md")  # replaced when written
    with pytest.raises(UsageError, match="is a folder; give a file name in it"):
        check_output_file(tmp_path)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_folder_is_refused(tmp_path):
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        with pytest.raises(UsageError, match="nothing can be written in"):
            check_out_folder(folder / "run")
        with pytest.raises(UsageError, match=r"cannot write .*report.md: \[Errno 13\]"):
            write_atomically(folder / "report.md", "text")
    finally:
        folder.chmod(0o755)


def test_a_read_only_folder_simulated_is_one_line_naming_the_file(tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(paths.tempfile, "mkstemp", refuse)
    with pytest.raises(UsageError) as refused:
        write_atomically(tmp_path / "report.md", "text")
    assert str(refused.value) == f"cannot write {tmp_path / 'report.md'}: [Errno 13] Permission denied"


def test_a_full_disk_leaves_the_old_file_whole_and_no_temporary_file(tmp_path, monkeypatch):
    target = tmp_path / "report.md"
    target.write_text("the old report")

    def full(file, payload):
        file.write(payload[:5])
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(paths, "_fill", full)
    with pytest.raises(UsageError) as refused:
        write_atomically(target, "the new report, longer")
    assert str(refused.value) == f"cannot write {target}: [Errno 28] No space left on device"
    assert target.read_text() == "the old report"
    assert listing(tmp_path) == ["report.md"]


def test_write_atomically_replaces_the_file_readable_as_any_other(tmp_path):
    target = tmp_path / "summary.csv"
    write_atomically(target, "a,b\n")
    write_atomically(target, b"c,d\n")
    assert target.read_bytes() == b"c,d\n" and listing(tmp_path) == ["summary.csv"]
    mask = os.umask(0)
    os.umask(mask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~mask


def test_a_symlink_in_place_of_the_file_is_replaced_not_written_through(tmp_path):
    outside = tmp_path / "outside.txt"
    outside.write_text("keep me")
    run = tmp_path / "run"
    run.mkdir()
    (run / "report.md").symlink_to(outside)
    write_atomically(run / "report.md", "report")
    assert outside.read_text() == "keep me" and (run / "report.md").read_text() == "report"


def test_only_paths_inside_the_folder_are_let_through(tmp_path):
    run = tmp_path / "run"
    (run / "samples").mkdir(parents=True)
    (run / "samples" / "a.png").write_bytes(b"png")
    secret = tmp_path / "secret"
    secret.write_text("secret")
    (run / "samples" / "link.png").symlink_to(secret)
    assert inside_folder(run, "samples/a.png") == (run / "samples" / "a.png").resolve()
    assert inside_folder(run, "samples/../samples/a.png") is not None
    for outside in ("../secret", "samples/../../secret", str(secret), "/etc/passwd", "samples/link.png", "."):
        assert inside_folder(run, outside) is None, outside
