"""The FastAPI application: routers, refusals as clear 4xx, health."""

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import text
from starlette.exceptions import HTTPException as StarletteHTTPException

from api import (
    admin,
    appeals,
    bodies,
    health,
    items,
    letters,
    monitoring,
    replies,
    social,
    vk,
    webhooks,
)
from api.dashboard import desk
from api.dashboard import letters as letter_desk
from api.dashboard import router as dashboard
from api.edge import Edge
from api.open311 import router as open311
from api.refusals import EVERYWHERE, allowed_methods, russian
from api.reports import router as reports
from api.request_context import RequestContext
from workflows.core.errors import (
    DomainError,
    Forbidden,
    IllegalTransition,
    Invalid,
    NotFound,
    StaleVersion,
)
from workflows.jobs.runtime import Runtime

log = logging.getLogger(__name__)
MAX_BODY = 2_000_000
STATUS = {NotFound: 404, Forbidden: 403, Invalid: 422, IllegalTransition: 409, StaleVersion: 409}


def problem(status: int, error: str, reason: str, **headers: str) -> JSONResponse:
    return JSONResponse(
        {"error": error, "reason": reason}, status_code=status, headers=headers or None
    )


def _validation_reason(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors()[:10]:
        where = ".".join(str(p) for p in err.get("loc", ()) if p != "body") or "тело"
        parts.append(f"{where}: {err.get('msg')}")
    return "; ".join(parts)


def create_app(rt: Runtime) -> FastAPI:
    docs = rt.settings.docs_shown  # hidden in production unless MCU_API_DOCS=true
    app = FastAPI(
        title="МЦУ: обращения граждан",
        version="0.1.0",
        description="API муниципального центра управления",
        docs_url="/docs" if docs else None,
        redoc_url="/redoc" if docs else None,
        openapi_url="/openapi.json" if docs else None,
        responses=EVERYWHERE,
    )
    app.state.rt = rt
    app.include_router(items.router)
    app.include_router(letters.router)
    app.include_router(bodies.router)
    app.include_router(appeals.router)
    app.include_router(social.router)
    app.include_router(replies.router)
    app.include_router(admin.router)
    app.include_router(webhooks.router)
    app.include_router(vk.router)
    app.include_router(reports.router)
    app.include_router(monitoring.router)
    app.include_router(open311.router)
    app.include_router(dashboard.router)
    app.include_router(desk.router)
    app.include_router(letter_desk.router)
    app.include_router(health.router)
    app.add_middleware(Edge, limit=MAX_BODY)
    app.add_middleware(RequestContext)  # outermost: Edge's refusals carry the id too

    @app.exception_handler(DomainError)
    async def domain_error(_: Request, exc: DomainError) -> JSONResponse:
        return problem(STATUS.get(type(exc), 400), exc.code, exc.reason)

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        return problem(422, "invalid", _validation_reason(exc))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        headers: dict[str, Any] = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = allowed_methods(request)
        return problem(
            exc.status_code, "http_" + str(exc.status_code), russian(exc.detail), **headers
        )

    @app.get("/healthz", tags=["health"])
    async def healthz() -> dict[str, str]:
        """Liveness and the database connection."""
        async with rt.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        return {"status": "ok", "database": rt.engine.dialect.name}

    return app
