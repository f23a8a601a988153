"""ops/backup.sh against the test Postgres: custom-format dumps, only the newest N kept, and a
dump restores (as the README says) into an empty database with the data in it."""

import os
import subprocess
import uuid
from pathlib import Path

import asyncpg

from tests.conftest import PG_ADMIN, pg_url

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "ops" / "backup.sh"


def backup(tmp_path: Path, url: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(SCRIPT)],
        env={**os.environ, "DATABASE_URL": url, "BACKUP_DIR": str(tmp_path / "b"), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


async def test_backups_keep_the_newest_and_restore(pg_database: str, muni: int, tmp_path: Path):
    runs = [backup(tmp_path, pg_database, BACKUP_KEEP="2") for _ in range(3)]
    assert [r.returncode for r in runs] == [0, 0, 0], runs[-1].stderr
    dumps = sorted((tmp_path / "b").glob("mcu-*.dump"), key=lambda p: p.stat().st_mtime)
    assert len(dumps) == 2
    assert str(dumps[-1]) in runs[-1].stdout  # the newest stays
    assert oct(dumps[-1].stat().st_mode & 0o777) == "0o600"  # personal data: owner only

    name = f"mcu_restore_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(PG_ADMIN)
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        subprocess.run(
            [
                "pg_restore",
                "--no-owner",
                "--clean",
                "--if-exists",
                "-d",
                pg_url(name),
                str(dumps[-1]),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
        conn = await asyncpg.connect(pg_url(name))
        try:
            codes = await conn.fetch("SELECT code FROM municipality")
            version = await conn.fetchval("SELECT version_num FROM alembic_version")
        finally:
            await conn.close()
        assert [r["code"] for r in codes] == ["testmo"]
        assert version is not None
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def test_bad_settings_are_refused_and_write_nothing(tmp_path: Path):
    r = backup(tmp_path, "postgresql://postgres@127.0.0.1/postgres", BACKUP_KEEP="0")
    assert r.returncode == 2 and "BACKUP_KEEP" in r.stderr
    r = backup(tmp_path, "sqlite:///mcu.db")
    assert r.returncode == 2 and "Postgres" in r.stderr
    assert not (tmp_path / "b").exists()


def test_a_failed_dump_leaves_no_partial_file(tmp_path: Path):
    r = backup(tmp_path, "postgresql://postgres@127.0.0.1:1/none")
    assert r.returncode != 0
    assert list((tmp_path / "b").iterdir()) == []
