"""The reports' JSON shapes, each with the period and scope it was computed for."""

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel

from api.reports.query import Ask
from workflows.reports.growth import GrowthPoint
from workflows.reports.rating import RatingRow
from workflows.reports.summary import Summary


class PeriodOut(BaseModel):
    code: str
    label: str
    start: datetime  # UTC, inclusive
    end: datetime  # UTC, exclusive: local midnight after the last day
    first: date
    last: date
    tz: str


class Named(BaseModel):
    code: str
    name: str


class ScopeOut(BaseModel):
    municipality: Named | None  # None: every municipality
    sector: Named | None
    channel: list[str] | None = None  # the cut: None for every channel, else these
    kind: list[str] | None = None  # …and every kind, or these


class Report(BaseModel):
    period: PeriodOut
    scope: ScopeOut
    generated_at: datetime


class SummaryReport(Report):
    summary: Summary


class RatingReport(Report):
    by: str
    rows: list[RatingRow]


class HeatOut(BaseModel):
    sector_id: int | None
    sector: str
    locality_id: int | None
    locality: str
    week: str | None
    count: int
    overdue: int
    overdue_share: float | None


class HeatReport(Report):
    by_week: bool
    cells: list[HeatOut]


class WeekOut(BaseModel):
    week: str
    received: int
    answered: int
    answered_late: int


class WeeklyReport(Report):
    weeks: list[WeekOut]


class GrowthReport(Report):
    points: list[GrowthPoint]


class OpenItemOut(BaseModel):
    id: int
    number: str
    status: str
    status_ru: str
    sector_id: int | None
    sector: str | None
    assignee_id: int | None
    assignee: str | None
    registered_at: datetime
    due_at: datetime | None
    overdue_hours: float | None
    text: str
    why: str | None = None


class OpenItemsReport(Report):
    items: list[OpenItemOut]


class ItemOut(BaseModel):
    """One exported item: no citizen's name, phone or address, ever."""

    number: str
    registered_at: datetime
    kind: str
    channel: str
    sector: str | None
    locality: str | None
    status: str
    status_ru: str
    assignee: str | None
    due_at: datetime | None
    taken_at: datetime | None
    answered_at: datetime | None
    late: bool  # answered after the deadline, or open and past it now
    answer_hours: float | None  # working hours from registration to the answer
    solved: bool | None
    rating: int | None
    text: str


class ItemsReport(Report):
    items: list[ItemOut]


def head(q: Ask) -> dict[str, Any]:
    p, m, sec, cut = q.period, q.municipality, q.sector, q.scope
    return {
        "period": PeriodOut(
            code=p.code,
            label=p.label,
            start=p.start,
            end=p.end,
            first=p.first,
            last=p.last,
            tz=p.tz.key,
        ),
        "scope": ScopeOut(
            municipality=None if m is None else Named(code=m.code, name=m.name),
            sector=None if sec is None else Named(code=sec.code, name=sec.name),
            channel=None if cut.channels is None else [c.value for c in cut.channels],
            kind=None if cut.kinds is None else [k.value for k in cut.kinds],
        ),
        "generated_at": q.now,
    }
