"""What a setup says about 59-ФЗ appeals: the competent bodies they are forwarded to."""

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import CompetentBody
from workflows.setup.schema import SetupSpec
from workflows.setup.upsert import ApplyReport, upsert


async def apply_appeals(
    session: AsyncSession, report: ApplyReport, mid: int, spec: SetupSpec
) -> None:
    """The bodies the file names; those it no longer names are switched off (forwards and
    complaints already made still name them)."""
    named = set()
    for b in spec.bodies:
        await upsert(
            session,
            report,
            CompetentBody,
            {"municipality_id": mid, "code": b.code},
            {"name": b.name, "address": b.address, "email": b.email, "active": True},
            "органов",
        )
        named.add(b.code)
    for row in await session.exec(
        select(CompetentBody).where(CompetentBody.municipality_id == mid)
    ):
        if row.code not in named and row.active:
            row.active = False
            report.counts["органов отключено"] += 1
