"""Working-day and working-hour arithmetic on the Russian production calendar."""

from __future__ import annotations

import functools
import logging
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays

__all__ = ["CalendarWarning", "DayOverride", "WorkCalendar"]

logger = logging.getLogger(__name__)

_ONE_DAY = timedelta(days=1)
# Guard against endless scans if overrides ever made a long stretch non-working.
_MAX_SCAN_DAYS = 400


@dataclass(frozen=True)
class DayOverride:
    """A local decision that a day is working (True) or a local day off (False)."""

    day: date
    working: bool
    note: str = ""


class CalendarWarning(UserWarning):
    """The production calendar for a year is not known, so day transfers may be missing."""


@dataclass(frozen=True)
class _NationalYear:
    """Non-working days of one year according to the `holidays` package."""

    days_off: frozenset[date]
    has_transfers: bool


@functools.lru_cache(maxsize=64)
def _national_year(year: int) -> _NationalYear:
    """Load the package's calendar for a year once per process."""
    # en_US keeps holiday names stable, so the "substituted" marker can be matched.
    cal = holidays.country_holidays("RU", years=year, language="en_US")
    day = date(year, 1, 1)
    days_off: set[date] = set()
    while day.year == year:
        # The package's own rule covers holidays and working Saturdays (weekend_workdays).
        if not cal.is_working_day(day):
            days_off.add(day)
        day += _ONE_DAY
    has_transfers = any("substituted" in str(name).lower() for name in cal.values())
    return _NationalYear(days_off=frozenset(days_off), has_transfers=has_transfers)


class WorkCalendar:
    """Working days and hours of one municipality on the Russian production calendar plus local overrides."""

    def __init__(
        self,
        *,
        tz: str | ZoneInfo,
        work_start: time = time(9),
        work_end: time = time(18),
        overrides: Iterable[DayOverride] = (),
        confirmed_years: Iterable[int] = (),
    ) -> None:
        """Build a calendar for one time zone, working hours and local overrides."""
        if work_start.tzinfo is not None or work_end.tzinfo is not None:
            raise ValueError("work_start and work_end are local wall-clock times without tzinfo")
        if not work_start < work_end:
            raise ValueError("work_start must be earlier than work_end")
        self._tz = tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)
        self._work_start = work_start
        self._work_end = work_end
        self._overrides: dict[date, DayOverride] = {}
        for item in overrides:
            known = self._overrides.get(item.day)
            if known is not None and known.working != item.working:
                raise ValueError(f"conflicting overrides for {item.day.isoformat()}")
            self._overrides[item.day] = item
        self._confirmed_years = frozenset(confirmed_years)
        self._checked_years: set[int] = set()
        self._day_cache: dict[date, bool] = {}

    @property
    def tz(self) -> ZoneInfo:
        """The municipality's time zone."""
        return self._tz

    # ---- day level -------------------------------------------------------------------------

    def is_working_day(self, day: date) -> bool:
        """Whether the local date is a working day (local overrides win over the package)."""
        cached = self._day_cache.get(day)
        if cached is not None:
            return cached
        if day.year not in self._checked_years:
            self.check_years([day.year])
        override = self._overrides.get(day)
        if override is not None:
            result = override.working
        else:
            result = day not in _national_year(day.year).days_off
        self._day_cache[day] = result
        return result

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after `day`."""
        return self._scan(day + _ONE_DAY, _ONE_DAY)

    def working_day_on_or_after(self, day: date) -> date:
        """`day` itself if it is a working day, else the next working day."""
        return self._scan(day, _ONE_DAY)

    def day_end(self, day: date) -> datetime:
        """The end of working hours on a local date, as an aware UTC datetime."""
        return self._at(day, self._work_end)

    # ---- deadlines -------------------------------------------------------------------------

    def add_calendar_days(self, start: datetime, days: int) -> datetime:
        """59-ФЗ style deadline: local date + days, moved to a working day, at work_end (UTC)."""
        _check_non_negative(days=days)
        target = self._local(start).date() + timedelta(days=days)
        # ГК РФ ст. 193 by analogy: a term ending on a day off ends on the next working day.
        return self.day_end(self.working_day_on_or_after(target))

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """The end of the `days`-th working day strictly after start's local date (UTC)."""
        _check_non_negative(days=days)
        day = self._local(start).date()
        if days == 0:
            return self.day_end(self.working_day_on_or_after(day))
        for _ in range(days):
            day = self.next_working_day(day)
        return self.day_end(day)

    def subtract_working_days(self, end: datetime, days: int) -> datetime:
        """The same local clock time on the working day `days` working days before end's date."""
        _check_non_negative(days=days)
        local = self._local(end)
        day = local.date()
        for _ in range(days):
            day = self._scan(day - _ONE_DAY, -_ONE_DAY)
        return self._at(day, local.time())

    # ---- working hours ---------------------------------------------------------------------

    def is_working_moment(self, t: datetime) -> bool:
        """Whether `t` falls within [work_start, work_end) of a working day."""
        local = self._local(t)
        return (
            self.is_working_day(local.date()) and self._work_start <= local.time() < self._work_end
        )

    def next_working_moment(self, t: datetime) -> datetime:
        """`t` (in UTC) if it is a working moment, else the next work_start."""
        local = self._local(t)
        if self.is_working_moment(local):
            return local.astimezone(UTC)
        day = local.date()
        if not (self.is_working_day(day) and local.time() < self._work_start):
            day = self.next_working_day(day)
        return self._at(day, self._work_start)

    def add_working_hours(self, start: datetime, hours: float) -> datetime:
        """Add working time counted only inside working hours of working days (UTC result)."""
        _check_non_negative(hours=hours)
        remaining = timedelta(hours=hours)
        moment = self.next_working_moment(start)
        while True:
            day_close = self.day_end(moment.astimezone(self._tz).date())
            available = day_close - moment
            # "<=" keeps a deadline that exactly fills the day at work_end, not next morning.
            if remaining <= available:
                return moment + remaining
            remaining -= available
            moment = self.next_working_moment(day_close)

    def working_time_between(self, a: datetime, b: datetime) -> timedelta:
        """Working time inside [a, b); zero if b <= a."""
        a_utc = self._local(a).astimezone(UTC)
        b_utc = self._local(b).astimezone(UTC)
        total = timedelta(0)
        if b_utc <= a_utc:
            return total
        day = a_utc.astimezone(self._tz).date()
        last = b_utc.astimezone(self._tz).date()
        # One step per local day with cached day status: a year's span is ~366 cheap steps.
        while day <= last:
            if self.is_working_day(day):
                lo = max(a_utc, self._at(day, self._work_start))
                hi = min(b_utc, self._at(day, self._work_end))
                if hi > lo:
                    total += hi - lo
            day += _ONE_DAY
        return total

    # ---- data coverage ---------------------------------------------------------------------

    def years_without_data(self, years: Iterable[int]) -> list[int]:
        """Years with no decreed transfers in the package that are not confirmed locally."""
        return sorted(
            year
            for year in set(years)
            if year not in self._confirmed_years and not _national_year(year).has_transfers
        )

    def check_years(self, years: Iterable[int]) -> None:
        """Warn once per year (per calendar) when the production calendar is unknown."""
        pending = [year for year in set(years) if year not in self._checked_years]
        self._checked_years.update(pending)
        for year in self.years_without_data(pending):
            message = (
                f"Производственный календарь на {year} год не загружен: переносы выходных "
                f"неизвестны, добавьте их в calendar overrides / Production calendar for {year} "
                "is not loaded: day-off transfers are unknown, add them as calendar overrides"
            )
            warnings.warn(message, CalendarWarning, stacklevel=2)
            logger.warning(message)

    # ---- helpers ---------------------------------------------------------------------------

    def _local(self, t: datetime) -> datetime:
        """`t` in the municipality's zone; naive datetimes are refused."""
        if t.tzinfo is None or t.utcoffset() is None:
            raise ValueError("naive datetime: pass a timezone-aware datetime")
        return t.astimezone(self._tz)

    def _at(self, day: date, clock: time) -> datetime:
        """The UTC instant of a local wall-clock time on a local date."""
        return datetime.combine(day, clock, tzinfo=self._tz).astimezone(UTC)

    def _scan(self, day: date, step: timedelta) -> date:
        """The first working day from `day` (inclusive) moving by `step`."""
        current = day
        for _ in range(_MAX_SCAN_DAYS):
            if self.is_working_day(current):
                return current
            current += step
        raise ValueError(f"no working day within {_MAX_SCAN_DAYS} days of {day.isoformat()}")


def _check_non_negative(**values: float) -> None:
    """Refuse negative lengths: deadlines only run forward from their start."""
    for name, value in values.items():
        if value < 0:
            raise ValueError(f"{name} must not be negative, got {value}")
