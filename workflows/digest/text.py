"""The note's text in Telegram HTML: what grew and what it is about, the week's totals and their
change, timeliness, the best and the worst, social-network incidents, points of growth with their
problems, what waits for a decision; names escaped, citizens' texts masked."""

from __future__ import annotations

import html
from typing import Any

from models import Channel
from workflows.calendar.periods import Period
from workflows.items.transitions import CHANNEL_RU
from workflows.privacy.mask import mask
from workflows.reports.growth import GrowthPoint
from workflows.reports.incidents import IncidentWeek
from workflows.reports.rating import MIN_RANKED, RatingRow
from workflows.reports.scope import clip
from workflows.reports.summary import Summary

KINDS_RU = {"message": "сообщения", "appeal_59fz": "обращения 59-ФЗ", "incident": "инциденты"}


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
    listed: int,
    incidents: IncidentWeek | None = None,
) -> str:
    """The note in Telegram HTML: totals and change, timeliness, best and worst, incidents, growth,
    decisions; with `attachments`, what is attached (the workbook lists `listed` of the week's
    items)."""
    lines = [
        f"<b>Аналитическая записка МЦУ за неделю {week.label}</b>",
        _esc(municipality),
        "",
        *_lead(growth),
        "<b>Итоги недели</b>",
        *_totals(cur, prev, day_hours),
        "",
        "<b>Исполнители</b>",
        *_people(people),
        *_incidents(incidents),
        "",
        "<b>Точки роста</b>",
        *_growth(growth),
        "",
        "<b>Требуют решения</b>",
        *_decisions(decisions),
    ]
    if attachments:
        lines += ["", _attached(week, cur, listed)]
    text = "\n".join(lines)
    return text if len(text) <= 4000 else text[:3990].rsplit("\n", 1)[0]


def _totals(cur: Summary, prev: Summary, day_hours: float) -> list[str]:
    """What came in and by which channels, what was done, how fast, how citizens rated it."""
    lines = [f"Поступило: <b>{cur.received}</b> ({_change(cur.received, prev.received)})"]
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
    return lines


def _people(people: list[RatingRow]) -> list[str]:
    """The best and the worst of the ranked, and who holds the most overdue items."""
    lines = []
    ranked = [p for p in people if p.rank is not None]
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
    return lines


def _growth(growth: list[GrowthPoint]) -> list[str]:
    """Up to four points of growth, each with its largest problems (label, count, item numbers)
    and one masked excerpt: of its largest problem's most central item, else of its latest."""
    if not growth:
        return ["Значимого роста нет."]
    lines = []
    for g in growth[:4]:
        what = "тема" if g.dimension == "sector" else "место"
        lines.append(
            f"• {what} «{_esc(g.name)}»: {g.count} при норме {_num(g.baseline)} в неделю "
            f"(×{_num(g.ratio)})"
        )
        named = [p for p in g.problems if not p.other]
        for p in named[:3]:
            numbers = ", ".join(_esc(e["number"]) for e in p.examples[:2])
            lines.append(f"  — {_label(p.label)}: {p.count}" + (f" ({numbers})" if numbers else ""))
        shown = named[0].examples if named else g.examples
        if shown:
            e = shown[0]
            lines.append(f"  напр. {_esc(e['number'])}: «{_esc(clip(mask(e['text']), 90))}»")
    return lines


def _lead(growth: list[GrowthPoint]) -> list[str]:
    """What the head reads first: the largest problem of the first two points of growth."""
    parts = []
    for g in growth[:2]:
        named = [p for p in g.problems if not p.other]
        if named:
            where = "тема" if g.dimension == "sector" else "место"
            parts.append(
                f"{_label(named[0].label)} — {named[0].count} из {g.count} ({where} «{_esc(g.name)}»)"
            )
    return [f"<b>Главное — рост:</b> {'; '.join(parts)}", ""] if parts else []


def _label(label: str) -> str:
    """A problem's label for a messenger: masked like any citizen's words, then escaped."""
    return _esc(mask(label))


def _incidents(inc: IncidentWeek | None) -> list[str]:
    """The week's social-network incidents as a paragraph (with its leading blank line); one
    plain line when walls are watched and nothing came; nothing when none are watched."""
    if inc is None or inc.incidents == 0:
        return ["", "Инцидентов из соцсетей за неделю не было."] if inc and inc.monitored else []
    lines = [
        "",
        "<b>Инциденты из соцсетей</b>",
        f"Инцидентов: <b>{inc.incidents}</b> · публикаций в соцсетях: {inc.posts}",
        f"Первая реакция в срок: {inc.reacted_in_time} из {inc.incidents} "
        f"({_pct(inc.reacted_in_time / inc.incidents)}) · с опозданием: {inc.reacted_late}"
        + (f" · ещё без реакции: {inc.no_reaction}" if inc.no_reaction else ""),
        f"Ответ опубликован под постом: {inc.published}",
    ]
    for title, top in (("Где", inc.localities), ("Темы", inc.sectors)):
        if top:
            lines.append(f"{title}: " + " · ".join(f"{_esc(name)} {n}" for name, n in top))
    if inc.example is not None and int(inc.example["posts"]) > 1:
        e = inc.example
        lines.append(
            f"Больше всего публикаций ({e['posts']}): {_esc(str(e['number']))} — "
            f"«{_esc(clip(mask(str(e['text'])), 90))}»"
        )
    return lines


def _decisions(decisions: list[dict[str, Any]]) -> list[str]:
    """Up to six items waiting for the head, and how many more."""
    if not decisions:
        return ["Нет."]
    lines = [
        f"• {_esc(d['number'])} — {d['why']}: {_esc(clip(mask(d['text']), 70))}"
        for d in decisions[:6]
    ]
    if len(decisions) > 6:
        lines.append(f"  и ещё {len(decisions) - 6}")
    return lines


def _attached(week: Period, cur: Summary, listed: int) -> str:
    """What is attached; when the workbook cannot list every item, where the whole list is."""
    if cur.received <= listed:
        return "Во вложении: графики и таблица XLSX с обращениями недели и рейтингом."
    return (
        f"Во вложении: графики и таблица XLSX с рейтингом и {listed} из "
        f"{cur.received} обращений недели — сначала требующие внимания. Полный "
        f"список — в панели МЦУ или выгрузкой <code>{_esc(export_path(week))}</code>."
    )


def export_path(week: Period) -> str:
    """The API export of the whole list of a week's items (the dashboard links the same)."""
    return f"/api/v1/reports/items?period={week.code}&format=xlsx"


def _who(row: RatingRow) -> str:
    return _esc(row.name) + (f" ({_esc(row.sector)})" if row.sector else "")


def _days(hours: float | None, day_hours: float) -> float | None:
    return None if hours is None else hours / day_hours
