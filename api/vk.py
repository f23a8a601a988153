"""VK Callback API intake, one path per community (/vk/callback/<group id>): the confirmation
request answered with the community's code, the secret checked in constant time, the event
saved to the inbox (deduplicated by event_id) before answering `ok`. What is not an event of
ours is refused with a 4xx and nothing saved; what we only ignore is answered `ok`, so VK
does not retry it forever."""

import hmac
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import PlainTextResponse

from api.bots import vk_community
from api.deps import Rt
from api.edge import parse_json
from models import Channel
from workflows.intake.inbox import do_save_update, get_vk_update_id

router = APIRouter(tags=["vk"])
MAX_EVENT = 1_000_000


@router.post("/vk/callback/{group_id}", include_in_schema=False)
async def callback(group_id: int, request: Request, rt: Rt) -> PlainTextResponse:
    spec = await vk_community(rt, group_id)
    if spec is None:
        raise HTTPException(403, "это сообщество здесь не обслуживается")
    raw = await request.body()
    if len(raw) > MAX_EVENT:
        raise HTTPException(413, "событие слишком большое")
    body: Any = parse_json(raw, what="это не событие ВКонтакте")
    given_group = body.get("group_id") if isinstance(body, dict) else None
    if type(given_group) is not int or given_group != group_id:
        raise HTTPException(403, "событие другого сообщества")
    if body.get("type") == "confirmation":
        if not spec.confirmation:
            raise HTTPException(403, "код подтверждения сервера не задан")
        return PlainTextResponse(spec.confirmation)
    given = body.get("secret")
    expected = spec.secret.get_secret_value() if spec.secret else None
    if (
        expected is None
        or not isinstance(given, str)
        or not hmac.compare_digest(given.encode(), expected.encode())
    ):
        raise HTTPException(403, "неверный секретный ключ")
    update_id = get_vk_update_id(body)
    if update_id is None:
        return PlainTextResponse("ok")  # not an event we can use: retrying would not help
    body.pop("secret", None)  # never kept
    new = await do_save_update(
        rt.engine, channel=Channel.vk, update_id=update_id, payload=body, now=rt.clock.now()
    )
    wake = getattr(request.app.state, "vk_wake", None)
    if new and wake is not None:
        wake.set()
    return PlainTextResponse("ok")
