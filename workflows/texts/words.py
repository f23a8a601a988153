"""Russian words agreed with numbers, dates as residents read them, refusals as sentences."""

from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

import pymorphy3


@lru_cache(maxsize=1)
def _morph() -> pymorphy3.MorphAnalyzer:
    return pymorphy3.MorphAnalyzer(lang="ru")


@lru_cache(maxsize=512)
def _agree(word: str, n: int) -> str:
    parsed = _morph().parse(word)[0]
    agreed = parsed.make_agree_with_number(abs(n))
    return agreed.word if agreed is not None else word


@lru_cache(maxsize=512)
def _adjective(word: str, noun_form: str, noun: str) -> str:
    """An adjective before a counted noun: «1 рабочий день», but «2 рабочих дня»."""
    if noun_form == noun:
        return word  # the noun stays in the nominative singular: so does the adjective
    parsed = _morph().parse(word)[0]
    form = parsed.inflect({"plur", "gent"})
    return form.word if form is not None else word


def count(n: int, phrase: str) -> str:
    """«5 рабочих дней», «1 фото», «3 сообщения»: the last word of the phrase is the noun."""
    *adjectives, noun = phrase.split()
    noun_form = _agree(noun, n)
    words = [_adjective(a, noun_form, noun) for a in adjectives]
    return " ".join([str(n), *words, noun_form])


def local_date(moment: datetime | None, tz: str, *, with_time: bool = False) -> str:
    """A moment as a date (and time) in the municipality's zone, or «—»."""
    if moment is None:
        return "—"
    value = moment.astimezone(ZoneInfo(tz))
    return value.strftime("%d.%m.%Y %H:%M" if with_time else "%d.%m.%Y")


def iso_to_ru(value: str) -> str:
    """2025-12-16 → 16.12.2025 (dates travel in payloads as ISO strings)."""
    if len(value) == 10 and value[4] == "-" and value[7] == "-":
        y, m, d = value.split("-")
        return f"{d}.{m}.{y}"
    return value


def sentence(reason: str) -> str:
    """A refusal as one sentence: capitalised, ending with a full stop."""
    text = " ".join(reason.split())
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?…" else text + "."


def shorten(text: str, limit: int) -> str:
    """A citizen's or staff member's words, cut at a word boundary when too long."""
    text = text.strip()
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(maxsplit=1)[0] if " " in text[:limit] else text[:limit]
    return cut + "…"
