"""Finding and masking personal data in a text, and masking the free-text fields of a notice."""

from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from workflows.privacy.names import person_spans
from workflows.privacy.patterns import pattern_spans
from workflows.privacy.spans import MARKERS, Span, merged


def find(text: str, *, names: bool = True) -> list[Span]:
    """Non-overlapping spans of personal data in text order; `names=False` uses the patterns
    alone (the baseline the benchmark compares with)."""
    spans = pattern_spans(text)
    if names:
        spans += person_spans(text)
    return merged(spans)


@lru_cache(maxsize=4096)
def mask(text: str) -> str:
    """The text with each piece of personal data replaced by its marker («[телефон]», «[имя]»…).
    Cached: one item's text goes to several staff members and is redrawn on every change."""
    if not text:
        return text
    out, pos = [], 0
    for s in find(text):
        out += [text[pos : s.start], MARKERS[s.kind]]
        pos = s.end
    out.append(text[pos:])
    return "".join(out)


def mask_fields(payload: dict[str, Any], keys: Iterable[str]) -> dict[str, Any]:
    """A copy of the payload with the named text fields masked (the others as they were)."""
    out = dict(payload)
    for key in keys:
        value = out.get(key)
        if isinstance(value, str):
            out[key] = mask(value)
    return out
