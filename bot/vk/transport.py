"""vk_api set up for a community bot: API 5.199, our own pacing instead of its 3 requests a
second, timeouts, a settable API base (tests and a local proxy stand in for VK), and calls run
off the event loop (vk_api is synchronous)."""

import asyncio
import logging
import math
import threading
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import requests
import vk_api
from requests.adapters import HTTPAdapter
from vk_api.exceptions import ApiError, ApiHttpError

from models import Channel
from workflows.outbox.counters import count_throttled

log = logging.getLogger(__name__)
API_VERSION = "5.199"
VK_HOSTS = ("https://api.vk.ru/method/", "https://api.vk.com/method/")
T = TypeVar("T")
TOO_MANY_REQUESTS = 6
# vk_api posts one request at a time per session (a lock around each call): a few sessions
# per token let replies and notices go out side by side within the token's budget.
POOL = 4

Pace = Callable[[str | None], Awaitable[None]]


class _Rewrite(HTTPAdapter):
    """Sends VK's method calls to `base` instead of VK's host, always with a timeout."""

    def __init__(self, base: str | None, timeout: float) -> None:
        super().__init__()
        self.base, self.timeout = base, timeout

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        url = request.url or ""
        for host in VK_HOSTS:
            if self.base and url.startswith(host):
                request.url = self.base + url[len(host) :]
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeout
        return super().send(request, **kwargs)


def vk_session(token: str, *, api_base: str, timeout: float) -> vk_api.VkApi:
    """A VkApi for a community token talking to `api_base` (VK's own by default)."""
    vk = vk_api.VkApi(token=token, api_version=API_VERSION)
    vk.RPS_DELAY = 0  # we pace ourselves, at the community's 20 requests a second
    vk.error_handlers.pop(TOO_MANY_REQUESTS, None)  # it would sleep 0.5 s and retry unpaced
    base = api_base if api_base.rstrip("/") + "/" not in VK_HOSTS else None
    adapter = _Rewrite(base.rstrip("/") + "/" if base else None, timeout)
    for prefix in ("https://", "http://"):
        vk.http.mount(prefix, adapter)
    return vk


class Spacing:
    """Calls of one token leave at least `gap` seconds apart, timed in the thread that sends
    them, just before the request. The budget books turns `gap` apart, but a call can leave
    late (the event loop busy when its turn came, the thread waiting for the GIL) and the
    next one on time: 20 turns at 19 a second span one second, so a call late by more than
    one gap puts 21 into VK's sliding second (error 6). Late calls push the next ones back."""

    def __init__(self, per_second: float) -> None:
        self.gap = 1.0 / per_second
        self._lock = threading.Lock()
        self._last = -math.inf

    def wait(self) -> float:
        """Block until the next call may leave; the moment it does (monotonic)."""
        with self._lock:
            now = time.monotonic()
            if now < self._last + self.gap:
                time.sleep(self._last + self.gap - now)
                now = time.monotonic()
            self._last = now
            return now


class VkClient:
    """Calls VK's methods for one community token, each waiting for its turn in the budget
    (`pace`, given the chat a send goes to), from a small pool of sessions in threads; with
    `per_second`, calls also leave at least 1/per_second apart (Spacing)."""

    def __init__(
        self,
        token: str,
        *,
        api_base: str,
        timeout: float,
        pace: Pace,
        per_second: float | None = None,
    ) -> None:
        self.pace = pace
        self.spacing = Spacing(per_second) if per_second else None
        self._pool: asyncio.Queue[vk_api.VkApi] = asyncio.Queue()
        # Threads of its own, one per session: the loop's default executor is small (6 threads
        # on 2 cores) and shared — long polls and other communities must not starve the sends.
        self._threads = ThreadPoolExecutor(POOL, thread_name_prefix="vk")
        for _ in range(POOL):
            self._pool.put_nowait(vk_session(token, api_base=api_base, timeout=timeout))

    def _method(self, vk: vk_api.VkApi, method: str, values: dict[str, Any]) -> Any:
        if self.spacing is not None:
            self.spacing.wait()
        return vk.method(method, values)

    async def call(self, method: str, values: dict[str, Any], *, chat: str | None = None) -> Any:
        """One method call; VK's "too many requests" is waited out here (it is our pacing's
        miss, never the message's fault); other errors are raised as vk_api's ApiError."""
        for attempt in range(3):
            await self.pace(chat)
            vk = await self._pool.get()
            try:
                return await self._in_thread(self._method, vk, method, values)
            except ApiError as e:
                if e.code == TOO_MANY_REQUESTS:
                    count_throttled(Channel.vk)
                if e.code != TOO_MANY_REQUESTS or attempt == 2:
                    raise
                log.warning("VK: слишком много запросов в секунду (%s), повтор", method)
                await asyncio.sleep(1.0)
            finally:
                self._pool.put_nowait(vk)
        raise AssertionError("unreachable")

    async def upload(self, url: str, field: str, name: str, content: bytes) -> Any:
        """A file to an upload server VK handed out (not an API call: not paced)."""
        vk = await self._pool.get()
        try:

            def post() -> Any:
                response = vk.http.post(url, files={field: (name, content)})
                response.raise_for_status()
                return response.json()

            return await self._in_thread(post)
        finally:
            self._pool.put_nowait(vk)

    async def _in_thread(self, call: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._threads, call, *args)

    def close(self) -> None:
        self._threads.shutdown(wait=False, cancel_futures=True)

    def session(self) -> vk_api.VkApi:
        """A session for the long poll (its checks go through a session of their own)."""
        vk = self._pool.get_nowait()
        self._pool.put_nowait(vk)
        return vk


__all__ = ["API_VERSION", "ApiError", "ApiHttpError", "VkClient", "vk_session"]
