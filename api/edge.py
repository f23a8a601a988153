"""One rule at the edge for every request: a body is read whole, counting bytes as they stream
(a chunked body without Content-Length cannot slip past the limit), and a request carrying a
NUL character — raw, JSON-escaped or percent-encoded, in the body, the path or the query — is
refused with a 400 before any endpoint sees it (Postgres cannot store NUL in text: it was a
500 from deep inside)."""

import json
import re
from typing import Any

from fastapi import HTTPException
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")  # "\u0000", not "\\u0000"
FORM = b"application/x-www-form-urlencoded"
OPEN311 = "/open311/"  # its clients read refusals in that spec's form, as its routes answer


def problem(status: int, error: str, reason: str, *, path: str = "") -> JSONResponse:
    if path.startswith(OPEN311):
        return JSONResponse([{"code": status, "description": reason}], status_code=status)
    return JSONResponse({"error": error, "reason": reason}, status_code=status)


def parse_json(raw: bytes, *, what: str = "тело запроса") -> Any:
    """A webhook's JSON, or a 400: not JSON, or nested too deep for the parser (10,000 levels
    of brackets) is a bad request, not a server error."""
    try:
        return json.loads(raw)
    except (ValueError, RecursionError) as e:
        raise HTTPException(400, f"{what}: не JSON") from e


def has_nul(data: bytes, *, percent: bool) -> bool:
    """NUL raw, JSON-escaped, or (in a URL or a form) percent-encoded."""
    if b"\x00" in data or JSON_NUL.search(data) is not None:
        return True
    return percent and b"%00" in data.lower()


class Edge:
    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.limit):
            await self._too_large(scope, receive, send)
            return
        target = scope.get("raw_path") or scope["path"].encode()
        if has_nul(target, percent=True) or has_nul(scope.get("query_string", b""), percent=True):
            await problem(
                400, "nul", "в адресе запроса есть символ NUL (\\u0000)", path=scope["path"]
            )(scope, receive, send)
            return
        body, more = bytearray(), True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break  # the client went away: let the app see it
            body += message.get("body", b"")
            more = bool(message.get("more_body"))
            if len(body) > self.limit:
                await self._too_large(scope, receive, send)
                return
        form = dict(scope["headers"]).get(b"content-type", b"").startswith(FORM)
        if has_nul(bytes(body), percent=form):
            await problem(
                400, "nul", "в запросе есть символ NUL (\\u0000): уберите его", path=scope["path"]
            )(scope, receive, send)
            return
        await self.app(scope, _replay(bytes(body), receive), send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        reason = f"тело запроса больше {self.limit} байт"
        await problem(413, "too_large", reason, path=scope["path"])(scope, receive, send)


def _replay(body: bytes, receive: Receive) -> Receive:
    """The body, read once already, handed to the app as one message; then the real stream
    (a disconnect)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
