"""The labelled pairs of the duplicates bench, built from spb-appeals and kept as ids.

Label rule (the portal's own `reason`, which the detector never reads): two messages within
30 m and 3 days of each other with the same `reason` are "the same problem" (label 1); hard
negatives are within 30 m and 3 days with another `reason` («same house, another problem»);
easy negatives have the same `reason` 200 m to 2 km apart within 3 days. The rule is noisy:
the same reason at one address is often another entrance or floor (see the bench's output).
"""

from __future__ import annotations

import csv
import gzip
import json
import math
import random
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workflows.items.duplicates.score import metres

PAIRS_FILE = Path(__file__).with_name("duplicates_pairs.csv")
NEAR_M, FAR_M, MAX_FAR_M, DAYS = 30.0, 200.0, 2000.0, 3.0
WANT = {"same": 360, "hard": 260, "easy": 140}
SEED = 14


@dataclass(frozen=True)
class Pair:
    old: int  # spb message ids, the older first
    new: int
    label: int  # 1: the same problem
    kind: str  # same, hard, easy


def load(path: Path) -> dict[int, dict[str, Any]]:
    """The messages with coordinates, by id (`t`: seconds since the epoch, local time)."""
    out: dict[int, dict[str, Any]] = {}
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            if row.get("lat") is None or row.get("lon") is None or not row.get("text"):
                continue
            out[int(row["id"])] = row
    return out


def _cell(row: dict[str, Any], size: float) -> tuple[int, int]:
    return (math.floor(row["lat"] / size), math.floor(row["lon"] / (size * 2)))


def build(rows: dict[int, dict[str, Any]]) -> list[Pair]:
    """Sample the pairs by the label rule; each message in at most one pair of each kind."""
    from datetime import datetime

    at = {i: datetime.fromisoformat(r["created_at"]).timestamp() for i, r in rows.items()}
    size = 0.02  # about 2.2 km of latitude: far pairs are in neighbouring cells
    grid: dict[tuple[int, int], list[int]] = defaultdict(list)
    for i, r in rows.items():
        grid[_cell(r, size)].append(i)
    found: dict[str, list[Pair]] = {k: [] for k in WANT}
    for i, r in rows.items():
        cy, cx = _cell(r, size)
        for dy in (-1, 0, 1):
            for dx in (-1, 0, 1):
                for j in grid.get((cy + dy, cx + dx), ()):
                    if at[j] <= at[i] or at[j] - at[i] > DAYS * 86_400:
                        continue
                    s = rows[j]
                    d = metres(r["lat"], r["lon"], s["lat"], s["lon"])
                    same = r["reason"] == s["reason"]
                    kind = (
                        ("same" if same else "hard")
                        if d <= NEAR_M
                        else ("easy" if same and FAR_M <= d <= MAX_FAR_M else None)
                    )
                    if kind is not None:
                        found[kind].append(Pair(i, j, int(kind == "same"), kind))
    rng = random.Random(SEED)
    pairs: list[Pair] = []
    for kind, want in WANT.items():
        pool = sorted(found[kind], key=lambda p: (p.old, p.new))
        rng.shuffle(pool)
        used: set[int] = set()
        taken = 0
        for p in pool:
            if taken >= want:
                break
            if p.old in used or p.new in used:
                continue
            used |= {p.old, p.new}
            pairs.append(p)
            taken += 1
    return pairs


def save(pairs: list[Pair], path: Path = PAIRS_FILE) -> None:
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["old_id", "new_id", "label", "kind"])
        for p in pairs:
            w.writerow([p.old, p.new, p.label, p.kind])


def read(path: Path = PAIRS_FILE) -> list[Pair]:
    with path.open(newline="") as f:
        return [
            Pair(int(r["old_id"]), int(r["new_id"]), int(r["label"]), r["kind"])
            for r in csv.DictReader(f)
        ]
