"""The weekly note: its text and files for a seeded week, the once-only Monday run, make-up
after downtime, two workers at once, and delivery through the Telegram emulator."""

import asyncio
import io
import zipfile
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Citizen, Digest, Outbox, Staff
from tests.bot.harness import running_system, text_of
from tests.workflows.reports.test_reports import MSK, NOW, W45, at, seed, seed_week
from workflows.core.clock import FakeClock
from workflows.digest import build as digest
from workflows.digest.build import build_digest
from workflows.digest.schedule import due_week, run_due_digests


def wall(day: int, hour: int, minute: int = 0) -> datetime:
    """A November 2026 Moscow time as a spreadsheet cell holds it: local and naive."""
    return datetime(2026, 11, day, hour, minute, tzinfo=MSK).replace(tzinfo=None)


async def test_note_for_a_seeded_week(sm: async_sessionmaker[AsyncSession], muni: int) -> None:
    await seed_week(sm, muni)
    async with sm() as s:
        citizen = Citizen(created_at=NOW, name="Гасанов Магомед", phone="+79281234567",
                          address="ул. Секретная, 7")  # fmt: skip
        s.add(citizen)
        await s.commit()
        await s.refresh(citizen)
    await seed(sm, muni, registered_at=at(4, 10), citizen_id=citizen.id, status="new")
    async with sm() as s:
        doc = await build_digest(s, municipality_id=muni, week=W45, now=NOW)
    text = doc.text
    assert "за неделю 2–8 ноября 2026" in text
    # six registered (A B C D E and the citizen's), one the week before: +500 %
    assert "Поступило: <b>6</b> (неделей ранее 1, +500 %)" in text
    assert "С нарушением срока: <b>1</b> · в срок: 67 %" in text
    assert "из них просрочено: <b>2</b>" in text
    assert "Значимого роста нет." in text
    assert "не распределено" in text and "открыто повторно" in text
    assert len(text) < 4096
    names = [f.name for f in doc.files]
    assert names == ["weekly-2026-W45.png", "heatmap-2026-W45.png", "mcu-2026-W45.xlsx"]
    assert all(f.content[:8] == b"\x89PNG\r\n\x1a\n" for f in doc.files[:2])
    book = load_workbook(io.BytesIO(doc.files[2].content))
    # D is an incident (open, heat's): the rating in the part of incidents; no ПОС this week.
    assert book.sheetnames == ["Сводка", "Рейтинг исполнителей", "Рейтинг секторов",
                               "Рейтинг по инцидентам", "Обращения недели"]  # fmt: skip
    items = list(book["Обращения недели"].iter_rows(values_only=True))
    assert items[0][0] == "Номер" and len(items) == 1 + 6
    # Those needing attention first: D overdue now, B answered late; then by registration
    # (A, C, the citizen's, E); times local and naive, as a spreadsheet shows them.
    assert [row[1] for row in items[1:]] == [
        wall(day, hour, minute) for day, hour, minute in
        ((5, 9, 0), (2, 12, 0), (2, 10, 0), (3, 9, 0), (4, 10, 0), (8, 23, 59))
    ]  # fmt: skip
    assert items[1][11] is None and items[2][11] == "да"  # D has no answer; B was late
    assert "Полный список" not in text  # the whole week fits the workbook
    summary = dict(book["Сводка"].iter_rows(values_only=True))
    assert summary["Поступило"] == 6 and summary["Просрочено сейчас"] == 2
    # The citizen's personal data appears nowhere: not in the text, not inside the workbook.
    with zipfile.ZipFile(io.BytesIO(doc.files[2].content)) as z:
        raw = b"".join(z.read(n) for n in z.namelist()).decode("utf-8", "replace")
    for secret in ("Гасанов", "+79281234567", "Секретная"):
        assert secret not in text and secret not in raw


async def test_a_big_week_puts_the_items_needing_attention_in_the_workbook(
    sm: async_sessionmaker[AsyncSession], muni: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    await seed_week(sm, muni)
    monkeypatch.setattr(digest, "ITEMS_IN_XLSX", 2)  # a city's week: more than the sheet takes
    async with sm() as s:
        doc = await build_digest(s, municipality_id=muni, week=W45, now=NOW)
    book = load_workbook(io.BytesIO(doc.files[2].content))
    items = list(book["Обращения недели"].iter_rows(values_only=True))
    assert [row[1] for row in items[1:]] == [wall(5, 9), wall(2, 12)]
    summary = dict(book["Сводка"].iter_rows(values_only=True))
    where = "/api/v1/reports/items?period=2026-W45&format=xlsx"
    assert summary["Лист «Обращения недели»"].startswith("2 из 5: сначала просроченные")
    assert where in summary["Лист «Обращения недели»"]
    # In a <code> entity: Telegram would make a bare "/api…" a bot command to tap.
    assert "2 из 5 обращений недели" in doc.text
    assert f"<code>{where.replace('&', '&amp;')}</code>" in doc.text


async def test_monday_run_is_once_only_and_made_up_after_downtime(
    sm: async_sessionmaker[AsyncSession], muni: int
) -> None:
    await seed_week(sm, muni)
    clock = FakeClock(datetime(2026, 11, 9, 8, 59, tzinfo=MSK))  # Monday before nine
    assert await run_due_digests(sm, clock) == 0
    clock.set(datetime(2026, 11, 9, 9, 0, tzinfo=MSK))
    assert await run_due_digests(sm, clock) == 1
    assert await run_due_digests(sm, clock) == 0  # already made: once only
    async with sm() as s:
        rows = list(await s.exec(select(Outbox).where(Outbox.kind == "digest")))
        people = {st.id: st.code for st in await s.exec(select(Staff))}
    # head, curator and both sector leads; each gets the text and three files
    assert sorted({people[r.staff_id or 0] for r in rows}) == [
        "curator", "head", "lead_roads", "lead_zhkh"
    ]  # fmt: skip
    assert len(rows) == 4 * 4
    assert sum(r.payload["part"] == "text" for r in rows) == 4
    # The system was down over the next Monday: the note is made when it comes back on Wednesday.
    clock.set(datetime(2026, 11, 18, 15, 0, tzinfo=MSK))
    assert await run_due_digests(sm, clock) == 1
    async with sm() as s:
        weeks = [str(d.week_start) for d in await s.exec(select(Digest).order_by(col(Digest.id)))]
    assert weeks == ["2026-11-02", "2026-11-09"]


async def test_two_workers_make_one_note(sm: async_sessionmaker[AsyncSession], muni: int) -> None:
    await seed_week(sm, muni)
    clock = FakeClock(datetime(2026, 11, 9, 10, 0, tzinfo=MSK))
    made = await asyncio.gather(run_due_digests(sm, clock), run_due_digests(sm, clock))
    assert sorted(made) == [0, 1]
    async with sm() as s:
        assert (await s.execute(select(func.count()).select_from(Digest))).scalar_one() == 1
        total = select(func.count()).select_from(Outbox).where(Outbox.kind == "digest")
        assert (await s.execute(total)).scalar_one() == 16


async def test_no_note_for_a_municipality_without_items(
    sm: async_sessionmaker[AsyncSession], muni: int
) -> None:
    clock = FakeClock(datetime(2026, 11, 9, 10, 0, tzinfo=MSK))
    assert await run_due_digests(sm, clock) == 0


def test_due_week_follows_local_monday_nine() -> None:
    from models import Municipality

    vladivostok = ZoneInfo("Asia/Vladivostok")
    far = Municipality(code="x", name="x", number_prefix="X", tz="Asia/Vladivostok")
    moscow = Municipality(code="y", name="y", number_prefix="Y", tz="Europe/Moscow")
    assert due_week(far, datetime(2026, 11, 9, 8, 59, tzinfo=vladivostok)) is None
    # Monday 08:30 in Moscow is 15:30 in Vladivostok: the far east's note is due, Moscow's not.
    morning = datetime(2026, 11, 9, 8, 30, tzinfo=MSK)
    week = due_week(far, morning)
    assert week is not None and week.code == "2026-W45"
    assert due_week(moscow, morning) is None


async def test_note_arrives_in_telegram(engine: AsyncEngine, sm, muni: int) -> None:
    start = datetime(2026, 11, 9, 8, 0, tzinfo=MSK)
    async with running_system(engine, start=start) as sys:
        head = await sys.staff_user("head", 9100)
        await seed_week(sm, muni)
        sys.clock.set(datetime(2026, 11, 9, 9, 1, tzinfo=MSK))
        from workflows.jobs.tasks import make_due_digests

        sys.rt.settings.weekly_note = True
        assert await make_due_digests(sys.rt) == 1
        note = await sys.expect(head, "Аналитическая записка МЦУ")
        assert "Поступило: 5" in text_of(note)  # the HTML rendered: bold is an entity
        await sys.emu.wait_until(
            lambda: len([m for m in head.bot_messages() if "document" in m]) == 1, 10
        )
        photos = [m for m in head.bot_messages() if "photo" in m]
        document = next(m for m in head.bot_messages() if "document" in m)
        assert len(photos) == 2 and document["document"]["file_name"] == "mcu-2026-W45.xlsx"
        async with sm() as s:
            head_id = (await s.exec(select(Staff.id).where(Staff.code == "head"))).one()
        left = (
            select(func.count())
            .select_from(Outbox)
            .where(
                Outbox.kind == "digest", Outbox.staff_id == head_id, col(Outbox.sent_at).is_(None)
            )
        )
        for _ in range(100):  # the sender marks a row sent just after Telegram accepted it
            async with sm() as s:
                if (await s.execute(left)).scalar_one() == 0:
                    break
            await asyncio.sleep(0.1)
        else:
            raise AssertionError("the note's outbox rows were not all marked sent")


async def test_stats_for_the_head_in_telegram(engine: AsyncEngine, sm, muni: int) -> None:
    start = datetime(2026, 11, 10, 12, 0, tzinfo=MSK)
    async with running_system(engine, start=start) as sys:
        head = await sys.staff_user("head", 9200)
        water = await sys.staff_user("water", 9201)
        await seed_week(sm, muni)
        await water.send_text("/stats")
        await sys.expect(water, "доступна руководителю МЦУ")
        await head.send_text("/stats 2026-13")
        await sys.expect(head, "Нет месяца 13")
        await head.send_text("/stats 2026-11")
        await sys.expect(head, "не неделя")
        await head.send_text("/stats last-week")
        note = await sys.expect(head, "Аналитическая записка МЦУ за неделю 2–8 ноября 2026")
        assert "Поступило: 5" in text_of(note) and "Во вложении" not in text_of(note)
        await head.press(note, "📊 Графики и таблица XLSX")
        await sys.emu.wait_until(lambda: any("document" in m for m in head.bot_messages()), 15)
        assert sum("photo" in m for m in head.bot_messages()) == 2
