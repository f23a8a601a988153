"""What a log line may say about where it was written: the HTTP request's id, the inbox or
outbox row being handled (ids only, never chat ids, names or texts), and secrets in URLs masked
(a Bot API URL carries the bot's token: `/bot<id>:<token>/sendMessage`)."""

import contextlib
import re
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from types import MappingProxyType

from pydantic import ValidationError

LogValue = str | int
_context: ContextVar[Mapping[str, LogValue]] = ContextVar(
    "mcu_log_context", default=MappingProxyType({})
)

# `/bot123456:AA…/` in Bot API URLs (the bot's id is kept: it is public and tells bots apart);
# a secret in a query string; a bearer token.
_BOT_TOKEN = re.compile(r"(bot\d+:)[A-Za-z0-9_-]+")
_QUERY_SECRET = re.compile(
    r"((?:api_key|access_token|token|secret|password|key)=)[^&\s\"'#]+", re.IGNORECASE
)
_BEARER = re.compile(r"(Bearer\s+)[^\s\"',]+", re.IGNORECASE)


@contextlib.contextmanager
def log_context(**fields: LogValue) -> Iterator[None]:
    """Every line logged inside carries these fields (nested contexts add to the outer one)."""
    token = _context.set(MappingProxyType({**_context.get(), **fields}))
    try:
        yield
    finally:
        _context.reset(token)


def current_log_context() -> Mapping[str, LogValue]:
    return _context.get()


def mask_secrets(text: str) -> str:
    """The line with tokens in URLs, query secrets and bearer tokens replaced by ***."""
    if "bot" in text:
        text = _BOT_TOKEN.sub(r"\1***", text)
    if "=" in text:
        text = _QUERY_SECRET.sub(r"\1***", text)
    if "earer" in text:
        text = _BEARER.sub(r"\1***", text)
    return text


def describe_invalid(error: BaseException) -> str | None:
    """A validation error by its places and kinds only (None for any other error): pydantic's
    own text quotes the input — a whole update, with the citizen's name and words."""
    if not isinstance(error, ValidationError):
        return None
    found = error.errors(include_input=False, include_url=False, include_context=False)
    places = "; ".join(f"{'.'.join(map(str, e['loc']))} ({e['type']})" for e in found[:10])
    return f"ValidationError: {error.title}: {places}"
