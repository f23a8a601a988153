"""The operators' nudge after a poll: one outbox row a poll when new candidates wait, with the
count and the best score and no resident's words; none when the score accepted them all or
nothing is new; a poll that stored but did not get to tell is told by the next one."""

import re
from datetime import timedelta

from sqlmodel import col, select

from models import Outbox, Role, Staff
from tests.workflows.incidents.test_incidents import Record, Sm, setup, store, water_main
from workflows.core.clock import FakeClock
from workflows.incidents.monitoring import check_record_poll
from workflows.incidents.nudge import NUDGE_KIND


async def poll_done(sm: Sm, clock: FakeClock, mid: int) -> None:
    async with sm() as s:
        await check_record_poll(s, municipality_id=mid, reports=[], now=clock.now())


async def nudges(sm: Sm) -> list[Outbox]:
    async with sm() as s:
        q = select(Outbox).where(Outbox.kind == NUDGE_KIND).order_by(col(Outbox.id))
        return list(await s.exec(q))


async def operators(sm: Sm, mid: int) -> set[int]:
    async with sm() as s:
        q = select(Staff.id).where(Staff.municipality_id == mid, Staff.role == Role.operator)
        return {i for i in await s.exec(q) if i is not None}


async def test_one_nudge_a_poll_with_the_count_and_best_score_only(
    sm: Sm, clock: FakeClock
) -> None:
    mid = await setup(sm, clock, accept=None)  # the operator decides every candidate
    at = clock.now() - timedelta(hours=4)
    # Two batches in one poll (two sources, say): one nudge for both, at the poll's end.
    await store(sm, clock, mid, water_main(at)[:2])
    await store(sm, clock, mid, [*water_main(at)[2:], Record(30, None, at, "Продаю мёд, звоните")])
    await poll_done(sm, clock, mid)
    (row,) = [n for n in await nudges(sm) if n.staff_id in await operators(sm, mid)]
    assert len(await nudges(sm)) == len(await operators(sm, mid)) == 1
    assert row.payload["count"] == 3, "the advert is below the threshold: not waiting"
    text = row.payload["text"]
    assert re.fullmatch(r"Ждут решения: 3 \(лучшая оценка \d,\d\d\)\. Откройте .*«Соцсети».*", text)
    assert "водопровод" not in text and "Бежт" not in text, "no resident's words"
    assert row.item_id is None

    await poll_done(sm, clock, mid)
    assert len(await nudges(sm)) == 1, "a poll with nothing new tells nothing"
    await store(sm, clock, mid, water_main(at))  # read again: stored before, nothing new
    await poll_done(sm, clock, mid)
    assert len(await nudges(sm)) == 1

    # A poll that stored and crashed before recording: the next poll tells about it.
    await store(sm, clock, mid, [Record(40, None, at, "В Бежте нет света, упал столб")])
    await store(sm, clock, mid, [Record(41, None, at, "В Бежте яма на дороге у школы")])
    await poll_done(sm, clock, mid)
    second = await nudges(sm)
    assert len(second) == 2 and second[1].payload["count"] == 2


async def test_no_nudge_when_the_score_accepted_them_all(sm: Sm, clock: FakeClock) -> None:
    mid = await setup(sm, clock, accept=0.5)  # every candidate goes in by its score
    at = clock.now() - timedelta(hours=4)
    assert await store(sm, clock, mid, water_main(at)) == 3
    await poll_done(sm, clock, mid)
    assert await nudges(sm) == []
