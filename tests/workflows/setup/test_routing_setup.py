"""The setup's `routing:` mapping: its rules as before, and the learned routing's settings in
`municipality.routing`; an unknown category or sector, or a threshold out of range, is a
Russian refusal that changes nothing."""

import pytest
from sqlmodel import select

from models import Municipality, RoutingRule
from tests.fixtures import TEST_SETUP
from tests.test_embedded import ROOT
from tests.workflows.routing.routing_kit import with_routing
from workflows.core.errors import Invalid
from workflows.routing.weekly import retrains
from workflows.setup.apply import check_apply_setup, parse_setup
from workflows.setup.read import get_setup

TABLE = "  categories:\n    Кровля: zhkh\n    Повреждения или неисправность элементов уличной инфраструктуры: roads\n"


async def stored(sm) -> tuple[dict, int]:
    async with sm() as s:
        m = (await s.exec(select(Municipality))).one()
        rules = len(list(await s.exec(select(RoutingRule))))
    return m.routing, rules


async def test_the_mapping_fills_the_municipality_and_keeps_the_rules(sm, clock, muni):
    _, rules = await stored(sm)
    async with sm() as s:
        await check_apply_setup(s, text=with_routing(auto_at=0.8, categories=TABLE), clock=clock)
    routing, rules_after = await stored(sm)
    assert rules_after == rules == 3
    assert routing == {
        "auto_at": 0.8,
        "own_from": 40,
        "categories": {
            "Кровля": "zhkh",
            "Повреждения или неисправность элементов уличной инфраструктуры": "roads",
        },
    }
    async with sm() as s:
        back = await get_setup(s, municipality_id=muni)
    assert back["municipality"]["routing"] == routing and len(back["routing"]) == 3
    async with sm() as s:
        assert retrains((await s.exec(select(Municipality))).one())
    async with sm() as s:  # no table: said, since the starter then suggests nothing
        report = await check_apply_setup(s, text=with_routing(auto_at=0.8), clock=clock)
    assert any("нет таблицы categories" in w and "от 40 решений" in w for w in report.warnings)
    async with sm() as s:  # the plain list again: learned routing off, never retrained weekly
        await check_apply_setup(s, text=TEST_SETUP, clock=clock)
    assert (await stored(sm))[0] == {}
    async with sm() as s:
        assert not retrains((await s.exec(select(Municipality))).one())


@pytest.mark.parametrize(
    ("table", "auto_at", "message"),
    [
        ("  categories:\n    Снег и лёд: zhkh\n", 0.9, "неизвестные категории «Снег и лёд»"),
        ("  categories:\n    Кровля: parks\n", 0.9, "«Кровля» → нет блока «parks»"),
        ("", 0.3, "auto_at"),
        ("", 1.5, "auto_at"),
        ("  weights: 3\n", 0.9, "weights"),
        (
            "  retrain: нет\n",
            0.9,
            "routing.retrain: укажите true (переобучать модель каждую неделю)",
        ),
        ("  retrain: 0\n", 0.9, "или false (только командой mcu routing train), а не «0»"),
    ],
)
async def test_a_bad_routing_table_is_refused_and_changes_nothing(
    sm, clock, muni, table, auto_at, message
):
    before = await stored(sm)
    async with sm() as s:
        with pytest.raises(Invalid, match="ошибки в файле настройки") as err:
            await check_apply_setup(
                s, text=with_routing(auto_at=auto_at, categories=table), clock=clock
            )
    assert message in err.value.reason
    assert await stored(sm) == before


def test_learned_routing_is_not_a_key_of_its_own() -> None:
    with pytest.raises(Invalid, match="внутри routing"):
        parse_setup(TEST_SETUP + "learned_routing: {auto_at: 0.9}\n")


def test_the_bezhta_table_maps_categories_to_its_sectors() -> None:
    spec = parse_setup((ROOT / "setup" / "bezhta.yaml").read_text(encoding="utf-8"))
    table = spec.learned_routing.categories
    assert len(table) >= 12 and set(table.values()) <= {s.code for s in spec.sectors}
    assert table["Кровля"] == "zhkh" and spec.learned_routing.auto_at == 0.95
    assert len(spec.routing) > 5  # the rules are still there
