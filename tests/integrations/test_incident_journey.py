"""The incident's whole journey as `mcu run` composes it, through both emulators and the real
vk_api and aiogram stacks: residents write on two watched village communities, the scheduled
`monitor` job reads them with the service token, three posts about one broken water main become
one incident routed to the incident officer, who answers in Telegram; the head approves, and the
answer appears as the administration community's comment under the first post. The system is
stopped and started again midway: nothing is lost, nothing read or opened twice."""

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Item, ItemKind, ReplyStatus, SocialPost, SocialReply, SocialStatus
from tests.bot.harness import text_of
from tests.bot.vk.harness import GROUP, running_vk, vk_emulators
from tests.forbidden import secret
from workflows.core.clock import ShiftedClock
from workflows.setup.apply import check_apply_setup

Sm = async_sessionmaker[AsyncSession]
START = datetime(2025, 12, 2, 7, 0, tzinfo=UTC)  # Tuesday 10:00 in Bezhta
SERVICE = secret("vk-service-token-for-the-journey", "сервисный ключ приложения VK")
VILLAGE, NEIGHBOURS = -230_000_001, -230_000_002
BEZHTA = (Path(__file__).parents[2] / "setup" / "bezhta.yaml").read_text(encoding="utf-8")
MONITORING = f"""
monitoring:
  sources:
    - {{vk: {VILLAGE}, name: "Бежта — наше село", read: both}}
    - {{vk: {NEIGHBOURS}, name: "Бежтинский участок", read: both}}
  keywords: [сель, завал]
  threshold: 0.5
  accept_above: 0.7
  publish: approve
  backfill_days: 3
"""
WATER = [
    "Жители Бежты, у нас на центральной улице прорвало водопровод, вода хлещет, третий день "
    "без воды!",
    "Подтверждаю, у школы в Бежте тоже нет воды, водопровод прорвало",
    "Бежта опять без воды: прорыв водопровода на центральной улице, когда починят?",
]
ANSWER = "Аварийная бригада заменила участок трубы на центральной улице, вода подана с 15:00."


async def until(check: Callable[[], Any], timeout: float, what: str) -> Any:
    for _ in range(int(timeout / 0.2)):
        if got := await check():
            return got
        await asyncio.sleep(0.2)
    raise AssertionError(f"не дождались: {what}")


async def stored(sm: Sm) -> list[SocialPost]:
    async with sm() as s:
        return list(await s.exec(select(SocialPost).order_by(col(SocialPost.posted_at))))


async def incidents(sm: Sm) -> list[Item]:
    async with sm() as s:
        q = select(Item).where(Item.kind == ItemKind.incident).order_by(col(Item.id))
        return list(await s.exec(q))


async def test_posts_become_one_incident_answered_under_the_first_post_across_a_restart(
    engine: AsyncEngine, sm: Sm
) -> None:
    async with sm() as s:
        await check_apply_setup(s, text=BEZHTA + MONITORING, clock=ShiftedClock(START))
    wall = ShiftedClock(START)  # dates what residents post, in step with the systems' clocks
    tg, vk = await vk_emulators(wall_clock=lambda: wall.now().timestamp())
    vk.service_token(SERVICE)
    for owner in (VILLAGE, NEIGHBOURS):
        vk.wall(owner)  # the communities exist, their walls empty yet
    settings = {"VK_SERVICE_TOKEN": SERVICE, "MCU_MONITOR_SECONDS": 10}
    try:
        async with running_vk(engine, emulators=(tg, vk), start=wall.now(), **settings) as sys:
            officer = await sys.tg.staff_user("incidents", 9101)
            head = await sys.tg.staff_user("head", 9102)
            first = vk.post(VILLAGE, WATER[0])
            vk.comment(VILLAGE, first.id, WATER[1])
            vk.post(VILLAGE, "Продаю мёд из Гунзиба недорого, доставка по Бежте")
            vk.post(NEIGHBOURS, "Поздравляем жителей Бежты с Днём Конституции!")
            road = vk.post(NEIGHBOURS, "В Тлядале сель перекрыл дорогу, завал, проехать невозможно")
            await until(lambda: _count(sm, 5), 40, "пять публикаций прочитаны")
            number = next(i.number for i in await incidents(sm) if i.text == WATER[0])
            await sys.tg.expect(officer, number, timeout=20)
        # Stopped between the reads: the third post about the water main comes while it is down.
        third = vk.post(NEIGHBOURS, WATER[2])
        async with running_vk(engine, emulators=(tg, vk), start=wall.now(), **settings) as sys:
            await until(lambda: _count(sm, 6), 40, "третья публикация о водопроводе прочитана")
            posts = await stored(sm)
            keys = [(p.owner_id, p.post_id, p.comment_id) for p in posts]
            assert len(keys) == len(set(keys)) == 6, "nothing read twice across the restart"
            found = await incidents(sm)
            assert len(found) == 2, "the water main and the landslide, nothing opened twice"
            water = next(i for i in found if i.text == WATER[0])
            mine = [p for p in posts if p.item_id == water.id]
            assert [(p.owner_id, p.post_id) for p in mine] == [
                (VILLAGE, first.id),
                (VILLAGE, first.id),
                (NEIGHBOURS, third.id),
            ]
            assert {p.status for p in posts if p.item_id is None} == {SocialStatus.ignored}
            assert any(p.post_id == road.id and p.item_id not in (None, water.id) for p in posts)

            cards = [m for m in officer.bot_messages() if water.number in text_of(m)]
            card = next(m for m in cards if "✅ Взять" in officer.button_texts(m))
            assert len([m for m in cards if "✅ Взять" in officer.button_texts(m)]) == 1
            await officer.press(card, "✅ Взять")
            card = await sys.tg.edited(officer, card["message_id"], "в работе")
            await officer.press(card, "✍️ Ответить")
            await sys.tg.expect(officer, "Напишите ответ жителям")
            await officer.send_text(ANSWER)
            asked = await sys.tg.expect(head, "Опубликовать ответ под записью", timeout=15)
            assert vk.wall(VILLAGE).posts[first.id].comments[1:] == [], "not before approval"
            await head.press(asked, "📢 Опубликовать")
            await until(lambda: _sent(sm), 15, "ответ опубликован и отмечен")
    finally:
        await vk.stop()
        await tg.stop()
    resident, published = vk.wall(VILLAGE).posts[first.id].comments
    assert resident.text == WATER[1]
    assert published.text == ANSWER and published.from_id == -GROUP, "the community speaks"
    assert vk.wall(NEIGHBOURS).posts[third.id].comments == [], "only under the first post"
    async with sm() as s:
        (reply,) = await s.exec(select(SocialReply))
    assert reply.status is ReplyStatus.sent and reply.comment_id == published.id


async def _sent(sm: Sm) -> bool:
    async with sm() as s:
        return any(r.status is ReplyStatus.sent for r in await s.exec(select(SocialReply)))


async def _count(sm: Sm, n: int) -> bool:
    return len(await stored(sm)) >= n
