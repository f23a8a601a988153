"""A database error names the statement, never its parameters: they hold citizens' names,
addresses and texts, and errors end up in logs (SQLAlchemy prints them by default)."""

import pytest
from sqlalchemy.exc import IntegrityError

from models import Channel, Citizen, CitizenIdentity
from models.db import make_engine, make_sessionmaker


@pytest.mark.parametrize("dialect", ["postgres", "sqlite"])
async def test_an_integrity_error_carries_no_parameters(engine, sm, clock, dialect, sqlite_url):
    if dialect == "sqlite":
        from models.migrate import upgrade_head_async

        await upgrade_head_async(sqlite_url)
        own = make_engine(sqlite_url)
        maker = make_sessionmaker(own)
    else:
        own, maker = None, sm
    secret_name = "Магомедрасул Гаджиев, ул. Садовая 5"
    try:
        async with maker() as s:
            citizen = Citizen(created_at=clock.now(), name=secret_name)
            s.add(citizen)
            await s.flush()
            for _ in range(2):  # the same identity twice: unique (channel, external_id)
                s.add(
                    CitizenIdentity(
                        citizen_id=citizen.id or 0, channel=Channel.vk, external_id="+79031234567"
                    )
                )
            with pytest.raises(IntegrityError) as err:
                await s.flush()
        text = str(err.value)
        assert "INSERT INTO citizenidentity" in text, "the statement is still named"
        assert "+79031234567" not in text and secret_name not in text
    finally:
        if own is not None:
            await own.dispose()
