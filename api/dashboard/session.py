"""Who is looking: the token from the login form, kept in an HttpOnly, SameSite=Strict cookie
scoped to /dashboard and checked on every request, so revoking it ends the session at once."""

from urllib.parse import urlsplit

from fastapi import Request
from fastapi.responses import Response
from sqlmodel.ext.asyncio.session import AsyncSession

from api.dashboard.render import base_path
from models import Role
from workflows.core.actors import Actor
from workflows.core.errors import Forbidden
from workflows.jobs.runtime import Runtime
from workflows.staff.tokens import get_token_actor

COOKIE = "mcu_dashboard"
COOKIE_AGE = 12 * 3600  # a working day; then the token is typed again
VIEWERS = frozenset({Role.curator, Role.head, Role.admin, Role.operator, Role.sector_lead})


class Refused(Exception):
    """The login or the cookie is not accepted: 401 for an unknown token, 403 for a role."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason


async def check_token(s: AsyncSession, rt: Runtime, token: str) -> Actor:
    """The actor behind a token, if its role may see the dashboard."""
    try:
        actor = await get_token_actor(s, token=token, bootstrap=rt.settings.bootstrap_admin_token)
    except Forbidden as e:
        raise Refused(401, e.reason) from None
    if actor.role is Role.recipient:
        raise Refused(403, "Панель куратора недоступна исполнителям: ваши обращения — в боте МЦУ.")
    if actor.role not in VIEWERS:
        raise Refused(403, "Этой роли панель куратора недоступна.")
    if actor.role is Role.sector_lead and (
        actor.sector_id is None or actor.municipality_id is None
    ):
        raise Refused(403, "Токен руководителя блока должен быть выдан сотруднику с сектором.")
    return actor


async def viewer(request: Request, s: AsyncSession, rt: Runtime) -> Actor | None:
    token = request.cookies.get(COOKIE)
    return None if token is None else await check_token(s, rt, token)


def same_origin(request: Request) -> bool:
    """A browser's form post must come from our own pages (SameSite covers the cookie only)."""
    origin = request.headers.get("origin")
    return origin is None or urlsplit(origin).netloc == request.headers.get("host")


def forget(request: Request, response: Response) -> Response:
    response.delete_cookie(COOKIE, path=base_path(request), httponly=True, samesite="strict")
    return response
