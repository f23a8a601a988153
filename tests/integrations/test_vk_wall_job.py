"""The `monitor` job through the VK emulator and the real vk_api stack with the service token:
due municipalities polled in turn, one's failure not stopping the others, sources that
disappear shown as such, a flood stored in short transactions, and health saying why
monitoring cannot run."""

from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from integrations.vk_wall import WallPoller
from integrations.vk_wall import monitor as monitor_module
from models import SocialPost
from models.settings import Settings
from tests.integrations.test_vk_wall_monitor import BEZHTA, MONITORING, PAPER, VILLAGE, apply
from tests.integrations.vk_wall_kit import wall_world
from workflows.core.clock import FakeClock
from workflows.incidents.monitoring import NOT_YET, READING, get_source_states
from workflows.jobs.health import get_readiness
from workflows.jobs.runtime import Runtime
from workflows.jobs.tasks import JOBS, poll_monitoring

Sm = async_sessionmaker[AsyncSession]
SECOND = BEZHTA.replace("code: bezhta", "code: bezhta2").replace("БЖТ", "БЖД")
TOKEN = "0f3a9c1e5b7d2f4a6c8e0b1d3f5a7c9e1b3d5f7a9c0e2b4d6f8a1c3e5b7d9f0a2c4e6b8"


def runtime(engine: AsyncEngine, sm: Sm, clock: FakeClock, **settings: object) -> Runtime:
    config = Settings.model_validate({"MCU_ENV": "test", "MCU_WEEKLY_NOTE": False, **settings})
    return Runtime(engine, sm, clock, config)


async def count(sm: Sm, municipality_id: int | None = None) -> int:
    q = select(func.count()).select_from(SocialPost)
    if municipality_id is not None:
        q = q.where(col(SocialPost.municipality_id) == municipality_id)
    async with sm() as s:
        return int(await s.scalar(q) or 0)


async def test_the_job_polls_each_due_municipality_and_one_failing_stops_none(
    engine: AsyncEngine, sm: Sm, clock: FakeClock
) -> None:
    assert JOBS["monitor"] is poll_monitoring
    first = await apply(sm, clock, BEZHTA + MONITORING)
    second = await apply(sm, clock, SECOND + MONITORING.replace(str(VILLAGE), "-229000003"))
    rt = runtime(engine, sm, clock, VK_SERVICE_TOKEN=TOKEN)
    async with wall_world(clock, service=True) as (emu, client):
        rt.wall_poller = WallPoller(sm=sm, client=client, clock=clock)
        emu.post(VILLAGE, "В Бежте прорвало водопровод, третий день нет воды!")
        emu.post(-229_000_003, "Во Тлядале нет света")
        emu.post(PAPER, "Новости газеты")
        # The service token refused on the first municipality's first wall: not one wall's
        # trouble (that is read on next time, the others now) but the whole poll's.
        emu.fail_next("wall.get", 5)
        assert await poll_monitoring(rt) == 2, "the second municipality read all the same"
        assert await count(sm, first) == 0 and await count(sm, second) == 2
        ready = await get_readiness(rt)
        assert not ready.checks["monitoring"].ok
        assert "VK ответил ошибкой 5" in ready.checks["monitoring"].detail

        assert await poll_monitoring(rt) == 0, "not due: a failure waits its turn"
        clock.advance(timedelta(seconds=299))
        assert await poll_monitoring(rt) == 0
        clock.advance(timedelta(seconds=1))
        assert await poll_monitoring(rt) == 2, "both due after MCU_MONITOR_SECONDS"
        assert await count(sm, first) == 2
        assert (await get_readiness(rt)).checks["monitoring"].ok
        assert emu.stats.errors[6] == 0 and emu.stats.errors[27] == 0


async def test_a_source_that_disappears_is_shown_as_such(
    engine: AsyncEngine, sm: Sm, clock: FakeClock
) -> None:
    mid = await apply(sm, clock, BEZHTA + MONITORING)
    rt = runtime(engine, sm, clock, VK_SERVICE_TOKEN=TOKEN)
    async with sm() as s:
        assert [st.state for st in await get_source_states(s, mid)] == [NOT_YET, NOT_YET]
    async with wall_world(clock, service=True) as (emu, client):
        rt.wall_poller = WallPoller(sm=sm, client=client, clock=clock)
        emu.post(VILLAGE, "Запись")
        emu.post(PAPER, "Газета")
        await poll_monitoring(rt)
        read_at = clock.now()
        emu.set_access(VILLAGE, "private")
        clock.advance(timedelta(minutes=5))
        await poll_monitoring(rt)
        async with sm() as s:
            village, paper = await get_source_states(s, mid)
        assert (village.name, village.owner_id) == ("Бежта — село", VILLAGE)
        assert village.state.startswith("недоступен: доступ закрыт")
        assert village.read_at == read_at and village.checked_at == clock.now()
        assert (paper.state, paper.read_at) == (READING, clock.now())
        ready = await get_readiness(rt)
        assert ready.checks["monitoring"].ok, "VK's side: said, not a failure"
        assert "недоступных источников: 1" in ready.checks["monitoring"].detail

        emu.set_access(VILLAGE, "open")
        clock.advance(timedelta(minutes=5))
        await poll_monitoring(rt)
        async with sm() as s:
            assert [st.state for st in await get_source_states(s, mid)] == [READING, READING]


async def test_a_flood_of_comments_is_stored_in_short_transactions(
    engine: AsyncEngine, sm: Sm, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    mid = await apply(sm, clock, BEZHTA + MONITORING)
    rt = runtime(engine, sm, clock, VK_SERVICE_TOKEN=TOKEN)
    sizes: list[int] = []
    store = monitor_module.check_store_and_accept

    async def counted(session: AsyncSession, **kw: object) -> int:
        sizes.append(len(kw["seen"]))  # type: ignore[arg-type]
        return await store(session, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(monitor_module, "check_store_and_accept", counted)
    async with wall_world(clock, service=True) as (emu, client):
        rt.wall_poller = WallPoller(sm=sm, client=client, clock=clock)
        flood = emu.post(VILLAGE, "В Бежте отключили свет")
        await poll_monitoring(rt)
        for n in range(1000):
            emu.comment(VILLAGE, flood.id, f"У нас тоже нет света, дом {n}")
        clock.advance(timedelta(minutes=5))
        before = dict(emu.stats.requests)
        assert await poll_monitoring(rt) == 1000
        calls = {m: n - before.get(m, 0) for m, n in emu.stats.requests.items()}
        assert calls == {"wall.get": 2, "wall.getComments": 10}, "both walls, ten pages"
        assert sizes[1:] == [200] * 5, "1,000 comments in five transactions of 200"
        assert await count(sm, mid) == 1001 + 0
        assert emu.stats.errors[6] == 0 and emu.stats.peak_per_second() <= 5


async def test_without_the_service_token_monitoring_is_off_and_health_says_why(
    engine: AsyncEngine, sm: Sm, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    rt = runtime(engine, sm, clock)
    assert "monitoring" not in (await get_readiness(rt)).checks, "nothing watched: no check"
    await apply(sm, clock, BEZHTA + MONITORING)
    assert await poll_monitoring(rt) == 0
    check = (await get_readiness(rt)).checks["monitoring"]
    assert not check.ok
    assert "не задан VK_SERVICE_TOKEN" in check.detail and "ключ сообщества" in check.detail
    assert "VK_SERVICE_TOKEN" in caplog.text


async def test_a_community_token_cannot_read_and_the_poll_says_so(
    engine: AsyncEngine, sm: Sm, clock: FakeClock
) -> None:
    await apply(sm, clock, BEZHTA + MONITORING)
    rt = runtime(engine, sm, clock, VK_SERVICE_TOKEN=TOKEN)
    async with wall_world(clock) as (emu, community_client):
        rt.wall_poller = WallPoller(sm=sm, client=community_client, clock=clock)
        emu.post(VILLAGE, "Запись")
        assert await poll_monitoring(rt) == 0
        assert emu.stats.errors[27] == 1
        detail = (await get_readiness(rt)).checks["monitoring"].detail
        assert "ошибкой 27 (это ключ сообщества)" in detail
