"""Receiving and registering 59-ФЗ appeals: on paper (registered at once, or late), from ПОС
(received, registered later by the officer for ПОС), the registration rungs of the ladder, the
ПОС import's repeats and refusals, and bad input that changes nothing."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import col, func, select

from models import (
    Appeal,
    Channel,
    Citizen,
    CompetentBody,
    Item,
    ItemEvent,
    ItemKind,
    ItemStatus,
    Letter,
    LetterDelivery,
    LetterStatus,
    Outbox,
    ReplyBy,
    Staff,
)
from tests.appeal_setup import APPEAL_SETUP
from tests.helpers import act, actor, staff
from workflows.core.clock import FakeClock
from workflows.core.errors import Forbidden, Invalid
from workflows.escalation.firing import next_due_at, run_due_timers
from workflows.items.appeal.intake import AppealIntake
from workflows.items.pos_import import Outcome, check_import_pos
from workflows.items.register import NewItem, check_register_item
from workflows.items.transitions import Action
from workflows.outbox.plain import render_plain
from workflows.setup.apply import check_apply_setup

MSK = ZoneInfo("Europe/Moscow")


def msk(*a: int) -> datetime:
    return datetime(*a, tzinfo=MSK).astimezone(UTC)


@pytest.fixture
async def muni(sm, clock: FakeClock) -> int:
    async with sm() as s:
        return (await check_apply_setup(s, text=APPEAL_SETUP, clock=clock)).municipality_id


async def paper(sm, clock, muni, text: str, received_at: datetime | None, **appeal) -> Item:
    async with sm() as s:
        return await check_register_item(
            s,
            clock=clock,
            municipality_id=muni,
            actor=await actor(sm, appeal.pop("who", "operator")),
            new=NewItem(
                kind=ItemKind.appeal_59fz,
                channel=Channel.paper,
                text=text,
                received_at=received_at,
                appeal=AppealIntake(**appeal),
            ),
        )


async def rows(sm, model, *where):
    async with sm() as s:
        return list(await s.exec(select(model).where(*where)))


async def told(sm, kind: str) -> list[str]:
    """Staff codes an outbox notice of `kind` went to, in order."""
    async with sm() as s:
        found = await s.exec(
            select(Staff.code)
            .join(Outbox, col(Outbox.staff_id) == Staff.id)
            .where(Outbox.kind == kind)
            .order_by(col(Outbox.id))
        )
        return list(found)


async def test_paper_appeal_registered_at_once_gets_a_letter_to_post(sm, clock, muni):
    item = await paper(
        sm,
        clock,
        muni,
        "Жалоба на водопровод: третий день нет воды",
        msk(2025, 12, 1, 16),
        name="Иванов Иван Иванович",
        address="368410, с. Тестовое, ул. Садовая, 5",
        complained_body="housing",
        complained_official="мастер участка Петров",
    )
    assert item.registered_at == clock.now() and item.received_at == msk(2025, 12, 1, 16)
    assert item.status is ItemStatus.assigned, "routed by the rules like any new item"
    assert item.place_kind is None, "a paper appeal is not asked «Где это?»"
    # 30 days from 2 Dec: 1 Jan 2026, a holiday -> 12 Jan; the raw date stays for extensions
    assert item.due_at == msk(2026, 1, 12, 18)
    assert item.forward_due_at == msk(2025, 12, 9, 18)
    [appeal] = await rows(sm, Appeal, Appeal.item_id == item.id)
    assert appeal.reply_by is ReplyBy.post and appeal.registered_late_days is None
    assert appeal.raw_due_at == msk(2026, 1, 1, 18)
    assert appeal.complained_official == "мастер участка Петров"
    [housing] = await rows(sm, CompetentBody, CompetentBody.code == "housing")
    assert appeal.complained_body_id == housing.id
    [letter] = await rows(sm, Letter, Letter.item_id == item.id)
    assert (letter.kind, letter.delivery, letter.status) == (
        "registered",
        LetterDelivery.post,
        LetterStatus.to_post,
    )
    assert letter.address == "368410, с. Тестовое, ул. Садовая, 5"
    assert letter.addressee == "Иванов Иван Иванович"
    assert "поступившее 01.12.2025, зарегистрировано 02.12.2025" in letter.text
    assert "не позднее 12.01.2026" in letter.text
    assert await told(sm, "registered_late") == []
    assert await rows(sm, Outbox, Outbox.channel == Channel.email) == [], "a postal letter"


async def test_from_pos_received_then_registered_two_days_later(sm, clock, muni):
    clock.set(msk(2026, 2, 2, 10))  # Monday
    async with sm() as s:
        [res] = await check_import_pos(
            s,
            clock=clock,
            municipality_id=muni,
            actor=await actor(sm, "pos"),
            records=[
                {
                    "pos_id": 7001,
                    "created_at": "2026-02-02T09:15:00+03:00",
                    "text": "Во дворе дома не вывозят мусор",
                    "author": {"name": "Сидорова Анна", "email": "anna@example.ru"},
                    "fz59": True,
                }
            ],
        )
    assert res.outcome is Outcome.created
    [item] = await rows(sm, Item, Item.id == res.item_id)
    assert (item.status, item.channel, item.intake_key) == (
        ItemStatus.received,
        Channel.pos,
        "pos:7001",
    )
    assert item.received_at == msk(2026, 2, 2, 9, 15)
    assert item.register_due_at == msk(2026, 2, 5, 9, 15)
    assert item.due_at is None and item.take_due_at is None, "no answer clock before registration"
    assert await told(sm, "to_register") == ["pos"]
    [notice] = await rows(sm, Outbox, Outbox.kind == "to_register")
    assert notice.payload["register_due_local"] == "05.02.2026 09:15"
    assert "Сидорова" not in str(notice.payload) and "anna@" not in str(notice.payload)
    assert await rows(sm, Letter) == []

    clock.set(msk(2026, 2, 4, 11))  # two days later
    with pytest.raises(Forbidden):
        await act(sm, clock, item, Action.register, await actor(sm, "water"))
    item = await act(sm, clock, item, Action.register, await actor(sm, "pos"))
    assert item.status is ItemStatus.new, "no rule routes it: the triage desk"
    assert item.registered_at == msk(2026, 2, 4, 11)
    assert item.due_at == msk(2026, 3, 6, 18), "30 days from registration (4 Feb), not receipt"
    assert item.forward_due_at == msk(2026, 2, 11, 18)
    [appeal] = await rows(sm, Appeal, Appeal.item_id == item.id)
    assert appeal.reply_by is ReplyBy.email and appeal.registered_late_days is None
    assert appeal.raw_due_at == msk(2026, 3, 6, 18)
    [letter] = await rows(sm, Letter, Letter.item_id == item.id)
    assert (letter.delivery, letter.status, letter.address) == (
        LetterDelivery.email,
        LetterStatus.pending,
        "anna@example.ru",
    )
    assert "поступившее 02.02.2026, зарегистрировано 04.02.2026" in letter.text
    assert "не позднее 06.03.2026" in letter.text
    [mail] = await rows(sm, Outbox, Outbox.channel == Channel.email)
    assert mail.payload == {"letter_id": letter.id, "kind": "registered"}
    assert sorted(await told(sm, "triage")) == ["operator", "pos"], "ПОС: the officer too"
    [ev] = await rows(sm, ItemEvent, ItemEvent.action == "register")
    assert (ev.from_status, ev.to_status) == (ItemStatus.received, ItemStatus.new)
    with pytest.raises(Exception, match="зарегистрировать"):  # registered once only
        await act(sm, clock, item, Action.register, await actor(sm, "pos"))


async def test_registered_late_is_an_escalation(sm, clock, muni):
    item = await paper(
        sm, clock, muni, "Прошу отремонтировать крышу", msk(2025, 11, 28, 12), name="Петров"
    )
    [appeal] = await rows(sm, Appeal, Appeal.item_id == item.id)
    assert appeal.registered_late_days == 1, "received 28 Nov, registered 2 Dec: 4 days"
    assert appeal.reply_by is None, "a name without an address: nowhere to answer"
    assert await rows(sm, Letter) == []
    [ev] = await rows(sm, ItemEvent, ItemEvent.item_id == item.id)
    assert ev.data["registered_late_days"] == 1
    assert sorted(await told(sm, "registered_late")) == ["head", "pos"]
    late = await rows(sm, Outbox, Outbox.kind == "registered_late")
    assert {n.payload["late_days"] for n in late} == {1}
    assert render_plain("registered_late", late[0].payload).splitlines()[0] == (
        f"Обращение 59-ФЗ зарегистрировано с нарушением трёхдневного срока: {item.number}"
    )
    assert "Опоздание с регистрацией, дней: 1" in render_plain("registered_late", late[0].payload)

    # The same through the register action: received 4 days before it is registered.
    received = await paper(
        sm, clock, muni, "Прошу убрать снег", clock.now(), name="Орлов", register_now=False
    )
    clock.advance(timedelta(days=4))
    done = await act(sm, clock, received, Action.register, await actor(sm, "operator"))
    [appeal] = await rows(sm, Appeal, Appeal.item_id == done.id)
    assert appeal.registered_late_days == 1
    [ev] = await rows(sm, ItemEvent, ItemEvent.item_id == done.id, ItemEvent.action == "register")
    assert ev.data["registered_late_days"] == 1
    assert sorted(await told(sm, "registered_late")) == ["head", "head", "pos", "pos"]


async def test_the_registration_rungs_fire_for_an_appeal_left_alone(sm, clock, muni):
    await paper(
        sm, clock, muni, "Прошу убрать снег", clock.now(), name="Орлов", register_now=False
    )  # received Tue 2 Dec 10:00: to be registered by Fri 5 Dec 10:00
    until = clock.now() + timedelta(days=10)
    while (nxt := await _next(sm)) is not None and nxt <= until:
        clock.set(max(nxt, clock.now()))
        await run_due_timers(sm, clock=clock)
    async with sm() as s:
        got = await s.exec(
            select(Outbox, Staff)
            .join(Staff, col(Staff.id) == Outbox.staff_id)
            .where(col(Outbox.kind).in_(["reminder", "escalation"]))
            .order_by(col(Outbox.id))
        )
        fired = [
            (o.payload["step"], st.code, o.created_at.astimezone(MSK).strftime("%d.%m %H:%M"))
            for o, st in got
        ]
    assert fired == [
        ("register_warn", "pos", "04.12 10:00"),
        ("register_late", "pos", "05.12 10:00"),
        ("register_late", "head", "05.12 10:00"),
    ]


async def _next(sm) -> datetime | None:
    async with sm() as s:
        return await next_due_at(s)


async def test_pos_import_is_idempotent_and_refuses_record_by_record(sm, clock, muni):
    records = [
        {
            "pos_id": "A1",
            "created_at": "2025-12-01T12:00:00+03:00",
            "text": "Обращение о ремонте дороги",
            "author": {"name": "Ким", "address": "с. Тестовое, ул. Мира, 3"},
            "fz59": True,
        },
        {
            "pos_id": "M1",
            "created_at": "2025-11-30T12:00:00+03:00",
            "text": "Не горит фонарь у школы",
            "author": {"name": "Ли", "email": "li@example.ru"},
            "fz59": False,
            "category": "Дороги",
        },
        {"pos_id": "B1", "created_at": "2025-12-01T12:00:00", "text": "x", "fz59": True},
        {"pos_id": "B2", "text": "без даты", "fz59": True},
        {
            "pos_id": "B3",
            "created_at": "2025-12-01T12:00:00+03:00",
            "text": "Обращение",
            "author": {"name": "Ким", "email": "not-an-email"},
            "fz59": True,
        },
        {"pos_id": "B4", "created_at": "2027-01-01T12:00:00+03:00", "text": "т", "fz59": True},
        "not a record",
        {"pos_id": "B5", "created_at": "2025-12-01T12:00:00+03:00", "text": "a\x00", "fz59": 0},
    ]
    pos = await actor(sm, "pos")
    async with sm() as s:
        first = await check_import_pos(
            s, clock=clock, municipality_id=muni, actor=pos, records=records
        )
    assert [r.outcome for r in first] == [Outcome.created] * 2 + [Outcome.refused] * 6
    reasons = [r.reason for r in first[2:]]
    assert reasons[0] == "created_at: нужна дата со временем и часовым поясом"
    assert reasons[1] == "created_at: обязательное поле не заполнено"
    assert "адрес электронной почты «not-an-email» неверен" in (reasons[2] or "")
    assert reasons[3] == "дата поступления не может быть в будущем"
    assert reasons[4] == "запись: нужен объект"
    assert reasons[5] == "text: символ NUL (\\u0000) в тексте: уберите его"
    async with sm() as s:
        by_key = {i.intake_key: i for i in await s.exec(select(Item))}
        citizens = (await s.exec(select(func.count()).select_from(Citizen))).one()
    assert set(by_key) == {"pos:A1", "pos:M1"} and citizens == 2, "refused ones left nothing"
    message = by_key["pos:M1"]
    assert (message.kind, message.channel) == (ItemKind.message, Channel.pos)
    assert message.registered_at == clock.now(), "a ПОС message is registered today"
    assert message.sector_id is not None, "the category named a sector"
    assert by_key["pos:A1"].status is ItemStatus.received
    async with sm() as s:
        again = await check_import_pos(
            s, clock=clock, municipality_id=muni, actor=pos, records=records[:2]
        )
    assert [(r.outcome, r.number) for r in again] == [
        (Outcome.repeat, by_key["pos:A1"].number),
        (Outcome.repeat, by_key["pos:M1"].number),
    ]
    assert len(await rows(sm, Item)) == 2


@pytest.mark.parametrize(
    ("received", "appeal", "reason"),
    [
        (None, {}, "укажите дату поступления (received_at)"),
        (timedelta(days=2), {}, "дата поступления не может быть в будущем"),
        (timedelta(days=-400), {}, "дата поступления старше года"),
        (timedelta(0), {"name": "Ким", "email": "kim@"}, "адрес электронной почты «kim@» неверен"),
        (
            timedelta(0),
            {"name": "Ким", "address": "ул. Мира", "reply_by": ReplyBy.email},
            "укажите адрес электронной почты заявителя",
        ),
        (
            timedelta(0),
            {"name": "Ким", "email": "kim@example.ru", "reply_by": ReplyBy.post},
            "укажите почтовый адрес заявителя",
        ),
        (timedelta(0), {"complained_body": "court"}, "орган «court» не найден"),
        (timedelta(0), {"complained_body": "999"}, "орган «999» не найден"),
    ],
)
async def test_bad_input_is_refused_and_changes_nothing(sm, clock, muni, received, appeal, reason):
    at = None if received is None else clock.now() + received
    with pytest.raises(Invalid) as err:
        await paper(sm, clock, muni, "Жалоба", at, **appeal)
    assert reason in err.value.reason
    assert await rows(sm, Item) == [] and await rows(sm, Citizen) == []


async def test_anonymous_appeal_and_who_may_enter_one(sm, clock, muni):
    item = await paper(sm, clock, muni, "Сообщаю о свалке", clock.now(), address="ул. Мира, 1")
    [appeal] = await rows(sm, Appeal, Appeal.item_id == item.id)
    assert appeal.reply_by is None, "no name: anonymous (ст. 11 ч. 1)"
    assert await rows(sm, Letter) == []
    by_pos = await paper(sm, clock, muni, "Жалоба", clock.now(), who="pos", name="Ким")
    assert by_pos.status in (ItemStatus.new, ItemStatus.assigned)
    with pytest.raises(Forbidden):
        await paper(sm, clock, muni, "Жалоба", clock.now(), who="glava")
    # a message with a date of receipt is registered as before: from that date
    message = await _message(sm, clock, muni, clock.now() - timedelta(days=1))
    assert message.registered_at == clock.now() - timedelta(days=1)
    assert (await staff(sm, "pos")).role.value == "pos_officer"


async def _message(sm, clock, muni, received: datetime) -> Item:
    async with sm() as s:
        return await check_register_item(
            s,
            clock=clock,
            municipality_id=muni,
            actor=await actor(sm, "operator"),
            new=NewItem(
                kind=ItemKind.message, channel=Channel.paper, text="Яма", received_at=received
            ),
        )
