"""More dialogs: clarification asked and answered in the chat, an answer with a photo, «not
solved» reopening and telling the head, /inbox paging, «Мои сообщения»."""

from sqlmodel import select

from models import Item, ItemStatus
from tests.bot.harness import running_system, text_of
from tests.helpers import register


async def bot_report(sys, citizen, text: str) -> str:
    await citizen.tap("📝 Сообщить о проблеме")
    await citizen.press(await sys.expect(citizen, "О чём ваше сообщение"), "ЖКХ")
    await sys.expect(citizen, "Опишите проблему")
    await citizen.send_text(text)
    await citizen.press(await sys.expect(citizen, "Записал"), "Готово ➡️")
    await citizen.press(await sys.expect(citizen, "Где это?"), "село Тестовое")
    await citizen.press(await sys.expect(citizen, "Проверьте"), "✅ Отправить")
    reply = await sys.expect(citizen, "зарегистрировано")
    return text_of(reply).split("номером ")[1].split(".")[0]


async def test_clarification_photo_answer_and_not_solved(engine, sm, muni):
    async with running_system(engine) as sys:
        water = await sys.staff_user("water", 9001)
        head = await sys.staff_user("head", 9010)
        citizen = await sys.citizen(5001)
        number = await bot_report(sys, citizen, "Нет воды во дворе")
        card = await sys.expect(water, number)
        await water.press(card, "✅ Взять")
        card = await sys.edited(water, card["message_id"], "в работе")
        await water.press(card, "❓ Уточнить")
        await sys.expect(water, "вопрос гражданину")
        await water.send_text("Какой номер дома?")
        asked = await sys.expect(citizen, "Какой номер дома?")
        await citizen.press(asked, "✍️ Ответить")
        await sys.expect(citizen, "Напишите, что добавить")
        await citizen.send_text("Дом 12, второй подъезд")
        await sys.expect(citizen, "передали исполнителю")
        reply_card = await sys.expect(water, "Дом 12, второй подъезд")
        await water.press(reply_card, "✍️ Ответить")
        await sys.expect(water, "Напишите ответ гражданину")
        await water.send_photo(caption="Кран заменён, вода есть")
        await sys.expect(citizen, "Кран заменён")
        photo = await sys.emu.wait_until(
            lambda: next((m for m in citizen.bot_messages() if m.get("photo")), None), 10
        )
        assert photo["photo"]
        question = await sys.expect(citizen, "Проблема решена?")
        await citizen.press(question, "👎 Нет")
        await sys.expect(citizen, "снова в работе")
        alert = await sys.expect(head, "открыто повторно")
        assert number in text_of(alert)
        await citizen.tap("📋 Мои сообщения")
        mine = await sys.expect(citizen, "Ваши последние сообщения")
        await citizen.press(mine, number)
        timeline = await sys.expect(citizen, "открыто повторно")
        assert "запрошено уточнение" in text_of(timeline) and "дан ответ" in text_of(timeline)
    async with sm() as s:
        item = (await s.exec(select(Item))).one()
    assert item.status is ItemStatus.reopened and item.solved is False


async def test_inbox_pages_overdue_first(engine, sm, muni):
    async with running_system(engine) as sys:
        water = await sys.staff_user("water", 9001)
        numbers = [
            (await register(sm, sys.clock, muni, f"Нет воды, дом {i}")).number for i in range(10)
        ]
        await water.send_text("/inbox")
        first = await sys.expect(water, "Открытые сообщения: 10")
        assert numbers[0] in text_of(first) and numbers[9] not in text_of(first)
        await water.press(first, "➡️")
        second = await sys.expect(water, "Открытые сообщения: 10")
        assert numbers[9] in text_of(second)
        await water.press(second, numbers[9])
        card = await sys.expect(water, "осталось")
        assert "✅ Взять" in water.button_texts(card)
