"""Letters of the 59-ФЗ path: kept as rows, e-mail through the outbox, postal ones to the queue."""

import pytest
from sqlmodel import select

from models import (
    Appeal,
    Channel,
    Citizen,
    CompetentBody,
    Item,
    ItemKind,
    Letter,
    LetterDelivery,
    LetterStatus,
    Outbox,
    ReplyBy,
)
from tests.helpers import register
from workflows.core.errors import Invalid
from workflows.notifications.letter_texts import LETTERS, compose
from workflows.notifications.letters import (
    body_addressee,
    do_write_letter,
    get_citizen_addressee,
)


async def _appeal(sm, clock, muni, *, reply_by, email=None, address=None) -> Item:
    item = await register(sm, clock, muni, "Прошу отремонтировать мост", kind=ItemKind.appeal_59fz)
    async with sm() as s:
        citizen = Citizen(created_at=clock.now(), name="Иванов И. И.", email=email, address=address)
        s.add(citizen)
        await s.flush()
        row = await s.get(Item, item.id)
        assert row is not None
        row.citizen_id = citizen.id
        appeal = await s.get(Appeal, item.id) or Appeal(item_id=item.id or 0)  # made by register
        appeal.reply_by = reply_by
        s.add(appeal)
        await s.commit()
        await s.refresh(row)
        return row


def test_every_letter_composes_with_its_facts() -> None:
    facts = {
        "number": "ТСТ-2026-000001",
        "received_date": "01.12.2026",
        "registered_date": "02.12.2026",
        "due_date": "11.01.2027",
        "new_due_date": "10.02.2027",
        "body_name": "Прокуратура района",
        "citizen_name": "Иванов И. И.",
        "text": "Прошу отремонтировать мост",
        "reason": "нужна экспертиза",
        "answer": "Мост отремонтируют в мае.",
        "why": "Текст не поддаётся прочтению.",
        "previous_number": "ТСТ-2026-000000",
    }
    for kind in LETTERS:
        subject, text = compose(kind, facts)
        assert subject and "{" not in subject and "{" not in text, kind
    assert "11.01.2027" in compose("registered", facts)[1]
    with pytest.raises(Invalid, match="не хватает"):
        compose("registered", {"number": "1"})
    with pytest.raises(Invalid, match="неизвестный"):
        compose("telegram", facts)


async def test_email_letter_is_kept_and_queued_by_its_id(sm, clock, muni) -> None:
    item = await _appeal(sm, clock, muni, reply_by=ReplyBy.email, email="ivanov@example.ru")
    async with sm() as s:
        to = await get_citizen_addressee(s, item=item)
        assert to is not None and to.delivery is LetterDelivery.email
        facts = {"received_date": "1", "registered_date": "2", "due_date": "3"}
        first = await do_write_letter(
            s, item=item, kind="registered", facts=facts, to=to, now=clock.now()
        )
        second = await do_write_letter(
            s, item=item, kind="registered", facts=facts, to=to, now=clock.now()
        )
        await s.commit()
        assert first.status is LetterStatus.pending and first.address == "ivanov@example.ru"
        assert (first.number, second.number) == (f"{item.number}/1", f"{item.number}/2")
        rows = list(await s.exec(select(Outbox).where(Outbox.channel == Channel.email)))
    assert [r.payload["letter_id"] for r in rows] == [first.id, second.id]
    assert all("ivanov" not in r.chat_id for r in rows), "the address stays in the letter"


async def test_postal_letter_waits_to_be_posted_and_no_address_writes_none(sm, clock, muni):
    posted = await _appeal(sm, clock, muni, reply_by=ReplyBy.post, address="с. Тестовое, д. 1")
    anonymous = await _appeal(sm, clock, muni, reply_by=None)
    async with sm() as s:
        to = await get_citizen_addressee(s, item=posted)
        assert to is not None
        letter = await do_write_letter(
            s,
            item=posted,
            kind="answer",
            facts={"registered_date": "2", "answer": "Да."},
            to=to,
            now=clock.now(),
        )
        await s.commit()
        assert letter.status is LetterStatus.to_post and letter.address == "с. Тестовое, д. 1"
        assert await get_citizen_addressee(s, item=anonymous) is None
        assert not list(await s.exec(select(Outbox).where(Outbox.channel == Channel.email)))
        assert len(list(await s.exec(select(Letter)))) == 1


def test_a_body_without_email_gets_a_printed_letter() -> None:
    with_mail = CompetentBody(id=1, municipality_id=1, code="a", name="A", email="a@example.ru")
    paper = CompetentBody(id=2, municipality_id=1, code="b", name="B", address="г. Махачкала")
    assert body_addressee(with_mail).delivery is LetterDelivery.email
    assert body_addressee(paper).delivery is LetterDelivery.post
    assert body_addressee(paper).body_id == 2
