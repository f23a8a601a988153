"""API tokens with roles, and one-time invites that bind a staff member's Telegram account."""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import SecretStr
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import ActorKind, ApiToken, Channel, Municipality, Role, Staff, StaffInvite
from models.setup import BOOTSTRAP_TOKEN_ID
from workflows.core.actors import Actor
from workflows.core.errors import Forbidden, Invalid, NotFound
from workflows.core.tx import committing

INVITE_TTL = timedelta(days=3)
MAX_TOKEN = 200  # ours are 47 characters; longer input is refused before it is hashed


def _digest(secret: str) -> str:
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
                token_hash=_digest(token),
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
                ApiToken.token_hash == _digest(token), col(ApiToken.revoked_at).is_(None)
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


async def check_create_invite(session: AsyncSession, *, staff_id: int, now: datetime) -> str:
    """A one-time code for the bot's deep link (t.me/<bot>?start=<code>); older ones stop working."""
    async with committing(session):
        staff = await session.get(Staff, staff_id)
        if staff is None or not staff.active:
            raise NotFound(f"активный сотрудник {staff_id} не найден")
        for old in await session.exec(
            select(StaffInvite).where(
                StaffInvite.staff_id == staff_id, col(StaffInvite.used_at).is_(None)
            )
        ):
            old.used_at = now
        code = secrets.token_urlsafe(
            18
        )  # 24 characters: fits Telegram's 64-character start payload
        session.add(
            StaffInvite(
                staff_id=staff_id,
                code_hash=_digest(code),
                created_at=now,
                expires_at=now + INVITE_TTL,
            )
        )
        return code


@dataclass(frozen=True)
class Binding:
    staff_id: int
    name: str
    role: Role


async def check_redeem_invite(
    session: AsyncSession, *, code: str, telegram_id: int, now: datetime
) -> Binding:
    """Bind a Telegram account to the staff record the code was made for; once only."""
    async with committing(session):
        invite = (
            await session.exec(select(StaffInvite).where(StaffInvite.code_hash == _digest(code)))
        ).first()
        if invite is None or invite.used_at is not None or invite.expires_at < now:
            raise Invalid("приглашение недействительно или уже использовано: попросите новое")
        staff = await session.get(Staff, invite.staff_id)
        if staff is None or not staff.active:
            raise Invalid("сотрудник этого приглашения отключён")
        taken = (await session.exec(select(Staff).where(Staff.telegram_id == telegram_id))).first()
        if taken is not None and taken.id != staff.id:
            # One Telegram account, one staff record: the newest binding wins.
            taken.telegram_id = None
            await session.flush()
        staff.telegram_id = telegram_id
        invite.used_at = now
        return Binding(staff.id or 0, staff.name, staff.role)
