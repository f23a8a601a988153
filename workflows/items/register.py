"""Registering items: checked, numbered, deadlined and routed (or left for the operator's triage)."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from models import (
    ActorKind,
    Channel,
    Citizen,
    Item,
    ItemCounter,
    ItemKind,
    ItemStatus,
    Locality,
    PlaceKind,
    Role,
    Sector,
)
from workflows.calendar.deadlines import add_length, get_policy, local_date
from workflows.core.actors import Actor
from workflows.core.clock import Clock
from workflows.core.dialect import insert_for
from workflows.core.errors import Forbidden, Invalid, NotFound
from workflows.core.tx import committing
from workflows.items.appeal.intake import (
    AppealIntake,
    ValidAppeal,
    do_add_appeal,
    do_create_citizen_of,
    do_registered_letter,
    get_valid_appeal,
    intake_notices,
    late_days,
    late_targets,
    register_by,
    register_due,
    registration_clock,
)
from workflows.items.audit import audit_event
from workflows.items.context import MunicipalityContext, load_context
from workflows.items.effects import ActionInput, clean_text
from workflows.items.lifecycle import apply_action
from workflows.items.routing import get_route, triage_desk
from workflows.items.timers import replan
from workflows.items.transitions import Action
from workflows.notifications.notify import citizen_notice, enqueue, item_card, staff_notice
from workflows.routing.route import get_model_route

REGISTRARS = (
    Role.operator,
    Role.head,
    Role.admin,
    Role.sector_lead,
    Role.recipient,
    Role.pos_officer,
)


@dataclass(frozen=True)
class NewItem:
    kind: ItemKind
    channel: Channel
    text: str
    sector_id: int | None = None
    locality_id: int | None = None
    place_text: str | None = None
    lat: float | None = None
    lon: float | None = None
    citizen_id: int | None = None
    received_at: datetime | None = None  # paper and ПОС appeals arrive before they are entered
    intake_key: str | None = None  # the chat draft it comes from (one item per draft)
    appeal: AppealIntake | None = None  # 59-ФЗ: the author, the reply address, the body
    dup_of_id: int | None = None  # another citizen's open item it looks like
    dup_answer: str | None = None  # the citizen's «та же проблема?»: "same", "other"
    place_kind: PlaceKind | None = None  # the citizen's «Где это?» (asked after «не знаю»)


async def next_number(session: AsyncSession, *, ctx: MunicipalityContext, now: datetime) -> str:
    """БЖТ-2026-000123: a per-municipality, per-year sequence, safe under concurrency."""
    year = local_date(ctx.calendar, now).year
    mid = ctx.municipality.id
    upsert = insert_for(session)(ItemCounter).values(municipality_id=mid, year=year, last=1)
    stmt = upsert.on_conflict_do_update(
        index_elements=["municipality_id", "year"], set_={"last": ItemCounter.last + 1}
    ).returning(col(ItemCounter.last))
    seq = (await session.execute(stmt)).scalar_one()
    return f"{ctx.municipality.number_prefix}-{year}-{seq:06d}"


async def get_valid_text(
    session: AsyncSession, *, ctx: MunicipalityContext, new: NewItem, actor: Actor, now: datetime
) -> str:
    """The new item's cleaned text once every field is checked; a refusal names what is wrong."""
    if actor.kind is ActorKind.staff and actor.role not in REGISTRARS:
        raise Forbidden("регистрировать обращения может оператор, руководитель или исполнитель")
    text = clean_text(new.text, what="текст обращения")
    mid = ctx.municipality.id
    if new.sector_id is not None:
        sector = await session.get(Sector, new.sector_id)
        if sector is None or sector.municipality_id != mid:
            raise Invalid(f"отраслевой блок {new.sector_id} не найден в этом муниципалитете")
    if new.locality_id is not None:
        locality = await session.get(Locality, new.locality_id)
        if locality is None or locality.municipality_id != mid:
            raise Invalid(f"населённый пункт {new.locality_id} не найден в этом муниципалитете")
    if new.citizen_id is not None and await session.get(Citizen, new.citizen_id) is None:
        raise Invalid(f"гражданин {new.citizen_id} не найден")
    if new.received_at is not None:
        if new.received_at.tzinfo is None:
            raise Invalid("дата поступления должна быть с часовым поясом")
        if new.received_at > now + timedelta(minutes=5):
            raise Invalid("дата поступления не может быть в будущем")
        if new.received_at < now - timedelta(days=366):
            raise Invalid("дата поступления старше года: проверьте её")
    if new.place_kind is not None and str(new.place_kind) not in {k.value for k in PlaceKind}:
        raise Invalid(f"вид места «{new.place_kind}» не из списка")
    if new.lat is not None and not -90 <= new.lat <= 90:
        raise Invalid("широта вне диапазона −90…90")
    if new.lon is not None and not -180 <= new.lon <= 180:
        raise Invalid("долгота вне диапазона −180…180")
    return text


async def check_register_item(
    session: AsyncSession, *, clock: Clock, municipality_id: int, new: NewItem, actor: Actor
) -> Item:
    """Register, number, set deadlines, route by the rules (or leave for triage); one transaction.
    A 59-ФЗ appeal may instead be received only: registered later by the `register` action."""
    async with committing(session):
        if not actor.sees_municipality(municipality_id):
            raise NotFound(f"муниципалитет {municipality_id} не найден")
        ctx = await load_context(session, municipality_id=municipality_id)
        now = clock.now()
        text = await get_valid_text(session, ctx=ctx, new=new, actor=actor, now=now)
        appeal = None
        if new.kind is ItemKind.appeal_59fz:
            appeal = await get_valid_appeal(
                session,
                municipality_id=municipality_id,
                intake=new.appeal,
                received_at=new.received_at,
            )
        return await do_register_item(
            session, ctx=ctx, now=now, new=new, text=text, actor=actor, appeal=appeal
        )


async def do_register_item(
    session: AsyncSession,
    *,
    ctx: MunicipalityContext,
    now: datetime,
    new: NewItem,
    text: str,
    actor: Actor,
    appeal: ValidAppeal | None = None,
) -> Item:
    """Insert a validated item, then route it; inside the caller's transaction. An appeal counts
    from now (its registration), not from its receipt; one received only waits for `register`."""
    received_only = appeal is not None and not appeal.intake.register_now
    registered = now if appeal is not None else (new.received_at or now)
    policy = await get_policy(
        session, municipality_id=ctx.municipality.id or 0, kind=new.kind, sector_id=new.sector_id
    )
    cal = ctx.calendar
    citizen_id = new.citizen_id
    if appeal is not None:
        citizen_id = await do_create_citizen_of(session, valid=appeal, now=now) or citizen_id
    item = Item(
        municipality_id=ctx.municipality.id or 0,
        number=await next_number(session, ctx=ctx, now=now),
        kind=new.kind,
        status=ItemStatus.received if received_only else ItemStatus.new,
        channel=new.channel,
        citizen_id=citizen_id,
        sector_id=new.sector_id,
        locality_id=new.locality_id,
        place_text=new.place_text,
        lat=new.lat,
        lon=new.lon,
        text=text,
        intake_key=new.intake_key,
        dup_of_id=new.dup_of_id,
        dup_answer=new.dup_answer,
        place_kind=str(new.place_kind) if new.place_kind else None,
        registered_at=registered,
        updated_at=now,
        policy_id=policy.id if policy else None,
    )
    raw_due = None
    if received_only:  # no answer deadline until it is registered (ст. 12 ч. 1)
        assert new.received_at is not None
        item.registered_at = new.received_at  # replaced by the registration's moment
        item.received_at, item.register_due_at = new.received_at, register_due(new.received_at)
    elif appeal is not None:
        item.received_at = new.received_at
        changes, raw_due = registration_clock(ctx, policy, registered)
        for key, value in changes.items():
            setattr(item, key, value)
    elif policy is not None:
        item.due_at = add_length(cal, registered, policy.clock, policy.length, policy.day_off)
        item.take_due_at = add_length(cal, now, policy.take_clock, policy.take_length)
        if policy.forward_days:
            item.forward_due_at = add_length(
                cal, registered, policy.clock, policy.forward_days, policy.day_off
            )
    session.add(item)
    await session.flush()
    late = None
    if appeal is not None:
        appeal_row = do_add_appeal(session, item=item, valid=appeal)
        if not received_only:
            assert item.received_at is not None
            late = late_days(ctx, item.received_at, registered)
            appeal_row.raw_due_at, appeal_row.registered_late_days = raw_due, late
    data: dict[str, Any] = {"received_at": (new.received_at or registered).isoformat()}
    if late is not None:
        data["registered_late_days"] = late
    session.add(
        audit_event(
            item,
            actor=actor,
            action="receive" if received_only else "register",
            now=now,
            first=True,
            data=data,
        )
    )
    await session.flush()
    if received_only:  # the officer for ПОС registers it within 3 days
        who = [s.id or 0 for s in ctx.directory.targets(item, "pos_officer")]
        await enqueue(
            session,
            intake_notices(
                ctx,
                item=item,
                kind="to_register",
                ids=who,
                dedup=f"reg{item.id}",
                now=now,
                extra=register_by(ctx, item),
            ),
        )
        await replan(session, item=item, policy=policy, calendar=cal)
        return item
    if appeal is not None:
        await do_registered_letter(
            session, ctx=ctx, item=item, registered_at=registered, due_at=item.due_at, now=now
        )
    rows = []
    if late is not None:  # a late registration is an escalation
        ids = late_targets(ctx, item)
        rows += intake_notices(
            ctx,
            item=item,
            kind="registered_late",
            ids=ids,
            dedup=f"late{item.id}",
            now=now,
            extra={"late_days": late},
        )
    due_date = local_date(cal, item.due_at).isoformat() if item.due_at else None
    # A citizen writing in a chat is answered there at once; others are told through the outbox.
    row = (
        None
        if actor.kind is ActorKind.citizen
        else await citizen_notice(
            session,
            item=item,
            kind="registered",
            payload={"number": item.number, "due_date": due_date},
            dedup=f"reg{item.id}",
            now=now,
        )
    )
    if row is not None:
        rows.append(row)
    assignee_id = await get_route(session, directory=ctx.directory, item=item)
    by_model = None
    if assignee_id is None:  # no rule routes it: the model suggests, or routes when sure
        by_model = await get_model_route(
            session, municipality=ctx.municipality, directory=ctx.directory, item=item, now=now
        )
        if by_model is not None:
            item.route_hint, assignee_id = by_model.hint, by_model.assignee_id
            await session.flush()
    if assignee_id is not None:
        await enqueue(session, rows)
        return await apply_action(
            session,
            ctx=ctx,
            now=now,
            item=item,
            action=Action.assign,
            actor=Actor.system(),
            version=item.version,
            data=ActionInput(
                assignee_id=assignee_id, note=by_model.event_data if by_model else None
            ),
        )
    card = item_card(item, ctx.directory)
    rows += [
        staff_notice(
            staff=op, item=item, kind="triage", payload=card, dedup=f"reg{item.id}", now=now
        )
        for op in triage_desk(ctx.directory, item)
    ]
    await enqueue(session, rows)
    await replan(session, item=item, policy=policy, calendar=cal)
    return item
