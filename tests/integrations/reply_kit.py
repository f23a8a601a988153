"""An incident with its posts, answered by staff, and the VK wall port over the emulator: what
the publishing tests share."""

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.vk.transport import VkClient
from integrations.vk_wall.publisher import VkWallPort
from integrations.vk_wall.sources import WallClient
from models import (
    Channel,
    Item,
    ItemEvent,
    ItemKind,
    Outbox,
    Publish,
    SocialMonitor,
    SocialPost,
    SocialReply,
    SocialStatus,
)
from tests.helpers import act, actor, register
from tests.integrations.vk_wall_kit import GROUP
from workflows.core.clock import FakeClock
from workflows.incidents.publishing import run_publish_replies
from workflows.items.transitions import Action

Sm = async_sessionmaker[AsyncSession]
WALL = -229_000_001


async def monitor(sm: Sm, muni: int, publish: Publish | None) -> None:
    """The municipality's monitoring row with its publish setting (None: no row at all)."""
    if publish is None:
        return
    async with sm() as s:
        s.add(SocialMonitor(municipality_id=muni, publish=publish))
        await s.commit()


async def incident(sm: Sm, clock: FakeClock, muni: int, posts: list[tuple[int, int, str]]) -> Item:
    """An incident (kind incident, channel vk, no citizen) with its posts: (post, comment, text),
    each a minute after the one before; the first is where the answer goes."""
    item = await register(sm, clock, muni, posts[0][2], kind=ItemKind.incident, channel=Channel.vk)
    async with sm() as s:
        for i, (post_id, comment_id, text) in enumerate(posts):
            link = f"https://vk.com/wall{WALL}_{post_id}"
            s.add(
                SocialPost(
                    municipality_id=muni,
                    owner_id=WALL,
                    post_id=post_id,
                    comment_id=comment_id,
                    source="Село — стена",
                    posted_at=clock.now() - timedelta(hours=2) + timedelta(minutes=i),
                    text=text,
                    link=link + (f"?reply={comment_id}" if comment_id else ""),
                    score=0.9,
                    status=SocialStatus.accepted,
                    item_id=item.id,
                    created_at=clock.now(),
                )
            )
        await s.commit()
    return item


async def answer(sm: Sm, clock: FakeClock, item: Item, text: str, who: str = "water") -> Item:
    """The assignee takes the incident (if it is not taken yet) and answers."""
    staff = await actor(sm, who)
    async with sm() as s:
        fresh = await s.get(Item, item.id)
    assert fresh is not None
    if fresh.status.value in ("new", "assigned", "reopened"):
        fresh = await act(sm, clock, fresh, Action.take, staff)
    return await act(sm, clock, fresh, Action.answer, staff, text=text)


async def replies(sm: Sm, item_id: int | None = None) -> list[SocialReply]:
    async with sm() as s:
        q = select(SocialReply).order_by(col(SocialReply.id))
        if item_id is not None:
            q = q.where(SocialReply.item_id == item_id)
        return list(await s.exec(q))


async def events(sm: Sm, item_id: int | None, action: str) -> list[ItemEvent]:
    async with sm() as s:
        q = select(ItemEvent).where(ItemEvent.item_id == item_id, ItemEvent.action == action)
        return list(await s.exec(q.order_by(col(ItemEvent.id))))


async def notices(sm: Sm, kind: str) -> list[Outbox]:
    async with sm() as s:
        return list(await s.exec(select(Outbox).where(Outbox.kind == kind)))


@dataclass
class Publisher:
    """The publishing job's one step through the VK port over the emulator."""

    sm: Sm
    clock: FakeClock
    port: VkWallPort

    async def run(self) -> int:
        return await run_publish_replies(self.sm, clock=self.clock, wall=self.port, max_attempts=4)


def port_for(client: VkClient, muni: int) -> VkWallPort:
    async def find(municipality_id: int) -> tuple[WallClient, int] | None:
        return (client, GROUP) if municipality_id == muni else None

    return VkWallPort(find)
