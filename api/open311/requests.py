"""Reading service requests: a municipality's items in a range or by number, as Open311 requests
(the item's text and place, never the citizen's data)."""

import re
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.deps import Rt, Session
from api.open311.common import (
    ERRORS,
    MAX_PARAM,
    ApiKeyHeader,
    Refusal,
    caller,
    jurisdiction,
    open311,
    sectors_of,
    short,
)
from api.open311.shapes import ServiceRequest
from models import Item, Locality, Municipality, Role, Sector
from workflows.core.actors import Actor
from workflows.items.transitions import OPEN, STATUS_RU

router = APIRouter()

WINDOW = timedelta(days=90)  # the spec's default range, and the longest one allowed
MAX_REQUESTS = 1000
MAX_IDS = 200
YEARS = range(1900, 2101)  # past the ends of time a 90-day window or a time zone would overflow


# The spec's dates are W3C date-times: declared so, clients (and fuzzers) send those.
DATE_TIME: dict[str, Any] = {"json_schema_extra": {"format": "date-time"}}


def when(moment: datetime | None, tz: ZoneInfo) -> str | None:
    return None if moment is None else moment.astimezone(tz).isoformat()


def _request(
    item: Item, *, tz: ZoneInfo, sectors: dict[int, Sector], localities: dict[int, str]
) -> dict[str, Any]:
    """One item as a service request: the item's text and place, never the citizen's data."""
    sector = sectors.get(item.sector_id or 0)
    locality = localities.get(item.locality_id or 0)
    return {
        "service_request_id": item.number,
        "status": "open" if item.status in OPEN else "closed",
        "status_notes": STATUS_RU[item.status],
        "service_name": sector.name if sector else None,
        "service_code": sector.code if sector else None,
        "description": item.text,
        "agency_responsible": sector.name if sector else None,
        "service_notice": None,
        "requested_datetime": when(item.registered_at, tz),
        "updated_datetime": when(item.updated_at, tz),
        "expected_datetime": when(item.due_at, tz),
        "address": item.place_text or locality,
        "address_id": None,
        "zipcode": None,
        "lat": item.lat,
        "long": item.lon,
        "media_url": None,
        "extended_attributes": {
            "mcu_status": item.status.value,
            "mcu_status_ru": STATUS_RU[item.status],
            "kind": item.kind.value,
            "locality": locality,
        },
    }


def _date(value: str | None, name: str, tz: ZoneInfo) -> datetime | None:
    if not short(value, name):
        return None
    text = (value or "").strip()
    if "T" in text:  # an unencoded "+03:00" arrives as " 03:00"
        text = re.sub(r" (\d\d:?\d\d)$", r"+\1", text)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise Refusal(
            400, f"{name}: «{value}» — не дата ISO 8601, например 2026-11-01T00:00:00+03:00"
        ) from None
    if moment.year not in YEARS:
        raise Refusal(400, f"{name}: год {moment.year} вне диапазона {YEARS[0]}–{YEARS[-1]}")
    return (moment if moment.tzinfo else moment.replace(tzinfo=tz)).astimezone(UTC)


def _visible(q: Any, actor: Actor) -> Any:
    """A recipient reads their own items, a sector lead their sector's, as in the items API."""
    if actor.role is Role.recipient:
        return q.where(Item.assignee_id == actor.id)
    if actor.role is Role.sector_lead:
        return q.where(Item.sector_id == actor.sector_id)
    return q


async def _answer(
    s: AsyncSession, municipality: Municipality, items: list[Item]
) -> list[dict[str, Any]]:
    sectors = {sec.id or 0: sec for sec in await sectors_of(s, municipality)}
    rows = await s.exec(
        select(Locality.id, Locality.name).where(Locality.municipality_id == municipality.id)
    )
    localities = {i or 0: n for i, n in rows}
    tz = ZoneInfo(municipality.tz)
    return [_request(i, tz=tz, sectors=sectors, localities=localities) for i in items]


@router.get(
    "/requests.json",
    summary="Open311: список обращений",
    response_model=list[ServiceRequest],
    responses=ERRORS,
)
@open311
async def list_requests(
    s: Session,
    rt: Rt,
    api_key: Annotated[str | None, Query(description="токен API МЦУ")] = None,
    x_api_key: ApiKeyHeader = None,
    jurisdiction_id: Annotated[str | None, Query(description="код муниципалитета")] = None,
    service_request_id: Annotated[str | None, Query(description="номера через запятую")] = None,
    service_code: Annotated[str | None, Query(description="коды блоков через запятую")] = None,
    start_date: Annotated[str | None, Query(description="ISO 8601, с", **DATE_TIME)] = None,
    end_date: Annotated[str | None, Query(description="ISO 8601, по", **DATE_TIME)] = None,
    status: Annotated[str | None, Query(description="open, closed или оба")] = None,
) -> list[dict[str, Any]]:
    """Обращения за период (по умолчанию 90 дней, не больше 1000); нужен api_key."""
    actor = await caller(s, rt, api_key or x_api_key)
    municipality = await jurisdiction(s, jurisdiction_id, actor)
    q = _visible(select(Item).where(Item.municipality_id == municipality.id), actor)
    if service_request_id:  # the spec: a list of ids overrides every other filter
        numbers = [n.strip() for n in service_request_id.split(",") if n.strip()]
        if len(numbers) > MAX_IDS:
            raise Refusal(400, f"service_request_id: не больше {MAX_IDS} номеров за раз")
        q = q.where(col(Item.number).in_(numbers))
    else:
        q = await _filters(
            s, q, municipality, rt.clock.now(), service_code, start_date, end_date, status
        )
    q = q.order_by(col(Item.registered_at).desc(), col(Item.id).desc()).limit(MAX_REQUESTS)
    return await _answer(s, municipality, list(await s.exec(q)))


async def _filters(
    s: AsyncSession,
    q: Any,
    municipality: Municipality,
    now: datetime,
    service_code: str | None,
    start_date: str | None,
    end_date: str | None,
    status: str | None,
) -> Any:
    tz = ZoneInfo(municipality.tz)
    start, end = _date(start_date, "start_date", tz), _date(end_date, "end_date", tz)
    if start is None:
        end = end or now
        start = end - WINDOW
    elif end is None:
        end = start + WINDOW
    if end < start:
        raise Refusal(400, "end_date раньше start_date")
    if end - start > WINDOW:
        raise Refusal(400, "диапазон start_date … end_date не может быть длиннее 90 дней")
    q = q.where(Item.registered_at >= start, Item.registered_at <= end)
    if service_code:
        by_code = {sec.code: sec.id for sec in await sectors_of(s, municipality)}
        codes = [c.strip() for c in service_code.split(",") if c.strip()]
        unknown = [c for c in codes if c not in by_code]
        if unknown:
            raise Refusal(404, f"service_code «{unknown[0][:MAX_PARAM]}» не найден")
        q = q.where(col(Item.sector_id).in_([by_code[c] for c in codes]))
    if status:
        wanted = {w.strip() for w in status.split(",")}
        if not wanted <= {"open", "closed"}:
            raise Refusal(400, "status: open, closed или open,closed")
        if wanted == {"open"}:
            q = q.where(col(Item.status).in_(OPEN))
        elif wanted == {"closed"}:
            q = q.where(col(Item.status).not_in(OPEN))
    return q


@router.get(
    "/requests/{request_id}.json",
    summary="Open311: одно обращение",
    response_model=list[ServiceRequest],
    responses=ERRORS,
)
@open311
async def read_request(
    request_id: str,
    s: Session,
    rt: Rt,
    api_key: Annotated[str | None, Query(description="токен API МЦУ")] = None,
    x_api_key: ApiKeyHeader = None,
    jurisdiction_id: Annotated[str | None, Query(description="код муниципалитета")] = None,
) -> list[dict[str, Any]]:
    """Обращение по номеру (например ТСТ-2026-000001), списком из одного, как в спецификации."""
    actor = await caller(s, rt, api_key or x_api_key)
    municipality = await jurisdiction(s, jurisdiction_id, actor)
    q = select(Item).where(Item.municipality_id == municipality.id, Item.number == request_id)
    item = (await s.exec(_visible(q, actor))).first()
    if item is None:
        raise Refusal(404, f"обращение «{request_id[:MAX_PARAM]}» не найдено")
    return await _answer(s, municipality, [item])
