"""Per-update context for handlers: the runtime, and who is writing (staff or citizen)."""

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, User

from models import Channel, Municipality, Staff
from workflows.actors import Actor
from workflows.jobs import Runtime
from workflows.staff import get_staff_by_telegram


class RuntimeMiddleware(BaseMiddleware):
    """Puts `rt` and, for staff accounts, `staff` and `actor` into every handler's data."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        data["rt"] = self.rt
        user: User | None = data.get("event_from_user")
        staff: Staff | None = None
        if user is not None:
            async with self.rt.sm() as s:
                staff = await get_staff_by_telegram(s, telegram_id=user.id)
        data["staff"] = staff
        data["actor"] = Actor.of_staff(staff, channel=Channel.telegram) if staff else None
        return await handler(event, data)


async def default_municipality(rt: Runtime) -> Municipality | None:
    """The municipality this bot serves: the only one, or the one named in settings."""
    from sqlmodel import select

    async with rt.sm() as s:
        rows = list(await s.exec(select(Municipality)))
    code = rt.settings.telegram_municipality
    if code:
        return next((m for m in rows if m.code == code), None)
    return rows[0] if len(rows) == 1 else None
