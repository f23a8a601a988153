"""API tokens with roles, stored hashed: issuing, listing and revoking them, and the one way from
a token to its actor."""

import hashlib
import hmac
import logging
import secrets
from datetime import datetime

from pydantic import SecretStr
from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import ActorKind, ApiToken, Channel, DashboardSession, Municipality, Role, Staff
from models.setup import BOOTSTRAP_TOKEN_ID
from workflows.core.actors import Actor
from workflows.core.errors import Forbidden, IllegalTransition, NotFound
from workflows.core.tx import committing

log = logging.getLogger(__name__)
MAX_TOKEN = 200  # ours are 47 characters; longer input is refused before it is hashed


def hashed(secret: str) -> str:
    """What is kept of a token or an invite code: its SHA-256, never the secret."""
    return hashlib.sha256(secret.encode()).hexdigest()


async def check_create_token(
    session: AsyncSession,
    *,
    name: str,
    role: Role,
    municipality_id: int | None,
    staff_id: int | None,
    now: datetime,
) -> str:
    """A new bearer token; only its hash is kept, so it is shown once."""
    async with committing(session):
        if municipality_id is not None and await session.get(Municipality, municipality_id) is None:
            raise NotFound(f"муниципалитет {municipality_id} не найден")
        token = "mcu_" + secrets.token_urlsafe(32)
        session.add(
            ApiToken(
                name=name,
                token_hash=hashed(token),
                role=role,
                municipality_id=municipality_id,
                staff_id=staff_id,
                created_at=now,
            )
        )
        return token


async def get_token_actor(
    session: AsyncSession, *, token: str, bootstrap: SecretStr | None = None
) -> Actor:
    """The actor behind a bearer token: the one way from a token to an actor, for the API, the
    dashboard and Open311 alike. The bootstrap admin token (from settings) sees all; the actor
    carries the token's id, so that the audit names the token even when no staff member is
    behind it. Refusals are Forbidden with the reason."""
    if not token:
        raise Forbidden("нужен токен")
    if len(token) > MAX_TOKEN:
        raise Forbidden("токен слишком длинный")
    boot = bootstrap.get_secret_value() if bootstrap is not None else ""
    if boot and hmac.compare_digest(token.encode(), boot.encode()):
        return Actor(
            kind=ActorKind.staff, role=Role.admin, channel=Channel.api, token_id=BOOTSTRAP_TOKEN_ID
        )
    row = (
        await session.exec(
            select(ApiToken).where(
                ApiToken.token_hash == hashed(token), col(ApiToken.revoked_at).is_(None)
            )
        )
    ).first()
    if row is None:
        raise Forbidden("токен не найден или отозван")
    return await _actor_of(session, row)


async def get_token_id_actor(
    session: AsyncSession, *, token_id: int, bootstrap: SecretStr | None
) -> Actor:
    """The actor behind a token known by its id (a dashboard session's), if it still holds:
    not revoked, its staff member active, the bootstrap token still configured."""
    if token_id == BOOTSTRAP_TOKEN_ID:
        if bootstrap is None or not bootstrap.get_secret_value():
            raise Forbidden("токен не найден или отозван")
        return Actor(
            kind=ActorKind.staff, role=Role.admin, channel=Channel.api, token_id=BOOTSTRAP_TOKEN_ID
        )
    row = await session.get(ApiToken, token_id)
    if row is None or row.revoked_at is not None:
        raise Forbidden("токен не найден или отозван")
    return await _actor_of(session, row)


async def _actor_of(session: AsyncSession, row: ApiToken) -> Actor:
    sector_id, signs = None, False
    if row.staff_id is not None:
        staff = await session.get(Staff, row.staff_id)
        if staff is None or not staff.active:
            raise Forbidden("сотрудник этого токена отключён")
        sector_id, signs = staff.sector_id, staff.signs
    return Actor(
        kind=ActorKind.staff,
        id=row.staff_id,
        role=row.role,
        municipality_id=row.municipality_id,
        sector_id=sector_id,
        channel=Channel.api,
        token_id=row.id,
        signs=signs,
    )


async def get_tokens(session: AsyncSession, *, actor: Actor) -> list[ApiToken]:
    """The tokens the actor may see (a municipality's admin: its own), oldest first."""
    query = select(ApiToken).order_by(col(ApiToken.id))
    if actor.municipality_id is not None:
        query = query.where(ApiToken.municipality_id == actor.municipality_id)
    return list(await session.exec(query))


async def check_revoke_token(
    session: AsyncSession, *, token_id: int, actor: Actor, now: datetime
) -> ApiToken:
    """Revoke a token for good: the API refuses it from the next request and its dashboard
    sessions end now. An unknown or already revoked token is refused and nothing changes."""
    async with committing(session):
        if token_id == BOOTSTRAP_TOKEN_ID:
            raise IllegalTransition(
                "токен 0 — это MCU_ADMIN_TOKEN из настроек: он отзывается сменой или удалением "
                "переменной и перезапуском"
            )
        row = await session.get(ApiToken, token_id, with_for_update=True)
        if row is None or (
            actor.municipality_id is not None and row.municipality_id != actor.municipality_id
        ):
            raise NotFound(f"токен {token_id} не найден")
        if row.revoked_at is not None:
            raise IllegalTransition(
                f"токен {token_id} уже отозван {row.revoked_at:%d.%m.%Y %H:%M} UTC"
            )
        row.revoked_at = now
        session.add(row)
        await session.exec(
            delete(DashboardSession).where(col(DashboardSession.token_id) == token_id)
        )
    # No admin audit table exists: the log keeps who revoked what (ids only, never a secret).
    log.info("API token %s revoked via %s (token %s)", token_id, actor.channel, actor.token_id)
    await session.refresh(row)
    return row
