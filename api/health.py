"""Readiness (/readyz) and Prometheus metrics (/metrics); /healthz, the liveness, is in app.py."""

import hmac
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials
from prometheus_client import CONTENT_TYPE_LATEST
from pydantic import BaseModel

from api.deps import Rt, Session, bearer
from models import Role
from workflows.core.errors import Forbidden
from workflows.jobs.health import get_readiness
from workflows.jobs.metrics import render_metrics
from workflows.staff.tokens import get_token_actor

router = APIRouter(tags=["health"])
METRICS_ROLES = (Role.admin, Role.curator)


class CheckOut(BaseModel):
    ok: bool
    detail: str


class ReadyOut(BaseModel):
    status: str
    checks: dict[str, CheckOut]


class NotReadyOut(BaseModel):
    error: str
    reason: str
    checks: dict[str, CheckOut]


@router.get(
    "/readyz",
    response_model=ReadyOut,
    responses={503: {"model": NotReadyOut, "description": "не готово: какие проверки не прошли"}},
)
async def readyz(rt: Rt) -> ReadyOut | JSONResponse:
    """Readiness: the database, Redis (when configured), the worker's and the bots'
    heartbeats, recent dead letters."""
    ready = await get_readiness(rt)
    checks = {n: CheckOut(ok=c.ok, detail=c.detail) for n, c in ready.checks.items()}
    if ready.ok:
        return ReadyOut(status="ready", checks=checks)
    body = NotReadyOut(
        error="not_ready", reason="не готово: " + ", ".join(ready.failed), checks=checks
    )
    return JSONResponse(body.model_dump(), status_code=503)


async def metrics_reader(
    rt: Rt,
    s: Session,
    cred: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> None:
    """MCU_METRICS_TOKEN (a scraper's), or an admin's or curator's API token."""
    token = cred.credentials if cred is not None else ""
    if not token:
        raise HTTPException(
            401,
            "нужен токен: Authorization: Bearer <MCU_METRICS_TOKEN или токен администратора>",
            headers={"WWW-Authenticate": "Bearer"},
        )
    own = rt.settings.metrics_token
    if own is not None and hmac.compare_digest(token.encode(), own.get_secret_value().encode()):
        return
    try:
        actor = await get_token_actor(s, token=token, bootstrap=rt.settings.bootstrap_admin_token)
    except Forbidden as e:
        raise HTTPException(401, e.reason, headers={"WWW-Authenticate": "Bearer"}) from e
    if actor.role not in METRICS_ROLES:
        raise HTTPException(403, "метрики доступны администратору и куратору")


@router.get(
    "/metrics",
    response_class=Response,
    dependencies=[Depends(metrics_reader)],
    responses={
        200: {"content": {CONTENT_TYPE_LATEST: {}}, "description": "метрики Prometheus"},
        401: {"description": "нет токена или он неверен"},
        403: {"description": "роль токена не допускает"},
    },
)
async def metrics(rt: Rt) -> Response:
    """Prometheus metrics: inbox lag, outbox backlog and dead letters, overdue timers, sends
    by channel and result, 429s."""
    return Response(await render_metrics(rt), media_type=CONTENT_TYPE_LATEST)
