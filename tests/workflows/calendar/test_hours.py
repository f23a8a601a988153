"""Working hours true to the hour: pre-holiday days, lunch breaks, years without a decree."""

from __future__ import annotations

import warnings
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from workflows.calendar.work_calendar import CalendarWarning, DayOverride, WorkCalendar

MSK = ZoneInfo("Europe/Moscow")
LUNCH = (time(13), time(14))


def msk(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=MSK)


def short_days(cal: WorkCalendar, year: int) -> list[date]:
    day, out = date(year, 1, 1), []
    while day.year == year:
        if cal.is_pre_holiday(day):
            out.append(day)
        day += timedelta(days=1)
    return out


# ---- pre-holiday days (Labour Code art. 95) ----------------------------------------------------


@pytest.mark.parametrize(
    ("year", "expected"),
    [
        # The official calendars' shortened days; 2 Nov 2024 and 1 Nov 2025 are decreed working
        # Saturdays standing in for the eve of a holiday (30 Apr 2024, 3 Nov 2025).
        (2024, [date(2024, 2, 22), date(2024, 3, 7), date(2024, 5, 8), date(2024, 6, 11),
                date(2024, 11, 2)]),
        (2025, [date(2025, 3, 7), date(2025, 4, 30), date(2025, 6, 11), date(2025, 11, 1)]),
        (2026, [date(2026, 4, 30), date(2026, 5, 8), date(2026, 6, 11), date(2026, 11, 3)]),
    ],
)  # fmt: skip
def test_pre_holiday_days_are_the_official_ones(year: int, expected: list[date]) -> None:
    assert short_days(WorkCalendar(tz=MSK), year) == expected


@pytest.mark.parametrize(("year", "norm"), [(2024, 1979), (2025, 1972), (2026, 1972)])
def test_eight_hour_day_gives_the_official_norm(year: int, norm: int) -> None:
    # 09:00-18:00 with an hour's lunch is the 40-hour week the norms are published for.
    cal = WorkCalendar(tz=MSK, lunch=LUNCH)
    assert cal.working_time_between(msk(year, 1, 1), msk(year + 1, 1, 1)) == timedelta(hours=norm)


def test_take_deadline_on_the_afternoon_before_russia_day() -> None:
    # Thu 11 June 2026 closes at 17:00 (Fri 12 June is a holiday): 2 h there, 2 h on Mon 15 June.
    cal = WorkCalendar(tz=MSK)
    assert cal.day_end(date(2026, 6, 11)) == msk(2026, 6, 11, 17)
    assert cal.add_working_hours(msk(2026, 6, 11, 15), 4) == msk(2026, 6, 15, 11)
    assert cal.add_working_hours(msk(2026, 6, 11, 15), 2) == msk(2026, 6, 11, 17)
    assert not cal.is_working_moment(msk(2026, 6, 11, 17, 30))
    assert cal.next_working_moment(msk(2026, 6, 11, 17)) == msk(2026, 6, 15, 9)


def test_working_day_deadline_on_an_eve_ends_when_the_office_closes() -> None:
    cal = WorkCalendar(tz=MSK)
    assert cal.add_working_days(msk(2026, 6, 10, 10), 1) == msk(2026, 6, 11, 17)
    assert cal.add_working_days(msk(2026, 6, 9, 10), 1) == msk(2026, 6, 10, 18)


def test_a_local_override_of_the_eve_or_the_holiday() -> None:
    # Russia Day made working locally: 11 June is an ordinary day again.
    cal = WorkCalendar(tz=MSK, overrides=[DayOverride(date(2026, 6, 12), True)])
    assert cal.day_end(date(2026, 6, 11)) == msk(2026, 6, 11, 18)
    # Saturday 7 March 2026 made working locally: it is the eve of 8 March, so it is shortened.
    sat = WorkCalendar(tz=MSK, overrides=[DayOverride(date(2026, 3, 7), True)])
    assert sat.day_end(date(2026, 3, 7)) == msk(2026, 3, 7, 17)


# ---- lunch breaks ------------------------------------------------------------------------------


def test_lunch_is_not_working_time() -> None:
    cal = WorkCalendar(tz=MSK, lunch=LUNCH)
    assert cal.add_working_hours(msk(2025, 12, 2, 11), 4) == msk(2025, 12, 2, 16)
    # Exactly filling the morning ends at 13:00, not after lunch.
    assert cal.add_working_hours(msk(2025, 12, 2, 11), 2) == msk(2025, 12, 2, 13)
    assert cal.add_working_hours(msk(2025, 12, 2, 13, 30), 1) == msk(2025, 12, 2, 15)
    assert not cal.is_working_moment(msk(2025, 12, 2, 13, 30))
    assert cal.next_working_moment(msk(2025, 12, 2, 13, 30)) == msk(2025, 12, 2, 14)
    assert cal.working_time_between(msk(2025, 12, 2, 12), msk(2025, 12, 2, 15)) == timedelta(
        hours=2
    )
    assert cal.day_length == timedelta(hours=8)


def test_working_time_across_a_lunch_and_a_pre_holiday_day() -> None:
    cal = WorkCalendar(tz=MSK, lunch=LUNCH)
    # Thu 11 June 2026 10:00-17:00 less lunch = 6 h; Mon 15 June 09:00-12:00 = 3 h.
    span = cal.working_time_between(msk(2026, 6, 11, 10), msk(2026, 6, 15, 12))
    assert span == timedelta(hours=9)
    end = cal.add_working_hours(msk(2026, 6, 11, 10), 9)
    assert end == msk(2026, 6, 15, 12)


def test_pre_holiday_hour_comes_off_the_end_even_across_a_late_lunch() -> None:
    # Lunch 16:30-17:30: the eve loses 17:30-18:00 and 16:00-16:30, so it ends at 16:00.
    cal = WorkCalendar(tz=MSK, lunch=(time(16, 30), time(17, 30)))
    assert cal.day_end(date(2026, 6, 11)) == msk(2026, 6, 11, 16)
    assert cal.working_time_between(msk(2026, 6, 11), msk(2026, 6, 12)) == timedelta(hours=7)


@pytest.mark.parametrize(
    "lunch",
    [
        (time(8), time(9)),  # before the day starts
        (time(17), time(19)),  # runs past closing time
        (time(14), time(13)),  # ends before it starts
        (time(13), time(13)),
    ],
)
def test_bad_lunch_is_refused(lunch: tuple[time, time]) -> None:
    with pytest.raises(ValueError, match="lunch"):
        WorkCalendar(tz=MSK, lunch=lunch)


# ---- years without a decree (2028 on) -----------------------------------------------------------


def test_2028_holiday_on_saturday_moves_to_monday() -> None:
    cal = WorkCalendar(tz=MSK, confirmed_years=[2028])
    assert cal.is_working_day(date(2028, 11, 4)) is False  # Unity Day, a Saturday
    assert cal.is_working_day(date(2028, 11, 6)) is False  # art. 112 part 2: Monday off
    assert cal.is_working_day(date(2028, 11, 7)) is True
    assert cal.add_working_days(msk(2028, 11, 3, 10), 1) == msk(2028, 11, 7, 18)
    assert cal.is_pre_holiday(date(2028, 11, 3))  # Friday right before the Saturday holiday
    # January holidays on a weekend move nothing (part 2 excludes them): 10 Jan is working.
    assert cal.is_working_day(date(2028, 1, 10)) is True


def test_labour_code_rule_matches_the_decreed_moves() -> None:
    # Where the decrees only applied part 2, the computed rule finds the same Mondays.
    from workflows.calendar.national import labour_code_days_off

    assert {date(2026, 3, 9), date(2026, 5, 11)} <= labour_code_days_off(2026)
    assert {date(2027, 5, 3), date(2027, 5, 10), date(2027, 6, 14)} <= labour_code_days_off(2027)
    assert date(2027, 1, 11) not in labour_code_days_off(2027)  # 2 Jan 2027 is a Saturday


def test_assumed_calendar_is_told_and_still_warned() -> None:
    cal = WorkCalendar(tz=MSK)
    assert cal.assumed(date(2026, 6, 11)) is False
    assert cal.assumed(date(2027, 3, 1)) is False
    with pytest.warns(CalendarWarning, match="2028"):
        assert cal.assumed(date(2028, 11, 6)) is True
        cal.is_working_day(date(2028, 11, 6))
    confirmed = WorkCalendar(tz=MSK, confirmed_years=[2028])
    with warnings.catch_warnings():
        warnings.simplefilter("error", CalendarWarning)
        assert confirmed.assumed(date(2028, 11, 6)) is False
