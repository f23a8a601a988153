"""Claiming saved updates by chat: in order within a chat, in parallel across chats, by any
number of processes, one worker per chat at a time, each update once.

A claim is a lease (`claimed_until`) on the oldest unprocessed row of a chat; a row is claimable
only while it is that oldest one (so while a chat's first row is leased, none of the chat's
rows qualifies). The worker renews the lease while it works and clears it when it
records the outcome. Nothing is held open meanwhile: a worker that dies (kill -9) leaves only
its lease, and the row is claimed again when that runs out. Postgres picks rows with
`FOR UPDATE SKIP LOCKED`, so concurrent claimers neither wait on each other nor take one row
twice; SQLite (one process) runs the same statement under its write lock. Every statement
here is one autocommit round trip; on Postgres a worker records an outcome and claims its next
update in the same one.
"""

import contextlib
import functools
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import String, Table, bindparam, case, func, literal_column, or_, update
from sqlalchemy import select as core_select
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from models import Channel, Inbox
from models.base import UTCDateTime


@dataclass(frozen=True)
class ClaimedUpdate:
    """A saved update a worker holds: `claim` numbers the claims of the row (1 the first time)
    and identifies this one, so that only its holder renews it."""

    id: int
    update_id: str
    chat_key: str | None
    payload: dict[str, Any]
    claim: int


def _table() -> Table:
    table: Table = Inbox.metadata.tables["inbox"]
    return table


def _at(name: str) -> Any:
    return bindparam(name, type_=UTCDateTime())


@functools.cache
def _finish_statement() -> Any:
    t = _table()
    failed = bindparam("done_error", type_=String()).is_not(None)
    return (
        update(t)
        .where(t.c.id == bindparam("done_id"))
        .values(
            processed_at=_at("done_at"),
            claimed_until=None,
            error=bindparam("done_error"),
            # Handled: the raw update (names, usernames, texts of people who may never consent)
            # is not kept; only its identity stays, for deduplication. A failed one keeps its
            # payload for the operator until the retention job (workflows/jobs/retention.py).
            chat_key=case((failed, t.c.chat_key), else_=None),
            payload=case((failed, t.c.payload), else_=literal_column("'{}'")),
        )
    )


@functools.cache
def _claim_statement(dialect: str, *, after_finish: bool = False) -> Any:
    """Lease the oldest unleased row that is the first unprocessed one of its chat. With
    `after_finish` (Postgres), first record row `done_id`'s outcome in the same statement; the
    statement's snapshot still shows that row unprocessed, so it is counted as done by id."""
    t = _table()
    chat = t.alias("chat")
    in_chat = [chat.c.channel == t.c.channel, chat.c.chat_key == t.c.chat_key]
    in_chat.append(chat.c.processed_at.is_(None))
    conditions = [
        t.c.channel == bindparam("claim_channel", type_=t.c.channel.type),
        t.c.processed_at.is_(None),
        or_(t.c.claimed_until.is_(None), t.c.claimed_until < _at("claim_now")),
    ]
    if after_finish:
        in_chat.append(chat.c.id != bindparam("done_id"))
        conditions.append(t.c.id != bindparam("done_id"))
    # The chat's oldest unprocessed row, looked up per candidate (one probe of the chat queue
    # index, whatever the statistics say); a row without a chat needs no turn.
    oldest = core_select(func.min(chat.c.id)).where(*in_chat).scalar_subquery()
    pick = (
        core_select(t.c.id)
        .where(*conditions, or_(t.c.chat_key.is_(None), t.c.id == oldest))
        .order_by(t.c.id)
        .limit(1)
    )
    if dialect == "postgresql":  # claimers skip a row another one is taking right now
        pick = pick.with_for_update(skip_locked=True)
    statement = (
        update(t)
        .where(t.c.id == pick.scalar_subquery())
        .values(claimed_until=_at("claim_until"), claims=t.c.claims + 1)
        .returning(t.c.id, t.c.update_id, t.c.chat_key, t.c.payload, t.c.claims)
    )
    if after_finish:
        statement = statement.add_cte(_finish_statement().returning(t.c.id).cte("done"))
    return statement


@contextlib.asynccontextmanager
async def _autocommit(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A pooled connection in autocommit, for one statement."""
    async with engine.connect() as conn:
        yield await conn.execution_options(isolation_level="AUTOCOMMIT")


async def do_claim_update(
    engine: AsyncEngine, *, channel: Channel, now: datetime, lease: timedelta
) -> ClaimedUpdate | None:
    """Claim the next update of a chat that nobody is handling, for `lease`; None if there is
    none."""
    params = {"claim_channel": channel, "claim_now": now, "claim_until": now + lease}
    return await _claim(engine, _claim_statement(engine.dialect.name), params)


async def do_finish_update(
    engine: AsyncEngine, *, inbox_id: int, now: datetime, error: str | None = None
) -> None:
    """Record that an update was handled (with its error, if it failed): the chat's next one
    becomes claimable."""
    async with _autocommit(engine) as conn:
        await conn.execute(_finish_statement(), _outcome(inbox_id, now, error))


async def do_finish_and_claim(
    engine: AsyncEngine,
    *,
    inbox_id: int,
    error: str | None,
    channel: Channel,
    now: datetime,
    lease: timedelta,
) -> ClaimedUpdate | None:
    """Record an update's outcome and claim the next one (of any chat, this one's included):
    one round trip and one commit on Postgres, two statements elsewhere."""
    if engine.dialect.name != "postgresql":
        await do_finish_update(engine, inbox_id=inbox_id, now=now, error=error)
        return await do_claim_update(engine, channel=channel, now=now, lease=lease)
    params = _outcome(inbox_id, now, error) | {
        "claim_channel": channel,
        "claim_now": now,
        "claim_until": now + lease,
    }
    return await _claim(engine, _claim_statement("postgresql", after_finish=True), params)


async def do_renew_claim(
    engine: AsyncEngine, *, claimed: ClaimedUpdate, now: datetime, lease: timedelta
) -> bool:
    """Extend a claim still held; False if it was lost (it ran out and another worker took it)."""
    t = _table()
    statement = (
        update(t)
        .where(t.c.id == claimed.id, t.c.claims == claimed.claim, t.c.processed_at.is_(None))
        .values(claimed_until=now + lease)
    )
    async with _autocommit(engine) as conn:
        return (await conn.execute(statement)).rowcount == 1


async def do_release_claims(engine: AsyncEngine, *, channel: Channel) -> int:
    """Give back every lease at once: only for a database one process uses (SQLite), whose
    leases at start-up were left by that process's previous life."""
    t = _table()
    statement = (
        update(t)
        .where(t.c.channel == channel, t.c.processed_at.is_(None), t.c.claimed_until.is_not(None))
        .values(claimed_until=None)
    )
    async with _autocommit(engine) as conn:
        return int((await conn.execute(statement)).rowcount)


def _outcome(inbox_id: int, now: datetime, error: str | None) -> dict[str, Any]:
    return {"done_id": inbox_id, "done_at": now, "done_error": error[:1000] if error else None}


async def _claim(
    engine: AsyncEngine, statement: Any, params: dict[str, Any]
) -> ClaimedUpdate | None:
    """Run a claim statement. On Postgres it goes to asyncpg itself, compiled once, over a
    pooled connection outside any transaction (autocommit): the hot path of every update, and
    SQLAlchemy's execution and result layers were half its CPU."""
    if engine.dialect.name != "postgresql":
        async with _autocommit(engine) as conn:
            row = (await conn.execute(statement, params)).first()
        if row is None:
            return None
        return ClaimedUpdate(row.id, row.update_id, row.chat_key, row.payload, row.claims)
    sql, names, defaults = _compiled(statement, engine.dialect)
    values = defaults | params | {"claim_channel": params["claim_channel"].value}
    async with engine.connect() as conn:
        raw = await conn.get_raw_connection()
        found = await raw.driver_connection.fetchrow(sql, *(values[n] for n in names))  # type: ignore[union-attr]
    if found is None:
        return None
    payload = found["payload"]
    payload = json.loads(payload) if isinstance(payload, str) else payload
    return ClaimedUpdate(
        found["id"], found["update_id"], found["chat_key"], payload, found["claims"]
    )


_COMPILED: dict[tuple[int, str], tuple[str, tuple[str, ...], dict[str, Any]]] = {}


def _compiled(statement: Any, dialect: Dialect) -> tuple[str, tuple[str, ...], dict[str, Any]]:
    """The statement as the driver's SQL, its parameters' names in order and their defaults."""
    key = (id(statement), dialect.name)
    if key not in _COMPILED:
        compiled = statement.compile(dialect=dialect)
        _COMPILED[key] = (str(compiled), tuple(compiled.positiontup or ()), dict(compiled.params))
    return _COMPILED[key]
