"""VK's refusals as VK returns them, handled like Telegram's: too many requests (6) waited out
and paced, flood control (9), an internal error (10) and a rejected token (5) retried later,
never lost and never doubled; a send repeated after a crash (the row not yet marked sent)
reaches the resident once, because its random_id comes from the outbox row."""

import asyncio

import pytest
from sqlalchemy import update
from sqlmodel import col, select

from models import Item, Outbox, OutboxStatus
from tests.bot.vk.harness import GROUP, VkSystem, running_vk
from tests.helpers import act, actor
from workflows.items.transitions import Action


async def reported(sys: VkSystem, uid: int = 7001) -> Item:
    resident = await sys.consented(uid)
    await resident.press_text_button(GROUP, None, "📝 Сообщить о проблеме")
    await resident.press_callback_button(
        GROUP, await sys.expect(resident, "О чём ваше сообщение"), "ЖКХ"
    )
    await sys.expect(resident, "Опишите проблему")
    await resident.write(GROUP, "Нет воды в доме")
    await resident.press_callback_button(GROUP, await sys.expect(resident, "Записал"), "Готово ➡️")
    place = await sys.expect(resident, "Где это?")
    await resident.send_geo(GROUP, 42.1, 46.3)  # the shared location instead of a village
    summary = await sys.expect(resident, "Проверьте")
    assert "геопозиция" in summary["text"]
    await resident.press_callback_button(GROUP, summary, "✅ Отправить")
    await sys.expect(resident, "зарегистрировано")
    assert place
    async with sys.rt.sm() as s:
        return (await s.exec(select(Item))).one()


async def row_of(sys: VkSystem, kind: str, timeout: float = 15.0) -> Outbox:
    for _ in range(int(timeout / 0.05)):
        async with sys.rt.sm() as s:
            row = (
                await s.exec(
                    select(Outbox).where(Outbox.kind == kind, col(Outbox.citizen_id).is_not(None))
                )
            ).first()
        if row is not None and row.status is OutboxStatus.sent:
            return row
        await asyncio.sleep(0.05)
    raise AssertionError(f"«{kind}» не доставлено: {row.status if row else None}")


@pytest.mark.parametrize("code", [6, 9, 10, 5])
async def test_a_refused_send_is_delivered_once_later(engine, sm, muni, code):
    async with running_vk(engine) as sys:
        item = await reported(sys)
        assert item.lat == 42.1 and item.lon == 46.3
        sys.vk.fail_next("messages.send", code)
        await act(sm, sys.clock, item, Action.take, await actor(sm, "water"))
        row = await row_of(sys, "taken")
        resident = sys.resident(7001)
        taken = [m for m in resident.messages(GROUP) if "взято в работу" in m["text"]]
        assert len(taken) == 1, "delivered, once"
        assert sys.vk.stats.errors.get(code, 0) == 1
        if code != 6:  # 6 is waited out inside the call; the others go back to the queue
            assert row.attempts >= 1 and row.last_error and str(code) in row.last_error


async def test_a_send_repeated_after_a_crash_reaches_the_resident_once(engine, sm, muni):
    async with running_vk(engine) as sys:
        item = await reported(sys)
        await act(sm, sys.clock, item, Action.take, await actor(sm, "water"))
        row = await row_of(sys, "taken")
        # As if the sender died after VK took the message, before it recorded the part sent.
        async with sm() as s:
            await s.execute(
                update(Outbox)
                .where(col(Outbox.id) == row.id)
                .values(status=OutboxStatus.pending, parts_sent=0, next_attempt_at=sys.clock.now())
            )
            await s.commit()
        group = sys.vk.group(GROUP)
        await sys.vk.wait_until(lambda: group.deduped >= 1, 10)
        await row_of(sys, "taken")
        taken = [m for m in sys.resident(7001).messages(GROUP) if "взято в работу" in m["text"]]
        assert len(taken) == 1, "VK dropped the repeat: the same random_id"
