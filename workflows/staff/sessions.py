"""Dashboard sessions: the cookie carries a random id, the table only its sha256 and the token it
was opened with, so every request goes id → token → actor and a revoked token ends its sessions
at once. A session of the bootstrap token (MCU_ADMIN_TOKEN) is keyed with that token too, so
changing or removing the variable ends those sessions as well."""

import secrets
from datetime import datetime, timedelta

from pydantic import SecretStr
from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import DashboardSession
from models.setup import BOOTSTRAP_TOKEN_ID
from workflows.core.actors import Actor
from workflows.core.errors import Forbidden
from workflows.core.tx import committing
from workflows.staff.tokens import MAX_TOKEN, get_token_id_actor, hashed

SESSION_TTL = timedelta(hours=12)  # a working day; then the token is typed again
ENDED = "сессия истекла или завершена: войдите снова"


def _keys(session_id: str, bootstrap: SecretStr | None) -> tuple[str, str | None]:
    """The hash a token's session is kept under, and a bootstrap session's (None: no bootstrap)."""
    boot = bootstrap.get_secret_value() if bootstrap is not None else ""
    return hashed(session_id), hashed(f"{session_id}:{hashed(boot)}") if boot else None


async def check_open_session(
    session: AsyncSession, *, actor: Actor, bootstrap: SecretStr | None, now: datetime
) -> str:
    """A new session for the actor's token; returns its id (for the cookie only, never kept).
    Expired sessions are swept on the way."""
    if actor.token_id is None:
        raise Forbidden("сессию открывает только вход по токену")
    session_id = secrets.token_urlsafe(32)
    plain, boot_key = _keys(session_id, bootstrap)
    key = boot_key if actor.token_id == BOOTSTRAP_TOKEN_ID else plain
    if key is None:
        raise Forbidden("токен не найден или отозван")
    async with committing(session):
        await session.exec(delete(DashboardSession).where(col(DashboardSession.expires_at) <= now))
        session.add(
            DashboardSession(
                id_hash=key, token_id=actor.token_id, created_at=now, expires_at=now + SESSION_TTL
            )
        )
    return session_id


async def get_session_actor(
    session: AsyncSession, *, session_id: str, bootstrap: SecretStr | None, now: datetime
) -> Actor:
    """The actor of a live session: not expired, its token neither revoked nor changed."""
    if not session_id or len(session_id) > MAX_TOKEN:
        raise Forbidden(ENDED)
    plain, boot_key = _keys(session_id, bootstrap)
    keys = [k for k in (plain, boot_key) if k is not None]
    row = (
        await session.exec(select(DashboardSession).where(col(DashboardSession.id_hash).in_(keys)))
    ).first()
    bootstrap_row = row is not None and row.token_id == BOOTSTRAP_TOKEN_ID
    if row is None or row.expires_at <= now or bootstrap_row != (row.id_hash == boot_key):
        raise Forbidden(ENDED)
    return await get_token_id_actor(session, token_id=row.token_id, bootstrap=bootstrap)


async def do_end_session(
    session: AsyncSession, *, session_id: str, bootstrap: SecretStr | None
) -> None:
    """Log out: the session's row goes (an unknown id changes nothing)."""
    if not session_id or len(session_id) > MAX_TOKEN:
        return
    keys = [k for k in _keys(session_id, bootstrap) if k is not None]
    async with committing(session):
        await session.exec(delete(DashboardSession).where(col(DashboardSession.id_hash).in_(keys)))
