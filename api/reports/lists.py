"""Lists of items: overdue now, waiting for the head's decision, and the period's export."""

from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from sqlmodel.ext.asyncio.session import AsyncSession

from api.deps import Session
from api.reports.exports import item_list, items_sheet, names_of
from api.reports.files import FILES, file_response
from api.reports.query import Ask, Q
from api.reports.shapes import ItemsReport, OpenItemOut, OpenItemsReport, head
from models import ItemStatus, Sector, Staff
from workflows.items.transitions import STATUS_RU
from workflows.reports.exports import Sheet
from workflows.reports.lists import get_decisions, get_overdue

router = APIRouter()


async def _open_items(s: AsyncSession, rows: list[dict[str, Any]]) -> list[OpenItemOut]:
    sectors = await names_of(s, Sector, (r["sector_id"] for r in rows))
    staff = await names_of(s, Staff, (r["assignee_id"] for r in rows))
    return [
        OpenItemOut(
            **r,
            status_ru=STATUS_RU[ItemStatus(r["status"])],
            sector=sectors.get(r["sector_id"]) if r["sector_id"] else None,
            assignee=staff.get(r["assignee_id"]) if r["assignee_id"] else None,
        )
        for r in rows
    ]


def _open_file(q: Ask, name: str, title: str, items: Sequence[OpenItemOut]) -> Response:
    why = name == "decisions"
    header = ["Номер", "Статус", "Блок", "Исполнитель", "Зарегистрировано", "Срок"]
    header += ["Просрочено на, ч", "Текст", *(["Почему ждёт решения"] if why else [])]
    table = [
        [
            *(i.number, i.status_ru, i.sector, i.assignee, i.registered_at, i.due_at),
            *(i.overdue_hours, i.text, *([i.why] if why else [])),
        ]
        for i in items
    ]
    stamp = q.now.astimezone(q.period.tz).date().isoformat()  # a list of now, not of the period
    widths = (18, 22, 20, 28, 18, 18, 12, 60, 20)
    return file_response(q, name, Sheet(title, header, table, widths), stamp=stamp)


Limit = Annotated[int, Query(ge=1, le=1000, description="сколько строк показать")]


@router.get(
    "/overdue", summary="Просроченные сейчас", response_model=OpenItemsReport, responses=FILES
)
async def overdue(s: Session, q: Q, limit: Limit = 100) -> Response | OpenItemsReport:
    """Открытые обращения, у которых срок уже прошёл, сначала самые давние (на сейчас)."""
    items = await _open_items(s, await get_overdue(s, scope=q.scope, now=q.now, limit=limit))
    if q.fmt == "json":
        return OpenItemsReport(**head(q), items=items)
    return _open_file(q, "overdue", "Просрочено", items)


@router.get(
    "/decisions",
    summary="Ждут решения руководителя",
    response_model=OpenItemsReport,
    responses=FILES,
)
async def decisions(s: Session, q: Q, limit: Limit = 100) -> Response | OpenItemsReport:
    """Запросы продления, открытые повторно и нераспределённые обращения (на сейчас)."""
    items = await _open_items(s, await get_decisions(s, scope=q.scope, now=q.now, limit=limit))
    if q.fmt == "json":
        return OpenItemsReport(**head(q), items=items)
    return _open_file(q, "decisions", "Ждут решения", items)


@router.get(
    "/items", summary="Обращения периода для выгрузки", response_model=ItemsReport, responses=FILES
)
async def items(s: Session, q: Q) -> Response | ItemsReport:
    """Обращения, зарегистрированные в периоде, без персональных данных граждан."""
    out = await item_list(s, scope=q.scope, period=q.period, now=q.now)
    if q.fmt == "json":
        return ItemsReport(**head(q), items=out)
    return file_response(q, "items", items_sheet(out))
