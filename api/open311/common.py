"""What every Open311 route shares: refusals in Open311's own form (`[{"code", "description"}]`),
the caller behind an api_key, the municipality a jurisdiction_id names, its sectors."""

import functools
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, ParamSpec

from fastapi import Header, Response
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Municipality, Sector
from workflows.core.actors import Actor
from workflows.core.errors import DomainError, Forbidden, Invalid, NotFound
from workflows.jobs.runtime import Runtime
from workflows.staff.tokens import get_token_actor

PREFIX = "/open311/v2"
P = ParamSpec("P")
SPEC = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-01T00:00:00Z"  # when this document's shape last changed
MAX_PARAM = 64  # codes, ids and dates; longer values are refused before any lookup
PERSONAL = ("email", "first_name", "last_name", "phone", "device_id", "account_id")
NOT_KEPT = (
    "Личные данные (email, имя, фамилия, телефон) через Open311 не принимаются "
    "и не сохраняются; статус можно узнать по номеру."
)


class Open311Error(BaseModel):
    """One refusal in the spec's form; a refusal is a list of them."""

    code: int
    description: str


# The refusals of Open311's routes, the edge's too (a NUL, a body too large: api/edge.py).
ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": list[Open311Error], "description": f"ошибка Open311 {code}"}
    for code in (400, 401, 403, 404, 413)
}


STATUS_OF = {Invalid: 400, Forbidden: 403, NotFound: 404}


class Refusal(Exception):
    """An Open311 error: its HTTP status and a description a person can read."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status, self.description = status, description


def error(status: int, description: str, **headers: str) -> JSONResponse:
    return JSONResponse(
        [{"code": status, "description": description}], status_code=status, headers=headers or None
    )


def open311(fn: Callable[P, Awaitable[Any]]) -> Callable[P, Awaitable[Response]]:
    """Answer a route's result as JSON and any refusal in Open311's form (not the app's)."""

    @functools.wraps(fn)
    async def answer(*args: P.args, **kwargs: P.kwargs) -> Response:
        try:
            result = await fn(*args, **kwargs)
        except Refusal as e:
            return error(e.status, e.description)
        except DomainError as e:
            return error(STATUS_OF.get(type(e), 400), e.reason)
        return result if isinstance(result, Response) else JSONResponse(jsonable_encoder(result))

    return answer


def short(value: str | None, name: str) -> str | None:
    if value is not None and len(value) > MAX_PARAM:
        raise Refusal(400, f"{name}: значение длиннее {MAX_PARAM} символов")
    return value or None


# The key may come as a header instead of in the URL (where access logs and proxies see it).
ApiKeyHeader = Annotated[
    str | None, Header(alias="X-Api-Key", description="токен API МЦУ (вместо api_key в адресе)")
]


async def caller(s: AsyncSession, rt: Runtime, api_key: str | None) -> Actor:
    if not api_key:
        raise Refusal(401, "нужен api_key: токен API МЦУ (его выдаёт администратор)")
    try:
        return await get_token_actor(s, token=api_key, bootstrap=rt.settings.bootstrap_admin_token)
    except Forbidden as e:
        raise Refusal(401, f"api_key не принят: {e.reason}") from e


async def jurisdiction(
    s: AsyncSession, code: str | None, actor: Actor | None = None
) -> Municipality:
    """The municipality asked for; without a code only if the server serves just one."""
    if short(code, "jurisdiction_id"):
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


async def sectors_of(s: AsyncSession, municipality: Municipality) -> list[Sector]:
    rows = await s.exec(
        select(Sector).where(Sector.municipality_id == municipality.id).order_by(col(Sector.id))
    )
    return list(rows)
