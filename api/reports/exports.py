"""The period's items as an export (the API's and the dashboard's): names instead of ids, never
a citizen's personal data."""

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.reports.shapes import ItemOut
from models import Channel, Item, ItemKind, Locality, Sector, Staff
from workflows.calendar.periods import Period
from workflows.core.errors import Invalid
from workflows.items.transitions import CHANNEL_RU, KIND_RU, OPEN, STATUS_RU
from workflows.reports.exports import Sheet
from workflows.reports.lists import select_items
from workflows.reports.scope import Scope

MAX_EXPORT = 100_000  # items in one export; a longer list is a database dump, not a report
ITEM_HEADER = (
    "Номер",
    "Зарегистрировано",
    "Вид",
    "Канал",
    "Отраслевой блок",
    "Населённый пункт",
    "Статус",
    "Исполнитель",
    "Срок",
    "Взято в работу",
    "Ответ",
    "Просрочено",
    "До ответа, раб. ч",
    "Решено",
    "Оценка",
    "Текст",
)


def _item_out(i: Item, now: datetime, names: dict[str, dict[int, str]]) -> ItemOut:
    late = i.due_at is not None and (
        (i.answered_at is not None and i.answered_at > i.due_at)
        or (i.status in OPEN and i.due_at < now)
    )
    return ItemOut(
        number=i.number,
        registered_at=i.registered_at,
        kind=i.kind.value,
        channel=i.channel.value,
        sector=names["sector"].get(i.sector_id or 0),
        locality=names["locality"].get(i.locality_id or 0),
        status=i.status.value,
        status_ru=STATUS_RU[i.status],
        assignee=names["staff"].get(i.assignee_id or 0),
        due_at=i.due_at,
        taken_at=i.taken_at,
        answered_at=i.answered_at,
        late=late,
        answer_hours=None if i.answer_wsec is None else round(i.answer_wsec / 3600, 2),
        solved=i.solved,
        rating=i.rating,
        text=i.text,
    )


async def item_list(
    s: AsyncSession, *, scope: Scope, period: Period, now: datetime
) -> list[ItemOut]:
    """The period's items with names for ids (the API's and the dashboard's export)."""
    found = list((await s.execute(select_items(scope, period).limit(MAX_EXPORT + 1))).scalars())
    if len(found) > MAX_EXPORT:
        raise Invalid(f"в периоде больше {MAX_EXPORT} обращений: выберите период короче")
    names = {
        "sector": await names_of(s, Sector, (i.sector_id for i in found)),
        "locality": await names_of(s, Locality, (i.locality_id for i in found)),
        "staff": await names_of(s, Staff, (i.assignee_id for i in found)),
    }
    return [_item_out(i, now, names) for i in found]


def items_sheet(out: Sequence[ItemOut]) -> Sheet:
    table = [
        [
            *(o.number, o.registered_at, KIND_RU[ItemKind(o.kind)], CHANNEL_RU[Channel(o.channel)]),
            *(o.sector, o.locality, o.status_ru, o.assignee, o.due_at, o.taken_at, o.answered_at),
            *(_yes(o.late), o.answer_hours, _yes(o.solved), o.rating, o.text),
        ]
        for o in out
    ]
    widths = (18, 18, 16, 12, 20, 20, 22, 28, 18, 18, 18, 11, 10, 8, 8, 80)
    return Sheet("Обращения", ITEM_HEADER, table, widths)


def _yes(value: bool | None) -> str | None:
    return None if value is None else ("да" if value else "нет")


async def names_of(s: AsyncSession, table: Any, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = await s.exec(select(table.id, table.name).where(col(table.id).in_(wanted)))
    return {i: n for i, n in rows}
