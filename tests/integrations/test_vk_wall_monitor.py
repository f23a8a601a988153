"""A municipality's monitoring: its watched walls polled through the VK emulator and the real
vk_api stack, posts and comments stored scored with the setup's vocabulary, never twice."""

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from integrations.vk_wall import do_poll_municipality
from integrations.vk_wall.cursor import do_clear_cursor
from integrations.vk_wall.monitor import monitor_scope
from models import SocialMonitor, SocialPost, SocialStatus
from tests.integrations.vk_wall_kit import wall_world
from workflows.core.clock import FakeClock
from workflows.core.errors import Invalid
from workflows.setup.apply import check_apply_setup, parse_setup

VILLAGE, PAPER = -229_000_001, -229_000_002
BEZHTA = (Path(__file__).parents[2] / "setup" / "bezhta.yaml").read_text(encoding="utf-8")
MONITORING = f"""
monitoring:
  sources:
    - {{vk: {VILLAGE}, name: "Бежта — село", read: both}}
    - {{vk: {PAPER}, name: "Газета «Бежта»", read: posts}}
  keywords: [сель, завал]
  threshold: 0.5
  backfill_days: 3
"""
Sm = async_sessionmaker[AsyncSession]


async def apply(sm: Sm, clock: FakeClock, text: str) -> int:
    async with sm() as s:
        return (await check_apply_setup(s, text=text, clock=clock)).municipality_id


async def stored(sm: Sm) -> list[SocialPost]:
    async with sm() as s:
        q = select(SocialPost).order_by(col(SocialPost.post_id), col(SocialPost.comment_id))
        return list(await s.exec(q))


async def test_a_poll_stores_scored_posts_and_comments_once(sm: Sm, clock: FakeClock) -> None:
    mid = await apply(sm, clock, BEZHTA + MONITORING)
    async with wall_world(clock, service=True) as (emu, client):
        water = emu.post(VILLAGE, "В Бежте прорвало водопровод, третий день нет воды!")
        reply = emu.comment(VILLAGE, water.id, "На верхней улице тоже нет воды, помогите")
        advert = emu.post(VILLAGE, "Продаю мёд из Гунзиба недорого, доставка по Бежте")
        hello = emu.post(PAPER, "Поздравляем жителей Бежты с праздником! Желаем счастья")
        emu.comment(PAPER, hello.id, "Спасибо! (комментарии газеты не читаем)")

        async def poll() -> list[int]:
            reports = await do_poll_municipality(
                sm=sm, client=client, clock=clock, municipality_id=mid
            )
            return [r.new for r in reports]

        assert await poll() == [3, 1]
        rows = await stored(sm)
        by_key = {(r.owner_id, r.post_id, r.comment_id): r for r in rows}
        assert sorted(by_key) == sorted(
            [
                (VILLAGE, water.id, 0),
                (VILLAGE, water.id, reply.id),
                (VILLAGE, advert.id, 0),
                (PAPER, hello.id, 0),
            ]
        )
        complaint = by_key[(VILLAGE, water.id, 0)]
        assert complaint.status is SocialStatus.candidate
        assert complaint.score >= 0.5
        assert {"signal": "locality", "word": "Бежта"} in complaint.reasons
        assert any(r["signal"] == "sector" and r["word"] == "водопровод" for r in complaint.reasons)
        assert complaint.link == f"https://vk.com/wall{VILLAGE}_{water.id}"
        assert complaint.source == "Бежта — село"
        comment = by_key[(VILLAGE, water.id, reply.id)]
        assert comment.status is SocialStatus.candidate
        assert comment.link.endswith(f"?reply={reply.id}")
        for quiet in (by_key[(VILLAGE, advert.id, 0)], by_key[(PAPER, hello.id, 0)]):
            assert quiet.status is SocialStatus.ignored, quiet.text
            assert quiet.score < complaint.score
        assert any(r["signal"] == "advert" for r in by_key[(VILLAGE, advert.id, 0)].reasons)
        assert any(r["signal"] == "greeting" for r in by_key[(PAPER, hello.id, 0)].reasons)

        assert await poll() == [0, 0], "nothing new, nothing stored"
        assert len(await stored(sm)) == 4

        # A crash after storing but before the cursor was saved: the batch comes again.
        await do_clear_cursor(sm, VILLAGE, scope=monitor_scope(mid))
        await do_clear_cursor(sm, PAPER, scope=monitor_scope(mid))
        assert await poll() == [3, 1], "the reader hands the batch again"
        assert [(r.id, r.status, r.score) for r in await stored(sm)] == [
            (r.id, r.status, r.score) for r in rows
        ], "and the store keeps what it had"

        clock.advance(timedelta(hours=1))
        later = emu.comment(VILLAGE, water.id, "Сель перекрыл дорогу на Гунзиб, завал")
        assert await poll() == [1, 0], "a new reader (restart) reads only what is new"
        rows = await stored(sm)
        assert len(rows) == 5
        new = next(r for r in rows if r.comment_id == later.id)
        assert new.status is SocialStatus.candidate
        assert any(r["word"] == "сель" for r in new.reasons), "monitoring's own keywords count"


async def test_two_municipalities_watching_one_wall_each_store_its_posts(
    sm: Sm, clock: FakeClock
) -> None:
    first = await apply(sm, clock, BEZHTA + MONITORING)
    other = BEZHTA.replace("code: bezhta", "code: bezhta2").replace("БЖТ", "БЖД")
    second = await apply(sm, clock, other + MONITORING)
    assert first != second
    async with wall_world(clock, service=True) as (emu, client):
        emu.post(VILLAGE, "В Бежте прорвало водопровод, третий день нет воды!")
        for mid in (first, second):
            reports = await do_poll_municipality(
                sm=sm, client=client, clock=clock, municipality_id=mid
            )
            assert [r.new for r in reports] == [1, 0], mid
    assert sorted(r.municipality_id for r in await stored(sm)) == sorted([first, second])


async def test_a_setup_without_monitoring_switches_it_off(sm: Sm, clock: FakeClock) -> None:
    mid = await apply(sm, clock, BEZHTA + MONITORING)
    await apply(sm, clock, BEZHTA)
    async with wall_world(clock, service=True) as (emu, client):
        emu.post(VILLAGE, "В Бежте нет воды")
        reports = await do_poll_municipality(sm=sm, client=client, clock=clock, municipality_id=mid)
    assert reports == []
    assert await stored(sm) == []


@pytest.mark.parametrize(
    "mutation,message",
    [
        ((f"vk: {VILLAGE}", "vk: 0"), "id стены VK не может быть 0"),
        (("read: both", "read: всё"), "monitoring.sources.0.read"),
        ((f"vk: {PAPER}", f"vk: {VILLAGE}"), f"источник указан дважды: {VILLAGE}"),
        (("threshold: 0.5", "threshold: 2"), "monitoring.threshold"),
        (("keywords: [сель, завал]", 'keywords: [сель, "  "]'), "пустое ключевое слово"),
        (
            ("backfill_days: 3", "backfill_days: 3\n  accept_above: 0.4"),
            "ниже порога кандидата threshold (0.5)",
        ),
        (("backfill_days: 3", "backfill_days: 3\n  publish: always"), "monitoring.publish"),
    ],
)
async def test_bad_monitoring_is_refused_and_changes_nothing(
    sm: Sm, clock: FakeClock, mutation: tuple[str, str], message: str
) -> None:
    await apply(sm, clock, BEZHTA + MONITORING)
    async with sm() as s:
        before = (await s.exec(select(SocialMonitor))).one().model_dump()
    assert before["accept_above"] is None and before["publish"] == "approve", "the defaults"
    bad = (BEZHTA + MONITORING).replace(*mutation, 1).replace("Бежта — село", "Бежта, новое имя")
    assert bad != BEZHTA + MONITORING
    with pytest.raises(Invalid) as err:
        parse_setup(bad)
    assert message in err.value.reason
    with pytest.raises(Invalid):
        await apply(sm, clock, bad)
    async with sm() as s:
        assert (await s.exec(select(SocialMonitor))).one().model_dump() == before
        assert await s.scalar(select(func.count()).select_from(SocialPost)) == 0
