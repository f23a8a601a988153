"""The routing classifier: text and kind of place -> label (an spb category for the starter
model, a sector code for a municipality's own) with a calibrated confidence; saved as a file
with a checksum.

A file that is missing, cut short, altered or written by another format raises
`ModelUnavailable` with a reason in Russian: routing then goes on by the rules and triage."""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.pipeline import Pipeline
from sklearn.svm import LinearSVC

from workflows.routing.features import (
    cyrillic_share,
    has_words,
    inputs,
    routing_features,
)

MAGIC = b"MCU-ROUTING 2\n"  # the file format; a file not starting with it is refused
OLD_MAGIC = b"MCU-ROUTING 1\n"  # text only, before the kind of place: retrain
MIN_CYRILLIC = 0.5  # a text with fewer Cyrillic letters is not Russian: no suggestion


class ModelUnavailable(Exception):
    """The model cannot be used; `str(error)` says why, in Russian, for the operator."""


@dataclass(frozen=True)
class Suggestion:
    label: str
    p: float  # calibrated probability


def make_pipeline(c: float = 0.3, class_weight: str | None = None) -> Pipeline:
    """Lemma, character and place-kind features, a linear SVM calibrated to probabilities
    (sigmoid, 3 folds); it reads `features.inputs(texts, kinds)`."""
    svm = LinearSVC(C=c, class_weight=class_weight)
    calibrated = CalibratedClassifierCV(svm, method="sigmoid", cv=3, ensemble=False)
    return Pipeline([("features", routing_features()), ("svm", calibrated)])


class TextModel:
    """A fitted pipeline and its labels; `suggest` gives the top labels of one text."""

    def __init__(self, pipeline: Pipeline) -> None:
        self.pipeline = pipeline

    @classmethod
    def train(
        cls,
        texts: Sequence[str],
        labels: Sequence[str],
        kinds: Sequence[str | None] | None = None,
        **params: Any,
    ) -> TextModel:
        """Fit on texts (with their kinds of place, if known) and their labels; at least two
        labels with three examples each."""
        counts: dict[str, int] = {}
        for label in labels:
            counts[label] = counts.get(label, 0) + 1
        if len(texts) != len(labels):
            raise ValueError("texts and labels differ in length")
        if sum(n >= 3 for n in counts.values()) < 2:
            raise ValueError("для обучения нужно хотя бы два направления по три примера в каждом")
        pipeline = make_pipeline(**params)
        pipeline.fit(inputs(texts, kinds), list(labels))
        return cls(pipeline)

    @property
    def labels(self) -> list[str]:
        return [str(c) for c in self.pipeline.classes_]

    def proba(self, texts: Sequence[str], kinds: Sequence[str | None] | None = None) -> np.ndarray:
        """Probabilities, one row per text, columns in the order of `labels`."""
        return np.asarray(self.pipeline.predict_proba(inputs(texts, kinds)))

    def suggest(self, text: str, k: int = 3, *, kind: str | None = None) -> list[Suggestion]:
        """The k most likely labels, most likely first; none for an empty text, one with no
        letters or digits, or one not in Russian (the corpus is Russian; a guess would mislead)."""
        if not text.strip() or not has_words(text) or cyrillic_share(text) < MIN_CYRILLIC:
            return []
        row = self.proba([text], [kind])[0]
        order = np.argsort(-row, kind="stable")[:k]
        labels = self.labels
        return [Suggestion(labels[i], float(row[i])) for i in order]

    def dumps(self) -> bytes:
        return MAGIC + pickle.dumps(self.pipeline, protocol=pickle.HIGHEST_PROTOCOL)

    def save(self, path: Path) -> str:
        """Write the file (atomically: a temporary file renamed) and return its sha256."""
        data = self.dumps()
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_bytes(data)
        tmp.replace(path)
        return hashlib.sha256(data).hexdigest()

    @classmethod
    def load(cls, path: Path, sha256: str | None = None) -> TextModel:
        """Read a saved model, checking the checksum first: only a file we wrote is unpickled."""
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise ModelUnavailable(f"файл модели не найден: {path.name}") from None
        except OSError as e:
            raise ModelUnavailable(f"файл модели не читается: {path.name} ({e.strerror})") from None
        if sha256 is not None and hashlib.sha256(data).hexdigest() != sha256:
            raise ModelUnavailable(f"файл модели повреждён или подменён: {path.name}")
        if data.startswith(OLD_MAGIC):
            raise ModelUnavailable(
                f"модель старого формата (без вида места), её нужно переобучить: {path.name}"
            )
        if not data.startswith(MAGIC):
            raise ModelUnavailable(f"файл не является моделью маршрутизации: {path.name}")
        try:
            pipeline = pickle.loads(data[len(MAGIC) :])
        except Exception as e:  # any unpickling failure means the same here
            raise ModelUnavailable(
                f"файл модели не читается: {path.name} ({type(e).__name__})"
            ) from None
        if not hasattr(pipeline, "predict_proba") or not hasattr(pipeline, "classes_"):
            raise ModelUnavailable(f"в файле нет обученной модели: {path.name}")
        return cls(pipeline)
