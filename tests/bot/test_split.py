"""Long answers reach the citizen whole, in pieces Telegram accepts, cut between words."""

import pytest
from sqlmodel import select

from models import Item
from tests.bot.harness import running_system, text_of
from tests.bot.test_dialogs import bot_report
from tests.helpers import act, actor
from workflows.items.transitions import Action
from workflows.texts.split import split_plain


@pytest.mark.parametrize(
    "text,limit",
    [
        ("слово " * 2000, 3800),
        ("абзац первый\n\n" + "б" * 5000 + "\n\nконец", 3800),
        ("x" * 9000, 4000),  # one endless word: cut hard, nothing lost
    ],
)
def test_split_keeps_every_character_and_the_limit(text, limit):
    parts = split_plain(text, limit)
    assert all(0 < len(p) <= limit for p in parts)
    assert "".join(parts).replace(" ", "").replace("\n", "") == text.strip().replace(
        " ", ""
    ).replace("\n", "")


async def test_a_9000_character_answer_with_markup_arrives_in_pieces(engine, sm, muni):
    async with running_system(engine) as sys:
        citizen = await sys.citizen(5001)
        number = await bot_report(sys, citizen, "Нет воды в доме")
        async with sm() as s:
            item = (await s.exec(select(Item).where(Item.number == number))).one()
        water = await actor(sm, "water")
        item = await act(sm, sys.clock, item, Action.take, water)
        answer = ("Работы выполнены <b>не</b> полностью & продолжатся. " * 180).strip()
        await act(sm, sys.clock, item, Action.answer, water, text=answer)
        await sys.expect(citizen, "Проблема решена?", timeout=20)
        pieces = [text_of(m) for m in citizen.bot_messages() if "Работы выполнены" in text_of(m)]
    assert len(pieces) >= 3 and all(len(p) <= 4096 for p in pieces)
    assert "".join(pieces).count("<b>не</b>") == 180  # shown literally, never parsed as markup
