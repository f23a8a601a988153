"""A week of growth with two clear problems and noise, seeded into the test municipality: roads
in the hamlet, nothing there before (the kit of tests/workflows/reports/test_causes.py's texts)."""

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.workflows.reports.test_causes import BINS, ICE, NOISE
from tests.workflows.reports.test_reports import at, ids, seed

PHONE = "8-912-345-67-89"  # typed by a citizen into one ice text: never in the note


async def seed_problems(sm: async_sessionmaker[AsyncSession], muni: int) -> dict[str, list[str]]:
    """Twelve items about ice on roofs, eight about bins, four others, all registered in week 45
    in the hamlet under roads; returns their texts by problem."""
    k = await ids(sm, muni)
    texts = {
        "ice": [t.format(n=i) for i in range(3) for t in ICE[:4]],
        "bins": [t.format(n=i) for i in range(2) for t in BINS],
        "noise": NOISE[:4],
    }
    texts["ice"][0] += f", звоните {PHONE}"
    hour = 0
    for group in ("ice", "bins", "noise"):
        for text in texts[group]:
            day, h = divmod(hour, 8)
            await seed(
                sm, muni, sector_id=k["roads"], locality_id=k["hamlet"],
                registered_at=at(3 + day, 9 + h), text=text,
            )  # fmt: skip
            hour += 1
    return texts
