"""The competent bodies appeals are forwarded to (59-ФЗ ст. 8 ч. 3): staff look up body_id here."""

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from api.deps import Caller, Session
from api.refusals import refusals
from api.schemas import MAX_ID
from workflows.core.errors import Invalid, NotFound
from workflows.items.appeal.bodies import get_bodies

router = APIRouter(
    prefix="/api/v1/bodies", tags=["appeals"], responses=refusals(401, 403, 404, 422)
)


class BodyPublic(BaseModel):
    id: int
    code: str
    name: str
    address: str | None
    email: str | None
    active: bool


@router.get("", response_model=list[BodyPublic])
async def list_bodies(
    s: Session,
    actor: Caller,
    municipality_id: Annotated[int | None, Query(gt=0, le=MAX_ID)] = None,
    include_inactive: bool = False,
) -> list[BodyPublic]:
    """The municipality's bodies (by default those an appeal may be forwarded to now)."""
    mid = municipality_id or actor.municipality_id
    if mid is None:
        raise Invalid("укажите муниципалитет: ?municipality_id=…")
    if not actor.sees_municipality(mid):
        raise NotFound(f"муниципалитет {mid} не найден")
    rows = await get_bodies(s, municipality_id=mid, active_only=not include_inactive)
    return [BodyPublic.model_validate(b, from_attributes=True) for b in rows]
