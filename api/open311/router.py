"""Open311 GeoReport v2: a municipality's sectors as services, its items as service requests.

jurisdiction_id is the municipality's code; api_key is one of our API tokens. Refusals come in
Open311's own form, `[{"code": 400, "description": "…"}]`, not the rest of the API's: every
route answers through `open311`, which turns our errors into that form.
"""

import functools
import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, ParamSpec
from urllib.parse import parse_qs
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request, Response
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.deps import Rt, Session
from models import Channel, Item, ItemKind, Locality, Municipality, Role, RoutingRule, Sector, Staff
from models.item import MAX_TEXT
from workflows.core.actors import Actor
from workflows.core.errors import DomainError, Forbidden, Invalid, NotFound
from workflows.items.register import REGISTRARS, NewItem, check_register_item
from workflows.items.transitions import OPEN, STATUS_RU
from workflows.jobs.runtime import Runtime
from workflows.staff.tokens import get_token_actor

router = APIRouter(prefix="/open311/v2", tags=["open311"])
P = ParamSpec("P")

SPEC = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-01T00:00:00Z"  # when this document's shape last changed
WINDOW = timedelta(days=90)  # the spec's default range, and the longest one allowed
MAX_REQUESTS = 1000
MAX_IDS = 200
MAX_PARAM = 64  # codes, ids and dates; longer values are refused before any lookup
PERSONAL = ("email", "first_name", "last_name", "phone", "device_id", "account_id")
NOT_KEPT = (
    "Личные данные (email, имя, фамилия, телефон) через Open311 не принимаются "
    "и не сохраняются; статус можно узнать по номеру."
)
ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"description": f"ошибка Open311: [{{code: {code}, description}}]"}
    for code in (400, 401, 403, 404)
}
STATUS_OF = {Invalid: 400, Forbidden: 403, NotFound: 404}


class Refusal(Exception):
    """An Open311 error: its HTTP status and a description a person can read."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status, self.description = status, description


def _error(status: int, description: str) -> JSONResponse:
    return JSONResponse([{"code": status, "description": description}], status_code=status)


def open311(fn: Callable[P, Awaitable[Any]]) -> Callable[P, Awaitable[Response]]:
    """Answer a route's result as JSON and any refusal in Open311's form (not the app's)."""

    @functools.wraps(fn)
    async def answer(*args: P.args, **kwargs: P.kwargs) -> Response:
        try:
            result = await fn(*args, **kwargs)
        except Refusal as e:
            return _error(e.status, e.description)
        except DomainError as e:
            return _error(STATUS_OF.get(type(e), 400), e.reason)
        return result if isinstance(result, Response) else JSONResponse(jsonable_encoder(result))

    return answer


# ---- who asks, and about which municipality ---------------------------------------------------


def _short(value: str | None, name: str) -> str | None:
    if value is not None and len(value) > MAX_PARAM:
        raise Refusal(400, f"{name}: значение длиннее {MAX_PARAM} символов")
    return value or None


async def _caller(s: AsyncSession, rt: Runtime, api_key: str | None) -> Actor:
    if not api_key:
        raise Refusal(401, "нужен api_key: токен API МЦУ (его выдаёт администратор)")
    try:
        return await get_token_actor(s, token=api_key, bootstrap=rt.settings.bootstrap_admin_token)
    except Forbidden as e:
        raise Refusal(401, f"api_key не принят: {e.reason}") from e


async def _jurisdiction(
    s: AsyncSession, code: str | None, actor: Actor | None = None
) -> Municipality:
    """The municipality asked for; without a code only if the server serves just one."""
    if _short(code, "jurisdiction_id"):
        found = (await s.exec(select(Municipality).where(Municipality.code == code))).first()
        if found is None:
            raise Refusal(404, f"jurisdiction_id «{code}» не найден")
    else:
        some = list(await s.exec(select(Municipality).order_by(col(Municipality.id)).limit(2)))
        if len(some) != 1:
            raise Refusal(400, "укажите jurisdiction_id — код муниципалитета")
        found = some[0]
    if actor is not None and not actor.sees_municipality(found.id or 0):
        raise Refusal(403, f"api_key выдан для другого муниципалитета, не «{found.code}»")
    return found


async def _sectors(s: AsyncSession, municipality: Municipality) -> list[Sector]:
    rows = await s.exec(
        select(Sector).where(Sector.municipality_id == municipality.id).order_by(col(Sector.id))
    )
    return list(rows)


# ---- discovery and services -----------------------------------------------------------------


@router.get("/discovery.json", summary="Open311: описание точки доступа", responses=ERRORS)
@open311
async def discovery(request: Request) -> dict[str, Any]:
    """Где API, какой спецификации следует и в каком формате отвечает (открыто всем)."""
    return {
        "changeset": CHANGESET,
        "contact": "Муниципальный центр управления (МЦУ); по вопросам API — администратор МЦУ",
        "key_service": "api_key — токен API МЦУ; его выдаёт администратор (POST /api/v1/tokens)",
        "endpoints": [
            {
                "specification": SPEC,
                "url": str(request.base_url).rstrip("/") + router.prefix,
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["application/json"],
            }
        ],
    }


@router.get("/services.json", summary="Open311: услуги — отраслевые блоки", responses=ERRORS)
@open311
async def services(
    s: Session,
    jurisdiction_id: Annotated[str | None, Query(description="код муниципалитета")] = None,
) -> list[dict[str, Any]]:
    """Отраслевые блоки муниципалитета как услуги Open311 (открыто всем)."""
    municipality = await _jurisdiction(s, jurisdiction_id)
    sectors = await _sectors(s, municipality)
    keywords = await _keywords(s, municipality)
    return [
        {
            "service_code": sec.code,
            "service_name": sec.name,
            "description": f"Сообщения о проблемах: {sec.name}",
            "metadata": False,
            "type": "realtime",
            "keywords": ", ".join(keywords.get(sec.id or 0, [])),
            "group": municipality.name,
        }
        for sec in sectors
    ]


async def _keywords(s: AsyncSession, municipality: Municipality) -> dict[int, list[str]]:
    """Routing keywords by sector: a rule's own sector, or else its assignee's."""
    rules = await s.exec(
        select(RoutingRule).where(
            RoutingRule.municipality_id == municipality.id, col(RoutingRule.active).is_(True)
        )
    )
    staff = dict(
        (
            await s.exec(
                select(Staff.id, Staff.sector_id).where(Staff.municipality_id == municipality.id)
            )
        ).all()
    )
    out: dict[int, list[str]] = {}
    for rule in rules:
        sector = rule.sector_id or staff.get(rule.assignee_id)
        if sector is not None:
            words = out.setdefault(sector, [])
            words += [w for w in rule.keywords if w not in words]
    return out


# ---- reading requests -----------------------------------------------------------------------


def _when(moment: datetime | None, tz: ZoneInfo) -> str | None:
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
        "requested_datetime": _when(item.registered_at, tz),
        "updated_datetime": _when(item.updated_at, tz),
        "expected_datetime": _when(item.due_at, tz),
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
    if not _short(value, name):
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
    sectors = {sec.id or 0: sec for sec in await _sectors(s, municipality)}
    rows = await s.exec(
        select(Locality.id, Locality.name).where(Locality.municipality_id == municipality.id)
    )
    localities = {i or 0: n for i, n in rows}
    tz = ZoneInfo(municipality.tz)
    return [_request(i, tz=tz, sectors=sectors, localities=localities) for i in items]


@router.get("/requests.json", summary="Open311: список обращений", responses=ERRORS)
@open311
async def list_requests(
    s: Session,
    rt: Rt,
    api_key: Annotated[str | None, Query(description="токен API МЦУ")] = None,
    jurisdiction_id: Annotated[str | None, Query(description="код муниципалитета")] = None,
    service_request_id: Annotated[str | None, Query(description="номера через запятую")] = None,
    service_code: Annotated[str | None, Query(description="коды блоков через запятую")] = None,
    start_date: Annotated[str | None, Query(description="ISO 8601, с")] = None,
    end_date: Annotated[str | None, Query(description="ISO 8601, по")] = None,
    status: Annotated[str | None, Query(description="open, closed или оба")] = None,
) -> list[dict[str, Any]]:
    """Обращения за период (по умолчанию 90 дней, не больше 1000); нужен api_key."""
    actor = await _caller(s, rt, api_key)
    municipality = await _jurisdiction(s, jurisdiction_id, actor)
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
        by_code = {sec.code: sec.id for sec in await _sectors(s, municipality)}
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


@router.get("/requests/{request_id}.json", summary="Open311: одно обращение", responses=ERRORS)
@open311
async def read_request(
    request_id: str,
    s: Session,
    rt: Rt,
    api_key: Annotated[str | None, Query(description="токен API МЦУ")] = None,
    jurisdiction_id: Annotated[str | None, Query(description="код муниципалитета")] = None,
) -> list[dict[str, Any]]:
    """Обращение по номеру (например ТСТ-2026-000001), списком из одного, как в спецификации."""
    actor = await _caller(s, rt, api_key)
    municipality = await _jurisdiction(s, jurisdiction_id, actor)
    q = select(Item).where(Item.municipality_id == municipality.id, Item.number == request_id)
    item = (await s.exec(_visible(q, actor))).first()
    if item is None:
        raise Refusal(404, f"обращение «{request_id[:MAX_PARAM]}» не найдено")
    return await _answer(s, municipality, [item])


# ---- posting a request ----------------------------------------------------------------------

POST_FORM = {
    "requestBody": {
        "required": True,
        "content": {
            "application/x-www-form-urlencoded": {
                "schema": {
                    "type": "object",
                    "required": ["api_key", "service_code", "description"],
                    "properties": {
                        name: {"type": "string"}
                        for name in (
                            "api_key",
                            "jurisdiction_id",
                            "service_code",
                            "lat",
                            "long",
                            "address_string",
                            "description",
                            *PERSONAL,
                        )
                    },
                }
            }
        },
    }
}


async def _form(request: Request) -> dict[str, str]:
    """The urlencoded body (the spec's form), first value of each field; api_key may be in the URL."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/x-www-form-urlencoded":
        raise Refusal(400, "POST requests.json принимает application/x-www-form-urlencoded")
    try:
        fields = parse_qs(
            (await request.body()).decode(),
            keep_blank_values=True,
            max_num_fields=100,
            errors="strict",
        )
    except ValueError:
        raise Refusal(
            400, "тело запроса не разобрано: нужна форма UTF-8, не больше 100 полей"
        ) from None
    return {**dict(request.query_params), **{k: v[0] for k, v in fields.items()}}


def _coordinates(form: dict[str, str]) -> tuple[float | None, float | None]:
    lat, lon = form.get("lat") or None, form.get("long") or None
    if (lat is None) != (lon is None):
        raise Refusal(400, "lat и long указываются вместе")
    if lat is None or lon is None:
        return None, None
    try:
        lat_f, lon_f = float(lat[:MAX_PARAM]), float(lon[:MAX_PARAM])
    except ValueError:
        raise Refusal(400, "lat и long — десятичные числа, например 42.1 и 46.2") from None
    if not (-90 <= lat_f <= 90 and -180 <= lon_f <= 180):
        raise Refusal(400, "lat должна быть в −90…90, long — в −180…180")
    return lat_f, lon_f


@router.post(
    "/requests.json",
    status_code=201,
    summary="Open311: новое сообщение о проблеме",
    responses=ERRORS,
    openapi_extra=POST_FORM,
)
@open311
async def create_request(request: Request, s: Session, rt: Rt) -> Response:
    """Регистрирует сообщение (канал api) обычным порядком: номер, срок, маршрутизация."""
    form = await _form(request)
    actor = await _caller(s, rt, form.get("api_key"))
    if actor.role not in REGISTRARS:
        raise Refusal(
            403, "этот api_key не может регистрировать сообщения (нужна роль оператора и т. п.)"
        )
    municipality = await _jurisdiction(s, form.get("jurisdiction_id"), actor)
    code = _short(form.get("service_code"), "service_code")
    if not code:
        raise Refusal(400, "нужен service_code — код отраслевого блока (см. services.json)")
    sector = next((x for x in await _sectors(s, municipality) if x.code == code), None)
    if sector is None:
        raise Refusal(404, f"service_code «{code}» не найден")
    text = (form.get("description") or "").strip()
    if not text or len(text) > MAX_TEXT:
        raise Refusal(400, f"нужно описание проблемы (description), до {MAX_TEXT} символов")
    place = (form.get("address_string") or "").strip() or None
    if place is not None and len(place) > 500:
        raise Refusal(400, "address_string длиннее 500 символов")
    lat, lon = _coordinates(form)
    if place is None and lat is None:
        raise Refusal(400, "укажите место: lat и long или address_string")
    item = await check_register_item(
        s,
        clock=rt.clock,
        municipality_id=municipality.id or 0,
        actor=actor,
        new=NewItem(
            kind=ItemKind.message,
            channel=Channel.api,
            text=text,
            sector_id=sector.id,
            place_text=place,
            lat=lat,
            lon=lon,
        ),
    )
    due = _when(item.due_at, ZoneInfo(municipality.tz))
    notice = f"Сообщение зарегистрировано под номером {item.number}"
    notice += f", срок ответа — {due[:10]}. " if due else ". "
    body = [
        {"service_request_id": item.number, "service_notice": notice + NOT_KEPT, "account_id": None}
    ]
    return JSONResponse(body, status_code=201)


# ---- everything else under /open311/v2 ------------------------------------------------------

KNOWN = re.compile(r"^(discovery|services|requests)\.json$|^requests/[^/]+\.json$")


@router.api_route(
    "/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], include_in_schema=False
)
async def elsewhere(rest: str) -> Response:
    """XML is not served; other paths and methods are refused in Open311's form too."""
    if rest.lower().endswith(".xml"):
        return _error(400, "поддерживается только JSON: запросите тот же адрес с окончанием .json")
    if KNOWN.match(rest):
        return _error(405, "этот метод здесь не поддерживается")
    return _error(404, f"в Open311 нет ресурса «{rest[:MAX_PARAM]}»")
