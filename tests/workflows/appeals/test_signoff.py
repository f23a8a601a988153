"""An appeal's answer goes out only once signed: drafted by the assignee, signed by the head,
the глава or a signer (the letter is written then), or returned with what to change."""

import pytest

from models import AppealOutcome, Channel, ItemStatus, LetterDelivery, LetterStatus, ReplyBy, Role
from tests.helpers import act, actor, outbox, register
from tests.workflows.appeals.people import (
    ADDRESS,
    add_staff,
    appeal,
    appeal_row,
    events,
    fresh,
    letters,
)
from workflows.conversation.cards import card_options, card_text
from workflows.core.actors import Actor
from workflows.core.errors import Forbidden, IllegalTransition, Invalid, StaleVersion
from workflows.items.transitions import Action
from workflows.items.views import get_item_view

PHONE = "+7 900 123-45-67"
ANSWER = f"Водопровод на ул. Центральной починен 3 декабря. Вопросы — по телефону {PHONE}."


async def drafted(sm, clock, muni, **kw):
    water = await actor(sm, "water")
    item = await appeal(sm, clock, muni, **kw)
    item = await act(sm, clock, item, Action.take, water)
    return await act(sm, clock, item, Action.draft_answer, water, text=ANSWER)


async def test_draft_waits_for_signoff_and_asks_the_approvers(sm, clock, muni):
    glava = await add_staff(sm, muni, "glava", Role.glava)
    signer = await add_staff(sm, muni, "deputy", Role.sector_lead, signs=True)
    item = await drafted(sm, clock, muni)
    assert item.status is ItemStatus.signoff and item.answer_text == ANSWER
    assert item.answered_at is None and await letters(sm, item) == []
    asked = {n.staff_id for n in await outbox(sm, kind="answer_signoff")}
    head = (await actor(sm, "head")).id
    assert asked == {head, glava.id, signer.id}
    for row in await outbox(sm):  # the draft never goes into a messenger unmasked
        assert PHONE not in str(row.payload)


@pytest.mark.parametrize("who", ["head", "glava", "signer"])
async def test_signed_by_an_approver_sends_the_letter_and_keeps_the_audit(sm, clock, muni, who):
    if who == "glava":
        approver = Actor.of_staff(
            await add_staff(sm, muni, "glava", Role.glava), channel=Channel.api
        )
    elif who == "signer":
        st = await add_staff(sm, muni, "deputy", Role.recipient, signs=True)
        approver = Actor.of_staff(st, channel=Channel.api)
    else:
        approver = await actor(sm, "head")
    item = await drafted(sm, clock, muni)
    item = await act(sm, clock, item, Action.sign_answer, approver)
    assert item.status is ItemStatus.answered and item.answered_at == clock.now()
    row = await appeal_row(sm, item)
    assert row.signed_by_id == approver.id and row.signed_at == clock.now()
    assert row.outcome is AppealOutcome.answered
    (letter,) = await letters(sm, item)
    assert letter.kind == "answer" and letter.delivery is LetterDelivery.post
    assert letter.status is LetterStatus.to_post and letter.address == ADDRESS
    assert ANSWER in letter.text and letter.addressee == "Иванов Иван Иванович"
    (event,) = await events(sm, item, "sign_answer")
    assert event.data["answer"] == ANSWER and event.data["signed_by_id"] == approver.id
    assert event.data["letter_id"] == letter.id and event.actor_id == approver.id
    water = await actor(sm, "water")
    assert [n.kind for n in await outbox(sm, staff_id=water.id)][-1] == "answer_signed"


async def test_signed_answer_by_email_goes_through_the_outbox(sm, clock, muni):
    item = await drafted(sm, clock, muni, reply_by=ReplyBy.email)
    item = await act(sm, clock, item, Action.sign_answer, await actor(sm, "head"))
    (letter,) = await letters(sm, item)
    assert letter.delivery is LetterDelivery.email and letter.address == "ivanov@example.ru"
    assert [r.payload["letter_id"] for r in await outbox(sm, kind="letter")] == [letter.id]


async def test_an_anonymous_appeal_is_signed_without_a_letter(sm, clock, muni):
    item = await drafted(sm, clock, muni, reply_by=None)
    item = await act(sm, clock, item, Action.sign_answer, await actor(sm, "head"))
    assert item.status is ItemStatus.answered and await letters(sm, item) == []
    (event,) = await events(sm, item, "sign_answer")
    assert event.data["letter_id"] is None


@pytest.mark.parametrize("code", ["water", "heat", "lead_zhkh", "operator"])
async def test_others_may_not_sign_or_return(sm, clock, muni, code):
    item = await drafted(sm, clock, muni)
    who = await actor(sm, code)
    with pytest.raises(Forbidden):  # not theirs to sign, or not even theirs to see
        await act(sm, clock, item, Action.sign_answer, who)
    with pytest.raises(Forbidden):
        await act(sm, clock, item, Action.return_answer, who, reason="переделать")
    after = await fresh(sm, item)
    assert after.status is ItemStatus.signoff and after.version == item.version


async def test_returned_with_a_reason_to_the_assignee(sm, clock, muni):
    head = await actor(sm, "head")
    item = await drafted(sm, clock, muni)
    with pytest.raises(Invalid, match="что исправить"):
        await act(sm, clock, item, Action.return_answer, head, reason="  ")
    assert (await fresh(sm, item)).version == item.version
    item = await act(sm, clock, item, Action.return_answer, head, reason="укажите сроки работ")
    assert item.status is ItemStatus.in_progress and item.answered_at is None
    water = await actor(sm, "water")
    told = [n for n in await outbox(sm, staff_id=water.id) if n.kind == "answer_returned"]
    assert told and told[0].payload["reason"] == "укажите сроки работ"
    assert await letters(sm, item) == []


async def test_a_stale_sign_button_changes_nothing(sm, clock, muni):
    head = await actor(sm, "head")
    item = await drafted(sm, clock, muni)
    seen = item.version  # the card the glava looks at
    item = await act(sm, clock, item, Action.return_answer, head, reason="укажите сроки работ")
    with pytest.raises(StaleVersion):
        await act(sm, clock, item, Action.sign_answer, head, version=seen)
    with pytest.raises(IllegalTransition, match="в работе"):  # not on sign-off any more
        await act(sm, clock, item, Action.sign_answer, head)
    after = await fresh(sm, item)
    assert after.status is ItemStatus.in_progress and after.version == item.version
    assert await letters(sm, item) == [] and await events(sm, item, "sign_answer") == []


async def test_answer_on_an_appeal_points_to_the_draft(sm, clock, muni):
    water = await actor(sm, "water")
    item = await appeal(sm, clock, muni)
    item = await act(sm, clock, item, Action.take, water)
    with pytest.raises(Invalid, match="draft_answer"):
        await act(sm, clock, item, Action.answer, water, text=ANSWER)
    with pytest.raises(Invalid, match="нужен текст"):
        await act(sm, clock, item, Action.draft_answer, water, text=" ")
    assert (await fresh(sm, item)).status is ItemStatus.in_progress


async def test_a_message_is_answered_directly_not_drafted(sm, clock, muni):
    water = await actor(sm, "water")
    item = await register(sm, clock, muni, "Нет воды во дворе")
    item = await act(sm, clock, item, Action.take, water)
    with pytest.raises(Invalid, match="59-ФЗ"):
        await act(sm, clock, item, Action.draft_answer, water, text="Починили")


async def test_cards_offer_the_draft_and_the_signing(sm, clock, muni):
    signer = Actor.of_staff(
        await add_staff(sm, muni, "deputy", Role.recipient, signs=True), channel=Channel.telegram
    )
    water, head = await actor(sm, "water"), await actor(sm, "head")
    item = await appeal(sm, clock, muni)
    item = await act(sm, clock, item, Action.take, water)
    async with sm() as s:
        view = await get_item_view(s, item_id=item.id or 0)
    codes = [o.choice.act for o in card_options(view, water)]
    assert "da" in codes and "an" not in codes  # «Ответить» drafts
    item = await act(sm, clock, item, Action.draft_answer, water, text=ANSWER)
    async with sm() as s:
        view = await get_item_view(s, item_id=item.id or 0)
    for who in (head, signer):
        labels = [o.label for o in card_options(view, who)]
        assert "🖋 Подписать" in labels and "↩️ Вернуть" in labels, labels
    assert not {"sg", "rt"} & {o.choice.act for o in card_options(view, water)}
    text = "".join(card_text(view, clock.now()))
    assert "Ответ:" in text and PHONE not in text  # the draft, masked
