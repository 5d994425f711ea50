"""The results database of a run folder: the truth every report is rendered from.

One SQLite file, written by the driver alone (workers send results back), one transaction per
finished trial, in WAL mode: a SIGKILL loses at most the trials in flight and never leaves a
half-written trial. Pictures and weights are files beside it, written before the row that
names them, so a row never points at a missing file.
"""

from __future__ import annotations

import functools
import json
import sqlite3
from pathlib import Path
from typing import Any

import pandas as pd

from ganbench.errors import UsageError

DATABASE = "results.sqlite"

SCHEMA = """
CREATE TABLE IF NOT EXISTS run (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS trials (
    id TEXT PRIMARY KEY, position INTEGER, model TEXT, loss TEXT, stabilisers TEXT, seed INTEGER,
    config TEXT NOT NULL, status TEXT NOT NULL, reason TEXT, notes TEXT, traceback TEXT,
    steps INTEGER, images INTEGER, train_seconds REAL, eval_seconds REAL,
    steps_per_s REAL, images_per_s REAL, peak_memory_mb REAL,
    samples TEXT, generator TEXT, finished_at TEXT, data_wait_share REAL, settings TEXT, phase TEXT, threads INTEGER, gflop_per_step REAL, load_average REAL, flops REAL, eval_peak_memory_mb REAL, device_info TEXT, evaluated TEXT, generator_raw TEXT
);
CREATE TABLE IF NOT EXISTS scalars (trial_id TEXT, step INTEGER, seconds REAL, name TEXT, value REAL);
CREATE TABLE IF NOT EXISTS metrics (
    trial_id TEXT, checkpoint INTEGER, step INTEGER, seconds REAL, name TEXT, column_name TEXT,
    value REAL, higher_is_better INTEGER, extractor TEXT, n_samples INTEGER, header TEXT
);
CREATE TABLE IF NOT EXISTS pictures (trial_id TEXT, checkpoint INTEGER, step INTEGER, seconds REAL, path TEXT);
CREATE INDEX IF NOT EXISTS scalars_trial ON scalars (trial_id);
CREATE INDEX IF NOT EXISTS metrics_trial ON metrics (trial_id);
"""
#: columns added after the first release, per table: an older database gains them (empty) when opened
ADDED_COLUMNS = {
    "trials": (
        ("data_wait_share", "REAL"),
        ("settings", "TEXT"),
        ("phase", "TEXT"),
        ("threads", "INTEGER"),
        ("gflop_per_step", "REAL"),
        ("load_average", "REAL"),
        ("flops", "REAL"),
        ("eval_peak_memory_mb", "REAL"),
        ("device_info", "TEXT"),
        ("evaluated", "TEXT"),
        ("generator_raw", "TEXT"),
    ),  # fmt: skip
    "metrics": (("header", "TEXT"),),
}
ADDED_TRIAL_COLUMNS = ADDED_COLUMNS["trials"]


def _one_line(method):
    """A database that is not one, or is damaged, is a bad run folder: one line naming the file, not a traceback.

    SQLite only finds out when it reads a page: opening a file of garbage fails at the first
    statement ("file is not a database"), a damaged one at any later read ("database disk image
    is malformed"), so every method that touches the database says it this way.
    """

    @functools.wraps(method)
    def checked(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except (sqlite3.DatabaseError, pd.errors.DatabaseError) as error:
            reason = str(error).splitlines()[0].rpartition(": ")[2]  # pandas: "Execution failed on sql '...': why"
            raise UsageError(
                f"{self.path} cannot be used as a ganbench results database ({reason}); "
                "restore it from a copy, or run into a new --out"
            ) from None

    return checked


class Store:
    @_one_line
    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        self.path = self.folder / DATABASE
        self.connection = sqlite3.connect(self.path, timeout=30)
        try:
            self.connection.execute("PRAGMA journal_mode=WAL")
            self.connection.executescript(SCHEMA)
            self._add_missing_columns()
        except BaseException:
            self.connection.close()
            raise

    def _add_missing_columns(self) -> None:
        """A run folder written by an earlier ganbench resumes: columns added since are added to it (empty)."""
        with self.connection:
            for table, columns in ADDED_COLUMNS.items():
                have = {row[1] for row in self.connection.execute(f"PRAGMA table_info({table})")}
                for column, kind in columns:
                    if column not in have:
                        self.connection.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")

    @classmethod
    def open_existing(cls, folder: str | Path) -> Store:
        if not (Path(folder) / DATABASE).is_file():
            raise UsageError(f"{folder} is not a ganbench run folder: it has no {DATABASE}")
        return cls(folder)

    def close(self) -> None:
        self.connection.close()

    # ----------------------------------------------------------------- run facts

    @_one_line
    def set(self, key: str, value: Any) -> None:
        with self.connection:
            self.connection.execute("INSERT OR REPLACE INTO run VALUES (?, ?)", (key, json.dumps(value, default=str)))

    @_one_line
    def get(self, key: str, default: Any = None) -> Any:
        row = self.connection.execute("SELECT value FROM run WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else default

    # ----------------------------------------------------------------- trials

    @_one_line
    def finished_ids(self) -> set[str]:
        rows = self.connection.execute("SELECT id FROM trials WHERE status IN ('done', 'skipped')")
        return {row[0] for row in rows}

    @_one_line
    def record(self, trial: dict[str, Any], result: Any, notes: list[str] | tuple[str, ...] = ()) -> None:
        """Write one trial's outcome (a TrialResult), replacing an earlier attempt, in one transaction."""
        pictures = [
            (
                result.id,
                p.checkpoint,
                p.step,
                p.seconds,
                self._write(f"samples/{result.id}-checkpoint{p.checkpoint}.png", p.png),
            )
            for p in result.pictures
        ]
        samples = pictures[-1][-1] if pictures and result.status == "done" else None
        generator = (
            self._write(f"generators/{result.id}.pt", result.generator_state) if result.generator_state else None
        )
        raw = getattr(result, "raw_generator_state", None)
        generator_raw = self._write(f"generators/{result.id}-g.pt", raw) if raw else None
        usage = result.usage
        with self.connection:
            for table, key in (
                ("trials", "id"),
                ("scalars", "trial_id"),
                ("metrics", "trial_id"),
                ("pictures", "trial_id"),
            ):
                self.connection.execute(f"DELETE FROM {table} WHERE {key} = ?", (result.id,))
            row = {
                "id": result.id,
                "position": trial.get("position", 0),
                "model": trial["model"],
                "loss": trial["loss"],
                "stabilisers": trial["stabilisers"],
                "seed": trial["seed"],
                "config": json.dumps(trial, default=str),
                "status": result.status,
                "reason": result.reason,
                "notes": "; ".join(notes),
                "traceback": result.traceback,
                "steps": usage.steps,
                "images": usage.images,
                "train_seconds": usage.seconds,
                "eval_seconds": result.eval_seconds,
                "steps_per_s": result.steps_per_s,
                "images_per_s": result.images_per_s,
                "peak_memory_mb": result.peak_memory_mb,
                "data_wait_share": result.data_wait_share,
                "settings": trial.get("settings", ""),
                "phase": trial.get("phase", ""),
                "threads": getattr(result, "threads", None),
                "gflop_per_step": getattr(result, "gflop_per_step", None),
                "load_average": getattr(result, "load_average", None),
                "flops": usage.flops or None,  # None: not counted (a compiled step)
                "eval_peak_memory_mb": getattr(result, "eval_peak_memory_mb", None),
                "device_info": getattr(result, "device_info", ""),
                "evaluated": getattr(result, "evaluated", "G"),
                "generator_raw": generator_raw,
                "samples": samples,
                "generator": generator,
            }
            self.connection.execute(  # by name: an older database has its added columns last
                f"INSERT INTO trials ({', '.join(row)}, finished_at) VALUES ({', '.join('?' * len(row))}, datetime('now'))",
                tuple(row.values()),
            )
            self.connection.executemany(
                "INSERT INTO scalars VALUES (?,?,?,?,?)",
                [(result.id, s.step, s.seconds, s.name, s.value) for s in result.scalars],
            )
            self.connection.executemany(
                "INSERT INTO metrics (trial_id, checkpoint, step, seconds, name, column_name, value, higher_is_better,"
                " extractor, n_samples, header) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                [
                    (
                        result.id,
                        c.checkpoint,
                        c.step,
                        c.seconds,
                        c.measurement.name,
                        c.measurement.column,
                        c.measurement.value,
                        int(c.measurement.higher_is_better),
                        c.measurement.extractor,
                        c.measurement.n_samples,
                        c.measurement.header,
                    )
                    for c in result.checkpoints
                ],
            )
            self.connection.executemany("INSERT INTO pictures VALUES (?,?,?,?,?)", pictures)

    def _write(self, relative: str, data: bytes) -> str:
        path = self.folder / relative
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(data)
        return relative

    # ----------------------------------------------------------------- reading

    @_one_line
    def frame(self, table: str) -> pd.DataFrame:
        return pd.read_sql_query(f"SELECT * FROM {table}", self.connection)
