"""The Russian production calendar of one year: the decree's days from the `holidays` package,
or, for a year no decree covers yet, what the Labour Code fixes without one (art. 112)."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import date, timedelta

import holidays

__all__ = ["NationalYear", "fixed_holidays", "labour_code_days_off", "national_year"]

_ONE_DAY = timedelta(days=1)
# Art. 112 part 1: the non-working holidays (January 1-6 and 8 New Year, 7 Christmas, ...).
_ART_112 = (
    *((1, d) for d in range(1, 9)),
    (2, 23),
    (3, 8),
    (5, 1),
    (5, 9),
    (6, 12),
    (11, 4),
)
# The en_US label of a decreed transfer names the weekend day whose rest it took.
_SUBSTITUTED = re.compile(r"substituted from (\d{2})/(\d{2})/(\d{4})", re.IGNORECASE)


@dataclass(frozen=True)
class NationalYear:
    """Non-working days of one year and what shortens a working day before a holiday."""

    days_off: frozenset[date]
    # Decreed working weekend days that stand in for a weekday before a holiday (1 Nov 2025
    # for 3 Nov, the eve of 4 Nov): the official calendar shortens them by the hour too.
    carried_short: frozenset[date]
    decreed: bool  # False: the year is computed from the Labour Code alone (assumed)


def fixed_holidays(year: int) -> frozenset[date]:
    """The non-working holidays of art. 112 part 1 in a year (its current wording, since 2013)."""
    return frozenset(date(year, month, day) for month, day in _ART_112)


def labour_code_days_off(year: int) -> frozenset[date]:
    """Days off the Labour Code fixes without a decree: Saturdays, Sundays, the holidays, and
    art. 112 part 2 (a holiday on a weekend day moves that rest to the next working day,
    except the January holidays, which part 2 leaves out)."""
    holy = fixed_holidays(year)
    off = set(holy)
    day = date(year, 1, 1)
    while day.year == year:
        if day.weekday() >= 5:
            off.add(day)
        day += _ONE_DAY
    for holiday in sorted(holy):
        if holiday.month == 1 or holiday.weekday() < 5:
            continue
        moved = holiday + _ONE_DAY
        while moved in off:  # the next day that is still a working day
            moved += _ONE_DAY
        off.add(moved)
    return frozenset(off)


@functools.lru_cache(maxsize=64)
def national_year(year: int) -> NationalYear:
    """The year's national calendar, loaded once per process."""
    # en_US keeps holiday names stable, so the "substituted" marker can be matched.
    cal = holidays.country_holidays("RU", years=year, language="en_US")
    decreed = any("substituted" in str(name).lower() for name in cal.values())
    days_off: set[date] = set()
    day = date(year, 1, 1)
    while day.year == year:
        # The package's own rule covers holidays and working Saturdays (weekend_workdays).
        if not cal.is_working_day(day):
            days_off.add(day)
        day += _ONE_DAY
    if not decreed:
        days_off |= labour_code_days_off(year)
    return NationalYear(
        days_off=frozenset(days_off),
        carried_short=_carried_short(cal, year) if decreed else frozenset(),
        decreed=decreed,
    )


def _carried_short(cal: holidays.HolidayBase, year: int) -> frozenset[date]:
    """Working weekend days whose rest moved to the eve of a holiday (they work that eve's
    shortened day). Checked against the official 2024-2026 calendars in the tests."""
    working_weekend = set(getattr(cal, "weekend_workdays", ()))
    holy = fixed_holidays(year) | fixed_holidays(year + 1)
    out: set[date] = set()
    for day_off, name in cal.items():
        m = _SUBSTITUTED.search(str(name))
        if m is None:
            continue
        source = date(int(m[3]), int(m[1]), int(m[2]))
        if source in working_weekend and day_off + _ONE_DAY in holy:
            out.add(source)
    return frozenset(out)
