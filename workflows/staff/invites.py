"""One-time invites that bind a staff member's Telegram account to their staff record."""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Role, Staff, StaffInvite
from workflows.core.errors import Invalid, NotFound
from workflows.core.tx import committing
from workflows.staff.tokens import hashed

INVITE_TTL = timedelta(days=3)


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
                code_hash=hashed(code),
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
            await session.exec(select(StaffInvite).where(StaffInvite.code_hash == hashed(code)))
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
