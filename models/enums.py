"""Enumerations shared by every layer."""

from enum import StrEnum


class Role(StrEnum):
    recipient = "recipient"
    sector_lead = "sector_lead"
    operator = "operator"
    head = "head"
    curator = "curator"
    admin = "admin"
    glava = "glava"  # the head of the municipality: the weekly note's addressee, appeals' last rung
    pos_officer = "pos_officer"  # coordinates ПОС messages and appeals (seed 2.6)


class ItemKind(StrEnum):
    message = "message"
    appeal_59fz = "appeal_59fz"
    incident = "incident"


class PlaceKind(StrEnum):
    """Where the problem is, as the citizen answers «Где это?» when they do not know the topic:
    the learned router reads it beside the text (the portal's citizens chose a kind of object)."""

    house = "house"  # a block of flats: entrance, stairs, roof, basement, facade
    flat = "flat"  # inside one's flat: water, heating
    yard = "yard"  # a yard, a playground, the bins
    street = "street"  # a street, a road, a pavement
    park = "park"  # a park, a square, a boulevard
    other = "other"  # anywhere else


class ItemStatus(StrEnum):
    received = "received"  # a 59-ФЗ appeal received (paper, ПОС), to be registered within 3 days
    new = "new"  # registered, waiting in the operator's triage queue
    assigned = "assigned"
    in_progress = "in_progress"
    clarification = "clarification"  # the citizen was asked for details
    signoff = "signoff"  # a 59-ФЗ answer drafted, waiting for the head's (or a signer's) sign-off
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
        ItemStatus.received,
        ItemStatus.new,
        ItemStatus.assigned,
        ItemStatus.in_progress,
        ItemStatus.clarification,
        ItemStatus.signoff,
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
    email = "email"  # letters to citizens and bodies (59-ФЗ notices), through the outbox


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


class ReplyBy(StrEnum):
    """Where an appeal's citizen is answered (59-ФЗ ст. 7: the reply address they gave)."""

    email = "email"
    post = "post"


class AppealOutcome(StrEnum):
    """How a 59-ФЗ appeal ended, beside an answer on the merits."""

    answered = "answered"
    forwarded = "forwarded"  # ст. 8 ч. 3: to the competent body
    anonymous = "anonymous"  # ст. 11 ч. 1: no name or reply address, not answered
    unclear = "unclear"  # ст. 11 ч. 4, 4.1: unreadable or its substance unclear
    abusive = "abusive"  # ст. 11 ч. 3: obscene or threatening, left without an answer
    stopped = "stopped"  # ст. 11 ч. 5: repeated without new arguments, correspondence stopped


class LetterDelivery(StrEnum):
    email = "email"
    post = "post"


class LetterStatus(StrEnum):
    pending = "pending"  # an e-mail waiting in the outbox
    sent = "sent"  # e-mail accepted by the server
    bounced = "bounced"  # e-mail refused for good: kept, the operator told
    to_post = "to_post"  # a printable letter waiting for the operator to post it
    posted = "posted"
