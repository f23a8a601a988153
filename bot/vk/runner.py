"""Running the VK community bot: events from the Bots Long Poll (when no Callback URL is set)
or the Callback endpoint saved to the inbox before anything else, then handled by chat workers
through the conversation core, and the outbox's VK port."""

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlmodel import select
from vk_api.bot_longpoll import VkBotLongPoll

from bot.loops import run_chats, sleep_or_stop, unless_stopped
from bot.vk.community import Communities, Community
from bot.vk.deliver import deliver
from bot.vk.events import read_event
from bot.vk.port import VkPort
from models import Channel, ChannelCursor
from workflows.conversation.engine import converse
from workflows.intake.claims import ClaimedUpdate
from workflows.intake.inbox import do_save_update, get_vk_update_id
from workflows.jobs.runtime import Runtime

log = logging.getLogger(__name__)
LONG_POLL_WAIT = 10  # seconds a check waits for events (also how long a stop may take)
FETCH_LIMIT = 50 * 1024 * 1024  # a citizen's file fetched from VK for a Telegram card


def attach_port(rt: Runtime, communities: Communities) -> None:
    """Send the outbox's VK notices through these communities; fetch VK files by their URL."""
    rt.ports[Channel.vk] = VkPort(rt, communities)
    rt.fetchers[Channel.vk] = fetch_url


async def fetch_url(url: str) -> bytes:
    """A file VK handed out a link to (a citizen's photo or voice message)."""
    import aiohttp

    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(timeout=timeout) as http, http.get(url) as response:
        response.raise_for_status()
        content = await response.content.read(FETCH_LIMIT + 1)
    if len(content) > FETCH_LIMIT:
        raise ValueError("файл из ВКонтакте больше 50 МБ")
    return content


async def save_event(rt: Runtime, raw: dict[str, Any]) -> bool:
    """Save one event; False if it was a redelivery (or not an event at all)."""
    key = get_vk_update_id(raw)
    if key is None:
        return False
    return await do_save_update(
        rt.engine, channel=Channel.vk, update_id=key, payload=raw, now=rt.clock.now()
    )


async def handle_saved(rt: Runtime, communities: Communities, raw: dict[str, Any]) -> None:
    """One saved event through the conversation core, its outputs said in VK."""
    incoming = read_event(raw)
    if incoming is None:
        return
    community = await communities.get(incoming.group_id)
    if community is None:
        log.warning(
            "VK: событие сообщества %s, которое этот процесс не обслуживает", incoming.group_id
        )
        return
    served = await community.municipalities(rt)
    chat = community.chat(Channel.vk, str(incoming.peer_id), str(incoming.user_id), served)
    outputs = await converse(rt, chat=chat, event=incoming.event, key=incoming.key)
    await deliver(community, incoming, outputs)


async def dispatch_loop(
    rt: Runtime,
    communities: Communities,
    *,
    stop: asyncio.Event,
    wake: asyncio.Event,
    concurrency: int | None = None,
) -> None:
    """Handle the inbox's VK events by conversation until `stop`."""

    async def handle(claimed: ClaimedUpdate) -> None:
        await handle_saved(rt, communities, claimed.payload)

    await run_chats(rt, Channel.vk, handle, stop=stop, wake=wake, concurrency=concurrency)


async def long_poll(
    rt: Runtime,
    community: Community,
    *,
    stop: asyncio.Event,
    wake: asyncio.Event,
    wait: int = LONG_POLL_WAIT,
) -> None:
    """Bots Long Poll: each event saved before the cursor (`ts`) moves past it; the cursor is
    kept in the database, so a restart goes on from where it stopped."""
    cursor_key = f"vk:longpoll:{community.group_id}"
    # A thread of its own: a check waits up to `wait` seconds, and the loop's default executor
    # (6 threads on 2 cores) is shared with everything else.
    thread = ThreadPoolExecutor(1, thread_name_prefix=f"vk-lp-{community.group_id}")
    try:
        await _poll(rt, community, cursor_key, thread, stop=stop, wake=wake, wait=wait)
    finally:
        thread.shutdown(wait=False, cancel_futures=True)


async def _poll(
    rt: Runtime,
    community: Community,
    cursor_key: str,
    thread: ThreadPoolExecutor,
    *,
    stop: asyncio.Event,
    wake: asyncio.Event,
    wait: int,
) -> None:
    loop = asyncio.get_running_loop()
    poller: Any = None
    while not stop.is_set():
        try:
            if poller is None:
                poller = await _open(rt, community, cursor_key, wait, thread)
            events = await unless_stopped(loop.run_in_executor(thread, poller.check), stop)
            if events is None:
                return
            fresh = False
            for event in events:
                fresh |= await save_event(rt, event.raw)
            await _save_cursor(rt, cursor_key, str(poller.ts))
            if fresh:
                wake.set()
        except Exception as e:
            log.warning("VK long poll сообщества %s: %s", community.group_id, type(e).__name__)
            poller = None
            await sleep_or_stop(stop, 3)


async def _open(
    rt: Runtime, community: Community, cursor_key: str, wait: int, thread: ThreadPoolExecutor
) -> Any:
    """A long poll server for the community, from the saved cursor when there is one."""
    poller = await asyncio.get_running_loop().run_in_executor(
        thread, VkBotLongPoll, community.api.session(), community.group_id, wait
    )
    saved = await _cursor(rt, cursor_key)
    if saved is not None:
        poller.ts = saved  # go on from where the last run stopped
    else:
        await _save_cursor(rt, cursor_key, str(poller.ts))  # from now on nothing is missed
    return poller


async def _cursor(rt: Runtime, key: str) -> str | None:
    async with rt.sm() as s:
        row = await s.get(ChannelCursor, key)
        return row.value if row else None


async def _save_cursor(rt: Runtime, key: str, value: str) -> None:
    async with rt.sm() as s:
        row = (await s.exec(select(ChannelCursor).where(ChannelCursor.key == key))).first()
        row = row or ChannelCursor(key=key, value=value, updated_at=rt.clock.now())
        row.value, row.updated_at = value, rt.clock.now()
        s.add(row)
        await s.commit()
