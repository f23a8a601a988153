"""Receiving a 59-ФЗ appeal: who wrote and where to answer, which body it complains about, and
the dates the law counts from (registered within 3 days of receipt, ст. 8 ч. 2; the 30 days run
from registration, ст. 12 ч. 1)."""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Appeal, Citizen, CompetentBody, DeadlinePolicy, Item, ReplyBy, Role
from workflows.calendar.deadlines import add_length, local_date, raw_due
from workflows.core.errors import Invalid
from workflows.items.appeal.letters import do_letter_citizen, ru_date
from workflows.items.context import MunicipalityContext
from workflows.notifications.notify import item_card, staff_notice

REGISTER_DAYS = 3  # ст. 8 ч. 2
EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(\.[^@\s.]+)+")


@dataclass(frozen=True)
class AppealIntake:
    """What staff (or the ПОС import) give about an appeal beside its text and receipt."""

    name: str | None = None
    address: str | None = None  # postal
    email: str | None = None
    phone: str | None = None
    reply_by: ReplyBy | None = None  # None: e-mail if given, else post
    complained_body: str | None = None  # a body's code or id (ст. 8 ч. 6)
    complained_official: str | None = None
    register_now: bool = True  # False: received only, registered later by the `register` action


@dataclass(frozen=True)
class ValidAppeal:
    intake: AppealIntake
    reply_by: ReplyBy | None
    complained_body_id: int | None


def _clean(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


async def get_valid_appeal(
    session: AsyncSession,
    *,
    municipality_id: int,
    intake: AppealIntake | None,
    received_at: datetime | None,
) -> ValidAppeal:
    """The appeal's facts once checked; a refusal says what is wrong and what to give instead."""
    if received_at is None:
        raise Invalid(
            "для обращения 59-ФЗ укажите дату поступления (received_at): от неё считаются "
            "3 дня на регистрацию"
        )
    intake = intake or AppealIntake()
    name, address, email = _clean(intake.name), _clean(intake.address), _clean(intake.email)
    if email is not None and (len(email) > 254 or not EMAIL.fullmatch(email)):
        raise Invalid(f"адрес электронной почты «{email[:60]}» неверен: проверьте его")
    if intake.reply_by is ReplyBy.email and email is None:
        raise Invalid("ответ по электронной почте: укажите адрес электронной почты заявителя")
    if intake.reply_by is ReplyBy.post and address is None:
        raise Invalid("ответ по почте: укажите почтовый адрес заявителя")
    reply_by = intake.reply_by
    if reply_by is None and name is not None:  # no name: anonymous, not answered (ст. 11 ч. 1)
        reply_by = ReplyBy.email if email else ReplyBy.post if address else None
    if name is None:
        reply_by = None
    body_id = await _complained_body(session, municipality_id, _clean(intake.complained_body))
    clean = AppealIntake(
        name=name,
        address=address,
        email=email,
        phone=_clean(intake.phone),
        reply_by=reply_by,
        complained_body=intake.complained_body,
        complained_official=_clean(intake.complained_official),
        register_now=intake.register_now,
    )
    return ValidAppeal(clean, reply_by, body_id)


async def _complained_body(session: AsyncSession, mid: int, ref: str | None) -> int | None:
    if ref is None:
        return None
    q = select(CompetentBody).where(CompetentBody.municipality_id == mid, CompetentBody.active)
    by_id = ref.isdigit() and len(ref) <= 18  # a longer number is no id (BIGINT): not found
    q = q.where((CompetentBody.id == int(ref)) if by_id else (CompetentBody.code == ref))
    body = (await session.exec(q)).first()
    if body is None:
        raise Invalid(
            f"орган «{ref[:60]}» не найден в справочнике органов (раздел bodies настройки): "
            "укажите его код или id, или опишите его в поле complained_official"
        )
    return body.id


async def do_create_citizen_of(
    session: AsyncSession, *, valid: ValidAppeal, now: datetime
) -> int | None:
    """The appeal's author, if they gave anything about themselves."""
    i = valid.intake
    if not (i.name or i.address or i.email or i.phone):
        return None
    citizen = Citizen(created_at=now, name=i.name, address=i.address, email=i.email, phone=i.phone)
    session.add(citizen)
    await session.flush()
    return citizen.id


def do_add_appeal(session: AsyncSession, *, item: Item, valid: ValidAppeal) -> Appeal:
    appeal = Appeal(
        item_id=item.id or 0,
        reply_by=valid.reply_by,
        complained_body_id=valid.complained_body_id,
        complained_official=valid.intake.complained_official,
    )
    session.add(appeal)
    return appeal


def register_due(received_at: datetime) -> datetime:
    return received_at + timedelta(days=REGISTER_DAYS)


def late_days(
    ctx: MunicipalityContext, received_at: datetime, registered_at: datetime
) -> int | None:
    """Days beyond the 3 of ст. 8 ч. 2, by local dates; None when registered in time."""
    days = (local_date(ctx.calendar, registered_at) - local_date(ctx.calendar, received_at)).days
    return days - REGISTER_DAYS if days > REGISTER_DAYS else None


def registration_clock(
    ctx: MunicipalityContext, policy: DeadlinePolicy | None, registered_at: datetime
) -> tuple[dict[str, Any], datetime | None]:
    """The item's deadlines counted from registration, and the raw 30-day date (registration +
    the policy's days before a day off moves it) that an extension counts from."""
    cal = ctx.calendar
    changes: dict[str, Any] = {"registered_at": registered_at}
    if policy is None:
        return changes, None
    changes["due_at"] = add_length(cal, registered_at, policy.clock, policy.length, policy.day_off)
    changes["take_due_at"] = add_length(cal, registered_at, policy.take_clock, policy.take_length)
    if policy.forward_days:
        changes["forward_due_at"] = add_length(
            cal, registered_at, policy.clock, policy.forward_days, policy.day_off
        )
    return changes, raw_due(cal, registered_at, policy.length)


async def do_registered_letter(
    session: AsyncSession,
    *,
    ctx: MunicipalityContext,
    item: Item,
    registered_at: datetime,
    due_at: datetime | None,
    now: datetime,
) -> int | None:
    """The «registered» letter to the citizen at their reply address (none for the anonymous)."""
    cal = ctx.calendar
    facts = {
        "received_date": ru_date(cal, item.received_at or registered_at),
        "registered_date": ru_date(cal, registered_at),
        "due_date": ru_date(cal, due_at) if due_at else "—",
    }
    letter = await do_letter_citizen(
        session, ctx=ctx, item=item, kind="registered", facts=facts, now=now
    )
    return letter.id if letter else None


def late_targets(ctx: MunicipalityContext, item: Item) -> list[int]:
    """Who hears of a late registration: the heads and the officer for ПОС (an escalation)."""
    staff = ctx.directory.by_role.get(Role.head, []) + ctx.directory.targets(item, "pos_officer")
    return list(dict.fromkeys(s.id or 0 for s in staff))


def intake_notices(
    ctx: MunicipalityContext,
    *,
    item: Item,
    kind: str,
    ids: list[int],
    dedup: str,
    now: datetime,
    extra: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """Staff notices of receipt or late registration: the card (masked) and what it adds."""
    card = {**item_card(item, ctx.directory), **(extra or {})}
    by_id = ctx.directory.by_id
    return [
        staff_notice(staff=by_id[i], item=item, kind=kind, payload=card, dedup=dedup, now=now)
        for i in ids
        if i in by_id
    ]


def register_by(ctx: MunicipalityContext, item: Item) -> dict[str, Any]:
    """The local moment a received appeal must be registered by, for the notice."""
    due = item.register_due_at
    tz = ctx.calendar.tz
    return {"register_due_local": due.astimezone(tz).strftime("%d.%m.%Y %H:%M") if due else None}
