"""Telegram webhook intake: check the secret, save the update to the inbox, then answer 200.
Processing happens after, from the inbox, so an update acknowledged is never lost."""

import hmac
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from pydantic import SecretStr

from api.bots import telegram_bot
from api.deps import Rt
from api.edge import parse_json
from models import Channel
from workflows.intake.inbox import do_save_update
from workflows.jobs.runtime import Runtime

router = APIRouter(tags=["telegram"])
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_UPDATE = 1_000_000
MAX_ID = 2**53  # Telegram's ids fit a double; beyond, not an update


@router.post("/telegram/webhook", include_in_schema=False)
async def webhook(request: Request, rt: Rt) -> dict[str, Any]:
    """The environment's bot (TELEGRAM_TOKEN, TELEGRAM_WEBHOOK_SECRET)."""
    return await _intake(request, rt, rt.settings.telegram_webhook_secret, prefix="")


@router.post("/telegram/webhook/{bot_id}", include_in_schema=False)
async def bot_webhook(bot_id: int, request: Request, rt: Rt) -> dict[str, Any]:
    """A bot a municipality's setup names, by its id, with its own secret."""
    spec = await telegram_bot(rt, bot_id)
    if spec is None:
        raise HTTPException(404, "этот бот здесь не обслуживается")
    return await _intake(request, rt, spec.secret, prefix=f"{bot_id}:")


async def _intake(
    request: Request, rt: Runtime, secret: SecretStr | None, *, prefix: str
) -> dict[str, Any]:
    given = request.headers.get(SECRET_HEADER, "")
    if secret is None or not hmac.compare_digest(
        given.encode(), secret.get_secret_value().encode()
    ):
        raise HTTPException(401, "неверный секрет вебхука")
    raw = await request.body()
    if len(raw) > MAX_UPDATE:
        raise HTTPException(413, "обновление слишком большое")
    update = parse_json(raw)
    update_id = update.get("update_id") if isinstance(update, dict) else None
    # Strictly a Telegram update: an object with a whole-number id in range (not `true`, not
    # "7", not 70 digits).
    if type(update_id) is not int or not 0 <= update_id < MAX_ID:
        raise HTTPException(400, "это не обновление Telegram")
    new = await do_save_update(
        rt.engine,
        channel=Channel.telegram,
        update_id=f"{prefix}{update_id}",
        payload=update,
        now=rt.clock.now(),
    )
    wake = getattr(request.app.state, "inbox_wake", None)
    if new and wake is not None:
        wake.set()
    press = update.get("callback_query")
    if new and isinstance(press, dict) and isinstance(press.get("id"), str):
        # The press is acknowledged in the webhook's reply, at once: Telegram's answer window
        # is seconds, and the press may wait behind its chat's earlier updates.
        return {"method": "answerCallbackQuery", "callback_query_id": press["id"]}
    return {"ok": True, "duplicate": not new}
