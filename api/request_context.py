"""Around every HTTP request: its id (the caller's sane `X-Request-ID`, or a new one) on each
line logged meanwhile and in the response's header; failures answered in the API's error
format: the database unreachable is a 503 with Retry-After and one short log line, anything
else a 500 with one traceback (no SQL parameters: the engine hides them)."""

import logging
import re
import secrets

from fastapi.responses import JSONResponse
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from models.db import is_db_outage
from workflows.core.logs import log_context

log = logging.getLogger(__name__)
HEADER = "X-Request-ID"
SANE_ID = re.compile(r"[A-Za-z0-9._:=+/-]{1,100}")
RETRY_AFTER = 5  # seconds: a restarting Postgres is usually back by then


def request_id(scope: Scope) -> str:
    """The caller's id when it is short and plain (it lands in our logs), else a new one."""
    for name, value in scope["headers"]:
        if name == b"x-request-id":
            text = bytes(value).decode("latin-1")
            if SANE_ID.fullmatch(text):
                return text
            break
    return secrets.token_hex(8)


class RequestContext:
    """Pure ASGI (no task hop): the log context holds for the endpoint and the access log."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = request_id(scope)
        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message["headers"] = list(message.get("headers", ()))
                MutableHeaders(scope=message)[HEADER] = rid
            await send(message)

        with log_context(request_id=rid):
            try:
                await self.app(scope, receive, send_with_id)
            except Exception as e:
                where = f"{scope.get('method')} {scope.get('path')}"
                if is_db_outage(e):
                    log.warning("база данных недоступна (%s): %s → 503", type(e).__name__, where)
                    response = unavailable()
                else:
                    log.error("необработанная ошибка: %s → 500", where, exc_info=e)
                    response = JSONResponse(
                        {"error": "internal", "reason": f"внутренняя ошибка; номер запроса {rid}"},
                        status_code=500,
                    )
                if not started:  # else the client sees the connection cut
                    await response(scope, receive, send_with_id)


def unavailable() -> JSONResponse:
    return JSONResponse(
        {"error": "database_unavailable", "reason": "база данных недоступна, повторите позже"},
        status_code=503,
        headers={"Retry-After": str(RETRY_AFTER)},
    )
