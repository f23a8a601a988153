"""Consent to personal data processing (152-ФЗ): each consent names the version of the text the
citizen agreed to, and that text is kept word for word (workflows/citizens/erasure.py withdraws
it)."""

from datetime import datetime

from sqlalchemy import or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Channel, Citizen, CitizenIdentity, Consent, ConsentText
from workflows.citizens.identity import do_create_citizen, get_citizen_by_identity
from workflows.core.errors import Invalid
from workflows.core.tx import committing


async def check_give_consent(
    session: AsyncSession,
    *,
    channel: Channel,
    external_id: str,
    text_version: str,
    text: str,
    now: datetime,
    municipality_id: int | None = None,
) -> Citizen:
    """Record consent to personal data processing (152-ФЗ), given to the municipality's
    administration, and the citizen it creates (a citizen who consented to another one keeps
    their record and gains a consent)."""
    async with committing(session):
        await do_keep_consent_text(session, version=text_version, text=text, now=now)
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
        if await get_consented(
            session, citizen_id=citizen.id or 0, municipality_id=municipality_id
        ):
            return citizen
        session.add(
            Consent(
                citizen_id=citizen.id or 0,
                municipality_id=municipality_id,
                text_version=text_version,
                given_at=now,
                channel=channel,
                external_id=external_id,
            )
        )
        return citizen


async def do_keep_consent_text(
    session: AsyncSession, *, version: str, text: str, now: datetime
) -> None:
    """Keep the text of a consent version; a version's text never changes once kept (a changed
    text needs a new version: the consents given before name the old one)."""
    kept = await session.get(ConsentText, version)
    if kept is None:
        session.add(ConsentText(version=version, text=text, created_at=now))
        await session.flush()
    elif kept.text != text:
        raise Invalid(
            f"текст согласия версии {version} изменился: задайте новую версию (CONSENT_VERSION)"
        )


async def get_consented(
    session: AsyncSession, *, citizen_id: int, municipality_id: int | None
) -> bool:
    """Whether the citizen's consent covers this municipality: one given to it, or one given
    before consents named a municipality (a bot serving one)."""
    query = select(Consent.id).where(
        Consent.citizen_id == citizen_id, col(Consent.withdrawn_at).is_(None)
    )
    if municipality_id is not None:
        query = query.where(
            or_(
                col(Consent.municipality_id).is_(None),
                col(Consent.municipality_id) == municipality_id,
            )
        )
    return (await session.exec(query.limit(1))).first() is not None
