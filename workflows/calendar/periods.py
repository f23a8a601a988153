"""Report periods: what a person types ("2026-W47", "2026-11", "last-week") to UTC bounds."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from workflows.core.errors import Invalid

__all__ = ["MAX_DAYS", "PERIOD_HELP", "Period", "parse_period", "week_period"]

MAX_DAYS = 400  # a year and a bit: longer ranges are exports, not reports
PERIOD_HELP = (
    "неделя 2026-W47, месяц 2026-11, день 2026-11-24, диапазон 2026-11-01..2026-11-30, "
    "год 2026, или week, last-week, month, last-month"
)
_MONTHS = [
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
]
_WEEK = re.compile(r"^(\d{4})-W(\d{1,2})$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_YEAR = re.compile(r"^(\d{4})$")


@dataclass(frozen=True)
class Period:
    """Whole local days [first, last] of one time zone, with their UTC bounds."""

    first: date
    last: date
    tz: ZoneInfo
    code: str  # canonical form: 2026-W47, 2026-11, 2026-11-24, 2026-11-01..2026-11-30

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time(0), self.tz).astimezone(UTC)

    @property
    def end(self) -> datetime:
        """Exclusive: local midnight after the last day."""
        return datetime.combine(self.last + timedelta(days=1), time(0), self.tz).astimezone(UTC)

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def label(self) -> str:
        """Russian words for headings: «16–22 ноября 2026»."""
        a, b = self.first, self.last
        if a == b:
            return f"{a.day} {_MONTHS[a.month - 1]} {a.year}"
        if a.year == b.year and a.month == b.month:
            return f"{a.day}–{b.day} {_MONTHS[b.month - 1]} {b.year}"
        if a.year == b.year:
            return f"{a.day} {_MONTHS[a.month - 1]} – {b.day} {_MONTHS[b.month - 1]} {b.year}"
        return f"{a.day} {_MONTHS[a.month - 1]} {a.year} – {b.day} {_MONTHS[b.month - 1]} {b.year}"

    def previous(self) -> Period:
        """The period of the same length just before this one (last week, last month…)."""
        if self.code.count("-") == 1 and "W" not in self.code and ".." not in self.code:
            first = (self.first - timedelta(days=1)).replace(day=1)  # a calendar month
            return _month(first.year, first.month, self.tz)
        first = self.first - timedelta(days=self.days)
        return _span(first, self.first - timedelta(days=1), self.tz)

    def weeks(self) -> list[datetime]:
        """UTC starts of the local Monday-weeks that cover the period, plus the end."""
        monday = self.first - timedelta(days=self.first.weekday())
        bounds = []
        while monday <= self.last:
            bounds.append(datetime.combine(monday, time(0), self.tz).astimezone(UTC))
            monday += timedelta(days=7)
        bounds.append(datetime.combine(monday, time(0), self.tz).astimezone(UTC))
        return bounds


def week_period(day: date, tz: ZoneInfo) -> Period:
    """The Monday-to-Sunday week that holds a day."""
    monday = day - timedelta(days=day.weekday())
    iso = monday.isocalendar()
    return Period(monday, monday + timedelta(days=6), tz, f"{iso.year}-W{iso.week:02d}")


def parse_period(text: str, *, tz: ZoneInfo, now: datetime) -> Period:
    """Parse a period; a clear Russian error for anything else, too long, or reversed."""
    raw = (text or "").strip()
    if len(raw) > 40:
        raise Invalid(f"период не распознан: ожидается {PERIOD_HELP}")
    today = now.astimezone(tz).date()
    word = raw.lower()
    if word in ("week", "неделя"):
        return week_period(today, tz)
    if word in ("last-week", "прошлая-неделя"):
        return week_period(today - timedelta(days=7), tz)
    if word in ("month", "месяц"):
        return _month(today.year, today.month, tz)
    if word in ("last-month", "прошлый-месяц"):
        first = today.replace(day=1) - timedelta(days=1)
        return _month(first.year, first.month, tz)
    if m := _WEEK.match(raw.upper()):
        year, week = _year(int(m[1])), int(m[2])  # 0001-W01 would overflow into year 0
        try:
            monday = date.fromisocalendar(year, week, 1)
        except ValueError:
            raise Invalid(f"в {year} году нет недели {week}") from None
        return week_period(monday, tz)
    if m := _MONTH.match(raw):
        year, month = int(m[1]), int(m[2])
        if not 1 <= month <= 12:
            raise Invalid(f"нет месяца {month}: месяц пишется 01–12")
        return _month(year, month, tz)
    if m := _YEAR.match(raw):
        year = int(m[1])
        return _span(date(_year(year), 1, 1), date(year, 12, 31), tz, code=str(year))
    if ".." in raw:
        left, _, right = raw.partition("..")
        return _span(_day(left.strip()), _day(right.strip()), tz)
    if _DAY.match(raw):
        day = _day(raw)
        return _span(day, day, tz)
    raise Invalid(f"период «{raw}» не распознан: ожидается {PERIOD_HELP}")


def _year(year: int) -> int:
    if not 2000 <= year <= 2100:
        raise Invalid(f"год {year} вне допустимого диапазона 2000–2100")
    return year


def _day(text: str) -> date:
    if not _DAY.match(text):
        raise Invalid(f"дата «{text}» не распознана: ожидается ГГГГ-ММ-ДД, например 2026-11-24")
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise Invalid(f"нет такой даты: {text}") from None
    _year(day.year)
    return day


def _month(year: int, month: int, tz: ZoneInfo) -> Period:
    first = date(_year(year), month, 1)
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return Period(first, nxt - timedelta(days=1), tz, f"{year}-{month:02d}")


def _span(first: date, last: date, tz: ZoneInfo, code: str | None = None) -> Period:
    if last < first:
        raise Invalid(f"конец периода {last} раньше начала {first}")
    days = (last - first).days + 1
    if days > MAX_DAYS:
        raise Invalid(f"период слишком длинный: {days} дн.; не больше {MAX_DAYS}")
    return Period(first, last, tz, code or (str(first) if days == 1 else f"{first}..{last}"))
