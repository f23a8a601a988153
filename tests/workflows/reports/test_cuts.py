"""Reports cut by channel and kind on a mixed week: messages via Telegram, incidents from VK walls
(with their posts and wall replies), 59-ФЗ appeals via ПОС; and the week's incident figures."""

from datetime import timedelta
from itertools import count
from typing import Any

import pytest
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Channel, Item, ItemKind, ItemStatus, SocialPost, SocialReply, SocialStatus
from models.social import ReplyStatus
from tests.workflows.reports.test_reports import NOW, W45, at, ids, seed
from workflows.core.errors import Invalid
from workflows.reports.growth import get_growth
from workflows.reports.heatmap import get_heatmap
from workflows.reports.incidents import get_incident_week
from workflows.reports.rating import get_rating
from workflows.reports.scope import Scope, parse_cut
from workflows.reports.summary import get_summary

VK, POS, TG = Channel.vk, Channel.pos, Channel.telegram
INCIDENT, APPEAL, MESSAGE = ItemKind.incident, ItemKind.appeal_59fz, ItemKind.message
PHONE = "89281234567"
_posts = count(1)


async def posts_of(
    sm: async_sessionmaker[AsyncSession], muni: int, number: str, n: int, *, reply: str | None
) -> None:
    """`n` accepted wall posts joined to the item numbered `number`, and maybe its wall reply."""
    async with sm() as s:
        item_id = (await s.execute(select(Item.id).where(Item.number == number))).scalar_one()  # type: ignore[call-overload]
        for _ in range(n):
            await s.execute(
                insert(SocialPost),
                [
                    {
                        "municipality_id": muni,
                        "owner_id": -229000001,
                        "post_id": next(_posts),
                        "comment_id": 0,
                        "source": "Бежта — село",
                        "posted_at": at(2, 8),
                        "text": "прорвало трубу",
                        "link": "https://vk.com/wall-229000001_1",
                        "score": 0.9,
                        "reasons": [],
                        "status": SocialStatus.accepted,
                        "item_id": item_id,
                        "auto": False,
                        "created_at": at(2, 8),
                    }
                ],
            )
        if reply is not None:
            await s.execute(
                insert(SocialReply),
                [
                    {
                        "municipality_id": muni,
                        "item_id": item_id,
                        "answer_version": 3,
                        "owner_id": -229000001,
                        "post_id": 1,
                        "text": "Устранено",
                        "status": reply,
                        "guid": f"g-{number}",
                        "attempts": 0,
                        "next_attempt_at": at(3, 12),
                        "created_at": at(3, 12),
                        "updated_at": at(3, 12),
                    }
                ],
            )
        await s.commit()


async def seed_mixed(sm: async_sessionmaker[AsyncSession], muni: int) -> dict[str, int]:
    """Week 45: 3 Telegram messages, 1 VK message, 4 VK incidents (7 posts, 2 replies sent, 1
    failed) and 2 ПОС appeals; every figure of the cuts is counted by hand in the tests."""
    k = await ids(sm, muni)
    w, h, r = k["water"], k["heat"], k["roadman"]
    z, rd, v, hm = k["zhkh"], k["roads"], k["village"], k["hamlet"]
    answered: dict[str, Any] = {"status": ItemStatus.answered, "due_at": at(9, 18)}
    for i in range(2):  # Telegram messages answered on time by water, and one open on roads
        await seed(sm, muni, sector_id=z, locality_id=v, assignee_id=w, registered_at=at(2, 9 + i),
                   answered_at=at(3, 10 + i), answer_wsec=3600, **answered)  # fmt: skip
    await seed(sm, muni, sector_id=rd, locality_id=hm, assignee_id=r, registered_at=at(3, 9),
               due_at=at(20, 18))  # fmt: skip
    await seed(sm, muni, sector_id=rd, locality_id=v, assignee_id=r, registered_at=at(3, 11),
               channel=VK, due_at=at(20, 18))  # fmt: skip  # a VK message, not an incident
    incident = {"channel": VK, "kind": INCIDENT, "text": f"Прорвало трубу, звоните {PHONE}"}
    await seed(sm, muni, **incident, number="I-1", sector_id=z, locality_id=v, assignee_id=w,
               registered_at=at(2, 9), take_due_at=at(2, 13), taken_at=at(2, 10),
               answered_at=at(3, 12), answer_wsec=7200, **answered)  # fmt: skip  # in time
    await seed(sm, muni, **incident, number="I-2", sector_id=z, locality_id=v, assignee_id=h,
               registered_at=at(2, 10), take_due_at=at(2, 14), taken_at=at(3, 15),
               answered_at=at(10, 11), answer_wsec=90_000, status=ItemStatus.answered,
               due_at=at(5, 18))  # fmt: skip  # taken late; answered after the week, late
    await seed(sm, muni, **incident, number="I-3", sector_id=rd, locality_id=hm, assignee_id=r,
               registered_at=at(4, 9), take_due_at=at(4, 13), due_at=at(20, 18))  # fmt: skip
    await seed(sm, muni, **incident, number="I-4", sector_id=z, locality_id=hm, assignee_id=w,
               registered_at=at(5, 9), take_due_at=at(5, 13), taken_at=at(5, 9, 30),
               answered_at=at(6, 10), answer_wsec=3600, **answered)  # fmt: skip  # in time
    await posts_of(sm, muni, "I-1", 3, reply=ReplyStatus.sent)
    await posts_of(sm, muni, "I-2", 1, reply=ReplyStatus.failed)
    await posts_of(sm, muni, "I-3", 1, reply=None)
    await posts_of(sm, muni, "I-4", 2, reply=ReplyStatus.sent)
    pos = {"channel": POS, "kind": APPEAL}
    await seed(sm, muni, **pos, sector_id=z, locality_id=v, assignee_id=h, registered_at=at(3, 9),
               answered_at=at(5, 10), answer_wsec=3600, **answered)  # fmt: skip
    await seed(sm, muni, **pos, sector_id=rd, locality_id=hm, assignee_id=r,
               registered_at=at(6, 9), due_at=at(3, 18, month=12))  # fmt: skip
    return k


def cut(muni: int, channels: Any = None, kinds: Any = None) -> Scope:
    return Scope((muni,), channels=channels, kinds=kinds)


async def test_summary_cut_by_channel_and_kind(
    sm: async_sessionmaker[AsyncSession], muni: int
) -> None:
    await seed_mixed(sm, muni)

    async def received(scope: Scope) -> tuple[int, dict[str, int], dict[str, int]]:
        async with sm() as s:
            got = await get_summary(s, scope=scope, period=W45, now=NOW)
        return got.received, got.by_channel, got.by_kind

    assert (await received(cut(muni)))[0] == 10
    assert await received(cut(muni, kinds=(INCIDENT,))) == (4, {"vk": 4}, {"incident": 4})
    assert (await received(cut(muni, channels=(VK,))))[1:] == ({"vk": 5}, {"message": 1, "incident": 4})  # fmt: skip
    assert (await received(cut(muni, channels=(POS,))))[:2] == (2, {"pos": 2})
    assert (await received(cut(muni, channels=(VK, POS))))[0] == 7
    assert (await received(cut(muni, kinds=(MESSAGE,))))[1] == {"telegram": 3, "vk": 1}
    assert (await received(cut(muni, channels=(TG,), kinds=(INCIDENT,))))[0] == 0
    async with sm() as s:
        inc = await get_summary(s, scope=cut(muni, kinds=(INCIDENT,)), period=W45, now=NOW)
    # answered in the week: I-1, I-4 (I-2 only on the 10th); open now: I-3 (I-2 is answered)
    assert (inc.taken, inc.answered, inc.answered_late, inc.open_now) == (3, 2, 0, 1)


async def test_rating_in_the_part_of_incidents_and_of_pos(
    sm: async_sessionmaker[AsyncSession], muni: int
) -> None:
    k = await seed_mixed(sm, muni)
    async with sm() as s:
        incidents = await get_rating(s, scope=cut(muni, kinds=(INCIDENT,)), period=W45, now=NOW)
        pos = await get_rating(s, scope=cut(muni, channels=(POS,)), period=W45, now=NOW)
        everyone = await get_rating(s, scope=cut(muni), period=W45, now=NOW)
    rows = {x.key: (x.answered, x.open_now) for x in incidents}
    assert rows == {k["water"]: (2, 0), k["roadman"]: (0, 1)}  # heat's I-2 answered on the 10th
    assert {x.key: (x.answered, x.open_now) for x in pos} == {
        k["heat"]: (1, 0),
        k["roadman"]: (0, 1),
    }
    assert {x.key: x.answered for x in everyone}[k["water"]] == 4


async def test_heatmap_cut_by_kind(sm: async_sessionmaker[AsyncSession], muni: int) -> None:
    await seed_mixed(sm, muni)
    async with sm() as s:
        cells = await get_heatmap(s, scope=cut(muni, kinds=(INCIDENT,)), period=W45, now=NOW)
        pos = await get_heatmap(s, scope=cut(muni, channels=(POS,)), period=W45, now=NOW)
    got = {(c.sector, c.locality): (c.count, c.overdue) for c in cells}
    assert got == {
        ("ЖКХ", "село Тестовое"): (2, 1),  # I-2 answered late
        ("ЖКХ", "хутор Малый"): (1, 0),
        ("Дороги", "хутор Малый"): (1, 0),
    }
    assert sum(c.count for c in pos) == 2


async def test_growth_of_incidents_hidden_in_the_whole(
    sm: async_sessionmaker[AsyncSession], muni: int
) -> None:
    """Three Telegram messages a week about ЖКХ in the village for eight weeks, then four VK
    incidents and three messages: 7 against 3 is no growth; 4 incidents against none is."""
    k = await ids(sm, muni)
    z, v = k["zhkh"], k["village"]
    for week in range(1, 9):
        for i in range(3):
            when = at(2, 10 + i) - timedelta(weeks=week)
            await seed(sm, muni, sector_id=z, locality_id=v, registered_at=when)
    for i in range(3):
        await seed(sm, muni, sector_id=z, locality_id=v, registered_at=at(3, 10 + i))
    for i in range(4):
        await seed(sm, muni, sector_id=z, locality_id=v, registered_at=at(4, 10 + i),
                   channel=VK, kind=INCIDENT, text=f"нет воды {i}")  # fmt: skip
    async with sm() as s:
        whole = await get_growth(s, scope=cut(muni), week=W45)
        incidents = await get_growth(s, scope=cut(muni, kinds=(INCIDENT,)), week=W45)
        telegram = await get_growth(s, scope=cut(muni, channels=(TG,)), week=W45)
    assert whole == [] and telegram == []
    assert sorted((g.dimension, g.name, g.count, g.baseline) for g in incidents) == [
        ("locality", "село Тестовое", 4, 0.0),
        ("sector", "ЖКХ", 4, 0.0),
    ]
    assert {e["text"] for e in incidents[0].examples} <= {f"нет воды {i}" for i in range(4)}


async def test_incident_week_counts_posts_reactions_and_replies(
    sm: async_sessionmaker[AsyncSession], muni: int
) -> None:
    await seed_mixed(sm, muni)
    async with sm() as s:
        got = await get_incident_week(s, scope=cut(muni), period=W45)
        pos_only = await get_incident_week(s, scope=cut(muni, channels=(POS,)), period=W45)
        week46 = await get_incident_week(s, scope=cut(muni), period=W45.previous())
    assert (got.incidents, got.posts, got.published) == (4, 7, 2)  # I-2's reply failed
    assert (got.reacted_in_time, got.reacted_late, got.no_reaction) == (2, 1, 1)
    assert got.localities == [("село Тестовое", 2), ("хутор Малый", 2)]
    assert got.sectors == [("ЖКХ", 3), ("Дороги", 1)]
    assert got.example is not None and (got.example["number"], got.example["posts"]) == ("I-1", 3)
    assert got.monitored is False  # nobody set up monitoring in this municipality
    assert pos_only.incidents == 0 and week46.incidents == 0


@pytest.mark.parametrize(
    ("channel", "kind", "words"),
    [
        (["vkontakte"], None, "канал «vkontakte» не поддерживается; допустимые: telegram"),
        (None, ["incidents"], "вид «incidents» не поддерживается; допустимые: message (сообщение)"),
        (["vk,fax"], None, "«fax»"),
        (["vk"] * 17, None, "не больше 16"),
    ],
)
def test_unknown_channel_or_kind_is_refused_with_the_allowed_values(
    channel: list[str] | None, kind: list[str] | None, words: str
) -> None:
    with pytest.raises(Invalid) as e:
        parse_cut(channel=channel, kind=kind)
    assert words in e.value.reason
    assert "pos (ПОС)" in e.value.reason or "incident (инцидент)" in e.value.reason


def test_cut_lists_repeat_or_comma_and_empty_is_every() -> None:
    assert parse_cut(channel=["vk", "pos,vk"], kind=[]) == ((VK, POS), None)
    assert parse_cut(channel=[""], kind=["incident"]) == (None, (INCIDENT,))
    assert parse_cut(channel=None, kind=None) == (None, None)
    assert Scope((1,), channels=(POS,), kinds=(INCIDENT,)).cut == "канал: ПОС; вид: инцидент"
    assert Scope((1,)).cut == "все"
