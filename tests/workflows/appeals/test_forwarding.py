"""Forwarding an appeal to the competent body (59-ФЗ ст. 8 ч. 3) on real Postgres: the covering
letter and the citizen's notice, the refusals that change nothing, late forwards, the rung."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import col, select

from models import (
    AppealOutcome,
    Channel,
    CompetentBody,
    ItemStatus,
    LetterDelivery,
    LetterStatus,
    Outbox,
    ReplyBy,
    Staff,
)
from tests.helpers import act, actor, outbox, register, staff
from tests.workflows.appeals.forward_kit import (
    appeal,
    appeal_row,
    apply_appeal_setup,
    body,
    last_event,
    letters,
    snapshot,
)
from workflows.core.errors import Invalid
from workflows.escalation.firing import run_due_timers
from workflows.items.transitions import Action
from workflows.items.views import get_item_view

MSK = ZoneInfo("Europe/Moscow")


@pytest.fixture
async def amuni(sm, clock, muni) -> int:
    await apply_appeal_setup(sm, clock)
    return muni


async def test_paper_appeal_forwarded_to_a_body_without_email(sm, clock, amuni):
    item = await appeal(sm, clock, amuni)
    prosecutor = await body(sm, "prosecutor")
    clock.advance(timedelta(days=2))
    done = await act(
        sm,
        clock,
        item,
        Action.forward,
        await actor(sm, "operator"),
        body_id=prosecutor.id,
        reason="Вопрос надзора за управляющей компанией",
    )
    assert done.status is ItemStatus.redirected and done.closed_at == clock.now()
    assert done.resolution_reason == "Вопрос надзора за управляющей компанией"
    row = await appeal_row(sm, item)
    assert row.outcome is AppealOutcome.forwarded and row.forwarded_body_id == prosecutor.id
    assert row.forwarded_at == clock.now()
    covering, notice = await letters(sm, item)
    assert (covering.kind, covering.body_id, covering.delivery, covering.status) == (
        "covering",
        prosecutor.id,
        LetterDelivery.post,
        LetterStatus.to_post,
    )
    assert covering.address == "368410, с. Тестовое, ул. Мира, 2"
    assert "Петров Пётр Петрович" in covering.text and item.text in covering.text
    assert "02.12.2025" in covering.text and item.number in covering.text
    assert (notice.kind, notice.body_id, notice.delivery, notice.status) == (
        "forwarded",
        None,
        LetterDelivery.post,
        LetterStatus.to_post,
    )
    assert notice.address == "368410, с. Тестовое, ул. Садовая, 5"
    assert "Прокуратура района" in notice.text and "частью 3 статьи 8" in notice.text
    event = await last_event(sm, item)
    assert event.action == "forward" and event.to_status is ItemStatus.redirected
    assert event.data == {"body_id": prosecutor.id, "letter_ids": [covering.id, notice.id]}
    assert await outbox(sm, channel=Channel.email) == []  # both letters wait to be posted


async def test_email_appeal_forwarded_by_email_to_a_body_with_email(sm, clock, amuni):
    item = await appeal(
        sm, clock, amuni, email="petrov@example.ru", reply_by=ReplyBy.email, channel=Channel.pos
    )
    police = await body(sm, "police")
    await act(
        sm,
        clock,
        item,
        Action.forward,
        await actor(sm, "operator"),
        body_id=police.id,
        reason="Сообщение о краже",
    )
    covering, notice = await letters(sm, item)
    assert (covering.delivery, covering.status, covering.address) == (
        LetterDelivery.email,
        LetterStatus.pending,
        "police@example.ru",
    )
    assert (notice.delivery, notice.status, notice.address) == (
        LetterDelivery.email,
        LetterStatus.pending,
        "petrov@example.ru",
    )
    mails = await outbox(sm, channel=Channel.email)
    assert [m.payload["letter_id"] for m in mails] == [covering.id, notice.id]
    assert all("petrov" not in str(m.payload) for m in mails)  # the address stays in the letter


async def test_forward_to_the_body_complained_about_is_refused_and_changes_nothing(
    sm, clock, amuni
):
    housing = await body(sm, "housing")
    item = await appeal(sm, clock, amuni, complained=housing.id)
    before = await snapshot(sm, item)
    with pytest.raises(Invalid, match="части 6 статьи 8") as refused:
        await act(
            sm,
            clock,
            item,
            Action.forward,
            await actor(sm, "operator"),
            body_id=housing.id,
            reason="Жилищный надзор",
        )
    assert "Жилищная инспекция" in refused.value.reason
    assert await snapshot(sm, item) == before
    assert before["status"] is ItemStatus.new and before["Letter"] == 0


@pytest.mark.parametrize(
    ("body_code", "reason", "says"),
    [
        (None, "Не наш вопрос", "body_id"),
        ("unknown", "Не наш вопрос", "не найден"),
        ("retired", "Не наш вопрос", "больше не указан"),
        ("police", "  ", "причина переадресации"),
    ],
)
async def test_forward_refusals_say_what_to_do(sm, clock, amuni, body_code, reason, says):
    async with sm() as s:
        s.add(
            CompetentBody(
                municipality_id=amuni,
                code="retired",
                name="Упразднённый орган",
                address="с. Тестовое",
                active=False,
            )
        )
        await s.commit()
    ids = {"unknown": 999_999, None: None}
    body_id = ids[body_code] if body_code in ids else (await body(sm, body_code)).id
    item = await appeal(sm, clock, amuni)
    before = await snapshot(sm, item)
    with pytest.raises(Invalid, match=says) as refused:
        await act(
            sm,
            clock,
            item,
            Action.forward,
            await actor(sm, "operator"),
            body_id=body_id,
            reason=reason,
        )
    if body_code != "police":
        assert "GET /api/v1/bodies" in refused.value.reason
    assert await snapshot(sm, item) == before


async def test_late_forward_is_done_recorded_and_told_to_the_head(sm, clock, amuni):
    item = await appeal(sm, clock, amuni)  # registered Tue 2 Dec; forward due 9 Dec
    assert item.forward_due_at is not None
    clock.set(datetime(2025, 12, 12, 8, 0, tzinfo=UTC))
    police = await body(sm, "police")
    done = await act(
        sm,
        clock,
        item,
        Action.forward,
        await actor(sm, "operator"),
        body_id=police.id,
        reason="Сообщение о краже",
    )
    assert done.status is ItemStatus.redirected
    event = await last_event(sm, item)
    assert event.data["late"] is True and event.data["days"] == 3
    head = await staff(sm, "head")
    [told] = await outbox(sm, kind="forwarded_late")
    assert told.staff_id == head.id and told.payload["days"] == 3
    assert "Петров" not in str(told.payload)  # staff notices carry no citizen's name


async def test_anonymous_appeal_reporting_a_crime_goes_to_the_police_without_a_citizen_letter(
    sm, clock, amuni
):
    item = await appeal(
        sm,
        clock,
        amuni,
        "Во дворе дома 3 торгуют наркотиками",
        name=None,
        address=None,
        reply_by=None,
    )
    police = await body(sm, "police")
    await act(
        sm,
        clock,
        item,
        Action.forward,
        await actor(sm, "operator"),
        body_id=police.id,
        reason="Сведения о преступлении (ст. 11 ч. 1)",
    )
    [covering] = await letters(sm, item)
    assert covering.kind == "covering_anonymous" and covering.body_id == police.id
    assert "частью 1 статьи 11" in covering.text and "торгуют наркотиками" in covering.text
    assert (await appeal_row(sm, item)).outcome is AppealOutcome.forwarded


async def test_only_appeals_are_forwarded_and_appeals_are_not_redirected(sm, clock, amuni):
    operator = await actor(sm, "operator")
    police = await body(sm, "police")
    message = await register(sm, clock, amuni, "Просьба покрасить забор у клуба")
    with pytest.raises(Invalid, match=r"только для обращений по 59-ФЗ.*redirect"):
        await act(sm, clock, message, Action.forward, operator, body_id=police.id, reason="Не наше")
    item = await appeal(sm, clock, amuni)
    before = await snapshot(sm, item)
    with pytest.raises(Invalid, match="forward"):
        await act(sm, clock, item, Action.redirect, operator, reason="Не наше")
    assert await snapshot(sm, item) == before
    redirected = await act(sm, clock, message, Action.redirect, operator, reason="Не наше")
    assert redirected.status is ItemStatus.redirected  # messages keep redirect


async def test_cards_offer_forward_on_appeals_and_redirect_on_messages(sm, clock, amuni):
    operator = await actor(sm, "operator")
    item = await appeal(sm, clock, amuni)
    message = await register(sm, clock, amuni, "Просьба покрасить забор у клуба")
    async with sm() as s:
        on_appeal = (await get_item_view(s, item_id=item.id or 0)).allowed(operator)
        on_message = (await get_item_view(s, item_id=message.id or 0)).allowed(operator)
    assert Action.forward in on_appeal and Action.redirect not in on_appeal
    assert Action.mark_abusive in on_appeal
    assert Action.redirect in on_message and Action.forward not in on_message
    assert Action.mark_unclear not in on_message


async def test_a_taken_appeal_still_gets_the_forward_rung(sm, clock, amuni):
    item = await appeal(sm, clock, amuni, "Нет воды в доме, прошу разобраться")
    water = await staff(sm, "water")
    assert item.assignee_id == water.id
    item = await act(sm, clock, item, Action.take, await actor(sm, "water"))
    assert item.status is ItemStatus.in_progress
    for day in range(3, 11):  # poll every morning and evening up to 10 Dec
        for hour in (6, 14):
            clock.set(datetime(2025, 12, day, hour, 0, tzinfo=UTC))
            await run_due_timers(sm, clock=clock)
    async with sm() as s:
        rows = await s.exec(
            select(Outbox, Staff)
            .join(Staff, col(Staff.id) == Outbox.staff_id)
            .where(col(Outbox.kind).in_(["reminder", "escalation"]))
        )
        got = [(o.payload["step"], st.code, o.created_at.astimezone(MSK)) for o, st in rows]
    assert [(step, who) for step, who, _ in got] == [("forward", "head")]
    assert got[0][2].date().isoformat() == "2025-12-08"
