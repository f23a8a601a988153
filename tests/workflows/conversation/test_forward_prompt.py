"""«Переадресовать» on an appeal's card in a chat: the card offers it instead of «Не наше», the
picker lists the bodies less the one complained about, the reason typed forwards the appeal."""

from sqlmodel import select

from models import Item, ItemStatus, Letter
from tests.helpers import act, actor
from tests.workflows.appeals.forward_kit import appeal, apply_appeal_setup, body
from tests.workflows.conversation.talk import Talk, bind_staff, choice, runtime
from workflows.conversation.cards import card_options
from workflows.items.transitions import Action
from workflows.items.views import get_item_view


async def test_staff_forward_an_appeal_from_the_card(engine, sm, muni, clock):
    await apply_appeal_setup(sm, clock)
    rt = runtime(engine, clock)
    await bind_staff(rt, "water", 9001)
    housing = await body(sm, "housing")
    item = await appeal(
        sm, clock, muni, "Нет воды в доме, прошу разобраться", complained=housing.id
    )
    item = await act(sm, clock, item, Action.take, await actor(sm, "water"))
    async with sm() as s:
        view = await get_item_view(s, item_id=item.id or 0)
    labels = [o.label for o in card_options(view, await actor(sm, "water"))]
    assert "↪️ Переадресовать" in labels and "↪️ Не наше" not in labels
    water = Talk(rt, muni, 9001)
    await water.send(choice("fw", item.id or 0, item.version))
    assert "В какой орган" in water.text() and "Жилищная инспекция" not in water.labels()
    await water.press("Прокуратура района")
    assert (await water.state())[0] == "staff.text" and "компетенции" in water.text()
    await water.send("Вопрос прокурорского надзора")
    async with sm() as s:
        fresh = await s.get(Item, item.id)
        kinds = [x.kind for x in await s.exec(select(Letter).where(Letter.item_id == item.id))]
    assert fresh is not None and fresh.status is ItemStatus.redirected
    assert kinds == ["covering", "forwarded"]
