"""The `mcu` command as a user runs it: a refused configuration is one Russian line on stderr
naming the setting (no traceback, no part of a secret) for every command; --version and -h."""

import os
import subprocess
from pathlib import Path

import pytest

from tests.logscan import record
from tests.test_embedded import ROOT

LEAKY = "Hx7Leaky9Qw"  # a webhook secret too short for production; none of it may be printed
COMMANDS = [
    ["run"],
    ["api"],
    ["worker"],
    ["bot"],
    ["migrate"],
    ["job", "fire_timers"],
    ["setup", "apply", str(ROOT / "setup" / "bezhta.yaml")],
    ["token", "create", "--role", "admin", "--name", "я"],
    ["token", "list"],
    ["token", "revoke", "1"],
    ["invite", "head", "--municipality", "bezhta"],
    ["item", "register", "--municipality", "bezhta", "--text", "яма"],
    ["digest", "--municipality", "bezhta"],
]


def clean_env(**values: str) -> dict[str, str]:
    """This process's environment without the machine's MCU settings, plus `values`."""
    prefixes = ("MCU_", "TELEGRAM_", "VK_", "DATABASE_URL", "REDIS_URL")
    env = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
    return env | values


def mcu(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        ["mcu", *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=60
    )
    record("mcu-cli", done.stderr)  # its log lines and refusals are scanned too
    return done


def assert_one_clean_line(out: subprocess.CompletedProcess[str], *names: str) -> str:
    assert out.returncode == 2, (out.returncode, out.stdout, out.stderr)
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    assert "Traceback" not in out.stderr + out.stdout and out.stdout == ""
    for name in names:
        assert f"Настройка {name}:" in lines[0] or f"настройка {name}:" in lines[0], lines[0]
    return lines[0]


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: " ".join(a[:2]))
def test_a_refused_production_start_is_one_line_without_the_secret(
    args: list[str], tmp_path: Path
) -> None:
    env = clean_env(
        MCU_ENV="production",
        DATABASE_URL="postgresql://postgres@127.0.0.1:5432/nonexistent_mcu",
        TELEGRAM_WEBHOOK_URL="https://mcu.example/telegram/webhook",
        TELEGRAM_WEBHOOK_SECRET=LEAKY,
    )
    line = assert_one_clean_line(mcu(args, env, tmp_path), "TELEGRAM_WEBHOOK_SECRET")
    assert "слишком короткий секрет (нужно не меньше 32 символов)" in line
    assert not any(LEAKY[i : i + 3] in line for i in range(len(LEAKY) - 2)), line


def test_placeholder_token_and_a_bad_number_are_named_in_any_mode(tmp_path: Path) -> None:
    env = clean_env(
        MCU_ENV="production", MCU_ADMIN_TOKEN="changeme", TELEGRAM_WEBHOOK_SECRET=LEAKY * 4
    )
    line = assert_one_clean_line(mcu(["run"], env, tmp_path), "MCU_ADMIN_TOKEN", "DATABASE_URL")
    assert "заглушка" in line and LEAKY not in line
    dev = clean_env(MCU_POLL_SECONDS="soon", DATABASE_URL=f"sqlite:///{tmp_path}/mcu.db")
    line = assert_one_clean_line(mcu(["worker"], dev, tmp_path), "MCU_POLL_SECONDS")
    assert line == "Ошибка: Настройка MCU_POLL_SECONDS: нужно число"
    assert not (tmp_path / "mcu.db").exists(), "nothing was started"


def test_version_and_short_help(tmp_path: Path) -> None:
    from importlib.metadata import version

    env = clean_env()
    out = mcu(["--version"], env, tmp_path)
    assert out.returncode == 0 and out.stdout.strip() == f"mcu {version('mcu')}"
    short, long = mcu(["-h"], env, tmp_path), mcu(["--help"], env, tmp_path)
    assert short.returncode == 0 and short.stdout == long.stdout
    assert "token" in short.stdout and "--version" in short.stdout
    sub = mcu(["token", "-h"], env, tmp_path)
    assert sub.returncode == 0 and "revoke" in sub.stdout and "list" in sub.stdout


def test_tokens_are_listed_and_revoked_from_the_command_line(tmp_path: Path) -> None:
    env = clean_env(DATABASE_URL=f"sqlite:///{tmp_path}/mcu.db")
    assert mcu(["migrate"], env, tmp_path).returncode == 0
    issued = [
        mcu(["token", "create", "--role", role, "--name", name], env, tmp_path).stdout.strip()
        for role, name in (("admin", "Интеграция"), ("curator", "Куратор"))
    ]
    assert all(t.startswith("mcu_") for t in issued)
    listed = mcu(["token", "list"], env, tmp_path)
    lines = listed.stdout.strip().splitlines()
    assert listed.returncode == 0 and len(lines) == 2
    assert lines[0].startswith("1\tadmin\tИнтеграция") and lines[0].endswith("действует")
    assert not any(t in listed.stdout or t[4:12] in listed.stdout for t in issued)
    done = mcu(["token", "revoke", "2"], env, tmp_path)
    assert done.returncode == 0 and "Токен 2 «Куратор» отозван" in done.stdout
    after = mcu(["token", "list"], env, tmp_path).stdout
    for args, reason in ((["2"], "токен 2 уже отозван"), (["7"], "токен 7 не найден")):
        out = mcu(["token", "revoke", *args], env, tmp_path)
        assert out.returncode == 2 and reason in out.stderr, out.stderr
    assert mcu(["token", "list"], env, tmp_path).stdout == after
    assert "отозван" in after.splitlines()[1] and after.splitlines()[0].endswith("действует")
