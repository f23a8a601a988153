"""Log lines: one JSON object a line in production, one readable line otherwise; each carries
the context it was written in (request id, inbox, outbox row) and no secret of a URL."""

import io
import json
import logging
import signal
import subprocess
import sys
from datetime import timedelta

import httpx
import pytest

from mcu.logs import ContextFilter, make_handler
from models import Channel
from models.settings import Settings
from tests.api.test_outage import closed_port
from tests.helpers import register
from tests.logscan import log_path
from tests.test_embedded import ROOT, embedded_env, free_port, wait_until
from workflows.core.logs import log_context
from workflows.intake.claims import ClaimedUpdate
from workflows.intake.workers import handle_claimed
from workflows.outbox.ports import ConsolePort
from workflows.outbox.sender import Sender

BOT_URL = "POST https://api.telegram.org/bot123456:AAH-secret_Token/sendMessage"


def lines_of(fmt: str, emit) -> list[str]:  # type: ignore[no-untyped-def]
    """What `emit(logger)` writes through our handler in this format."""
    stream = io.StringIO()
    logger = logging.getLogger(f"tests.logs.{fmt}")
    logger.propagate, logger.level = False, logging.INFO
    logger.addHandler(make_handler(stream, fmt))  # type: ignore[arg-type]
    try:
        emit(logger)
    finally:
        logger.handlers.clear()
    return stream.getvalue().splitlines()


def test_json_lines_carry_the_context_and_the_exception_in_one_line() -> None:
    def emit(log: logging.Logger) -> None:
        with log_context(request_id="r-1"), log_context(inbox=5):
            try:
                raise ValueError(f"failed: {BOT_URL}")
            except ValueError:
                log.exception("две\nстроки")

    [line] = lines_of("json", emit)
    entry = json.loads(line)
    assert entry["level"] == "ERROR" and entry["logger"] == "tests.logs.json"
    assert entry["message"] == "две\nстроки" and entry["time"].endswith("+00:00")
    assert (entry["request_id"], entry["inbox"]) == ("r-1", 5)
    assert "ValueError" in entry["exception"] and "bot123456:***/sendMessage" in entry["exception"]
    assert "secret_Token" not in line


def test_text_lines_name_the_context_and_mask_secrets() -> None:
    def emit(log: logging.Logger) -> None:
        with log_context(outbox=77):
            log.info("%s ?api_key=k3y&x=1 Bearer abc.def", BOT_URL)
        log.info("вне контекста")

    first, second = lines_of("text", emit)
    assert " INFO tests.logs.text [outbox=77]: POST" in first
    assert "bot123456:***/" in first and "api_key=***&x=1" in first and "Bearer ***" in first
    assert "secret_Token" not in first and "k3y" not in first and "abc.def" not in first
    assert second.endswith("INFO tests.logs.text: вне контекста")


@pytest.mark.parametrize(
    ("env", "fmt", "expected"),
    [
        ("production", None, "json"),
        ("development", None, "text"),
        ("test", None, "text"),
        ("production", "text", "text"),
        ("development", "json", "json"),
    ],
)
def test_the_format_follows_the_environment_unless_set(env, fmt, expected) -> None:
    settings = Settings.model_construct(env=env, log_format=fmt)  # production's checks aside
    assert settings.log_output == expected


async def test_a_worker_s_lines_name_the_inbox_row_and_the_outbox_row(
    engine, sm, clock, muni, caplog
) -> None:
    async def handle(claimed: ClaimedUpdate) -> None:
        logging.getLogger("tests.handler").info("обрабатываю")

    caplog.set_level(logging.INFO)
    claimed = ClaimedUpdate(id=41, update_id="9001", chat_key="x", payload={}, claim=1)
    with caplog.filtering(ContextFilter()):
        await handle_claimed(
            engine, claimed, handle=handle, clock=clock, lease=timedelta(seconds=30)
        )
        await register(sm, clock, muni, "Нет воды")
        assert await Sender(sm, clock=clock, ports={Channel.console: ConsolePort()}).run_once()
    [handled] = [r for r in caplog.records if r.name == "tests.handler"]
    assert handled.ctx == {"inbox": 41}  # type: ignore[attr-defined]
    [sent] = [r for r in caplog.records if r.name == "workflows.outbox.ports"]
    assert set(sent.ctx) == {"outbox"} and sent.ctx["outbox"] > 0  # type: ignore[attr-defined]


@pytest.mark.slow
def test_mcu_api_in_json_writes_only_json_lines_with_the_request_id(tmp_path) -> None:
    """The real command: every line it writes (uvicorn's too) is a JSON object; the request's
    lines carry the id the caller sent."""
    port = free_port()
    env = embedded_env(tmp_path, MCU_LOG_FORMAT="json")
    env["DATABASE_URL"] = f"postgresql://postgres@127.0.0.1:{closed_port()}/mcu"  # down
    log = log_path("mcu-api-json")
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "mcu", "api", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=out,
        )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until(lambda: httpx.get(f"{base}/healthz").status_code == 503, "запуска", 60)
        r = httpx.get(f"{base}/healthz", headers={"X-Request-ID": "json-check-1"})
        assert r.status_code == 503 and r.headers["X-Request-ID"] == "json-check-1"
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(30)
    entries = [json.loads(line) for line in log.read_text().splitlines()]  # each line is JSON
    mine = [e for e in entries if e.get("request_id") == "json-check-1"]
    assert {e["logger"] for e in mine} == {"api.request_context", "uvicorn.access"}, mine
    assert any(e["logger"] == "uvicorn.error" for e in entries)  # uvicorn's own lines too


async def test_the_console_notifier_logs_the_headline_not_the_citizen_s_words(
    sm, clock, muni, caplog
) -> None:
    """Without a messenger notices go to the log: the number and kind, never the text, the
    address or the answer (what staff read in full on the card)."""
    caplog.set_level(logging.INFO)
    words = "Нет воды, звоните: Магомедрасул Гаджиев, +79031234567"
    await register(sm, clock, muni, words, place_text="ул. Садовая, 5")
    console = ConsolePort()
    assert await Sender(sm, clock=clock, ports={Channel.console: console}).run_once() == 1
    assert "Садовая" in console.sent[0].text  # the notice itself is whole
    [line] = [r.getMessage() for r in caplog.records if r.name == "workflows.outbox.ports"]
    assert "ТСТ-2025-000001" in line and f"#{console.sent[0].outbox_id}" in line, line
    for pii in ("Гаджиев", "+79031234567", "Садовая", "звоните"):
        assert pii not in line, line


async def test_an_update_the_bot_library_refuses_is_logged_without_its_contents(
    engine, clock, caplog
) -> None:
    """pydantic's error text quotes the input (here the whole message: a name, an address);
    the log line and the inbox row's error name only where and what was wrong."""
    from aiogram.types import Update

    person = {"id": 5, "is_bot": False, "first_name": "Магомедрасул Гаджиев"}
    message = {"message_id": 1, "chat": {"id": 5, "type": "private"}, "from": person}
    payload = {"update_id": 7, "message": {**message, "text": "ул. Садовая, 5"}}  # no date

    async def handle(claimed: ClaimedUpdate) -> None:
        Update.model_validate(claimed.payload)

    caplog.set_level(logging.INFO)
    claimed = ClaimedUpdate(id=3, update_id="7", chat_key="5", payload=payload, claim=1)
    error = await handle_claimed(
        engine, claimed, handle=handle, clock=clock, lease=timedelta(seconds=30)
    )
    assert error is not None and "message.date" in error and "missing" in error, error
    assert "message.date" in caplog.text
    for pii in ("Гаджиев", "Садовая"):
        assert pii not in caplog.text and pii not in error
