"""Discovery and services: where the API is, and a municipality's sectors as Open311 services."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.deps import Session
from api.open311.common import CHANGESET, ERRORS, PREFIX, SPEC, jurisdiction, open311, sectors_of
from api.open311.shapes import Discovery, Service
from models import Municipality, RoutingRule, Staff

router = APIRouter()


@router.get(
    "/discovery.json",
    summary="Open311: описание точки доступа",
    response_model=Discovery,
    responses=ERRORS,
)
@open311
async def discovery(request: Request) -> dict[str, Any]:
    """Где API, какой спецификации следует и в каком формате отвечает (открыто всем)."""
    return {
        "changeset": CHANGESET,
        "contact": "Муниципальный центр управления (МЦУ); по вопросам API — администратор МЦУ",
        "key_service": "api_key — токен API МЦУ; его выдаёт администратор (POST /api/v1/tokens)",
        "endpoints": [
            {
                "specification": SPEC,
                "url": str(request.base_url).rstrip("/") + PREFIX,
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["application/json"],
            }
        ],
    }


@router.get(
    "/services.json",
    summary="Open311: услуги — отраслевые блоки",
    response_model=list[Service],
    responses=ERRORS,
)
@open311
async def services(
    s: Session,
    jurisdiction_id: Annotated[str | None, Query(description="код муниципалитета")] = None,
) -> list[dict[str, Any]]:
    """Отраслевые блоки муниципалитета как услуги Open311 (открыто всем)."""
    municipality = await jurisdiction(s, jurisdiction_id)
    sectors = await sectors_of(s, municipality)
    keywords = await _keywords(s, municipality)
    return [
        {
            "service_code": sec.code,
            "service_name": sec.name,
            "description": f"Сообщения о проблемах: {sec.name}",
            "metadata": False,
            "type": "realtime",
            "keywords": ", ".join(keywords.get(sec.id or 0, [])),
            "group": municipality.name,
        }
        for sec in sectors
    ]


async def _keywords(s: AsyncSession, municipality: Municipality) -> dict[int, list[str]]:
    """Routing keywords by sector: a rule's own sector, or else its assignee's."""
    rules = await s.exec(
        select(RoutingRule).where(
            RoutingRule.municipality_id == municipality.id, col(RoutingRule.active).is_(True)
        )
    )
    staff = dict(
        (
            await s.exec(
                select(Staff.id, Staff.sector_id).where(Staff.municipality_id == municipality.id)
            )
        ).all()
    )
    out: dict[int, list[str]] = {}
    for rule in rules:
        sector = rule.sector_id or staff.get(rule.assignee_id)
        if sector is not None:
            words = out.setdefault(sector, [])
            words += [w for w in rule.keywords if w not in words]
    return out
