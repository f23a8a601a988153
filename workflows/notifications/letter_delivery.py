"""What happens to a kept letter on its way: the printable DOCX and the e-mail made from it,
accepted by the server (sent), or refused for good (bounced: kept, the operators and the ПОС
officer told without the address or the addressee, so that someone sends it by post)."""

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from models import Item, Letter, LetterStatus, Municipality, Role
from workflows.core.directory import load_directory
from workflows.letters.document import render_docx, render_text
from workflows.letters.letter import LetterDoc
from workflows.notifications.notify import enqueue, staff_notice
from workflows.privacy.mask import mask

# When the deployment has no SMTP server: the letter is refused at once, not lost in a log.
EMAIL_OFF = "e-mail не настроен (MCU_SMTP_HOST): отправьте письмо почтой"


@dataclass(frozen=True)
class LetterMail:
    """One letter ready for the SMTP server."""

    letter_id: int
    to: str
    subject: str
    text: str
    filename: str
    docx: bytes


def letter_filename(letter: Letter) -> str:
    """«Письмо БЖТ-2026-000123-1.docx»: the outgoing number, its slash made safe for a file."""
    return f"Письмо {letter.number.replace('/', '-')}.docx"


def letter_doc(letter: Letter, *, municipality: Municipality, item: Item) -> LetterDoc:
    """The letter with the municipality's letterhead, dated in the municipality's time."""
    return LetterDoc(
        letterhead=municipality.letterhead or {},
        number=letter.number,
        date=letter.created_at.astimezone(ZoneInfo(municipality.tz)).date(),
        addressee=letter.addressee,
        address=letter.address,
        subject=letter.subject,
        body=letter.text,
        regarding=f"К обращению № {item.number}",
    )


async def get_letter_docx(session: AsyncSession, *, letter: Letter) -> tuple[str, bytes]:
    """The letter as the DOCX file to print or attach: (filename, content)."""
    doc = await _doc(session, letter)
    return letter_filename(letter), render_docx(doc)


async def get_letter_mail(session: AsyncSession, *, letter_id: int) -> LetterMail | None:
    """The e-mail of a letter still waiting to go; None when there is nothing to send (already
    sent or bounced by an earlier try, or erased): a repeated outbox row sends nothing twice."""
    letter = await session.get(Letter, letter_id)
    if letter is None or letter.status is not LetterStatus.pending:
        return None
    doc = await _doc(session, letter)
    return LetterMail(
        letter_id=letter_id,
        to=letter.address,
        subject=letter.subject,
        text=render_text(doc),
        filename=letter_filename(letter),
        docx=render_docx(doc),
    )


async def do_mark_letter_sent(session: AsyncSession, *, letter_id: int, now: datetime) -> None:
    """The server accepted the letter."""
    letter = await session.get(Letter, letter_id)
    if letter is None or letter.status is not LetterStatus.pending:
        return
    letter.status, letter.sent_at, letter.error = LetterStatus.sent, now, None
    session.add(letter)


async def do_mark_letter_bounced(
    session: AsyncSession, *, letter_id: int, reason: str, now: datetime
) -> bool:
    """The letter can never go by e-mail: it stays, bounced, with the reason (masked), and the
    operators and the ПОС officer are told which letter of which item. False: it was not
    waiting (a repeated try), nothing changed."""
    letter = await session.get(Letter, letter_id)
    if letter is None or letter.status is not LetterStatus.pending:
        return False
    letter.status, letter.error = LetterStatus.bounced, mask(reason)[:500]
    session.add(letter)
    item = await session.get(Item, letter.item_id)
    directory = await load_directory(session, municipality_id=letter.municipality_id)
    told = {s.id: s for s in directory.by_role.get(Role.operator, [])}
    if item is not None:
        told |= {s.id: s for s in directory.targets(item, "pos_officer")}
    number = item.number if item else ""
    payload = {
        "number": number,
        "letter_number": letter.number,
        "letter_id": letter.id,
        "text": f"Письмо № {letter.number} по обращению № {number} не доставлено по e-mail. "
        "Отправьте его почтой: очередь писем, «Отправить почтой».",
        "reason": letter.error,
    }
    rows = [
        staff_notice(
            staff=s,
            item=None,
            kind="letter_bounced",
            payload=payload,
            dedup=f"bounce{letter_id}",
            now=now,
        )
        for s in told.values()
    ]
    await enqueue(session, rows)
    return True


async def _doc(session: AsyncSession, letter: Letter) -> LetterDoc:
    municipality = await session.get(Municipality, letter.municipality_id)
    item = await session.get(Item, letter.item_id)
    assert municipality is not None and item is not None  # foreign keys
    return letter_doc(letter, municipality=municipality, item=item)
