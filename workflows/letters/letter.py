"""A letter as data (what the printable and the plain forms are made from) and its checks."""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from workflows.core.errors import Invalid

# Characters XML 1.0 cannot hold (a DOCX would not open): dropped, with NUL.
_UNPRINTABLE = re.compile(r"[\x00-\x08\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True)
class LetterDoc:
    """One outgoing letter. `letterhead` is the municipality's setup `letterhead` (title,
    address, phone, email, signatory); `address` is postal lines (one a line) or an e-mail;
    `body` is paragraphs separated by blank lines."""

    letterhead: Mapping[str, str | None] = field(hash=False)
    number: str  # the outgoing reference, e.g. БЖТ-2026-000123/2
    date: date
    addressee: str
    address: str
    subject: str
    body: str
    regarding: str | None = None  # «На ваше обращение от 01.12.2026 № БЖТ-2026-000123»


def clean(text: str | None) -> str:
    """Text without what a document cannot carry, Windows line ends made plain."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    return _UNPRINTABLE.sub("", re.sub(r"[\x0b\x0c]", " ", text)).strip()


def paragraphs(body: str) -> list[str]:
    """The body's paragraphs: split at blank lines, inner line breaks kept as spaces' worth."""
    parts = re.split(r"\n\s*\n", clean(body))
    return [
        " ".join(line.strip() for line in p.splitlines() if line.strip())
        for p in parts
        if p.strip()
    ]


def address_lines(doc: LetterDoc) -> list[str]:
    """The addressee's address, one line each; an e-mail said as such."""
    lines = [line.strip() for line in clean(doc.address).splitlines() if line.strip()]
    if len(lines) == 1 and re.fullmatch(r"[^\s@]+@[^\s@]+", lines[0]):
        return [f"эл. почта: {lines[0]}"]
    return lines


def dated_number(doc: LetterDoc) -> str:
    """The outgoing reference as a letter shows it: «02.12.2026 № БЖТ-2026-000123/2»."""
    return f"{doc.date:%d.%m.%Y} № {clean(doc.number)}"


def contact_line(letterhead: Mapping[str, str | None]) -> str:
    """The letterhead's smaller line: address, phone, e-mail (those it has)."""
    parts = [clean(letterhead.get("address"))]
    if clean(letterhead.get("phone")):
        parts.append(f"тел. {clean(letterhead.get('phone'))}")
    if clean(letterhead.get("email")):
        parts.append(f"эл. почта: {clean(letterhead.get('email'))}")
    return ", ".join(p for p in parts if p)


def check_letter(doc: LetterDoc) -> None:
    """Refuse a letter that cannot be sent as it is, saying what to fill in."""
    missing = [
        what
        for what, value in (
            ("название органа в бланке (letterhead: title)", clean(doc.letterhead.get("title"))),
            ("исходящий номер", clean(doc.number)),
            ("адресат", clean(doc.addressee)),
            ("адрес адресата (почтовый или e-mail)", clean(doc.address)),
            ("тема письма", clean(doc.subject)),
        )
        if not value
    ]
    if not paragraphs(doc.body):
        missing.append("текст письма")
    if missing:
        raise Invalid(f"письмо не составлено: заполните {', '.join(missing)}")
