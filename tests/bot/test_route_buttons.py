"""The routing model's suggestions on the operator's triage card in Telegram: «➡️ Дороги (NN%)»
assigns the item to that sector's lead; the same button pressed again, on a card that has
moved on, changes nothing and says so."""

import re

from sqlmodel import select

from bot.telegram.render import Opt
from models import Item, ItemEvent, Sector
from tests.bot.harness import running_system
from tests.helpers import register, staff
from tests.workflows.routing.routing_kit import routing_dir, save_own, tiny_model, with_routing
from workflows.setup.apply import check_apply_setup

__all__ = ["routing_dir"]
SUGGESTION = re.compile(r"^➡️ (.+) \((\d+)%\)$")


async def test_a_suggestion_button_assigns_to_the_lead_and_a_stale_press_changes_nothing(
    engine, sm, muni, routing_dir
):
    async with running_system(engine) as sys:
        async with sm() as s:
            await check_apply_setup(s, text=with_routing(auto_at=1.0), clock=sys.clock)
        await save_own(sm, muni, tiny_model(), sys.clock.now())
        operator = await sys.staff_user("operator", 9005)
        lead = await sys.staff_user("lead_roads", 9006)
        item = await register(sm, sys.clock, muni, "светофор на перекрёстке не работает")
        card = await sys.expect(operator, item.number)
        found = [m for b in operator.button_texts(card) if (m := SUGGESTION.match(b))]
        assert [m.group(1) for m in found] == ["Дороги", "ЖКХ"]  # most likely first
        shares = [int(m.group(2)) for m in found]
        assert shares[0] > shares[1] and 50 < shares[0] <= 100
        assert item.route_hint is not None
        assert shares[0] == round(100 * item.route_hint["suggestions"][0]["p"])
        await operator.press(card, found[0].group(0))
        await sys.expect(operator, f"{item.number}: передано")
        await sys.expect(lead, item.number)  # the lead's «Новое сообщение» card
        async with sm() as s:
            roads = (await s.exec(select(Sector).where(Sector.code == "roads"))).one()
        stale = Opt(act="rs", a=item.id or 0, b=item.version, c=roads.id or 0).pack()
        await operator.press_data(card, stale)
        await sys.expect(operator, "уже изменилось")
    async with sm() as s:
        fresh = await s.get(Item, item.id)
        assigns = list(await s.exec(select(ItemEvent).where(ItemEvent.action == "assign")))
    assert fresh is not None and fresh.assignee_id == (await staff(sm, "lead_roads")).id
    assert fresh.version == item.version + 1
    assert len(assigns) == 1 and assigns[0].actor_kind.value == "staff"
    assert "by" not in assigns[0].data  # the operator decided, the model only suggested
