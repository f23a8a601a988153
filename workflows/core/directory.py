"""A municipality's staff by role and sector, with sector and locality names: who "the sector
lead" or "the head" of an item is, loaded once per transaction or batch."""

from dataclasses import dataclass, field

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Item, Locality, Municipality, Role, Sector, Staff


@dataclass
class Directory:
    """A municipality's staff by role and sector, loaded once per transaction or batch."""

    by_id: dict[int, Staff] = field(default_factory=dict)
    by_role: dict[Role, list[Staff]] = field(default_factory=dict)
    leads: dict[int, list[Staff]] = field(default_factory=dict)
    sectors: dict[int, str] = field(default_factory=dict)
    localities: dict[int, str] = field(default_factory=dict)
    tz: str = "Europe/Moscow"

    def targets(self, item: Item, who: str) -> list[Staff]:
        """Staff that `who` (a ladder's notify target) means for an item."""
        if who == "assignee":
            staff = self.by_id.get(item.assignee_id or -1)
            # An unassigned item's "assignee" is the triage desk: the operators.
            return [staff] if staff else self.by_role.get(Role.operator, [])
        if who == "sector_lead":
            leads = self.leads.get(item.sector_id or -1, [])
            # No lead for the sector (or no sector yet): the step goes to the head instead.
            return leads or self.by_role.get(Role.head, [])
        # Where a setup names no officer for ПОС (or no глава), the rung still reaches someone.
        fallback = {"pos_officer": Role.operator, "glava": Role.head}.get(who)
        named = self.by_role.get(Role(who), [])
        return named or (self.by_role.get(fallback, []) if fallback else [])


async def load_directory(session: AsyncSession, *, municipality_id: int) -> Directory:
    """Active staff, sector and locality names of one municipality."""
    municipality = await session.get(Municipality, municipality_id)
    d = Directory(tz=municipality.tz if municipality else "Europe/Moscow")
    staff_rows = await session.exec(
        select(Staff).where(Staff.municipality_id == municipality_id, col(Staff.active))
    )
    for s in staff_rows:
        assert s.id is not None
        d.by_id[s.id] = s
        d.by_role.setdefault(s.role, []).append(s)
        if s.role is Role.sector_lead and s.sector_id is not None:
            d.leads.setdefault(s.sector_id, []).append(s)
    for sec in await session.exec(select(Sector).where(Sector.municipality_id == municipality_id)):
        assert sec.id is not None
        d.sectors[sec.id] = sec.name
    for loc in await session.exec(
        select(Locality).where(Locality.municipality_id == municipality_id)
    ):
        assert loc.id is not None
        d.localities[loc.id] = loc.name
    return d
