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
