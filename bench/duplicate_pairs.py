"""The judged pairs of the duplicates bench: sampled from spb-appeals without the detector, then
labelled by reading both texts; kept as ids, labels and a reason code (no texts).

Sampling (`build`, seeded): pairs of messages within 100 m and 7 days of each other, in strata
by the portal's own topic labels, which the detector never reads: the same `reason` close in
place and time (≤ 20 m, ≤ 2 days: most duplicates are there, so it is sampled more; reasons
about the inside or the front of a block of flats, where one pin is many entrances, floors and
fixtures, apart and less), the same `reason` otherwise within 100 m and 7 days, the same `category` with another `reason`, another
`category`; plus easy negatives, the same `reason` 300 m–2 km apart within 7 days. Each message
is in at most one pair of a stratum. Neither the detector nor its words choose a pair.

Judging (`label` in the CSV, one judge's reading of both texts with distance, dates and reason
names as context): 1 = one problem that one crew would fix in one visit (the same icicles on
the same roof, the same pothole, the same dead street light, the same uncleared yard or stretch
of pavement); 0 = other problems or other objects (another entrance, flat, floor, sign, lift,
stretch of road); `-` = could not decide from the texts (kept, counted, left out of figures).
`why` is a short code: same-object, same-area (one stretch of pavement, yard, lawn or garden to
clean); other-problem, other-entrance, other-floor, other-object, other-place; unclear (mostly
one short text repeated for countable fixtures: «незаконная решетка на фасаде» five times on
one building is five grilles or one, the texts cannot tell).
Rules of thumb the judge kept to: a building's walls are one object (one crew paints them over),
a grille, an air conditioner, a sign or an advert is one object each; two pins ≥ 6 m apart with
the same few words on a countable object are unclear; snow, litter or leaves on one stretch
within ~50 m and 2 days are one problem; the same reason in another entrance or on another
floor is never one problem. The labels are one judge's reading, not ground truth.
"""

from __future__ import annotations

import csv
import gzip
import json
import math
import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from workflows.items.duplicates.score import metres

PAIRS_FILE = Path(__file__).with_name("duplicates_pairs.csv")
NEAR_M, CLOSE_M, CLOSE_DAYS, DAYS = 100.0, 20.0, 2.0, 7.0
FAR_M, MAX_FAR_M = 300.0, 2000.0
WANT = {
    "reason-close": 360,
    "building-close": 75,
    "reason": 80,
    "category": 70,
    "other": 70,
    "far": 40,
}
# Reasons about the inside or the front of a block of flats: the portal pins a whole building
# to one point, and one building has many entrances, floors, lifts, grilles and air
# conditioners, so the same reason at one pin is seldom one problem (sampled less).
BUILDING = ("парадн", "подъезд", "лифт", "домофон", "доводчик", "лестничн", "кондиционир")
SEED = 59
SKIP = "-"


@dataclass(frozen=True)
class Pair:
    old: int  # spb message ids, the older first
    new: int
    label: int | None  # 1: one problem, 0: not, None: the judge could not decide
    kind: str  # the sampling stratum (a key of WANT)
    why: str = ""


def load(path: Path) -> dict[int, dict[str, Any]]:
    """The messages with coordinates and text, by id."""
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


def stratum(a: dict[str, Any], b: dict[str, Any], d: float, days: float) -> str | None:
    """Which stratum a candidate pair falls in, by place, time and the portal's labels."""
    same = a["reason"] == b["reason"]
    if d > NEAR_M:
        return "far" if same and FAR_M <= d <= MAX_FAR_M else None
    if same:
        if d > CLOSE_M or days > CLOSE_DAYS:
            return "reason"
        building = any(w in a["reason"].lower() for w in BUILDING)
        return "building-close" if building else "reason-close"
    return "category" if a["category"] == b["category"] else "other"


def candidates(rows: dict[int, dict[str, Any]]) -> dict[str, list[tuple[int, int]]]:
    """Every pair within 7 days, by stratum (older id first)."""
    at = {i: datetime.fromisoformat(r["created_at"]).timestamp() for i, r in rows.items()}
    size = 0.02  # about 2.2 km of latitude: far pairs are in neighbouring cells
    grid: dict[tuple[int, int], list[int]] = defaultdict(list)
    for i, r in rows.items():
        grid[_cell(r, size)].append(i)
    found: dict[str, list[tuple[int, int]]] = {k: [] for k in WANT}
    for i, r in rows.items():
        cy, cx = _cell(r, size)
        for dy in (-1, 0, 1):
            for dx in (-1, 0, 1):
                for j in grid.get((cy + dy, cx + dx), ()):
                    gap = at[j] - at[i]
                    if gap < 0 or (gap == 0 and j <= i) or gap > DAYS * 86_400:
                        continue
                    s = rows[j]
                    d = metres(r["lat"], r["lon"], s["lat"], s["lon"])
                    kind = stratum(r, s, d, gap / 86_400)
                    if kind is not None:
                        found[kind].append((i, j))
    return found


def build(rows: dict[int, dict[str, Any]]) -> list[Pair]:
    """The seeded sample of unjudged pairs (label None), each message once per stratum."""
    found = candidates(rows)
    rng = random.Random(SEED)
    pairs: list[Pair] = []
    for kind, want in WANT.items():
        pool = sorted(found[kind])
        rng.shuffle(pool)
        used: set[int] = set()
        for old, new in pool:
            if sum(p.kind == kind for p in pairs) >= want:
                break
            if old in used or new in used:
                continue
            used |= {old, new}
            pairs.append(Pair(old, new, None, kind))
    return pairs


def save(pairs: list[Pair], path: Path = PAIRS_FILE) -> None:
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["old_id", "new_id", "label", "kind", "why"])
        for p in pairs:
            w.writerow([p.old, p.new, SKIP if p.label is None else p.label, p.kind, p.why])


def read(path: Path = PAIRS_FILE) -> list[Pair]:
    with path.open(newline="") as f:
        return [
            Pair(
                int(r["old_id"]),
                int(r["new_id"]),
                None if r["label"] == SKIP else int(r["label"]),
                r["kind"],
                r["why"],
            )
            for r in csv.DictReader(f)
        ]
