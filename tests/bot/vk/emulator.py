"""A loopback VK API server for end-to-end tests of the real vk_api stack.

Usage::

    async with VkApiEmulator() as emu:
        group = emu.add_group(1001, "vk1.a.TOKEN")
        vk = vk_for(emu, "vk1.a.TOKEN")  # tests/bot/vk/client.py
        user = emu.user(42, "Иван")
        await user.write(1001, "Привет")
        await asyncio.to_thread(vk.method, "messages.send", {...})  # vk_api is synchronous

Events go to the community's Callback API server when one is set (set_callback), else to
Bots Long Poll, which is on for every community unless disable_long_poll() is called.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from types import TracebackType
from typing import TypeVar

import aiohttp
from aiohttp import web

from tests.bot.loopback import ManualClock, wait_event
from tests.bot.vk.people import UserHandle
from tests.bot.vk.vk_events import RETRY_HEADER, CallbackSender
from tests.bot.vk.vk_http import ApiServer
from tests.bot.vk.vk_rules import Limits, Stats, VkError
from tests.bot.vk.vk_state import (
    CallbackServer,
    Env,
    GroupState,
    Json,
    Person,
)
from tests.bot.vk.vk_wall import Access, Comment, Post, ServiceState, Wall

__all__ = [
    "Access",
    "GroupState",
    "Limits",
    "ManualClock",
    "ServiceState",
    "Stats",
    "UserHandle",
    "VkApiEmulator",
    "VkError",
]

T = TypeVar("T")


class VkApiEmulator:
    """The VK API for community tokens (and service tokens, which read walls) over HTTP on
    loopback, with simulated users."""

    def __init__(
        self,
        *,
        limits: Limits | None = None,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.env = Env(limits=limits or Limits(), clock=clock, wall_clock=wall_clock)
        self.groups: dict[int, GroupState] = {}
        self.tokens: dict[str, GroupState] = {}
        self.server = ApiServer(self.env, self.groups, self.tokens)
        self._runner: web.AppRunner | None = None
        self._http: aiohttp.ClientSession | None = None
        self.sender = CallbackSender(self.env, self._client)

    # -- configuration -------------------------------------------------------------------------

    @property
    def limits(self) -> Limits:
        """VK's limits and the emulator's timings (mutable at run time)."""
        return self.env.limits

    @property
    def stats(self) -> Stats:
        """Counters over all tokens: requests per method, errors per code, sends."""
        return self.env.stats

    @property
    def url(self) -> str:
        """The server's root, e.g. http://127.0.0.1:PORT."""
        return self.env.url

    @property
    def api_base(self) -> str:
        """What replaces https://api.vk.ru/method/ in the client."""
        return f"{self.env.url}/method/"

    def add_group(self, group_id: int, token: str, name: str = "Тестовое сообщество") -> GroupState:
        """Register a community and its access token."""
        group = GroupState(self.env, group_id, token, name)
        self.groups[group_id] = self.tokens[token] = group
        return group

    def service_token(self, token: str) -> ServiceState:
        """Register an application's service token: it reads walls (wall.get, getComments),
        which a community token may not, within its own rate limit."""
        service = self.server.services[token] = ServiceState(token)
        return service

    def group(self, group_id: int) -> GroupState:
        """A community's state: conversations, events, deliveries, versions_seen, deduped..."""
        group = self.groups.get(group_id)
        if group is None:
            raise LookupError(f"unknown community {group_id}: call add_group() first")
        return group

    def user(
        self,
        user_id: int,
        first_name: str = "Житель",
        last_name: str = "",
        *,
        client_info: Json | None = None,
    ) -> UserHandle:
        """A simulated person who can write to any community of this emulator."""
        person = self.env.people.get(user_id)
        if person is None:
            person = self.env.people[user_id] = Person(user_id, first_name, last_name)
        if client_info is not None:
            person.client_info = client_info
        return UserHandle(self, person)

    # -- the public wall -----------------------------------------------------------------------

    def post(
        self, owner_id: int, text: str, *, from_id: int | None = None, date: int | None = None
    ) -> Post:
        """A post on a wall (a community's when owner_id < 0); dated now unless `date`."""
        wall = self.env.walls.wall(owner_id)
        when = self.env.date() if date is None else date
        post = Post(next(wall.ids), owner_id if from_id is None else from_id, when, text)
        wall.posts[post.id] = post
        self.env.changed.fire()
        return post

    def comment(
        self,
        owner_id: int,
        post_id: int,
        text: str,
        *,
        from_id: int = 1,
        date: int | None = None,
    ) -> Comment:
        """A comment under a post."""
        wall = self.env.walls.wall(owner_id)
        when = self.env.date() if date is None else date
        comment = Comment(next(wall.ids), from_id, when, text)
        wall.posts[post_id].comments.append(comment)
        self.env.changed.fire()
        return comment

    def wall(self, owner_id: int) -> Wall:
        """A wall's state: posts, pinned, access (created on first use)."""
        return self.env.walls.wall(owner_id)

    def pin(self, owner_id: int, post_id: int | None) -> None:
        """Pin a post on top of wall.get (None unpins)."""
        self.wall(owner_id).pinned = post_id

    def delete_post(self, owner_id: int, post_id: int) -> None:
        """The post (and its comments) vanish from wall.get; reading them is refused."""
        self.wall(owner_id).posts[post_id].deleted = True

    def close_comments(self, owner_id: int, post_id: int, closed: bool = True) -> None:
        """wall.createComment then answers 213."""
        self.wall(owner_id).posts[post_id].comments_closed = closed

    def set_access(self, owner_id: int, access: Access | str) -> None:
        """Make a wall private or removed (or open again)."""
        self.wall(owner_id).access = Access(access)

    def fail_next(self, method: str, code: int, times: int = 1, detail: str | None = None) -> None:
        """Refuse the next `times` calls of a method (any token) with this error code."""
        failures = self.server.faults.failures.setdefault(method, [])
        failures.extend(VkError(code, detail) for _ in range(times))

    def hold(self, method: str) -> None:
        """Keep calls of a method waiting (listed in `held`) until release(method)."""
        self.server.faults.holds.setdefault(method, asyncio.Event())

    def release(self, method: str) -> None:
        """Let held calls of a method proceed."""
        self.server.faults.release(method)

    @property
    def held(self) -> list[tuple[str, dict[str, str]]]:
        """Calls that waited (or wait) for release(): (method, fields)."""
        return self.server.faults.held

    async def invoke(self, method: str, values: dict[str, str]) -> Json:
        """A method call without HTTP (values as form fields, access_token and v included)."""
        return await self.server.invoke(method, values)

    # -- event channels ------------------------------------------------------------------------

    def enable_long_poll(self, group_id: int) -> None:
        """Turn Bots Long Poll on (it is on by default)."""
        self.group(group_id).long_poll_enabled = True

    def disable_long_poll(self, group_id: int) -> None:
        """Turn Bots Long Poll off: a_check answers failed 2, getLongPollServer error 100."""
        group = self.group(group_id)
        group.long_poll_enabled = False
        group.lp_signal.fire()

    def expire_long_poll_key(self, group_id: int) -> str:
        """Issue a new key, as VK does from time to time: the old one gets failed 2."""
        return self.group(group_id).new_long_poll_key()

    def set_callback(
        self,
        group_id: int,
        url: str,
        *,
        secret: str | None = None,
        confirmation_code: str | None = None,
    ) -> CallbackServer:
        """Send the community's events to a Callback API server (confirmed before the first)."""
        group = self.group(group_id)
        if confirmation_code is not None:
            group.confirmation_code = confirmation_code
        group.callback = CallbackServer(url, secret, group.confirmation_code)
        return group.callback

    def remove_callback(self, group_id: int) -> None:
        """Back to Long Poll delivery."""
        self.group(group_id).callback = None

    async def confirm_callback(self, group_id: int) -> bool:
        """Send the confirmation request now (again, after a failure)."""
        group = self.group(group_id)
        if group.callback is None:
            raise LookupError(f"community {group_id} has no Callback API server")
        return await self.sender.confirm(group, group.callback)

    async def emit(self, group: GroupState, kind: str, obj: Json) -> Json:
        """Produce an event: POSTed (awaited, with retries) or queued for Long Poll."""
        event = group.new_event(kind, obj)
        if group.callback is not None:
            group.pending.append(event)
            await self.sender.flush(group)
        elif group.long_poll_enabled:
            group.push_long_poll(event)
        else:
            group.dropped.append(event)
        self.env.changed.fire()
        return event

    async def deliver_raw(
        self,
        group_id: int,
        body: Json,
        *,
        secret: str | None = None,
        retry_counter: int | None = None,
    ) -> tuple[int | None, str]:
        """POST any JSON (a forged event) to the callback server: (status, body); not recorded."""
        group = self.group(group_id)
        if group.callback is None:
            raise LookupError(f"community {group_id} has no Callback API server")
        payload = {**body, "secret": secret} if secret is not None else body
        headers = {RETRY_HEADER: str(retry_counter)} if retry_counter is not None else {}
        status, text, error = await self.sender.post(group.callback.url, payload, headers)
        return status, error or text

    async def wait_until(self, predicate: Callable[[], T | None], timeout: float = 5.0) -> T:
        """Wait until predicate() is truthy (re-checked on every state change); return its value."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            waiter = self.env.changed.waiter()
            result = predicate()
            if result:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"condition not met within {timeout} s")
            await wait_event(waiter, min(remaining, 0.5))

    # -- lifecycle -----------------------------------------------------------------------------

    def _client(self) -> aiohttp.ClientSession:
        assert self._http is not None, "emulator not started"
        return self._http

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Listen on host:port (0 picks a free port); `url` tells where."""
        self._runner = web.AppRunner(self.server.app(), access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, host, port).start()
        self.env.url = f"http://{host}:{self._runner.addresses[0][1]}"
        self._http = aiohttp.ClientSession()
        self.env.closing = False

    async def stop(self) -> None:
        """Wake long polls and held calls, close the server."""
        self.env.closing = True
        for group in self.groups.values():
            group.lp_signal.fire()
        for method in list(self.server.faults.holds):
            self.release(method)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._http is not None:
            await self._http.close()
            self._http = None

    async def __aenter__(self) -> VkApiEmulator:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()
