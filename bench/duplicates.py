"""Duplicates across citizens on judged spb-appeals pairs: precision and recall, time-split.

    python -m bench.duplicates [--check] [--show N]

The pairs (bench/duplicates_pairs.csv: ids, label, stratum, reason code; no texts) were sampled
without the detector, by place, time and the portal's topic labels (bench/duplicate_pairs.py),
and labelled by ONE judge reading both texts: 1 = one problem one crew would fix in one visit,
0 = another problem or another object (entrance, floor, sign, grille), `-` = undecidable (left
out of every figure, counted). The labels are a reading, not ground truth. Hard negatives are
the judged 0s within 100 m and 7 days. The detector (workflows/items/duplicates/score.py) reads
text, coordinates and time only, never `reason` or `category`. The judged pairs are ordered by
the newer message's time: thresholds are tuned on the older 60% only; the figures are on the
newer 40%, next to two plain baselines. `--check` re-samples and verifies the file's pairs are
exactly the seeded sample (about 2 minutes).
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any

from bench.duplicate_pairs import Pair, build, load, read
from bench.spb_replay import DATA
from bench.support import write_json
from workflows.core.words import words
from workflows.items.duplicates.score import DEFAULT, Report, Tuning, metres, score

TUNE_SHARE = 0.6
PRECISION_TARGET = 0.8
TEXT_GRID = tuple(round(0.05 * i, 2) for i in range(1, 13))
SCORE_GRID = tuple(round(0.05 * i, 2) for i in range(0, 9))
Rows = dict[int, dict[str, Any]]
Predict = Callable[[dict[str, Any], dict[str, Any]], bool]


def report(row: dict[str, Any]) -> Report:
    """What the detector sees of a message: text, place, time (no reason, no category)."""
    return Report(
        text=row["text"],
        at=datetime.fromisoformat(row["created_at"]),
        lat=row["lat"],
        lon=row["lon"],
    )


def hard(p: Pair) -> bool:
    """A judged 0 at the same place (within 100 m and 7 days), not an easy far-apart pair."""
    return p.label == 0 and p.kind != "far"


def figures(pairs: list[Pair], rows: Rows, predict: Predict) -> dict[str, float]:
    tp = fp = fn = 0
    for p in pairs:
        said = predict(rows[p.old], rows[p.new])
        tp += said and p.label == 1
        fp += said and p.label == 0
        fn += (not said) and p.label == 1
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": round(precision, 3),
        "recall": round(recall, 3),
        "f1": round(f1, 3),
        "suggested": tp + fp,
        "pairs": len(pairs),
    }


def detector(tuning: Tuning) -> Predict:
    return lambda a, b: score(report(b), report(a), tuning) is not None


def place_time(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Baseline: any two messages within the radius and the window are one problem."""
    days = abs((report(b).at - report(a).at).total_seconds()) / 86_400
    near = metres(a["lat"], a["lon"], b["lat"], b["lon"]) <= DEFAULT.radius_m
    return near and days <= DEFAULT.window_days


def jaccard_only(threshold: float) -> Predict:
    """Baseline: word Jaccard of the raw texts, no place, no time."""

    def predict(a: dict[str, Any], b: dict[str, Any]) -> bool:
        x, y = set(words(a["text"])), set(words(b["text"]))
        return bool(x and y) and len(x & y) / len(x | y) >= threshold

    return predict


def tune(pairs: list[Pair], rows: Rows, *, target: float | None) -> Tuning:
    """The detector's thresholds on these pairs: the best recall at precision ≥ target (a
    question put to a citizen should usually be right), or the best F1 when target is None."""
    best: tuple[float, float, Tuning] = (-1.0, -1.0, DEFAULT)
    for text_min in TEXT_GRID:
        for score_min in SCORE_GRID:
            t = replace(DEFAULT, text_min=text_min, score_min=score_min)
            f = figures(pairs, rows, detector(t))
            key = (
                (f["f1"], 0.0)
                if target is None
                else (
                    float(f["precision"] >= target),
                    f["recall"] if f["precision"] >= target else f["precision"],
                )
            )
            if key > best[:2]:
                best = (*key, t)
    return best[2]


def tune_jaccard(pairs: list[Pair], rows: Rows) -> float:
    return max(TEXT_GRID, key=lambda th: figures(pairs, rows, jaccard_only(th))["f1"])


def show(pairs: list[Pair], rows: Rows, n: int) -> None:
    """A random sample of pairs to read and judge by hand."""
    for p in random.Random(40).sample(pairs, n):
        a, b = rows[p.old], rows[p.new]
        d = metres(a["lat"], a["lon"], b["lat"], b["lon"])
        print(f"--- {p.old}/{p.new} label={p.label} {p.kind} {d:.0f} m")
        print("  A:", a["text"][:220].replace("\n", " "))
        print("  B:", b["text"][:220].replace("\n", " "))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="verify the file is the sample")
    parser.add_argument("--show", type=int, default=0, help="print N random pairs to judge")
    args = parser.parse_args()
    started = time.monotonic()
    rows = load(DATA)
    every = read()
    if args.check:
        sampled = [(p.old, p.new, p.kind) for p in build(rows)]
        same = sampled == [(p.old, p.new, p.kind) for p in every]
        print("the file's pairs are the seeded sample" if same else "MISMATCH: re-judge or revert")
        return
    skipped = sum(p.label is None for p in every)
    judged = [p for p in every if p.label is not None]
    pairs = sorted(judged, key=lambda p: (rows[p.new]["created_at"], p.new))
    if args.show:
        show(pairs, rows, args.show)
        return
    cut = int(len(pairs) * TUNE_SHARE)
    older, newer = pairs[:cut], pairs[cut:]
    tuning, loose = tune(older, rows, target=PRECISION_TARGET), tune(older, rows, target=None)
    jac = tune_jaccard(older, rows)
    out: dict[str, Any] = {
        "pairs": len(pairs),
        "skipped_undecided": skipped,
        "positives": sum(p.label == 1 for p in pairs),
        "hard_negatives_all": sum(hard(p) for p in pairs),
        "tuned_on": len(older),
        "held_out": len(newer),
        "positives_held_out": sum(p.label for p in newer),
        "tuning": {
            "text_min": tuning.text_min,
            "score_min": tuning.score_min,
            "radius_m": tuning.radius_m,
            "window_days": tuning.window_days,
        },
        "detector": figures(newer, rows, detector(tuning)),
        "detector_best_f1": {
            **figures(newer, rows, detector(loose)),
            "text_min": loose.text_min,
            "score_min": loose.score_min,
        },
        "baseline_place_time": figures(newer, rows, place_time),
        "baseline_jaccard": {**figures(newer, rows, jaccard_only(jac)), "threshold": jac},
        "hard_negatives_flagged": sum(
            detector(tuning)(rows[p.old], rows[p.new]) for p in newer if hard(p)
        ),
        "hard_negatives": sum(hard(p) for p in newer),
        "seconds": round(time.monotonic() - started, 1),
    }
    path = write_json("duplicates", out)
    print("=== duplicates bench ===")
    print("labels: ONE judge's reading of both texts (1 = one problem, one crew, one visit;")
    print("0 = another problem or object: entrance, floor, sign, grille); sampled without the")
    print("detector by place, time and topic. Detector reads text, place and time only.")
    print(
        f"judged {len(pairs)} ({out['positives']} same, {out['hard_negatives_all']} hard"
        f" negatives ≤100 m), undecided and left out {skipped}"
    )
    print(
        f"tuned on the older {len(older)}, held out the newer {len(newer)}"
        f" ({out['positives_held_out']} same)"
    )
    print(
        f"tuned on the older part for precision ≥ {PRECISION_TARGET}: text ≥ "
        f"{tuning.text_min}, score ≥ {tuning.score_min} (best-F1 tuning: text ≥ "
        f"{loose.text_min}, score ≥ {loose.score_min})"
    )
    print(f"{'held-out':<32}{'precision':>10}{'recall':>8}{'F1':>7}")
    for name, key in (
        ("detector (text+place+time)", "detector"),
        ("detector, best-F1 thresholds", "detector_best_f1"),
        ("baseline: place+time only", "baseline_place_time"),
        (f"baseline: word Jaccard ≥ {jac}", "baseline_jaccard"),
    ):
        f = out[key]
        print(f"{name:<32}{f['precision']:>10.3f}{f['recall']:>8.3f}{f['f1']:>7.3f}")
    print(f"hard negatives flagged: {out['hard_negatives_flagged']} of {out['hard_negatives']}")
    print(f"total {out['seconds']} s; figures in {path}")


if __name__ == "__main__":
    main()
