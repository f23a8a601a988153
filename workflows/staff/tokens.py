"""API tokens with roles, stored hashed: issuing one, and the one way from a token to its actor."""

import hashlib
import hmac
import secrets
from datetime import datetime

from pydantic import SecretStr
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import ActorKind, ApiToken, Channel, Municipality, Role, Staff
from models.setup import BOOTSTRAP_TOKEN_ID
from workflows.core.actors import Actor
from workflows.core.errors import Forbidden, NotFound
from workflows.core.tx import committing

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
    sector_id = None
    if row.staff_id is not None:
        staff = await session.get(Staff, row.staff_id)
        if staff is None or not staff.active:
            raise Forbidden("сотрудник этого токена отключён")
        sector_id = staff.sector_id
    return Actor(
        kind=ActorKind.staff,
        id=row.staff_id,
        role=row.role,
        municipality_id=row.municipality_id,
        sector_id=sector_id,
        channel=Channel.api,
        token_id=row.id,
    )
