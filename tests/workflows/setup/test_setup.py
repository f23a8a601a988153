"""Setup files: validation with every problem named, idempotent apply, calendar warnings."""

from datetime import UTC, datetime

import pytest
from sqlmodel import select

from models import CalendarOverride, RoutingRule, Staff
from tests.fixtures import TEST_SETUP
from tests.helpers import register
from workflows.core.clock import FakeClock
from workflows.core.errors import Invalid
from workflows.setup.apply import check_apply_setup, parse_setup


@pytest.mark.parametrize(
    "mutation,message",
    [
        (("assignee: roadman", "assignee: ghost"), "нет сотрудника «ghost»"),
        (("sector: roads}", "sector: rivers}"), "нет блока «rivers»"),
        (("tz: Europe/Moscow", "tz: Mars/Olympus"), "неизвестный часовой пояс"),
        (('{start: "09:00", end: "18:00"}', '{start: "19:00", end: "18:00"}'), "раньше"),
        (("length: 10,", "length: -3,"), "policies.0.length"),
        (("code: msg,", "code: Msg Policy,"), "policies.0.code"),
        (('offset: "+4h"', 'offset: "soon"'), "не понято"),
        (("role: head}", "role: king}"), "staff.0.role"),
        (
            ("{code: hamlet, name: хутор Малый}", "{code: village, name: хутор Малый}"),
            "повторяются коды village",
        ),
        (("municipality:", "municipalitet:"), "municipality"),
    ],
)
def test_bad_setup_names_the_problem(mutation, message):
    bad = TEST_SETUP.replace(*mutation)
    assert bad != TEST_SETUP, "the mutation must apply"
    with pytest.raises(Invalid) as err:
        parse_setup(bad)
    assert message in err.value.reason


@pytest.mark.parametrize("text", ["", "- a list", "municipality: [", "just words"])
def test_not_a_setup_at_all(text):
    with pytest.raises(Invalid):
        parse_setup(text)


async def test_reapply_changes_nothing_and_dropped_staff_are_switched_off(sm, clock, muni):
    async with sm() as s:
        again = await check_apply_setup(s, text=TEST_SETUP, clock=clock)
    assert all("без изменений" in k for k in again.counts)
    smaller = TEST_SETUP.replace(
        "  - {code: heat, name: Исполнитель отопление, role: recipient, sector: zhkh}\n", ""
    ).replace(
        '  - {code: water, keywords: [вода, водопровод, "прорыв трубы"], assignee: water}\n', ""
    )
    async with sm() as s:
        report = await check_apply_setup(s, text=smaller, clock=clock)
        heat = (await s.exec(select(Staff).where(Staff.code == "heat"))).one()
        rule = (await s.exec(select(RoutingRule).where(RoutingRule.code == "water"))).one()
    assert report.counts["сотрудников отключено"] == 1 and not heat.active
    assert not rule.active
    item = await register(sm, clock, muni, "Нет воды")
    assert item.assignee_id is None  # the switched-off rule no longer routes


async def test_keywords_are_stored_as_lemmas(sm, muni):
    async with sm() as s:
        rule = (await s.exec(select(RoutingRule).where(RoutingRule.code == "water"))).one()
    assert rule.keywords == ["вода", "водопровод", "прорыв труба"]


async def test_local_day_off_moves_a_deadline(sm, clock, muni):
    # Without the override: 10 working days from Tue 2 Dec 2025 -> Tue 16 Dec.
    with_day_off = TEST_SETUP + (
        "calendar:\n  overrides:\n    - {day: 2025-12-10, working: false, note: праздник села}\n"
    )
    async with sm() as s:
        await check_apply_setup(s, text=with_day_off, clock=clock)
        assert len(list(await s.exec(select(CalendarOverride)))) == 1
    item = await register(sm, clock, muni, "Нет воды")
    assert item.due_at == datetime(2025, 12, 17, 15, 0, tzinfo=UTC)


async def test_unknown_calendar_year_is_warned_about(sm):
    late = FakeClock(datetime(2027, 6, 1, tzinfo=UTC))
    async with sm() as s:
        report = await check_apply_setup(s, text=TEST_SETUP, clock=late)
    assert any("2028" in w for w in report.warnings)
    confirmed = TEST_SETUP + "calendar:\n  confirmed_years: [2028]\n"
    async with sm() as s:
        report = await check_apply_setup(s, text=confirmed, clock=late)
    assert report.warnings == []
