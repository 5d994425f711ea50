"""The results database: a run folder written by an earlier ganbench still opens, resumes and records."""

import sqlite3

from ganbench.store import ADDED_TRIAL_COLUMNS, SCHEMA, Store
from ganbench.types import TrialResult


def test_a_database_from_before_a_column_was_added_gains_it_and_records(tmp_path):
    old_schema = SCHEMA
    for column, kind in ADDED_TRIAL_COLUMNS:
        old_schema = old_schema.replace(f", {column} {kind}", "")
    with sqlite3.connect(tmp_path / "results.sqlite") as db:
        db.executescript(old_schema)
        db.execute("INSERT INTO trials (id, config, status) VALUES ('old', '{}', 'done')")

    def columns():
        return [row[1] for row in sqlite3.connect(tmp_path / "results.sqlite").execute("PRAGMA table_info(trials)")]

    assert "data_wait_share" not in columns()

    Store(tmp_path).close()
    store = Store(tmp_path)  # opening it again adds nothing twice
    assert columns()[-len(ADDED_TRIAL_COLUMNS) :] == [c for c, _ in ADDED_TRIAL_COLUMNS]
    trial = {"model": "m", "loss": "l", "stabilisers": "none", "seed": 0}
    store.record(trial, TrialResult("new", "done", data_wait_share=0.25))
    rows = dict(store.connection.execute("SELECT id, data_wait_share FROM trials").fetchall())
    assert rows == {"old": None, "new": 0.25}
    store.close()


def test_a_file_that_is_not_a_database_is_one_line_naming_it(tmp_path):
    import pytest

    from ganbench.errors import UsageError

    (tmp_path / "results.sqlite").write_bytes(b"not a database at all " * 200)
    with pytest.raises(UsageError) as refused:
        Store.open_existing(tmp_path)
    assert str(refused.value) == (
        f"{tmp_path / 'results.sqlite'} cannot be used as a ganbench results database (file is not a database); "
        "restore it from a copy, or run into a new --out"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.sqlite"]  # no -wal or -shm left beside it


def test_a_damaged_database_is_one_line_when_it_is_read(tmp_path):
    import pytest

    from ganbench.errors import UsageError

    store = Store(tmp_path)
    for i in range(200):
        store.set(f"key{i}", "x" * 100)
    store.close()
    data = bytearray((tmp_path / "results.sqlite").read_bytes())
    data[4096:] = bytes((i * 7) & 255 for i in range(len(data) - 4096))
    (tmp_path / "results.sqlite").write_bytes(bytes(data))
    with pytest.raises(UsageError, match=r"cannot be used as a ganbench results database \(database disk image"):
        store = Store.open_existing(tmp_path)
        store.get("key1")
        store.frame("trials")
