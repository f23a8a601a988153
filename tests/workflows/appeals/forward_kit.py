"""What the forwarding and ст. 11 tests share: the test setup with bodies and a глава, appeals
registered by the code on main with their appeal row and citizen put in place, and reads."""

from typing import Any

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import (
    Appeal,
    Channel,
    Citizen,
    CompetentBody,
    Item,
    ItemEvent,
    ItemKind,
    Letter,
    Outbox,
    ReplyBy,
)
from tests.fixtures import TEST_SETUP
from tests.helpers import register
from workflows.core.clock import Clock
from workflows.setup.apply import check_apply_setup

# The appeal policy watches the forward deadline (a working day before it: the head).
APPEAL_SETUP = (
    TEST_SETUP.replace(
        "  - {code: head, name: Руководитель МЦУ, role: head}\n",
        "  - {code: head, name: Руководитель МЦУ, role: head}\n"
        "  - {code: glava, name: Глава округа, role: glava}\n",
    ).replace(
        "extension_needs_head: true, forward_days: 7}",
        "extension_needs_head: true, forward_days: 7, ladder: [{code: forward, "
        "anchor: forward_due, offset: '-1wd', notify: [head]}]}",
    )
    + """
bodies:
  - {code: police, name: Отдел МВД по району, email: police@example.ru,
     address: "368410, с. Тестовое, ул. Ленина, 1"}
  - {code: prosecutor, name: Прокуратура района, address: "368410, с. Тестовое, ул. Мира, 2"}
  - {code: housing, name: Жилищная инспекция, email: gzhi@example.ru}
"""
)


async def apply_appeal_setup(sm: async_sessionmaker[AsyncSession], clock: Clock) -> None:
    async with sm() as s:
        await check_apply_setup(s, text=APPEAL_SETUP, clock=clock)


async def body(sm: async_sessionmaker[AsyncSession], code: str) -> CompetentBody:
    async with sm() as s:
        return (await s.exec(select(CompetentBody).where(CompetentBody.code == code))).one()


async def appeal(
    sm: async_sessionmaker[AsyncSession],
    clock: Clock,
    muni: int,
    text: str = "Прошу проверить управляющую компанию: дом не отапливается",
    *,
    name: str | None = "Петров Пётр Петрович",
    address: str | None = "368410, с. Тестовое, ул. Садовая, 5",
    email: str | None = None,
    reply_by: ReplyBy | None = ReplyBy.post,
    complained: int | None = None,
    citizen_id: int | None = None,
    channel: Channel = Channel.paper,
) -> Item:
    """An appeal registered as main registers it, then its citizen and the appeal row's reply
    address and complained body set directly (the intake API is tested on its own)."""
    item = await register(sm, clock, muni, text, kind=ItemKind.appeal_59fz, channel=channel)
    async with sm() as s:
        if citizen_id is None and (name or address or email):
            citizen = Citizen(created_at=clock.now(), name=name, address=address, email=email)
            s.add(citizen)
            await s.flush()
            citizen_id = citizen.id
        row = await s.get(Item, item.id)
        assert row is not None
        row.citizen_id = citizen_id
        s.add(row)
        made = await s.get(Appeal, item.id) or Appeal(item_id=item.id or 0)  # made by register
        made.reply_by, made.complained_body_id = reply_by, complained
        s.add(made)
        await s.commit()
        await s.refresh(row)
        return row


async def letters(sm: async_sessionmaker[AsyncSession], item: Item) -> list[Letter]:
    async with sm() as s:
        q = select(Letter).where(Letter.item_id == item.id).order_by(col(Letter.id))
        return list(await s.exec(q))


async def appeal_row(sm: async_sessionmaker[AsyncSession], item: Item) -> Appeal:
    async with sm() as s:
        row = await s.get(Appeal, item.id)
        assert row is not None
        return row


async def last_event(sm: async_sessionmaker[AsyncSession], item: Item) -> ItemEvent:
    async with sm() as s:
        q = select(ItemEvent).where(ItemEvent.item_id == item.id).order_by(col(ItemEvent.id))
        return list(await s.exec(q))[-1]


async def snapshot(sm: async_sessionmaker[AsyncSession], item: Item) -> dict[str, Any]:
    """What a refusal must leave as it was: the item, its letters, events, outbox and appeal."""
    async with sm() as s:
        row = await s.get(Item, item.id)
        assert row is not None
        counts = {
            m.__name__: (
                await s.exec(select(func.count()).select_from(m).where(m.item_id == item.id))  # type: ignore[attr-defined]
            ).one()
            for m in (Letter, ItemEvent, Outbox)
        }
        ap = await s.get(Appeal, item.id)
        return {
            "status": row.status,
            "version": row.version,
            "closed_at": row.closed_at,
            "outcome": ap.outcome if ap else None,
            "forwarded_body_id": ap.forwarded_body_id if ap else None,
            **counts,
        }
