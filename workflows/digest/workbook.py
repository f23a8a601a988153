"""The note's workbook: the summary, both ratings, the recipients' ratings in the part of incidents
and of ПОС when there are any, and the week's items (those needing attention first), with names
instead of ids and never a citizen's personal data."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Item, Locality, Sector, Staff
from workflows.calendar.periods import Period
from workflows.digest.text import export_path
from workflows.items.transitions import CHANNEL_RU, KIND_RU, STATUS_RU
from workflows.privacy.mask import mask
from workflows.reports.exports import Sheet, to_xlsx
from workflows.reports.growth import GrowthPoint
from workflows.reports.lists import select_items
from workflows.reports.rating import RatingRow
from workflows.reports.scope import Scope, clip, get_names
from workflows.reports.summary import Summary

TEXT_IN_TABLE = 500  # characters of an item's text in the tables
ITEM_HEADER = [
    "Номер", "Поступило", "Вид", "Канал", "Сектор", "Населённый пункт", "Статус",
    "Исполнитель", "Срок", "Взято", "Ответ", "С нарушением срока", "До ответа, раб. ч",
    "Решено", "Оценка", "Текст",
]  # fmt: skip


async def item_rows(
    session: AsyncSession, *, scope: Scope, week: Period, now: datetime, limit: int
) -> list[list[Any]]:
    """The week's items for the workbook, those needing attention first (overdue now, answered
    late, reopened, rated 1–2), then by registration; names instead of ids, never the citizen's
    data (the texts as citizens wrote them: `masked` hides their personal data)."""
    q = select_items(scope, week, now=now).limit(limit).with_only_columns(
        *(
            col(c)
            for c in (
                Item.number, Item.registered_at, Item.kind, Item.channel, Item.sector_id,
                Item.locality_id, Item.status, Item.assignee_id, Item.due_at, Item.taken_at,
                Item.answered_at, Item.answer_wsec, Item.solved, Item.rating, Item.text,
            )
        )
    )  # fmt: skip
    rows = (await session.execute(q)).all()
    names = {
        key: await get_names(session, table, {r[pos] for r in rows})
        for key, table, pos in (("s", Sector, 4), ("l", Locality, 5), ("p", Staff, 7))
    }
    out = []
    for r in rows:
        late = None if r[10] is None or r[8] is None else ("да" if r[10] > r[8] else "нет")
        out.append(
            [
                r[0], r[1], KIND_RU[r[2]], CHANNEL_RU[r[3]],
                names["s"].get(r[4], ""), names["l"].get(r[5], ""), STATUS_RU[r[6]],
                names["p"].get(r[7], ""), r[8], r[9], r[10], late,
                None if r[11] is None else round(r[11] / 3600, 1),
                {True: "да", False: "нет"}.get(r[12], ""), r[13], r[14],
            ]
        )  # fmt: skip
    return out


def masked(rows: list[list[Any]]) -> list[list[Any]]:
    """The rows with personal data in their texts masked and the texts cut (the workbook goes
    through a messenger). About a millisecond a text: run in a thread beside the note's queries."""
    return [[*r[:-1], clip(mask(r[-1]), TEXT_IN_TABLE)] for r in rows]


def _rating_rows(rows: list[RatingRow]) -> list[list[Any]]:
    return [
        [
            r.rank if r.rank is not None else "—", r.name, r.sector or "", r.answered,
            r.on_time_share, r.answer_median_h, r.open_now, r.overdue_now, r.reopen_rate,
            r.mean_rating, r.score,
        ]
        for r in rows
    ]  # fmt: skip


RATING_HEADER = [
    "Место", "Кто", "Сектор", "Ответов", "Доля в срок", "Медиана до ответа, раб. ч",
    "В работе", "Просрочено сейчас", "Доля повторно открытых", "Средняя оценка", "Балл",
]  # fmt: skip


def _growth_rows(growth: Sequence[GrowthPoint]) -> list[list[Any]]:
    """One row a problem of each point of growth (a point without problems: one row), with item
    numbers only: the workbook goes through a messenger, the texts are in the items' sheet."""
    out = []
    for g in growth:
        head = [
            "тема" if g.dimension == "sector" else "место",
            g.name,
            g.count,
            g.baseline,
            g.ratio,
        ]
        if not g.problems:
            out.append([*head, "", None, ""])
        for p in g.problems:
            numbers = ", ".join(e["number"] for e in p.examples)
            out.append([*head, mask(p.label), p.count, numbers])
    return out


GROWTH_HEADER = [
    "Разрез", "Название", "За неделю", "Обычно в неделю", "Рост, раз", "Проблема", "Обращений",
    "Самые типичные",
]  # fmt: skip


def write_workbook(
    week: Period,
    cur: Summary,
    people: list[RatingRow],
    sectors: list[RatingRow],
    items: list[list[Any]],
    *,
    total: int,
    tz: ZoneInfo,
    cuts: Sequence[tuple[str, list[RatingRow]]] | None = (),
    growth: Sequence[GrowthPoint] = (),
) -> bytes:
    """The workbook; `cuts` None: the ratings in the part of incidents and of ПОС were left out
    (a big backlog), and the summary says where they are."""
    summary = [
        ("Неделя", week.label), ("Поступило", cur.received), ("Взято в работу", cur.taken),
        ("Дан ответ", cur.answered), ("Закрыто", cur.closed),
        ("Ответов с нарушением срока", cur.answered_late), ("Доля в срок", cur.on_time_share),
        ("Медиана до взятия, раб. ч", cur.take_median_h), ("90 % до взятия, раб. ч", cur.take_p90_h),
        ("Медиана до ответа, раб. ч", cur.answer_median_h), ("90 % до ответа, раб. ч", cur.answer_p90_h),
        ("Доля «решено»", cur.solved_share), ("Средняя оценка", cur.mean_rating),
        ("Открыто повторно", cur.reopened), ("В работе сейчас", cur.open_now),
        ("Просрочено сейчас", cur.overdue_now),
    ]  # fmt: skip
    if len(items) < total:
        summary.append(
            (
                "Лист «Обращения недели»",
                f"{len(items)} из {total}: сначала просроченные, с нарушением срока, повторно "
                f"открытые и с низкой оценкой. Полный список — в панели МЦУ или выгрузкой "
                f"{export_path(week)}",
            )
        )
    if cuts is None:
        summary.append(
            (
                "Рейтинги по инцидентам и ПОС",
                "в панели МЦУ или выгрузкой "
                f"/api/v1/reports/rating?period={week.code}&kind=incident&format=xlsx и "
                f"…&channel=pos",
            )
        )
    return to_xlsx(
        [
            Sheet("Сводка", ["Показатель", "Значение"], summary, widths=(34, 22)),
            Sheet("Рейтинг исполнителей", RATING_HEADER, _rating_rows(people), widths=(7, 36, 18)),
            Sheet("Рейтинг секторов", RATING_HEADER, _rating_rows(sectors), widths=(7, 36, 18)),
            *(
                Sheet(title, RATING_HEADER, _rating_rows(rows), widths=(7, 36, 18))
                for title, rows in cuts or ()
            ),
            *(
                [Sheet("Точки роста", GROWTH_HEADER, _growth_rows(growth), widths=(8, 30, 10))]
                if growth
                else []
            ),
            Sheet("Обращения недели", ITEM_HEADER, items, widths=(18, 17, 16, 10, 18, 20, 16, 28)),
        ],
        tz=tz,
    )
