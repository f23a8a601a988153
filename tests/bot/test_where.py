"""«Что это за место?» through the Bot API emulator: asked after «Не знаю» only, one tap, anything else
asked again with nothing kept; the answer reaches item.place_kind, the summary and the card."""

from sqlmodel import col, select

from models import DialogState, Item
from tests.bot.harness import running_system, text_of

KINDS = [
    "🏢 Дом, подъезд, крыша",
    "🚪 В квартире",
    "🌳 Двор, детская площадка",
    "🛣 Улица, дорога, тротуар",
    "🌲 Парк, сквер",
    "📍 Другое место",
]


async def dialog(sm, chat: int = 5001) -> tuple[str | None, dict]:
    async with sm() as s:
        row = (
            await s.exec(select(DialogState).where(col(DialogState.key).endswith(f":{chat}")))
        ).one()
    return row.state, {k: v for k, v in row.data.items() if not k.startswith("_")}


async def test_unknown_topic_asks_where_and_the_yard_reaches_the_item_and_card(engine, sm, muni):
    async with running_system(engine) as sys:
        operator = await sys.staff_user("operator", 9005)
        citizen = await sys.citizen(5001)
        await citizen.tap("📝 Сообщить о проблеме")
        await citizen.press(await sys.expect(citizen, "О чём ваше сообщение"), "🤷 Не знаю")
        where = await sys.expect(citizen, "Что это за место?")
        assert "быстрее попадёт" in text_of(where)  # says why it asks
        assert citizen.button_texts(where) == [*KINDS, "❌ Отменить"]
        asked = await dialog(sm)
        assert asked[0] == "report.where" and asked[1]["place_kind"] is None

        await citizen.send_text("во дворе яма")  # typed: asked again, nothing kept
        again = await sys.expect(citizen, "Выберите кнопкой, что это за место")
        assert citizen.button_texts(again) == [*KINDS, "❌ Отменить"]
        await citizen.send_photo()
        await sys.expect(citizen, "Выберите кнопкой, что это за место")
        await citizen.send_location(42.3, 46.1)
        await sys.expect(citizen, "Выберите кнопкой, что это за место")
        await citizen.press_data(where, "o:pk:99:0:0")  # forged: no such kind
        await sys.expect(citizen, "Выберите кнопкой, что это за место")
        assert await dialog(sm) == asked, "nothing typed, sent or forged was kept"

        await citizen.press(where, "🌳 Двор, детская площадка")
        await sys.expect(citizen, "Опишите проблему")
        await citizen.send_text("Сломаны качели")
        await citizen.press(await sys.expect(citizen, "Записал"), "Готово ➡️")
        await citizen.press(await sys.expect(citizen, "Где это?"), "хутор Малый")
        summary = await sys.expect(citizen, "Проверьте")
        assert "Тема: не знаю\nГде: двор\nМесто: хутор Малый" in text_of(summary)

        await citizen.press(summary, "✏️ Изменить описание")  # edits keep the answer
        await sys.expect(citizen, "Напишите описание заново")
        await citizen.send_text("Сломаны качели и горка")
        await citizen.press(await sys.expect(citizen, "Записал"), "Готово ➡️")
        await citizen.press(await sys.expect(citizen, "Где это?"), "хутор Малый")
        summary = await sys.expect(citizen, "Проверьте")
        await citizen.press(summary, "📍 Изменить место")
        await citizen.press(await sys.expect(citizen, "Где это?"), "село Тестовое")
        summary = await sys.expect(citizen, "Проверьте")
        assert "Где: двор" in text_of(summary) and "горка" in text_of(summary)
        # the kind itself changed from the summary: asked again, then straight back to it
        await citizen.press(summary, "🏷 Изменить, что это за место")
        again = await sys.expect(citizen, "Что это за место?")
        await citizen.send_text("на улице")  # typed: asked again, the yard still kept
        await sys.expect(citizen, "Выберите кнопкой, что это за место")
        assert (await dialog(sm))[1]["place_kind"] == "yard"
        await citizen.press(again, "🛣 Улица, дорога, тротуар")
        summary = await sys.expect(citizen, "Проверьте")
        assert "Где: улица, дорога\nМесто: село Тестовое" in text_of(summary)
        assert "горка" in text_of(summary)
        await citizen.press(summary, "✅ Отправить")
        await sys.expect(citizen, "зарегистрировано")
        card = await sys.expect(operator, "ждёт распределения")
        assert "Где: улица, дорога" in text_of(card)
    async with sm() as s:
        item = (await s.exec(select(Item))).one()
    assert item.place_kind == "street" and item.sector_id is None
    assert item.text == "Сломаны качели и горка"


async def test_a_chosen_topic_is_not_asked_where(engine, sm, muni):
    async with running_system(engine) as sys:
        water = await sys.staff_user("water", 9001)
        citizen = await sys.citizen(5001)
        await citizen.tap("📝 Сообщить о проблеме")
        await citizen.press(await sys.expect(citizen, "О чём ваше сообщение"), "ЖКХ")
        describe = await sys.expect(citizen, "Опишите проблему")
        assert citizen.last_from_bot()["message_id"] == describe["message_id"]
        await citizen.send_text("Нет воды в доме")
        await citizen.press(await sys.expect(citizen, "Записал"), "Готово ➡️")
        await citizen.press(await sys.expect(citizen, "Где это?"), "село Тестовое")
        summary = await sys.expect(citizen, "Проверьте")
        assert "Где:" not in text_of(summary)
        assert "🏷 Изменить, что это за место" not in citizen.button_texts(summary)
        await citizen.press(summary, "✅ Отправить")
        await sys.expect(citizen, "зарегистрировано")
        card = await sys.expect(water, "ТСТ-2025-000001")
        assert "Где:" not in text_of(card)
        asked = [text_of(m) for m in citizen.bot_messages() if "быстрее попадёт" in text_of(m)]
        assert asked == [], "a citizen who chose a topic is not asked «Где это?»"
    async with sm() as s:
        item = (await s.exec(select(Item))).one()
    assert item.place_kind is None and item.sector_id is not None
