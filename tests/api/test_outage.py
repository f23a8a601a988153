"""The database gone: the API answers 503 in its error format with Retry-After and logs one short
line a request (not a 500 with a traceback each); any other failure is a JSON 500 naming the
request id, logged once with its traceback. Every request's lines carry its id, which the
response answers back in X-Request-ID."""

import logging
import socket
import uuid
from collections.abc import Iterator

import asyncpg
import httpx
import pytest

from api.app import create_app
from mcu.logs import ContextFilter
from models.db import make_engine, make_sessionmaker
from models.migrate import upgrade_head_async
from models.settings import Settings
from tests.api.conftest import BOOTSTRAP, serve
from tests.conftest import PG_ADMIN, pg_url
from workflows.core.clock import FakeClock
from workflows.jobs.runtime import Runtime

AUTH = {"Authorization": f"Bearer {BOOTSTRAP}"}


class Records(logging.Handler):
    """Every record that reaches the root logger, with its log context (as our handlers add)."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []
        self.addFilter(ContextFilter())

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def of(self, request_id: str) -> list[logging.LogRecord]:
        return [r for r in self.records if r.ctx.get("request_id") == request_id]  # type: ignore[attr-defined]


@pytest.fixture
def records() -> Iterator[Records]:
    handler, root = Records(), logging.getLogger()
    root.addHandler(handler)
    level = root.level
    root.setLevel(logging.INFO)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def runtime(url: str, clock: FakeClock) -> Runtime:
    settings = Settings(MCU_ADMIN_TOKEN=BOOTSTRAP, MCU_ENV="test", DATABASE_URL=url)  # type: ignore[call-arg]
    engine = make_engine(url)
    return Runtime(engine, make_sessionmaker(engine), clock, settings)


def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def assert_unavailable(r: httpx.Response) -> None:
    assert r.status_code == 503, r.text
    body = r.json()
    assert body["error"] == "database_unavailable" and "недоступна" in body["reason"], body
    assert int(r.headers["Retry-After"]) > 0
    assert r.headers["X-Request-ID"]


def assert_one_short_line_each(records: Records, responses: list[httpx.Response]) -> None:
    """Per request: one WARNING, no traceback, no SQL; nothing else above INFO."""
    for r in responses:
        lines = [x for x in records.of(r.headers["X-Request-ID"]) if x.levelno >= logging.WARNING]
        assert len(lines) == 1, [x.getMessage() for x in lines]
        text = lines[0].getMessage()
        assert lines[0].exc_info is None and len(text) < 200, text
        assert "SELECT" not in text and "[SQL" not in text, text
    loud = [x for x in records.records if x.levelno >= logging.WARNING and x.exc_info]
    assert loud == [], [x.getMessage() for x in loud]


@pytest.mark.parametrize("backend", ["postgres", "sqlite"])
async def test_a_database_that_is_not_there_is_a_503_with_one_line_each(
    records, clock, tmp_path, backend
):
    url = (
        f"postgresql://postgres@127.0.0.1:{closed_port()}/mcu"
        if backend == "postgres"
        else f"sqlite:///{tmp_path}/gone/dir/mcu.db"  # the disk it lived on is not there
    )
    rt = runtime(url, clock)
    try:
        async with serve(rt) as base, httpx.AsyncClient(base_url=base) as client:
            responses = [await client.get("/healthz") for _ in range(3)]
            responses += [await client.get("/api/v1/items", headers=AUTH) for _ in range(3)]
            responses.append(await client.get("/open311/v2/services.json"))
    finally:
        await rt.engine.dispose()
    for r in responses:
        assert_unavailable(r)
    assert_one_short_line_each(records, responses)


async def test_connections_cut_and_the_database_dropped_then_back(records, clock):
    """Postgres terminating our connections (DROP DATABASE … WITH (FORCE) does it with
    pg_terminate_backend) mid-test: 503s, not 500s; and healthy again once it is back."""
    name = f"mcu_outage_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(PG_ADMIN)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        await upgrade_head_async(pg_url(name))
        rt = runtime(pg_url(name), clock)
        async with serve(rt) as base, httpx.AsyncClient(base_url=base) as client:
            assert (await client.get("/healthz")).status_code == 200
            assert (await client.get("/api/v1/municipalities", headers=AUTH)).status_code == 200
            await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            down = [await client.get("/api/v1/municipalities", headers=AUTH) for _ in range(3)]
            down += [await client.get("/healthz") for _ in range(2)]
            await admin.execute(f'CREATE DATABASE "{name}"')
            back = await client.get("/healthz")
        await rt.engine.dispose()
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
    for r in down:
        assert_unavailable(r)
    assert_one_short_line_each(records, down)
    assert back.status_code == 200, back.text


async def test_any_other_failure_is_a_json_500_with_one_traceback(records, clock):
    rt = runtime("sqlite://", clock)
    app = create_app(rt)

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("something nobody expected")

    async with serve(rt, app) as base, httpx.AsyncClient(base_url=base) as client:
        r = await client.get("/boom", headers={"X-Request-ID": "req-500-check"})
    await rt.engine.dispose()
    assert r.status_code == 500 and r.headers["X-Request-ID"] == "req-500-check"
    assert r.json() == {
        "error": "internal",
        "reason": "внутренняя ошибка; номер запроса req-500-check",
    }
    errors = [x for x in records.records if x.levelno >= logging.ERROR]
    assert len(errors) == 1 and errors[0].exc_info is not None, [x.getMessage() for x in errors]
    assert errors[0].ctx["request_id"] == "req-500-check"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("abc-123_X.y:z", True),
        ("f" * 100, True),
        ("f" * 101, False),  # too long to land in every line
        ("a b", False),
        ('a"b', False),
        ("ид-запроса".encode(), False),  # not ASCII
        ("", False),
    ],
)
async def test_the_request_id_is_the_callers_when_sane_and_on_every_line(api, records, sent, kept):
    r = await api.client.get(
        "/api/v1/municipalities", headers={**api.auth("admin"), "X-Request-ID": sent}
    )
    assert r.status_code == 200, r.text
    rid = r.headers["X-Request-ID"]
    if kept:
        assert rid == sent
    else:
        assert rid != sent and len(rid) == 16 and int(rid, 16) >= 0  # a new one
    access = [x for x in records.of(rid) if x.name == "uvicorn.access"]
    assert len(access) == 1 and "/api/v1/municipalities" in access[0].getMessage()


async def test_refusals_at_the_edge_carry_the_request_id_too(api):
    r = await api.client.get("/api/v1/items", params={"q": "\x00"}, headers=api.auth("admin"))
    assert r.status_code == 400 and len(r.headers["X-Request-ID"]) == 16
    other = await api.client.get("/api/v1/items", params={"q": "\x00"}, headers=api.auth("admin"))
    assert other.headers["X-Request-ID"] != r.headers["X-Request-ID"]
