"""The right to erasure, end to end: a citizen who wrote, sent a photo, a location and a contact,
added details and got an answer sends /delete_me; then every column of every table (the JSON,
the binary files — a workbook's XML inside its zip — included) is searched for anything that
identifies them or repeats what they typed: nothing is found. What statistics need stays."""

import io
import json
import zipfile
from datetime import date
from typing import Any

from sqlalchemy import select as core_select
from sqlmodel import select

from models import Attachment, Citizen, Consent, ConsentText, Item, ItemEvent, metadata
from tests.bot.harness import running_system
from workflows.texts.citizen import CONSENT_TEXT, CONSENT_VERSION

UID = 7733221100  # a Telegram id no other number in the database looks like
FIRST, LAST, USERNAME = "Магомедрасул", "Гаджиев", "gadzhiev_magomed"
PHONE_TYPED, PHONE_SHARED = "+7 928 555-44-33", "+79285554433"
REPORT = f"Нет воды, прорвало трубу у дома 12 на Садовой, звоните {PHONE_TYPED}, {FIRST}"
DETAILS = "Вода уже заливает подвал соседей Алиевых"
LAT, LON = 42.812345, 46.712345


def _cells(value: Any) -> list[str]:
    """A column's value as the texts to search: JSON as written, a zip's XML parts unpacked."""
    if value is None:
        return []
    if isinstance(value, bytes):
        try:
            with zipfile.ZipFile(io.BytesIO(value)) as z:
                return [z.read(n).decode("utf-8", "replace") for n in z.namelist()]
        except zipfile.BadZipFile:
            return [value.decode("utf-8", "replace")]
    if isinstance(value, dict | list):
        return [json.dumps(value, ensure_ascii=False)]
    return [str(value)]


async def scan(sm: Any, needles: list[str]) -> list[str]:
    """Every table, every row, every column: where any needle occurs."""
    found = []
    async with sm() as s:
        for table in metadata.sorted_tables:
            for row in (await s.execute(core_select(table))).all():
                for column, value in zip(table.columns, row, strict=True):
                    for cell in _cells(value):
                        found += [
                            f"{table.name}.{column.name}: {n!r}"
                            for n in needles
                            if n.lower() in cell.lower()
                        ]
    return found


async def test_after_delete_me_no_table_holds_the_citizen(engine, sm, muni):
    async with running_system(engine) as sys:
        water = await sys.staff_user("water", 9001)
        person = sys.emu.user(UID, first_name=FIRST, last_name=LAST, username=USERNAME)
        citizen = await sys.citizen(UID, person)
        await sys.begin_report(citizen)
        await citizen.send_text(REPORT)
        await sys.expect(citizen, "Записал")
        await citizen.send_contact(phone_number=PHONE_SHARED, first_name=FIRST)
        await citizen.send_photo(caption="вот так течёт")
        done = await sys.expect(citizen, "Вложение сохранено")
        await citizen.press(done, "Готово ➡️")
        await sys.expect(citizen, "Где это?")
        await citizen.send_location(LAT, LON)
        summary = await sys.expect(citizen, "Проверьте")
        await citizen.press(summary, "✅ Отправить")
        await sys.expect(citizen, "зарегистрировано под номером")

        card = await sys.expect(water, "ТСТ-2025-000001")
        await water.press(card, "✅ Взять")
        await sys.expect(citizen, "взято в работу")
        await citizen.tap("📋 Мои сообщения")
        mine = await sys.expect(citizen, "Ваши последние сообщения")
        await citizen.press(mine, "ТСТ-2025-000001")
        opened = await sys.expect(citizen, "ТСТ-2025-000001 —")
        await citizen.press(opened, "➕ Дополнить")
        await sys.expect(citizen, "Напишите, что добавить")
        await citizen.send_text(DETAILS)
        await sys.expect(citizen, "Спасибо, передали исполнителю")
        card = await sys.expect(water, "в работе")
        await water.press(card, "✍️ Ответить")
        await sys.expect(water, "Напишите ответ гражданину")
        await water.send_text(f"{FIRST}, трубу заменили, вода есть")
        await sys.expect(citizen, "трубу заменили")

        async with sm() as s:
            photo = (await s.exec(select(Attachment))).one().file_id
            kept = (await s.exec(select(ConsentText))).one()
        assert (kept.version, kept.text) == (CONSENT_VERSION, CONSENT_TEXT)
        needles = [
            str(UID), FIRST, LAST, USERNAME, PHONE_TYPED, PHONE_SHARED, "555-44-33",
            "прорвало трубу у дома 12", DETAILS, photo, str(LAT), str(LON),
        ]  # fmt: skip
        before = await scan(sm, needles)
        # The scan finds what is there: each kind of data was kept somewhere before erasure.
        for needle in (str(UID), "прорвало трубу у дома 12", DETAILS, photo, str(LAT)):
            assert any(repr(needle) in f for f in before), (needle, before)

        await citizen.send_text("/delete_me")
        await sys.expect(citizen, "персональные данные удалены")

    assert await scan(sm, needles) == []
    async with sm() as s:
        item = (await s.exec(select(Item))).one()
        erased = (await s.exec(select(ItemEvent).where(ItemEvent.action == "erased"))).one()
        person = (await s.exec(select(Citizen))).one()
        consent = (await s.exec(select(Consent))).one()
    # What the reports need stays: the number, sector, locality, dates, status, the answer time.
    assert item.number == "ТСТ-2025-000001" and item.sector_id is not None
    assert item.registered_at.date() == date(2025, 12, 2) and item.answered_at is not None
    assert item.text == "[удалено по просьбе жителя]" and item.lat is None
    assert erased.data == {"cleared": ["text", "coordinates", "answer_text", "attachments"]}
    assert item.answer_text == "[удалено по просьбе жителя], трубу заменили, вода есть"
    assert person.erased_at is not None and consent.withdrawn_at is not None
