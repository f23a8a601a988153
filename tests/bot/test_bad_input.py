"""Bad input through the real webhook and the dialogs: refused clearly, nothing changed."""

import httpx
from sqlalchemy import func
from sqlmodel import select

from models import Inbox, Item, Outbox
from tests.bot.harness import SECRET, running_system, text_of


async def report(sys, citizen, text: str) -> dict:
    """Walk the report dialog with `text`; returns the bot's final reply."""
    await citizen.tap("📝 Сообщить о проблеме")
    await citizen.press(await sys.expect(citizen, "О чём ваше сообщение"), "🤷 Не знаю")
    await citizen.press(await sys.expect(citizen, "Что это за место?"), "📍 Другое место")
    await sys.expect(citizen, "Опишите проблему")
    await citizen.send_text(text)
    done = await sys.expect(citizen, "Записал")
    await citizen.press(done, "Готово ➡️")
    await citizen.press(await sys.expect(citizen, "Где это?"), "хутор Малый")
    await citizen.press(await sys.expect(citizen, "Проверьте"), "✅ Отправить")
    return await sys.expect(citizen, "Спасибо")


async def count(sm, model) -> int:
    async with sm() as s:
        return int((await s.exec(select(func.count()).select_from(model))).one())


async def test_wrong_webhook_secret_is_401_and_saves_nothing(engine, sm, muni):
    async with running_system(engine, webhook=True) as sys:
        update = {
            "update_id": 777,
            "message": {
                "message_id": 1,
                "date": 0,
                "text": "/start",
                "chat": {"id": 1, "type": "private"},
            },
        }
        async with httpx.AsyncClient() as client:
            for headers in (
                {},
                {"X-Telegram-Bot-Api-Secret-Token": "wrong"},
                {"X-Telegram-Bot-Api-Secret-Token": SECRET[:-1]},
            ):
                r = await client.post(sys.webhook_url, json=update, headers=headers)
                assert r.status_code == 401
            r = await client.post(
                sys.webhook_url,
                content=b"{not json",
                headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
            )
            assert r.status_code == 400
    assert await count(sm, Inbox) == 0


async def test_same_update_five_times_makes_one_item_and_one_notice(engine, sm, muni):
    async with running_system(engine, webhook=True) as sys:
        water = await sys.staff_user("water", 9001)
        citizen = await sys.citizen(5001)
        await citizen.tap("📝 Сообщить о проблеме")
        await citizen.press(await sys.expect(citizen, "О чём ваше сообщение"), "ЖКХ")
        await sys.expect(citizen, "Опишите проблему")
        await citizen.send_text("Нет воды на улице")
        await citizen.press(await sys.expect(citizen, "Записал"), "Готово ➡️")
        await citizen.press(await sys.expect(citizen, "Где это?"), "село Тестовое")
        summary = await sys.expect(citizen, "Проверьте")
        await citizen.press(summary, "✅ Отправить")
        await sys.expect(citizen, "зарегистрировано")
        # Telegram redelivers the very same press four more times (same update id)
        press = next(
            d for d in reversed(sys.emu.webhook_deliveries()) if "callback_query" in d.update
        )
        await sys.emu.deliver_update(press.update, times=4)
        await sys.expect(water, "Новое сообщение")
        statuses = [
            d.status for d in sys.emu.webhook_deliveries() if d.update_id == press.update_id
        ]
        assert statuses == [200] * 5  # each acknowledged, only the first acted upon
    assert await count(sm, Item) == 1
    async with sm() as s:
        assigned = list(await s.exec(select(Outbox).where(Outbox.kind == "assigned")))
    assert len(assigned) == 1
    assert len([m for m in water.bot_messages() if "Новое сообщение" in text_of(m)]) == 1


async def test_html_in_citizen_text_is_shown_as_text(engine, sm, muni):
    async with running_system(engine) as sys:
        operator = await sys.staff_user("operator", 9005)
        citizen = await sys.citizen(5001)
        reply = await report(sys, citizen, "<b>Срочно</b> & <script>alert(1)</script> забор")
        assert "ТСТ-" in text_of(reply)
        card = await sys.expect(operator, "ждёт распределения")
        assert "<b>Срочно</b> & <script>" in text_of(card)  # literally, not as markup


async def test_ten_thousand_characters_and_unsupported_media(engine, sm, muni):
    async with running_system(engine) as sys:
        operator = await sys.staff_user("operator", 9005)
        citizen = await sys.citizen(5001)
        await citizen.tap("📝 Сообщить о проблеме")
        await citizen.press(await sys.expect(citizen, "О чём ваше сообщение"), "🤷 Не знаю")
        await citizen.press(await sys.expect(citizen, "Что это за место?"), "📍 Другое место")
        await sys.expect(citizen, "Опишите проблему")
        await citizen.send_sticker()
        await sys.expect(citizen, "Такое вложение я не принимаю")
        await citizen.send_text("д" * 4000)
        await sys.expect(citizen, "Записал")
        await citizen.send_text("о" * 4000)
        await sys.expect(citizen, "Записал")
        await citizen.send_text("р" * 4000)
        await sys.expect(citizen, "Слишком длинное описание")  # 12,001 > 10,000: refused
        await citizen.send_text("дом 5")
        await citizen.press(await sys.expect(citizen, "Записал"), "Готово ➡️")
        await citizen.press(await sys.expect(citizen, "Где это?"), "хутор Малый")
        await citizen.press(await sys.expect(citizen, "Проверьте"), "✅ Отправить")
        await sys.expect(citizen, "зарегистрировано")
        card = await sys.expect(operator, "ждёт распределения")
        assert len(text_of(card)) <= 4096  # the emulator would have refused a longer card
    async with sm() as s:
        item = (await s.exec(select(Item))).one()
    assert len(item.text) == 8007  # two parts and «дом 5», joined by newlines; the third refused


async def test_flood_control_and_duplicate_hint(engine, sm, muni):
    async with running_system(engine, MCU_MAX_REPORTS_PER_HOUR=2) as sys:
        citizen = await sys.citizen(5001)
        await report(sys, citizen, "Яма на дороге у моста")
        await citizen.tap("📝 Сообщить о проблеме")
        await citizen.press(await sys.expect(citizen, "О чём ваше сообщение"), "🤷 Не знаю")
        await citizen.press(await sys.expect(citizen, "Что это за место?"), "📍 Другое место")
        await sys.expect(citizen, "Опишите проблему")
        await citizen.send_text("Яма на дороге у моста")
        await citizen.press(await sys.expect(citizen, "Записал"), "Готово ➡️")
        await citizen.press(await sys.expect(citizen, "Где это?"), "хутор Малый")
        await citizen.press(await sys.expect(citizen, "Проверьте"), "✅ Отправить")
        hint = await sys.expect(citizen, "Похоже, вы уже сообщали")
        await citizen.press(hint, "Всё равно отправить")
        await sys.expect(citizen, "зарегистрировано")
        await citizen.tap("📝 Сообщить о проблеме")
        await citizen.press(await sys.expect(citizen, "О чём ваше сообщение"), "🤷 Не знаю")
        await citizen.press(await sys.expect(citizen, "Что это за место?"), "📍 Другое место")
        await sys.expect(citizen, "Опишите проблему")
        await citizen.send_text("Не горит фонарь")
        await citizen.press(await sys.expect(citizen, "Записал"), "Готово ➡️")
        await citizen.press(await sys.expect(citizen, "Где это?"), "хутор Малый")
        await citizen.press(await sys.expect(citizen, "Проверьте"), "✅ Отправить")
        await sys.expect(citizen, "подождите немного")
    assert await count(sm, Item) == 2


async def test_no_consent_no_data(engine, sm, muni):
    async with running_system(engine) as sys:
        stranger = sys.user(5002)
        await stranger.send_text("Нет воды!")
        await sys.expect(stranger, "нажмите /start")
        await stranger.send_text("📝 Сообщить о проблеме")  # typed without a menu
        await sys.expect(stranger, "согласие")
    from models import Citizen

    assert await count(sm, Citizen) == 0 and await count(sm, Item) == 0


async def test_typing_instead_of_pressing_gets_a_hint_not_a_dead_end(engine, sm, muni):
    async with running_system(engine) as sys:
        citizen = await sys.citizen(5001)
        await citizen.tap("📝 Сообщить о проблеме")
        topics = await sys.expect(citizen, "О чём ваше сообщение")
        await citizen.send_text("вода")
        await sys.expect(citizen, "Выберите тему кнопкой")
        await citizen.press(topics, "ЖКХ")
        await sys.expect(citizen, "Опишите проблему")
        await citizen.send_text("Нет воды")
        await citizen.press(await sys.expect(citizen, "Записал"), "Готово ➡️")
        await citizen.press(await sys.expect(citizen, "Где это?"), "село Тестовое")
        summary = await sys.expect(citizen, "Проверьте")
        await citizen.send_text("ну что там?")
        await sys.expect(citizen, "Нажмите «Отправить»")
        await citizen.press(summary, "✅ Отправить")
        await sys.expect(citizen, "зарегистрировано")
    assert await count(sm, Item) == 1
