"""End to end through the emulator: a citizen's report to a closed, rated item."""

from sqlmodel import select

from models import Attachment, Item, ItemStatus
from tests.bot.harness import running_system, text_of


async def test_report_take_answer_solved_rated(engine, sm, muni):
    async with running_system(engine) as sys:
        water = await sys.staff_user("water", 9001)
        citizen = await sys.citizen(5001)
        await citizen.tap("📝 Сообщить о проблеме")
        topics = await sys.expect(citizen, "О чём ваше сообщение")
        await citizen.press(topics, "ЖКХ")
        await sys.expect(citizen, "Опишите проблему")
        await citizen.send_text("Третий день нет воды в доме, прорвало трубу у школы")
        await sys.expect(citizen, "Записал")
        await citizen.send_photo(caption="вот так течёт")
        done = await sys.expect(citizen, "Вложение сохранено")
        await citizen.press(done, "Готово ➡️")
        places = await sys.expect(citizen, "Где это?")
        await citizen.press(places, "село Тестовое")
        summary = await sys.expect(citizen, "Проверьте")
        assert "прорвало трубу" in text_of(summary) and "1 фото" in text_of(summary)
        await citizen.press(summary, "✅ Отправить")
        registered = await sys.expect(citizen, "зарегистрировано под номером")
        assert "ТСТ-2025-000001" in text_of(registered)
        assert "16.12.2025" in text_of(registered)  # 10 working days from 2 Dec

        card = await sys.expect(water, "ТСТ-2025-000001")
        assert card.get("photo"), "the citizen's photo comes with the card"
        assert "Житель" not in text_of(card)  # no personal data in the staff chat
        assert "осталось 10 рабочих дней" in text_of(card)
        await water.press(card, "✅ Взять")
        await sys.expect(citizen, "взято в работу")
        card = await sys.edited(water, card["message_id"], "в работе")
        await water.press(card, "✍️ Ответить")
        await sys.expect(water, "Напишите ответ гражданину")
        await water.send_text("Трубу заменили, вода есть")
        await sys.expect(citizen, "Трубу заменили")
        question = await sys.expect(citizen, "Проблема решена?")
        await citizen.press(question, "👍 Да, решена")
        stars = await sys.expect(citizen, "Оцените")
        await citizen.press(stars, "⭐⭐⭐⭐⭐")
        await sys.expect(citizen, "Спасибо за оценку")
        # Every press was acknowledged on arrival, before the bot worked on it.
        assert all(r.answer is not None for r in citizen.bot.callbacks.values())

    async with sm() as s:
        item = (await s.exec(select(Item))).one()
        photos = list(await s.exec(select(Attachment)))
    assert item.status is ItemStatus.closed and item.solved is True and item.rating == 5
    assert item.answer_text == "Трубу заменили, вода есть"
    assert [p.kind for p in photos] == ["photo"]
