"""Small helpers tests share: staff lookup, registering an item, outbox reads."""

from typing import Any

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Channel, Item, ItemKind, Outbox, Staff
from workflows.core.actors import Actor
from workflows.core.clock import Clock
from workflows.items.effects import ActionInput
from workflows.items.lifecycle import check_act
from workflows.items.register import NewItem, check_register_item
from workflows.items.transitions import Action


async def staff(sm: async_sessionmaker[AsyncSession], code: str) -> Staff:
    async with sm() as s:
        return (await s.exec(select(Staff).where(Staff.code == code))).one()


async def actor(sm: async_sessionmaker[AsyncSession], code: str) -> Actor:
    return Actor.of_staff(await staff(sm, code), channel=Channel.api)


async def register(
    sm: async_sessionmaker[AsyncSession], clock: Clock, muni: int, text: str, **kw: Any
) -> Item:
    kind = kw.pop("kind", ItemKind.message)
    if kind is ItemKind.appeal_59fz:  # an appeal needs its receipt: received now, registered now
        kw.setdefault("received_at", clock.now())
    async with sm() as s:
        return await check_register_item(
            s,
            clock=clock,
            municipality_id=muni,
            new=NewItem(kind=kind, channel=kw.pop("channel", Channel.paper), text=text, **kw),
            actor=await actor(sm, "operator"),
        )


async def act(
    sm: async_sessionmaker[AsyncSession],
    clock: Clock,
    item: Item,
    action: Action,
    who: Actor,
    version: int | None = None,
    **data: Any,
) -> Item:
    async with sm() as s:
        return await check_act(
            s,
            clock=clock,
            item_id=item.id or 0,
            action=action,
            actor=who,
            version=item.version if version is None else version,
            data=ActionInput(**data),
        )


async def outbox(sm: async_sessionmaker[AsyncSession], **where: Any) -> list[Outbox]:
    async with sm() as s:
        q = select(Outbox).order_by(col(Outbox.id))
        for k, v in where.items():
            q = q.where(getattr(Outbox, k) == v)
        return list(await s.exec(q))
