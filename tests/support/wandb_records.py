"""Reads a W&B offline run file (``run-ID.wandb``) back, independently of ganbench.

wandb 0.31 dropped its Python reader; the format is LevelDB's log format behind a 7-byte header
(':W&B', a 2-byte magic, a version byte): 32 KiB blocks of records, each with a 4-byte checksum,
a 2-byte little-endian length and a type (1 full, 2 first, 3 middle, 4 last), holding protobuf
``wandb.proto.wandb_internal_pb2.Record`` s. Checksums are not verified: this is a test's reader.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

HEADER = 7
BLOCK = 32 * 1024


def payloads(path: Path) -> list[bytes]:
    data = Path(path).read_bytes()
    assert data[:4] == b":W&B", "not a W&B run file"
    found, partial, at = [], b"", HEADER
    while at + 7 <= len(data):
        left = BLOCK - at % BLOCK
        if left < 7:  # a block's tail too short for a header is padding
            at += left
            continue
        _checksum, length, kind = struct.unpack("<IHB", data[at : at + 7])
        chunk = data[at + 7 : at + 7 + length]
        at += 7 + length
        if kind == 1:
            found.append(chunk)
        elif kind == 2:
            partial = chunk
        elif kind == 3:
            partial += chunk
        elif kind == 4:
            found.append(partial + chunk)
        elif kind == 0 and length == 0:  # zero padding at the end
            break
    return found


def history(path: Path) -> list[dict]:
    """Every history row the run logged, keys to values (JSON-decoded)."""
    from wandb.proto import wandb_internal_pb2 as pb

    rows = []
    for payload in payloads(path):
        record = pb.Record()
        record.ParseFromString(payload)
        if record.WhichOneof("record_type") == "history":
            rows.append(
                {item.key or "/".join(item.nested_key): json.loads(item.value_json) for item in record.history.item}
            )
    return rows


def run_record(path: Path):
    """The run record: its name, group, project and config."""
    from wandb.proto import wandb_internal_pb2 as pb

    for payload in payloads(path):
        record = pb.Record()
        record.ParseFromString(payload)
        if record.WhichOneof("record_type") == "run":
            return record.run
    return None
