"""A repeated appeal is a new appeal linked to the first: same citizen and reply address, its own
registration and deadlines, an event on both; the first keeps its answer and status."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import func, select

from models import Channel, Item, ItemKind, ItemStatus, Letter, ReplyBy
from tests.helpers import act, actor, register
from tests.workflows.appeals.people import appeal, appeal_row, events, fresh
from workflows.core.errors import Forbidden, Invalid
from workflows.items.followup import check_follow_up
from workflows.items.transitions import Action

AGAIN = "Пишу повторно: воды по-прежнему нет, ответ не помог"


async def answered(sm, clock, muni, **kw):
    water, head = await actor(sm, "water"), await actor(sm, "head")
    item = await appeal(sm, clock, muni, **kw)
    item = await act(sm, clock, item, Action.take, water)
    item = await act(sm, clock, item, Action.draft_answer, water, text="Водопровод починен")
    return await act(sm, clock, item, Action.sign_answer, head)


@pytest.mark.parametrize("channel", [Channel.paper, Channel.pos])
async def test_follow_up_is_a_new_linked_appeal_with_fresh_deadlines(sm, clock, muni, channel):
    first = await answered(sm, clock, muni, channel=channel, reply_by=ReplyBy.email)
    clock.advance(timedelta(days=20))
    received = clock.now() - timedelta(days=1)
    async with sm() as s:
        new = await check_follow_up(
            s,
            clock=clock,
            item_id=first.id or 0,
            actor=await actor(sm, "operator"),
            text=AGAIN,
            received_at=received,
        )
    assert new.id != first.id and new.kind is ItemKind.appeal_59fz and new.channel is channel
    assert new.citizen_id == first.citizen_id and new.received_at == received
    assert new.registered_at == clock.now(), "registered as it is entered, like any appeal"
    # 30 calendar days from its own registration (22 Dec 2025 -> Wed 21 Jan 2026)
    assert new.due_at == datetime(2026, 1, 21, 15, 0, tzinfo=UTC)
    assert new.status is ItemStatus.assigned  # routed as any appeal: «вода» goes to water
    row = await appeal_row(sm, new)
    assert row.previous_item_id == first.id and row.reply_by is ReplyBy.email
    assert row.raw_due_at == datetime(2026, 1, 21, 15, 0, tzinfo=UTC)
    async with sm() as s:
        kinds = [lt.kind for lt in await s.exec(select(Letter).where(Letter.item_id == new.id))]
    assert kinds == ["registered"], "the citizen is told of the new registration"
    (mine,) = await events(sm, new, "follow_up_of")
    assert mine.data == {"previous_item_id": first.id, "previous_number": first.number}
    (theirs,) = await events(sm, first, "followed_up")
    assert theirs.data["follow_up_item_id"] == new.id
    kept = await fresh(sm, first)
    assert kept.status is ItemStatus.answered and kept.answer_text == "Водопровод починен"
    assert kept.version == first.version


async def test_reopen_of_an_appeal_points_to_the_follow_up(sm, clock, muni):
    first = await answered(sm, clock, muni)
    with pytest.raises(Invalid, match="follow-up"):
        await act(sm, clock, first, Action.reopen, await actor(sm, "head"), reason="снова")
    assert (await fresh(sm, first)).status is ItemStatus.answered


async def test_follow_up_refusals_change_nothing(sm, clock, muni):
    message = await register(sm, clock, muni, "Нет воды во дворе")
    first = await answered(sm, clock, muni)
    operator = await actor(sm, "operator")
    cases = [
        (message.id, operator, AGAIN, Invalid, "не обращение 59-ФЗ"),
        (first.id, operator, "  ", Invalid, "нужен текст"),
        (first.id, await actor(sm, "curator"), AGAIN, Forbidden, "регистрировать"),
    ]
    for item_id, who, text, error, match in cases:
        async with sm() as s:
            with pytest.raises(error, match=match):
                await check_follow_up(s, clock=clock, item_id=item_id or 0, actor=who, text=text)
    assert await events(sm, first, "followed_up") == []
    async with sm() as s:
        assert (await s.exec(select(func.count()).select_from(Item))).one() == 2
