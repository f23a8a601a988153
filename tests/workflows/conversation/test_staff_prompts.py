"""Every staff prompt (answer, question, redirect, reject, extension reasons): any command
typed there is refused with the item's number and changes nothing; /cancel and the cancel
option leave it; only then is text taken for the prompt's action."""

import pytest
from sqlmodel import select

from models import Item, ItemEvent, ItemKind
from tests.helpers import register
from tests.workflows.conversation.talk import Talk, bind_staff, choice, runtime

# (who presses, the card's code, a picker's choice first if any, the item's kind)
PROMPTS = {
    "answer": ("water", "an", None, ItemKind.message),
    "ask_clarification": ("water", "as", None, ItemKind.message),
    "redirect": ("water", "rd", None, ItemKind.message),
    "reject": ("water", "rj", None, ItemKind.message),
    "extend": ("head", "ex", 5, ItemKind.message),
    "request_extension": ("water", "rx", 5, ItemKind.appeal_59fz),
}


async def at_prompt(rt, sm, clock, muni, action: str) -> tuple[Talk, Item]:
    who, code, days, kind = PROMPTS[action]
    await bind_staff(rt, "water", 9001)
    await bind_staff(rt, "head", 9010)
    item = await register(sm, clock, muni, "Нет воды", kind=kind)
    water = Talk(rt, muni, 9001)
    await water.send(choice("tk", item.id or 0, item.version))
    async with sm() as s:
        fresh = await s.get(Item, item.id)
    assert fresh is not None
    talk = water if who == "water" else Talk(rt, muni, 9010)
    await talk.send(choice(code, item.id or 0, fresh.version))
    if days is not None:
        await talk.send(choice("pd", item.id or 0, fresh.version, days))
    assert (await talk.state())[0] == "staff.text", talk.text()
    return talk, fresh


async def events(sm, item_id: int) -> list[str]:
    async with sm() as s:
        rows = await s.exec(select(ItemEvent).where(ItemEvent.item_id == item_id))
        return [e.action for e in rows]


@pytest.mark.parametrize("action", sorted(PROMPTS))
async def test_commands_at_the_prompt_change_nothing(engine, sm, muni, clock, action):
    rt = runtime(engine, clock)
    talk, item = await at_prompt(rt, sm, clock, muni, action)
    before = await events(sm, item.id or 0)
    for command in ("/start", "/inbox", "/stats", "/help", "/delete_me", "/x"):
        await talk.send(command)
        assert item.number in talk.text() and "/cancel" in talk.text(), (command, talk.text())
        assert (await talk.state())[0] == "staff.text"
    assert await events(sm, item.id or 0) == before
    await talk.send("/cancel")
    assert "ничего не изменилось" in talk.text() and (await talk.state())[0] is None
    await talk.send("Это не ответ")
    assert await events(sm, item.id or 0) == before


@pytest.mark.parametrize("action", sorted(PROMPTS))
async def test_the_cancel_option_leaves_and_text_then_acts(engine, sm, muni, clock, action):
    rt = runtime(engine, clock)
    talk, item = await at_prompt(rt, sm, clock, muni, action)
    await talk.press("❌ Отменить")
    assert (await talk.state())[0] is None
    _, code, days, _ = PROMPTS[action]
    await talk.send(choice(code, item.id or 0, item.version))
    if days is not None:
        await talk.send(choice("pd", item.id or 0, item.version, days))
    await talk.send("Текст для действия")
    assert "Готово" in talk.text(), talk.text()
    assert action in await events(sm, item.id or 0)
