"""Erasure reaches the weekly note: a citizen's item quoted in the note's text and listed in its
workbook (made by the real Monday run) loses the quote and the cell; the others' stay."""

import io
from datetime import datetime

from openpyxl import load_workbook
from sqlmodel import col, select

from models import Channel, Citizen, CitizenIdentity, Digest, DigestFile
from tests.workflows.reports.test_reports import MSK, NOW, at, seed, seed_week
from workflows.citizens.erasure import check_erase_citizen
from workflows.core.clock import FakeClock
from workflows.digest.schedule import run_due_digests

WORDS = "Сорвало крышу над спортзалом школы, звоните 89281234567"


def cells(content: bytes) -> list[str]:
    book = load_workbook(io.BytesIO(content))
    return [str(c) for row in book["Обращения недели"].iter_rows(values_only=True) for c in row]


async def test_erasure_takes_the_quote_out_of_the_note_and_its_workbook(sm, muni):
    await seed_week(sm, muni)
    async with sm() as s:
        citizen = Citizen(created_at=NOW)
        s.add(citizen)
        await s.commit()
        await s.refresh(citizen)
        s.add(CitizenIdentity(citizen_id=citizen.id or 0, channel=Channel.vk, external_id="4455"))
        await s.commit()
    # Untriaged: the note quotes it among the items waiting for a decision.
    await seed(sm, muni, registered_at=at(7, 10), citizen_id=citizen.id, text=WORDS, status="new")
    assert await run_due_digests(sm, FakeClock(datetime(2026, 11, 9, 9, 0, tzinfo=MSK))) == 1
    async with sm() as s:
        note = (await s.exec(select(Digest))).one()
        book = (
            await s.exec(select(DigestFile).where(col(DigestFile.name).endswith(".xlsx")))
        ).one()
    quoted = "Сорвало крышу над спортзалом"
    assert quoted in note.text and any(quoted in c for c in cells(book.content))
    assert "89281234567" not in note.text  # masked for staff when the note was made

    async with sm() as s:
        done = await check_erase_citizen(s, channel=Channel.vk, external_id="4455", now=NOW)
    assert done is not None and done.digests == 2
    async with sm() as s:
        note = (await s.exec(select(Digest))).one()
        book = (
            await s.exec(select(DigestFile).where(col(DigestFile.name).endswith(".xlsx")))
        ).one()
    assert quoted not in note.text and "[удалено по просьбе жителя]" in note.text
    after = cells(book.content)
    assert not any(quoted in c for c in after)
    assert "[удалено по просьбе жителя]" in after and "текст" in after  # the others' stay
