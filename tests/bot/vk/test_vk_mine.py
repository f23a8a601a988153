"""A VK resident's own items: «Мои сообщения» with the timeline, «Дополнить» reaching the
officer in Telegram, the flood limit with the draft kept, and /delete_me."""

from sqlmodel import select

from models import Citizen
from tests.bot.harness import text_of
from tests.bot.vk.harness import GROUP, VkSystem, running_vk


async def report(sys: VkSystem, resident, text: str) -> dict:
    await resident.press_text_button(GROUP, None, "📝 Сообщить о проблеме")
    topics = await sys.expect(resident, "О чём ваше сообщение")
    await resident.press_callback_button(GROUP, topics, "ЖКХ")
    await sys.expect(resident, "Опишите проблему")
    await resident.write(GROUP, text)
    await resident.press_callback_button(GROUP, await sys.expect(resident, "Записал"), "Готово ➡️")
    await resident.write(GROUP, "ул. Садовая, 5")  # a typed address
    summary = await sys.expect(resident, "Проверьте")
    assert "Садовая" in summary["text"]
    await resident.press_callback_button(GROUP, summary, "✅ Отправить")
    return await sys.expect(resident, "зарегистрировано")


async def test_mine_timeline_details_flood_and_erasure(engine, sm, muni):
    async with running_vk(engine, MCU_MAX_REPORTS_PER_HOUR=1) as sys:
        water = await sys.tg.staff_user("water", 9001)
        resident = await sys.consented(7001)
        registered = await report(sys, resident, "Нет воды в доме")
        number = registered["text"].split("номером ")[1].split(".")[0]
        await sys.tg.expect(water, number)

        await resident.press_text_button(GROUP, None, "📋 Мои сообщения")
        listing = await sys.expect(resident, "Ваши последние сообщения")
        await resident.press_callback_button(GROUP, listing, number)
        opened = await sys.expect(resident, "зарегистрировано")
        assert number in opened["text"]
        await resident.press_callback_button(GROUP, opened, "➕ Дополнить")
        await sys.expect(resident, "Напишите, что добавить")
        await resident.write(GROUP, "Вода пропала и в соседнем доме")
        await sys.expect(resident, "передали исполнителю")
        reply = await sys.tg.expect(water, "в соседнем доме")
        assert number in text_of(reply)

        # A second report within the hour: refused for now, the draft kept with «Отправить».
        summary = await sys.draft(resident, "Яма у моста", sector="Дороги")
        await resident.press_callback_button(GROUP, summary, "✅ Отправить")
        flood = await sys.expect(resident, "Черновик сохранён")
        labels = [b["action"].get("label") for row in flood["keyboard"]["buttons"] for b in row]
        assert "✅ Отправить" in labels, "no dead end"

        await resident.write(GROUP, "/delete_me")
        erased = await sys.expect(resident, "персональные данные удалены")
        assert erased["keyboard"] == {"one_time": True, "buttons": []} or not resident.keyboard(
            GROUP
        )
    async with sm() as s:
        citizen = (await s.exec(select(Citizen))).one()
    assert citizen.erased_at is not None
