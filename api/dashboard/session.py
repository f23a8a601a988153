"""Who is looking: the login form's token opens a session (workflows/staff/sessions.py) whose
random id, never the token, is kept in an HttpOnly, SameSite=Strict cookie scoped to /dashboard
(Secure in production); every request resolves it again, so a revoked token ends it at once."""

import hashlib
import hmac
from urllib.parse import urlsplit

from fastapi import Request
from fastapi.responses import Response
from sqlmodel.ext.asyncio.session import AsyncSession

from api.dashboard.render import base_path
from models import Role
from workflows.core.actors import Actor
from workflows.core.errors import Forbidden
from workflows.incidents.deciders import get_may_decide
from workflows.jobs.runtime import Runtime
from workflows.staff.sessions import (
    SESSION_TTL,
    check_open_session,
    do_end_session,
    get_session_actor,
)
from workflows.staff.tokens import get_token_actor

COOKIE = "mcu_dashboard"
COOKIE_AGE = int(SESSION_TTL.total_seconds())
VIEWERS = frozenset(
    {
        Role.curator,
        Role.head,
        Role.admin,
        Role.operator,
        Role.sector_lead,
        Role.glava,
        Role.pos_officer,
    }
)


class Refused(Exception):
    """The login or the cookie is not accepted: 401 for an unknown token, 403 for a role."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason


def admit(actor: Actor, *, officer: bool = False) -> Actor:
    """The actor, if its role may see the dashboard; an incident officer (a recipient named by
    a `kind: incident` rule) may see the «Соцсети» desk only."""
    if actor.role is Role.recipient and officer:
        return actor
    if actor.role is Role.recipient:
        raise Refused(403, "Панель куратора недоступна исполнителям: ваши обращения — в боте МЦУ.")
    if actor.role not in VIEWERS:
        raise Refused(403, "Этой роли панель куратора недоступна.")
    if actor.role is Role.sector_lead and (
        actor.sector_id is None or actor.municipality_id is None
    ):
        raise Refused(403, "Токен руководителя блока должен быть выдан сотруднику с сектором.")
    return actor


async def open_session(s: AsyncSession, rt: Runtime, token: str) -> str:
    """Check the login form's token and open a session for it; returns the session id."""
    bootstrap = rt.settings.bootstrap_admin_token
    try:
        actor = await get_token_actor(s, token=token, bootstrap=bootstrap)
        actor = admit(actor, officer=await is_officer(s, actor))
        return await check_open_session(s, actor=actor, bootstrap=bootstrap, now=rt.clock.now())
    except Forbidden as e:
        raise Refused(401, e.reason) from None


async def is_officer(s: AsyncSession, actor: Actor) -> bool:
    """A recipient whom the incident rules name: they decide on posts, and see nothing else."""
    if actor.role is not Role.recipient or actor.municipality_id is None:
        return False
    return await get_may_decide(s, actor=actor, municipality_id=actor.municipality_id)


async def viewer(
    request: Request, s: AsyncSession, rt: Runtime, *, desk: bool = False
) -> Actor | None:
    """The actor of the request's session; None without a cookie, Refused for an ended one
    (`desk`: the «Соцсети» pages, which incident officers may see too)."""
    session_id = request.cookies.get(COOKIE)
    if session_id is None:
        return None
    try:
        actor = await get_session_actor(
            s,
            session_id=session_id,
            bootstrap=rt.settings.bootstrap_admin_token,
            now=rt.clock.now(),
        )
    except Forbidden as e:
        raise Refused(401, e.reason) from None
    return admit(actor, officer=desk and await is_officer(s, actor))


async def end_session(request: Request, s: AsyncSession, rt: Runtime) -> None:
    session_id = request.cookies.get(COOKIE)
    if session_id is not None:
        await do_end_session(s, session_id=session_id, bootstrap=rt.settings.bootstrap_admin_token)


def _secure(request: Request) -> bool:
    """Secure in production always (TLS ends at the proxy, so the scheme here may be http)."""
    rt: Runtime = request.app.state.rt
    return rt.settings.env == "production" or request.url.scheme == "https"


def remember(request: Request, response: Response, session_id: str) -> Response:
    response.set_cookie(
        COOKIE,
        session_id,
        max_age=COOKIE_AGE,
        path=base_path(request),
        secure=_secure(request),
        httponly=True,
        samesite="strict",
    )
    return response


def same_origin(request: Request) -> bool:
    """A browser's form post must come from our own pages (SameSite covers the cookie only)."""
    origin = request.headers.get("origin")
    return origin is None or urlsplit(origin).netloc == request.headers.get("host")


def form_token(request: Request) -> str:
    """A per-session token for the page's forms that change things (on top of SameSite and the
    Origin check): derived from the session id, which only the HttpOnly cookie holds, under
    its own prefix so that it never equals the hash the sessions table keeps."""
    session_id = request.cookies.get(COOKIE, "")
    return hashlib.sha256(f"mcu-dashboard-form:{session_id}".encode()).hexdigest()[:40]


def form_allowed(request: Request, token: str) -> bool:
    """A change posted from our own page of this session: same origin and the session's token."""
    return same_origin(request) and hmac.compare_digest(
        token.encode(), form_token(request).encode()
    )


def forget(request: Request, response: Response) -> Response:
    response.delete_cookie(
        COOKIE, path=base_path(request), secure=_secure(request), httponly=True, samesite="strict"
    )
    return response
