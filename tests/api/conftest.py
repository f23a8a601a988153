"""A real uvicorn server on loopback over the test database, and tokens for every role."""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select

from api.app import create_app
from api.logs import mask_access_log
from models import Role, Staff
from models.db import make_sessionmaker
from models.settings import Settings
from tests.forbidden import secret
from workflows.core.clock import FakeClock
from workflows.jobs.runtime import Runtime
from workflows.staff.tokens import check_create_token

BOOTSTRAP = secret("bootstrap-admin-token-for-tests-only", "начальный токен администратора")


@dataclass
class Api:
    client: httpx.AsyncClient
    rt: Runtime
    tokens: dict[str, str]

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}


@contextlib.asynccontextmanager
async def serve(rt: Runtime, app: FastAPI | None = None) -> AsyncIterator[str]:
    """Run the app (by default the API over `rt`) under uvicorn on a free loopback port; yields
    its base URL."""
    server = uvicorn.Server(  # logging as `mcu api` does: through the root logger, masked
        uvicorn.Config(
            app or create_app(rt),
            host="127.0.0.1",
            port=0,
            log_level="info",
            log_config=None,
            lifespan="off",
        )
    )
    mask_access_log()
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


@pytest.fixture
async def api(engine: AsyncEngine, sm, clock: FakeClock, muni: int) -> AsyncIterator[Api]:
    settings = Settings(MCU_ADMIN_TOKEN=BOOTSTRAP, MCU_ENV="test")  # type: ignore[call-arg]
    rt = Runtime(engine, make_sessionmaker(engine), clock, settings)
    tokens = {"bootstrap": BOOTSTRAP}
    async with sm() as s:
        for st in await s.exec(select(Staff)):
            tokens[st.code] = await check_create_token(
                s, name=st.name, role=st.role, municipality_id=muni, staff_id=st.id, now=clock.now()
            )
        tokens["robot"] = await check_create_token(  # an integration's admin token: no staff
            s,
            name="интеграция",
            role=Role.admin,
            municipality_id=muni,
            staff_id=None,
            now=clock.now(),
        )
        tokens["viewer"] = await check_create_token(
            s,
            name="просмотр",
            role=Role.curator,
            municipality_id=muni,
            staff_id=None,
            now=clock.now(),
        )
    for who, token in tokens.items():
        secret(token, f"токен API ({who})")
    async with serve(rt) as base, httpx.AsyncClient(base_url=base, timeout=30) as client:
        yield Api(client, rt, tokens)
