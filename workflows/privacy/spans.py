"""What the detector finds: a kind of personal data at a place in the text, and its marker."""

from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    phone = "phone"
    email = "email"
    person = "person"
    address = "address"
    document = "document"


MARKERS: dict[Kind, str] = {
    Kind.phone: "[телефон]",
    Kind.email: "[e-mail]",
    Kind.person: "[имя]",
    Kind.address: "[адрес]",
    Kind.document: "[номер документа]",
}

# When two finds overlap, the one that says more wins (an address that holds a name is an address).
PRIORITY = {
    Kind.email: 5,
    Kind.document: 4,
    Kind.phone: 3,
    Kind.address: 2,
    Kind.person: 1,
}


@dataclass(frozen=True, order=True)
class Span:
    start: int
    end: int
    kind: Kind


def merged(spans: list[Span]) -> list[Span]:
    """Non-overlapping spans in text order: of overlapping ones the higher kind is kept, grown to
    cover both (nothing of either is left unmasked)."""
    out: list[Span] = []
    for s in sorted(spans):
        if out and s.start < out[-1].end:
            last = out.pop()
            kind = s.kind if PRIORITY[s.kind] > PRIORITY[last.kind] else last.kind
            out.append(Span(last.start, max(last.end, s.end), kind))
        else:
            out.append(s)
    return out
