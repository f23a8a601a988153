"""The figures over a period: summary, rating, heat map, weekly counts, points of growth."""

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from api.deps import Session
from api.reports.files import FILES, file_response
from api.reports.query import Q
from api.reports.shapes import (
    GrowthReport,
    HeatOut,
    HeatReport,
    RatingReport,
    SummaryReport,
    WeeklyReport,
    WeekOut,
    head,
)
from models import Channel, ItemKind
from workflows.calendar.periods import week_period
from workflows.core.errors import Invalid
from workflows.items.transitions import CHANNEL_RU, KIND_RU
from workflows.reports.exports import Sheet
from workflows.reports.growth import get_growth
from workflows.reports.heatmap import get_heatmap, get_weekly_counts
from workflows.reports.rating import get_rating
from workflows.reports.summary import get_summary

router = APIRouter()

SUMMARY_ROWS = (
    ("received", "Поступило"),
    ("taken", "Взято в работу"),
    ("answered", "Дан ответ"),
    ("closed", "Закрыто"),
    ("answered_late", "Ответ с опозданием"),
    ("on_time_share", "Доля ответов в срок"),
    ("take_median_h", "До взятия в работу, медиана, раб. ч"),
    ("take_p90_h", "До взятия в работу, 90-й процентиль, раб. ч"),
    ("answer_median_h", "До ответа, медиана, раб. ч"),
    ("answer_p90_h", "До ответа, 90-й процентиль, раб. ч"),
    ("feedback", "Отзывов «решено / не решено»"),
    ("solved_share", "Доля «решено»"),
    ("rated", "Оценок"),
    ("mean_rating", "Средняя оценка"),
    ("reopened", "Открыто повторно"),
    ("open_now", "Открыто сейчас"),
    ("overdue_now", "Просрочено сейчас"),
)


@router.get("/summary", summary="Сводка за период", response_model=SummaryReport, responses=FILES)
async def summary(s: Session, q: Q) -> Response | SummaryReport:
    """Поступило, взято, отвечено, в срок, время работы, удовлетворённость, просрочено сейчас."""
    got = await get_summary(s, scope=q.scope, period=q.period, now=q.now)
    if q.fmt == "json":
        return SummaryReport(**head(q), summary=got)
    rows: list[tuple[str, Any]] = [(label, getattr(got, key)) for key, label in SUMMARY_ROWS]
    rows[1:1] = [(f"Поступило: {CHANNEL_RU[Channel(c)]}", n) for c, n in got.by_channel.items()]
    rows[1:1] = [(f"Поступило: {KIND_RU[ItemKind(k)]}", n) for k, n in got.by_kind.items()]
    return file_response(q, "summary", Sheet("Сводка", ("Показатель", "Значение"), rows, (45, 14)))


@router.get(
    "/rating",
    summary="Рейтинг исполнителей или блоков",
    response_model=RatingReport,
    responses=FILES,
)
async def rating(
    s: Session,
    q: Q,
    by: Annotated[
        str,
        Query(
            description="recipient — исполнители, sector — блоки",
            json_schema_extra={"enum": ["recipient", "sector"]},
        ),
    ] = "recipient",
) -> Response | RatingReport:
    """Составной балл 0–100 (в срок, просроченный остаток, повторные, оценки); место — от 5 ответов."""
    if by not in ("recipient", "sector"):
        raise Invalid(f"by=«{by[:20]}»: можно recipient (исполнители) или sector (блоки)")
    rows = await get_rating(s, scope=q.scope, period=q.period, now=q.now, by=by)
    if q.fmt == "json":
        return RatingReport(**head(q), by=by, rows=rows)
    header = ["Место", "Исполнитель" if by == "recipient" else "Блок"]
    header += ["Блок"] if by == "recipient" else []
    header += ["Ответов", "Доля в срок", "Медиана ответа, раб. ч", "Открыто сейчас"]
    header += ["Просрочено сейчас", "Доля повторных", "Средняя оценка", "Оценок", "Балл"]
    table = [
        [
            *(r.rank, r.name, *([r.sector] if by == "recipient" else [])),
            *(r.answered, r.on_time_share, r.answer_median_h, r.open_now, r.overdue_now),
            *(r.reopen_rate, r.mean_rating, r.rated, r.score),
        ]
        for r in rows
    ]
    return file_response(q, f"rating-{by}", Sheet("Рейтинг", header, table, (7, 36, 20)))


@router.get(
    "/heatmap",
    summary="Тепловая карта: блок × место или неделя",
    response_model=HeatReport,
    responses=FILES,
)
async def heatmap(s: Session, q: Q, by_week: bool = False) -> Response | HeatReport:
    """Обращения периода по блокам и населённым пунктам (или неделям) и сколько из них просрочено."""
    cells = await get_heatmap(s, scope=q.scope, period=q.period, now=q.now, by_week=by_week)
    out = [HeatOut(**asdict(c), overdue_share=c.overdue_share) for c in cells]
    if q.fmt == "json":
        return HeatReport(**head(q), by_week=by_week, cells=out)
    second = "Неделя" if by_week else "Населённый пункт"
    header = ("Блок", second, "Обращений", "Просрочено", "Доля просроченных")
    table = [(c.sector, c.week or c.locality, c.count, c.overdue, c.overdue_share) for c in out]
    return file_response(q, "heatmap", Sheet("Тепловая карта", header, table, (25, 25)))


@router.get(
    "/weekly",
    summary="Поступление и ответы по неделям",
    response_model=WeeklyReport,
    responses=FILES,
)
async def weekly(s: Session, q: Q) -> Response | WeeklyReport:
    """По каждой неделе периода: поступило, отвечено, из них с опозданием."""
    weeks = await get_weekly_counts(s, scope=q.scope, period=q.period, now=q.now)
    if q.fmt == "json":
        out = [
            WeekOut(week=w, received=r, answered=a, answered_late=late) for w, r, a, late in weeks
        ]
        return WeeklyReport(**head(q), weeks=out)
    header = ("Неделя", "Поступило", "Отвечено", "С опозданием")
    return file_response(q, "weekly", Sheet("По неделям", header, weeks, (12,)))


@router.get(
    "/growth", summary="Точки роста за неделю", response_model=GrowthReport, responses=FILES
)
async def growth(s: Session, q: Q) -> Response | GrowthReport:
    """Блоки и населённые пункты, где за неделю заметно больше обращений, чем обычно, и о чём
    они: проблемы (группы похожих текстов) с названием, числом и самыми типичными обращениями."""
    p = q.period
    if p.days != 7 or p.first.weekday() != 0:
        raise Invalid(
            f"точки роста считаются за одну неделю с понедельника по воскресенье, а период "
            f"«{p.code}» — {p.days} дн. ({p.label}); укажите, например, 2026-W45 или last-week"
        )
    points = await get_growth(s, scope=q.scope, week=week_period(p.first, p.tz))
    if q.fmt == "json":
        return GrowthReport(**head(q), points=points)
    header = ("Разрез", "Название", "За неделю", "Обычно в неделю", "Рост, раз", "Вероятность")
    table = [
        (
            "блок" if g.dimension == "sector" else "населённый пункт",
            g.name,
            g.count,
            g.baseline,
            g.ratio,
            g.p_value,
            "; ".join(
                f"{c.label} — {c.count}" + "".join(f", {e['number']}" for e in c.examples)
                for c in g.problems
            ),
            "; ".join(f"{e['number']}: {e['text']}" for e in g.examples),
        )
        for g in points
    ]
    sheet = Sheet("Точки роста", (*header, "Проблемы", "Примеры"), table, (16, 30))
    return file_response(q, "growth", sheet)
