"""The query every report shares: period, municipality, sector, the cut by channel and kind, and
format, resolved against the caller's token first (a municipality's token sees only it, a sector
lead only their sector)."""

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import Depends, Query
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.deps import Caller, Rt, Session
from models import Channel, ItemKind, Municipality, Role, Sector
from workflows.calendar.periods import PERIOD_HELP, Period, parse_period
from workflows.core.actors import Actor
from workflows.core.errors import Forbidden, Invalid, NotFound
from workflows.reports.scope import Scope, parse_cut

READERS = (
    Role.curator,
    Role.head,
    Role.glava,
    Role.admin,
    Role.operator,
    Role.sector_lead,
    Role.pos_officer,
)
REGION_TZ = "Europe/Moscow"  # a regional report over all municipalities counts Moscow days
MAX_CODE = 64
FORMATS = ("json", "csv", "xlsx")
CHANNELS = [c.value for c in Channel]
KINDS = [k.value for k in ItemKind]
# Declared as lists of the enums' values, checked by `parse_cut` so that a wrong value is refused
# in Russian with the allowed ones listed (the framework's own refusal would be in English).
Channels = Annotated[
    list[str],
    Query(
        alias="channel",
        description="канал (можно несколько: channel=vk&channel=pos или channel=vk,pos): "
        + ", ".join(CHANNELS),
        json_schema_extra={"items": {"type": "string", "enum": CHANNELS}},
    ),
]
Kinds = Annotated[
    list[str],
    Query(
        alias="kind",
        description="вид (можно несколько): message — сообщение, appeal_59fz — обращение "
        "59-ФЗ, incident — инцидент из соцсетей",
        json_schema_extra={"items": {"type": "string", "enum": KINDS}},
    ),
]


async def reader(actor: Caller) -> Actor:
    """Reports are for those who manage the work; a recipient sees their own items instead."""
    if actor.role not in READERS:
        raise Forbidden(
            "отчёты доступны куратору, руководителю МЦУ, администратору, оператору "
            "и руководителю блока; исполнителю они недоступны"
        )
    return actor


@dataclass(frozen=True)
class Ask:
    """A resolved report query: what to count, over which days, and how to answer."""

    scope: Scope
    period: Period
    now: datetime
    fmt: str
    municipality: Municipality | None  # None: every municipality (a regional caller)
    sector: Sector | None


def _code(value: str, what: str) -> str:
    if len(value) > MAX_CODE:
        raise Invalid(f"{what}: код длиннее {MAX_CODE} символов")
    return value


async def _municipality(s: AsyncSession, *, actor: Actor, code: str | None) -> Municipality | None:
    if not code:
        if actor.municipality_id is None:
            return None
        own = await s.get(Municipality, actor.municipality_id)
        if own is None:
            raise NotFound(f"муниципалитет {actor.municipality_id} не найден")
        return own
    found = (
        await s.exec(select(Municipality).where(Municipality.code == _code(code, "municipality")))
    ).first()
    if found is None:
        raise NotFound(f"муниципалитет «{code}» не найден")
    if not actor.sees_municipality(found.id or 0):
        raise Forbidden(f"токен выдан для другого муниципалитета: отчёты «{code}» недоступны")
    return found


async def _sector(
    s: AsyncSession, *, actor: Actor, municipality: Municipality | None, code: str | None
) -> Sector | None:
    if actor.role is Role.sector_lead:
        own = None if actor.sector_id is None else await s.get(Sector, actor.sector_id)
        if own is None:
            raise Forbidden("у руководителя блока не указан блок: отчёты недоступны")
        if code and code != own.code:
            raise Forbidden(f"руководителю блока доступны отчёты только своего блока «{own.code}»")
        return own
    if not code:
        return None
    _code(code, "sector")
    if municipality is None:
        raise Invalid("для отбора по блоку укажите и муниципалитет: municipality=<код>")
    found = (
        await s.exec(
            select(Sector).where(Sector.municipality_id == municipality.id, Sector.code == code)
        )
    ).first()
    if found is None:
        raise NotFound(f"отраслевой блок «{code}» не найден в муниципалитете «{municipality.code}»")
    return found


async def ask(
    s: Session,
    rt: Rt,
    actor: Annotated[Actor, Depends(reader)],
    period: Annotated[str, Query(description=f"период: {PERIOD_HELP}")] = "last-week",
    municipality: Annotated[
        str | None, Query(description="код муниципалитета; без него — свой (или все у региона)")
    ] = None,
    sector: Annotated[str | None, Query(description="код отраслевого блока")] = None,
    fmt: Annotated[
        str,
        Query(
            alias="format", description="json, csv или xlsx", json_schema_extra={"enum": FORMATS}
        ),
    ] = "json",
    channel: Channels = [],  # noqa: B006 (FastAPI copies a parameter's default per request)
    kind: Kinds = [],  # noqa: B006
) -> Ask:
    """Check the caller's reach and the cut, and parse the period in the municipality's time
    zone: a bad value is refused before anything is counted."""
    if fmt not in FORMATS:
        raise Invalid(f"формат «{fmt[:20]}» не поддерживается: json, csv или xlsx")
    channels, kinds = parse_cut(channel=channel, kind=kind)
    muni = await _municipality(s, actor=actor, code=municipality)
    sect = await _sector(s, actor=actor, municipality=muni, code=sector)
    now = rt.clock.now()
    tz = ZoneInfo(muni.tz if muni else REGION_TZ)
    parsed = parse_period(period, tz=tz, now=now)
    scope = Scope(
        None if muni is None else (muni.id or 0,),
        None if sect is None else sect.id,
        channels=channels,
        kinds=kinds,
    )
    return Ask(scope, parsed, now, fmt, muni, sect)


Q = Annotated[Ask, Depends(ask)]
