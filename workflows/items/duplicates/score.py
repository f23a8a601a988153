"""How alike two reports are: words (lemmas), place (metres apart, or the same locality and a
similar place text) and time (days apart). Pure and fast; it never reads a topic label."""

import math
from dataclasses import dataclass
from datetime import datetime

from workflows.core.words import WORD, lemma

# Lemmas too common in reports to tell one problem from another (words of one or two letters
# are dropped anyway).
COMMON = frozenset(
    {"для", "при", "что", "это", "как", "так", "или", "быть", "есть", "весь", "этот", "тот"}
    | {"мой", "наш", "ваш", "свой", "который", "очень", "уже", "ещё", "еще", "просить"}
    | {"прошу", "пожалуйста", "здравствуйте", "добрый", "день", "уважаемый"}
)
EARTH_M = 6_371_000.0


@dataclass(frozen=True)
class Tuning:
    """The detector's thresholds (tuned on the older part of the bench's judged pairs only:
    `python -m bench.duplicates`; there the combined score added nothing over the word overlap,
    hence score_min 0)."""

    text_min: float = 0.55  # least word overlap (Dice of lemma sets)
    radius_m: float = 60.0  # farther apart than this: another place
    window_days: float = 7.0  # older than this: another episode
    score_min: float = 0.0  # least combined score (python -m bench.duplicates tunes it)


DEFAULT = Tuning()


@dataclass(frozen=True)
class Report:
    """What the detector compares: never the citizen, never a topic label."""

    text: str
    at: datetime
    lat: float | None = None
    lon: float | None = None
    locality_id: int | None = None
    place_text: str | None = None


@dataclass(frozen=True)
class Score:
    total: float
    text: float
    place: float
    days: float


def signature(text: str | None) -> frozenset[str]:
    """The telling lemmas of a text (digits kept: «15 этаж» is not «2 этаж»)."""
    found = {lemma(w) for w in WORD.findall(text or "")}
    return frozenset(w for w in found if w not in COMMON and (len(w) > 2 or w.isdigit()))


def dice(a: frozenset[str], b: frozenset[str]) -> float:
    return 2 * len(a & b) / (len(a) + len(b)) if a and b else 0.0


def numbers_clash(a: frozenset[str], b: frozenset[str]) -> bool:
    """Both texts name numbers and not the same ones: «парадная 1» is not «парадная 5», «9 этаж»
    not «10 этаж» (on the bench's older pairs this cut the wrong suggestions by half)."""
    x, y = {w for w in a if w.isdigit()}, {w for w in b if w.isdigit()}
    return bool(x and y) and x != y


def metres(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_M * math.asin(min(1.0, math.sqrt(h)))


def place_score(new: Report, old: Report, tuning: Tuning = DEFAULT) -> float:
    """1 for the same spot, falling to 0 at the radius; without both coordinates, the same
    locality (0.5) plus how alike the place texts are. 0: another place or nothing to compare."""
    if None not in (new.lat, new.lon, old.lat, old.lon):
        d = metres(new.lat or 0.0, new.lon or 0.0, old.lat or 0.0, old.lon or 0.0)
        return max(0.0, 1.0 - d / tuning.radius_m) if d <= tuning.radius_m else 0.0
    if new.locality_id is None or new.locality_id != old.locality_id:
        return 0.0
    a, b = signature(new.place_text), signature(old.place_text)
    return 0.5 + 0.5 * dice(a, b) if a and b else 0.5


def score(
    new: Report, old: Report, tuning: Tuning = DEFAULT, *, new_sig: frozenset[str] | None = None
) -> Score | None:
    """How alike two reports are, or None when they fail a threshold (different place, too far
    apart in time, too few words in common, other entrance or floor numbers). `new_sig` saves
    recomputing the new text's lemmas."""
    days = abs((new.at - old.at).total_seconds()) / 86_400
    if days > tuning.window_days:
        return None
    mine, theirs = signature(new.text) if new_sig is None else new_sig, signature(old.text)
    if numbers_clash(mine, theirs):
        return None
    text = dice(mine, theirs)
    if text < tuning.text_min:
        return None
    place = place_score(new, old, tuning)
    if place <= 0.0:
        return None
    fresh = 1.0 - 0.5 * days / tuning.window_days  # a day-old report weighs more than a week-old
    total = text * (0.5 + 0.5 * place) * fresh
    return Score(total, text, place, days) if total >= tuning.score_min else None
