"""Training from decisions: time-ordered labelled examples in, a model with its held-out figures
and the confidence it may route at out; and the rule that a new model replaces the current one
only when it is not worse on data neither has been tuned on.

- The newest `HELD_OUT` share of the examples is held out: figures and the comparison only.
- The confidence to route at comes from out-of-fold predictions on the rest (3 folds), the
  lowest at which those predictions were right `precision` of the time, by a lower bound that
  allows for how few they are (`RULE`, `threshold_for`).
- The model kept is then refit on all examples with the same settings: the newest decisions are
  the most like tomorrow's items."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
from sklearn.model_selection import StratifiedKFold, cross_val_predict

from workflows.routing.features import inputs
from workflows.routing.metrics import ThresholdRule, scores, threshold_for
from workflows.routing.model import TextModel, make_pipeline

HELD_OUT = 0.2
PRECISION = 0.99  # what routing by itself must keep, unless a municipality sets its own
MIN_EXAMPLES = 40  # fewer decisions than this: no model of one's own yet
MIN_THRESHOLD_ITEMS = 20  # out-of-fold items a threshold must rest on
# How sure a threshold must be: the Wilson lower bound at 60% one-sided confidence, not the
# observed share, must reach the goal; 0.99 then wants 7 items without an error, 129 with one
# (the share: 100), 239 with two. Chosen on three development municipalities of the trace
# (`python -m bench.curve_policies`), never on the one the curve reports: the observed share
# routed 38.7% at 99.05% there (12 wrong of 1,258), this 37.1% at 99.25% (9 of 1,208); stricter
# bounds routed less and were no more precise beyond noise (at 0.95 nothing is routed).
RULE = ThresholdRule(min_items=MIN_THRESHOLD_ITEMS, level=0.6)
# A label's fewest examples to be learned: out of fold, each of 3 folds fits on two thirds of
# them, and that fit calibrates on 3 folds of its own, so it needs 3 (5 - ceil(5 / 3) = 3).
MIN_PER_LABEL = 5
UNMAPPED = "\x00unmapped"  # a starter's category the setup's table leaves out


@dataclass(frozen=True)
class Example:
    text: str
    label: str  # a sector code (own model) or an spb category (starter)
    at: datetime
    kind: str | None = None  # the kind of place (a PlaceKind value), when the citizen said it


@dataclass
class Trained:
    model: TextModel  # what routes: refit on all examples when asked
    evaluated: TextModel  # trained without the held-out part: the figures and comparisons are its
    metrics: dict[str, Any]  # scores() on held-out, plus threshold, precision_at_threshold, …
    threshold: float | None  # None: suggestions only, nothing routed by itself
    held_out: list[Example] = field(default_factory=list)
    trained_until: datetime | None = None  # the newest example it was evaluated without


def _folds(labels: Sequence[str]) -> int:
    """3 folds, fewer when the rarest label has fewer examples; 0: too few to cross-validate."""
    rarest = min(Counter(labels).values())
    return min(3, rarest) if rarest >= 2 else 0


def train_on(
    examples: Sequence[Example],
    *,
    precision: float = PRECISION,
    refit: bool = True,
    rule: ThresholdRule = RULE,
    held_out_too: bool = False,
) -> Trained:
    """Train, measure on the newest HELD_OUT share, choose the threshold out of fold by `rule`
    (with `held_out_too`, on the held-out predictions as well: more items, but the held-out
    figures and `not_worse` then judge a threshold chosen on them); refit on everything when
    `refit`. Raises ValueError with a Russian reason when there is too little."""
    if len(examples) < MIN_EXAMPLES:
        raise ValueError(
            f"мало решений для обучения: {len(examples)}, нужно не меньше {MIN_EXAMPLES}"
        )
    ordered = sorted(examples, key=lambda e: e.at)
    cut = int(len(ordered) * (1 - HELD_OUT))
    train, held = ordered[:cut], ordered[cut:]
    # labels seen too rarely cannot be cross-validated nor learned: they stay with the operator
    common = {label for label, n in Counter(e.label for e in train).items() if n >= MIN_PER_LABEL}
    if len(common) < 2:
        raise ValueError(
            f"для обучения нужно хотя бы два направления по {MIN_PER_LABEL} решений в каждом"
        )
    learnt = [e for e in train if e.label in common]
    train_x, train_y = [e.text for e in learnt], [e.label for e in learnt]
    train_k = [e.kind for e in learnt]
    model = TextModel.train(train_x, train_y, train_k)
    threshold = None
    folds = _folds(train_y)
    if folds >= 2:
        oof = cross_val_predict(
            make_pipeline(),
            inputs(train_x, train_k),
            train_y,
            cv=StratifiedKFold(n_splits=folds),
            method="predict_proba",
        )
        classes = np.asarray(sorted(common))
        confidence = oof.max(axis=1)
        right = classes[oof.argmax(axis=1)] == np.asarray(train_y)
        if held_out_too and held:
            proba = model.proba([e.text for e in held], [e.kind for e in held])
            labels = np.asarray(model.labels)
            confidence = np.concatenate([confidence, proba.max(axis=1)])
            truth = np.asarray([e.label for e in held])
            right = np.concatenate([right, labels[proba.argmax(axis=1)] == truth])
        threshold = threshold_for(confidence, right, precision=precision, rule=rule)
    metrics = evaluate(model, held, threshold=threshold)
    metrics.update(trained_on=len(train_x), labels=len(common), precision_goal=precision)
    final = model
    if refit:
        everything = [e for e in ordered if e.label in common]
        final = TextModel.train(
            [e.text for e in everything],
            [e.label for e in everything],
            [e.kind for e in everything],
        )
    return Trained(final, model, metrics, threshold, held, train[-1].at if train else None)


def evaluate(
    model: TextModel,
    examples: Sequence[Example],
    *,
    threshold: float | None,
    map_label: Callable[[str], str | None] | None = None,
) -> dict[str, Any]:
    """Held-out figures of a model on examples: scores(), and at the threshold the share it
    would route by itself and how often that was right. `map_label` turns the model's labels
    into the examples' (a starter's category into a sector code; `by_target` adds up a sector's
    categories, as routing does); unmapped ones count wrong in the scores, but are never
    routed: the product never suggests a category its table leaves out, so such an item goes to
    the operator."""
    if not examples:
        return {"held_out": 0, "threshold": threshold}
    proba = model.proba([e.text for e in examples], [e.kind for e in examples])
    labels = model.labels
    if map_label is not None:
        proba, labels = by_target(proba, labels, map_label)
    truth = [e.label for e in examples]
    out: dict[str, Any] = dict(scores(proba, labels, truth))
    top = proba.max(axis=1)
    predicted = np.asarray(labels)[proba.argmax(axis=1)]
    right = predicted == np.asarray(truth)
    routed = top >= threshold if threshold is not None else np.zeros(len(top), dtype=bool)
    routed &= predicted != UNMAPPED
    out["threshold"] = threshold
    out["auto_share"] = float(routed.mean())
    out["auto_precision"] = float(right[routed].mean()) if routed.any() else None
    return out


def by_target(
    proba: np.ndarray, labels: Sequence[str], map_label: Callable[[str], str | None]
) -> tuple[np.ndarray, list[str]]:
    """A starter's probabilities of categories as probabilities of sectors, the way routing
    reads them (`route.py`): the categories of one sector add up; those the table leaves out add
    up under UNMAPPED, which is never routed."""
    targets = sorted({map_label(label) or UNMAPPED for label in labels})
    column = {t: i for i, t in enumerate(targets)}
    summed = np.zeros((proba.shape[0], len(targets)))
    for j, label in enumerate(labels):
        summed[:, column[map_label(label) or UNMAPPED]] += proba[:, j]
    return summed, targets


def routed_well(figures: dict[str, Any], goal: float) -> float:
    """The share a model routes by itself on some decisions, counted only if it kept the
    precision goal there (a model routing more but wrongly is worth nothing here)."""
    share, precision = figures.get("auto_share") or 0.0, figures.get("auto_precision")
    return float(share) if precision is not None and precision >= goal - 1e-9 else 0.0


def not_worse(
    candidate: Trained,
    current: TextModel | None,
    *,
    current_threshold: float | None = None,
    map_label: Callable[[str], str | None] | None = None,
    since: datetime | None = None,
) -> tuple[bool, str]:
    """Whether the candidate may replace the current model, judged on the candidate's held-out
    decisions (only those newer than `since`, the current model's own training, when there are
    enough): it must route by itself at least as large a share at the precision goal, and if
    the shares are equal, have the higher macro-F1 (a tie changes nothing: no switch). The
    reason is in Russian, for the log and the CLI."""
    if current is None:
        return True, "текущей модели нет"
    pool = [e for e in candidate.held_out if since is None or e.at > since]
    if len(pool) < MIN_THRESHOLD_ITEMS:
        pool = candidate.held_out
    goal = float(candidate.metrics.get("precision_goal", PRECISION))
    mine = evaluate(candidate.evaluated, pool, threshold=candidate.threshold)
    theirs = evaluate(current, pool, threshold=current_threshold, map_label=map_label)
    a, b = mine.get("macro_f1", 0.0), theirs.get("macro_f1", 0.0)
    ra, rb = routed_well(mine, goal), routed_well(theirs, goal)
    verdict = (
        f"сама направила бы {ra:.0%} против {rb:.0%} у текущей (при точности не ниже {goal:.0%}),"
        f" macro-F1 {a:.3f} против {b:.3f}, на {len(pool)} отложенных решениях"
    )
    return (ra > rb or (ra == rb and a > b)), verdict
