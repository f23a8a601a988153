"""Appeals for the sign-off, extension and follow-up tests: a paper or ПОС appeal with its
citizen and reply address, and the approvers the test setup lacks (глава, a signer)."""

from datetime import datetime

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Appeal, Channel, Citizen, Item, ItemEvent, ItemKind, Letter, ReplyBy, Role, Staff
from tests.helpers import register
from workflows.core.clock import Clock

ADDRESS = "368410, Республика Дагестан, с. Бежта, ул. Центральная, д. 5"


async def add_staff(
    sm: async_sessionmaker[AsyncSession], muni: int, code: str, role: Role, *, signs: bool = False
) -> Staff:
    async with sm() as s:
        staff = Staff(
            municipality_id=muni, code=code, name=f"Сотрудник {code}", role=role, signs=signs
        )
        s.add(staff)
        await s.commit()
        await s.refresh(staff)
        return staff


async def appeal(
    sm: async_sessionmaker[AsyncSession],
    clock: Clock,
    muni: int,
    text: str = "Жалоба на водопровод: нет воды неделю",
    *,
    channel: Channel = Channel.paper,
    reply_by: ReplyBy | None = ReplyBy.post,
    raw_due_at: datetime | None = None,
) -> Item:
    """A registered appeal of a citizen who wants the answer by post (or e-mail)."""
    async with sm() as s:
        citizen = Citizen(
            created_at=clock.now(),
            name="Иванов Иван Иванович",
            address=ADDRESS,
            email="ivanov@example.ru",
        )
        s.add(citizen)
        await s.commit()
        citizen_id = citizen.id
    item = await register(
        sm, clock, muni, text, kind=ItemKind.appeal_59fz, channel=channel, citizen_id=citizen_id
    )
    async with sm() as s:  # registration made the appeal's row: say where to answer
        row = await s.get(Appeal, item.id) or Appeal(item_id=item.id or 0)
        row.reply_by, row.raw_due_at = reply_by, raw_due_at
        s.add(row)
        await s.commit()
    return item


async def letters(sm: async_sessionmaker[AsyncSession], item: Item) -> list[Letter]:
    async with sm() as s:
        q = select(Letter).where(Letter.item_id == item.id).order_by(col(Letter.id))
        return list(await s.exec(q))


async def events(sm: async_sessionmaker[AsyncSession], item: Item, action: str) -> list[ItemEvent]:
    async with sm() as s:
        q = select(ItemEvent).where(ItemEvent.item_id == item.id, ItemEvent.action == action)
        return list(await s.exec(q.order_by(col(ItemEvent.id))))


async def appeal_row(sm: async_sessionmaker[AsyncSession], item: Item) -> Appeal:
    async with sm() as s:
        row = await s.get(Appeal, item.id)
        assert row is not None
        return row


async def fresh(sm: async_sessionmaker[AsyncSession], item: Item) -> Item:
    async with sm() as s:
        row = await s.get(Item, item.id)
        assert row is not None
        return row
