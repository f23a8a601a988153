"""Reading public walls incrementally through the emulator and the real vk_api stack."""

from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from vk_api.exceptions import ApiError

from integrations.vk_wall import Read, WallSource
from models import ChannelCursor
from tests.integrations.vk_wall_kit import Got, reader, wall_world
from workflows.core.clock import FakeClock

VILLAGE, PAPER = -301, -302
SOURCES = [
    WallSource(VILLAGE, Read.both, "Село Липовка"),
    WallSource(PAPER, Read.posts, "Районная газета"),
]
Sm = async_sessionmaker[AsyncSession]


async def cursor_keys(sm: Sm, owner_id: int) -> list[str]:
    async with sm() as s:
        rows = await s.exec(
            select(ChannelCursor.key).where(col(ChannelCursor.key).startswith(f"vkwall:{owner_id}"))
        )
        return sorted(rows)


async def test_two_sources_read_once_and_a_restart_reads_only_the_new(
    sm: Sm, clock: FakeClock
) -> None:
    async with wall_world(clock, service=True) as (emu, client):
        water = emu.post(VILLAGE, "Нет воды на Садовой")
        reply = emu.comment(VILLAGE, water.id, "И у нас нет")
        news = emu.post(PAPER, "Ремонт дороги")
        emu.comment(PAPER, news.id, "Комментарий к газете не читаем")
        got = Got()
        first = reader(sm, client, clock, got)
        reports = await first.poll(SOURCES)
        assert got.keys() == [
            (VILLAGE, water.id, None),
            (VILLAGE, water.id, reply.id),
            (PAPER, news.id, None),
        ]
        assert got.all[1].link == f"https://vk.com/wall{VILLAGE}_{water.id}?reply={reply.id}"
        assert got.all[0].link == f"https://vk.com/wall{VILLAGE}_{water.id}"
        assert [r.new for r in reports] == [2, 1]
        await first.poll(SOURCES)
        assert len(got.all) == 3, "a second poll hands nothing twice"

        clock.advance(timedelta(hours=1))
        later = emu.comment(VILLAGE, water.id, "Третий день без воды")
        light = emu.post(VILLAGE, "Не горят фонари")
        again = Got()
        reports = await reader(sm, client, clock, again).poll(SOURCES)  # a restart
        assert again.keys() == [(VILLAGE, water.id, later.id), (VILLAGE, light.id, None)]
        assert [r.requests for r in reports] == [2, 1], "one wall.get a source, one getComments"
        assert emu.stats.errors[6] == 0


async def test_first_read_backfills_only_the_last_days(sm: Sm, clock: FakeClock) -> None:
    async with wall_world(clock, service=True) as (emu, client):
        day = 86_400
        now = int(clock.now().timestamp())
        old = emu.post(VILLAGE, "Пять дней назад", date=now - 5 * day)
        emu.comment(VILLAGE, old.id, "Старый ответ", date=now - 5 * day)
        recent = emu.post(VILLAGE, "Вчера", date=now - day)
        got = Got()
        await reader(sm, client, clock, got, backfill_days=2).poll(SOURCES[:1])
        assert got.keys() == [(VILLAGE, recent.id, None)]
        emu.comment(VILLAGE, old.id, "Новый ответ под старой записью")
        await reader(sm, client, clock, got, backfill_days=2).poll(SOURCES[:1])
        assert got.keys() == [(VILLAGE, recent.id, None)], "posts before the backfill stay unread"


async def test_a_pinned_old_post_neither_stops_paging_nor_is_read_again(
    sm: Sm, clock: FakeClock
) -> None:
    async with wall_world(clock, service=True) as (emu, client):
        pinned = emu.post(PAPER, "Правила группы")
        emu.pin(PAPER, pinned.id)
        got = Got()
        await reader(sm, client, clock, got).poll(SOURCES[1:])
        fresh = [emu.post(PAPER, f"Новость {n}") for n in range(150)]  # two pages of wall.get
        await reader(sm, client, clock, got).poll(SOURCES[1:])
        assert got.keys() == [(PAPER, pinned.id, None)] + [(PAPER, p.id, None) for p in fresh]


async def test_a_deleted_post_is_dropped_and_the_rest_read_on(sm: Sm, clock: FakeClock) -> None:
    async with wall_world(clock, service=True) as (emu, client):
        gone = emu.post(VILLAGE, "Удалят")
        kept = emu.post(VILLAGE, "Останется")
        got = Got()
        await reader(sm, client, clock, got).poll(SOURCES[:1])
        assert f"vkwall:{VILLAGE}:{gone.id}" in await cursor_keys(sm, VILLAGE)
        emu.comment(VILLAGE, gone.id, "Не успели прочитать")
        emu.delete_post(VILLAGE, gone.id)
        answer = emu.comment(VILLAGE, kept.id, "Ответ")
        reports = await reader(sm, client, clock, got).poll(SOURCES[:1])
        assert reports[0].available and got.keys()[-1] == (VILLAGE, kept.id, answer.id)
        assert f"vkwall:{VILLAGE}:{gone.id}" not in await cursor_keys(sm, VILLAGE)


async def test_a_source_gone_private_is_cleared_and_the_others_go_on(
    sm: Sm, clock: FakeClock
) -> None:
    async with wall_world(clock, service=True) as (emu, client):
        emu.post(VILLAGE, "Первая")
        emu.post(PAPER, "Газета")
        got = Got()
        await reader(sm, client, clock, got).poll(SOURCES)
        emu.set_access(VILLAGE, "private")
        news = emu.post(PAPER, "Ещё новость")
        reports = await reader(sm, client, clock, got).poll(SOURCES)
        assert [r.available for r in reports] == [False, True]
        assert got.keys()[-1] == (PAPER, news.id, None)
        assert await cursor_keys(sm, VILLAGE) == [], "its state is cleared"
        emu.set_access(PAPER, "removed")
        reports = await reader(sm, client, clock, got).poll(SOURCES)
        assert [r.available for r in reports] == [False, False]


async def test_a_thousand_comments_on_one_post_are_read_whole_within_the_limit(
    sm: Sm, clock: FakeClock
) -> None:
    async with wall_world(clock, service=True) as (emu, client):
        flood = emu.post(VILLAGE, "Отключили свет")
        got = Got()
        await reader(sm, client, clock, got).poll(SOURCES[:1])
        ids = [emu.comment(VILLAGE, flood.id, f"Ответ {n}").id for n in range(1000)]
        reports = await reader(sm, client, clock, got).poll(SOURCES[:1])
        assert [s.comment_id for s in got.all[1:]] == ids
        assert reports[0].requests == 1 + 10, "one wall.get and ten pages of 100 comments"
        assert emu.stats.errors[6] == 0 and emu.stats.peak_per_second() <= 5


async def test_vk_trouble_on_one_wall_leaves_the_others_read_and_it_reads_on_later(
    sm: Sm, clock: FakeClock
) -> None:
    async with wall_world(clock, service=True) as (emu, client):
        water = emu.post(VILLAGE, "Нет воды на Садовой")
        news = emu.post(PAPER, "Ремонт дороги")
        emu.fail_next("wall.get", 10)  # VK's internal error, on the first wall read
        got = Got()
        reports = await reader(sm, client, clock, got).poll(SOURCES)
        assert [(r.failed, r.code, r.new) for r in reports] == [(True, 10, 0), (False, None, 1)]
        assert got.keys() == [(PAPER, news.id, None)], "the other wall is read all the same"
        assert await cursor_keys(sm, VILLAGE) == [], "no cursor moved for the failed wall"
        reports = await reader(sm, client, clock, got).poll(SOURCES)
        assert [r.failed for r in reports] == [False, False]
        assert got.keys()[1:] == [(VILLAGE, water.id, None)], "read on the next poll, once"


async def test_a_bad_token_fails_the_whole_poll(sm: Sm, clock: FakeClock) -> None:
    async with wall_world(clock, service=True) as (emu, client):
        emu.post(VILLAGE, "Нет воды на Садовой")
        emu.fail_next("wall.get", 5)  # authorization failed: not one wall's trouble
        got = Got()
        with pytest.raises(ApiError):
            await reader(sm, client, clock, got).poll(SOURCES)
        assert got.all == []
