"""The emulator's HTTP side: method calls (token, rate limit, version, faults), Long Poll,
uploads and file downloads."""

from __future__ import annotations

import asyncio
import functools
import json
from typing import Any

from aiohttp import web

from tests.bot.vk.vk_events import a_check
from tests.bot.vk.vk_methods import METHODS
from tests.bot.vk.vk_rules import Params, VkError, check_version
from tests.bot.vk.vk_state import Env, GroupState, Json
from tests.bot.vk.vk_uploads import accept_upload
from tests.bot.vk.vk_wall import SERVICE_METHODS, ServiceState

MAX_UPLOAD = 200 * 1024 * 1024
PHOTO_FIELDS = ("photo", "file0", "file")  # VK documents `photo`; vk_api's VkUpload sends file0
_dumps = functools.partial(json.dumps, ensure_ascii=False)


async def read_values(request: web.Request) -> dict[str, str]:
    """Query and form fields of a method call; a repeated key (a list) is joined with commas."""
    pairs = list(request.query.items())
    if request.can_read_body and request.content_type in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        pairs += [(k, v) for k, v in (await request.post()).items() if isinstance(v, str)]
    values: dict[str, str] = {}
    for key, value in pairs:
        values[key] = f"{values[key]},{value}" if key in values else value
    return values


class Faults:
    """Injected refusals (fail_next) and calls held open (hold/release)."""

    def __init__(self) -> None:
        self.failures: dict[str, list[VkError]] = {}
        self.holds: dict[str, asyncio.Event] = {}
        self.held: list[tuple[str, dict[str, str]]] = []

    def release(self, method: str) -> None:
        """Let held calls of a method proceed."""
        event = self.holds.pop(method, None)
        if event is not None:
            event.set()

    async def gate(self, env: Env, method: str, values: dict[str, str]) -> None:
        """Wait while the method is held; then raise an injected refusal, if one is queued."""
        if (gate := self.holds.get(method)) is not None:
            self.held.append((method, values))
            env.changed.fire()
            await gate.wait()
        if queue := self.failures.get(method):
            raise queue.pop(0)


class ApiServer:
    """The aiohttp application behind api_base, Long Poll servers, upload URLs and files."""

    def __init__(self, env: Env, groups: dict[int, GroupState], tokens: dict[str, GroupState]):
        self.env = env
        self.groups = groups
        self.tokens = tokens
        self.services: dict[str, ServiceState] = {}
        self.faults = Faults()

    def app(self) -> web.Application:
        """The routes."""
        app = web.Application(client_max_size=MAX_UPLOAD)
        app.router.add_route("*", "/method/{method}", self.handle_api)
        app.router.add_get("/lp/{group_id}", self.handle_long_poll)
        app.router.add_post("/upload/{kind}/{group_id}", self.handle_upload)
        app.router.add_post("/upload/{kind}/{group_id}/{doc_type}", self.handle_upload)
        app.router.add_get("/files/{name}", self.handle_file)
        return app

    async def invoke(self, method: str, values: dict[str, str]) -> Json:
        """One method call, {"response": ...} or {"error": ...}; the rate limit counts the call
        at the moment its fields have arrived (monotonic clock), per token."""
        env = self.env
        env.stats.requests[method] += 1
        token = values.get("access_token", "")
        group = self.tokens.get(token)
        service = self.services.get(token)
        try:
            if service is not None:
                return {"response": await self._as_service(service, method, values)}
            if group is None:
                raise VkError(5, "invalid access_token (4).")
            group.stats.requests[method] += 1
            now = env.clock()
            if not group.window.admits(now, env.limits.per_second, 1.0):
                raise VkError(6)
            group.window.add(now)
            group.stats.accepted_at.append(now)
            env.stats.accepted_at.append(now)
            group.versions_seen[check_version(values.get("v"))] += 1
            if method in SERVICE_METHODS:
                raise VkError(27)
            handler = METHODS.get(method)
            if handler is None:
                raise VkError(3, f"{method} is not found in the emulator")
            await self.faults.gate(env, method, values)
            result = handler(group, Params(values))
        except VkError as exc:
            env.stats.errors[exc.code] += 1
            for holder in (group, service):
                if holder is not None:
                    holder.stats.errors[exc.code] += 1
            env.changed.fire()
            return {"error": exc.payload(method, values)}
        return {"response": result}

    async def _as_service(self, service: ServiceState, method: str, values: dict[str, str]) -> Any:
        """A call with a service token: its own rate limit; only the methods VK opens to it."""
        env = self.env
        service.stats.requests[method] += 1
        now = env.clock()
        if not service.window.admits(now, env.limits.service_per_second, 1.0):
            raise VkError(6)
        service.window.add(now)
        service.stats.accepted_at.append(now)
        env.stats.accepted_at.append(now)
        check_version(values.get("v"))
        handler = SERVICE_METHODS.get(method)
        if handler is None:
            raise VkError(28 if method in METHODS else 3)
        await self.faults.gate(env, method, values)
        return handler(env.walls, Params(values))

    async def handle_api(self, request: web.Request) -> web.Response:
        """POST|GET /method/<name> with access_token and v among the fields (always HTTP 200)."""
        values = await read_values(request)
        body = await self.invoke(request.match_info["method"], values)
        return web.json_response(body, dumps=_dumps)

    def _group_of(self, request: web.Request) -> GroupState | None:
        try:
            return self.groups.get(int(request.match_info["group_id"]))
        except ValueError:
            return None

    async def handle_long_poll(self, request: web.Request) -> web.Response:
        """GET <server>?act=a_check&key=..&ts=..&wait=.."""
        group = self._group_of(request)
        body = {"failed": 2} if group is None else await a_check(group, request.query)
        return web.json_response(body, dumps=_dumps)

    async def handle_upload(self, request: web.Request) -> web.Response:
        """POST multipart to an upload_url: a photo, or `file` for documents and voice."""
        group = self._group_of(request)
        kind = request.match_info.get("doc_type", request.match_info["kind"])
        if group is None or request.match_info["kind"] not in ("photo", "doc"):
            return web.json_response({"error": "unknown upload server"}, status=404)
        form = await request.post()
        names = PHOTO_FIELDS if kind == "photo" else ("file",)
        part = next((form[n] for n in names if isinstance(form.get(n), web.FileField)), None)
        if isinstance(part, web.FileField):
            answer = accept_upload(group, kind, part.file.read(), part.filename)
        else:
            answer = accept_upload(group, kind, None, "")
        return web.json_response(answer, dumps=_dumps)

    async def handle_file(self, request: web.Request) -> web.Response:
        """GET /files/<name>: a photo, document or voice message someone sent."""
        stored = self.env.files.get(request.match_info["name"])
        if stored is None:
            return web.Response(status=404, text="not found")
        return web.Response(body=stored.content, content_type=stored.mime_type)
