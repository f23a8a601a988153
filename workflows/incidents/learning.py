"""What the operator's decisions teach the candidate score, and what they say of automatic
acceptance.

A word that keeps coming up in dismissed candidates (an advert's «магазин», a town residents only
talk about) earns a negative weight, one of accepted ones a positive weight: a smoothed log-odds
against the municipality's own acceptance rate, capped per word and in total, and only for words
seen in enough decisions, so a handful of decisions cannot swing the score. Automatic
acceptances are not decisions: learning from them would only repeat the score to itself."""

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import SocialPost, SocialStatus
from workflows.core.words import lemma, words

MIN_COUNT = 3  # decisions a word must appear in before it weighs anything
MIN_DECISIONS = 10  # below this nothing is learned at all
MIN_EACH = 2  # nor with fewer accepted, or fewer dismissed, posts than this
PRIOR = 2.0  # pseudo-decisions at the municipality's own acceptance rate, for each word
SCALE = 0.1  # score per unit of log-odds
CAP = 0.2  # one word's largest adjustment down
# ... and up: the operator decides only candidates, so a word of accepted posts says little of
# the posts below the threshold that it would lift (and of automatic acceptance it would feed).
CAP_UP = 0.05
CAP_TOTAL = 0.3  # a post's learned adjustments together, down (up: CAP_UP)
LIMIT = 5000  # the most recent decisions read: old habits fade, the poll stays cheap
MIN_PRECISION_DECISIONS = 20  # fewer decided posts above a threshold say nothing of precision

# Function words carry no topic; they would learn only how long posts are.
_STOP = frozenset(
    [
        "что",
        "как",
        "это",
        "для",
        "уже",
        "еще",
        "все",
        "весь",
        "наш",
        "ваш",
        "свой",
        "этот",
        "тот",
        "так",
        "там",
        "тут",
        "когда",
        "где",
        "кто",
        "они",
        "она",
        "оно",
        "его",
        "она",
        "мой",
        "твой",
        "чей",
        "при",
        "над",
        "под",
        "без",
        "про",
        "или",
        "либо",
        "тоже",
        "также",
        "только",
        "даже",
        "очень",
        "есть",
        "быть",
        "мочь",
        "вот",
        "если",
        "чтобы",
        "потому",
        "себя",
        "сам",
        "самый",
        "который",
        "такой",
        "один",
        "два",
    ]
)


def features(seq: Iterable[str]) -> set[str]:
    """The lemmas of a text that may carry a learned weight."""
    return {w for w in seq if len(w) >= 3 and w.isalpha() and w not in _STOP}


def text_features(text: str) -> set[str]:
    return features(lemma(w) for w in words(text))


@dataclass(frozen=True)
class Learned:
    """Per-lemma adjustments to the score, and how many decisions they rest on."""

    weights: Mapping[str, float] = field(default_factory=dict)
    accepted: int = 0
    dismissed: int = 0

    def weights_for(self, seq: Iterable[str]) -> dict[str, float]:
        """The learned words of a text (its lemmas in order), each with its weight."""
        return {w: self.weights[w] for w in sorted(features(seq)) if w in self.weights}

    def total(self, weights: Mapping[str, float]) -> float:
        """Their sum, capped: many learned words do not add up to a verdict."""
        return max(-CAP_TOTAL, min(CAP_UP, sum(weights.values())))


def _logit(p: float) -> float:
    return math.log(p / (1 - p))


def learn(decisions: Iterable[tuple[str, bool]], *, min_count: int = MIN_COUNT) -> Learned:
    """Weights from (text, accepted) decisions: each word's acceptance rate, pulled towards the
    overall rate by PRIOR pseudo-decisions, as log-odds against that overall rate."""
    accepted: Counter[str] = Counter()
    dismissed: Counter[str] = Counter()
    n_acc = n_dis = 0
    for text, ok in decisions:
        (accepted if ok else dismissed).update(text_features(text))
        n_acc, n_dis = n_acc + ok, n_dis + (not ok)
    if n_acc + n_dis < MIN_DECISIONS or min(n_acc, n_dis) < MIN_EACH:
        return Learned(accepted=n_acc, dismissed=n_dis)  # nothing to tell apart yet
    base = (n_acc + 0.5) / (n_acc + n_dis + 1)
    weights = {}
    for word in accepted.keys() | dismissed.keys():
        a, d = accepted[word], dismissed[word]
        if a + d < min_count:
            continue
        rate = (a + PRIOR * base) / (a + d + PRIOR)
        weight = max(-CAP, min(CAP_UP, SCALE * (_logit(rate) - _logit(base))))
        if (d if weight < 0 else a) < MIN_EACH:  # one dismissal does not condemn a word
            continue
        if abs(weight) >= 0.01:
            weights[word] = round(weight, 3)
    return Learned(weights=weights, accepted=n_acc, dismissed=n_dis)


_DECIDED = (SocialStatus.accepted, SocialStatus.dismissed)


async def get_learned(session: AsyncSession, *, municipality_id: int) -> Learned:
    """What the municipality's operators' decisions (not the automatic ones) teach its score."""
    rows = await session.exec(
        select(SocialPost.text, SocialPost.status)
        .where(
            SocialPost.municipality_id == municipality_id,
            col(SocialPost.status).in_(_DECIDED),
            col(SocialPost.auto).is_(False),
        )
        .order_by(col(SocialPost.id).desc())
        .limit(LIMIT)
    )
    return learn((text, status == SocialStatus.accepted) for text, status in rows)


@dataclass(frozen=True)
class Acceptance:
    """Of the operator's decisions on posts scored at least `above`: how many were accepted."""

    above: float
    accepted: int
    dismissed: int

    @property
    def decided(self) -> int:
        return self.accepted + self.dismissed

    @property
    def precision(self) -> float | None:
        return round(self.accepted / self.decided, 3) if self.decided else None

    @property
    def enough(self) -> bool:
        return self.decided >= MIN_PRECISION_DECISIONS


@dataclass(frozen=True)
class AcceptanceReport:
    """The operator's decisions (not automatic ones) and what each threshold would have done."""

    accepted: int
    dismissed: int
    rows: Sequence[Acceptance]


async def get_acceptance(
    session: AsyncSession, *, municipality_id: int, thresholds: Sequence[float]
) -> AcceptanceReport:
    """How precise automatic acceptance above each threshold would have been on the
    municipality's decided posts: the share of those scored at or above it that were accepted."""
    rows = list(
        await session.exec(
            select(SocialPost.score, SocialPost.status).where(
                SocialPost.municipality_id == municipality_id,
                col(SocialPost.status).in_(_DECIDED),
                col(SocialPost.auto).is_(False),
            )
        )
    )

    def above(t: float) -> Acceptance:
        got = [status for score, status in rows if score >= t]
        ok = sum(s == SocialStatus.accepted for s in got)
        return Acceptance(above=t, accepted=ok, dismissed=len(got) - ok)

    ok = sum(status == SocialStatus.accepted for _, status in rows)
    return AcceptanceReport(
        accepted=ok, dismissed=len(rows) - ok, rows=[above(t) for t in thresholds]
    )
