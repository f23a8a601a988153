"""Letters to an appeal's citizen from the lifecycle's actions: written where they gave a reply
address, skipped (and said so in the event) where there is none."""

from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from models import Item, Letter
from workflows.calendar.deadlines import local_date
from workflows.calendar.work_calendar import WorkCalendar
from workflows.items.context import MunicipalityContext
from workflows.notifications.letters import do_write_letter, get_citizen_addressee


def ru_date(calendar: WorkCalendar, moment: datetime) -> str:
    """A moment as the local date a letter names: 02.12.2026."""
    return local_date(calendar, moment).strftime("%d.%m.%Y")


async def do_letter_citizen(
    session: AsyncSession,
    *,
    ctx: MunicipalityContext,
    item: Item,
    kind: str,
    facts: dict[str, Any],
    now: datetime,
) -> Letter | None:
    """The letter of `kind` to the citizen at their reply address; None when there is none
    (anonymous, erased, or no address given)."""
    to = await get_citizen_addressee(session, item=item)
    if to is None:
        return None
    registered = ru_date(ctx.calendar, item.registered_at)
    return await do_write_letter(
        session,
        item=item,
        kind=kind,
        facts={"registered_date": registered, **facts},
        to=to,
        now=now,
    )
