"""Deadline policies: choosing one for an item, computing its dates, and its escalation ladder."""

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import (
    CalendarOverride,
    DayOffRule,
    DeadlineClock,
    DeadlinePolicy,
    Item,
    ItemKind,
    Municipality,
)
from workflows.calendar.work_calendar import DayOverride, WorkCalendar
from workflows.core.errors import Invalid, NotFound

ANCHORS = ("take_due", "due", "forward_due", "register_due")
NOTIFY_TARGETS = (
    "assignee",
    "sector_lead",
    "head",
    "curator",
    "operator",
    "glava",
    "pos_officer",
)
_OFFSET = re.compile(r"^([+-]?)(\d{1,3})(wd|wh|d|h)?$")


@dataclass(frozen=True)
class LadderStep:
    """One rung: at `anchor` shifted by `offset`, tell `notify`; urgent ones ignore quiet hours."""

    code: str
    anchor: str
    offset: str
    notify: tuple[str, ...]
    urgent: bool = False

    @classmethod
    def parse(cls, raw: dict[str, Any]) -> "LadderStep":
        """Validate one step from setup data; raises Invalid with the reason."""
        code = str(raw.get("code", "")).strip()
        if not re.fullmatch(r"[a-z0-9_]{1,24}", code):
            raise Invalid(f"шаг эскалации: код «{code}» должен быть из a-z, 0-9, _ (до 24)")
        anchor = raw.get("anchor")
        if anchor not in ANCHORS:
            raise Invalid(f"шаг «{code}»: anchor должен быть одним из {ANCHORS}")
        offset = str(raw.get("offset", "+0")).replace(" ", "")
        if not _OFFSET.match(offset):
            raise Invalid(f"шаг «{code}»: смещение «{offset}» не понято (примеры: -1wd, +4wh, +2d)")
        notify = tuple(raw.get("notify") or ())
        bad = [n for n in notify if n not in NOTIFY_TARGETS]
        if not notify or bad:
            raise Invalid(f"шаг «{code}»: notify должен быть из {NOTIFY_TARGETS}")
        return cls(code, anchor, offset, notify, bool(raw.get("urgent", False)))


# The default ladder of domain.md: lead then head for an untaken item; a reminder the day
# before; lead and head when overdue; the curator a working day later.
DEFAULT_LADDER: list[dict[str, Any]] = [
    {"code": "take_lead", "anchor": "take_due", "offset": "+0", "notify": ["sector_lead"]},
    {"code": "take_head", "anchor": "take_due", "offset": "+4wh", "notify": ["head"]},
    {"code": "remind", "anchor": "due", "offset": "-1wd", "notify": ["assignee"]},
    {"code": "overdue", "anchor": "due", "offset": "+0", "notify": ["sector_lead", "head"]},
    {"code": "curator", "anchor": "due", "offset": "+1wd", "notify": ["curator"]},
]


def ladder_of(policy: DeadlinePolicy) -> list[LadderStep]:
    """The policy's ladder, or the default one when it names none."""
    return [LadderStep.parse(s) for s in (policy.ladder or DEFAULT_LADDER)]


def shift(calendar: WorkCalendar, moment: datetime, offset: str) -> datetime:
    """Move a moment by an offset like -1wd (working days), +4wh (working hours), +2d, +3h."""
    m = _OFFSET.match(offset)
    if m is None:
        raise Invalid(f"смещение «{offset}» не понято")
    sign, amount, unit = m.group(1) or "+", int(m.group(2)), m.group(3) or "h"
    if amount == 0:
        return moment
    if unit == "wd":
        if sign == "-":
            return _inside_the_day(calendar, calendar.subtract_working_days(moment, amount))
        local = moment.astimezone(calendar.tz)
        target = calendar.add_working_days(moment, amount).astimezone(calendar.tz)
        return datetime.combine(target.date(), local.timetz()).astimezone(moment.tzinfo)
    if unit == "wh":
        if sign == "-":
            raise Invalid("отрицательные рабочие часы не поддерживаются")
        return calendar.add_working_hours(moment, amount)
    delta = timedelta(days=amount) if unit == "d" else timedelta(hours=amount)
    return moment - delta if sign == "-" else moment + delta


LAST_HOUR = timedelta(hours=1)


def _inside_the_day(calendar: WorkCalendar, moment: datetime) -> datetime:
    """A moment a working day before a deadline, kept inside that day's working hours: a
    deadline at the close of day D is reminded in the last working hour of the day before, not
    at its close — quiet hours would carry that to the morning of D itself."""
    windows = calendar.working_windows(moment.astimezone(calendar.tz).date())
    if not windows:
        return moment
    start, end = windows[0][0], windows[-1][1]
    if moment < start:
        return start
    if moment >= end:
        return max(start, end - LAST_HOUR)
    return moment


def raw_due(calendar: WorkCalendar, registered_at: datetime, days: int) -> datetime:
    """Registration + `days` calendar days at that day's close, before a day off moves it: what a
    59-ФЗ extension counts from (ст. 12 ч. 2)."""
    return calendar.day_end(local_date(calendar, registered_at) + timedelta(days=days))


def add_length(
    calendar: WorkCalendar,
    start: datetime,
    clock: DeadlineClock,
    n: int,
    day_off: DayOffRule = DayOffRule.next,
) -> datetime:
    """A deadline `n` units of `clock` after `start`; `day_off` says where a calendar-day one
    falling on a day off goes (the policy's setting)."""
    if clock is DeadlineClock.calendar_days:
        return calendar.add_calendar_days(start, n, previous=day_off is DayOffRule.previous)
    if clock is DeadlineClock.working_days:
        return calendar.add_working_days(start, n)
    return calendar.add_working_hours(start, n)


def parse_hhmm(value: str) -> time:
    """'09:00' -> time(9, 0); raises Invalid on anything else."""
    m = re.fullmatch(r"([01]\d|2[0-3]):([0-5]\d)", value)
    if m is None:
        raise Invalid(f"время «{value}» должно быть в виде ЧЧ:ММ")
    return time(int(m.group(1)), int(m.group(2)))


async def get_calendar(session: AsyncSession, *, municipality: Municipality) -> WorkCalendar:
    """The municipality's working calendar: national data plus its own overrides."""
    rows = await session.exec(
        select(CalendarOverride).where(CalendarOverride.municipality_id == municipality.id)
    )
    overrides = [DayOverride(r.day, r.working, r.note) for r in rows]
    lunch = None
    if municipality.lunch_start and municipality.lunch_end:
        lunch = (parse_hhmm(municipality.lunch_start), parse_hhmm(municipality.lunch_end))
    return WorkCalendar(
        tz=municipality.tz,
        work_start=parse_hhmm(municipality.work_start),
        work_end=parse_hhmm(municipality.work_end),
        lunch=lunch,
        overrides=overrides,
        confirmed_years=municipality.confirmed_calendar_years,
    )


async def get_policy(
    session: AsyncSession, *, municipality_id: int, kind: ItemKind, sector_id: int | None
) -> DeadlinePolicy | None:
    """The sector's own policy for the kind if there is one, else the municipality's general one."""
    rows = await session.exec(
        select(DeadlinePolicy)
        .where(DeadlinePolicy.municipality_id == municipality_id, DeadlinePolicy.kind == kind)
        .order_by(col(DeadlinePolicy.id))
    )
    general = None
    for policy in rows:
        if sector_id is not None and policy.sector_id == sector_id:
            return policy
        if policy.sector_id is None and general is None:
            general = policy
    return general


def local_date(calendar: WorkCalendar, moment: datetime) -> date:
    """The municipality's local date of a moment (what a citizen is told)."""
    return moment.astimezone(calendar.tz).date()


def deadlines_assumed(calendar: WorkCalendar, item: Item) -> bool:
    """Whether the item's deadlines rest on a year whose calendar is assumed (no decree known)."""
    moments = [item.registered_at, item.take_due_at, item.due_at, item.forward_due_at]
    dates = [local_date(calendar, m) for m in moments if m is not None]
    if len(dates) < 2:  # registration alone: no deadline to speak of
        return False
    return any(calendar.assumed(date(y, 1, 1)) for y in range(min(dates).year, max(dates).year + 1))


async def get_deadlines_assumed(session: AsyncSession, *, item: Item) -> bool:
    """`deadlines_assumed` for an item, loading its municipality's calendar."""
    municipality = await session.get(Municipality, item.municipality_id)
    if municipality is None:
        raise NotFound(f"муниципалитет {item.municipality_id} не найден")
    return deadlines_assumed(await get_calendar(session, municipality=municipality), item)
