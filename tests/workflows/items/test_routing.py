"""Routing keeps the sector an item was registered under: only that sector's rules route it, and
an item of a sector that no rule matches goes to the sector's lead, not to triage."""

from sqlmodel import select

from models import ItemStatus, Sector
from tests.fixtures import TEST_SETUP
from tests.helpers import outbox, register, staff
from workflows.setup.apply import check_apply_setup

# Two more sectors: waste (ТКО, with a lead) and education (a recipient, no lead), and a keyword
# rule for schools that routes to the education recipient.
WITH_SCHOOLS = (
    TEST_SETUP.replace(
        "  - {code: roads, name: Дороги}\n",
        "  - {code: roads, name: Дороги}\n  - {code: tko, name: ТКО}\n"
        "  - {code: edu, name: Образование}\n",
    )
    .replace(
        "  - {code: roadman,",
        "  - {code: lead_tko, name: Руководитель блока ТКО, role: sector_lead, sector: tko}\n"
        "  - {code: teacher, name: Исполнитель образование, role: recipient, sector: edu}\n"
        "  - {code: roadman,",
    )
    .replace(
        "routing:\n",
        "routing:\n  - {code: school, keywords: [школа], assignee: teacher}\n",
    )
)


async def sector_id(sm, code: str) -> int:
    async with sm() as s:
        return (await s.exec(select(Sector).where(Sector.code == code))).one().id or 0


async def with_schools(sm, clock) -> None:
    async with sm() as s:
        await check_apply_setup(s, text=WITH_SCHOOLS, clock=clock)


async def test_a_keyword_rule_of_another_sector_does_not_take_the_item(sm, clock, muni):
    await with_schools(sm, clock)
    tko = await sector_id(sm, "tko")
    item = await register(sm, clock, muni, "Контейнеры у школы переполнены", sector_id=tko)
    lead = await staff(sm, "lead_tko")
    assert (item.status, item.sector_id, item.assignee_id) == (ItemStatus.assigned, tko, lead.id)
    assert [n.staff_id for n in await outbox(sm, kind="assigned")] == [lead.id]
    assert await outbox(sm, kind="triage") == []
    # Without a sector, the school rule still routes it (to education).
    other = await register(sm, clock, muni, "Контейнеры у школы переполнены")
    assert other.assignee_id == (await staff(sm, "teacher")).id


async def test_an_item_of_a_sector_that_no_rule_matches_goes_to_its_lead(sm, clock, muni):
    roads = await sector_id(sm, "roads")
    item = await register(sm, clock, muni, "Не работает светофор на перекрёстке", sector_id=roads)
    assert item.status is ItemStatus.assigned
    assert item.assignee_id == (await staff(sm, "lead_roads")).id
    assert await outbox(sm, kind="triage") == []


async def test_the_sectors_own_rules_and_people_still_route_it(sm, clock, muni):
    zhkh, roads = await sector_id(sm, "zhkh"), await sector_id(sm, "roads")
    water = await register(sm, clock, muni, "Нет воды, прорвало трубу", sector_id=zhkh)
    assert water.assignee_id == (await staff(sm, "water")).id  # a rule for anyone, water's in ЖКХ
    pothole = await register(sm, clock, muni, "Яма на дороге", sector_id=roads)
    assert pothole.assignee_id == (await staff(sm, "roadman")).id
    # «яма» is a roads word, but the citizen said ЖКХ: it stays in ЖКХ, with its lead.
    yard = await register(sm, clock, muni, "Яма во дворе, течёт из-под люка", sector_id=zhkh)
    assert yard.assignee_id == (await staff(sm, "lead_zhkh")).id and yard.sector_id == zhkh


async def test_an_item_of_a_sector_without_a_lead_waits_in_triage(sm, clock, muni):
    await with_schools(sm, clock)
    edu = await sector_id(sm, "edu")
    item = await register(sm, clock, muni, "Покрасить забор", sector_id=edu)
    assert item.status is ItemStatus.new and item.assignee_id is None and item.sector_id == edu
    assert [n.staff_id for n in await outbox(sm, kind="triage")] == [
        (await staff(sm, "operator")).id
    ]
