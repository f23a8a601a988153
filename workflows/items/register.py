"""Registering items: checked, numbered, deadlined and routed (or left for the operator's triage)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

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
    Role,
    Sector,
)
from workflows.calendar.deadlines import add_length, get_policy, local_date
from workflows.core.actors import Actor
from workflows.core.clock import Clock
from workflows.core.dialect import insert_for
from workflows.core.errors import Forbidden, Invalid, NotFound
from workflows.core.tx import committing
from workflows.items.audit import audit_event
from workflows.items.context import MunicipalityContext, load_context
from workflows.items.effects import ActionInput, clean_text
from workflows.items.lifecycle import apply_action
from workflows.items.routing import find_rule
from workflows.items.timers import replan
from workflows.items.transitions import Action
from workflows.notifications.notify import citizen_notice, enqueue, item_card, staff_notice

REGISTRARS = (Role.operator, Role.head, Role.admin, Role.sector_lead, Role.recipient)


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
    if new.lat is not None and not -90 <= new.lat <= 90:
        raise Invalid("широта вне диапазона −90…90")
    if new.lon is not None and not -180 <= new.lon <= 180:
        raise Invalid("долгота вне диапазона −180…180")
    return text


async def check_register_item(
    session: AsyncSession, *, clock: Clock, municipality_id: int, new: NewItem, actor: Actor
) -> Item:
    """Register, number, set deadlines, route by the rules (or leave for triage); one transaction."""
    async with committing(session):
        if not actor.sees_municipality(municipality_id):
            raise NotFound(f"муниципалитет {municipality_id} не найден")
        ctx = await load_context(session, municipality_id=municipality_id)
        now = clock.now()
        text = await get_valid_text(session, ctx=ctx, new=new, actor=actor, now=now)
        return await do_register_item(session, ctx=ctx, now=now, new=new, text=text, actor=actor)


async def do_register_item(
    session: AsyncSession,
    *,
    ctx: MunicipalityContext,
    now: datetime,
    new: NewItem,
    text: str,
    actor: Actor,
) -> Item:
    """Insert a validated item, then route it; inside the caller's transaction."""
    registered = new.received_at or now
    policy = await get_policy(
        session, municipality_id=ctx.municipality.id or 0, kind=new.kind, sector_id=new.sector_id
    )
    cal = ctx.calendar
    item = Item(
        municipality_id=ctx.municipality.id or 0,
        number=await next_number(session, ctx=ctx, now=now),
        kind=new.kind,
        status=ItemStatus.new,
        channel=new.channel,
        citizen_id=new.citizen_id,
        sector_id=new.sector_id,
        locality_id=new.locality_id,
        place_text=new.place_text,
        lat=new.lat,
        lon=new.lon,
        text=text,
        intake_key=new.intake_key,
        registered_at=registered,
        updated_at=now,
        policy_id=policy.id if policy else None,
        due_at=(
            add_length(cal, registered, policy.clock, policy.length, policy.day_off)
            if policy
            else None
        ),
        take_due_at=(
            add_length(cal, now, policy.take_clock, policy.take_length) if policy else None
        ),
    )
    if policy is not None and policy.forward_days:
        item.forward_due_at = add_length(
            cal, registered, policy.clock, policy.forward_days, policy.day_off
        )
    session.add(item)
    await session.flush()
    session.add(
        audit_event(
            item,
            actor=actor,
            action="register",
            now=now,
            first=True,
            data={"received_at": registered.isoformat()},
        )
    )
    due_date = local_date(cal, item.due_at).isoformat() if item.due_at else None
    rows = []
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
    assignee_id = await _route(session, ctx=ctx, item=item)
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
            data=ActionInput(assignee_id=assignee_id),
        )
    card = item_card(item, ctx.directory)
    rows += [
        staff_notice(
            staff=op, item=item, kind="triage", payload=card, dedup=f"reg{item.id}", now=now
        )
        for op in ctx.directory.by_role.get(Role.operator, [])
    ]
    await enqueue(session, rows)
    await replan(session, item=item, policy=policy, calendar=cal)
    return item


async def _route(session: AsyncSession, *, ctx: MunicipalityContext, item: Item) -> int | None:
    """Who a new item goes to: the first rule's assignee; an item of a sector no rule routes goes
    to that sector's lead (the longest-standing, if several); None leaves it to triage."""
    staff = ctx.directory.by_id
    rule = await find_rule(session, item=item, staff=staff)
    if rule is not None and rule.assignee_id in staff:
        return rule.assignee_id
    leads = ctx.directory.leads.get(item.sector_id or -1, [])
    return min(lead.id or 0 for lead in leads) if leads else None
