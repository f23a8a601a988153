"""The two roles 59-ФЗ adds, where staff roles are listed: the глава gets the weekly note."""

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import col, select

from models import Outbox, Staff
from tests.appeal_setup import APPEAL_SETUP
from tests.helpers import register
from workflows.core.clock import FakeClock
from workflows.digest.schedule import run_due_digests
from workflows.setup.apply import check_apply_setup

MSK = ZoneInfo("Europe/Moscow")


async def test_the_weekly_note_goes_to_the_glava_too(sm, clock, muni) -> None:
    async with sm() as s:
        await check_apply_setup(s, text=APPEAL_SETUP, clock=clock)
    await register(sm, clock, muni, "Нет воды в селе")  # the week has something to report
    monday = FakeClock(datetime(2025, 12, 8, 9, 0, tzinfo=MSK))
    assert await run_due_digests(sm, monday) == 1
    async with sm() as s:
        got = await s.exec(
            select(Staff.code)
            .join(Outbox, col(Outbox.staff_id) == Staff.id)
            .where(Outbox.kind == "digest", Outbox.payload["part"].as_string() == "text")
        )
        codes = sorted(got)
    assert codes == ["curator", "glava", "head", "lead_roads", "lead_zhkh"], "not the ПОС officer"
