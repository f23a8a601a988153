"""VK Callback API intake, one path per community (/vk/callback/<group id>): the confirmation
request answered with the community's code, the secret checked in constant time, the event
saved to the inbox (deduplicated by event_id) before answering `ok`. What is not an event of
ours is refused with a 4xx and nothing saved; what we only ignore is answered `ok`, so VK
does not retry it forever."""

import hmac
import json
import time
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import PlainTextResponse

from api.deps import Rt
from models import Channel
from workflows.intake.inbox import do_save_update, get_vk_update_id
from workflows.jobs.runtime import Runtime
from workflows.setup.bots import BotSpec, get_bot_specs

router = APIRouter(tags=["vk"])
MAX_EVENT = 1_000_000
SPECS_TTL = 30.0  # seconds the endpoint trusts its list of communities (a setup may change)
_cache: dict[int, tuple[float, dict[int, BotSpec]]] = {}


async def communities(rt: Runtime) -> dict[int, BotSpec]:
    kept = _cache.get(id(rt))
    if kept is None or time.monotonic() - kept[0] > SPECS_TTL:
        async with rt.sm() as s:
            specs, _ = await get_bot_specs(s, rt.settings)
        found = {s.group_id: s for s in specs if s.channel is Channel.vk and s.group_id is not None}
        kept = _cache[id(rt)] = (time.monotonic(), found)
    return kept[1]


@router.post("/vk/callback/{group_id}", include_in_schema=False)
async def callback(group_id: int, request: Request, rt: Rt) -> PlainTextResponse:
    spec = (await communities(rt)).get(group_id)
    if spec is None:
        raise HTTPException(403, "это сообщество здесь не обслуживается")
    raw = await request.body()
    if len(raw) > MAX_EVENT:
        raise HTTPException(413, "событие слишком большое")
    try:
        body: Any = json.loads(raw)
    except ValueError as e:
        raise HTTPException(400, "это не событие ВКонтакте") from e
    if not isinstance(body, dict) or body.get("group_id") != group_id:
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
