"""`mcu run` (SQLite, no Redis) end to end: once its in-process jobs run, /readyz answers 200
and /metrics serves the queues; after Ctrl+C the worker's heartbeat is gone."""

import sqlite3
from pathlib import Path

import httpx

from tests.test_embedded import TOKEN, embedded_env, mcu_run, wait_until


def test_mcu_run_is_ready_once_its_jobs_run(tmp_path: Path) -> None:
    env = embedded_env(tmp_path, MCU_ADMIN_TOKEN=TOKEN, MCU_WEEKLY_NOTE="false")
    with mcu_run(tmp_path, env) as run:
        ready = wait_until(
            lambda: (r := httpx.get(f"{run.base}/readyz")).status_code == 200 and r,
            "готовности /readyz",
            timeout=60,
        )
        checks = ready.json()["checks"]
        assert checks["database"] == {"ok": True, "detail": "sqlite"}
        assert checks["worker"]["ok"] and checks["dead_letters"]["ok"]
        assert "redis" not in checks
        metrics = httpx.get(f"{run.base}/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        assert metrics.status_code == 200
        assert 'mcu_outbox_pending{channel="telegram"}' in metrics.text
    with sqlite3.connect(tmp_path / "mcu.db") as db:
        assert db.execute("SELECT count(*) FROM heartbeat").fetchone() == (0,)
