"""The one transaction of a `check_*` function: its changes commit together, or none do."""

import contextlib
from collections.abc import AsyncIterator

from sqlalchemy.sql import Executable
from sqlmodel.ext.asyncio.session import AsyncSession


@contextlib.asynccontextmanager
async def committing(session: AsyncSession) -> AsyncIterator[AsyncSession]:
    """Commit what the block changed when it ends; roll it back on any exception (a refusal, a
    failed commit, a cancelled task), so that a refused request leaves nothing behind."""
    try:
        yield session
        await session.commit()
    except BaseException:
        await session.rollback()
        raise


async def changed(session: AsyncSession, statement: Executable) -> int:
    """Run a bulk UPDATE or DELETE in the session's transaction; how many rows it touched."""
    result = await session.execute(statement)
    return int(getattr(result, "rowcount", 0) or 0)
