"""Registration with the routing model: rules first; above the municipality's threshold the
model assigns to the sector's lead, below it the operator triages with its suggestions; a
missing or corrupt model file, an empty or foreign text never stop a registration."""

from pathlib import Path

import pytest
from sqlmodel import col, select

from models import Channel, Item, ItemEvent, ItemKind, ItemStatus, PlaceKind, Sector
from tests.appeal_setup import APPEAL_SETUP
from tests.helpers import act, actor, outbox, register, staff
from tests.workflows.routing.routing_kit import save_own, tiny_model, with_routing
from workflows.core.errors import Invalid
from workflows.items.appeal.intake import AppealIntake
from workflows.items.register import NewItem, check_register_item
from workflows.items.transitions import Action
from workflows.routing.model import TextModel
from workflows.setup.apply import check_apply_setup


@pytest.fixture(scope="module")
def model() -> TextModel:
    return tiny_model()


async def apply(sm, clock, text: str) -> None:
    async with sm() as s:
        await check_apply_setup(s, text=text, clock=clock)


async def sectors(sm) -> dict[str, int]:
    async with sm() as s:
        return {x.code: x.id or 0 for x in await s.exec(select(Sector))}


async def events(sm, item: Item) -> list[ItemEvent]:
    async with sm() as s:
        q = select(ItemEvent).where(ItemEvent.item_id == item.id).order_by(col(ItemEvent.id))
        return list(await s.exec(q))


async def test_a_sure_model_assigns_to_the_sectors_lead(sm, clock, muni, routing_dir, model):
    await apply(sm, clock, with_routing(auto_at=0.6))
    row = await save_own(sm, muni, model, clock.now())
    item = await register(sm, clock, muni, "огромные сосульки висят на крыше над подъездом")
    lead = await staff(sm, "lead_zhkh")
    assert (item.status, item.assignee_id) == (ItemStatus.assigned, lead.id)
    hint = item.route_hint
    assert hint is not None and hint["auto"] is True and hint["model"] == row.version
    assert hint["suggestions"][0]["sector_id"] == (await sectors(sm))["zhkh"]
    assign = [e for e in await events(sm, item) if e.action == "assign"]
    assert assign[0].data["by"] == "model" and assign[0].data["model"] == row.version
    assert assign[0].data["p"] >= 0.6 and assign[0].data["assignee_id"] == lead.id
    assert await outbox(sm, kind="triage") == []


async def test_below_the_threshold_the_operator_triages_with_suggestions(
    sm, clock, muni, routing_dir, model
):
    await apply(sm, clock, with_routing(auto_at=1.0))  # nothing is that sure
    await save_own(sm, muni, model, clock.now())
    item = await register(sm, clock, muni, "светофор на перекрёстке опять не работает")
    assert item.status is ItemStatus.new and item.assignee_id is None
    hint = item.route_hint
    assert hint is not None and hint["auto"] is False
    ids = await sectors(sm)
    assert [s["sector_id"] for s in hint["suggestions"]] == [ids["roads"], ids["zhkh"]]
    (triage,) = await outbox(sm, kind="triage")
    assert triage.payload["suggestions"][0]["sector"] == "Дороги"
    assert triage.payload["suggestions"][0]["p"] > triage.payload["suggestions"][1]["p"]


async def test_without_auto_at_or_the_models_threshold_it_only_suggests(
    sm, clock, muni, routing_dir, model
):
    await apply(sm, clock, with_routing(auto_at=None))
    await save_own(sm, muni, model, clock.now())
    first = await register(sm, clock, muni, "сосульки на крыше дома")
    await apply(sm, clock, with_routing(auto_at=0.5))
    await save_own(sm, muni, model, clock.now(), threshold=None)  # the model found no threshold
    second = await register(sm, clock, muni, "сосульки на крыше дома")
    for item in (first, second):
        assert item.status is ItemStatus.new and item.route_hint is not None
        assert item.route_hint["auto"] is False and item.route_hint["suggestions"]


async def test_rules_come_first(sm, clock, muni, routing_dir, model):
    await apply(sm, clock, with_routing(auto_at=0.5))
    await save_own(sm, muni, model, clock.now())
    item = await register(sm, clock, muni, "во дворе дома прорвало водопровод")
    assert item.assignee_id == (await staff(sm, "water")).id
    assert item.route_hint is None  # the model was not asked
    assert all("by" not in e.data for e in await events(sm, item))


async def test_the_citizens_where_it_is_reaches_the_model(sm, clock, muni, routing_dir):
    """The same words about rubbish: a model that learned kinds of place routes the item said
    to be in a house to ЖКХ and the one on a street to the roads; a forged kind is refused."""
    texts = ["мусор не убирают", "грязно и мусор", "мусор лежит неделю"] * 4
    kinds = [PlaceKind.house, PlaceKind.street] * 6
    labels = ["zhkh" if k is PlaceKind.house else "roads" for k in kinds]
    await apply(sm, clock, with_routing(auto_at=1.0))  # suggestions only: the order tells
    await save_own(sm, muni, TextModel.train(texts, labels, kinds), clock.now())
    ids = await sectors(sm)
    house = await register(sm, clock, muni, "опять мусор", place_kind=PlaceKind.house)
    street = await register(sm, clock, muni, "опять мусор", place_kind=PlaceKind.street)
    assert (house.place_kind, street.place_kind) == ("house", "street")
    for item, top in ((house, "zhkh"), (street, "roads")):
        assert item.route_hint is not None
        first = item.route_hint["suggestions"][0]
        assert first["sector_id"] == ids[top] and first["p"] > 0.5, item.route_hint
    with pytest.raises(Invalid, match="вид места"):
        await register(sm, clock, muni, "опять мусор", place_kind="roof")


@pytest.mark.parametrize("text", ["!!! 🙂 ???", "the street light is broken again"])
async def test_an_empty_or_foreign_text_gets_no_suggestion(
    sm, clock, muni, routing_dir, model, text
):
    await apply(sm, clock, with_routing(auto_at=0.5))
    await save_own(sm, muni, model, clock.now())
    item = await register(sm, clock, muni, text)
    assert item.status is ItemStatus.new and item.assignee_id is None
    assert item.route_hint is not None and item.route_hint["suggestions"] == []
    (triage,) = await outbox(sm, kind="triage")
    assert "suggestions" not in triage.payload


@pytest.mark.parametrize("damage", ["missing", "corrupt"])
async def test_a_broken_model_file_leaves_rules_and_triage_and_tells_the_operator_once(
    sm, clock, muni, routing_dir: Path, model, damage
):
    await apply(sm, clock, with_routing(auto_at=0.5))
    row = await save_own(sm, muni, model, clock.now())
    path = routing_dir / row.file
    if damage == "missing":
        path.unlink()
    else:
        path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])
    first = await register(sm, clock, muni, "сосульки на крыше дома")
    second = await register(sm, clock, muni, "светофор не работает на перекрёстке")
    ruled = await register(sm, clock, muni, "прорвало водопровод")
    assert [i.status for i in (first, second)] == [ItemStatus.new] * 2
    assert first.route_hint is None and second.route_hint is None
    assert ruled.assignee_id == (await staff(sm, "water")).id
    assert len(await outbox(sm, kind="triage")) == 2
    (told,) = await outbox(sm, kind="routing_model")  # once, to the one operator
    assert told.staff_id == (await staff(sm, "operator")).id
    word = "не найден" if damage == "missing" else "повреждён"
    assert word in told.payload["text"] and "mcu routing train" in told.payload["text"]


async def test_the_starter_suggests_through_the_category_table(sm, clock, muni, routing_dir):
    table = "  categories:\n    Кровля: zhkh\n    Благоустройство: zhkh\n"
    await apply(sm, clock, with_routing(auto_at=0.5, categories=table))
    texts = ["течёт крыша", "протекает кровля", "крыша течёт в квартиру"] * 3
    texts += ["во дворе грязно", "не убрана детская площадка", "сломана скамейка во дворе"] * 3
    texts += ["провод висит на фасаде", "фасад облупился", "трещина на фасаде"] * 3
    labels = ["Кровля"] * 9 + ["Благоустройство"] * 9 + ["Фасад"] * 9
    starter = TextModel.train(texts, labels)
    from workflows.core.tx import committing
    from workflows.routing.store import STARTER, NewVersion, do_save_version

    async with sm() as s, committing(s):
        await do_save_version(
            s,
            municipality_id=None,
            owner_code=STARTER,
            new=NewVersion(starter, STARTER, 27, {"threshold": 0.99}, active=True),
            now=clock.now(),
        )
    item = await register(sm, clock, muni, "течёт крыша над подъездом")
    hint = item.route_hint
    assert hint is not None
    # Фасад is not in the table: only ЖКХ is suggested, with Кровля and Благоустройство summed.
    assert [s["sector_id"] for s in hint["suggestions"]] == [(await sectors(sm))["zhkh"]]


async def test_an_appeal_is_routed_by_the_model_when_registered_and_by_the_register_action(
    sm, clock, muni, routing_dir, model
):
    await apply(sm, clock, with_routing(auto_at=0.6, base=APPEAL_SETUP))
    await save_own(sm, muni, model, clock.now())
    lead = await staff(sm, "lead_zhkh")
    item = await register(
        sm, clock, muni, "на крыше дома висят огромные сосульки", kind=ItemKind.appeal_59fz
    )
    assert item.assignee_id == lead.id
    assert item.route_hint is not None and item.route_hint["auto"] is True
    async with sm() as s:
        received = await check_register_item(
            s,
            clock=clock,
            municipality_id=muni,
            actor=await actor(sm, "operator"),
            new=NewItem(
                kind=ItemKind.appeal_59fz,
                channel=Channel.paper,
                text="на крыше дома висят сосульки, страшно ходить",
                received_at=clock.now(),
                appeal=AppealIntake(name="Орлов", register_now=False),
            ),
        )
    assert received.status is ItemStatus.received and received.route_hint is None
    done = await act(sm, clock, received, Action.register, await actor(sm, "operator"))
    assert (done.status, done.assignee_id) == (ItemStatus.assigned, lead.id)
    assert done.route_hint is not None and done.route_hint["auto"] is True
    (ev,) = [e for e in await events(sm, done) if e.action == "register"]
    assert ev.data["by"] == "model" and ev.data["assignee_id"] == lead.id
