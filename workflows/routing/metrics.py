"""Held-out figures of a classifier: accuracy, macro-F1, precision at coverage, and the
confidence to route at for a target precision."""

from __future__ import annotations

import math
from collections.abc import Sequence

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


def threshold_for(
    confidence: Sequence[float], correct: Sequence[bool], *, precision: float, min_items: int = 30
) -> float | None:
    """The lowest confidence such that the items at or above it were right at least `precision`
    of the time, counting at least `min_items` of them; None when no such confidence exists
    (then nothing is routed by itself). `confidence` and `correct` are of held-out decisions."""
    if len(confidence) != len(correct):
        raise ValueError("confidence and correct differ in length")
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
        if n >= min_items and hits / n >= precision:
            best = float(c)
    return best
