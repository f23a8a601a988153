"""What a transition needs to know about an item's municipality, loaded once."""

from dataclasses import dataclass

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import DeadlinePolicy, Item, Municipality
from workflows.calendar.deadlines import get_calendar
from workflows.calendar.work_calendar import WorkCalendar
from workflows.core.directory import Directory, load_directory
from workflows.core.errors import NotFound


@dataclass
class MunicipalityContext:
    municipality: Municipality
    calendar: WorkCalendar
    directory: Directory
    policies: dict[int, DeadlinePolicy]

    def policy_of(self, item: Item) -> DeadlinePolicy | None:
        return self.policies.get(item.policy_id) if item.policy_id is not None else None


async def load_context(session: AsyncSession, *, municipality_id: int) -> MunicipalityContext:
    """Calendar, staff directory and policies of one municipality."""
    municipality = await session.get(Municipality, municipality_id)
    if municipality is None:
        raise NotFound(f"муниципалитет {municipality_id} не найден")
    policies = await session.exec(
        select(DeadlinePolicy).where(DeadlinePolicy.municipality_id == municipality_id)
    )
    return MunicipalityContext(
        municipality=municipality,
        calendar=await get_calendar(session, municipality=municipality),
        directory=await load_directory(session, municipality_id=municipality_id),
        policies={p.id: p for p in policies if p.id is not None},
    )
