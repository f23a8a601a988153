"""The candidate filter: is a public post about a local problem of this municipality?

Explainable on purpose: the score is a sum of named signals the operator sees as the reason."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from workflows.core.words import lemma, words
from workflows.incidents.vocabulary import Vocabulary, find_places

DEFAULT_THRESHOLD = 0.5


class Signal(StrEnum):
    problem = "problem"  # a word that says something is wrong
    sector = "sector"  # a word of a sector's vocabulary (water, roads, …)
    locality = "locality"  # one of the municipality's places
    elsewhere = "elsewhere"  # a place of another district
    advert = "advert"
    greeting = "greeting"
    news = "news"


@dataclass(frozen=True)
class Reason:
    signal: Signal
    word: str  # the phrase in lemma form, or the place's name
    sector: str | None = None


@dataclass(frozen=True)
class Match:
    score: float  # relevance in [0, 1]
    reasons: tuple[Reason, ...]

    def of(self, signal: Signal) -> list[str]:
        return [r.word for r in self.reasons if r.signal is signal]

    @property
    def sectors(self) -> set[str]:
        return {r.sector for r in self.reasons if r.sector is not None}

    @property
    def localities(self) -> set[str]:
        return set(self.of(Signal.locality))


def _phrases(seq: list[str], phrases: Iterable[str]) -> list[str]:
    """The phrases (lemmas joined by spaces) that occur as consecutive lemmas of the text."""
    joined = " " + " ".join(seq) + " "
    return sorted({p for p in phrases if f" {p} " in joined})


def _negatives(seq: list[str], phrases: Mapping[str, str]) -> list[Reason]:
    return [Reason(Signal(phrases[p]), p) for p in _phrases(seq, phrases)]


# Weights of the signals; a kind of negative counts once, more of it counts a little more.
_PROBLEM, _PROBLEM_MORE, _SECTOR, _SECTOR_MORE, _PLACE = 0.3, 0.1, 0.3, 0.05, 0.15
_PENALTY = {Signal.advert: 0.45, Signal.greeting: 0.4, Signal.news: 0.25}
_ELSEWHERE = 0.6


def score(text: str, vocabulary: Vocabulary) -> Match:
    """The post's relevance to the municipality's local problems and why."""
    text_words = words(text)
    seq = [lemma(w) for w in text_words]
    reasons = [Reason(Signal.problem, p) for p in _phrases(seq, vocabulary.problem_phrases)]
    sectors = vocabulary.sector_phrases
    reasons += [Reason(Signal.sector, p, sectors[p]) for p in _phrases(seq, sectors)]
    ours = find_places(text_words, vocabulary.localities)
    reasons += [Reason(Signal.locality, name) for name in ours]
    others = [] if ours else find_places(text_words, vocabulary.elsewhere)
    reasons += [Reason(Signal.elsewhere, name) for name in others]
    reasons += _negatives(seq, vocabulary.negative_phrases)

    counts = {s: sum(r.signal is s for r in reasons) for s in Signal}
    value = 0.0
    if counts[Signal.problem]:
        value += _PROBLEM + _PROBLEM_MORE * min(counts[Signal.problem] - 1, 2)
    if counts[Signal.sector]:
        value += _SECTOR + _SECTOR_MORE * min(counts[Signal.sector] - 1, 2)
    if ours:
        value += _PLACE
    for signal, penalty in _PENALTY.items():
        if counts[signal]:
            value -= penalty * (1 + 0.5 * min(counts[signal] - 1, 2))
    if others:
        value -= _ELSEWHERE
    return Match(score=round(min(1.0, max(0.0, value)), 3), reasons=tuple(reasons))


def is_candidate(match: Match, threshold: float = DEFAULT_THRESHOLD) -> bool:
    """A candidate needs the score and at least one problem or sector word."""
    return match.score >= threshold and bool(match.of(Signal.problem) or match.sectors)
