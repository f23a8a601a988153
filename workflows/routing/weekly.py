"""The weekly retraining: every municipality with learned routing trains its own model from its
decisions on Monday 03:00 local time (a week missed while down is made up once), and its head and
operators are told whether routing changed; a failure is the operators' one notice."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Municipality, Role, RoutingModel, Staff
from workflows.core.clock import Clock
from workflows.core.errors import DomainError
from workflows.core.tx import committing
from workflows.notifications.notify import do_alert_operators, enqueue, staff_notice
from workflows.routing.labels import get_examples
from workflows.routing.store import OWN, get_routing_row
from workflows.routing.training import Outcome, check_train_own

log = logging.getLogger(__name__)
RETRAIN_AT = time(3, 0)  # Monday, local time of the municipality: a quiet hour for two cores
TOLD = (Role.head, Role.operator)
# This process's weeks settled without a version (too little history, or training failed):
# not tried again until the next Monday or a restart (the failure notice is deduplicated).
_settled: dict[int, datetime] = {}


def forget_settled() -> None:
    """Drop what this process settled (tests start each from a fresh database)."""
    _settled.clear()


def due_since(municipality: Municipality, now: datetime) -> datetime:
    """The Monday 03:00 local whose run is due: the last one at or before `now`."""
    tz = ZoneInfo(municipality.tz)
    local = now.astimezone(tz)
    monday = datetime.combine(local.date() - timedelta(days=local.weekday()), RETRAIN_AT, tz)
    return monday if local >= monday else monday - timedelta(days=7)


def retrains(municipality: Municipality) -> bool:
    """Whether the setup has a `routing:` section that leaves the weekly run on."""
    settings = municipality.routing or {}
    return bool(settings) and settings.get("retrain", True) is not False


async def run_due_retraining(
    sm: async_sessionmaker[AsyncSession], clock: Clock, *, stop: asyncio.Event | None = None
) -> int:
    """Train every municipality whose week is due and has no own version since its Monday
    03:00; returns how many were trained (a stop request is honoured between municipalities).
    The caller holds the deployment's lock, so that the versions read here are the latest and a
    week is trained once."""
    now = clock.now()
    async with sm() as s:
        munis = [m for m in await s.exec(select(Municipality)) if retrains(m)]
        latest = await _latest_own(s)
    trained = 0
    for muni in munis:
        if stop is not None and stop.is_set():
            break
        since = due_since(muni, now)
        last = latest.get(muni.id or 0)
        if (last is not None and last >= since) or _settled.get(muni.id or 0) == since:
            continue
        trained += await _retrain(sm, clock, muni, since)
    return trained


async def _latest_own(session: AsyncSession) -> dict[int, datetime]:
    """When each municipality's newest own version was made (the weekly run's or the CLI's)."""
    q = (
        select(RoutingModel.municipality_id, func.max(RoutingModel.created_at))
        .where(RoutingModel.source == OWN, col(RoutingModel.municipality_id).is_not(None))
        .group_by(col(RoutingModel.municipality_id))
    )
    return {mid: at for mid, at in (await session.execute(q)).all()}


async def _retrain(
    sm: async_sessionmaker[AsyncSession], clock: Clock, muni: Municipality, since: datetime
) -> int:
    """One municipality's week: trained and told (1), or settled without a version (0)."""
    mid = muni.id or 0
    own_from = int((muni.routing or {}).get("own_from", 300))
    try:
        async with sm() as s:
            examples = await get_examples(s, municipality_id=mid)
            ready = sum(e.at < since for e in examples)
            if ready < own_from:
                _settled[mid] = since
                log.info(
                    "переобучение маршрутизации «%s» пропущено: %s решений, нужно от %s",
                    muni.code,
                    ready,
                    own_from,
                )
                return 0
            outcome = await check_train_own(
                s, municipality=muni, clock=clock, on_saved=_tell, examples=examples
            )
    except Exception as e:  # one municipality's failure stops neither the loop nor the others
        _settled[mid] = since
        await _tell_failure(sm, muni=muni, since=since, error=e, now=clock.now())
        return 0
    row = outcome.row
    log.info(
        "маршрутизация «%s»: версия %s %s",
        muni.code,
        row.version,
        "включена" if row.active else "не включена",
    )
    return 1


async def _tell(session: AsyncSession, outcome: Outcome) -> None:
    """The head's and the operators' notice of a new version, in its transaction; its key is
    the version's, so a redelivery or a rerun never doubles it."""
    row = outcome.row
    mid = row.municipality_id or 0
    muni = await session.get(Municipality, mid)
    kind, text = news(outcome, muni.routing if muni else {})
    staff = await session.exec(
        select(Staff).where(
            Staff.municipality_id == mid, col(Staff.active), col(Staff.role).in_(TOLD)
        )
    )
    now = row.created_at
    await enqueue(
        session,
        [
            staff_notice(
                staff=person,
                item=None,
                kind=kind,
                payload={"text": text},
                dedup=f"rtv{mid}:{row.version}",
                now=now,
            )
            for person in staff
        ],
    )


def news(outcome: Outcome, settings: dict[str, Any]) -> tuple[str, str]:
    """(kind, text) of the notice: switched, or kept off with the verdict. No citizen's text:
    only versions and figures."""
    row = outcome.row
    if not row.active:
        return "routing_refused", (
            f"Новая версия {row.version} не включена: {outcome.verdict}; "
            f"работает {_which(outcome.before)}."
        )
    return "routing_updated", (
        f"Версия {row.version}, обучена на {row.trained_on} {_decisions(row.trained_on)}; "
        f"{_routes(row.metrics, settings)} (было: {_was(outcome.before)})."
    )


def _routes(metrics: dict[str, Any], settings: dict[str, Any]) -> str:
    share, precision = metrics.get("auto_share"), metrics.get("auto_precision")
    if settings.get("auto_at") is None:
        return (
            "сама не направляет (в настройке не задан routing.auto_at), подсказывает оператору: "
            f"первая подсказка верна в {_pct(metrics.get('accuracy'), 0)} отложенных решений"
        )
    if metrics.get("threshold") is None or not share or precision is None:
        return (
            "сама пока не направляет (на отложенных решениях не набрала нужной точности), "
            "подсказывает оператору: первая подсказка верна в "
            f"{_pct(metrics.get('accuracy'), 0)} отложенных решений"
        )
    return (
        f"сама направляет {_pct(share, 0)} при точности {_pct(precision, 1)} на отложенных решениях"
    )


def _was(before: RoutingModel | None) -> str:
    if before is None:
        return "модели не было, распределял оператор"
    if before.source != OWN:
        return f"стартовая модель v{before.version} по обращениям Санкт-Петербурга"
    m = before.metrics
    if m.get("threshold") is None or not m.get("auto_share") or m.get("auto_precision") is None:
        return f"версия {before.version}, только подсказки"
    return (
        f"версия {before.version}, {_pct(m['auto_share'], 0)} при точности "
        f"{_pct(m['auto_precision'], 1)}"
    )


def _which(before: RoutingModel | None) -> str:
    if before is None:
        return "распределение правилами и оператором, без модели"
    if before.source != OWN:
        return f"стартовая модель v{before.version}"
    return f"версия {before.version}"


def _decisions(n: int) -> str:
    return "решении" if n % 10 == 1 and n % 100 != 11 else "решениях"


def _pct(value: Any, digits: int) -> str:
    if not isinstance(value, int | float):
        return "—"
    return f"{100 * value:.{digits}f}".replace(".", ",") + "%"


async def _tell_failure(
    sm: async_sessionmaker[AsyncSession],
    *,
    muni: Municipality,
    since: datetime,
    error: Exception,
    now: datetime,
) -> None:
    """Logged (the kind of error and our own Russian reason: never a text or a statement's
    parameters) and the operators told once a week; nothing else changes."""
    why = _why(error)
    log.error("переобучение маршрутизации «%s» не удалось: %s", muni.code, why)
    try:
        async with sm() as s, committing(s):
            before = await get_routing_row(s, municipality_id=muni.id or 0)
            text = (
                f"Переобучение модели маршрутизации не удалось: {why}. Работает "
                f"{_which(before)}, ничего не изменено. Повторить вручную: «mcu routing train "
                f"--municipality {muni.code}»; подробности — в журнале."
            )
            await do_alert_operators(
                s,
                municipality_id=muni.id or 0,
                kind="routing_failed",
                payload={"text": text},
                dedup=f"rtf{muni.id}:{since:%Y%m%d}",
                now=now,
            )
    except Exception as e:  # the database itself is down: the log line above says enough
        log.error("операторы не извещены о сбое переобучения: %s", type(e).__name__)


def _why(error: Exception) -> str:
    if isinstance(error, DomainError):
        return error.reason
    if isinstance(error, OSError):
        return (
            f"файл модели не записан ({type(error).__name__}): проверьте место на диске и "
            "права на каталог MCU_ROUTING_DIR"
        )
    return f"внутренняя ошибка ({type(error).__name__})"
