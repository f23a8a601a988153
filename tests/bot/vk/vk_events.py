"""Event delivery both ways VK does it: Bots Long Poll (a_check) and Callback API (POSTs)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Mapping

import aiohttp

from tests.bot.loopback import wait_event
from tests.bot.vk.vk_state import CallbackServer, Delivery, Env, GroupState, Json

RETRY_HEADER = "X-Retry-Counter"


async def a_check(group: GroupState, query: Mapping[str, str]) -> Json:
    """One Long Poll request: events numbered ts and later, as soon as there are any."""
    env = group.env
    if query.get("act") != "a_check" or query.get("key") != group.lp_key:
        return {"failed": 2}
    try:
        ts = int(query.get("ts", ""))
        wait = float(query.get("wait", "0") or 0)
    except ValueError:
        return {"failed": 1, "ts": str(group.next_ts)}
    if not group.oldest_ts() <= ts <= group.next_ts:
        return {"failed": 1, "ts": str(group.next_ts)}
    loop = asyncio.get_running_loop()
    deadline = loop.time() + min(max(wait, 0.0), env.limits.long_poll_max_wait)
    key = group.lp_key
    while True:
        waiter = group.lp_signal.waiter()
        if group.lp_key != key or not group.long_poll_enabled:
            return {"failed": 2}
        updates = group.long_poll_since(ts)
        remaining = deadline - loop.time()
        if updates or remaining <= 0 or env.closing:
            return {"ts": str(group.next_ts), "updates": updates}
        await wait_event(waiter, remaining)


class CallbackSender:
    """POSTs a community's events to its Callback API server in order, retrying until "ok"."""

    def __init__(self, env: Env, http: Callable[[], aiohttp.ClientSession]) -> None:
        self.env = env
        self.http = http

    async def post(
        self, url: str, body: Json, headers: Mapping[str, str] | None = None
    ) -> tuple[int | None, str, str | None]:
        """One POST: (status, body, error) — status None when the request itself failed."""
        timeout = aiohttp.ClientTimeout(total=self.env.limits.callback_timeout)
        try:
            async with self.http().post(
                url,
                data=json.dumps(body, ensure_ascii=False).encode(),
                headers={"Content-Type": "application/json", **(headers or {})},
                timeout=timeout,
            ) as resp:
                return resp.status, await resp.text(), None
        except (aiohttp.ClientError, TimeoutError) as exc:
            return None, "", f"{type(exc).__name__}: {exc}"

    async def confirm(self, group: GroupState, server: CallbackServer) -> bool:
        """The confirmation request; the body must be exactly the code, with HTTP 200."""
        body = {"type": "confirmation", "group_id": group.id}
        delivery = Delivery("", attempt=1, at=self.env.clock())
        delivery.status, delivery.body, delivery.error = await self.post(server.url, body)
        server.confirmation = delivery
        if delivery.status == 200 and delivery.body == server.confirmation_code:
            server.confirmed, server.failure = True, None
        else:
            server.confirmed = False
            answer = delivery.error or f"HTTP {delivery.status} {delivery.body[:100]!r}"
            server.failure = (
                f"confirmation answered {answer}, expected {server.confirmation_code!r}"
            )
        self.env.changed.fire()
        return server.confirmed

    async def flush(self, group: GroupState) -> None:
        """Deliver every pending event (confirming the server first), one at a time."""
        async with group.delivery_lock:
            while group.pending and not self.env.closing:
                server = group.callback
                if server is None:
                    break
                if server.confirmed is None:
                    await self.confirm(group, server)
                event = group.pending.pop(0)
                if not server.confirmed:
                    group.dropped.append(event)
                    continue
                await self._deliver(group, server, event)

    async def _deliver(self, group: GroupState, server: CallbackServer, event: Json) -> None:
        """POST one event, re-sending it (same event_id) until "ok" or the retries run out."""
        body = {**event, "secret": server.secret} if server.secret is not None else event
        limits = self.env.limits
        for attempt in range(1, limits.callback_retries + 2):
            if attempt > 1:
                await asyncio.sleep(limits.callback_retry_delay)
            headers = {RETRY_HEADER: str(attempt - 1)} if attempt > 1 else {}
            delivery = Delivery(event["event_id"], attempt, at=self.env.clock())
            delivery.status, delivery.body, delivery.error = await self.post(
                server.url, body, headers
            )
            group.deliveries.append(delivery)
            self.env.changed.fire()
            if delivery.status == 200 and delivery.body == "ok":
                return
        group.gave_up.append(event["event_id"])
        self.env.changed.fire()
