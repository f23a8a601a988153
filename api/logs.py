"""Keeping secrets out of the access log: an Open311 `api_key` in a URL is logged masked."""

import logging
import re

KEY_IN_URL = re.compile(r"(api_key=)[^&\s]+", re.IGNORECASE)


class MaskKeys(logging.Filter):
    """For uvicorn's access logger: its record's arguments hold the request's path and query."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                KEY_IN_URL.sub(r"\1***", a) if isinstance(a, str) else a for a in record.args
            )
        return True


def mask_access_log() -> None:
    """Install the filter (after uvicorn has configured its loggers)."""
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, MaskKeys) for f in access.filters):
        access.addFilter(MaskKeys())
