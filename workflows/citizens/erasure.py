"""The citizen's right to erasure (152-ФЗ ст. 21): everything that identifies the person or
repeats what they wrote goes, in every table; what the municipality's statistics need stays —
the item's number, kind, sector, locality, status and dates, its deadlines and ratings.

Where the data lies: the citizen row; identities and consents (the chat id); the items' text,
place, coordinates, intake key and the citizen's photos; the items' audit events (the citizen's
clarifications and reasons; staff texts that quote the citizen's name, phone or address); the
outbox (notices to the citizen with the chat id, staff notices with the item's text); the
letters (to the citizen: addressee, address and text; to bodies: the text that quotes them); the
inbox (raw updates of the person's chats); dialog states keyed by the chat; the weekly notes and
their workbooks that quote the items. Each erased item gets an audit event `erased` that names
which fields were cleared, never their values."""

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from html import escape

from sqlalchemy import delete, or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import (
    ActorKind,
    Attachment,
    Channel,
    Citizen,
    CitizenIdentity,
    Consent,
    DialogState,
    Digest,
    DigestFile,
    Inbox,
    Item,
    ItemEvent,
    Letter,
    LetterStatus,
    Outbox,
    OutboxStatus,
)
from workflows.citizens.scrub import (
    ERASED,
    erase_in_workbook,
    erase_quotes,
    literal,
    scrub,
    scrub_json,
    strings,
    word_forms,
)
from workflows.core.actors import Actor
from workflows.core.tx import changed, committing
from workflows.privacy.mask import find, mask

log = logging.getLogger(__name__)


@dataclass
class Erased:
    """What an erasure cleared, by count (the log and the audit say this, nothing else)."""

    items: int = 0
    events: int = 0
    attachments: int = 0
    outbox: int = 0
    inbox: int = 0
    dialogs: int = 0
    digests: int = 0
    identities: int = 0
    letters: int = 0

    def summary(self) -> dict[str, int]:
        return {k: v for k, v in vars(self).items() if isinstance(v, int)}


async def check_erase_citizen(
    session: AsyncSession, *, channel: Channel, external_id: str, now: datetime
) -> Erased | None:
    """Erase the citizen behind this chat account (None: the account has no citizen)."""
    identity = (
        await session.exec(
            select(CitizenIdentity).where(
                CitizenIdentity.channel == channel, CitizenIdentity.external_id == external_id
            )
        )
    ).first()
    citizen = await session.get(Citizen, identity.citizen_id) if identity else None
    if citizen is None or citizen.id is None:
        return None
    async with committing(session):
        done = await _erase(session, citizen, now=now)
    log.info("данные жителя удалены: %s", done.summary())
    return done


async def _erase(session: AsyncSession, citizen: Citizen, *, now: datetime) -> Erased:
    done = Erased()
    cid = citizen.id or 0
    personal = (citizen.name, citizen.phone, citizen.address, citizen.email)
    data = [v for v in personal if v and len(v) >= 3]
    # The person's chat accounts: their identities, and those their consents name.
    accounts = {
        (a.channel, a.external_id)
        for a in await session.exec(
            select(CitizenIdentity).where(CitizenIdentity.citizen_id == cid)
        )
    } | {
        (c.channel, c.external_id)
        for c in await session.exec(select(Consent).where(Consent.citizen_id == cid))
        if c.external_id
    }

    items = list(await session.exec(select(Item).where(Item.citizen_id == cid)))
    texts: dict[int, list[str]] = {}
    ids = [i.id for i in items if i.id is not None]
    own_words: list[ItemEvent] = []
    if ids:
        citizens_events = select(ItemEvent).where(
            col(ItemEvent.item_id).in_(ids), ItemEvent.actor_kind == ActorKind.citizen
        )
        own_words = list(await session.exec(citizens_events))
    typed = [v for e in own_words for v in strings(e.data)] + [e.reason or "" for e in own_words]
    for item in items:
        texts[item.id or 0] = [t for t in (item.text, item.place_text) if t]
        typed += texts[item.id or 0]
    # What staff texts may quote: the citizen's data, what the detector finds in their words
    # (a name, a phone they wrote), and whole passages of those words.
    found = [t[s.start : s.end] for t in typed for s in find(t)]
    known = [literal(t) for t in data + [t for t in typed if len(t) >= 8]]
    known += [word_forms(f) for f in found if len(f) >= 3]
    for item in items:
        await _erase_item(session, item, known, now=now, done=done)
    await _erase_outbox(session, cid, accounts, items, known, done=done)
    await _erase_letters(session, items, done=done)
    await _erase_chats(session, accounts, done=done)
    await _erase_digests(session, items, texts, done=done)

    citizen.name = citizen.phone = citizen.address = citizen.email = None
    citizen.erased_at = now
    session.add(citizen)
    for consent in await session.exec(select(Consent).where(Consent.citizen_id == cid)):
        consent.withdrawn_at = consent.withdrawn_at or now
        consent.external_id = ""
        session.add(consent)
    for identity in await session.exec(
        select(CitizenIdentity).where(CitizenIdentity.citizen_id == cid)
    ):
        await session.delete(identity)
        done.identities += 1
    await session.flush()
    return done


async def _erase_item(
    session: AsyncSession, item: Item, known: list[re.Pattern[str]], *, now: datetime, done: Erased
) -> None:
    cleared = ["text"]
    item.text = ERASED
    if item.place_text is not None:
        item.place_text = None
        cleared.append("place")
    if item.lat is not None or item.lon is not None:
        item.lat = item.lon = None
        cleared.append("coordinates")
    item.intake_key = None
    for name in ("answer_text", "resolution_reason"):
        value = getattr(item, name)
        if value and (scrubbed := scrub(value, known)) != value:
            setattr(item, name, scrubbed)
            cleared.append(name)
    for event in await session.exec(select(ItemEvent).where(ItemEvent.item_id == item.id)):
        if _erase_event(event, known):
            session.add(event)
            done.events += 1
    photos = await changed(
        session,
        delete(Attachment).where(col(Attachment.item_id) == item.id, col(Attachment.from_citizen)),
    )
    if photos:
        cleared.append("attachments")
        done.attachments += photos
    item.version += 1
    item.updated_at = now
    session.add(item)
    session.add(
        ItemEvent(
            item_id=item.id or 0,
            at=now,
            actor_kind=ActorKind.system,
            channel=Actor.system().channel,
            action="erased",
            from_status=item.status,
            to_status=item.status,
            version=item.version,
            reason="данные жителя удалены по его требованию (152-ФЗ)",
            data={"cleared": cleared},
        )
    )
    done.items += 1


def _erase_event(event: ItemEvent, known: list[re.Pattern[str]]) -> bool:
    """The citizen's own words go; staff words keep their sense without the citizen's data."""
    by_citizen = event.actor_kind is ActorKind.citizen
    data = scrub_json(event.data, known, drop_text=by_citizen)
    reason = None if by_citizen else event.reason and scrub(event.reason, known)
    if data == event.data and reason == event.reason:
        return False
    event.data, event.reason = data, reason
    return True


async def _erase_outbox(
    session: AsyncSession,
    cid: int,
    accounts: set[tuple[Channel, str]],
    items: list[Item],
    known: list[re.Pattern[str]],
    *,
    done: Erased,
) -> None:
    """Notices to the citizen lose their address and contents (pending ones are not sent);
    staff notices about the items lose the item's text and place."""
    to_citizen = [col(Outbox.citizen_id) == cid] + [
        (col(Outbox.channel) == channel) & (col(Outbox.chat_id) == ext) for channel, ext in accounts
    ]
    for row in await session.exec(select(Outbox).where(or_(*to_citizen))):
        row.payload, row.chat_id = {}, ""
        if row.status is OutboxStatus.pending:
            row.status = OutboxStatus.dead
            row.last_error = "житель удалил свои данные: уведомление не отправлено"
        session.add(row)
        done.outbox += 1
    ids = [i.id for i in items if i.id is not None]
    if not ids:
        return
    for row in await session.exec(
        select(Outbox).where(col(Outbox.item_id).in_(ids), col(Outbox.citizen_id).is_(None))
    ):
        payload = scrub_json(row.payload, known, drop_keys=("text", "place", "reply"))
        if payload != row.payload:
            row.payload = payload
            session.add(row)
            done.outbox += 1


async def _erase_letters(session: AsyncSession, items: list[Item], *, done: Erased) -> None:
    """Letters to the citizen lose the addressee, the address and the text; letters to bodies
    about the items lose the text (it quotes the appeal). One not yet sent is not sent."""
    ids = [i.id for i in items if i.id is not None]
    if not ids:
        return
    for letter in await session.exec(select(Letter).where(col(Letter.item_id).in_(ids))):
        letter.text = ERASED
        if letter.body_id is None:
            letter.addressee = letter.address = ERASED
        if letter.status in (LetterStatus.pending, LetterStatus.to_post):
            letter.status = LetterStatus.bounced
            letter.error = "житель удалил свои данные: письмо не отправлено"
        session.add(letter)
        done.letters += 1


async def _erase_chats(
    session: AsyncSession, accounts: set[tuple[Channel, str]], *, done: Erased
) -> None:
    """Raw updates and dialog states of the person's chats (a chat's key ends with its id)."""
    for channel, ext in accounts:
        done.inbox += await changed(
            session,
            update(Inbox)
            .where(
                col(Inbox.channel) == channel,
                col(Inbox.processed_at).is_not(None),  # the one being handled: on finish
                or_(col(Inbox.chat_key) == ext, col(Inbox.chat_key).endswith(":" + ext)),
            )
            .values(payload={}, chat_key=None),
        )
        done.dialogs += await changed(
            session,
            delete(DialogState)
            .where(
                or_(
                    col(DialogState.key) == f"{channel}:{ext}",
                    col(DialogState.key).startswith(f"{channel}:", autoescape=True)
                    & col(DialogState.key).endswith(":" + ext, autoescape=True),
                )
            )
            # The chat's own row is locked by its turn, which forgets it (engine.py).
            .execution_options(synchronize_session=False),
        )


async def _erase_digests(
    session: AsyncSession, items: list[Item], texts: dict[int, list[str]], *, done: Erased
) -> None:
    """Weekly notes quote an item as «number: «text»»; their workbooks list the items' texts."""
    if not items:
        return
    # Only the notes that can quote these items: their municipalities', from their first week.
    since = min(i.registered_at for i in items).date() - timedelta(days=7)
    digests = list(
        await session.exec(
            select(Digest).where(
                col(Digest.municipality_id).in_({i.municipality_id for i in items}),
                col(Digest.week_start) >= since,
            )
        )
    )
    # A note quotes a text masked for staff (names, phones taken out), clipped, HTML-escaped.
    quoted = [" ".join(v.split()) for ts in texts.values() for t in ts for v in (t, mask(t))]
    in_html = [escape(q, quote=False) for q in quoted]
    for digest in digests:
        text = erase_quotes(digest.text, in_html)
        if text != digest.text:
            digest.text = text
            session.add(digest)
            done.digests += 1
    files = select(DigestFile).where(col(DigestFile.digest_id).in_([d.id for d in digests]))
    for file in await session.exec(files):
        content = erase_in_workbook(file.content, quoted)
        if content is not None:
            file.content = content
            session.add(file)
            done.digests += 1
