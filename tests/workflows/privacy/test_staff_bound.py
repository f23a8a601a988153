"""Masking where citizens' texts leave for staff: every outbox row for staff, and the weekly
note's quotes and workbook; what citizens are told is not masked (they wrote it)."""

import io
import zipfile
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Channel, Outbox, Role, Staff
from tests.helpers import register
from tests.workflows.reports.test_reports import NOW, W45, at, seed, seed_week
from workflows.digest.build import build_digest
from workflows.notifications.notify import staff_notice

PII = "Звоните 89281112233, Патимат Алиева, нет света"
SECRETS = ("89281112233", "Патимат", "Алиева")


def test_every_staff_notice_is_masked_whatever_its_kind():
    staff = Staff(id=7, municipality_id=1, code="op", name="Оператор", role=Role.operator)
    payload = {"number": "Т-1", "text": PII, "place": "ул. Ленина 5 кв 3", "reply": PII}
    for kind in ("assigned", "citizen_replied", "escalation", "ping", "dead_letter"):
        row = staff_notice(
            staff=staff, item=None, kind=kind, payload=payload, dedup="d", now=datetime.now(UTC)
        )
        got = row["payload"]
        assert got["text"] == got["reply"] == "Звоните [телефон], [имя], нет света"
        assert got["place"] == "[адрес]" and got["number"] == "Т-1"
    assert payload["text"] == PII  # the item's own data is untouched


async def test_the_item_keeps_the_full_text_and_its_outbox_rows_for_staff_do_not(sm, clock, muni):
    item = await register(sm, clock, muni, "Нет воды. " + PII)
    async with sm() as s:
        rows = list(await s.exec(select(Outbox).where(Outbox.item_id == item.id)))
    staff_rows = [r for r in rows if r.staff_id is not None]
    assert staff_rows and item.text == "Нет воды. " + PII
    for row in staff_rows:
        assert row.channel in (Channel.telegram, Channel.console)
        assert not [s for s in SECRETS if s in str(row.payload)], row.payload


async def test_the_weekly_note_and_its_workbook_quote_texts_masked(
    sm: async_sessionmaker[AsyncSession], muni: int
) -> None:
    await seed_week(sm, muni)
    await seed(sm, muni, registered_at=at(4, 10), status="new", text=PII)  # awaits a decision
    async with sm() as s:
        doc = await build_digest(s, municipality_id=muni, week=W45, now=NOW)
    with zipfile.ZipFile(io.BytesIO(doc.files[-1].content)) as z:
        book = b"".join(z.read(n) for n in z.namelist()).decode("utf-8", "replace")
    assert "Звоните [телефон], [имя]" in doc.text and "Звоните [телефон], [имя]" in book
    assert not [s for s in SECRETS if s in doc.text or s in book]
