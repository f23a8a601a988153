"""A resident whose VK app shows no inline keyboards (client_info.inline_keyboard false) gets the
options as buttons under the input field, each carrying its payload: the whole report works
with them, no dead end."""

from sqlmodel import select

from models import Item
from tests.bot.vk.harness import GROUP, VkSystem, running_vk
from tests.bot.vk.people import UserHandle

OLD_APP = {"button_actions": ["text"], "keyboard": True, "inline_keyboard": False}


async def report_up_to_the_summary(sys: VkSystem, resident: UserHandle, text: str) -> None:
    """An old app's resident, consent given, walks a report to its summary by the buttons under
    the input: topic ЖКХ, the text, «Готово», село Тестовое."""
    await resident.press_text_button(GROUP, None, "📝 Сообщить о проблеме")
    await sys.expect(resident, "О чём ваше сообщение")
    await resident.press_text_button(GROUP, None, "ЖКХ")
    await sys.expect(resident, "Опишите проблему")
    await resident.write(GROUP, text)
    await sys.expect(resident, "Записал")
    await resident.press_text_button(GROUP, None, "Готово ➡️")
    await sys.expect(resident, "Где это?")
    await resident.press_text_button(GROUP, None, "село Тестовое")
    await sys.expect(resident, "Проверьте")


async def test_an_old_app_reports_with_buttons_under_the_input(engine, sm, muni):
    async with running_vk(engine) as sys:
        resident = sys.vk.user(7009, "Житель", client_info=OLD_APP)
        await resident.write(GROUP, "Начать", {"command": "start"})
        greeting = await sys.expect(resident, "Здравствуйте")
        assert greeting["keyboard"] and not greeting["keyboard"].get("inline")
        await resident.press_text_button(GROUP, None, "✅ Согласен(на)")
        await sys.expect(resident, "Согласие получено")
        await report_up_to_the_summary(sys, resident, "Нет воды в доме")
        await resident.press_text_button(GROUP, None, "✅ Отправить")
        await sys.expect(resident, "зарегистрировано под номером")
        inline = [m for m in resident.messages(GROUP) if (m.get("keyboard") or {}).get("inline")]
        assert inline == [], "nothing it cannot show"
    async with sm() as s:
        assert len(list(await s.exec(select(Item)))) == 1
