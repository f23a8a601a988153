"""Keeping secrets out of the access log: an Open311 `api_key` (or any query secret) in a URL
is logged masked, whatever formatter the access logger writes through."""

import logging

from workflows.core.logs import mask_secrets


class MaskKeys(logging.Filter):
    """For uvicorn's access logger: its record's arguments hold the request's path and query."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(mask_secrets(a) if isinstance(a, str) else a for a in record.args)
        return True


def mask_access_log() -> None:
    """Install the filter (after uvicorn has configured its loggers)."""
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, MaskKeys) for f in access.filters):
        access.addFilter(MaskKeys())
