"""The lifecycle on real Postgres: registration, routing, transitions, refusals, concurrency."""

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import col, select

from models import Item, ItemEvent, ItemKind, ItemStatus, Timer, TimerStatus
from tests.helpers import act, actor, outbox, register, staff
from workflows.core.errors import Forbidden, IllegalTransition, Invalid, StaleVersion
from workflows.items.transitions import TABLE, Action

MSK_DEC_2 = datetime(2025, 12, 2, 7, 0, tzinfo=UTC)


async def test_register_routes_by_lemma_and_sets_deadlines(sm, clock, muni):
    item = await register(sm, clock, muni, "Прорвало трубу, нет воды третий день")
    water = await staff(sm, "water")
    assert item.status is ItemStatus.assigned and item.assignee_id == water.id
    assert item.number == "ТСТ-2025-000001"
    assert (
        item.sector_id == water.sector_id
    )  # taken from the assignee when the citizen did not know
    # 10 working days from Tue 2 Dec 2025: Dec 3..16 -> 16 Dec, 18:00 Moscow = 15:00 UTC
    assert item.due_at == datetime(2025, 12, 16, 15, 0, tzinfo=UTC)
    # 4 working hours from 10:00 -> 14:00 Moscow
    assert item.take_due_at == datetime(2025, 12, 2, 11, 0, tzinfo=UTC)
    notices = await outbox(sm, kind="assigned")
    assert [n.staff_id for n in notices] == [water.id]
    assert "name" not in notices[0].payload and "phone" not in notices[0].payload


async def test_unmatched_item_waits_in_triage_and_operator_is_told(sm, clock, muni):
    item = await register(sm, clock, muni, "Просьба покрасить забор у клуба")
    assert item.status is ItemStatus.new and item.assignee_id is None
    op = await staff(sm, "operator")
    assert [n.staff_id for n in await outbox(sm, kind="triage")] == [op.id]


async def test_rule_order_and_conditions(sm, clock, muni):
    async with sm() as s:
        from models import Locality, Sector

        hamlet = (await s.exec(select(Locality).where(Locality.code == "hamlet"))).one()
        roads = (await s.exec(select(Sector).where(Sector.code == "roads"))).one()
    a = await register(sm, clock, muni, "Яма на дороге", sector_id=roads.id, locality_id=hamlet.id)
    b = await register(sm, clock, muni, "Яма на дороге", sector_id=roads.id)
    assert a.assignee_id == (await staff(sm, "lead_roads")).id  # the locality rule comes first
    assert b.assignee_id == (await staff(sm, "roadman")).id


async def test_full_path_take_answer_close_writes_audit(sm, clock, muni):
    water = await actor(sm, "water")
    item = await register(sm, clock, muni, "Нет воды")
    item = await act(sm, clock, item, Action.take, water)
    assert item.status is ItemStatus.in_progress and item.taken_at == clock.now()
    item = await act(sm, clock, item, Action.answer, water, text="Трубу заменили")
    item = await act(sm, clock, item, Action.close, water)
    assert item.status is ItemStatus.closed and item.version == 5
    async with sm() as s:
        events = list(
            await s.exec(
                select(ItemEvent).where(ItemEvent.item_id == item.id).order_by(col(ItemEvent.id))
            )
        )
        pending = list(
            await s.exec(
                select(Timer).where(Timer.item_id == item.id, Timer.status == TimerStatus.pending)
            )
        )
    assert [e.action for e in events] == ["register", "assign", "take", "answer", "close"]
    assert [e.version for e in events] == [1, 2, 3, 4, 5]
    assert pending == []  # a closed item has nothing left to escalate


async def test_stale_version_refused_and_nothing_changes(sm, clock, muni):
    water = await actor(sm, "water")
    item = await register(sm, clock, muni, "Нет воды")
    with pytest.raises(StaleVersion):
        await act(sm, clock, item, Action.take, water, version=item.version - 1)
    async with sm() as s:
        fresh = await s.get(Item, item.id)
    assert fresh is not None and fresh.status is ItemStatus.assigned
    assert fresh.version == item.version


@pytest.mark.parametrize(
    "who,action,expected",
    [
        ("roadman", Action.take, Forbidden),  # a recipient of another item
        ("curator", Action.take, Forbidden),  # the curator reads, never acts
        ("lead_zhkh", Action.answer, IllegalTransition),  # wrong state is reported first
        ("lead_roads", Action.answer, Forbidden),  # …but not to one who may not see the item
        ("lead_roads", Action.take, Forbidden),  # lead of another sector
        ("head", Action.close, IllegalTransition),
    ],
)
async def test_refusals_say_why(sm, clock, muni, who, action, expected):
    item = await register(sm, clock, muni, "Нет воды")
    with pytest.raises(expected) as err:
        await act(sm, clock, item, action, await actor(sm, who))
    assert item.number in err.value.reason
    async with sm() as s:
        events = list(
            await s.exec(
                select(ItemEvent).where(ItemEvent.item_id == item.id).order_by(col(ItemEvent.id))
            )
        )
    assert len(events) == 2  # register + assign: the refusal wrote nothing


async def test_answer_needs_text_and_limits_length(sm, clock, muni):
    water = await actor(sm, "water")
    item = await act(sm, clock, await register(sm, clock, muni, "Нет воды"), Action.take, water)
    with pytest.raises(Invalid):
        await act(sm, clock, item, Action.answer, water, text="   ")
    with pytest.raises(Invalid, match="слишком длинно"):
        await act(sm, clock, item, Action.answer, water, text="я" * 10_001)


async def test_fifty_concurrent_takes_exactly_one_wins(sm, clock, muni):
    item = await register(sm, clock, muni, "Нет воды")
    takers = [await actor(sm, c) for c in ("water", "lead_zhkh", "head", "operator", "admin")]

    async def one(i: int) -> str:
        try:
            await act(sm, clock, item, Action.take, takers[i % len(takers)])
            return "won"
        except (
            StaleVersion,
            IllegalTransition,
            Forbidden,
        ):  # taken over: no longer the recipient's
            return "refused"

    results = await asyncio.gather(*(one(i) for i in range(50)))
    assert results.count("won") == 1 and results.count("refused") == 49
    async with sm() as s:
        takes = list(
            await s.exec(
                select(ItemEvent).where(ItemEvent.item_id == item.id, ItemEvent.action == "take")
            )
        )
    assert len(takes) == 1


async def test_59fz_extension_goes_through_the_head_once(sm, clock, muni):
    water, head = await actor(sm, "water"), await actor(sm, "head")
    item = await register(sm, clock, muni, "Жалоба на водопровод", kind=ItemKind.appeal_59fz)
    # 30 calendar days from 2 Dec 2025 -> 1 Jan 2026 (holiday) -> first working day 12 Jan 2026
    assert item.due_at == datetime(2026, 1, 12, 15, 0, tzinfo=UTC)
    assert item.forward_due_at == datetime(2025, 12, 9, 15, 0, tzinfo=UTC)
    item = await act(sm, clock, item, Action.take, water)
    with pytest.raises(Forbidden):
        await act(
            sm,
            clock,
            item,
            Action.extend,
            await actor(sm, "lead_zhkh"),
            days=10,
            reason="нужна экспертиза",
        )
    item = await act(
        sm, clock, item, Action.request_extension, water, days=30, reason="нужна экспертиза"
    )
    assert [n.kind for n in await outbox(sm, staff_id=head.id)] == ["extension_requested"]
    with pytest.raises(Forbidden):
        await act(sm, clock, item, Action.approve_extension, water)
    item = await act(sm, clock, item, Action.approve_extension, head)
    # 30 more calendar days from the raw 1 Jan 2026 (ст. 12 ч. 2), not from the moved 12 Jan:
    # Saturday 31 Jan -> Monday 2 Feb 2026
    assert item.due_at == datetime(2026, 2, 2, 15, 0, tzinfo=UTC) and item.extensions == 1
    with pytest.raises(Invalid, match="уже продлевался"):
        await act(sm, clock, item, Action.request_extension, water, days=5, reason="ещё")


async def test_reopen_by_head_tells_heads_and_replans(sm, clock, muni):
    water, head = await actor(sm, "water"), await actor(sm, "head")
    item = await register(sm, clock, muni, "Нет воды")
    item = await act(sm, clock, item, Action.take, water)
    item = await act(sm, clock, item, Action.answer, water, text="Готово")
    clock.advance(timedelta(days=1))
    item = await act(sm, clock, item, Action.reopen, head, reason="жители пишут, что воды нет")
    assert item.status is ItemStatus.reopened and item.due_at is not None
    assert item.due_at > MSK_DEC_2
    assert [n.kind for n in await outbox(sm, staff_id=head.id)] == ["reopened"]


def test_every_action_has_sources_and_someone_allowed():
    for action, rule in TABLE.items():
        assert rule.sources and rule.who, action
