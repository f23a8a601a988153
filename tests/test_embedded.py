"""The embedded default end to end: `mcu run` (SQLite, no Redis) started as the README says,
the example setup applied, an item registered over HTTP, routed, reminded and escalated while
the test moves the running system's clock."""

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "embedded-smoke-admin-token"


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


@pytest.mark.slow
def test_embedded_run_routes_reminds_and_escalates(tmp_path: Path) -> None:
    clock_file = tmp_path / "now"
    clock_file.write_text("2025-12-02T10:00:00+03:00")  # Tuesday morning, Moscow
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path}/mcu.db",
        MCU_ADMIN_TOKEN=TOKEN,
        MCU_FAKE_CLOCK_FILE=str(clock_file),
        MCU_POLL_SECONDS="0.2",
    )
    log = (tmp_path / "mcu.log").open("wb")
    proc = subprocess.Popen(
        ["mcu", "run", "--setup", str(ROOT / "setup" / "bezhta.yaml"), "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    auth = {"Authorization": f"Bearer {TOKEN}"}
    try:
        wait_until(lambda: httpx.get(f"{base}/healthz").status_code == 200, "запуска", 60)
        [muni] = httpx.get(f"{base}/api/v1/municipalities", headers=auth).json()
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
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(20)
        log.close()
    output = (tmp_path / "mcu.log").read_text()
    assert "Новое сообщение: БЖТ-2025-000001" in output  # the console notifier spoke
    assert "Гражданин Тестовый" not in output and "123-45-67" not in output  # no PII in logs
    assert TOKEN not in output
