"""Staff through the emulator: reassignment, extension via the head, escalation, stale and
foreign presses; every press checked on the server."""

from datetime import timedelta

from sqlmodel import select

from bot.telegram.render import Opt
from models import Item, ItemEvent, ItemKind, ItemStatus
from tests.bot.harness import running_system, text_of
from tests.helpers import register


async def test_reassign_moves_the_card_and_refreshes_the_old_one(engine, sm, muni):
    async with running_system(engine) as sys:
        water = await sys.staff_user("water", 9001)
        lead = await sys.staff_user("lead_zhkh", 9002)
        heat = await sys.staff_user("heat", 9003)
        item = await register(sm, sys.clock, muni, "Нет воды в котельной")
        card = await sys.expect(water, item.number)
        await water.press(card, "👤 Передать")
        people = await sys.expect(water, "Кому передать")
        await water.press(people, "Исполнитель отопление")
        new_card = await sys.expect(heat, item.number)
        assert "✅ Взять" in heat.button_texts(new_card)
        old = await sys.edited(water, card["message_id"], "Исполнитель отопление")
        assert "✅ Взять" not in water.button_texts(old)  # no longer theirs to take
        assert lead.bot_messages(), "the lead joined"
    async with sm() as s:
        fresh = await s.get(Item, item.id)
    assert fresh is not None and fresh.assignee_id is not None
    assert fresh.status is ItemStatus.assigned and fresh.version == 3


async def test_59fz_extension_is_approved_by_the_head(engine, sm, muni):
    async with running_system(engine) as sys:
        water = await sys.staff_user("water", 9001)
        head = await sys.staff_user("head", 9010)
        item = await register(
            sm, sys.clock, muni, "Жалоба на водопровод", kind=ItemKind.appeal_59fz
        )
        card = await sys.expect(water, item.number)
        await water.press(card, "✅ Взять")
        card = await sys.edited(water, card["message_id"], "в работе")
        await water.press(card, "⏳ Продлить")
        days = await sys.expect(water, "На сколько продлить")
        await water.press(days, "+15 дн.")
        await sys.expect(water, "Причина продления")
        await water.send_text("Нужна экспертиза трубопровода")
        request = await sys.expect(head, "Запрошено продление")
        assert "Нужна экспертиза" in text_of(request)
        await head.press(request, "👍 Одобрить продление")
        await sys.edited(head, request["message_id"], "16.01.2026")
    async with sm() as s:
        fresh = await s.get(Item, item.id)
    # 15 days from the raw 1 Jan 2026 (ст. 12 ч. 2), not from the moved 12 Jan: 16 Jan 2026
    assert fresh is not None and fresh.extensions == 1
    assert fresh.due_at is not None and fresh.due_at.date().isoformat() == "2026-01-16"


async def test_overdue_item_escalates_to_the_head_with_buttons(engine, sm, muni):
    async with running_system(engine) as sys:
        head = await sys.staff_user("head", 9010)
        item = await register(sm, sys.clock, muni, "Нет воды")
        await sys.staff_user("water", 9001)
        sys.clock.advance(timedelta(days=15, hours=2))  # to 17 Dec 09:00: a day overdue
        alert = await sys.expect(head, "Эскалация", timeout=15)
        assert item.number in text_of(alert)
        buttons = head.button_texts(alert)
        assert "👤 Передать" in buttons and "🔔 Напомнить исполнителю" in buttons
        await head.press(alert, "🔔 Напомнить исполнителю")
        water = sys.emu.user(9001)
        await sys.expect(water, "Напоминание от руководителя")


async def test_stale_foreign_and_forged_presses_change_nothing(engine, sm, muni):
    async with running_system(engine) as sys:
        water = await sys.staff_user("water", 9001)
        roadman = await sys.staff_user("roadman", 9004)
        citizen = await sys.citizen(5001)
        item = await register(sm, sys.clock, muni, "Нет воды")
        card = await sys.expect(water, item.number)
        await water.press(card, "✅ Взять")
        await sys.edited(water, card["message_id"], "в работе")
        stale = Opt(act="tk", a=item.id or 0, b=item.version).pack()
        query = await water.press_data(card, stale)  # the old «Взять» of version 2
        assert await water.wait_answer(query) is not None  # acknowledged on arrival
        await sys.expect(water, "уже изменилось")
        foreign = Opt(act="an", a=item.id or 0, b=item.version + 1).pack()
        await roadman.press_data(card, foreign)  # another recipient's item
        await sys.expect(roadman, "не найдено")
        await citizen.press_data(card, foreign)  # not staff at all
        await sys.expect(citizen, "для сотрудников")
        await citizen.press_data(card, "garbage:payload")
        await sys.expect(citizen, "неактуальна")
    async with sm() as s:
        fresh = await s.get(Item, item.id)
        takes = list(await s.exec(select(ItemEvent).where(ItemEvent.action == "take")))
    assert fresh is not None and fresh.version == 3 and len(takes) == 1
