"""A loopback Telegram Bot API server for end-to-end tests of the real aiogram stack.

Usage::

    async with BotApiEmulator() as emu:
        emu.add_bot("123:TEST", username="mcu_bot")
        bot = Bot("123:TEST", session=emu.session())
        user = emu.user(42, "Иван")
        await user.send_text("/start")
        ...
"""

from __future__ import annotations

import asyncio
import copy
import json
import time
from collections.abc import Callable, Coroutine
from types import TracebackType
from typing import Any, TypeVar

import aiohttp
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiohttp import web

from tests.bot.loopback import ManualClock, wait_event
from tests.bot.people import GroupHandle, UserHandle
from tests.bot.tg_methods import METHODS, Described
from tests.bot.tg_rules import ApiError, Limits, Params, Stats, Upload
from tests.bot.tg_state import (
    BotState,
    Chat,
    Env,
    Json,
    Person,
    WebhookConfig,
    WebhookDelivery,
    update_allowed,
)

__all__ = [
    "BotApiEmulator",
    "BotState",
    "Chat",
    "GroupHandle",
    "Limits",
    "ManualClock",
    "UserHandle",
]

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_UPLOAD = 64 * 1024 * 1024
T = TypeVar("T")


def _error(code: int, description: str) -> web.Response:
    """A Bot API error response."""
    body = {"ok": False, "error_code": code, "description": description}
    return web.json_response(body, status=code)


async def read_request(request: web.Request) -> tuple[Json, dict[str, Upload]]:
    """Fields and file parts of a request: query string, form (multipart/urlencoded) or JSON."""
    values: Json = dict(request.query)
    files: dict[str, Upload] = {}
    if not request.can_read_body:
        return values, files
    if request.content_type == "application/json":
        body = await request.json()
        if not isinstance(body, dict):
            raise ApiError(400, "Bad Request: JSON object expected")
        values.update(body)
        return values, files
    for key, value in (await request.post()).items():
        if isinstance(value, web.FileField):
            files[key] = Upload(value.file.read(), value.filename, value.content_type)
        else:
            values[key] = value
    return values, files


async def read_webhook_reply(resp: aiohttp.ClientResponse) -> tuple[str, Json, dict[str, Upload]]:
    """The body of a webhook response and a method call in it, if any (JSON or multipart)."""
    values: Json = {}
    files: dict[str, Upload] = {}
    if resp.content_type.startswith("multipart/"):
        reader = aiohttp.MultipartReader.from_response(resp)
        while (part := await reader.next()) is not None:
            if not isinstance(part, aiohttp.BodyPartReader) or part.name is None:
                continue
            if part.filename:
                mime = part.headers.get(aiohttp.hdrs.CONTENT_TYPE, "application/octet-stream")
                files[part.name] = Upload(bytes(await part.read()), part.filename, mime)
            else:
                values[part.name] = await part.text()
        return json.dumps(values, ensure_ascii=False), values, files
    body = await resp.text()
    if resp.content_type == "application/json":
        try:
            data = json.loads(body)
        except ValueError:
            data = None
        values = data if isinstance(data, dict) else {}
    return body, values, files


class BotApiEmulator:
    """Telegram Bot API over HTTP on loopback, with simulated users and Telegram's refusals."""

    def __init__(
        self,
        *,
        bot_per_second: int | None = 30,
        private_chat_burst: int | None = 1,
        private_chat_window: float = 1.0,
        group_per_minute: int | None = 20,
        chat_limit_counts_edits: bool = False,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        callback_ttl: float | None = None,
        webhook_timeout: float = 10.0,
    ) -> None:
        limits = Limits(
            bot_per_second=bot_per_second,
            private_chat_burst=private_chat_burst,
            private_chat_window=private_chat_window,
            group_per_minute=group_per_minute,
            chat_limit_counts_edits=chat_limit_counts_edits,
        )
        self.env = Env(limits=limits, clock=clock, wall_clock=wall_clock, callback_ttl=callback_ttl)
        self.webhook_timeout = webhook_timeout
        # Requests matching `hold(method, params)` wait until `released` is set (see invoke).
        self.hold: Callable[[str, Json], bool] | None = None
        self.held: list[tuple[str, Json]] = []
        self.released = asyncio.Event()
        self.bots: dict[str, BotState] = {}
        self.people: dict[int, Person] = {}
        self.base_url = ""
        self._runner: web.AppRunner | None = None
        self._http: aiohttp.ClientSession | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._failures: dict[str, list[ApiError]] = {}

    # -- configuration -------------------------------------------------------------------------

    @property
    def limits(self) -> Limits:
        """Flood limits (mutable at run time)."""
        return self.env.limits

    @property
    def stats(self) -> Stats:
        """Counters over all bots: calls per method, errors, 429s, sends."""
        return self.env.stats

    def fail_next(
        self,
        method: str,
        *,
        code: int = 500,
        description: str = "Internal Server Error",
        retry_after: int | None = None,
        times: int = 1,
    ) -> None:
        """Refuse the next `times` calls of a method (any bot) with this error, e.g. a 429 with
        retry_after or a 5xx as when Telegram's side fails; nothing is sent by those calls."""
        if code == 429 and retry_after is None:
            retry_after = 1
        if code == 429 and description == "Internal Server Error":
            description = f"Too Many Requests: retry after {retry_after}"
        queue = self._failures.setdefault(method.lower(), [])
        queue += [ApiError(code, description, retry_after=retry_after) for _ in range(times)]

    def add_bot(
        self,
        token: str,
        username: str = "emulated_bot",
        bot_id: int | None = None,
        first_name: str | None = None,
    ) -> BotState:
        """Register a bot token (the id defaults to the token's numeric prefix)."""
        if bot_id is None:
            prefix = token.split(":", 1)[0]
            bot_id = int(prefix) if prefix.isdigit() else 1000 + len(self.bots)
        user = {
            "id": bot_id,
            "is_bot": True,
            "first_name": first_name or username,
            "username": username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }
        self.bots[token] = BotState(self.env, token, user)
        return self.bots[token]

    def bot(self, bot: str | BotState | None = None) -> BotState:
        """A bot by token or username; the only (first) bot when None."""
        if isinstance(bot, BotState):
            return bot
        if bot is None:
            if not self.bots:
                raise LookupError("no bot registered: call add_bot() first")
            return next(iter(self.bots.values()))
        if bot in self.bots:
            return self.bots[bot]
        for state in self.bots.values():
            if state.user["username"] == bot:
                return state
        raise LookupError(f"unknown bot {bot!r}")

    @property
    def api_server(self) -> TelegramAPIServer:
        """aiogram's server config pointing at this emulator."""
        return TelegramAPIServer.from_base(self.base_url)

    def session(self) -> AiohttpSession:
        """A fresh aiogram session pointing at this emulator."""
        return AiohttpSession(api=self.api_server)

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Listen on host:port (0 picks a free port); base_url tells where."""
        app = web.Application(client_max_size=MAX_UPLOAD)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, host, port).start()
        bound = self._runner.addresses[0][1]
        self.base_url = f"http://{host}:{bound}"
        self._http = aiohttp.ClientSession()
        self.env.closing = False

    async def stop(self) -> None:
        """Wake long polls, stop background deliveries, close the server."""
        self.env.closing = True
        for bot in self.bots.values():
            bot.updates_signal.fire()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._http is not None:
            await self._http.close()
            self._http = None

    async def __aenter__(self) -> BotApiEmulator:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # -- test-side API -------------------------------------------------------------------------

    def user(
        self,
        user_id: int,
        first_name: str = "Тестовый",
        username: str | None = None,
        language_code: str | None = "ru",
        *,
        last_name: str | None = None,
        started: bool = False,
        bot: str | BotState | None = None,
    ) -> UserHandle:
        """A simulated person talking to a bot (started=True: as if they had pressed Start)."""
        person = self.people.get(user_id)
        if person is None:
            person = Person(user_id, first_name, last_name, username, language_code)
            self.people[user_id] = person
        state = self.bot(bot)
        return UserHandle(self, state, person, state.private_chat(person, started=started))

    def group(
        self, chat_id: int, title: str = "Test group", *, bot: str | BotState | None = None
    ) -> GroupHandle:
        """A group chat (negative id) the bot is a member of."""
        state = self.bot(bot)
        return GroupHandle(self, state, state.group_chat(chat_id, title))

    def chat(self, chat_id: int, *, bot: str | BotState | None = None) -> Chat:
        """A chat's state: messages, deleted, actions, blocked..."""
        return self.bot(bot).chat(chat_id)

    def webhook_deliveries(self, bot: str | BotState | None = None) -> list[WebhookDelivery]:
        """Every POST made to the webhook, with the status and body that came back."""
        return self.bot(bot).deliveries

    async def deliver_update(
        self, raw: Json, times: int = 1, *, bot: str | BotState | None = None
    ) -> list[Json]:
        """Inject an arbitrary update (times>1: the same update_id again, as a duplicate)."""
        state = self.bot(bot)
        update = raw if "update_id" in raw else {"update_id": state.new_update_id(), **raw}
        return [await self.emit(state, copy.deepcopy(update)) for _ in range(times)]

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

    async def call(
        self, bot: str | BotState | None, method: str, params: Json | None = None
    ) -> tuple[int, Json]:
        """Invoke a Bot API method without HTTP; returns (status, response body)."""
        return await self.invoke(self.bot(bot), method, params or {}, {})

    # -- updates -------------------------------------------------------------------------------

    async def emit(self, bot: BotState, update: Json) -> Json:
        """Queue an update for getUpdates, or POST it when a webhook is set (returns after)."""
        update = bot.enqueue(update)
        if bot.webhook is not None:
            await self._flush_webhook(bot)
        return update

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        """Run a background task that stop() cancels."""
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _flush_webhook(self, bot: BotState) -> None:
        """POST pending updates in order while a webhook is set (no retries)."""
        async with bot.webhook_lock:
            while (hook := bot.webhook) is not None and bot.pending and not self.env.closing:
                update = bot.pending.pop(0)
                if update_allowed(update, hook.allowed_updates):
                    await self._post_webhook(bot, hook, update)

    async def _post_webhook(self, bot: BotState, hook: WebhookConfig, update: Json) -> None:
        """One delivery; records the response and runs a method call found in it."""
        assert self._http is not None, "emulator not started"
        headers = {SECRET_HEADER: hook.secret_token} if hook.secret_token else {}
        delivery = WebhookDelivery(update["update_id"], update, at=self.env.clock())
        values: Json = {}
        files: dict[str, Upload] = {}
        try:
            timeout = aiohttp.ClientTimeout(total=self.webhook_timeout)
            async with self._http.post(
                hook.url, json=update, headers=headers, timeout=timeout
            ) as resp:
                delivery.status = resp.status
                delivery.headers = dict(resp.headers)
                delivery.body, values, files = await read_webhook_reply(resp)
                if not 200 <= resp.status < 300:
                    message = f"Wrong response from the webhook: {resp.status} {resp.reason}"
                    bot.webhook_error = (self.env.date(), message)
                    values = {}
        except (aiohttp.ClientError, TimeoutError) as exc:
            delivery.error = f"{type(exc).__name__}: {exc}"
            bot.webhook_error = (self.env.date(), delivery.error)
        bot.deliveries.append(delivery)
        method = values.pop("method", None)
        if isinstance(method, str):
            delivery.reply = await self.invoke(bot, method, values, files)
        self.env.changed.fire()

    # -- HTTP ----------------------------------------------------------------------------------

    async def invoke(
        self, bot: BotState, method: str, values: Json, files: dict[str, Upload]
    ) -> tuple[int, Json]:
        """Run a Bot API method; (HTTP status, JSON body) exactly as Telegram shapes them."""
        entry = METHODS.get(method.lower())
        if entry is None:
            bot.stats.record_error(404)
            self.env.stats.record_error(404)
            return 404, {"ok": False, "error_code": 404, "description": "Not Found"}
        name, handler = entry
        if self.hold is not None and self.hold(name, values):
            # A test holds this request open (e.g. to kill the bot mid-reply); once released
            # it fails like a request whose client is gone.
            self.held.append((name, values))
            self.env.changed.fire()
            await self.released.wait()
            return 502, {"ok": False, "error_code": 502, "description": "Bad Gateway"}
        bot.stats.calls[name] += 1
        self.env.stats.calls[name] += 1
        try:
            if injected := self._failures.get(method.lower()):
                raise injected.pop(0)
            result = await handler(bot, Params(values, files))
        except ApiError as exc:
            bot.stats.record_error(exc.code)
            self.env.stats.record_error(exc.code)
            return exc.code, exc.payload()
        if name == "setWebhook" and bot.webhook is not None and bot.pending:
            self._spawn(self._flush_webhook(bot))
        if isinstance(result, Described):
            return 200, {"ok": True, "result": result.result, "description": result.description}
        return 200, {"ok": True, "result": result}

    async def _handle_api(self, request: web.Request) -> web.Response:
        """POST|GET /bot<token>/<method>."""
        bot = self.bots.get(request.match_info["token"])
        if bot is None:
            return _error(401, "Unauthorized")
        try:
            values, files = await read_request(request)
        except ValueError:
            return _error(400, "Bad Request: can't parse request body")
        except ApiError as exc:
            return _error(exc.code, exc.description)
        status, body = await self.invoke(bot, request.match_info["method"], values, files)
        return web.json_response(body, status=status)

    async def _handle_file(self, request: web.Request) -> web.Response:
        """GET /file/bot<token>/<file_path>."""
        bot = self.bots.get(request.match_info["token"])
        if bot is None:
            return _error(401, "Unauthorized")
        stored = bot.files_by_path.get(request.match_info["path"])
        if stored is None:
            return _error(404, "Not Found")
        return web.Response(body=stored.content, content_type=stored.mime_type)
