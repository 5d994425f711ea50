"""What report.md and report.html both say of a run, read from its database: the data split and share,
how each metric was prepared, the one device, and the pictures a page may show (only files inside the
run folder: a database may come from anyone)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ganbench import exports
from ganbench.paths import inside_folder
from ganbench.store import Store
from ganbench.timing import TimeSplit

#: shown instead of a picture whose stored path leads out of the run folder (a database may come from anyone)
OUTSIDE = "picture skipped: outside the run folder"
TUNING_PICTURES = {
    "curves/tuning-expected-best.png": "expected best score after k configurations",
    "curves/tuning-scores.png": "every configuration's selection score",
}


def time_split(store: Store) -> str:
    """Where the last invocation's wall time went, as one line."""
    return TimeSplit(**store.get("time_split")).text()


def config_name(r) -> str:
    """'model/loss/stabilisers [settings]': one configuration, as the tables name it."""
    settings = f" [{r.settings}]" if getattr(r, "settings", "") else ""
    return f"{r.model}/{r.loss}/{r.stabilisers}{settings}"


def file_name(column: str) -> str:
    """A metric column as a file name under curves/ ('fid[inception-v3-compat]' -> 'fid_inception-v3-compat')."""
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in column).strip("_")


def metric_facts(store: Store) -> list[tuple[str, str]]:
    """Per metric, what it recorded of its preparation (extractor, held-out accuracy, why it runs) as text."""
    found = []
    for name, info in (store.get("metric_info") or {}).items():
        parts = [
            f"{key.replace('_', ' ')}: {exports.number(v) if isinstance(v, float) else v}" for key, v in info.items()
        ]
        if parts:
            found.append((name, "; ".join(parts)))
    return found


def data_fraction(data: dict) -> str:
    """'; trained on a 10% share (180 samples) ...' for a run with --data-fraction, else ''."""
    fraction, kept = data.get("fraction", 1.0), data.get("training_samples")
    if fraction is None or fraction >= 1 or not isinstance(kept, int):
        return ""
    return (
        f"; trained on a {fraction:.0%} share of them ({kept:,} samples, --data-fraction {fraction:g}: a fixed "
        "seeded subset, the same for every trial), scored against all of them"
    )


def data_split(store: Store) -> str | None:
    """Which images the trials trained on and the metrics scored against, said plainly: in one run they are
    the same images (tuning's selection and final table use halves of them). None for older databases."""
    data = store.get("dataset", {})
    split, n = data.get("split"), data.get("samples")
    if not split or not isinstance(n, int):
        return None
    what = "points" if str(data.get("shape", "")).startswith("vector") else "images"
    if not store.get("metric_info"):  # --metrics none
        which = f"all {n:,}" if split == "all" else f"{n:,} {split}"
        return f"trained on {which} {what}; no metric scored against them"
    kept, fraction = data.get("training_samples"), data.get("fraction") or 1.0
    if fraction < 1 and isinstance(kept, int):
        which = "" if split == "all" else f" {split}"
        text = f"trained on {kept:,} of the {n:,}{which} {what} (a {fraction:.0%} share), scored against all {n:,}"
    elif split == "all":
        text = f"all {n:,} {what}, for training and as the metrics' reference: the same {what}"
    else:
        text = f"trained and scored on the same {n:,} {split} {what}"
    if store.get("tuning"):
        text += "; tuning selected on one half of them and scored its final table on the other"
    return text


def one_device(table: pd.DataFrame) -> str:
    """The device every trial ran on, said once above the table; '' where they differ (a column then)."""
    devices = set(table["device"]) - {""} if "device" in table else set()
    return devices.pop() if len(devices) == 1 else ""


def shown_trials(table: pd.DataFrame) -> pd.DataFrame:
    unique = "device" in table and len(set(table["device"]) - {""}) <= 1
    return table.drop(columns="device") if unique else table


def picture_file(folder: Path, relative) -> Path | str | None:
    """The one way a report reaches a file the database names: the file, if it is inside the run folder once
    symlinks are resolved; OUTSIDE (the note to show) if the path leads out (``../..``, absolute, a symlink
    out: the database may come from someone else); None if there is no such file."""
    if not isinstance(relative, str) or not relative:
        return None
    path = inside_folder(folder, relative)
    if path is None:
        return OUTSIDE
    return path if path.is_file() else None


def picture_bytes(folder: Path, relative) -> bytes | str | None:
    """The picture's bytes, or why there are none (OUTSIDE), or None."""
    found = picture_file(folder, relative)
    if not isinstance(found, Path):
        return found
    try:
        return found.read_bytes()
    except OSError:  # unreadable: shown as missing
        return None
