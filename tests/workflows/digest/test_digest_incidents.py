"""The weekly note's paragraph on social-network incidents, and its ratings in the part of
incidents and of ПОС: with incidents, without them, and without any watched wall."""

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Channel, SocialMonitor
from tests.workflows.reports.test_cuts import PHONE, seed_mixed
from tests.workflows.reports.test_reports import NOW, W45, at, ids, seed
from workflows.digest import build as digest
from workflows.digest.build import build_digest, note_text

HEADING = "<b>Инциденты из соцсетей</b>"
NONE = "Инцидентов из соцсетей за неделю не было."


async def test_the_paragraph_counts_the_weeks_incidents(
    sm: async_sessionmaker[AsyncSession], muni: int
) -> None:
    k = await seed_mixed(sm, muni)
    async with sm() as s:
        doc = await build_digest(s, municipality_id=muni, week=W45, now=NOW)
    text = doc.text
    part = text[text.index(HEADING) : text.index("<b>Точки роста</b>")].strip().split("\n")
    assert part == [
        HEADING,
        "Инцидентов: <b>4</b> · публикаций в соцсетях: 7",
        "Первая реакция в срок: 2 из 4 (50 %) · с опозданием: 1 · ещё без реакции: 1",
        "Ответ опубликован под постом: 2",
        "Где: село Тестовое 2 · хутор Малый 2",
        "Темы: ЖКХ 3 · Дороги 1",
        "Больше всего публикаций (3): I-1 — «Прорвало трубу, звоните [телефон]»",
    ]
    assert PHONE not in text  # quoted texts are masked as elsewhere in the note
    book = load_workbook(io.BytesIO(doc.files[2].content))
    assert "Рейтинг по инцидентам" in book.sheetnames and "Рейтинг по ПОС" in book.sheetnames
    names = {k["water"]: "Исполнитель водоснабжение"}
    incidents = list(book["Рейтинг по инцидентам"].iter_rows(values_only=True))[1:]
    assert {(r[1], r[3], r[6]) for r in incidents} >= {(names[k["water"]], 2, 0)}
    assert len(incidents) == 2  # water (I-1, I-4 answered) and roadman (I-3 open)
    pos = list(book["Рейтинг по ПОС"].iter_rows(values_only=True))[1:]
    assert sorted((r[3], r[6]) for r in pos) == [(0, 1), (1, 0)]  # roadman open, heat answered


async def test_no_paragraph_without_incidents_nor_watched_walls(
    sm: async_sessionmaker[AsyncSession], muni: int
) -> None:
    await seed(sm, muni, registered_at=at(3, 10))
    async with sm() as s:
        text = await note_text(s, municipality_id=muni, week=W45, now=NOW)
        doc = await build_digest(s, municipality_id=muni, week=W45, now=NOW)
    assert HEADING not in text and NONE not in text and "инцидент" not in text.lower()
    sheets = load_workbook(io.BytesIO(doc.files[2].content)).sheetnames
    assert "Рейтинг по инцидентам" not in sheets and "Рейтинг по ПОС" not in sheets


async def test_one_plain_line_when_watched_walls_gave_no_incidents(
    sm: async_sessionmaker[AsyncSession], muni: int
) -> None:
    await seed(sm, muni, registered_at=at(3, 10))
    async with sm() as s:
        s.add(SocialMonitor(municipality_id=muni, sources=[{"owner_id": -1, "name": "x"}]))
        await s.commit()
        text = await note_text(s, municipality_id=muni, week=W45, now=NOW)
    assert NONE in text and HEADING not in text
    lines = text.split("\n")
    assert lines[lines.index(NONE) - 1] == ""  # a paragraph of its own


async def test_a_cut_that_is_the_whole_adds_no_sheet(
    sm: async_sessionmaker[AsyncSession], muni: int
) -> None:
    """A municipality whose items all come through ПОС (the St Petersburg replay): its ПОС
    rating is its rating, and the workbook does not repeat it."""
    k = await ids(sm, muni)
    await seed(sm, muni, registered_at=at(3, 10), channel=Channel.pos, assignee_id=k["water"])
    async with sm() as s:
        doc = await build_digest(s, municipality_id=muni, week=W45, now=NOW)
    sheets = load_workbook(io.BytesIO(doc.files[2].content)).sheetnames
    assert "Рейтинг исполнителей" in sheets and "Рейтинг по ПОС" not in sheets


async def test_a_big_backlog_leaves_the_cut_ratings_to_the_api(
    sm: async_sessionmaker[AsyncSession], muni: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    await seed_mixed(sm, muni)
    monkeypatch.setattr(digest, "CUT_SHEETS_MAX_OPEN", 2)  # four items are open now
    async with sm() as s:
        doc = await build_digest(s, municipality_id=muni, week=W45, now=NOW)
    book = load_workbook(io.BytesIO(doc.files[2].content))
    assert "Рейтинг по инцидентам" not in book.sheetnames
    summary = dict(book["Сводка"].iter_rows(values_only=True))
    assert "rating?period=2026-W45&kind=incident" in summary["Рейтинги по инцидентам и ПОС"]
    assert HEADING in doc.text  # the paragraph stays: it is cheap
