"""Held-out figures of a classifier: accuracy, macro-F1, precision at coverage, and the
confidence to route at for a target precision."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
from sklearn.metrics import accuracy_score, f1_score

COVERAGES = (0.5, 0.7, 0.8, 0.9)


def precision_at_coverage(
    proba: np.ndarray, predicted: np.ndarray, truth: np.ndarray
) -> dict[float, float]:
    """Precision of the predicted label among the k% most confident held-out items."""
    order = np.argsort(-proba.max(axis=1), kind="stable")
    correct = (predicted == truth)[order]
    return {k: float(correct[: max(1, math.ceil(k * len(order) - 1e-9))].mean()) for k in COVERAGES}


def scores(proba: np.ndarray, classes: Sequence[str], truth: Sequence[str]) -> dict[str, object]:
    """accuracy, macro_f1 (over the labels present in `truth`) and precision_at {"0.8": …}."""
    labels = np.asarray(classes)
    predicted = labels[proba.argmax(axis=1)]
    true = np.asarray(truth)
    return {
        "accuracy": float(accuracy_score(true, predicted)),
        "macro_f1": float(f1_score(true, predicted, average="macro", labels=sorted(set(truth)))),
        "precision_at": {
            str(k): v for k, v in precision_at_coverage(proba, predicted, true).items()
        },
        "held_out": len(true),
    }


@dataclass(frozen=True)
class ThresholdRule:
    """How much evidence a threshold must rest on. The observed precision of a few hundred
    out-of-fold items is noisy: 0 errors in 30 items is 100%, yet 3% wrong is likely enough.

    - `min_items`: at least this many items at or above the threshold;
    - `level`: when set, the Wilson lower bound of their precision at this one-sided confidence
      (not the observed share) must reach the goal; 0 errors then need n ≥ z²·p/(1 - p) items
      (0.99 at 0.8: 71; at 0.95, tried before and routing nothing: 268);
    - `floor`: never a threshold below this confidence."""

    min_items: int = 30
    level: float | None = None
    floor: float = 0.0

    def __post_init__(self) -> None:
        if self.min_items < 1 or not 0.0 <= self.floor <= 1.0:
            raise ValueError("min_items must be ≥ 1 and floor within 0..1")
        if self.level is not None and not 0.5 <= self.level < 1.0:
            raise ValueError("level must be within 0.5..1")


def wilson_lower(hits: int, n: int, level: float) -> float:
    """The one-sided Wilson score lower bound of a proportion `hits / n` at confidence `level`
    (0.5: the share itself)."""
    if n <= 0 or not 0 <= hits <= n:
        raise ValueError("need 0 ≤ hits ≤ n and n > 0")
    z = NormalDist().inv_cdf(level)
    p = hits / n
    centre = p + z * z / (2 * n)
    spread = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, (centre - spread) / (1 + z * z / n))


def threshold_for(
    confidence: Sequence[float],
    correct: Sequence[bool],
    *,
    precision: float,
    min_items: int = 30,
    rule: ThresholdRule | None = None,
) -> float | None:
    """The lowest confidence such that the items at or above it were right at least `precision`
    of the time, counting at least `min_items` of them (or as `rule` asks: its own min_items,
    a lower bound instead of the share, a floor); None when no such confidence exists
    (then nothing is routed by itself). `confidence` and `correct` are of held-out decisions."""
    if len(confidence) != len(correct):
        raise ValueError("confidence and correct differ in length")
    rule = rule or ThresholdRule(min_items=min_items)
    order = np.argsort(-np.asarray(confidence, dtype=float), kind="stable")
    conf = np.asarray(confidence, dtype=float)[order]
    ok = np.asarray(correct, dtype=bool)[order]
    best: float | None = None
    hits = 0
    for n, (c, right) in enumerate(zip(conf, ok, strict=True), start=1):
        hits += bool(right)
        # a threshold must not split ties: only where the next confidence is lower
        if n < len(conf) and conf[n] == c:
            continue
        if n < rule.min_items or c < rule.floor:
            continue
        sure = hits / n if rule.level is None else wilson_lower(hits, n, rule.level)
        if sure >= precision - 1e-12:
            best = float(c)
    return best
