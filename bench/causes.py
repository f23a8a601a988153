"""The causes behind growth on the real trace: how long grouping a week's texts into problems
takes, and what the problems of the trace's growth points are.

    python -m bench.causes [--week 2021-W08] [--texts 3000]

Reads the spb-appeals trace directly (no database): the week's messages by Moscow date, padded
with the following days' messages up to --texts for the timing. Times, on one process:
the first fit (pymorphy3 parsing every word once), a second fit of the same texts (words
cached, as in a running server), and grouping all of them; then groups the week's portal
categories and districts the replayed note calls growth points, and checks that a second run
gives the same problems. Figures on stdout.
"""

from __future__ import annotations

import argparse
import gzip
import json
import time
from datetime import date, timedelta
from typing import Any

from bench.spb_replay import DATA
from workflows.reports import wording
from workflows.reports.causes import WeekSpace
from workflows.reports.growth import texts_digest

# The growth points of 2021-W08 in the replayed note (docs/example-digest/README.md).
POINTS = (("category", "Кровля"), ("district", "Центральный"), ("district", "Адмиралтейский"))


def load_week(monday: date, texts: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The week's messages, and the week's padded with the next days' up to `texts`."""
    end = (monday + timedelta(days=7)).isoformat()
    week: list[dict[str, Any]] = []
    later: list[dict[str, Any]] = []
    with gzip.open(DATA, "rt", encoding="utf-8") as f:
        for line in f:
            rec = json.loads(line)
            day = rec["created_at"][:10]
            if monday.isoformat() <= day < end:
                week.append(rec)
            elif day >= end and len(week) + len(later) < texts:
                later.append(rec)
    return week, (week + later)[:texts]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--week", default="2021-W08", help="ISO week, e.g. 2021-W08")
    p.add_argument("--texts", type=int, default=3_000, help="texts for the timing")
    args = p.parse_args(argv)
    year, wk = args.week.split("-W")
    monday = date.fromisocalendar(int(year), int(wk), 1)
    week, padded = load_week(monday, args.texts)
    texts = [r["text"] or "" for r in padded]
    wording.words("прогрев")  # the dictionaries load (0.2 s) is not the clustering's
    started = time.perf_counter()
    space = WeekSpace(texts)
    cold = time.perf_counter() - started
    started = time.perf_counter()
    space = WeekSpace(texts)
    warm = time.perf_counter() - started
    started = time.perf_counter()
    groups = space.groups(range(len(texts)))
    grouping = time.perf_counter() - started
    print(
        f"{len(texts)} texts: first fit {cold:.2f} s, again {warm:.2f} s, grouping {grouping:.2f} s"
    )
    started = time.perf_counter()
    texts_digest(texts)
    kept = time.perf_counter() - started
    print(
        f"  a request for a week already grouped reads it kept: {kept * 1000:.1f} ms for the"
        f" digest of its texts, {(cold + grouping) / max(kept, 1e-6):.0f}× less than grouping"
    )
    print("  problems of them all: " + "; ".join(f"{g.label} {len(g.members)}" for g in groups))
    week_texts = [r["text"] or "" for r in week]
    space = WeekSpace(week_texts)
    again = WeekSpace(week_texts)
    print(f"{args.week}: {len(week)} messages")
    for key, value in POINTS:
        members = [i for i, r in enumerate(week) if r[key] == value]
        found = space.groups(members)
        same = found == again.groups(members)
        print(f"  {key} «{value}»: {len(members)} items, same on a second run: {same}")
        for g in found:
            print(f"    {len(g.members):4d}  {g.label}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
