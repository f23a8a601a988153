"""Several posts about one problem are one incident: join a candidate to an open incident when
close in text, place and time, else open a new one."""

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from workflows.core.words import lemma, words
from workflows.incidents.matching import Match, score
from workflows.incidents.vocabulary import Vocabulary

WINDOW_HOURS = 72.0  # an incident with no new post for this long is no longer joined
JOIN_AT = 0.45
THREAD_HOURS = 24.0

# Function words carry no topic; dropping them keeps «нет» and «не» out of the text cosine.
_STOP = frozenset(
    [
        "и",
        "в",
        "во",
        "на",
        "с",
        "со",
        "у",
        "к",
        "о",
        "об",
        "от",
        "до",
        "по",
        "за",
        "из",
        "под",
        "над",
        "а",
        "но",
        "же",
        "ли",
        "бы",
        "то",
        "не",
        "нет",
        "уже",
        "еще",
        "это",
        "этот",
        "тот",
        "мы",
        "вы",
        "они",
        "он",
        "она",
        "оно",
        "я",
        "наш",
        "ваш",
        "весь",
        "который",
        "как",
        "что",
        "где",
        "когда",
        "так",
        "очень",
        "там",
        "тут",
        "здесь",
        "быть",
        "мочь",
        "день",
    ]
)


@dataclass(frozen=True)
class Post:
    id: str
    at: datetime  # aware UTC
    text: str
    source: str = ""  # the community it was read from
    kind: str = "post"  # post | comment


@dataclass
class Incident:
    posts: list[Post] = field(default_factory=list)

    @property
    def last_at(self) -> datetime:
        return self.posts[-1].at


def _terms(text: str, match: Match) -> Counter[str]:
    """The post's topic lemmas; sector words weigh more, places are compared apart."""
    sector_words = {w for r in match.reasons if r.sector for w in r.word.split()}
    terms: Counter[str] = Counter()
    for w in words(text):
        lem = lemma(w)
        if lem in _STOP or len(lem) < 3 or w.isdigit():
            continue
        terms[lem] += 3 if lem in sector_words else 1
    return terms


def _cosine(a: Counter[str], b: Counter[str]) -> float:
    dot = sum(v * b[k] for k, v in a.items())
    norm = math.sqrt(sum(v * v for v in a.values())) * math.sqrt(sum(v * v for v in b.values()))
    return dot / norm if norm else 0.0


@dataclass(frozen=True)
class Similarity:
    """The parts of a similarity, so the operator sees why two posts were joined."""

    text: float
    place: float  # 1 same place, 0.5 one of them names none, 0 different places
    time: float  # 1 at once, falling to 0 at WINDOW_HOURS
    same_sector: bool
    thread: bool = False  # a comment in the same community within a day: most likely replies

    @property
    def value(self) -> float:
        if self.place == 0 or self.time == 0:
            return 0.0
        value = 0.6 * self.text + 0.2 * self.place + 0.2 * self.time
        value += 0.2 if self.thread else 0.0
        return round(min(1.0, value if self.same_sector else value * 0.4), 3)


def compare(a: Post, b: Post, vocabulary: Vocabulary) -> Similarity:
    ma, mb = score(a.text, vocabulary), score(b.text, vocabulary)
    la, lb = ma.localities, mb.localities
    place = 0.5 if not la or not lb else (1.0 if la & lb else 0.0)
    hours = abs((a.at - b.at).total_seconds()) / 3600
    sa, sb = ma.sectors, mb.sectors
    return Similarity(
        text=round(_cosine(_terms(a.text, ma), _terms(b.text, mb)), 3),
        place=place,
        time=round(max(0.0, 1 - hours / WINDOW_HOURS), 3),
        same_sector=not sa or not sb or bool(sa & sb),
        thread=bool(a.source)
        and a.source == b.source
        and "comment" in (a.kind, b.kind)
        and hours <= THREAD_HOURS,
    )


def similar(a: Post, b: Post, vocabulary: Vocabulary) -> float:
    """How likely two posts are about one problem, in [0, 1]."""
    return compare(a, b, vocabulary).value


def group(
    posts: Iterable[Post], vocabulary: Vocabulary, *, join_at: float = JOIN_AT
) -> list[list[str]]:
    """Post ids grouped into incidents, in time order: each post joins the open incident it is
    most similar to (to any of its posts) when that similarity reaches `join_at`."""
    incidents: list[Incident] = []
    for post in sorted(posts, key=lambda p: p.at):
        best, best_value = None, 0.0
        for incident in incidents:
            if (post.at - incident.last_at).total_seconds() > WINDOW_HOURS * 3600:
                continue
            value = max(similar(post, other, vocabulary) for other in incident.posts)
            if value > best_value:
                best, best_value = incident, value
        if best is not None and best_value >= join_at:
            best.posts.append(post)
        else:
            incidents.append(Incident(posts=[post]))
    return [[p.id for p in i.posts] for i in incidents]


def pairs(groups: Sequence[Sequence[str]]) -> set[frozenset[str]]:
    """Every pair of ids put in one group: what pairwise precision and recall count."""
    return {frozenset((a, b)) for g in groups for i, a in enumerate(g) for b in g[i + 1 :]}
