"""Candidates become incidents on Postgres: accepted by the score or by the operator, several
posts about one problem in one incident routed like a message, merged and split by hand, and
every refusal leaving the posts and items as they were."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Channel, Item, ItemEvent, ItemKind, ItemStatus, SocialPost, SocialStatus, Staff
from workflows.core.actors import Actor
from workflows.core.clock import FakeClock
from workflows.core.errors import Forbidden, Invalid, NotFound
from workflows.incidents.candidates import get_monitor, get_vocabulary
from workflows.incidents.handwork import check_merge_incidents, check_split
from workflows.incidents.incidents import check_accept, check_dismiss, check_store_and_accept
from workflows.incidents.queries import get_candidates, get_incident_posts
from workflows.setup.apply import check_apply_setup

Sm = async_sessionmaker[AsyncSession]
BEZHTA = (Path(__file__).parents[3] / "setup" / "bezhta.yaml").read_text(encoding="utf-8")
MONITORING = """
monitoring:
  sources: [{{vk: -7, name: "Бежта — село"}}]
  keywords: [сель, завал]
  threshold: 0.5
  accept_above: {accept}
"""


@dataclass(frozen=True)
class Record:
    post_id: int
    comment_id: int | None
    date: datetime
    text: str
    source: str = "Бежта — село"
    owner_id: int = -7

    @property
    def link(self) -> str:
        tail = f"?reply={self.comment_id}" if self.comment_id else ""
        return f"https://vk.com/wall{self.owner_id}_{self.post_id}{tail}"


async def setup(sm: Sm, clock: FakeClock, accept: float | None = 0.7) -> int:
    text = BEZHTA + MONITORING.format(accept="null" if accept is None else accept)
    async with sm() as s:
        return (await check_apply_setup(s, text=text, clock=clock)).municipality_id


async def store(sm: Sm, clock: FakeClock, mid: int, records: list[Record]) -> int:
    async with sm() as s:
        monitor = await get_monitor(s, municipality_id=mid)
        assert monitor is not None
        vocabulary = await get_vocabulary(s, municipality_id=mid, keywords=monitor.keywords)
    async with sm() as s:
        placed = await check_store_and_accept(
            s,
            municipality_id=mid,
            seen=records,
            vocabulary=vocabulary,
            threshold=monitor.threshold,
            accept_above=monitor.accept_above,
            clock=clock,
        )
    return len(placed)


async def staff(sm: Sm, code: str) -> Actor:
    async with sm() as s:
        row = (await s.exec(select(Staff).where(Staff.code == code))).one()
        return Actor.of_staff(row, channel=Channel.telegram)


async def incidents(sm: Sm) -> list[Item]:
    async with sm() as s:
        q = select(Item).where(Item.kind == ItemKind.incident).order_by(col(Item.id))
        return list(await s.exec(q))


async def posts(sm: Sm) -> list[SocialPost]:
    async with sm() as s:
        return list(await s.exec(select(SocialPost).order_by(col(SocialPost.id))))


def water_main(at: datetime) -> list[Record]:
    return [
        Record(10, None, at, "В Бежте прорвало водопровод на центральной улице, нет воды"),
        Record(10, 11, at + timedelta(minutes=40), "Подтверждаю, в Бежте нет воды, вода течёт"),
        Record(12, None, at + timedelta(hours=3), "Бежта: водопровод прорвало, воды нет"),
    ]


async def test_three_posts_about_one_water_main_are_one_routed_incident(
    sm: Sm, clock: FakeClock
) -> None:
    mid = await setup(sm, clock)
    at = clock.now() - timedelta(hours=4)
    road = Record(
        20, None, at + timedelta(hours=1), "В Тлядале сель, завал на дороге, проехать нельзя"
    )
    advert = Record(30, None, at, "Продаю мёд, доставка по Бежте, звоните")
    assert await store(sm, clock, mid, [*water_main(at), road, advert]) == 4
    assert await store(sm, clock, mid, [*water_main(at), road, advert]) == 0, "read again"
    found = await incidents(sm)
    assert len(found) == 2
    water, roads = found
    rows = {p.post_id * 100 + p.comment_id: p for p in await posts(sm)}
    assert {rows[1000].item_id, rows[1011].item_id, rows[1200].item_id} == {water.id}
    assert rows[2000].item_id == roads.id
    assert rows[3000].status is SocialStatus.ignored and rows[3000].item_id is None
    assert all(p.auto for p in rows.values() if p.item_id is not None)
    async with sm() as s:
        incident_staff = (await s.exec(select(Staff).where(Staff.code == "incidents"))).one()
        events = list(
            await s.exec(
                select(ItemEvent.action)
                .where(ItemEvent.item_id == water.id)
                .order_by(col(ItemEvent.id))
            )
        )
        first = (await get_incident_posts(s, item_id=water.id or 0))[0]
    assert water.channel is Channel.vk and water.assignee_id == incident_staff.id
    assert water.status is ItemStatus.assigned and water.take_due_at is not None
    assert water.registered_at == at, "the incident is as old as its first post"
    assert water.place_kind is None and roads.place_kind is None, "no one was asked «Где это?»"
    assert events.count("post_joined") == 3 and events[0] == "register"
    assert (first.post_id, first.comment_id) == (10, 0), "the answer goes under the first post"


async def test_the_operator_accepts_and_dismisses_candidates(sm: Sm, clock: FakeClock) -> None:
    mid = await setup(sm, clock, accept=None)
    at = clock.now() - timedelta(hours=2)
    await store(sm, clock, mid, water_main(at))
    assert await incidents(sm) == [], "no automatic acceptance without accept_above"
    async with sm() as s:
        waiting, total = await get_candidates(s, municipality_id=mid)
    assert total == 3 and waiting[0].score >= waiting[-1].score
    operator, officer = await staff(sm, "operator"), await staff(sm, "incidents")
    first, second, third = sorted(waiting, key=lambda p: p.posted_at)
    async with sm() as s:
        placed = await check_accept(s, clock=clock, post_id=first.id or 0, actor=operator)
    assert placed.opened
    async with sm() as s:
        joined = await check_accept(s, clock=clock, post_id=second.id or 0, actor=officer)
    assert not joined.opened and joined.item.id == placed.item.id
    assert joined.similarity is not None and joined.similarity >= 0.45
    async with sm() as s:
        dismissed = await check_dismiss(s, clock=clock, post_id=third.id or 0, actor=operator)
    assert dismissed.status is SocialStatus.dismissed and dismissed.decided_by_id == operator.id
    rows = {p.id: p for p in await posts(sm)}
    assert rows[first.id].decided_by_id == operator.id and not rows[first.id].auto
    assert rows[second.id].decided_by_id == officer.id


@pytest.mark.parametrize(
    "who,post,error,message",
    [
        ("water", "first", Forbidden, "может оператор, руководитель"),
        ("operator", "missing", NotFound, "не найдена"),
        ("operator", "accepted", Invalid, "уже принята"),
        ("operator", "dismiss_joined", Invalid, "сначала отделите"),
        ("operator", "split_alone", Invalid, "единственная в инциденте"),
        ("operator", "split_loose", Invalid, "не входит ни в один инцидент"),
    ],
)
async def test_bad_decisions_are_refused_and_change_nothing(
    sm: Sm, clock: FakeClock, who: str, post: str, error: type[Exception], message: str
) -> None:
    mid = await setup(sm, clock, accept=None)
    at = clock.now() - timedelta(hours=2)
    await store(sm, clock, mid, water_main(at)[:2])
    first, loose = sorted(await posts(sm), key=lambda p: p.posted_at)
    operator = await staff(sm, "operator")
    async with sm() as s:
        await check_accept(s, clock=clock, post_id=first.id or 0, actor=operator)
    before = (
        [p.model_dump() for p in await posts(sm)],
        [i.model_dump() for i in await incidents(sm)],
    )
    actor = await staff(sm, who)
    post_id = {"missing": 10**9, "split_loose": loose.id}.get(post, first.id) or 0
    with pytest.raises(error) as err:
        async with sm() as s:
            if post in ("accepted", "first"):
                await check_accept(s, clock=clock, post_id=post_id, actor=actor)
            elif post.startswith("split"):
                await check_split(s, clock=clock, post_id=post_id, actor=actor)
            elif post == "dismiss_joined":
                await check_dismiss(s, clock=clock, post_id=post_id, actor=actor)
            else:
                await check_accept(s, clock=clock, post_id=post_id, actor=actor)
    assert message in str(err.value.args[0] if err.value.args else err.value)
    after = (
        [p.model_dump() for p in await posts(sm)],
        [i.model_dump() for i in await incidents(sm)],
    )
    assert after == before


async def test_staff_of_another_municipality_do_not_see_its_posts(sm: Sm, clock: FakeClock) -> None:
    mid = await setup(sm, clock, accept=None)
    other = BEZHTA.replace("code: bezhta", "code: bezhta2").replace("БЖТ", "БЖД")
    async with sm() as s:
        second = (await check_apply_setup(s, text=other, clock=clock)).municipality_id
    await store(sm, clock, mid, water_main(clock.now())[:1])
    (post,) = await posts(sm)
    async with sm() as s:
        stranger = (
            await s.exec(
                select(Staff).where(Staff.code == "operator", Staff.municipality_id == second)
            )
        ).one()
    with pytest.raises(NotFound):
        async with sm() as s:
            await check_accept(
                s,
                clock=clock,
                post_id=post.id or 0,
                actor=Actor.of_staff(stranger, channel=Channel.telegram),
            )
    assert (await posts(sm))[0].status is SocialStatus.candidate


async def test_merge_and_split_by_hand(sm: Sm, clock: FakeClock) -> None:
    mid = await setup(sm, clock)
    at = clock.now() - timedelta(hours=3)
    # Far apart in text: the score puts them in two incidents; the operator knows better.
    await store(
        sm,
        clock,
        mid,
        [
            Record(40, None, at, "В Бежте прорвало водопровод на центральной улице, нет воды"),
            Record(41, None, at + timedelta(hours=1), "Бежта: на дороге у школы яма и лужа, течёт"),
        ],
    )
    water, other = await incidents(sm)
    operator = await staff(sm, "operator")
    async with sm() as s:
        kept = await check_merge_incidents(
            s, clock=clock, item_id=other.id or 0, into_id=water.id or 0, actor=operator
        )
    assert kept.id == water.id
    water, other = await incidents(sm)
    assert other.status is ItemStatus.merged and other.merged_into_id == water.id
    assert {p.item_id for p in await posts(sm)} == {water.id}
    for into, message in ((other.id, "уже закрыт"), (water.id, "с самим собой")):
        with pytest.raises(Invalid, match=message):
            async with sm() as s:
                await check_merge_incidents(
                    s, clock=clock, item_id=water.id or 0, into_id=into or 0, actor=operator
                )
    moved = next(p for p in await posts(sm) if p.post_id == 41)
    async with sm() as s:
        placed = await check_split(s, clock=clock, post_id=moved.id or 0, actor=operator)
    assert placed.opened and placed.item.id not in (water.id, other.id)
    async with sm() as s:
        count = await s.scalar(
            select(func.count()).select_from(SocialPost).where(SocialPost.item_id == water.id)
        )
        actions = list(await s.exec(select(ItemEvent.action).where(ItemEvent.item_id == water.id)))
    assert count == 1
    assert "incident_merged" in actions and "post_split" in actions
