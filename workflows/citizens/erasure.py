"""The citizen's right to erasure (152-ФЗ ст. 21): everything that identifies the person or
repeats what they wrote goes, in every table; what the municipality's statistics need stays —
the item's number, kind, sector, locality, status and dates, its deadlines and ratings.

Where the data lies: the citizen row; identities and consents (the chat id); the items' text,
place, coordinates, intake key and the citizen's photos; the items' audit events (the citizen's
clarifications and reasons; staff texts that quote the citizen's name, phone or address); the
outbox (notices to the citizen with the chat id, staff notices with the item's text); the
inbox (raw updates of the person's chats); dialog states keyed by the chat; the weekly notes and
their workbooks that quote the items. Each erased item gets an audit event `erased` that names
which fields were cleared, never their values."""

import io
import logging
import re
import zipfile
from dataclasses import dataclass
from datetime import datetime
from html import escape, unescape
from typing import Any

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
    Outbox,
    OutboxStatus,
)
from workflows.core.actors import Actor
from workflows.core.tx import changed, committing
from workflows.privacy.mask import find, mask

log = logging.getLogger(__name__)

ERASED = "[удалено по просьбе жителя]"
# Event data values that are structure, not anybody's words: kept for the reports.
_KEEP_KINDS = (int, float, bool, type(None))
_XML_TEXT = re.compile(r"(<t(?:\s[^>]*)?>)(.*?)(</t>)", re.S)


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
    known = [v for v in (citizen.name, citizen.phone, citizen.address) if v and len(v) >= 3]
    accounts = list(
        await session.exec(select(CitizenIdentity).where(CitizenIdentity.citizen_id == cid))
    )
    accounts += [
        CitizenIdentity(citizen_id=cid, channel=c.channel, external_id=c.external_id)
        for c in await session.exec(select(Consent).where(Consent.citizen_id == cid))
        if c.external_id
    ]

    items = list(await session.exec(select(Item).where(Item.citizen_id == cid)))
    texts: dict[int, list[str]] = {}
    ids = [i.id for i in items if i.id is not None]
    own_words: list[ItemEvent] = []
    if ids:
        citizens_events = select(ItemEvent).where(
            col(ItemEvent.item_id).in_(ids), ItemEvent.actor_kind == ActorKind.citizen
        )
        own_words = list(await session.exec(citizens_events))
    typed = [v for e in own_words for v in _strings(e.data)] + [e.reason or "" for e in own_words]
    for item in items:
        texts[item.id or 0] = [t for t in (item.text, item.place_text) if t]
        typed += texts[item.id or 0]
    # What staff texts may quote: the citizen's data, what the detector finds in their words
    # (a name, a phone they wrote), and whole passages of those words.
    found = [t[s.start : s.end] for t in typed for s in find(t)]
    known += [t for t in typed if len(t) >= 8] + [_word_forms(f) for f in found if len(f) >= 3]
    for item in items:
        await _erase_item(session, item, known, now=now, done=done)
    await _erase_outbox(session, cid, accounts, items, known, done=done)
    await _erase_chats(session, accounts, done=done)
    await _erase_digests(session, items, texts, done=done)

    citizen.name = citizen.phone = citizen.address = None
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
    session: AsyncSession, item: Item, known: list[str], *, now: datetime, done: Erased
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
        if value and (scrubbed := _scrub(value, known)) != value:
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


def _erase_event(event: ItemEvent, known: list[str]) -> bool:
    """The citizen's own words go; staff words keep their sense without the citizen's data."""
    by_citizen = event.actor_kind is ActorKind.citizen
    data = _scrub_json(event.data, known, drop_text=by_citizen)
    reason = None if by_citizen else event.reason and _scrub(event.reason, known)
    if data == event.data and reason == event.reason:
        return False
    event.data, event.reason = data, reason
    return True


async def _erase_outbox(
    session: AsyncSession,
    cid: int,
    accounts: list[CitizenIdentity],
    items: list[Item],
    known: list[str],
    *,
    done: Erased,
) -> None:
    """Notices to the citizen lose their address and contents (pending ones are not sent);
    staff notices about the items lose the item's text and place."""
    to_citizen = [col(Outbox.citizen_id) == cid] + [
        (col(Outbox.channel) == a.channel) & (col(Outbox.chat_id) == a.external_id)
        for a in accounts
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
        payload = _scrub_json(row.payload, known, drop_keys=("text", "place", "reply"))
        if payload != row.payload:
            row.payload = payload
            session.add(row)
            done.outbox += 1


async def _erase_chats(
    session: AsyncSession, accounts: list[CitizenIdentity], *, done: Erased
) -> None:
    """Raw updates and dialog states of the person's chats (a chat's key ends with its id)."""
    for a in accounts:
        ext = a.external_id
        done.inbox += await changed(
            session,
            update(Inbox)
            .where(
                col(Inbox.channel) == a.channel,
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
                    col(DialogState.key) == f"{a.channel}:{ext}",
                    col(DialogState.key).startswith(f"{a.channel}:", autoescape=True)
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
    numbers = {i.number for i in items}
    for digest in await session.exec(select(Digest)):
        text = digest.text
        for number in numbers:
            text = re.sub(
                rf"({re.escape(escape(number, quote=False))}: «)[^»]*(»)", rf"\g<1>{ERASED}\2", text
            )
        if text != digest.text:
            digest.text = text
            session.add(digest)
            done.digests += 1
    quoted = [" ".join(t.split()) for ts in texts.values() for t in ts]
    for file in await session.exec(select(DigestFile)):
        content = _erase_in_workbook(file.content, quoted)
        if content is not None:
            file.content = content
            session.add(file)
            done.digests += 1


def _erase_in_workbook(content: bytes, quoted: list[str]) -> bytes | None:
    """The workbook (xlsx: zipped XML) with every cell that quotes one of the texts replaced;
    None when it quotes none (or is not a workbook)."""
    try:
        source = zipfile.ZipFile(io.BytesIO(content))
    except zipfile.BadZipFile:
        return None
    changed = False

    def cell(m: re.Match[str]) -> str:
        nonlocal changed
        value = " ".join(unescape(m.group(2)).split())
        if value and any(_quotes(value, q) for q in quoted):
            changed = True
            return m.group(1) + ERASED + m.group(3)
        return m.group(0)

    out = io.BytesIO()
    with source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename.endswith(".xml"):
                data = _XML_TEXT.sub(cell, data.decode("utf-8")).encode("utf-8")
            target.writestr(info, data)
    return out.getvalue() if changed else None


def _quotes(value: str, text: str) -> bool:
    """A cell quotes a text: the whole of it, or its start cut with an ellipsis."""
    if value == text:
        return True
    return value.endswith("…") and len(value) > 12 and text.startswith(value[:-1])


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def _word_forms(found: str) -> str:
    """A pattern for a found value in its case forms (Магомедрасул → …у, …ом), as a regex."""
    words = [re.escape(w[:-1] if len(w) > 4 and w[-1] in "аяйоеь" else w) for w in found.split()]
    return "(?:" + r"[а-яё]{0,3}\s+".join(words) + r"[а-яё]{0,3})"


def _scrub(value: str, known: list[str]) -> str:
    """A staff text about the citizen's item without their data: what we know of them and their
    own words replaced, then what the detector finds."""
    for k in known:
        pattern = k if k.startswith("(?:") else re.escape(k)
        value = re.sub(pattern, ERASED, value, flags=re.I)
    return mask(value)


def _scrub_json(
    value: Any,
    known: list[str],
    *,
    drop_text: bool = False,
    drop_keys: tuple[str, ...] = (),
) -> Any:
    """A JSON value with the citizen's data out: with `drop_text` every string goes (the
    citizen's own words); keys in `drop_keys` lose their value; other strings are scrubbed."""
    if isinstance(value, dict):
        return {
            k: (
                ERASED
                if k in drop_keys and isinstance(v, str)
                else _scrub_json(v, known, drop_text=drop_text, drop_keys=drop_keys)
            )
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_scrub_json(v, known, drop_text=drop_text, drop_keys=drop_keys) for v in value]
    if isinstance(value, str):
        return ERASED if drop_text else _scrub(value, known)
    return value if isinstance(value, _KEEP_KINDS) else None
