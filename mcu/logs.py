"""Log output of every command: one JSON object a line in production (for a log collector),
one readable line in development and tests; both carry the context the line was written in
(request id, inbox or outbox row) and mask secrets in URLs, exception texts included."""

import json
import logging
import sys
from datetime import UTC, datetime
from typing import IO, Literal

from workflows.core.logs import current_log_context, mask_secrets

LogFormat = Literal["json", "text"]
TEXT = "%(asctime)s %(levelname)s %(name)s%(context)s: %(message)s"


class ContextFilter(logging.Filter):
    """Copies the current log context onto the record (for a handler: every logger's lines)."""

    def filter(self, record: logging.LogRecord) -> bool:
        ctx = dict(current_log_context())
        record.ctx = ctx
        record.context = " [" + " ".join(f"{k}={v}" for k, v in ctx.items()) + "]" if ctx else ""
        return True


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__(TEXT, defaults={"context": ""})

    def format(self, record: logging.LogRecord) -> str:
        return mask_secrets(super().format(record))


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC), level, logger, message, context, exception."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update(getattr(record, "ctx", None) or {})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            line["exception"] = record.exc_text
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return mask_secrets(json.dumps(line, ensure_ascii=False, default=str))


def make_handler(stream: IO[str], fmt: LogFormat) -> logging.Handler:
    handler = logging.StreamHandler(stream)
    handler.addFilter(ContextFilter())
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    return handler


def configure(handler: logging.Handler) -> None:
    """The root logger writes INFO and above through `handler` (and nothing else)."""
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.INFO)


def setup_logging(fmt: LogFormat = "text", stream: IO[str] | None = None) -> None:
    configure(make_handler(stream or sys.stderr, fmt))
