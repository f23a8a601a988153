"""Enumerations shared by every layer."""

from enum import StrEnum


class Role(StrEnum):
    recipient = "recipient"
    sector_lead = "sector_lead"
    operator = "operator"
    head = "head"
    curator = "curator"
    admin = "admin"


class ItemKind(StrEnum):
    message = "message"
    appeal_59fz = "appeal_59fz"
    incident = "incident"


class ItemStatus(StrEnum):
    new = "new"  # registered, waiting in the operator's triage queue
    assigned = "assigned"
    in_progress = "in_progress"
    clarification = "clarification"  # the citizen was asked for details
    answered = "answered"
    closed = "closed"
    redirected = "redirected"  # not our competence: forwarded elsewhere
    rejected = "rejected"
    merged = "merged"
    reopened = "reopened"


TERMINAL_STATUSES = frozenset(
    {ItemStatus.closed, ItemStatus.redirected, ItemStatus.rejected, ItemStatus.merged}
)
# Waiting for the centre: the backlog that deadlines and escalations run on.
OPEN_STATUSES = frozenset(
    {
        ItemStatus.new,
        ItemStatus.assigned,
        ItemStatus.in_progress,
        ItemStatus.clarification,
        ItemStatus.reopened,
    }
)


class Channel(StrEnum):
    telegram = "telegram"
    vk = "vk"
    api = "api"
    paper = "paper"
    pos = "pos"
    cli = "cli"
    console = "console"
    system = "system"


class ActorKind(StrEnum):
    staff = "staff"
    citizen = "citizen"
    system = "system"


class DeadlineClock(StrEnum):
    calendar_days = "calendar_days"
    working_days = "working_days"
    working_hours = "working_hours"


class DayOffRule(StrEnum):
    """Where a calendar-day deadline that falls on a day off goes."""

    next = "next"  # the next working day (ГК РФ ст. 193 by analogy; the default)
    previous = "previous"  # the preceding working day, as many municipal regulations say


class TimerStatus(StrEnum):
    pending = "pending"
    done = "done"
    cancelled = "cancelled"
    parked = "parked"  # failed too often: no longer tried, the operators were told


class OutboxStatus(StrEnum):
    pending = "pending"
    sent = "sent"
    dead = "dead"
