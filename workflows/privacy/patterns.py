"""Personal data that has a shape: phones, e-mails, document numbers and home addresses.

A home address is a building with a flat in it («ул. Ленина 5 кв 3», «кв. 56, д. 10 по ул.
Гаджиева»), or a building the writer says they live in («живу по адресу ул. Шамиля, 14»). A
street, a village or a building named alone stays: it is where the problem is, which staff need
in order to act on it, and a building holds many households. A flat alone («возле кв. 29») is a
landmark on a staircase and stays too."""

import re

from workflows.privacy.spans import Kind, Span

_D = r"(?<![\w+])"  # a number starts after no letter, digit or plus

# ---- phones: +7/8 and ten digits in any grouping, ten digits from 9, a local x-xx-xx ---------
_SEP = r"[\s\-‐–.]?"
_PHONE = re.compile(
    rf"{_D}(?:\+\s?7|8|7){_SEP}\(?\d{{3,5}}\)?{_SEP}\d{{1,3}}{_SEP}\d{{1,2}}{_SEP}\d{{2}}(?![\d\-])"
    rf"|{_D}\(?9\d{{2}}\)?{_SEP}\d{{3}}{_SEP}\d{{2}}{_SEP}\d{{2}}(?![\d\-])"
    r"|(?<![\w\-–.,/])\d{1,3}[\-–]\d{2}[\-–]\d{2}(?![\w\-–])"
)
_EMAIL = re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)*\.[a-zA-Zа-яА-Я]{2,}")

# ---- documents ------------------------------------------------------------------------------
_DOCUMENT = re.compile(
    r"(?:паспорт\w*|серия)[^\d\n]{0,12}(?P<passport>\d{2}\s?\d{2}\s?(?:№\s?)?\d{6})(?!\d)"
    r"|(?P<snils>(?<!\d)\d{3}[\-\s]\d{3}[\-\s]\d{3}[\-\s]\d{2}(?!\d))"
    r"|(?P<card>(?<!\d)\d{4}(?:[\s\-]?\d{4}){3}(?!\d))"
    r"|(?:ИНН|инн)[^\d\n]{0,5}(?P<inn>\d{10}|\d{12})(?!\d)"
    r"|(?:л(?:ицев\w*)?[./]?\s?(?:сч[её]т\w*|с\.?|сч\.?)|номер\s+счёта)[^\d\n]{0,5}(?P<account>\d{6,20})(?!\d)",
    re.IGNORECASE,
)

# ---- addresses ------------------------------------------------------------------------------
_STREET = (
    r"(?:ул(?:ица|ице|ицы|\.)?|пр(?:осп(?:ект[ауе]?)?|-к?т|\.)|пер(?:еул(?:ок|ка|ке))?\.?|"
    r"б-р|бульвар[ауе]?|шоссе|пл(?:ощад[ьи]|\.)|мкр(?:-н|\.)?|микрорайон[ауе]?|проезд[ауе]?|"
    r"наб(?:ережн(?:ая|ой)|\.)|кв-л)"
)
_WORD = r"(?:(?:[А-ЯЁA-Z]\.\s?|\d{1,3}-?[а-я]{0,2}\s)?[А-ЯЁа-яё][А-ЯЁа-яё\-]+|(?-i:[IVX]{1,4}))"
_NAME = rf"{_WORD}(?:\s{_WORD}){{0,3}}?"
_CAP_NAME = r"(?-i:[А-ЯЁ][а-яё\-]+(?:\s[А-ЯЁ][а-яё\-]+)?)"
_HOUSE = (
    r"(?:д(?:ом[ае]?|\.)?\s*)?№?\s*\d{1,4}(?:\s?[а-еА-Е](?![а-яё]))?(?:\s?/\s?\d{1,4}[а-е]?)?"
    r"(?:[\s,]*(?:к(?:орп(?:ус)?)?\.?|стр(?:оение)?\.?|лит(?:ера)?\.?)\s*\d{1,3}[а-еА-Е]?)*"
)
_FLAT = r"(?:кв(?:артир[аеыу]|\.)?|комн(?:ат[аеы]|\.)?)\s*№?\s*\d{1,4}[а-е]?(?!\s?[–\-]\s?\d)(?!\d)"
_S = r"[\s,]*"
_TOWN = r"(?:(?:г|гор|город|с|село|пос|пгт)\.?\s[А-ЯЁ][а-яё\-]+,\s*)?"
_STREET_PART = rf"(?:{_STREET}\.?\s*{_NAME}|{_CAP_NAME}){_S}"
_ADDRESS = re.compile(
    # street, house, flat: «ул. Ленина 5 кв 3», «Ковалевской 20, к. 3, стр. 1, кв. 280»
    rf"{_TOWN}(?:(?<![а-яё]){_STREET_PART})?{_HOUSE}{_S}{_FLAT}"
    # flat first: «кв. 56, д. 10 по ул. Гаджиева», «квартиры 64, ул. Лермонтова 3»
    rf"|{_FLAT}{_S}(?:д(?:ом[ае]?|\.)\s?\d{{1,4}}[а-е]?(?:\s(?:по|на)\s{_STREET}\.?\s*{_NAME})?"
    rf"|{_STREET}\.?\s*{_NAME}{_S}\d{{1,4}}[а-е]?)",
    re.IGNORECASE,
)
_LIVE = (
    r"(?:живу|живёт|живет|живем|живём|проживаю|проживает|проживаем|прописан\w*|"
    r"зарегистрирован\w*|мой\sадрес|наш\sадрес|адрес\sпроживания|проживаю:?)"
)
_HOME = re.compile(
    rf"{_LIVE}(?:\s[а-яё]+){{0,2}}[\s:,]*(?:по\sадресу:?\s*|на\s|в\s|по\s)?(?P<addr>{_TOWN}{_STREET}\.?\s*{_NAME}"
    rf"{_S}{_HOUSE})",
    re.IGNORECASE,
)
_HOME_AFTER = re.compile(
    rf"(?P<addr>{_STREET}\.?\s*{_NAME}{_S}{_HOUSE})[\s,]+(?:я\s)?(?:там\s|здесь\s)?(?:живу|проживаю)",
    re.IGNORECASE,
)


def pattern_spans(text: str) -> list[Span]:
    """Every phone, e-mail, document number and home address in the text (may overlap)."""
    out = [Span(m.start(), m.end(), Kind.email) for m in _EMAIL.finditer(text)]
    for m in _DOCUMENT.finditer(text):
        group = next(g for g in m.groupdict() if m.group(g))
        out.append(Span(m.start(group), m.end(group), Kind.document))
    out += [Span(m.start(), m.end(), Kind.phone) for m in _PHONE.finditer(text) if _is_phone(m)]
    out += [Span(*_trim(text, m.start(), m.end()), Kind.address) for m in _ADDRESS.finditer(text)]
    for rx in (_HOME, _HOME_AFTER):
        out += [Span(*_trim(text, *m.span("addr")), Kind.address) for m in rx.finditer(text)]
    return out


def _is_phone(m: re.Match[str]) -> bool:
    digits = sum(c.isdigit() for c in m.group())
    return digits in (5, 6, 7, 10, 11)


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Without the spaces and commas the patterns may take at the edges."""
    while end > start and text[end - 1] in " ,":
        end -= 1
    while start < end and text[start] in " ,":
        start += 1
    return start, end
