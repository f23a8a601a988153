"""The competent bodies appeals are forwarded to (ст. 8 ч. 3): the municipality's list, and the
one a forward names, checked."""

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import CompetentBody
from workflows.core.errors import Invalid

HOW_TO_FIND = "список органов муниципалитета — GET /api/v1/bodies (их задаёт настройка, bodies:)"


async def get_bodies(
    session: AsyncSession, *, municipality_id: int, active_only: bool = True
) -> list[CompetentBody]:
    """The municipality's bodies by name; those the setup no longer names only on request."""
    q = select(CompetentBody).where(CompetentBody.municipality_id == municipality_id)
    if active_only:
        q = q.where(col(CompetentBody.active).is_(True))
    return list(await session.exec(q.order_by(col(CompetentBody.name), col(CompetentBody.id))))


async def get_forward_body(
    session: AsyncSession, *, municipality_id: int, body_id: int | None
) -> CompetentBody:
    """The active body of this municipality a forward names; otherwise a refusal that says
    where the list is."""
    if body_id is None:
        raise Invalid(f"укажите, в какой орган переадресовать (body_id): {HOW_TO_FIND}")
    body = await session.get(CompetentBody, body_id)
    if body is None or body.municipality_id != municipality_id:
        raise Invalid(f"орган {body_id} не найден среди органов муниципалитета: {HOW_TO_FIND}")
    if not body.active:
        raise Invalid(
            f"орган «{body.name}» больше не указан в настройке, переадресовать туда нельзя: "
            f"{HOW_TO_FIND}"
        )
    return body
