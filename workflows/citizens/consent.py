"""Consent to personal data processing (152-ФЗ), and its withdrawal: the right to erasure."""

from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Channel, Citizen, CitizenIdentity, Consent
from workflows.citizens.identity import do_create_citizen, get_citizen_by_identity
from workflows.core.tx import committing


async def check_give_consent(
    session: AsyncSession, *, channel: Channel, external_id: str, text_version: str, now: datetime
) -> Citizen:
    """Record consent to personal data processing (152-ФЗ) and the citizen it creates."""
    async with committing(session):
        citizen = await get_citizen_by_identity(session, channel=channel, external_id=external_id)
        if citizen is None:
            citizen = await do_create_citizen(session, name=None, phone=None, address=None, now=now)
            identity = (
                await session.exec(
                    select(CitizenIdentity).where(
                        CitizenIdentity.channel == channel,
                        CitizenIdentity.external_id == external_id,
                    )
                )
            ).first()
            if identity is None:
                session.add(
                    CitizenIdentity(
                        citizen_id=citizen.id or 0, channel=channel, external_id=external_id
                    )
                )
            else:  # the old citizen was erased: the account starts afresh
                identity.citizen_id = citizen.id or 0
        session.add(
            Consent(
                citizen_id=citizen.id or 0,
                text_version=text_version,
                given_at=now,
                channel=channel,
                external_id=external_id,
            )
        )
        return citizen


async def check_erase_citizen(
    session: AsyncSession, *, channel: Channel, external_id: str, now: datetime
) -> bool:
    """The citizen's right to erasure: personal data cleared, consents withdrawn, the chat
    account unlinked; items stay (their text is the municipality's record) without a name."""
    citizen = await get_citizen_by_identity(session, channel=channel, external_id=external_id)
    if citizen is None:
        return False
    async with committing(session):
        citizen.name = citizen.phone = citizen.address = None
        citizen.erased_at = now
        for consent in await session.exec(
            select(Consent).where(
                Consent.citizen_id == citizen.id, col(Consent.withdrawn_at).is_(None)
            )
        ):
            consent.withdrawn_at = now
        for identity in await session.exec(
            select(CitizenIdentity).where(CitizenIdentity.citizen_id == citizen.id)
        ):
            await session.delete(identity)
        return True
