"""The words a problem is told by: content lemmas of a text for clustering, and a cluster's label
in readable words («снег, наледь, сосульки»). pymorphy3; never a person's name or a place."""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Iterable
from typing import Any, NamedTuple

WORD = re.compile(r"[а-яё]+")


def _several(words: str) -> frozenset[str]:
    return frozenset(words.split())


TERM_POS = frozenset({"NOUN", "ADJF", "PRTF"})  # what a problem is: things and their state
PRIVATE = frozenset({"Name", "Surn", "Patr", "Geox", "Orgn", "Trad"})  # people, places, brands
# Words of the setting rather than the problem: a house, a yard, a flat, a request, a time.
GENERIC = _several(
    "дом двор этаж подъезд парадный парадная квартира улица адрес лестница номер район день год "
    "проблема просьба жилец житель раз время месяц неделя сторона вход угол место территория "
    "состояние результат фото фотография ул кв д необходимый данный весь который такой наш свой "
    "этот первый второй третий большой добрый вопрос заявка обращение жалоба ответ организация "
    "сотрудник меры мера помощь факт работа"
)
# Words that tell no problem in a label: how a report is worded, or a street's kind.
UNTOLD = _several(
    "фотофиксация отсутствие наличие нарушение необходимость связь случай человек переулок "
    "проспект шоссе набережная бульвар площадь линия канал право правонарушение угроза опасность "
    "требование переоборудование статья закон кодекс пункт край"
)


class Word(NamedTuple):
    lemma: str
    noun: bool
    plural: float  # 1 plural, 0 singular, ½ either («сосульки»: of one icicle, or many)


@functools.cache
def _morph() -> Any:
    import pymorphy3

    return pymorphy3.MorphAnalyzer(lang="ru")


@functools.lru_cache(maxsize=200_000)
def content_word(word: str) -> Word | None:
    """The word's lemma if it can tell a problem (a noun or an adjective, not a name, a place,
    a setting word or a short one), else None."""
    parse = _morph().parse(word)[0]
    tag = parse.tag
    if tag.POS not in TERM_POS or PRIVATE & set(tag.grammemes):
        return None
    lemma = str(parse.normal_form).replace("ё", "е")
    if len(lemma) < 3 or lemma in GENERIC:
        return None
    same = [p for p in _morph().parse(word) if p.normal_form == parse.normal_form]
    plural = sum("plur" in p.tag for p in same) / len(same)
    return Word(lemma, tag.POS == "NOUN", 0.5 if 0 < plural < 1 else plural)


def words(text: str) -> list[Word]:
    """The content words of a text in order."""
    found = (content_word(w) for w in WORD.findall(text.lower().replace("ё", "е")))
    return [w for w in found if w is not None]


def terms(text: str) -> list[str]:
    """The content lemmas of a text: what the clustering compares."""
    return [w.lemma for w in words(text)]


@functools.lru_cache(maxsize=20_000)
def readable(lemma: str, plural: bool) -> str:
    """A lemma as a reader would name the problem: nominative, plural where the texts mostly
    speak of many («сосулька» → «сосульки»)."""
    if not plural:
        return lemma
    for parse in _morph().parse(lemma):
        if parse.tag.POS == "NOUN" and parse.normal_form == lemma:
            form = parse.inflect({"nomn", "plur"})
            return str(form.word) if form is not None else lemma
    return lemma


def label(texts: Iterable[str], lemmas: list[str]) -> str:
    """The label of a problem: its distinctive lemmas, each in the number its texts use most."""
    plural: dict[str, float] = dict.fromkeys(lemmas, 0.0)
    seen: Counter[str] = Counter()
    wanted = set(lemmas)
    for text in texts:
        for w in words(text):
            if w.lemma in wanted:
                seen[w.lemma] += 1
                plural[w.lemma] += w.plural
    return ", ".join(readable(x, plural[x] * 2 >= seen[x] > 0) for x in lemmas)


@functools.lru_cache(maxsize=20_000)
def tells(lemma: str) -> bool:
    """Whether a lemma may stand in a label: a dictionary noun that names a thing, not a report's
    wording (labels are made of such nouns; names and places never pass)."""
    if lemma in UNTOLD or not _morph().word_is_known(lemma):
        return False
    return any(p.tag.POS == "NOUN" for p in _morph().parse(lemma) if p.normal_form == lemma)
