"""The `register` action: an appeal received (from ПОС, or entered as received) is registered
now: its deadlines run from this moment, the citizen gets the «registered» letter, a late
registration is told to the head and the officer for ПОС, and it is routed like a new item."""

from models import Appeal, ItemStatus
from workflows.core.errors import Invalid
from workflows.items.appeal.intake import (
    do_registered_letter,
    late_days,
    late_targets,
    registration_clock,
)
from workflows.items.effects import Call, Effect
from workflows.items.routing import get_route, triage_desk
from workflows.routing.route import get_model_route


async def register(c: Call) -> Effect:
    """Registration stamps the item and routes it: assigned by the rules, or left for triage."""
    appeal = await c.session.get(Appeal, c.item.id)
    if appeal is None or c.item.received_at is None:
        raise Invalid(
            f"{c.item.number} не обращение 59-ФЗ с датой поступления: регистрировать нечего"
        )
    changes, raw_due = registration_clock(c.ctx, c.ctx.policy_of(c.item), c.now)
    late = late_days(c.ctx, c.item.received_at, c.now)
    appeal.raw_due_at, appeal.registered_late_days = raw_due, late
    e = Effect.empty()
    e.changes = dict(changes)
    e.data = {"registered_at": c.now.isoformat(), "received_at": c.item.received_at.isoformat()}
    letter_id = await do_registered_letter(
        c.session,
        ctx=c.ctx,
        item=c.item,
        registered_at=c.now,
        due_at=changes.get("due_at"),
        now=c.now,
    )
    if letter_id is not None:
        e.data["letter_id"] = letter_id
    if late is not None:  # a late registration is an escalation (ст. 8 ч. 2)
        e.data["registered_late_days"] = late
        e.staff += [
            (sid, "registered_late", {"late_days": late}) for sid in late_targets(c.ctx, c.item)
        ]
    assignee_id = await get_route(c.session, directory=c.ctx.directory, item=c.item)
    if assignee_id is None:  # no rule routes it: the model suggests, or routes when sure
        by_model = await get_model_route(
            c.session,
            municipality=c.ctx.municipality,
            directory=c.ctx.directory,
            item=c.item,
            now=c.now,
        )
        if by_model is not None:
            e.changes["route_hint"], assignee_id = by_model.hint, by_model.assignee_id
            if assignee_id is not None:
                e.data |= by_model.event_data
    if assignee_id is None:
        e.changes["status"] = ItemStatus.new
        told = {sid for sid, _, _ in e.staff}
        desk = triage_desk(c.ctx.directory, c.item)
        e.staff += [(s.id or 0, "triage", {}) for s in desk if s.id not in told]
    else:
        e.changes |= {"status": ItemStatus.assigned, "assignee_id": assignee_id}
        e.staff.append((assignee_id, "assigned", {}))
        e.data["assignee_id"] = assignee_id
    return e
