"""A VK resident's report end to end through the real vk_api stack and the VK API emulator, the
staff in Telegram through the Bot API emulator: report → staff card → take → answer → «solved»
and the rating in VK → closed. Once by Bots Long Poll, once by the Callback API endpoint."""

import pytest
from sqlmodel import select

from models import Attachment, Channel, Item, ItemStatus
from tests.bot.harness import text_of
from tests.bot.vk.harness import GROUP, running_vk


@pytest.mark.parametrize("callback", [False, True], ids=["long-poll", "callback"])
async def test_vk_report_to_a_telegram_card_and_back(engine, sm, muni, callback):
    async with running_vk(engine, callback=callback) as sys:
        water = await sys.tg.staff_user("water", 9001)
        resident = await sys.consented(7001)
        menu = resident.keyboard(GROUP)
        assert menu is not None and not menu.get("inline"), "the menu stands under the input"
        await resident.press_text_button(GROUP, None, "📝 Сообщить о проблеме")
        topics = await sys.expect(resident, "О чём ваше сообщение")
        assert topics["keyboard"]["inline"], "options are inline callback buttons"
        await resident.press_callback_button(GROUP, topics, "ЖКХ")
        await sys.expect(resident, "Опишите проблему")
        await resident.write(GROUP, "Третий день нет воды, прорвало трубу у школы")
        await sys.expect(resident, "Записал")
        await resident.send_photo(GROUP, caption="вот так течёт")
        done = await sys.expect(resident, "Вложение сохранено")
        await resident.send_voice(GROUP)
        done = await sys.expect(resident, "Вложение сохранено")
        await resident.press_callback_button(GROUP, done, "Готово ➡️")
        places = await sys.expect(resident, "Где это?")
        await resident.press_callback_button(GROUP, places, "село Тестовое")
        summary = await sys.expect(resident, "Проверьте")
        assert "<b>" not in summary["text"] and "прорвало трубу" in summary["text"]
        await resident.press_callback_button(GROUP, summary, "✅ Отправить")
        registered = await sys.expect(resident, "зарегистрировано под номером")
        assert "ТСТ-2025-000001" in registered["text"] and "16.12.2025" in registered["text"]

        card = await sys.tg.expect(water, "ТСТ-2025-000001")
        assert card.get("photo"), "the resident's VK photo is shown on the Telegram card"
        assert "ВКонтакте" in text_of(card), "the card says where the resident wrote"
        assert "Житель" not in text_of(card)
        await water.press(card, "✅ Взять")
        await sys.expect(resident, "взято в работу")
        card = await sys.tg.edited(water, card["message_id"], "в работе")
        await water.press(card, "✍️ Ответить")
        await sys.tg.expect(water, "Напишите ответ гражданину")
        await water.send_photo(caption="Трубу заменили, вода есть")  # the work done, on a photo
        await sys.expect(resident, "Трубу заменили")
        question = await sys.expect(resident, "Проблема решена?")
        photos = [m for m in resident.messages(GROUP) if m.get("attachments")]
        assert len(photos) == 1, "the officer's Telegram photo, uploaded the VK way"
        assert photos[0]["attachments"][0]["type"] == "photo"
        assert group_requests(sys, "photos.saveMessagesPhoto") == 1
        await resident.press_callback_button(GROUP, question, "👍 Да, решена")
        stars = await sys.expect(resident, "Оцените")
        await resident.press_callback_button(GROUP, stars, "⭐⭐⭐⭐⭐")
        await sys.expect(resident, "Спасибо за оценку")
        group = sys.vk.group(GROUP)
        presses = [r for r in group.message_events.values() if r.event["user_id"] == 7001]
        assert presses and all(r.answered for r in presses), "every press answered"
        assert group.versions_seen and set(group.versions_seen) == {"5.199"}
        assert sys.vk.stats.errors.get(6, 0) == 0
        if callback:
            assert group.callback is not None and group.callback.confirmed
            assert all(d.status == 200 and d.body == "ok" for d in group.deliveries)

    async with sm() as s:
        item = (await s.exec(select(Item))).one()
        files = list(await s.exec(select(Attachment).order_by(Attachment.id)))
    assert item.channel is Channel.vk and item.status is ItemStatus.closed
    assert item.solved is True and item.rating == 5
    assert [(f.kind, f.channel, f.from_citizen) for f in files] == [
        ("photo", Channel.vk, True),
        ("voice", Channel.vk, True),
        ("photo", Channel.telegram, False),
    ]


def group_requests(sys, method: str) -> int:
    return int(sys.vk.stats.requests.get(method, 0))
