"""Letters for tests: the test municipality with a letterhead, a ПОС officer and a body, and a
59-ФЗ appeal whose citizen replies by e-mail or post, with a letter written for it."""

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Appeal, Citizen, CompetentBody, Item, ItemKind, Letter, ReplyBy
from tests.fixtures import TEST_SETUP
from tests.helpers import register
from workflows.core.clock import Clock
from workflows.notifications.letters import body_addressee, do_write_letter, get_citizen_addressee
from workflows.setup.apply import check_apply_setup

TITLE = "Администрация Тестового муниципального округа"
LETTER_SETUP = (
    TEST_SETUP.replace(
        "  work_hours:",
        f"  letterhead:\n    title: {TITLE}\n    address: с. Тестовое, ул. Центральная, 1\n"
        "    signatory: Глава Тестового округа\n  work_hours:",
    ).replace("staff:\n", "staff:\n  - {code: pos, name: Сотрудник ПОС, role: pos_officer}\n")
    + "bodies:\n  - {code: police, name: Отдел полиции, email: police@example.ru}\n"
)
NAME, EMAIL, ADDRESS = (
    "Петров Пётр Петрович",
    "petrov.citizen@example.ru",
    "с. Тестовое, ул. Мира, 5",
)
FACTS = {"received_date": "01.12.2025", "registered_date": "02.12.2025", "due_date": "09.01.2026"}


async def letter_setup(sm: async_sessionmaker[AsyncSession], clock: Clock) -> int:
    """The test municipality with a letterhead, a ПОС officer and the police as a body."""
    async with sm() as s:
        report = await check_apply_setup(s, text=LETTER_SETUP, clock=clock)
    return report.municipality_id


async def appeal(
    sm: async_sessionmaker[AsyncSession],
    clock: Clock,
    muni: int,
    *,
    reply_by: ReplyBy = ReplyBy.email,
    email: str | None = EMAIL,
    address: str | None = ADDRESS,
) -> Item:
    """An appeal on paper from a citizen with a reply address."""
    item = await register(sm, clock, muni, "Прошу отремонтировать мост", kind=ItemKind.appeal_59fz)
    async with sm() as s:
        citizen = Citizen(created_at=clock.now(), name=NAME, email=email, address=address)
        s.add(citizen)
        await s.flush()
        row = await s.get(Item, item.id)
        assert row is not None
        row.citizen_id = citizen.id
        s.add(row)
        appeal = await s.get(Appeal, item.id) or Appeal(item_id=item.id or 0)  # made by register
        appeal.reply_by = reply_by
        s.add(appeal)
        await s.commit()
        await s.refresh(row)
        return row


async def write(
    sm: async_sessionmaker[AsyncSession], clock: Clock, item: Item, *, to_body: bool = False
) -> Letter:
    """The «registered» letter to the citizen (or the covering one to the police)."""
    async with sm() as s:
        if to_body:
            body = (await s.exec(select(CompetentBody).where(CompetentBody.code == "police"))).one()
            to = body_addressee(body)
            facts = {**FACTS, "citizen_name": NAME, "text": "Прошу отремонтировать мост"}
            kind = "covering"
        else:
            found = await get_citizen_addressee(s, item=item)
            assert found is not None
            to, facts, kind = found, FACTS, "registered"
        letter = await do_write_letter(s, item=item, kind=kind, facts=facts, to=to, now=clock.now())
        await s.commit()
        await s.refresh(letter)
        return letter


async def letter(sm: async_sessionmaker[AsyncSession], letter_id: int) -> Letter:
    async with sm() as s:
        row = await s.get(Letter, letter_id)
        assert row is not None
        return row
