"""What monitoring's polls leave for people to see — each watched source's state (read, or
unavailable and why) and when it was last read — and which municipalities are due a poll.

Kept in `channelcursor` rows beside the reader's cursors, so no table of its own: one row a
source (`vkstate:m<municipality>/<owner_id>`, updated at each poll) and one a municipality
(`vkpoll:m<municipality>`, when its last poll began and whether it failed)."""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import ChannelCursor, SocialMonitor
from workflows.core.tx import committing
from workflows.incidents.nudge import do_nudge_operators

STATE_PREFIX = "vkstate:"
POLL_PREFIX = "vkpoll:"
READING = "читается"
NOT_YET = "ещё не читался"
# VK's codes for a wall that cannot be read (errors.json of VKCOM/vk-api-schema), as the
# operator is told them.
GONE_REASONS = {
    15: "доступ закрыт (стена только для участников, или сообщество заблокировано)",
    18: "страница удалена или заблокирована",
    30: "профиль закрыт",
    100: "стена не найдена (неверный id, или она удалена)",
    210: "доступ к записям стены закрыт",
}


class PolledLike(Protocol):
    """One source's poll as the reader reports it (integrations.vk_wall.PollReport fits)."""

    @property
    def owner_id(self) -> int: ...
    @property
    def new(self) -> int: ...
    @property
    def available(self) -> bool: ...
    @property
    def code(self) -> int | None: ...


class WallPoller(Protocol):
    """Reads a municipality's watched walls once (set on the runtime by the composition root
    when VK_SERVICE_TOKEN is set); returns each source's report."""

    async def __call__(self, *, municipality_id: int) -> Sequence[PolledLike]: ...


@dataclass(frozen=True)
class SourceState:
    """A watched source as an operator sees it."""

    name: str
    owner_id: int
    state: str  # «читается», «недоступен: …» or «ещё не читался»
    read_at: datetime | None  # the last poll that read it
    checked_at: datetime | None  # the last poll that tried

    @property
    def available(self) -> bool:
        return not self.state.startswith("недоступен")


def gone_reason(code: int | None) -> str:
    """Why a source cannot be read, from VK's error code."""
    return GONE_REASONS.get(code or 0, f"VK отказал (код {code})")


def _state_key(municipality_id: int, owner_id: int) -> str:
    return f"{STATE_PREFIX}m{municipality_id}/{owner_id}"


def _poll_key(municipality_id: int) -> str:
    return f"{POLL_PREFIX}m{municipality_id}"


async def get_monitored(session: AsyncSession) -> list[int]:
    """Municipalities whose monitoring is on and names at least one source."""
    rows = await session.exec(select(SocialMonitor).where(col(SocialMonitor.active).is_(True)))
    return sorted(m.municipality_id for m in rows if m.sources)


async def get_due_monitors(session: AsyncSession, *, now: datetime, every: timedelta) -> list[int]:
    """Monitored municipalities whose last poll began at least `every` ago (or never did)."""
    monitored = await get_monitored(session)
    keys = [_poll_key(m) for m in monitored]
    rows = await session.exec(select(ChannelCursor).where(col(ChannelCursor.key).in_(keys)))
    began = {r.key: r.updated_at for r in rows}
    return [m for m in monitored if (at := began.get(_poll_key(m))) is None or at <= now - every]


async def check_begin_poll(session: AsyncSession, *, municipality_id: int, now: datetime) -> None:
    """Mark a municipality's poll as begun (so a failing one waits for its next turn rather
    than being retried at every check)."""
    async with committing(session):
        await _put(session, _poll_key(municipality_id), {"error": None}, now)


async def check_poll_failed(
    session: AsyncSession, *, municipality_id: int, reason: str, now: datetime
) -> None:
    """Keep why a municipality's poll failed (a short text without personal data)."""
    async with committing(session):
        await _put(session, _poll_key(municipality_id), {"error": reason[:200]}, now)


async def get_poll_failures(session: AsyncSession) -> dict[int, str]:
    """Municipalities whose last poll failed, with the reason."""
    rows = await session.exec(
        select(ChannelCursor).where(col(ChannelCursor.key).startswith(POLL_PREFIX))
    )
    failed = {}
    for row in rows:
        error = json.loads(row.value).get("error")
        if error:
            failed[int(row.key.removeprefix(POLL_PREFIX + "m"))] = str(error)
    return failed


async def check_record_poll(
    session: AsyncSession,
    *,
    municipality_id: int,
    reports: Sequence[PolledLike],
    now: datetime,
) -> None:
    """Keep each polled source's state: read now, or unavailable with VK's code (the time it
    was last read stays); and nudge the operators when new candidates wait for them."""
    async with committing(session):
        await do_nudge_operators(session, municipality_id=municipality_id, now=now)
        for report in reports:
            if getattr(report, "failed", False):
                continue  # not read this time, for VK's reasons: its state is what it was
            key = _state_key(municipality_id, report.owner_id)
            before = await session.get(ChannelCursor, key)
            read_at = json.loads(before.value).get("read_at") if before is not None else None
            value: dict[str, object]
            if report.available:
                value = {"code": None, "read_at": now.isoformat()}
            else:
                value = {"code": report.code or 0, "read_at": read_at}
            await _put(session, key, value, now)


async def get_source_states(session: AsyncSession, municipality_id: int) -> list[SourceState]:
    """The municipality's watched sources in its setup's order, each with its state and when
    it was last read; empty when monitoring is off."""
    monitor = (
        await session.exec(
            select(SocialMonitor).where(SocialMonitor.municipality_id == municipality_id)
        )
    ).first()
    if monitor is None or not monitor.active:
        return []
    keys = [_state_key(municipality_id, int(d["owner_id"])) for d in monitor.sources]
    rows = {
        r.key: r
        for r in await session.exec(select(ChannelCursor).where(col(ChannelCursor.key).in_(keys)))
    }
    states = []
    for source, key in zip(monitor.sources, keys, strict=True):
        row = rows.get(key)
        name, owner_id = str(source["name"]), int(source["owner_id"])
        if row is None:
            states.append(SourceState(name, owner_id, NOT_YET, None, None))
            continue
        value = json.loads(row.value)
        read_at = datetime.fromisoformat(value["read_at"]) if value.get("read_at") else None
        code = value.get("code")
        state = READING if code is None else f"недоступен: {gone_reason(code)}"
        states.append(SourceState(name, owner_id, state, read_at, row.updated_at))
    return states


async def _put(session: AsyncSession, key: str, value: dict[str, object], now: datetime) -> None:
    row = await session.get(ChannelCursor, key)
    text = json.dumps(value, ensure_ascii=False)
    if row is None:
        session.add(ChannelCursor(key=key, value=text, updated_at=now))
    else:
        row.value, row.updated_at = text, now
        session.add(row)
    await session.flush()
