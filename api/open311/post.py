"""Posting a service request: the spec's urlencoded form, registered as an item of the api channel
the usual way (number, deadline, routing); personal fields are refused, not stored."""

from urllib.parse import parse_qs
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from api.deps import Rt, Session
from api.open311.common import (
    ERRORS,
    MAX_PARAM,
    NOT_KEPT,
    PERSONAL,
    Refusal,
    caller,
    jurisdiction,
    open311,
    sectors_of,
    short,
)
from api.open311.requests import when
from api.open311.shapes import Created
from models import Channel, ItemKind
from models.item import MAX_TEXT
from workflows.items.register import REGISTRARS, NewItem, check_register_item

router = APIRouter()

POST_FORM = {
    "requestBody": {
        "required": True,
        "content": {
            "application/x-www-form-urlencoded": {
                "schema": {
                    "type": "object",
                    "required": ["service_code", "description"],  # api_key: or X-Api-Key
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
    response_model=list[Created],
    responses=ERRORS,
    openapi_extra=POST_FORM,
)
@open311
async def create_request(request: Request, s: Session, rt: Rt) -> Response:
    """Регистрирует сообщение (канал api) обычным порядком: номер, срок, маршрутизация."""
    form = await _form(request)
    actor = await caller(s, rt, form.get("api_key") or request.headers.get("x-api-key"))
    if actor.role not in REGISTRARS:
        raise Refusal(
            403, "этот api_key не может регистрировать сообщения (нужна роль оператора и т. п.)"
        )
    municipality = await jurisdiction(s, form.get("jurisdiction_id"), actor)
    code = short(form.get("service_code"), "service_code")
    if not code:
        raise Refusal(400, "нужен service_code — код отраслевого блока (см. services.json)")
    sector = next((x for x in await sectors_of(s, municipality) if x.code == code), None)
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
    due = when(item.due_at, ZoneInfo(municipality.tz))
    notice = f"Сообщение зарегистрировано под номером {item.number}"
    notice += f", срок ответа — {due[:10]}. " if due else ". "
    body = [
        {"service_request_id": item.number, "service_notice": notice + NOT_KEPT, "account_id": None}
    ]
    return JSONResponse(body, status_code=201)
