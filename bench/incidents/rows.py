"""The labelled set's rows and the figures every part of the bench computes on them."""

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import yaml

from workflows.incidents.vocabulary import Vocabulary, from_mapping

HERE = Path(__file__).parent
PARTS = ("dev", "heldout")


@dataclass(frozen=True)
class Row:
    id: str
    at: datetime
    source: str
    kind: str
    text: str
    problem: bool
    group: str | None


def load_vocabulary() -> Vocabulary:
    return from_mapping(yaml.safe_load((HERE / "vocabulary.yaml").read_text(encoding="utf-8")))


def load(part: str) -> list[Row]:
    lines = (HERE / f"{part}.jsonl").read_text(encoding="utf-8").splitlines()
    rows = []
    for line in lines[1:]:  # the first line is the header
        d = json.loads(line)
        rows.append(
            Row(
                id=d["id"],
                at=datetime.fromisoformat(d["at"]),
                source=d["source"],
                kind=d["kind"],
                text=d["text"],
                problem=d["label"] == "problem",
                group=d["group"],
            )
        )
    return rows


def ratio(a: int, b: int) -> float | None:
    return round(a / b, 3) if b else None


def precision_recall(said: list[bool], gold: list[bool]) -> dict[str, float | None]:
    hits = sum(s and g for s, g in zip(said, gold, strict=True))
    return {"precision": ratio(hits, sum(said)), "recall": ratio(hits, sum(gold))}
