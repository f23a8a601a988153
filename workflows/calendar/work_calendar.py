"""Working-day and working-hour arithmetic on the Russian production calendar."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from workflows.calendar.national import fixed_holidays, national_year

__all__ = ["CalendarWarning", "DayOverride", "WorkCalendar"]

logger = logging.getLogger(__name__)

_ONE_DAY = timedelta(days=1)
# Guard against endless scans if overrides ever made a long stretch non-working.
_MAX_SCAN_DAYS = 400
# Labour Code art. 95: the working day right before a non-working holiday is an hour shorter.
PRE_HOLIDAY_CUT = timedelta(hours=1)

Window = tuple[datetime, datetime]  # [start, end) of working time, aware UTC


@dataclass(frozen=True)
class DayOverride:
    """A local decision that a day is working (True) or a local day off (False)."""

    day: date
    working: bool
    note: str = ""


class CalendarWarning(UserWarning):
    """The production calendar for a year is not known, so day transfers may be missing."""


class WorkCalendar:
    """Working days and hours of one municipality on the Russian production calendar plus local overrides."""

    def __init__(
        self,
        *,
        tz: str | ZoneInfo,
        work_start: time = time(9),
        work_end: time = time(18),
        lunch: tuple[time, time] | None = None,
        overrides: Iterable[DayOverride] = (),
        confirmed_years: Iterable[int] = (),
    ) -> None:
        """Build a calendar for one time zone, working hours, a lunch break and local overrides."""
        clocks = (work_start, work_end, *(lunch or ()))
        if any(c.tzinfo is not None for c in clocks):
            raise ValueError("working hours are local wall-clock times without tzinfo")
        if not work_start < work_end:
            raise ValueError("work_start must be earlier than work_end")
        if lunch is not None and not work_start < lunch[0] < lunch[1] < work_end:
            raise ValueError(
                "the lunch break must lie inside working hours and end after it starts"
            )
        self._tz = tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)
        self._work_start = work_start
        self._work_end = work_end
        self._lunch = lunch
        if self.day_length <= PRE_HOLIDAY_CUT:
            raise ValueError("a working day must be longer than the pre-holiday hour it loses")
        self._overrides: dict[date, DayOverride] = {}
        for item in overrides:
            known = self._overrides.get(item.day)
            if known is not None and known.working != item.working:
                raise ValueError(f"conflicting overrides for {item.day.isoformat()}")
            self._overrides[item.day] = item
        self._confirmed_years = frozenset(confirmed_years)
        self._checked_years: set[int] = set()
        self._day_cache: dict[date, bool] = {}
        self._windows: dict[date, tuple[Window, ...]] = {}

    @property
    def tz(self) -> ZoneInfo:
        """The municipality's time zone."""
        return self._tz

    @property
    def day_length(self) -> timedelta:
        """Working time of an ordinary working day (lunch excluded)."""
        total = _span(self._work_start, self._work_end)
        if self._lunch is not None:
            total -= _span(*self._lunch)
        return total

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
            result = day not in national_year(day.year).days_off
        self._day_cache[day] = result
        return result

    def is_pre_holiday(self, day: date) -> bool:
        """Whether a working day is shortened by an hour (Labour Code art. 95): the next day is
        a non-working holiday of art. 112, or it is a decreed working weekend day standing in
        for such an eve."""
        if not self.is_working_day(day):
            return False
        nxt = day + _ONE_DAY
        override = self._overrides.get(nxt)
        if nxt in fixed_holidays(nxt.year) and (override is None or not override.working):
            return True
        return day in national_year(day.year).carried_short

    def assumed(self, day: date) -> bool:
        """Whether the day's calendar is assumed: no decree for its year is known to the package
        and the municipality has not confirmed the year's transfers."""
        return bool(self.years_without_data([day.year]))

    def working_windows(self, day: date) -> tuple[Window, ...]:
        """A local date's working time as UTC intervals: none on a day off, two around lunch,
        the last hour cut on a pre-holiday day."""
        known = self._windows.get(day)
        if known is not None:
            return known
        windows: list[Window] = []
        if self.is_working_day(day):
            bounds = [self._work_start, self._work_end]
            if self._lunch is not None:
                bounds[1:1] = self._lunch
            windows = [
                (self._at(day, bounds[i]), self._at(day, bounds[i + 1]))
                for i in range(0, len(bounds), 2)
            ]
            if self.is_pre_holiday(day):
                windows = _cut_end(windows, PRE_HOLIDAY_CUT)
        self._windows[day] = tuple(windows)
        return self._windows[day]

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after `day`."""
        return self._scan(day + _ONE_DAY, _ONE_DAY)

    def working_day_on_or_after(self, day: date) -> date:
        """`day` itself if it is a working day, else the next working day."""
        return self._scan(day, _ONE_DAY)

    def day_end(self, day: date) -> datetime:
        """The end of working hours on a local date (an hour early before a holiday), UTC."""
        windows = self.working_windows(day)
        return windows[-1][1] if windows else self._at(day, self._work_end)

    # ---- deadlines -------------------------------------------------------------------------

    def add_calendar_days(self, start: datetime, days: int, *, previous: bool = False) -> datetime:
        """59-ФЗ style deadline: local date + days, moved to a working day, at its close (UTC).
        `previous`: a deadline on a day off moves to the preceding working day (a municipal
        regulation's rule) — never before the start's own date, where the next one is taken."""
        _check_non_negative(days=days)
        first = self._local(start).date()
        target = first + timedelta(days=days)
        if previous:
            earlier = self._scan(target, -_ONE_DAY)
            if earlier >= first:
                return self.day_end(earlier)
        # ГК РФ ст. 193 by analogy: a term ending on a day off ends on the next working day;
        # ст. 194: it ends when the office closes that day.
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
        """Whether `t` falls within the working time of its day (not at lunch, not after close)."""
        local = self._local(t)
        moment = local.astimezone(UTC)
        return any(lo <= moment < hi for lo, hi in self.working_windows(local.date()))

    def next_working_moment(self, t: datetime) -> datetime:
        """`t` (in UTC) if it is a working moment, else the start of the next working time."""
        local = self._local(t)
        moment, day = local.astimezone(UTC), local.date()
        for _ in range(_MAX_SCAN_DAYS):
            for lo, hi in self.working_windows(day):
                if moment < hi:
                    return max(lo, moment)
            day += _ONE_DAY
        raise ValueError(f"no working time within {_MAX_SCAN_DAYS} days of {local.isoformat()}")

    def add_working_hours(self, start: datetime, hours: float) -> datetime:
        """Add working time counted only inside working hours of working days (UTC result)."""
        _check_non_negative(hours=hours)
        remaining = timedelta(hours=hours)
        moment = self.next_working_moment(start)
        day = moment.astimezone(self._tz).date()
        while True:
            for lo, hi in self.working_windows(day):
                if hi <= moment:
                    continue
                lo = max(lo, moment)
                # "<=" keeps a deadline that exactly fills a window at its end (18:00 or the
                # start of lunch), not at the next opening.
                if remaining <= hi - lo:
                    return lo + remaining
                remaining -= hi - lo
            day = self.next_working_day(day)

    def working_time_between(self, a: datetime, b: datetime) -> timedelta:
        """Working time inside [a, b); zero if b <= a."""
        a_utc = self._local(a).astimezone(UTC)
        b_utc = self._local(b).astimezone(UTC)
        total = timedelta(0)
        if b_utc <= a_utc:
            return total
        day = a_utc.astimezone(self._tz).date()
        last = b_utc.astimezone(self._tz).date()
        # One step per local day with cached windows: a year's span is ~366 cheap steps.
        while day <= last:
            for lo, hi in self.working_windows(day):
                lo, hi = max(a_utc, lo), min(b_utc, hi)
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
            if year not in self._confirmed_years and not national_year(year).decreed
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


def _span(a: time, b: time) -> timedelta:
    """The wall-clock length from a to b on one day."""
    return datetime.combine(date.min, b) - datetime.combine(date.min, a)


def _cut_end(windows: list[Window], cut: timedelta) -> list[Window]:
    """The windows with `cut` of working time removed from the end of the day."""
    out = list(windows)
    while cut > timedelta(0) and out:
        lo, hi = out.pop()
        if hi - lo > cut:
            out.append((lo, hi - cut))
        cut -= hi - lo
    return out


def _check_non_negative(**values: float) -> None:
    """Refuse negative lengths: deadlines only run forward from their start."""
    for name, value in values.items():
        if value < 0:
            raise ValueError(f"{name} must not be negative, got {value}")
