"""Open311 GeoReport v2: a municipality's sectors as services, its items as service requests.

jurisdiction_id is the municipality's code; api_key is one of our API tokens. Refusals come in
Open311's own form, `[{"code": 400, "description": "…"}]`, not the rest of the API's: every
route answers through `open311` (common.py), which turns our errors into that form.
"""

import re

from fastapi import APIRouter, Response

from api.open311 import post, requests, services
from api.open311.common import MAX_PARAM, PREFIX, error

router = APIRouter(prefix=PREFIX, tags=["open311"])
router.include_router(services.router)
router.include_router(requests.router)
router.include_router(post.router)


# Everything else under /open311/v2: after the routes above, which it would otherwise shadow.

# Each resource and the methods it answers (a 405 names them in `Allow`, as RFC 9110 asks).
KNOWN = (
    (re.compile(r"^(discovery|services)\.json$"), "GET"),
    (re.compile(r"^requests\.json$"), "GET, POST"),
    (re.compile(r"^requests/[^/]+\.json$"), "GET"),
)


# Every method a client may try, so that each is answered here, in Open311's form, with `Allow`.
ANY_METHOD = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "QUERY"]


@router.api_route("/{rest:path}", methods=ANY_METHOD, include_in_schema=False)
async def elsewhere(rest: str) -> Response:
    """XML is not served; other paths and methods are refused in Open311's form too."""
    if rest.lower().endswith(".xml"):
        return error(400, "поддерживается только JSON: запросите тот же адрес с окончанием .json")
    for pattern, methods in KNOWN:
        if pattern.match(rest):
            return error(
                405, f"этот метод здесь не поддерживается; можно: {methods}", Allow=methods
            )
    return error(404, f"в Open311 нет ресурса «{rest[:MAX_PARAM]}»")
