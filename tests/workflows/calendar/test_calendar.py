"""Tests for the production-calendar arithmetic in workflows.calendar.work_calendar."""

from __future__ import annotations

import logging
import re
import warnings
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from workflows.calendar.deadlines import shift
from workflows.calendar.work_calendar import CalendarWarning, DayOverride, WorkCalendar

MSK = ZoneInfo("Europe/Moscow")


def msk(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """An aware Moscow datetime."""
    return datetime(year, month, day, hour, minute, tzinfo=MSK)


@pytest.fixture
def cal() -> WorkCalendar:
    """The default Bezhta calendar: Moscow time, 09:00-18:00, no local overrides."""
    return WorkCalendar(tz="Europe/Moscow")


# ---- day status ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2025, 11, 1), True),  # Saturday made working by decree (transfer to Nov 3)
        (date(2025, 11, 3), False),  # the transferred day off
        (date(2025, 11, 4), False),  # Unity Day
        (date(2025, 12, 31), False),  # transferred from Jan 5, 2025
        (date(2026, 1, 9), False),  # transferred from Jan 3, 2026
        (date(2026, 1, 12), True),
        (date(2026, 5, 11), False),  # Victory Day falls on Saturday May 9 -> Monday off
        (date(2026, 12, 31), False),  # transferred from Jan 4, 2026
        (date(2025, 12, 1), True),
        (date(2025, 11, 30), False),  # ordinary Sunday
    ],
)
def test_is_working_day(cal: WorkCalendar, day: date, working: bool) -> None:
    assert cal.is_working_day(day) is working


def test_next_working_day_and_on_or_after(cal: WorkCalendar) -> None:
    assert cal.next_working_day(date(2025, 12, 30)) == date(2026, 1, 12)
    assert cal.next_working_day(date(2025, 10, 31)) == date(2025, 11, 1)
    assert cal.working_day_on_or_after(date(2025, 12, 1)) == date(2025, 12, 1)
    assert cal.working_day_on_or_after(date(2026, 1, 4)) == date(2026, 1, 12)


def test_day_end_is_utc(cal: WorkCalendar) -> None:
    end = cal.day_end(date(2025, 12, 1))
    assert end == datetime(2025, 12, 1, 15, 0, tzinfo=UTC)
    assert end.utcoffset() == timedelta(0)


# ---- working-day deadlines -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        # Dec 31, 2025 and Jan 1-11, 2026 are off: Jan 12-16 and 19-23 are the ten days.
        (msk(2025, 12, 30, 10), 10, msk(2026, 1, 23, 18)),
        # May 2026: May 1 (Fri) off, May 2-3 weekend, so May 4..8 are days 1..5; May 8 is
        # the eve of Victory Day, an hour shorter (Labour Code art. 95).
        (msk(2026, 4, 30, 10), 5, msk(2026, 5, 8, 17)),
        # Day 6: May 9 (Sat, Victory Day), May 10 (Sun), May 11 (observed Victory Day) are off.
        (msk(2026, 4, 30, 10), 6, msk(2026, 5, 12, 18)),
        # Working Saturday Nov 1, 2025 counts; Nov 2 Sun, Nov 3 transferred off, Nov 4 holiday.
        # Nov 1 works the shortened eve it stands in for: it closes at 17:00.
        (msk(2025, 10, 31, 10), 1, msk(2025, 11, 1, 17)),
        (msk(2025, 10, 31, 10), 2, msk(2025, 11, 5, 18)),
        # Zero days: the end of the same day if working, else of the next working day.
        (msk(2025, 12, 1, 10), 0, msk(2025, 12, 1, 18)),
        (msk(2026, 1, 3, 10), 0, msk(2026, 1, 12, 18)),
    ],
)
def test_add_working_days(
    cal: WorkCalendar, start: datetime, days: int, expected: datetime
) -> None:
    result = cal.add_working_days(start, days)
    assert result == expected
    assert result.utcoffset() == timedelta(0)


def test_add_working_days_uses_local_date_not_utc_date(cal: WorkCalendar) -> None:
    # 21:30 UTC on Mon Dec 1 is already Tue Dec 2 in Moscow: the next working day is Wed Dec 3.
    start = datetime(2025, 12, 1, 21, 30, tzinfo=UTC)
    assert cal.add_working_days(start, 1) == msk(2025, 12, 3, 18)


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        # Dec 5 + 30 = Sun Jan 4, 2026 (holidays until Jan 11) -> Mon Jan 12.
        (msk(2025, 12, 5, 10), 30, msk(2026, 1, 12, 18)),
        # Oct 1 + 30 = Fri Oct 31, 2025, a working day: stays.
        (msk(2025, 10, 1, 10), 30, msk(2025, 10, 31, 18)),
        # Oct 2 + 30 = Sat Nov 1, 2025, the working (pre-holiday, shortened) Saturday: stays.
        (msk(2025, 10, 2, 15), 30, msk(2025, 11, 1, 17)),
        # Oct 4 + 30 = Mon Nov 3 (transferred off), Nov 4 holiday -> Wed Nov 5.
        (msk(2025, 10, 4, 15), 30, msk(2025, 11, 5, 18)),
    ],
)
def test_add_calendar_days(
    cal: WorkCalendar, start: datetime, days: int, expected: datetime
) -> None:
    result = cal.add_calendar_days(start, days)
    assert result == expected
    assert result.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    ("end", "days", "expected"),
    [
        (msk(2025, 12, 1, 18), 1, msk(2025, 11, 28, 18)),  # Mon -> previous Fri
        (msk(2025, 12, 1, 18), 2, msk(2025, 11, 27, 18)),
        (msk(2025, 11, 5, 18), 1, msk(2025, 11, 1, 18)),  # over Nov 3-4 to the working Sat
        (msk(2026, 1, 12, 12, 30), 1, msk(2025, 12, 30, 12, 30)),  # over the New Year break
        (msk(2025, 11, 30, 18), 1, msk(2025, 11, 28, 18)),  # deadline on a Sunday
        (msk(2025, 12, 1, 18), 0, msk(2025, 12, 1, 18)),
    ],
)
def test_subtract_working_days(
    cal: WorkCalendar, end: datetime, days: int, expected: datetime
) -> None:
    result = cal.subtract_working_days(end, days)
    assert result == expected
    assert result.utcoffset() == timedelta(0)


# ---- working hours ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "hours", "expected"),
    [
        # Fri 17:00: 1 h on Friday, 3 h on Monday.
        (msk(2025, 11, 28, 17), 4, msk(2025, 12, 1, 12)),
        # Saturday start: counting begins Monday 09:00.
        (msk(2025, 11, 29, 11), 4, msk(2025, 12, 1, 13)),
        # 20:00 on a weekday: counting begins next day 09:00.
        (msk(2025, 12, 2, 20), 4, msk(2025, 12, 3, 13)),
        # Before opening: counting begins 09:00 the same day.
        (msk(2025, 12, 2, 7), 2.5, msk(2025, 12, 2, 11, 30)),
        # Exactly filling the day ends at 18:00, not next morning.
        (msk(2025, 12, 2, 17), 1, msk(2025, 12, 2, 18)),
        # Across the working Saturday (8 h: shortened before the holiday), then 2 h on Nov 5.
        (msk(2025, 10, 31, 18), 10, msk(2025, 11, 5, 11)),
        # Across the New Year break.
        (msk(2025, 12, 30, 16), 3, msk(2026, 1, 12, 10)),
        (msk(2025, 12, 2, 10), 0, msk(2025, 12, 2, 10)),
    ],
)
def test_add_working_hours(
    cal: WorkCalendar, start: datetime, hours: float, expected: datetime
) -> None:
    result = cal.add_working_hours(start, hours)
    assert result == expected
    assert result.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    ("moment", "working"),
    [
        (msk(2025, 12, 2, 9), True),
        (msk(2025, 12, 2, 17, 59), True),
        (msk(2025, 12, 2, 18), False),  # the window is half-open
        (msk(2025, 12, 2, 8, 59), False),
        (msk(2025, 11, 1, 12), True),  # working Saturday
        (msk(2025, 11, 29, 12), False),  # ordinary Saturday
    ],
)
def test_is_working_moment(cal: WorkCalendar, moment: datetime, working: bool) -> None:
    assert cal.is_working_moment(moment) is working


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (msk(2025, 12, 2, 2), msk(2025, 12, 2, 9)),  # night before a working day
        (msk(2025, 11, 28, 23), msk(2025, 12, 1, 9)),  # Friday night -> Monday
        (msk(2025, 11, 29, 12), msk(2025, 12, 1, 9)),  # Saturday
        (msk(2025, 12, 2, 18), msk(2025, 12, 3, 9)),  # closing time
        (msk(2025, 12, 2, 10, 15), msk(2025, 12, 2, 10, 15)),  # already working
        (msk(2025, 12, 30, 19), msk(2026, 1, 12, 9)),  # New Year break
    ],
)
def test_next_working_moment(cal: WorkCalendar, moment: datetime, expected: datetime) -> None:
    result = cal.next_working_moment(moment)
    assert result == expected
    assert result.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        # Fri 17:00 -> Mon 10:00: 1 h + 1 h, the weekend does not count.
        (msk(2025, 11, 28, 17), msk(2025, 12, 1, 10), timedelta(hours=2)),
        # Fri 15:00 -> Tue 11:00 over May 9-11, 2026: 2 h (May 8 closes at 17:00) + 2 h.
        (msk(2026, 5, 8, 15), msk(2026, 5, 12, 11), timedelta(hours=4)),
        # Fri Oct 31 17:00 -> Wed Nov 5 10:00: 1 h + 8 h (shortened working Sat) + 1 h.
        (msk(2025, 10, 31, 17), msk(2025, 11, 5, 10), timedelta(hours=10)),
        (msk(2025, 12, 2, 10), msk(2025, 12, 2, 10), timedelta(0)),
        (msk(2025, 12, 3, 10), msk(2025, 12, 2, 10), timedelta(0)),
        # Night to night inside one day: only the 9 working hours.
        (msk(2025, 12, 2, 0), msk(2025, 12, 3, 0), timedelta(hours=9)),
    ],
)
def test_working_time_between(
    cal: WorkCalendar, a: datetime, b: datetime, expected: timedelta
) -> None:
    assert cal.working_time_between(a, b) == expected


@pytest.mark.parametrize("year", [2025, 2026])
def test_working_time_between_whole_year_matches_official_count(
    cal: WorkCalendar, year: int
) -> None:
    # The official production calendars for 2025 and 2026 both have 247 working days, four
    # of them an hour shorter before a holiday.
    span = cal.working_time_between(msk(year, 1, 1), msk(year + 1, 1, 1))
    assert span == timedelta(hours=9 * 247 - 4)


def test_working_hours_round_trip(cal: WorkCalendar) -> None:
    start = msk(2025, 12, 26, 16, 20)
    end = cal.add_working_hours(start, 30)
    assert cal.working_time_between(start, end) == timedelta(hours=30)


# ---- local overrides -------------------------------------------------------------------------


def test_local_day_off_shifts_deadline() -> None:
    base = WorkCalendar(tz="Europe/Moscow")
    local = WorkCalendar(
        tz="Europe/Moscow", overrides=[DayOverride(date(2025, 12, 3), False, "district holiday")]
    )
    start = msk(2025, 12, 2, 10)
    assert base.add_working_days(start, 1) == msk(2025, 12, 3, 18)
    assert local.add_working_days(start, 1) == msk(2025, 12, 4, 18)
    assert local.add_calendar_days(msk(2025, 11, 3, 10), 30) == msk(2025, 12, 4, 18)


def test_override_makes_sunday_working() -> None:
    local = WorkCalendar(
        tz=MSK, overrides=[DayOverride(date(2025, 11, 30), True, "clean-up Sunday")]
    )
    assert local.is_working_day(date(2025, 11, 30)) is True
    assert local.add_working_days(msk(2025, 11, 28, 10), 1) == msk(2025, 11, 30, 18)
    assert local.add_working_hours(msk(2025, 11, 28, 17), 4) == msk(2025, 11, 30, 12)
    assert local.next_working_moment(msk(2025, 11, 29, 12)) == msk(2025, 11, 30, 9)


def test_override_wins_over_national_holiday() -> None:
    local = WorkCalendar(tz=MSK, overrides=[DayOverride(date(2026, 1, 9), True)])
    assert local.is_working_day(date(2026, 1, 9)) is True
    assert local.next_working_day(date(2026, 1, 1)) == date(2026, 1, 9)


def test_custom_working_hours() -> None:
    short = WorkCalendar(tz=MSK, work_start=time(8), work_end=time(17))
    assert short.add_working_hours(msk(2025, 11, 28, 16), 2) == msk(2025, 12, 1, 9)
    assert short.day_end(date(2025, 12, 1)) == msk(2025, 12, 1, 17)


def test_other_time_zone() -> None:
    # Kamchatka is UTC+12: the same instant is a different local date and clock.
    kam = WorkCalendar(tz="Asia/Kamchatka")
    start = datetime(2025, 12, 1, 20, 0, tzinfo=UTC)  # Tue Dec 2, 08:00 local
    assert kam.next_working_moment(start) == datetime(2025, 12, 1, 21, 0, tzinfo=UTC)
    assert kam.add_working_days(start, 1) == datetime(2025, 12, 3, 6, 0, tzinfo=UTC)


# ---- validation ------------------------------------------------------------------------------


NAIVE = datetime(2025, 12, 2, 10)  # noqa: DTZ001 - deliberately naive for the ValueError tests


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.add_calendar_days(NAIVE, 1),
        lambda c: c.add_working_days(NAIVE, 1),
        lambda c: c.add_working_hours(NAIVE, 1),
        lambda c: c.is_working_moment(NAIVE),
        lambda c: c.next_working_moment(NAIVE),
        lambda c: c.working_time_between(NAIVE, msk(2025, 12, 3)),
        lambda c: c.working_time_between(msk(2025, 12, 1), NAIVE),
        lambda c: c.subtract_working_days(NAIVE, 1),
    ],
)
def test_naive_datetime_is_refused(cal: WorkCalendar, call: Callable[[WorkCalendar], Any]) -> None:
    with pytest.raises(ValueError, match="naive"):
        call(cal)


def test_invalid_arguments() -> None:
    with pytest.raises(ValueError):
        WorkCalendar(tz=MSK, work_start=time(18), work_end=time(9))
    with pytest.raises(ValueError, match="conflicting"):
        WorkCalendar(
            tz=MSK,
            overrides=[DayOverride(date(2025, 12, 3), False), DayOverride(date(2025, 12, 3), True)],
        )
    cal = WorkCalendar(tz=MSK)
    with pytest.raises(ValueError):
        cal.add_working_days(msk(2025, 12, 2), -1)
    with pytest.raises(ValueError):
        cal.add_working_hours(msk(2025, 12, 2), -0.5)


# ---- data coverage ---------------------------------------------------------------------------


def test_years_without_data(cal: WorkCalendar) -> None:
    assert cal.years_without_data([2028, 2026, 2025, 2027, 2028]) == [2028]
    confirmed = WorkCalendar(tz=MSK, confirmed_years=[2028])
    assert confirmed.years_without_data([2026, 2028]) == []


def test_check_years_warns_once_per_year(
    cal: WorkCalendar, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="workflows.calendar.work_calendar")
    with pytest.warns(CalendarWarning, match="2028") as record:
        cal.check_years([2028])
    assert len(record) == 1
    assert "Производственный календарь на 2028 год не загружен" in str(record[0].message)
    with warnings.catch_warnings(record=True) as later:
        warnings.simplefilter("always")
        cal.check_years([2028, 2026])
        cal.is_working_day(date(2028, 3, 1))
        cal.add_working_days(msk(2028, 3, 1, 10), 3)
    assert [w for w in later if issubclass(w.category, CalendarWarning)] == []
    assert [r.getMessage().count("2028 год") for r in caplog.records] == [1]


def test_day_query_checks_its_year_automatically(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="workflows.calendar.work_calendar")
    cal = WorkCalendar(tz=MSK)
    with warnings.catch_warnings(record=True) as got:
        warnings.simplefilter("always")
        cal.add_working_days(msk(2028, 12, 20, 10), 10)  # reaches into 2029
        cal.add_working_days(msk(2028, 12, 20, 10), 10)
    years = sorted(
        re.findall(r"\d{4}", str(w.message))[0]
        for w in got
        if issubclass(w.category, CalendarWarning)
    )
    assert years == ["2028", "2029"]
    assert len(caplog.records) == 2


def test_known_and_confirmed_years_do_not_warn() -> None:
    cal = WorkCalendar(tz=MSK, confirmed_years=[2028])
    with warnings.catch_warnings():
        warnings.simplefilter("error", CalendarWarning)
        cal.add_working_days(msk(2025, 12, 30, 10), 10)
        cal.is_working_day(date(2028, 6, 1))


@pytest.mark.parametrize(
    "due,expected",
    [
        # A deadline at the close of Tuesday: reminded on Monday in its last working hour.
        (msk(2025, 12, 16, 18), msk(2025, 12, 15, 17)),
        # On the Monday after a weekend: the Friday before.
        (msk(2025, 12, 1, 18), msk(2025, 11, 28, 17)),
        # The day before is a pre-holiday day closing at 17:00: its last hour starts at 16:00.
        (msk(2026, 6, 15, 18), msk(2026, 6, 11, 16)),
        # A deadline in the middle of the day keeps its clock time on the day before.
        (msk(2025, 12, 16, 12, 30), msk(2025, 12, 15, 12, 30)),
        # Before the day opens: at its opening.
        (msk(2025, 12, 16, 8), msk(2025, 12, 15, 9)),
    ],
)
def test_a_working_day_before_falls_inside_that_days_hours(
    cal: WorkCalendar, due: datetime, expected: datetime
) -> None:
    moment = shift(cal, due, "-1wd")
    assert moment == expected
    assert cal.is_working_moment(moment), "never in quiet hours, so never carried to the due day"
