"""Social-network monitoring for those who run it: the watched sources of a municipality, each
read or unavailable (and why), and when it was last read."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel
from sqlmodel import select

from api.deps import Caller, Session
from api.refusals import refusals
from models import Municipality, Role
from workflows.core.errors import Forbidden, Invalid, NotFound
from workflows.incidents.monitoring import get_source_states

router = APIRouter(
    prefix="/api/v1/monitoring", tags=["monitoring"], responses=refusals(401, 403, 404, 422)
)
VIEWERS = (Role.operator, Role.head, Role.admin, Role.curator)
MAX_CODE = 64


class SourceOut(BaseModel):
    name: str
    owner_id: int
    link: str
    available: bool
    state: str  # «читается», «недоступен: …», «ещё не читался»
    read_at: datetime | None
    checked_at: datetime | None


@router.get("/sources", response_model=list[SourceOut])
async def sources(
    s: Session,
    actor: Caller,
    municipality: Annotated[
        str | None, Query(description="код муниципалитета; без него — свой", max_length=MAX_CODE)
    ] = None,
) -> list[SourceOut]:
    """The municipality's watched walls with their states (empty when monitoring is off)."""
    if actor.role not in VIEWERS:
        raise Forbidden("состояние мониторинга доступно оператору, руководителю и администратору")
    if municipality:
        found = (
            await s.exec(select(Municipality).where(Municipality.code == municipality))
        ).first()
        if found is None:
            raise NotFound(f"муниципалитет «{municipality}» не найден")
        if not actor.sees_municipality(found.id or 0):
            raise Forbidden(f"токен выдан для другого муниципалитета: «{municipality}» недоступен")
        municipality_id = found.id or 0
    elif actor.municipality_id is not None:
        municipality_id = actor.municipality_id
    else:
        raise Invalid("укажите муниципалитет: municipality=<код>")
    return [
        SourceOut(
            name=st.name,
            owner_id=st.owner_id,
            link=f"https://vk.com/wall{st.owner_id}",
            available=st.available,
            state=st.state,
            read_at=st.read_at,
            checked_at=st.checked_at,
        )
        for st in await get_source_states(s, municipality_id)
    ]
