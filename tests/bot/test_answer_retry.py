"""An answer is several messages (its parts, the staff's photos, «Проблема решена?»); when
Telegram fails one of them, the retry goes on from there and repeats nothing delivered."""

import asyncio

import pytest
from sqlmodel import select

from models import Item, Outbox, OutboxStatus
from tests.bot.harness import running_system, text_of
from tests.bot.people import FAKE_JPEG
from tests.bot.test_dialogs import bot_report
from tests.helpers import act, actor, outbox
from workflows.items.transitions import Action
from workflows.texts.split import split_plain


@pytest.mark.parametrize(
    "code,times",
    [
        (500, 1),  # Telegram's side fails: the sender backs off and tries again
        (429, 3),  # still throttled after the pacer's own two waits: the sender reschedules
    ],
)
async def test_a_send_failing_midway_resumes_without_repeating(engine, sm, muni, code, times):
    answer = ("Трубу заменили, давление в сети восстановлено. " * 200).strip()
    async with running_system(engine) as sys:
        citizen = await sys.citizen(5001)
        number = await bot_report(sys, citizen, "Нет воды в доме")
        async with sm() as s:
            item = (await s.exec(select(Item).where(Item.number == number))).one()
        water = await actor(sm, "water")
        item = await act(sm, sys.clock, item, Action.take, water)
        photo = sys.emu.bot().add_file("photo", FAKE_JPEG, "done.jpg", "image/jpeg")
        sys.emu.fail_next("sendPhoto", code=code, times=times)
        await act(
            sm,
            sys.clock,
            item,
            Action.answer,
            water,
            text=answer,
            files=(("photo", photo.file_id),),
        )
        await sys.expect(citizen, "Проблема решена?", timeout=30)
        row = await sent(sm, kind="answered")
        messages = citizen.bot_messages()
    parts = [text_of(m) for m in messages if "Трубу заменили" in text_of(m)]
    assert len(parts) == len(split_plain(answer)) >= 2, "each part of the answer once"
    assert sum(1 for m in messages if m.get("photo")) == 1
    assert sum("Проблема решена?" in text_of(m) for m in messages) == 1
    assert row.attempts >= 1 and row.parts_sent == len(parts) + 2


async def sent(sm, *, kind: str, timeout: float = 10.0) -> Outbox:
    """The one outbox row of a kind, once the sender has marked it sent."""
    for _ in range(int(timeout / 0.05)):
        [row] = await outbox(sm, kind=kind)
        if row.status is OutboxStatus.sent:
            return row
        await asyncio.sleep(0.05)
    raise AssertionError(f"«{kind}» не отмечено отправленным: {row.status}")
