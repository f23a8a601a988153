"""Timers that fail: counted, tried again after a growing wait, parked after a few failures with
the operators told. What is written down names the error, never SQL nor personal data."""

import logging
import traceback
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import update
from sqlalchemy.exc import DBAPIError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Item, Timer, TimerStatus
from models.settings import TIMER_MAX_ATTEMPTS
from workflows.core.clock import backoff
from workflows.core.errors import DomainError
from workflows.notifications.notify import do_alert_operators

__all__ = ["TIMER_MAX_ATTEMPTS", "Claimed", "Failure", "describe", "do_record_failures"]

log = logging.getLogger(__name__)
RETRY_BASE = 15.0  # seconds: the waits are about 30 s, 1, 2, 4 minutes …
RETRY_CAP = 3600.0
OUR_CODE = Path(__file__).resolve().parents[2]  # the repository: models, workflows, bot, api…


@dataclass(frozen=True)
class Claimed:
    """A claimed timer, read once: a rolled-back savepoint may expire the ORM object."""

    id: int
    item_id: int
    kind: str
    anchor_at: datetime | None
    item_version: int
    attempts: int

    @classmethod
    def of(cls, timer: Timer) -> "Claimed":
        return cls(
            timer.id or 0,
            timer.item_id,
            timer.kind,
            timer.anchor_at,
            timer.item_version,
            timer.attempts,
        )


Failure = tuple[Claimed, Exception]


def describe(error: BaseException) -> str:
    """What went wrong, fit to keep and to log: our own refusals give their reason; anything else
    only its type and the line of our code it passed, because a database error's text carries
    the statement and its parameters (citizens' words among them)."""
    if isinstance(error, DomainError):
        return error.reason[:500]
    name = type(error).__name__
    if isinstance(error, DBAPIError) and error.orig is not None:
        name += f" ({type(error.orig.__cause__ or error.orig).__name__})"
    ours = [
        f
        for f in traceback.extract_tb(error.__traceback__)
        if Path(f.filename).resolve().is_relative_to(OUR_CODE)
    ]
    if ours:
        name += f" в {Path(ours[-1].filename).name}:{ours[-1].lineno}"
    return name[:500]


async def do_record_failures(
    session: AsyncSession,
    *,
    failed: list[Failure],
    now: datetime,
    max_attempts: int = TIMER_MAX_ATTEMPTS,
) -> None:
    """Count each failure on its timer: due again after a growing wait, or parked after
    `max_attempts` failures (the poller claims only pending timers); inside the caller's
    transaction."""
    parked: list[tuple[Claimed, str]] = []
    for timer, error in failed:
        attempts, reason = timer.attempts + 1, describe(error)
        values: dict[str, Any] = {"attempts": attempts, "last_error": reason, "failed_at": now}
        if attempts >= max_attempts:
            values["status"] = TimerStatus.parked
            parked.append((timer, reason))
        else:
            values["due_at"] = now + backoff(attempts, base=RETRY_BASE, cap=RETRY_CAP)
        await session.execute(update(Timer).where(col(Timer.id) == timer.id).values(**values))
        log.warning(
            "таймер #%s (%s) не сработал, попытка %s из %s: %s",
            timer.id,
            timer.kind,
            attempts,
            max_attempts,
            reason,
        )
    if parked:
        await _alert(session, parked=parked, now=now)


async def _alert(
    session: AsyncSession, *, parked: list[tuple[Claimed, str]], now: datetime
) -> None:
    """One notice per municipality to its operators, naming the items whose timers stopped."""
    rows = await session.exec(
        select(Item.id, Item.number, Item.municipality_id).where(
            col(Item.id).in_({t.item_id for t, _ in parked})
        )
    )
    items = {item_id: (number, muni) for item_id, number, muni in rows}
    groups: dict[int, list[tuple[Claimed, str]]] = {}
    for timer, reason in parked:
        groups.setdefault(items[timer.item_id][1], []).append((timer, reason))
    for muni, group in groups.items():
        numbers = sorted({items[t.item_id][0] for t, _ in group})
        listed = ", ".join(numbers[:10]) + (" и другим" if len(numbers) > 10 else "")
        text = (
            f"Напоминания и эскалации по {'обращению' if len(numbers) == 1 else 'обращениям'} "
            f"{listed} раз за разом не срабатывают и отключены: проверьте сроки и сотрудников "
            "в настройках."
        )
        payload = {"number": numbers[0] if len(numbers) == 1 else None, "reason": group[0][1]}
        try:  # the alert must not undo the bookkeeping above, or the timers would block again
            async with session.begin_nested():
                await do_alert_operators(
                    session,
                    municipality_id=muni,
                    kind="timer_parked",
                    payload={**payload, "text": text},
                    dedup=f"parked{group[0][0].id}",
                    now=now,
                )
        except Exception as e:
            log.error("операторы не извещены об отключённых таймерах: %s", describe(e))
