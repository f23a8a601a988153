"""Duplicates across citizens through the emulator: «Похоже, об этом уже сообщили…» and both
answers, the staff card's merge button, and the original's answer reaching every citizen behind
it, each confirming or reopening their own item."""

from sqlmodel import select

from models import Item, ItemStatus
from tests.bot.harness import System, running_system, text_of
from tests.helpers import act, actor
from workflows.items.transitions import Action

PIPE = "Прорвало трубу водопровода у школы, вода течёт по улице"
PIPE2 = "У школы прорвало трубу, вода течёт по улице уже третий час"


async def _report(sys: System, citizen, text: str) -> dict:
    """Through the dialog to the summary's «Отправить»; returns the bot's next message."""
    await sys.begin_report(citizen)
    await citizen.send_text(text)
    done = await sys.expect(citizen, "Записал")
    await citizen.press(done, "Готово ➡️")
    places = await sys.expect(citizen, "Где это?")
    await citizen.press(places, "село Тестовое")
    summary = await sys.expect(citizen, "Проверьте")
    await citizen.press(summary, "✅ Отправить")
    return await citizen.wait_bot_message()


async def _items(sys: System) -> list[Item]:
    async with sys.rt.sm() as s:
        return list(await s.exec(select(Item).order_by(Item.id)))


async def test_same_problem_merged_and_answered_to_both(engine, sm, muni):
    async with running_system(engine) as sys:
        water = await sys.staff_user("water", 9001)
        lead = await sys.staff_user("lead_zhkh", 9002)
        first, second = await sys.citizen(5001), await sys.citizen(5002)
        await _report(sys, first, PIPE)
        await sys.expect(first, "под номером ТСТ-2025-000001")
        card1 = await sys.expect(water, "ТСТ-2025-000001")

        await _report(sys, second, PIPE2)
        question = await sys.expect(second, "Похоже, об этом уже сообщили")
        said = text_of(question)
        assert "ТСТ-2025-000001 от 02.12.2025, ЖКХ, село Тестовое" in said
        assert "Прорвало" not in said and "водопровод" not in said, "another citizen's words"
        assert second.button_texts(question) == ["Да, та же", "Нет, другая"]
        await second.press(question, "Да, та же")
        registered = await sys.expect(second, "ТСТ-2025-000002")
        assert "та же проблема, что и ТСТ-2025-000001" in text_of(registered)

        await lead.send_text("/inbox")
        inbox = await sys.expect(lead, "Открытые сообщения: 2")
        await lead.press(inbox, "ТСТ-2025-000002")
        card2 = await sys.expect(lead, "Похоже на ТСТ-2025-000001")
        assert "гражданин ответил: та же проблема" in text_of(card2)
        assert "Житель" not in text_of(card2)
        await lead.press(card2, "🔗 Объединить с ТСТ-2025-000001")
        await sys.expect(lead, "ТСТ-2025-000002 объединено с ТСТ-2025-000001")
        await sys.expect(second, "объединено с ТСТ-2025-000001")

        await water.press(card1, "✅ Взять")
        card1 = await sys.edited(water, card1["message_id"], "в работе")
        await water.press(card1, "✍️ Ответить")
        await sys.expect(water, "Напишите ответ гражданину")
        await water.send_text("Трубу у школы заменили, вода есть")
        answer1 = await sys.expect(first, "Трубу у школы заменили")
        assert "ТСТ-2025-000001" in text_of(answer1)
        answer2 = await sys.expect(second, "Трубу у школы заменили")
        assert "ТСТ-2025-000002" in text_of(answer2), "each citizen hears their own number"
        q2 = await sys.expect(second, "Проблема решена?")
        q1 = await sys.expect(first, "Проблема решена?")
        await second.press(q2, "👍 Да, решена")
        stars = await sys.expect(second, "Оцените")
        await second.press(stars, "⭐⭐⭐⭐")
        await sys.expect(second, "Спасибо за оценку")
        await first.press(q1, "👎 Нет")
        await sys.expect(first, "снова в работе")

    one, two = await _items(sys)
    assert two.dup_of_id == one.id and two.dup_answer == "same" and two.merged_into_id == one.id
    assert two.status is ItemStatus.closed and two.solved is True and two.rating == 4
    assert two.answer_text == one.answer_text == "Трубу у школы заменили, вода есть"
    assert one.status is ItemStatus.reopened and one.rating is None, "rated separately"


async def test_other_problem_and_a_stale_yes(engine, sm, muni):
    async with running_system(engine) as sys:
        first, second, third = [await sys.citizen(uid) for uid in (5001, 5002, 5003)]
        await _report(sys, first, PIPE)
        await sys.expect(first, "зарегистрировано")
        await _report(sys, second, PIPE2)
        await sys.expect(second, "Это та же проблема?")
        await second.send_text("а где кнопки?")  # typed instead of answering: asked again
        await sys.expect(second, "Ответьте кнопкой под вопросом")
        question = await sys.expect(second, "Это та же проблема?")
        await second.press(question, "Нет, другая")
        registered = await sys.expect(second, "ТСТ-2025-000002")
        assert "та же проблема" not in text_of(registered)

        await _report(sys, third, PIPE2)
        stale = await sys.expect(third, "Это та же проблема?")
        suggested = next(i for i in await _items(sys) if i.number in text_of(stale))
        operator = await actor(sm, "operator")
        await act(sm, sys.clock, suggested, Action.reject, operator, reason="спам")
        await third.press(stale, "Да, та же")  # the suggested item closed since the question
        gone = await sys.expect(third, "ТСТ-2025-000003")
        assert f"{suggested.number} уже закрыто" in text_of(gone)
        await third.press(stale, "Да, та же")  # pressed again: the number, no second item
        await sys.expect(third, "уже отправлено")

    items = await _items(sys)
    assert [(i.dup_of_id, i.dup_answer) for i in items] == [
        (None, None),
        (items[0].id, "other"),
        (None, None),
    ]
