"""The Monday run: the week whose note is due, stored once and queued to the head, the глава,
the curators and the sector leads; a Monday missed while the system was down is made up."""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col
from sqlmodel import select as orm_select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Digest, DigestFile, Item, Municipality, Role, Staff
from workflows.calendar.periods import Period, week_period
from workflows.core.clock import Clock
from workflows.core.errors import NotFound
from workflows.core.tx import committing
from workflows.digest.build import DigestDoc, build_digest
from workflows.notifications.notify import enqueue, staff_notice

log = logging.getLogger(__name__)
DIGEST_HOUR = time(9, 0)  # Monday, local time of the municipality
DIGEST_ROLES = (Role.head, Role.glava, Role.curator, Role.sector_lead)  # seed 3.2 а: the глава


async def check_queue_digest(
    session: AsyncSession, *, municipality_id: int, doc: DigestDoc, now: datetime
) -> Digest | None:
    """Store the note and queue it (text, then each file) to the head, curators and sector
    leads; None if this week's note was already stored (the weekly run is once-only)."""
    async with committing(session):
        digest = Digest(
            municipality_id=municipality_id,
            week_start=doc.week.first,
            created_at=now,
            text=doc.text,
        )
        session.add(digest)
        try:
            await session.flush()
        except IntegrityError:  # stored already: the weekly run is once-only
            await session.rollback()
            return None
        files = [
            DigestFile(
                digest_id=digest.id or 0, position=i, name=f.name, mime=f.mime, content=f.content
            )
            for i, f in enumerate(doc.files)
        ]
        session.add_all(files)
        await session.flush()
        staff = list(
            await session.exec(
                orm_select(Staff).where(
                    Staff.municipality_id == municipality_id,
                    col(Staff.active).is_(True),
                    col(Staff.role).in_(DIGEST_ROLES),
                )
            )
        )
        rows = []
        for person in staff:
            parts = [{"digest_id": digest.id, "part": "text", "text": doc.text}]
            parts += [{"digest_id": digest.id, "part": "file", "file_id": f.id} for f in files]
            for i, payload in enumerate(parts):
                rows.append(
                    staff_notice(
                        staff=person,
                        item=None,
                        kind="digest",
                        payload=payload,
                        dedup=f"digest{digest.id}:{i}",
                        now=now,
                    )
                )
        await enqueue(session, rows)
        digest.recipients = len(staff)
        return digest


async def get_digest_file(session: AsyncSession, *, file_id: int) -> DigestFile:
    file = await session.get(DigestFile, file_id)
    if file is None:
        raise NotFound(f"файл записки {file_id} не найден")
    return file


async def _had_items(session: AsyncSession, *, municipality_id: int, before: datetime) -> bool:
    q = select(Item.id).where(  # type: ignore[call-overload]
        Item.municipality_id == municipality_id, col(Item.registered_at) < before
    )
    return (await session.execute(q.limit(1))).first() is not None


def due_week(municipality: Municipality, now: datetime) -> Period | None:
    """The week whose note is due: the last full week, once its Monday 09:00 local has come."""
    tz = ZoneInfo(municipality.tz)
    local = now.astimezone(tz)
    monday = local.date() - timedelta(days=local.weekday())
    if local < datetime.combine(monday, DIGEST_HOUR, tz):
        return None
    return week_period(monday - timedelta(days=7), tz)


async def run_due_digests(sm: async_sessionmaker[AsyncSession], clock: Clock) -> int:
    """Queue every municipality's note that is due and not yet made. Runs at start-up and every
    few minutes, so a Monday missed while the system was down is made up when it comes back."""
    now = clock.now()
    made = 0
    async with sm() as s:
        munis = list(await s.exec(orm_select(Municipality)))
        done = set(
            (await s.execute(select(Digest.municipality_id, Digest.week_start))).all()  # type: ignore[call-overload]
        )
    for muni in munis:
        week = due_week(muni, now)
        if week is None or (muni.id, week.first) in done:
            continue
        async with sm() as s:
            if not await _had_items(s, municipality_id=muni.id or 0, before=week.end):
                continue  # a new municipality: nothing to report yet
            doc = await build_digest(s, municipality_id=muni.id or 0, week=week, now=now)
            if await check_queue_digest(s, municipality_id=muni.id or 0, doc=doc, now=now):
                made += 1
                log.info("недельная записка %s за %s поставлена в очередь", muni.code, week.code)
    return made
