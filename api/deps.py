"""Dependencies: the runtime, a database session, and the caller behind the bearer token."""

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Role
from workflows.core.actors import Actor
from workflows.core.errors import Forbidden
from workflows.jobs.runtime import Runtime
from workflows.staff.tokens import get_token_actor

bearer = HTTPBearer(auto_error=False, description="Токен API: Authorization: Bearer mcu_…")


async def runtime(request: Request) -> Runtime:  # async: a plain def would hop to a thread
    rt: Runtime = request.app.state.rt
    return rt


async def session(rt: Annotated[Runtime, Depends(runtime)]) -> AsyncIterator[AsyncSession]:
    async with rt.sm() as s:
        yield s


async def caller(
    rt: Annotated[Runtime, Depends(runtime)],
    s: Annotated[AsyncSession, Depends(session)],
    cred: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Actor:
    if cred is None or not cred.credentials:
        raise HTTPException(
            401,
            "нужен токен: заголовок Authorization: Bearer <токен>",
            headers={"WWW-Authenticate": "Bearer"},
        )
    try:
        return await get_token_actor(
            s, token=cred.credentials, bootstrap=rt.settings.bootstrap_admin_token
        )
    except Forbidden as e:
        raise HTTPException(401, e.reason, headers={"WWW-Authenticate": "Bearer"}) from e


def require(*roles: Role):  # type: ignore[no-untyped-def]
    """A dependency that lets only the given roles through."""

    async def check(actor: Annotated[Actor, Depends(caller)]) -> Actor:
        if actor.role not in roles:
            names = ", ".join(r.value for r in roles)
            raise HTTPException(403, f"это доступно ролям: {names}")
        return actor

    return check


Session = Annotated[AsyncSession, Depends(session)]
Caller = Annotated[Actor, Depends(caller)]
Rt = Annotated[Runtime, Depends(runtime)]
