"""The weekly analytical note: text, two charts and a workbook, built from the report queries,
queued once per municipality and week to the head, the curators and the sector leads."""

from __future__ import annotations

import asyncio
import html
import logging
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col
from sqlmodel import select as orm_select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Channel, Digest, DigestFile, Item, Locality, Municipality, Role, Sector, Staff
from workflows.calendar.deadlines import parse_hhmm
from workflows.calendar.periods import Period, week_period
from workflows.core.clock import Clock
from workflows.core.errors import NotFound
from workflows.core.tx import committing
from workflows.items.transitions import CHANNEL_RU, KIND_RU, STATUS_RU
from workflows.notifications.notify import enqueue, staff_notice
from workflows.reports.charts import heatmap_chart, weekly_chart
from workflows.reports.exports import Sheet, to_xlsx
from workflows.reports.growth import GrowthPoint, get_growth
from workflows.reports.heatmap import get_heatmap, get_weekly_counts
from workflows.reports.lists import get_decisions, select_items
from workflows.reports.rating import MIN_RANKED, RatingRow, get_rating
from workflows.reports.scope import Scope, clip, get_names
from workflows.reports.summary import Summary, get_summary

__all__ = [
    "DIGEST_HOUR",
    "DigestDoc",
    "DigestPart",
    "build_digest",
    "check_queue_digest",
    "get_digest_file",
    "note_text",
    "run_due_digests",
]

log = logging.getLogger(__name__)

DIGEST_HOUR = time(9, 0)  # Monday, local time of the municipality
TREND_WEEKS = 8
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Rows of the workbook's item sheet: a district's week fits whole; a city's busiest week would
# take seconds to write and nobody reads 9,000 rows in a chat: those needing attention come
# first, and the note says where the whole list is.
ITEMS_IN_XLSX = 1_000
TEXT_IN_TABLE = 500  # characters of an item's text in the tables
KINDS_RU = {"message": "сообщения", "appeal_59fz": "обращения 59-ФЗ", "incident": "инциденты"}


@dataclass
class DigestPart:
    name: str
    mime: str
    content: bytes


@dataclass
class DigestDoc:
    week: Period
    text: str  # Telegram HTML, under 4,096 characters
    files: list[DigestPart] = field(default_factory=list)


def _num(x: float | None, digits: int = 1) -> str:
    if x is None:
        return "—"
    return f"{x:.{digits}f}".replace(".", ",")


def _pct(share: float | None) -> str:
    return "—" if share is None else f"{round(share * 100)} %"


def _change(now: int, before: int) -> str:
    if before == 0:
        return f"неделей ранее {before}"
    delta = round((now - before) / before * 100)
    sign = "+" if delta > 0 else ("−" if delta < 0 else "±")
    return f"неделей ранее {before}, {sign}{abs(delta)} %"


def _esc(text: str) -> str:
    return html.escape(text, quote=False)


def render_text(
    *,
    municipality: str,
    week: Period,
    cur: Summary,
    prev: Summary,
    people: list[RatingRow],
    growth: list[GrowthPoint],
    decisions: list[dict[str, Any]],
    day_hours: float,
    attachments: bool = True,
) -> str:
    """The note in Telegram HTML: totals and change, timeliness, best and worst, growth, decisions."""
    lines = [
        f"<b>Аналитическая записка МЦУ за неделю {week.label}</b>",
        _esc(municipality),
        "",
        "<b>Итоги недели</b>",
        f"Поступило: <b>{cur.received}</b> ({_change(cur.received, prev.received)})",
    ]
    if cur.by_channel:
        parts = [
            f"{CHANNEL_RU[Channel(k)]} {n}"
            for k, n in sorted(cur.by_channel.items(), key=lambda kv: -kv[1])
        ]
        lines.append("  каналы: " + " · ".join(parts))
    if cur.by_kind:
        lines.append(
            "  виды: " + " · ".join(f"{KINDS_RU.get(k, k)} {n}" for k, n in cur.by_kind.items())
        )
    lines.append(
        f"Взято в работу: {cur.taken} · дан ответ: {cur.answered} ({_change(cur.answered, prev.answered)})"
    )
    lines.append(
        f"С нарушением срока: <b>{cur.answered_late}</b> · в срок: {_pct(cur.on_time_share)}"
    )
    lines.append(
        "До ответа, медиана / 90 %: "
        f"{_num(_days(cur.answer_median_h, day_hours))} / {_num(_days(cur.answer_p90_h, day_hours))} раб. дн.; "
        f"до взятия в работу: {_num(cur.take_median_h)} / {_num(cur.take_p90_h)} раб. ч"
    )
    if cur.feedback or cur.rated:
        lines.append(
            f"Оценка жителей: решено {_pct(cur.solved_share)} из {cur.feedback} ответивших"
            + (f", средняя оценка {_num(cur.mean_rating)} из 5" if cur.rated else "")
        )
    if cur.reopened:
        lines.append(f"Открыто повторно: {cur.reopened}")
    lines.append(f"Сейчас в работе: {cur.open_now}, из них просрочено: <b>{cur.overdue_now}</b>")

    ranked = [p for p in people if p.rank is not None]
    lines += ["", "<b>Исполнители</b>"]
    if ranked:
        best = ranked[0]
        lines.append(
            f"Лучший: {_who(best)} — {_num(best.score)} балла, в срок {_pct(best.on_time_share)}"
        )
        if len(ranked) > 1:
            worst = ranked[-1]
            lines.append(
                f"Требует внимания: {_who(worst)} — {_num(worst.score)} балла, в срок "
                f"{_pct(worst.on_time_share)}, просрочено сейчас {worst.overdue_now}"
            )
    else:
        lines.append(
            f"Для рейтинга нужно не меньше {MIN_RANKED} ответов за неделю — пока ни у кого."
        )
    backlog = sorted((p for p in people if p.overdue_now), key=lambda p: -p.overdue_now)[:3]
    if backlog:
        lines.append(
            "Больше всего просрочек: " + "; ".join(f"{_who(p)} — {p.overdue_now}" for p in backlog)
        )

    lines += ["", "<b>Точки роста</b>"]
    if growth:
        for g in growth[:4]:
            what = "тема" if g.dimension == "sector" else "место"
            example = ""
            if g.examples:
                e = g.examples[0]
                example = f"\n  напр. {_esc(e['number'])}: «{_esc(clip(e['text'], 90))}»"
            lines.append(
                f"• {what} «{_esc(g.name)}»: {g.count} при норме {_num(g.baseline)} в неделю "
                f"(×{_num(g.ratio)}){example}"
            )
    else:
        lines.append("Значимого роста нет.")

    lines += ["", "<b>Требуют решения</b>"]
    if decisions:
        for d in decisions[:6]:
            lines.append(f"• {_esc(d['number'])} — {d['why']}: {_esc(clip(d['text'], 70))}")
        if len(decisions) > 6:
            lines.append(f"  и ещё {len(decisions) - 6}")
    else:
        lines.append("Нет.")
    if attachments:
        lines += ["", "Во вложении: графики и таблица XLSX с обращениями недели и рейтингом."]
        if cur.received > ITEMS_IN_XLSX:
            lines[-1] = (
                f"Во вложении: графики и таблица XLSX с рейтингом и {ITEMS_IN_XLSX} из "
                f"{cur.received} обращений недели — сначала требующие внимания. Полный "
                f"список — в панели МЦУ или выгрузкой <code>{_esc(export_path(week))}</code>."
            )
    text = "\n".join(lines)
    return text if len(text) <= 4000 else text[:3990].rsplit("\n", 1)[0]


def export_path(week: Period) -> str:
    """The API export of the whole list of a week's items (the dashboard links the same)."""
    return f"/api/v1/reports/items?period={week.code}&format=xlsx"


def _who(row: RatingRow) -> str:
    return _esc(row.name) + (f" ({_esc(row.sector)})" if row.sector else "")


def _days(hours: float | None, day_hours: float) -> float | None:
    return None if hours is None else hours / day_hours


async def note_text(
    session: AsyncSession, *, municipality_id: int, week: Period, now: datetime
) -> str:
    """Only the note's text (for /stats in the bot: no charts to draw)."""
    text, _, _ = await _note(
        session, municipality_id=municipality_id, week=week, now=now, attachments=False
    )
    return text


async def _note(
    session: AsyncSession,
    *,
    municipality_id: int,
    week: Period,
    now: datetime,
    attachments: bool,
) -> tuple[str, Summary, list[RatingRow]]:
    """The note's text, with the week's summary and recipient rating it is made of."""
    muni = await session.get(Municipality, municipality_id)
    if muni is None:
        raise NotFound(f"муниципалитет {municipality_id} не найден")
    scope = Scope((municipality_id,))
    cur = await get_summary(session, scope=scope, period=week, now=now)
    prev = await get_summary(session, scope=scope, period=week.previous(), now=now)
    people = await get_rating(session, scope=scope, period=week, now=now)
    growth = await get_growth(session, scope=scope, week=week)
    decisions = await get_decisions(session, scope=scope, now=now)
    start, end = (parse_hhmm(x) for x in (muni.work_start, muni.work_end))
    day_hours = (end.hour * 60 + end.minute - start.hour * 60 - start.minute) / 60
    text = render_text(
        municipality=muni.name,
        week=week,
        cur=cur,
        prev=prev,
        people=people,
        growth=growth,
        decisions=decisions,
        day_hours=day_hours,
        attachments=attachments,
    )
    return text, cur, people


async def build_digest(
    session: AsyncSession, *, municipality_id: int, week: Period, now: datetime
) -> DigestDoc:
    """Compute the week's figures and render the note, the charts and the workbook.

    The charts' figures come first and the charts are drawn in a thread while the server
    computes the rest of the note."""
    scope = Scope((municipality_id,))
    trend = Period(week.first - timedelta(weeks=TREND_WEEKS - 1), week.last, week.tz, "trend")
    weeks = await get_weekly_counts(session, scope=scope, period=trend, now=now)
    heat = await get_heatmap(session, scope=scope, period=week, now=now)
    charts = asyncio.create_task(asyncio.to_thread(_charts, weeks, heat, week))
    try:
        text, cur, people = await _note(
            session, municipality_id=municipality_id, week=week, now=now, attachments=True
        )
        sectors = await get_rating(session, scope=scope, period=week, now=now, by="sector")
        items = await _item_rows(session, scope=scope, week=week, now=now, limit=ITEMS_IN_XLSX)
    finally:
        pictures = await charts
    book = await asyncio.to_thread(
        _workbook, week, cur, people, sectors, items, total=cur.received, tz=week.tz
    )
    return DigestDoc(
        week=week, text=text, files=[*pictures, DigestPart(f"mcu-{week.code}.xlsx", XLSX, book)]
    )


def _charts(
    weeks: list[tuple[str, int, int, int]], heat: list[Any], week: Period
) -> list[DigestPart]:
    return [
        DigestPart(
            f"weekly-{week.code}.png",
            "image/png",
            weekly_chart(weeks, title=f"Поступление и ответы по неделям, по {week.label}"),
        ),
        DigestPart(
            f"heatmap-{week.code}.png",
            "image/png",
            heatmap_chart(heat, title=f"Сектор × населённый пункт, {week.label}"),
        ),
    ]


ITEM_HEADER = [
    "Номер", "Поступило", "Вид", "Канал", "Сектор", "Населённый пункт", "Статус",
    "Исполнитель", "Срок", "Взято", "Ответ", "С нарушением срока", "До ответа, раб. ч",
    "Решено", "Оценка", "Текст",
]  # fmt: skip


async def _item_rows(
    session: AsyncSession, *, scope: Scope, week: Period, now: datetime, limit: int
) -> list[list[Any]]:
    """The week's items for the workbook, those needing attention first (overdue now, answered
    late, reopened, rated 1–2), then by registration; names instead of ids, never the citizen's
    data."""
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
                {True: "да", False: "нет"}.get(r[12], ""), r[13], clip(r[14], TEXT_IN_TABLE),
            ]
        )  # fmt: skip
    return out


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


def _workbook(
    week: Period,
    cur: Summary,
    people: list[RatingRow],
    sectors: list[RatingRow],
    items: list[list[Any]],
    *,
    total: int,
    tz: ZoneInfo,
) -> bytes:
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
    return to_xlsx(
        [
            Sheet("Сводка", ["Показатель", "Значение"], summary, widths=(34, 22)),
            Sheet("Рейтинг исполнителей", RATING_HEADER, _rating_rows(people), widths=(7, 36, 18)),
            Sheet("Рейтинг секторов", RATING_HEADER, _rating_rows(sectors), widths=(7, 36, 18)),
            Sheet("Обращения недели", ITEM_HEADER, items, widths=(18, 17, 16, 10, 18, 20, 16, 28)),
        ],
        tz=tz,
    )


# ---- delivery -------------------------------------------------------------------------------


DIGEST_ROLES = (Role.head, Role.curator, Role.sector_lead)


async def check_queue_digest(
    session: AsyncSession, *, municipality_id: int, doc: DigestDoc, now: datetime
) -> Digest | None:
    """Store the note and queue it (text, then each file) to the head, curators and sector
    leads; None if this week's note was already stored (the weekly run is once-only)."""
    async with committing(session):
        digest = Digest(
            municipality_id=municipality_id,
            week_start=doc.week.first,
            created_at=now,
            text=doc.text,
        )
        session.add(digest)
        try:
            await session.flush()
        except IntegrityError:  # stored already: the weekly run is once-only
            await session.rollback()
            return None
        files = [
            DigestFile(
                digest_id=digest.id or 0, position=i, name=f.name, mime=f.mime, content=f.content
            )
            for i, f in enumerate(doc.files)
        ]
        session.add_all(files)
        await session.flush()
        staff = list(
            await session.exec(
                orm_select(Staff).where(
                    Staff.municipality_id == municipality_id,
                    col(Staff.active).is_(True),
                    col(Staff.role).in_(DIGEST_ROLES),
                )
            )
        )
        rows = []
        for person in staff:
            parts = [{"digest_id": digest.id, "part": "text", "text": doc.text}]
            parts += [{"digest_id": digest.id, "part": "file", "file_id": f.id} for f in files]
            for i, payload in enumerate(parts):
                rows.append(
                    staff_notice(
                        staff=person,
                        item=None,
                        kind="digest",
                        payload=payload,
                        dedup=f"digest{digest.id}:{i}",
                        now=now,
                    )
                )
        await enqueue(session, rows)
        digest.recipients = len(staff)
        return digest


async def get_digest_file(session: AsyncSession, *, file_id: int) -> DigestFile:
    file = await session.get(DigestFile, file_id)
    if file is None:
        raise NotFound(f"файл записки {file_id} не найден")
    return file


async def _had_items(session: AsyncSession, *, municipality_id: int, before: datetime) -> bool:
    q = select(Item.id).where(  # type: ignore[call-overload]
        Item.municipality_id == municipality_id, col(Item.registered_at) < before
    )
    return (await session.execute(q.limit(1))).first() is not None


def due_week(municipality: Municipality, now: datetime) -> Period | None:
    """The week whose note is due: the last full week, once its Monday 09:00 local has come."""
    tz = ZoneInfo(municipality.tz)
    local = now.astimezone(tz)
    monday = local.date() - timedelta(days=local.weekday())
    if local < datetime.combine(monday, DIGEST_HOUR, tz):
        return None
    return week_period(monday - timedelta(days=7), tz)


async def run_due_digests(sm: async_sessionmaker[AsyncSession], clock: Clock) -> int:
    """Queue every municipality's note that is due and not yet made. Runs at start-up and every
    few minutes, so a Monday missed while the system was down is made up when it comes back."""
    now = clock.now()
    made = 0
    async with sm() as s:
        munis = list(await s.exec(orm_select(Municipality)))
        done = set(
            (await s.execute(select(Digest.municipality_id, Digest.week_start))).all()  # type: ignore[call-overload]
        )
    for muni in munis:
        week = due_week(muni, now)
        if week is None or (muni.id, week.first) in done:
            continue
        async with sm() as s:
            if not await _had_items(s, municipality_id=muni.id or 0, before=week.end):
                continue  # a new municipality: nothing to report yet
            doc = await build_digest(s, municipality_id=muni.id or 0, week=week, now=now)
            if await check_queue_digest(s, municipality_id=muni.id or 0, doc=doc, now=now):
                made += 1
                log.info("недельная записка %s за %s поставлена в очередь", muni.code, week.code)
    return made
