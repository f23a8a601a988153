"""Duplicates across citizens for VK residents through the VK API emulator: «Похоже, об этом уже
сообщили…» with both answers as buttons (inline, or under the input field for an old app), the
other citizen's words never shown, and the original's answer reaching the VK resident under
their own number after a merge in Telegram."""

from typing import Any

from sqlmodel import select

from models import Channel, Item, ItemStatus
from tests.bot.harness import text_of
from tests.bot.vk.harness import GROUP, VkSystem, running_vk
from tests.bot.vk.people import UserHandle, buttons
from tests.bot.vk.test_vk_old_app import OLD_APP, report_up_to_the_summary

PIPE = "Прорвало трубу водопровода у школы, вода течёт по улице"
PIPE2 = "У школы прорвало трубу, вода течёт по улице уже третий час"
QUESTION = "Похоже, об этом уже сообщили"


def labels(message: dict[str, Any]) -> list[str]:
    return [str(b["action"].get("label")) for b in buttons(message.get("keyboard"))]


async def ask(sys: VkSystem, resident: UserHandle, text: str) -> dict[str, Any]:
    """The report dialog to «Отправить»; returns the duplicate question it gets."""
    summary = await sys.draft(resident, text)
    await resident.press_callback_button(GROUP, summary, "✅ Отправить")
    return await sys.expect(resident, QUESTION)


async def items(sys: VkSystem) -> list[Item]:
    async with sys.rt.sm() as s:
        return list(await s.exec(select(Item).order_by(Item.id)))


async def test_same_as_a_telegram_item_merged_and_answered_in_vk(engine, sm, muni):
    async with running_vk(engine) as sys:
        water = await sys.tg.staff_user("water", 9001)
        lead = await sys.tg.staff_user("lead_zhkh", 9002)
        first = await sys.tg.citizen(5001)
        await sys.tg.begin_report(first)
        await first.send_text(PIPE)
        await first.press(await sys.tg.expect(first, "Записал"), "Готово ➡️")
        await first.press(await sys.tg.expect(first, "Где это?"), "село Тестовое")
        await first.press(await sys.tg.expect(first, "Проверьте"), "✅ Отправить")
        await sys.tg.expect(first, "под номером ТСТ-2025-000001")
        card1 = await sys.tg.expect(water, "ТСТ-2025-000001")

        resident = await sys.consented(7001)
        question = await ask(sys, resident, PIPE2)
        said = question["text"]
        assert "ТСТ-2025-000001 от 02.12.2025, ЖКХ, село Тестовое" in said
        assert "Прорвало" not in said and "водопровод" not in said, "another citizen's words"
        assert "<b>" not in said, "plain text in VK"
        assert question["keyboard"]["inline"] and labels(question) == ["Да, та же", "Нет, другая"]
        await resident.press_callback_button(GROUP, question, "Да, та же")
        registered = await sys.expect(resident, "ТСТ-2025-000002")
        assert "та же проблема, что и ТСТ-2025-000001" in registered["text"]

        await lead.send_text("/inbox")
        inbox = await sys.tg.expect(lead, "Открытые сообщения: 2")
        await lead.press(inbox, "ТСТ-2025-000002")
        card2 = await sys.tg.expect(lead, "Похоже на ТСТ-2025-000001")
        assert "гражданин ответил: та же проблема" in text_of(card2)
        assert "Житель" not in text_of(card2), "no citizen's name on a staff card"
        await lead.press(card2, "🔗 Объединить с ТСТ-2025-000001")
        await sys.tg.expect(lead, "ТСТ-2025-000002 объединено с ТСТ-2025-000001")
        merged = await sys.expect(resident, "объединено с ТСТ-2025-000001")
        assert "Прорвало" not in merged["text"], "the merge notice keeps the other's words out"

        await water.press(card1, "✅ Взять")
        card1 = await sys.tg.edited(water, card1["message_id"], "в работе")
        await water.press(card1, "✍️ Ответить")
        await sys.tg.expect(water, "Напишите ответ гражданину")
        await water.send_text("Трубу у школы заменили, вода есть")
        answer = await sys.expect(resident, "Трубу у школы заменили")
        assert "ТСТ-2025-000002" in answer["text"], "the VK resident hears their own number"
        assert "ТСТ-2025-000001" not in answer["text"].split("Трубу")[0]
        solved = await sys.expect(resident, "Проблема решена?")
        await resident.press_callback_button(GROUP, solved, "👍 Да, решена")
        stars = await sys.expect(resident, "Оцените")
        await resident.press_callback_button(GROUP, stars, "⭐⭐⭐⭐")
        await sys.expect(resident, "Спасибо за оценку")
        await sys.tg.expect(first, "Трубу у школы заменили")

    one, two = await items(sys)
    assert (one.channel, two.channel) == (Channel.telegram, Channel.vk)
    assert two.dup_of_id == one.id and two.dup_answer == "same" and two.merged_into_id == one.id
    assert two.status is ItemStatus.closed and two.solved is True and two.rating == 4
    assert one.rating is None, "rated separately"


async def test_other_problem_between_vk_residents(engine, sm, muni):
    async with running_vk(engine) as sys:
        first, second = await sys.consented(7001), await sys.consented(7002)
        number = await sys.report(first, PIPE)
        question = await ask(sys, second, PIPE2)
        assert number in question["text"] and "Прорвало" not in question["text"]
        await second.press_callback_button(GROUP, question, "Нет, другая")
        registered = await sys.expect(second, "ТСТ-2025-000002")
        assert "та же проблема" not in registered["text"]
        await second.press_callback_button(GROUP, question, "Да, та же")  # pressed late
        await sys.expect(second, "уже отправлено")

    one, two = await items(sys)
    assert (two.dup_of_id, two.dup_answer) == (one.id, "other")
    assert two.status is not ItemStatus.merged


async def test_an_old_app_answers_with_buttons_under_the_input(engine, sm, muni):
    async with running_vk(engine) as sys:
        first = await sys.consented(7001)
        await sys.report(first, PIPE)
        resident = sys.vk.user(7009, "Житель", client_info=OLD_APP)
        await resident.write(GROUP, "Начать", {"command": "start"})
        await sys.expect(resident, "Здравствуйте")
        await resident.press_text_button(GROUP, None, "✅ Согласен(на)")
        await sys.expect(resident, "Согласие получено")
        await report_up_to_the_summary(sys, resident, PIPE2)
        await resident.press_text_button(GROUP, None, "✅ Отправить")
        question = await sys.expect(resident, QUESTION)
        assert not (question["keyboard"] or {}).get("inline")
        assert labels(question) == ["Да, та же", "Нет, другая"], "buttons under the input"
        await resident.write(GROUP, "не понимаю")  # typed instead of a button: asked again
        hint = await sys.expect(resident, "Ответьте кнопкой под вопросом")
        assert "«Да, та же» или «Нет, другая»" in hint["text"]
        again = await sys.expect(resident, "Это та же проблема?")
        assert "Прорвало" not in again["text"] and labels(again) == labels(question)
        await resident.press_text_button(GROUP, None, "Да, та же")
        registered = await sys.expect(resident, "ТСТ-2025-000002")
        assert "та же проблема, что и ТСТ-2025-000001" in registered["text"]
        inline = [m for m in resident.messages(GROUP) if (m.get("keyboard") or {}).get("inline")]
        assert inline == [], "nothing it cannot show"

    one, two = await items(sys)
    assert (two.dup_of_id, two.dup_answer) == (one.id, "same")
