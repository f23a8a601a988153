"""The API as production serves it (MCU_ENV=production): no /docs, /redoc or /openapi.json unless
MCU_API_DOCS=true, and the dashboard cookie is Secure (TLS ends at the proxy in front)."""

import contextlib
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from models.db import make_sessionmaker
from models.settings import Settings
from tests.api.conftest import serve
from workflows.core.clock import FakeClock
from workflows.jobs.runtime import Runtime

ADMIN = "mcu_Zq4v-8KbWm2rT9yLx6Hc3NfJd7Pa5EsU"
DOCS = ("/docs", "/redoc", "/openapi.json")


@contextlib.asynccontextmanager
async def production_api(
    engine: AsyncEngine, clock: FakeClock, **values: str
) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings.model_validate(
        {"MCU_ENV": "production", "DATABASE_URL": str(engine.url), "MCU_ADMIN_TOKEN": ADMIN}
        | values
    )
    rt = Runtime(engine, make_sessionmaker(engine), clock, settings)
    async with serve(rt) as base, httpx.AsyncClient(base_url=base, timeout=30) as client:
        yield client


async def test_production_hides_the_docs(engine: AsyncEngine, sm, clock: FakeClock) -> None:
    async with production_api(engine, clock) as c:
        for path in DOCS:
            r = await c.get(path)
            assert r.status_code == 404, path
        assert (await c.get("/healthz")).status_code == 200


@pytest.mark.parametrize("env", [{"MCU_API_DOCS": "true"}, {"MCU_ENV": "development"}])
async def test_docs_when_asked_or_outside_production(
    engine: AsyncEngine, sm, clock: FakeClock, env: dict[str, str]
) -> None:
    async with production_api(engine, clock, **env) as c:
        for path in DOCS:
            r = await c.get(path)
            assert r.status_code == 200, path
        assert "/api/v1/tokens" in (await c.get("/openapi.json")).json()["paths"]


async def test_production_dashboard_cookie_is_secure(engine: AsyncEngine, sm, clock) -> None:
    async with production_api(engine, clock) as c:
        r = await c.post("/dashboard/login", data={"token": ADMIN})
        assert r.status_code == 303, r.text
        cookie = r.headers["set-cookie"].lower()
        for part in ("secure", "httponly", "samesite=strict", "path=/dashboard"):
            assert part in cookie
        assert ADMIN.lower() not in cookie
