"""«Где это?» in VK, through vk_api and the VK API emulator: the same six kinds as inline
callback buttons (within VK's keyboard limits), a typed answer asked again, a tap stored."""

from sqlmodel import select

from models import Item
from tests.bot.test_where import KINDS
from tests.bot.vk.harness import GROUP, running_vk
from tests.bot.vk.people import buttons


async def test_vk_renders_where_and_stores_the_park(engine, sm, muni):
    async with running_vk(engine) as sys:
        resident = await sys.consented(7001)
        await resident.press_text_button(GROUP, None, "📝 Сообщить о проблеме")
        topics = await sys.expect(resident, "О чём ваше сообщение")
        await resident.press_callback_button(GROUP, topics, "🤷 Не знаю")
        where = await sys.expect(resident, "Что это за место?")
        assert where["keyboard"]["inline"] and "быстрее попадёт" in where["text"]
        labels = [b["action"]["label"] for b in buttons(where["keyboard"])]
        assert labels == [*KINDS, "❌ Отменить"]
        await resident.write(GROUP, "в парке")
        again = await sys.expect(resident, "Выберите кнопкой, что это за место")
        assert [b["action"]["label"] for b in buttons(again["keyboard"])] == labels
        await resident.press_callback_button(GROUP, again, "🌲 Парк, сквер")
        await sys.expect(resident, "Опишите проблему")
        await resident.write(GROUP, "Сломана скамейка")
        done = await sys.expect(resident, "Записал")
        await resident.press_callback_button(GROUP, done, "Готово ➡️")
        places = await sys.expect(resident, "Где это? Выберите населённый пункт")
        await resident.press_callback_button(GROUP, places, "село Тестовое")
        summary = await sys.expect(resident, "Проверьте")
        assert "Где: парк, сквер" in summary["text"]
        await resident.press_callback_button(GROUP, summary, "✅ Отправить")
        await sys.expect(resident, "зарегистрировано под номером")
    async with sm() as s:
        item = (await s.exec(select(Item))).one()
    assert item.place_kind == "park" and item.text == "Сломана скамейка"
