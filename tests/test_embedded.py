"""The embedded default end to end: `mcu run` (SQLite, no Redis) started as the README says,
the example setup applied, an item registered over HTTP, routed, reminded and escalated while
the test moves the running system's clock."""

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.forbidden import secret
from tests.logscan import watch

ROOT = Path(__file__).resolve().parents[1]
TOKEN = secret("embedded-smoke-admin-token", "начальный токен администратора")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until(check, what: str, timeout: float = 30.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            result = check()
            if result:
                return result
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"не дождались: {what}")


def embedded_env(tmp_path: Path, **values: str) -> dict[str, str]:
    """This process's environment for an `mcu run` on SQLite in `tmp_path`: no Redis, no other
    database, no bot settings of the machine (the test gives its own)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("REDIS_URL", "DATABASE_URL") and not k.startswith(("TELEGRAM_", "VK_"))
    }
    env.update(DATABASE_URL=f"sqlite:///{tmp_path}/mcu.db", **values)
    return env


@dataclass
class McuRun:
    proc: subprocess.Popen[bytes]
    base: str
    log: Path


def start_mcu(tmp_path: Path, env: dict[str, str]) -> McuRun:
    """`mcu run --setup setup/bezhta.yaml` as the README says, its output in tmp_path/mcu.log.
    Wait for /healthz yourself (`wait_until` or `healthy`)."""
    port = free_port()
    path = watch(tmp_path / "mcu.log")  # scanned for PII and secrets (tests/logscan.py)
    with path.open("wb") as log:
        proc = subprocess.Popen(
            ["mcu", "run", "--setup", str(ROOT / "setup" / "bezhta.yaml"), "--port", str(port)],
            cwd=tmp_path,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    return McuRun(proc, f"http://127.0.0.1:{port}", path)


@contextlib.contextmanager
def mcu_run(tmp_path: Path, env: dict[str, str]) -> Iterator[McuRun]:
    """A running `mcu run`, stopped with Ctrl+C (SIGINT) at the end."""
    run = start_mcu(tmp_path, env)
    try:
        yield run
    finally:
        run.proc.send_signal(signal.SIGINT)
        run.proc.wait(30)


@contextlib.asynccontextmanager
async def mcu_running(tmp_path: Path, env: dict[str, str]) -> AsyncIterator[McuRun]:
    """The same for async tests: waits for the start and the stop without blocking the loop,
    where an emulator the process talks to is serving."""
    run = start_mcu(tmp_path, env)
    try:
        await healthy(run.base)
        yield run
    finally:
        run.proc.send_signal(signal.SIGINT)
        await asyncio.to_thread(run.proc.wait, 30)


async def healthy(base: str, timeout: float = 60.0) -> None:
    """Wait for /healthz without blocking the loop (an emulator may be serving on it)."""
    async with httpx.AsyncClient() as client:
        for _ in range(int(timeout / 0.1)):
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get(f"{base}/healthz")).status_code == 200:
                    return
            await asyncio.sleep(0.1)
    raise AssertionError("не дождались запуска")


@pytest.mark.slow
def test_embedded_run_routes_reminds_and_escalates(tmp_path: Path) -> None:
    clock_file = tmp_path / "now"
    clock_file.write_text("2025-12-02T10:00:00+03:00")  # Tuesday morning, Moscow
    env = embedded_env(
        tmp_path,
        MCU_ADMIN_TOKEN=TOKEN,
        MCU_FAKE_CLOCK_FILE=str(clock_file),
        MCU_POLL_SECONDS="0.2",
    )
    auth = {"Authorization": f"Bearer {TOKEN}"}
    with mcu_run(tmp_path, env) as run:
        base = run.base
        wait_until(lambda: httpx.get(f"{base}/healthz").status_code == 200, "запуска", 60)
        [muni] = httpx.get(f"{base}/api/v1/municipalities", headers=auth).json()
        # Open311 with the key in the URL, as its spec has it: the access log masks it.
        listed = httpx.get(
            f"{base}/open311/v2/requests.json",
            params={"api_key": TOKEN, "jurisdiction_id": "bezhta"},
        )
        assert listed.status_code == 200, listed.text
        r = httpx.post(
            f"{base}/api/v1/items",
            headers=auth,
            json={
                "municipality_id": muni["id"],
                "text": "В селе прорвало водопровод, нет воды",
                "citizen_name": "Гражданин Тестовый",
                "citizen_phone": "+7 999 123-45-67",
            },
        )
        assert r.status_code == 201, r.text
        item = r.json()
        assert item["status"] == "assigned" and item["assignee_id"] is not None
        assert item["number"] == "БЖТ-2025-000001"

        def actions() -> list[str]:
            timeline = httpx.get(f"{base}/api/v1/items/{item['id']}", headers=auth).json()
            return [e["action"] for e in timeline["timeline"]]

        ladder = [
            ("2025-12-02T14:01:00+03:00", "escalation:take_lead"),
            ("2025-12-03T09:01:00+03:00", "escalation:take_head"),
            ("2025-12-16T09:01:00+03:00", "reminder:remind"),
            ("2025-12-17T09:01:00+03:00", "escalation:overdue"),
            ("2025-12-18T09:01:00+03:00", "escalation:curator"),
        ]
        for moment, action in ladder:
            clock_file.write_text(moment)
            wait_until(lambda a=action: a in actions(), action)
        assert actions() == ["register", "assign"] + [a for _, a in ladder]
        wait_until(lambda: "Эскалация" in (tmp_path / "mcu.log").read_text(), "уведомлений")
    output = (tmp_path / "mcu.log").read_text()
    assert "Новое сообщение: БЖТ-2025-000001" in output  # the console notifier spoke
    assert "Гражданин Тестовый" not in output and "123-45-67" not in output  # no PII in logs
    assert TOKEN not in output, "not in the access log either"
    assert "api_key=***" in output
