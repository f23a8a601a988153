"""The candidate filter: is a public post about a local problem of this municipality?

Explainable on purpose: the score is a sum of named signals the operator sees as the reason."""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from workflows.core.words import lemma, words
from workflows.incidents.learning import Learned
from workflows.incidents.vocabulary import Vocabulary, find_places, is_place_form

DEFAULT_THRESHOLD = 0.5


class Signal(StrEnum):
    problem = "problem"  # a word that says something is wrong
    sector = "sector"  # a word of a sector's vocabulary (water, roads, …)
    locality = "locality"  # one of the municipality's places
    elsewhere = "elsewhere"  # a place of another district
    advert = "advert"
    greeting = "greeting"
    news = "news"
    question = "question"  # «кто знает…», «подскажите…»: asking, not complaining
    learned = "learned"  # a word the operator's past decisions weigh up or down


@dataclass(frozen=True)
class Reason:
    signal: Signal
    word: str  # the phrase in lemma form, or the place's name
    sector: str | None = None
    weight: float | None = None  # a learned word's adjustment to the score


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
_PROBLEM, _PROBLEM_MORE, _SECTOR, _SECTOR_MORE, _PLACE = 0.3, 0.2, 0.3, 0.05, 0.15
_PENALTY = {
    Signal.advert: 0.45,
    Signal.greeting: 0.4,
    Signal.news: 0.25,
    Signal.question: 0.2,
}
_ELSEWHERE = 0.6

# A place named only as where one travels to or from («автобус до Хасавюрта», «едем в
# Махачкалу») does not put the problem there.
_FROM_TO = frozenset(("до", "из", "от", "через"))
_INTO = frozenset(("в", "во", "на"))
_DISTRICT = re.compile(r"(?:ск|цк)(?:ий|ого|ому|им|ом|ая|ой|ую)$")


def _only_travel(word: str, before: str, name: str) -> bool:
    """Whether a place word after `before` is a destination or an origin, not a location."""
    if before in _FROM_TO:
        return True
    if before not in _INTO:
        return False
    first = words(name)[0]
    if first[-1] in "ая":  # «в Махачкалу», not «в Махачкале»
        return word[-1] in "ую"
    return first[-1] not in "аеиоуыэюя" and word == first  # «в Хасавюрт», not «в Хасавюрте»


def _elsewhere(text_words: list[str], vocabulary: Vocabulary) -> list[str]:
    """Places outside the municipality named as where something is: the built-in and the
    setup's places, and any «…ский район» that is not a form of one of its localities."""
    found = []
    for name in find_places(text_words, vocabulary.elsewhere_places):
        first = words(name)[0]
        spots = [i for i, w in enumerate(text_words) if is_place_form(w, first)]
        if any(
            not _only_travel(text_words[i], text_words[i - 1] if i else "", name) for i in spots
        ):
            found.append(name)
    for i, w in enumerate(text_words[:-1]):
        district = _DISTRICT.search(w) and lemma(text_words[i + 1]) == "район"
        if district and not find_places([w], vocabulary.localities):
            found.append(f"{lemma(w)} район")
    return sorted(set(found))


def score(text: str, vocabulary: Vocabulary, learned: Learned | None = None) -> Match:
    """The post's relevance to the municipality's local problems and why; `learned` adds the
    weights the operator's past decisions gave to its words."""
    text_words = words(text)
    seq = [lemma(w) for w in text_words]
    reasons = [Reason(Signal.problem, p) for p in _phrases(seq, vocabulary.problem_phrases)]
    sectors = vocabulary.sector_phrases
    reasons += [Reason(Signal.sector, p, sectors[p]) for p in _phrases(seq, sectors)]
    ours = find_places(text_words, vocabulary.localities)
    reasons += [Reason(Signal.locality, name) for name in ours]
    others = [] if ours else _elsewhere(text_words, vocabulary)
    reasons += [Reason(Signal.elsewhere, name) for name in others]
    reasons += _negatives(seq, vocabulary.negative_phrases)
    weights = learned.weights_for(seq) if learned is not None else {}
    reasons += [Reason(Signal.learned, w, weight=x) for w, x in weights.items()]

    counts = {s: sum(r.signal is s for r in reasons) for s in Signal}
    value = 0.0
    if counts[Signal.problem]:
        value += _PROBLEM + _PROBLEM_MORE * min(counts[Signal.problem] - 1, 1)
    if counts[Signal.sector]:
        value += _SECTOR + _SECTOR_MORE * min(counts[Signal.sector] - 1, 2)
    if ours:
        value += _PLACE
    for signal, penalty in _PENALTY.items():
        if counts[signal]:
            value -= penalty * (1 + 0.5 * min(counts[signal] - 1, 2))
    if others:
        value -= _ELSEWHERE
    if learned is not None:
        value += learned.total(weights)
    return Match(score=round(min(1.0, max(0.0, value)), 3), reasons=tuple(reasons))


def is_candidate(match: Match, threshold: float = DEFAULT_THRESHOLD) -> bool:
    """A candidate needs the score and at least one problem or sector word."""
    return match.score >= threshold and bool(match.of(Signal.problem) or match.sectors)
