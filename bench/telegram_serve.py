"""Bench-only server launcher for `bench.telegram`'s intake figure, one app per process:

    python -m bench.telegram_serve real --port P [--profile FILE]
    python -m bench.telegram_serve bare --port P [--profile FILE]

`real` is the product's API, `create_app(Runtime.create(Settings()))`, configured from the
environment (DATABASE_URL, TELEGRAM_WEBHOOK_SECRET); `bare` is the yardstick: FastAPI with one
POST endpoint that parses the update and inserts it with asyncpg from a pool, no ORM. Both run
under uvicorn, one worker, no access log. With --profile the process runs under cProfile and
profiles between SIGUSR1 and SIGUSR2 and writes the stats to FILE.
"""

import argparse
import cProfile
import json
import os
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import FrameType
from typing import Any

import asyncpg
import uvicorn
from fastapi import FastAPI, HTTPException, Request

from models.settings import Settings

BARE_TABLE = "bench_bare_inbox"
BARE_DDL = (
    f"CREATE TABLE IF NOT EXISTS {BARE_TABLE}"
    " (update_id bigint PRIMARY KEY, payload jsonb NOT NULL,"
    " received_at timestamptz NOT NULL DEFAULT now())"
)
BARE_INSERT = (
    f"INSERT INTO {BARE_TABLE} (update_id, payload) VALUES ($1, $2::jsonb) ON CONFLICT DO NOTHING"
)
POOL_MIN, POOL_MAX = 10, 30  # at most as many connections as the real app's engine (30)


def plain_dsn(url: str) -> str:
    """A DSN asyncpg accepts from a SQLAlchemy-style URL."""
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


def bare_app(dsn: str) -> FastAPI:
    """FastAPI + asyncpg pool: parse the body, insert (update_id, payload), answer 200."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.pool = await asyncpg.create_pool(dsn, min_size=POOL_MIN, max_size=POOL_MAX)
        try:
            yield
        finally:
            await app.state.pool.close()

    app = FastAPI(lifespan=lifespan)

    @app.post("/telegram/webhook")
    async def webhook(request: Request) -> dict[str, Any]:
        raw = await request.body()
        try:
            update_id = int(json.loads(raw)["update_id"])
        except (ValueError, KeyError, TypeError) as e:
            raise HTTPException(400, "not an update") from e
        status = await request.app.state.pool.execute(BARE_INSERT, update_id, raw.decode())
        return {"ok": True, "duplicate": status.endswith(" 0")}

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


def real_app(settings: Settings) -> FastAPI:
    """The product's API as `mcu serve` builds it (without the jobs and the bot)."""
    from api.app import create_app
    from workflows.jobs.runtime import Runtime

    return create_app(Runtime.create(settings))


def serve(app: FastAPI, port: int) -> None:
    """uvicorn, one worker, on the loopback; returns when the server is stopped."""
    uvicorn.run(app, host="127.0.0.1", port=port, workers=1, log_level="warning", access_log=False)


def serve_profiled(app: FastAPI, port: int, path: str) -> None:
    """Serve with a profiler that SIGUSR1 starts and SIGUSR2 stops, writing its stats to `path`,
    so that start-up and warm-up stay out of the figures."""
    profiler = cProfile.Profile()

    def start(_signum: int, _frame: FrameType | None) -> None:
        profiler.enable()

    def stop(_signum: int, _frame: FrameType | None) -> None:
        profiler.disable()
        profiler.dump_stats(path)

    signal.signal(signal.SIGUSR1, start)
    signal.signal(signal.SIGUSR2, stop)
    serve(app, port)


def main(argv: list[str] | None = None) -> int:
    """Build the chosen app and serve it until stopped."""
    p = argparse.ArgumentParser(prog="python -m bench.telegram_serve")
    p.add_argument("app", choices=("real", "bare"))
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--profile", help="write cProfile stats here (SIGUSR1 starts, SIGUSR2 stops)")
    args = p.parse_args(argv)
    if args.app == "real":
        app = real_app(Settings())
    else:
        app = bare_app(plain_dsn(os.environ["DATABASE_URL"]))
    if args.profile:
        serve_profiled(app, args.port, args.profile)
    else:
        serve(app, args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
