"""Extending an appeal's deadline (ст. 12 ч. 2 59-ФЗ) and the rules every kind shares: never once
overdue, never beyond the policy's days, and a pending request ends with the work on the item."""

from datetime import UTC, datetime, timedelta

import pytest

from models import ItemStatus, LetterDelivery, LetterStatus
from tests.helpers import act, actor, register
from tests.workflows.appeals.people import ADDRESS, appeal, fresh, letters
from workflows.core.errors import IllegalTransition, Invalid
from workflows.items.transitions import Action

# Friday 5 Dec 2025, 10:00 Moscow: 30 days on is Sunday 4 Jan 2026, inside the New Year holidays.
DEC_5 = datetime(2025, 12, 5, 7, 0, tzinfo=UTC)


async def test_extension_counts_from_the_raw_30_days_not_the_moved_deadline(sm, clock, muni):
    clock.set(DEC_5)
    head = await actor(sm, "head")
    item = await appeal(sm, clock, muni)
    assert item.due_at == datetime(2026, 1, 12, 15, 0, tzinfo=UTC)  # the holidays moved it
    item = await act(sm, clock, item, Action.extend, head, days=30, reason="нужна экспертиза")
    # 4 Jan + 30 = Tuesday 3 Feb 2026: 60 days after registration, not 12 Jan + 30 = 11 Feb (68).
    assert item.due_at == datetime(2026, 2, 3, 15, 0, tzinfo=UTC)
    assert (item.due_at.date() - DEC_5.date()).days == 60


async def test_extension_uses_the_stored_raw_due_date(sm, clock, muni):
    clock.set(DEC_5)
    head = await actor(sm, "head")
    # As registration stores it (here a day earlier than computed, to show it is the one used).
    raw = datetime(2026, 1, 3, 15, 0, tzinfo=UTC)
    item = await appeal(sm, clock, muni, raw_due_at=raw)
    item = await act(sm, clock, item, Action.extend, head, days=30, reason="нужна экспертиза")
    assert item.due_at == datetime(2026, 2, 2, 15, 0, tzinfo=UTC)  # 3 Jan + 30 = Mon 2 Feb


async def test_extension_writes_the_extended_letter(sm, clock, muni):
    clock.set(DEC_5)
    water, head = await actor(sm, "water"), await actor(sm, "head")
    item = await appeal(sm, clock, muni)
    item = await act(sm, clock, item, Action.take, water)
    item = await act(
        sm, clock, item, Action.request_extension, water, days=20, reason="ждём ответ ресурсника"
    )
    item = await act(sm, clock, item, Action.approve_extension, head)
    assert item.due_at == datetime(2026, 1, 26, 15, 0, tzinfo=UTC)  # 4 Jan + 20 = Sat 24 -> Mon 26
    (letter,) = await letters(sm, item)
    assert letter.kind == "extended" and letter.delivery is LetterDelivery.post
    assert letter.status is LetterStatus.to_post and letter.address == ADDRESS
    assert "продлён до 26.01.2026" in letter.text
    assert "от 05.12.2025" in letter.text
    assert "Причина: ждём ответ ресурсника." in letter.text  # the request's reason


async def test_no_extension_after_the_deadline(sm, clock, muni):
    water, head = await actor(sm, "water"), await actor(sm, "head")
    item = await appeal(sm, clock, muni)
    item = await act(sm, clock, item, Action.take, water)
    item = await act(sm, clock, item, Action.request_extension, water, days=10, reason="экспертиза")
    assert item.due_at is not None
    clock.set(item.due_at + timedelta(days=9))  # the head comes to it nine days late
    for action, who in ((Action.approve_extension, head), (Action.extend, head)):
        with pytest.raises(Invalid, match=r"срок ответа истёк 12\.01\.2026"):
            await act(sm, clock, item, action, who, days=10, reason="экспертиза")
    after = await fresh(sm, item)
    assert after.due_at == item.due_at and after.extensions == 0 and after.version == item.version
    assert await letters(sm, item) == []


async def test_no_request_after_the_deadline_for_a_message_either(sm, clock, muni):
    water = await actor(sm, "water")
    item = await register(sm, clock, muni, "Нет воды во дворе")
    item = await act(sm, clock, item, Action.take, water)
    assert item.due_at is not None
    clock.set(item.due_at + timedelta(minutes=1))
    with pytest.raises(Invalid, match="продлить просроченный срок нельзя"):
        await act(sm, clock, item, Action.request_extension, water, days=3, reason="нет трубы")


async def test_61_days_refused_by_the_policy_with_the_law(sm, clock, muni):
    head = await actor(sm, "head")
    item = await appeal(sm, clock, muni)
    with pytest.raises(Invalid, match=r"на 1–30 дн\. \(ч\. 2 ст\. 12 59-ФЗ\); указано 61"):
        await act(sm, clock, item, Action.extend, head, days=61, reason="много работы")
    assert (await fresh(sm, item)).due_at == item.due_at


async def test_pending_request_cleared_by_answer_and_cannot_be_approved_after(sm, clock, muni):
    water, head = await actor(sm, "water"), await actor(sm, "head")
    item = await register(sm, clock, muni, "Нет воды во дворе")
    item = await act(sm, clock, item, Action.take, water)
    item = await act(sm, clock, item, Action.request_extension, water, days=3, reason="нет трубы")
    item = await act(sm, clock, item, Action.answer, water, text="Трубу заменили")
    assert item.extension_requested_days is None
    with pytest.raises(IllegalTransition):
        await act(sm, clock, item, Action.approve_extension, head)
    item = await act(sm, clock, item, Action.reopen, head, reason="жители пишут, что воды нет")
    with pytest.raises(Invalid, match="продление не запрашивалось"):
        await act(sm, clock, item, Action.approve_extension, head)
    assert (await fresh(sm, item)).extensions == 0


@pytest.mark.parametrize(
    "action, data",
    [
        (Action.draft_answer, {"text": "Водопровод починен"}),
        (Action.mark_abusive, {"reason": "угрозы должностному лицу"}),  # appeals aren't redirected
        (Action.reject, {"reason": "дубль"}),
    ],
)
async def test_pending_request_cleared_when_work_ends(sm, clock, muni, action, data):
    water = await actor(sm, "water")
    item = await appeal(sm, clock, muni)
    item = await act(sm, clock, item, Action.take, water)
    item = await act(sm, clock, item, Action.request_extension, water, days=5, reason="экспертиза")
    item = await act(sm, clock, item, action, water, **data)
    assert item.extension_requested_days is None and item.status is not ItemStatus.in_progress
    with pytest.raises(IllegalTransition):
        await act(sm, clock, item, Action.approve_extension, await actor(sm, "head"))


async def test_pending_request_cleared_by_return_path(sm, clock, muni):
    """Drafted with a request pending, returned: the head cannot approve the stale request."""
    water, head = await actor(sm, "water"), await actor(sm, "head")
    item = await appeal(sm, clock, muni)
    item = await act(sm, clock, item, Action.take, water)
    item = await act(sm, clock, item, Action.request_extension, water, days=5, reason="экспертиза")
    item = await act(sm, clock, item, Action.draft_answer, water, text="Починили")
    item = await act(sm, clock, item, Action.return_answer, head, reason="укажите сроки работ")
    assert item.status is ItemStatus.in_progress
    with pytest.raises(Invalid, match="продление не запрашивалось"):
        await act(sm, clock, item, Action.approve_extension, head)


async def test_an_extension_the_holidays_swallow_is_refused(sm, clock, muni):
    """Registered 2 Dec: raw 1 Jan, moved to 12 Jan; 1 Jan + 10 = 11 Jan is no later."""
    head = await actor(sm, "head")
    item = await appeal(sm, clock, muni)
    with pytest.raises(
        Invalid, match=r"от исходного срока 01\.01\.2026, не сдвигает нынешний срок 12\.01\.2026"
    ):
        await act(sm, clock, item, Action.extend, head, days=10, reason="экспертиза")
    assert (await fresh(sm, item)).extensions == 0
