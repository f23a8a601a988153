"""Russian words in their dictionary form (pymorphy3): shared by routing and the incident filter."""

import re
from functools import lru_cache

import pymorphy3

WORD = re.compile(r"[а-яёa-z0-9]+(?:-[а-яёa-z0-9]+)*", re.IGNORECASE)


@lru_cache(maxsize=1)
def _morph() -> pymorphy3.MorphAnalyzer:
    return pymorphy3.MorphAnalyzer(lang="ru")


@lru_cache(maxsize=200_000)
def lemma(word: str) -> str:
    """The dictionary form of one word ("трубы" -> "труба"); unknown words stay as written."""
    word = word.lower().replace("ё", "е")
    parsed = _morph().parse(word)
    return parsed[0].normal_form.replace("ё", "е") if parsed else word


@lru_cache(maxsize=50_000)
def normal_forms(word: str) -> frozenset[str]:
    """Every dictionary form a word may have, with the word itself («Магомедовой» -> both
    «магомедов» and «магомедова»): for matching names, whose first parse is often wrong."""
    word = word.lower().replace("ё", "е")
    forms = {p.normal_form.replace("ё", "е") for p in _morph().parse(word)}
    return frozenset(forms | {word})


@lru_cache(maxsize=50_000)
def is_name_part(word: str) -> bool:
    """Whether a word may be a first name, surname or patronymic (pymorphy3's dictionary)."""
    return any({"Name", "Surn", "Patr"} & set(p.tag.grammemes) for p in _morph().parse(word))


def words(text: str) -> list[str]:
    """The words of a text in order, lower-cased, «ё» as «е»."""
    return [w.lower().replace("ё", "е") for w in WORD.findall(text)]


def lemmas(text: str) -> set[str]:
    """All lemmas of a text."""
    return {lemma(w) for w in WORD.findall(text)}


def keyword_lemmas(keyword: str) -> str:
    """A keyword (one word or a phrase) in lemma form."""
    return " ".join(lemma(w) for w in WORD.findall(keyword))
