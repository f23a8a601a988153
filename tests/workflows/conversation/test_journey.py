"""The journey through the conversation core alone (no Telegram): a report from the first
word to the number, and the ways it must not go wrong."""

from datetime import timedelta

from sqlalchemy import func
from sqlmodel import select

from models import Attachment, Item, ItemEvent, ItemStatus
from tests.helpers import register
from tests.workflows.conversation.talk import Talk, bind_staff, choice, consented, report, runtime
from workflows.conversation.parts import Card, File, Place, Say, Text


async def count(sm, model) -> int:
    async with sm() as s:
        return int((await s.exec(select(func.count()).select_from(model))).one())


async def test_report_with_photo_and_place_gets_a_number(engine, sm, muni, clock):
    rt = runtime(engine, clock)
    talk = await consented(rt, muni, 5001)
    await talk.send("📝 Сообщить о проблеме")
    assert (
        "ЖКХ" in talk.labels() and "🤷 Не знаю" in talk.labels() and "❌ Отменить" in talk.labels()
    )
    await talk.press("ЖКХ")
    assert "Опишите проблему" in talk.text() and "5 фото" in talk.text()
    await talk.send("Прорвало трубу у школы")
    await talk.send(File("photo", "AgACphoto1", "вот так"))
    await talk.press("Готово ➡️")
    await talk.send(Place(42.3, 46.1))
    assert "Проверьте" in talk.text() and "1 фото" in talk.text() and "геопозиция" in talk.text()
    await talk.press("✅ Отправить")
    assert "ТСТ-2025-000001" in talk.text() and "16.12.2025" in talk.text()
    async with sm() as s:
        item = (await s.exec(select(Item))).one()
        photos = list(await s.exec(select(Attachment)))
    assert item.text == "Прорвало трубу у школы\nвот так" and item.lat == 42.3
    assert [p.file_id for p in photos] == ["AgACphoto1"]
    assert await talk.state() == (None, {})


async def test_commands_are_never_taken_as_the_description(engine, sm, muni, clock):
    rt = runtime(engine, clock)
    talk = await consented(rt, muni, 5001)
    await talk.send("📝 Сообщить о проблеме")
    await talk.press("ЖКХ")
    await talk.send("Нет света")
    for command in ("/start", "/inbox", "/whatever", "📋 Мои сообщения"):
        await talk.send(command)
        assert "/cancel" in talk.text()
    state, data = await talk.state()
    assert state == "report.describe" and data["text"] == "Нет света"
    await talk.send("/cancel")
    assert "отменено" in talk.text() and await talk.state() == (None, {})
    assert await count(sm, Item) == 0


async def test_double_tap_and_redelivered_confirm_make_one_item(engine, sm, muni, clock):
    rt = runtime(engine, clock)
    talk = await consented(rt, muni, 5001)
    await talk.send("📝 Сообщить о проблеме")
    await talk.press("ЖКХ")
    await talk.send("Нет воды")
    await talk.press("Готово ➡️")
    await talk.press("село Тестовое")
    send = talk.option("✅ Отправить")
    first = await talk.send(choice(send.choice.act, send.choice.a), key="tap-1")
    again = await talk.send(choice(send.choice.act, send.choice.a), key="tap-1")  # redelivered
    assert again == first
    await talk.send(choice(send.choice.act, send.choice.a), key="tap-2")  # a second tap
    assert "уже отправлено" in talk.text() and "ТСТ-2025-000001" in talk.text()
    assert await count(sm, Item) == 1


async def test_flood_limit_keeps_the_draft(engine, sm, muni, clock):
    rt = runtime(engine, clock, MCU_MAX_REPORTS_PER_HOUR=2)
    talk = await consented(rt, muni, 5001)
    await report(talk, "Яма на дороге у моста")
    await report(talk, "Не горит фонарь у клуба")
    text = await report(talk, "Сломана скамейка в парке")
    assert "2 сообщения за последний час" in text
    assert (await talk.state())[0] == "report.confirm"  # the draft waits, nothing lost
    clock.advance(timedelta(hours=1, minutes=1))
    await talk.press("✅ Отправить")
    assert "зарегистрировано" in talk.text()
    assert await count(sm, Item) == 3


async def test_staff_cancel_and_commands_at_the_answer_prompt_change_nothing(
    engine, sm, muni, clock
):
    rt = runtime(engine, clock)
    await bind_staff(rt, "water", 9001)
    item = await register(sm, clock, muni, "Нет воды")
    staff = Talk(rt, muni, 9001)
    await staff.send(choice("tk", item.id or 0, item.version))
    assert any(isinstance(o, Card) for o in staff.last)
    async with sm() as s:
        taken = await s.get(Item, item.id)
    assert taken is not None and taken.status is ItemStatus.in_progress
    await staff.send(choice("an", item.id or 0, taken.version))
    assert "Напишите ответ гражданину" in staff.text() and "❌ Отменить" in staff.labels()
    for command in ("/start", "/inbox", "/stats", "/answer"):
        await staff.send(command)
        assert "не выполнена" in staff.text() and taken.number in staff.text()
    await staff.send("/cancel")
    assert "ничего не изменилось" in staff.text()
    await staff.send("Трубу заменили")  # after /cancel, text is not an answer
    async with sm() as s:
        fresh = await s.get(Item, item.id)
        answers = await s.exec(select(ItemEvent).where(ItemEvent.action == "answer"))
        assert list(answers) == []
    assert fresh is not None and fresh.status is ItemStatus.in_progress
    assert fresh.answer_text is None


async def test_staff_answer_at_the_prompt_answers_once(engine, sm, muni, clock):
    rt = runtime(engine, clock)
    await bind_staff(rt, "water", 9001)
    item = await register(sm, clock, muni, "Нет воды")
    staff = Talk(rt, muni, 9001)
    await staff.send(choice("tk", item.id or 0, item.version))
    await staff.send(choice("an", item.id or 0, item.version + 1))
    await staff.send(Text("Трубу заменили"), key="answer-1")
    await staff.send(Text("Трубу заменили"), key="answer-1")  # redelivered
    assert "Готово" in staff.text()
    async with sm() as s:
        fresh = await s.get(Item, item.id)
    assert fresh is not None and fresh.status is ItemStatus.answered
    assert fresh.version == item.version + 2


async def test_a_stale_press_says_so_and_changes_nothing(engine, sm, muni, clock):
    rt = runtime(engine, clock)
    await bind_staff(rt, "water", 9001)
    item = await register(sm, clock, muni, "Нет воды")
    staff = Talk(rt, muni, 9001)
    await staff.send(choice("tk", item.id or 0, item.version))
    await staff.send(choice("tk", item.id or 0, item.version))  # the old card's «Взять»
    says = [o for o in staff.last if isinstance(o, Say)]
    assert says and "уже изменилось" in staff.text() and "версия" not in staff.text()
    assert staff.text()[0].isupper()
