"""What every desk button does first: find the logged-in caller (or answer with the login page)
and read the small form it posted."""

from urllib.parse import parse_qs

from fastapi import Request
from fastapi.responses import Response
from sqlmodel.ext.asyncio.session import AsyncSession

from api.dashboard.render import render
from api.dashboard.session import Refused, forget, viewer
from workflows.core.actors import Actor
from workflows.jobs.runtime import Runtime

MAX_FORM = 4096
FOREIGN = "Форма отправлена с чужого сайта или устарела: обновите страницу и повторите."


async def desk_caller(request: Request, s: AsyncSession, rt: Runtime) -> Actor | Response:
    """The staff member behind a desk's button, or the login page to answer with instead."""
    try:
        actor = await viewer(request, s, rt, desk=True)
    except Refused as e:
        return forget(request, render(request, "login.html", e.status, error=e.reason))
    if actor is None:
        return render(request, "login.html", 401, error="Войдите в панель.")
    return actor


async def read_form(request: Request, *, max_fields: int) -> dict[str, str]:
    """The posted form's fields, each its first value, stripped and cut short; a body too long,
    undecodable or with too many fields reads as what could be read, or as nothing."""
    body = await request.body()
    try:
        parsed = parse_qs(body[:MAX_FORM].decode("utf-8", "replace"), max_num_fields=max_fields)
    except ValueError:
        parsed = {}
    return {k: v[0].strip()[:100] for k, v in parsed.items() if v}
