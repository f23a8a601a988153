"""The outcomes of 59-ФЗ ст. 11 as actions on real Postgres: each closes the appeal with its
outcome and writes its letter (or none); refusals on messages and wrong targets change nothing."""

from datetime import UTC, datetime, timedelta

import pytest

from models import AppealOutcome, Item, ItemStatus, LetterDelivery, LetterStatus, ReplyBy
from tests.helpers import act, actor, outbox, register, staff
from tests.workflows.appeals.forward_kit import (
    appeal,
    appeal_row,
    apply_appeal_setup,
    last_event,
    letters,
    snapshot,
)
from workflows.core.errors import Forbidden, Invalid, NotFound
from workflows.items.transitions import Action


@pytest.fixture
async def amuni(sm, clock, muni) -> int:
    await apply_appeal_setup(sm, clock)
    return muni


async def test_anonymous_appeal_is_left_without_an_answer_and_no_letter(sm, clock, amuni):
    item = await appeal(sm, clock, amuni, name=None, address=None, reply_by=None)
    done = await act(
        sm,
        clock,
        item,
        Action.leave_anonymous,
        await actor(sm, "operator"),
        reason="Не указаны фамилия и адрес",
    )
    assert done.status is ItemStatus.rejected and done.closed_at == clock.now()
    assert (await appeal_row(sm, item)).outcome is AppealOutcome.anonymous
    assert await letters(sm, item) == []


async def test_an_appeal_with_a_name_and_an_address_is_not_anonymous(sm, clock, amuni):
    item = await appeal(sm, clock, amuni)
    before = await snapshot(sm, item)
    with pytest.raises(Invalid, match="не анонимное"):
        await act(
            sm, clock, item, Action.leave_anonymous, await actor(sm, "operator"), reason="Аноним"
        )
    assert await snapshot(sm, item) == before


async def test_a_name_without_a_reply_address_is_anonymous(sm, clock, amuni):
    item = await appeal(sm, clock, amuni, address=None, reply_by=None)
    done = await act(
        sm,
        clock,
        item,
        Action.leave_anonymous,
        await actor(sm, "operator"),
        reason="Нет адреса для ответа",
    )
    assert done.status is ItemStatus.rejected and await letters(sm, item) == []


@pytest.mark.parametrize(
    ("reason", "part", "says"),
    [
        ("unreadable", "4", "не поддаётся прочтению"),
        ("unclear: не указано, о каком доме идёт речь", "4.1", "о каком доме идёт речь"),
    ],
)
async def test_unclear_appeal_gets_the_unclear_letter(sm, clock, amuni, reason, part, says):
    item = await appeal(sm, clock, amuni)
    clock.advance(timedelta(days=3))
    await act(sm, clock, item, Action.mark_unclear, await actor(sm, "operator"), reason=reason)
    [letter] = await letters(sm, item)
    assert (letter.kind, letter.delivery, letter.status) == (
        "unclear",
        LetterDelivery.post,
        LetterStatus.to_post,
    )
    assert says in letter.text and "02.12.2025" in letter.text
    event = await last_event(sm, item)
    assert event.data["part"] == part and "late" not in event.data
    assert (await appeal_row(sm, item)).outcome is AppealOutcome.unclear
    assert await outbox(sm, kind="unclear_late") == []


async def test_unclear_after_seven_days_is_allowed_recorded_and_told(sm, clock, amuni):
    item = await appeal(sm, clock, amuni, email="petrov@example.ru", reply_by=ReplyBy.email)
    clock.set(datetime(2025, 12, 11, 8, 0, tzinfo=UTC))  # 9 days after 2 Dec
    await act(
        sm, clock, item, Action.mark_unclear, await actor(sm, "operator"), reason="unreadable"
    )
    [letter] = await letters(sm, item)
    assert letter.delivery is LetterDelivery.email and letter.status is LetterStatus.pending
    event = await last_event(sm, item)
    assert event.data["late"] is True and event.data["days"] == 2
    [told] = await outbox(sm, kind="unclear_late")
    assert told.staff_id == (await staff(sm, "head")).id


async def test_unclear_needs_to_say_which_part(sm, clock, amuni):
    item = await appeal(sm, clock, amuni)
    before = await snapshot(sm, item)
    with pytest.raises(Invalid, match="unreadable"):
        await act(
            sm, clock, item, Action.mark_unclear, await actor(sm, "operator"), reason="непонятно"
        )
    assert await snapshot(sm, item) == before


async def test_abusive_appeal_gets_the_warning_letter(sm, clock, amuni):
    item = await appeal(sm, clock, amuni)
    done = await act(
        sm,
        clock,
        item,
        Action.mark_abusive,
        await actor(sm, "operator"),
        reason="Угрозы главе администрации",
    )
    assert done.status is ItemStatus.rejected
    assert done.resolution_reason == "Угрозы главе администрации"
    [letter] = await letters(sm, item)
    assert letter.kind == "abusive" and "частью 3 статьи 11" in letter.text
    assert (await appeal_row(sm, item)).outcome is AppealOutcome.abusive


async def test_ст11_outcomes_are_refused_on_a_message(sm, clock, amuni):
    operator, head = await actor(sm, "operator"), await actor(sm, "head")
    message = await register(sm, clock, amuni, "Просьба покрасить забор у клуба")
    for action, who in (
        (Action.leave_anonymous, operator),
        (Action.mark_unclear, operator),
        (Action.mark_abusive, operator),
        (Action.stop_correspondence, head),
    ):
        before = await snapshot(sm, message)
        with pytest.raises(Invalid, match="только для обращений по 59-ФЗ"):
            await act(sm, clock, message, action, who, reason="unclear", target_item_id=1)
        assert await snapshot(sm, message) == before


async def test_an_appeal_is_never_merged_away_without_its_letter(sm, clock, amuni):
    """Two citizens about one problem: a message may join another item, but a 59-ФЗ appeal
    closed as merged would leave its author without the written answer the law owes them."""
    operator = await actor(sm, "operator")
    first, second = await appeal(sm, clock, amuni), await appeal(sm, clock, amuni)
    before = await snapshot(sm, second)
    with pytest.raises(Invalid, match="свой письменный ответ"):
        await act(sm, clock, second, Action.merge, operator, target_item_id=first.id)
    assert await snapshot(sm, second) == before
    # a message about the same may still join the appeal
    message = await register(sm, clock, amuni, "Просьба покрасить забор у клуба")
    merged = await act(sm, clock, message, Action.merge, operator, target_item_id=first.id)
    assert merged.status is ItemStatus.merged and merged.merged_into_id == first.id
    # the signed answer to the appeal is the message's answer too, told to its own citizen
    first = await act(sm, clock, first, Action.take, operator)
    first = await act(sm, clock, first, Action.draft_answer, operator, text="Забор покрасят в мае")
    await act(sm, clock, first, Action.sign_answer, await actor(sm, "head"))
    async with sm() as s:
        after = await s.get(Item, message.id)
    assert after is not None and after.status is ItemStatus.answered
    assert after.answer_text == "Забор покрасят в мае"


async def _answered(sm, clock, amuni, **kw):
    first = await appeal(sm, clock, amuni, **kw)
    operator = await actor(sm, "operator")
    first = await act(sm, clock, first, Action.take, operator)
    first = await act(sm, clock, first, Action.draft_answer, operator, text="Отопление проверено")
    return await act(sm, clock, first, Action.sign_answer, await actor(sm, "head"))


async def test_head_stops_correspondence_on_a_repeated_appeal(sm, clock, amuni):
    first = await _answered(sm, clock, amuni)
    again = await appeal(sm, clock, amuni, citizen_id=first.citizen_id)
    done = await act(
        sm,
        clock,
        again,
        Action.stop_correspondence,
        await actor(sm, "head"),
        target_item_id=first.id,
        reason="Ответы давались, новых доводов нет",
    )
    assert done.status is ItemStatus.rejected
    row = await appeal_row(sm, again)
    assert row.outcome is AppealOutcome.stopped and row.previous_item_id == first.id
    [letter] = await letters(sm, again)
    assert letter.kind == "stopped" and first.number in letter.text
    assert (await last_event(sm, again)).data["target_item_id"] == first.id


async def test_glava_may_stop_correspondence_a_recipient_may_not(sm, clock, amuni):
    first = await _answered(sm, clock, amuni)
    again = await appeal(sm, clock, amuni, "Нет воды в доме, опять", citizen_id=first.citizen_id)
    assert again.assignee_id == (await staff(sm, "water")).id
    before = await snapshot(sm, again)
    with pytest.raises(Forbidden):
        await act(
            sm,
            clock,
            again,
            Action.stop_correspondence,
            await actor(sm, "water"),
            target_item_id=first.id,
            reason="Повтор",
        )
    assert await snapshot(sm, again) == before
    done = await act(
        sm,
        clock,
        again,
        Action.stop_correspondence,
        await actor(sm, "glava"),
        target_item_id=first.id,
        reason="Повтор без новых доводов",
    )
    assert done.status is ItemStatus.rejected


async def test_stop_correspondence_with_a_wrong_target_is_refused(sm, clock, amuni):
    head = await actor(sm, "head")
    answered_other = await _answered(sm, clock, amuni, name="Сидоров С.С.")
    unanswered = await appeal(sm, clock, amuni)
    again = await appeal(sm, clock, amuni, citizen_id=unanswered.citizen_id)
    message = await register(sm, clock, amuni, "Просьба покрасить забор у клуба")
    before = await snapshot(sm, again)
    for target, error, says in (
        (None, NotFound, "target_item_id"),
        (999_999, NotFound, "target_item_id"),
        (message.id, Invalid, "не прежнее обращение"),
        (again.id, Invalid, "не прежнее обращение"),
        (answered_other.id, Invalid, "другой гражданин"),
        (unanswered.id, Invalid, "ответ по существу не давался"),
    ):
        with pytest.raises(error, match=says):
            await act(
                sm,
                clock,
                again,
                Action.stop_correspondence,
                head,
                target_item_id=target,
                reason="Повтор",
            )
    assert await snapshot(sm, again) == before
