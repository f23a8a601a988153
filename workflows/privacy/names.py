"""Names of people: natasha's Russian NER (its news model ships inside the wheel: nothing is
downloaded), checked and completed with pymorphy3's dictionary of first names, surnames and
patronymics. The model loads once, on first use, in about a second.

Names that are part of a street or an organisation («ул. Магомеда Гаджиева», «школа имени Гамзата
Цадасы», «на углу Гоголя и Пушкина») are places, not people, and are left alone."""

import re
import threading
from functools import lru_cache
from typing import Any

import pymorphy3

from workflows.privacy.spans import Kind, Span

_lock = threading.Lock()
_model: tuple[Any, Any, Any] | None = None  # natasha's segmenter and NER tagger, BLAS threads

# A name right after one of these is a street's or an organisation's name.
_PLACE_BEFORE = re.compile(
    r"(?:\b(?:ул|улиц[аеуы]|пр|просп|проспект[ауе]?|пер|переул\w*|б-р|бульвар\w*|пл|площад[ьи]|"
    r"наб|набережн\w+|мкр|микрорайон\w*|проезд\w*|шоссе|имени|посёлок|поселок|село|сел[ае]|"
    r"город[ае]?|аул[ае]?|сквер[ае]?|парк[ае]?|угл[уа]|школ[аеуы]|больниц[аеуы]|мечет[ьи]|"
    r"памятник[ае]?)\.?|\b(?:им|с|г|пос|пгт)\.|[«\"])\s*$",
    re.IGNORECASE,
)
_INITIALS_AFTER = re.compile(r"^\s?[А-ЯЁ]\.\s?(?:[А-ЯЁ]\.)?")
_INITIALS_BEFORE = re.compile(r"(?<![\w.])(?:[А-ЯЁ]\.\s?){1,2}$")
_WORD = re.compile(r"[А-ЯЁа-яё]+(?:-[А-ЯЁа-яё]+)?")
_CAPITAL = re.compile(r"[А-ЯЁ][а-яё]+(?:-[А-ЯЁ][а-яё]+)?")
# Words of the same name before the span: «улице Имама Шамиля» is a street though the NER saw «Шамиля».
_LEADING_NAME = re.compile(r"(?:[А-ЯЁ][а-яё]+|[А-ЯЁ]\.)\s?$")
_CAPITALISED = re.compile(r"[А-ЯЁ][А-ЯЁа-яё]+")
_NAME_TAGS = frozenset({"Name", "Surn", "Patr"})


def _load() -> tuple[Any, Any, Any]:
    global _model
    with _lock:
        if _model is None:
            from natasha import NewsEmbedding, NewsNERTagger, Segmenter
            from threadpoolctl import ThreadpoolController

            _model = (Segmenter(), NewsNERTagger(NewsEmbedding()), ThreadpoolController())
        return _model


def preload() -> None:
    """Load the model now (a process that will mask calls it at start, off the hot path)."""
    _load()
    _morph()


@lru_cache(maxsize=1)
def _morph() -> pymorphy3.MorphAnalyzer:
    return pymorphy3.MorphAnalyzer(lang="ru")


@lru_cache(maxsize=20_000)
def word_kind(word: str) -> str:
    """«first» (a first name or patronymic by the dictionary's likeliest reading), «name» (some
    reading is a name or surname, or the dictionary does not know it: many Dagestani names),
    or «word» (a known word that is no name)."""
    morph = _morph()
    parses = morph.parse(word)
    if not morph.word_is_known(word.lower()):
        return "name"
    if parses and ({"Name", "Patr"} & set(parses[0].tag.grammemes)):
        return "first"
    if any(_NAME_TAGS & set(p.tag.grammemes) for p in parses):
        return "name"
    return "word"


def _ner(text: str) -> list[tuple[int, int]]:
    from natasha import Doc

    segmenter, tagger, threads = _load()
    doc = Doc(text)
    # The model's small matrix products are slowest spread over threads on a busy machine
    # (measured here: p50 34 ms a text with 2 BLAS threads, 3 ms with one).
    with _lock, threads.limit(limits=1, user_api="blas"):
        doc.segment(segmenter)
        doc.tag_ner(tagger)
    return [(s.start, s.stop) for s in doc.spans if s.type == "PER"]


def person_spans(text: str) -> list[Span]:
    """Each person's name (with initials beside it), except names of streets and organisations."""
    if not any(word_kind(m.group()) != "word" for m in _CAPITALISED.finditer(text)):
        return []  # no capitalised word that may be a name: the NER would find nothing we keep
    found = [s for s in (_checked(text, a, b) for a, b in _ner(text)) if s is not None]
    found += _dictionary_names(text)
    out = []
    for start, end in found:
        if _is_place(text, start):
            continue
        if m := _INITIALS_AFTER.match(text[end : end + 6]):
            end += m.end()
        if (
            text[end - 1 : end].isupper()
            and text[end - 2 : end - 1] in (" ", ".")
            and text[end : end + 1] == "."
        ):
            end += 1  # the NER leaves the last initial's dot out
        before = text[max(0, start - 6) : start]
        if m := _INITIALS_BEFORE.search(before):
            start -= len(before) - m.start()
        out.append(Span(start, end, Kind.person))
    return out


def _checked(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The NER's span without words that are no names («Перезвоните», «Блохи»); None when
    nothing is left, or when it is one unknown word opening a sentence (a village's name)."""
    words = [(m.start() + start, m.end() + start) for m in _WORD.finditer(text[start:end])]
    while words and word_kind(text[slice(*words[0])]) == "word":
        words.pop(0)
    while words and word_kind(text[slice(*words[-1])]) == "word":
        words.pop()
    if not words:
        return None
    lone = len(words) == 1 and _opens_sentence(text, words[0][0])
    if lone and not _morph().word_is_known(text[slice(*words[0])].lower()):
        return None
    return words[0][0], words[-1][1]


def _dictionary_names(text: str) -> list[tuple[int, int]]:
    """Names the NER missed: two or three capitalised words in a row that may all be names,
    one of them surely (a first name or patronymic); or a first name alone inside a sentence."""
    out: list[tuple[int, int]] = []
    run: list[tuple[int, int, str]] = []
    for m in [*_CAPITAL.finditer(text), None]:
        kind = word_kind(m.group()) if m is not None else "word"
        if m is not None and kind != "word" and (not run or text[run[-1][1] : m.start()] == " "):
            run.append((m.start(), m.end(), kind))
            continue
        kinds = [k for _, _, k in run]
        if len(run) >= 2 and "first" in kinds:
            out.append((run[0][0], run[-1][1]))
        elif len(run) == 1 and kinds == ["first"] and not _opens_sentence(text, run[0][0]):
            out.append((run[0][0], run[0][1]))
        run = []
        if m is not None and kind != "word":
            run.append((m.start(), m.end(), kind))
    return out


def _opens_sentence(text: str, start: int) -> bool:
    before = text[:start].rstrip()
    return not before or before[-1] in ".!?…\n"


def _is_place(text: str, start: int) -> bool:
    """After a street or organisation word, or after «X и» where X is such a place."""
    before = text[max(0, start - 60) : start]
    for _ in range(4):  # the marker may stand before other words of the name
        if _PLACE_BEFORE.search(before):
            return True
        shorter = _LEADING_NAME.sub("", before)
        if shorter == before:
            break
        before = shorter
    m = re.search(r"([А-ЯЁ][а-яё]+)\s+и\s+$", before)
    return m is not None and _is_place(text, start - len(before) + m.start(1))
