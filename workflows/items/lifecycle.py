"""Every change of an item goes through `apply_action`: role and scope, compare-and-set on the
version, the audit event, timers re-planned and notices written, all in one transaction."""

from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import ActorKind, Item, ItemEvent, ItemKind, ItemStatus, Role
from workflows.core.actors import Actor
from workflows.core.clock import Clock
from workflows.core.errors import Forbidden, IllegalTransition, StaleVersion
from workflows.core.tx import committing
from workflows.items.access import access_item
from workflows.items.actions import HANDLERS
from workflows.items.context import MunicipalityContext, load_context
from workflows.items.effects import ActionInput, Call, Effect
from workflows.items.timers import replan
from workflows.items.transitions import (
    ACTION_RU,
    KIND_DATIVE,
    STATUS_RU,
    TABLE,
    WORKING,
    Action,
    Who,
)
from workflows.notifications.notify import citizen_notice, enqueue, item_card, staff_notice
from workflows.staff.cards import get_card_holders


def relations(actor: Actor, item: Item, *, signs: bool = False) -> set[Who]:
    """How an actor stands to an item; the transition table names which relations may act.
    `signs`: the staff member is authorised to sign off 59-ФЗ answers (staff.signs)."""
    if actor.kind is ActorKind.system:
        return {Who.system}
    if actor.kind is ActorKind.citizen:
        return {Who.citizen} if item.citizen_id == actor.id else set()
    rel: set[Who] = set()
    if actor.id is not None and item.assignee_id == actor.id:
        rel.add(Who.assignee)
    if actor.role in (Role.head, Role.operator, Role.admin, Role.glava, Role.pos_officer):
        rel.add(Who(actor.role.value))
    if signs:
        rel.add(Who.signer)
    elif (
        actor.role is Role.sector_lead
        and actor.sector_id is not None
        and item.sector_id == actor.sector_id
    ):  # an item with no sector yet is the operator's to triage, not a lead's
        rel.add(Who.sector_lead)
    return rel


async def check_act(
    session: AsyncSession,
    *,
    clock: Clock,
    item_id: int,
    action: Action,
    actor: Actor,
    version: int | None,
    data: ActionInput = ActionInput(),
) -> Item:
    """Validate and apply one action as its own transaction; refusals change nothing."""
    async with committing(session):
        return await do_act(
            session,
            clock=clock,
            item_id=item_id,
            action=action,
            actor=actor,
            version=version,
            data=data,
        )


async def do_act(
    session: AsyncSession,
    *,
    clock: Clock,
    item_id: int,
    action: Action,
    actor: Actor,
    version: int | None,
    data: ActionInput = ActionInput(),
) -> Item:
    """Load the item and apply one action inside the caller's transaction (a dialog's turn
    saves its own state with it)."""
    item = await access_item(session, item_id=item_id, actor=actor)
    ctx = await load_context(session, municipality_id=item.municipality_id)
    return await apply_action(
        session,
        ctx=ctx,
        now=clock.now(),
        item=item,
        action=action,
        actor=actor,
        version=version,
        data=data,
    )


async def apply_action(
    session: AsyncSession,
    *,
    ctx: MunicipalityContext,
    now: datetime,
    item: Item,
    action: Action,
    actor: Actor,
    version: int | None,
    data: ActionInput,
) -> Item:
    """Apply one action inside the caller's transaction (used by the API, bots and timers)."""
    rule = TABLE[action]
    if version is not None and version != item.version:
        raise StaleVersion(
            f"По {KIND_DATIVE[item.kind]} {item.number} уже есть изменения: обновите карточку."
        )
    if item.status not in rule.sources:
        raise IllegalTransition(
            f"Нельзя «{ACTION_RU[action]}»: {item.number} сейчас {STATUS_RU[item.status]}."
        )
    signer = ctx.directory.by_id.get(actor.id or -1) if actor.kind is ActorKind.staff else None
    if not relations(actor, item, signs=bool(signer and signer.signs)) & rule.who:
        raise Forbidden(
            f"У вас нет права «{ACTION_RU[action]}» по {KIND_DATIVE[item.kind]} {item.number}."
        )
    effect = await HANDLERS[action](Call(session, ctx, now, item, actor, data))
    if rule.target is not None:
        effect.changes["status"] = rule.target
        # A pending extension request lives only while the item is worked on: answered (or
        # sent for sign-off), closed, forwarded, rejected or reopened, it can no longer be approved.
        if item.extension_requested_days is not None and (
            rule.target not in WORKING or action is Action.reopen
        ):
            effect.changes["extension_requested_days"] = None
    _stamp_working_times(effect.changes, item, ctx)
    old_status, old_version = item.status, item.version
    result = await session.execute(
        update(Item)
        .where(col(Item.id) == item.id, col(Item.version) == old_version)
        .values(**effect.changes, version=old_version + 1, updated_at=now)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise StaleVersion(
            f"По {KIND_DATIVE[item.kind]} {item.number} только что внёс изменения кто-то другой: "
            "обновите карточку."
        )
    # The row is already written; mark the object's new values as loaded, not dirty.
    for key, value in {**effect.changes, "version": old_version + 1, "updated_at": now}.items():
        set_committed_value(item, key, value)
    event = ItemEvent(
        item_id=item.id or 0,
        at=now,
        actor_kind=actor.kind,
        actor_id=actor.id,
        token_id=actor.token_id,
        channel=actor.channel,
        action=action.value,
        from_status=old_status,
        to_status=item.status,
        version=item.version,
        reason=data.reason,
        data=effect.data,
    )
    session.add(event)
    await session.flush()
    await replan(session, item=item, policy=ctx.policy_of(item), calendar=ctx.calendar)
    await _notify(session, ctx=ctx, now=now, item=item, effect=effect, dedup=f"e{event.id}")
    await _share_answer(session, ctx=ctx, now=now, item=item, action=action)
    return item


async def _share_answer(
    session: AsyncSession, *, ctx: MunicipalityContext, now: datetime, item: Item, action: Action
) -> None:
    """An answered item's answer goes to the messages merged into it (each to its own citizen,
    under its own number); a message merged into an item already answered gets it at once."""
    merged: list[Item] = []
    answer: str | None = None
    if action in (Action.answer, Action.sign_answer) and item.status is ItemStatus.answered:
        merged = list(
            await session.exec(
                select(Item).where(
                    col(Item.merged_into_id) == item.id,
                    col(Item.status) == ItemStatus.merged,
                    col(Item.kind) == ItemKind.message,
                )
            )
        )
        answer = item.answer_text
    elif action is Action.merge and item.kind is ItemKind.message:
        target = await session.get(Item, item.merged_into_id or 0)
        if target is not None and target.status is ItemStatus.answered:
            merged, answer = [item], target.answer_text
    for other in merged:
        await apply_action(
            session,
            ctx=ctx,
            now=now,
            item=other,
            action=Action.share_answer,
            actor=Actor.system(),
            version=None,
            data=ActionInput(text=answer),
        )


def _stamp_working_times(changes: dict[str, Any], item: Item, ctx: MunicipalityContext) -> None:
    """Record working seconds from registration to a take or an answer, for the reports."""
    for moment, column in (("taken_at", "take_wsec"), ("answered_at", "answer_wsec")):
        if moment in changes:
            at = changes[moment]
            changes[column] = (
                None
                if at is None
                else int(ctx.calendar.working_time_between(item.registered_at, at).total_seconds())
            )


async def _notify(
    session: AsyncSession,
    *,
    ctx: MunicipalityContext,
    now: datetime,
    item: Item,
    effect: Effect,
    dedup: str,
) -> None:
    card = item_card(item, ctx.directory)
    rows: list[dict[str, Any]] = []
    targets = [(sid, kind, extra) for sid, kind, extra in effect.staff]
    targets += [
        (h.id or 0, kind, extra)
        for kind, extra in effect.heads
        for h in ctx.directory.by_role.get(Role.head, [])
    ]
    for staff_id, kind, extra in targets:
        staff = ctx.directory.by_id.get(staff_id)
        if staff is not None:
            rows.append(
                staff_notice(
                    staff=staff,
                    item=item,
                    kind=kind,
                    payload={**card, **extra},
                    dedup=f"{dedup}:{kind}",
                    now=now,
                )
            )
    told = {sid for sid, _, _ in targets}
    for holder in await get_card_holders(session, item_id=item.id or 0):
        staff = ctx.directory.by_id.get(holder)
        if staff is not None and holder not in told:  # their card shows the item as it is now
            rows.append(
                staff_notice(
                    staff=staff,
                    item=item,
                    kind="refresh",
                    payload=card,
                    dedup=f"{dedup}:refresh",
                    now=now,
                )
            )
    for kind, extra in effect.citizen:
        payload = {"number": item.number, "item_id": item.id, "status": str(item.status), **extra}
        row = await citizen_notice(
            session, item=item, kind=kind, payload=payload, dedup=f"{dedup}:{kind}", now=now
        )
        if row is not None:
            rows.append(row)
    await enqueue(session, rows)
