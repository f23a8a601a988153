"""Applying a municipality's setup file: idempotent upserts by code, one transaction."""

from typing import Any

import yaml
from pydantic import ValidationError
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import (
    CalendarOverride,
    Channel,
    ChannelBot,
    DeadlinePolicy,
    Locality,
    Municipality,
    RoutingRule,
    Sector,
    SocialMonitor,
    Staff,
)
from workflows.calendar.work_calendar import DayOverride, WorkCalendar
from workflows.core.clock import Clock
from workflows.core.errors import Invalid
from workflows.core.tx import committing
from workflows.items.routing import keyword_lemmas
from workflows.setup.appeals import apply_appeals
from workflows.setup.bots import resolve_secret
from workflows.setup.schema import NamedSpec, SetupSpec
from workflows.setup.upsert import ApplyReport, Ids, upsert


def parse_setup(text: str) -> SetupSpec:
    """YAML text to a validated setup; every problem is listed with where it is."""
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise Invalid(f"файл настройки не читается как YAML: {e}") from e
    except RecursionError:  # thousands of nested brackets: not a setup, and not a 500
        raise Invalid("файл настройки не читается: слишком глубокая вложенность") from None
    if not isinstance(raw, dict):
        raise Invalid("файл настройки должен быть словарём с ключом municipality")
    try:
        return SetupSpec.model_validate(raw)
    except ValidationError as e:
        lines = [
            f"{'.'.join(str(p) for p in err['loc']) or '(корень)'}: {err['msg']}"
            for err in e.errors()
        ]
        raise Invalid("ошибки в файле настройки:\n" + "\n".join(lines)) from e


async def do_apply_setup(session: AsyncSession, *, spec: SetupSpec, year: int) -> ApplyReport:
    """Create or update everything the setup names; staff and rules it no longer names are
    switched off (items still refer to them), calendar overrides are replaced."""
    report = ApplyReport()
    mid = await _apply_municipality(session, report, spec)
    report.municipality_id = mid
    sectors = await _apply_named(session, report, Sector, mid, spec.sectors, "блоков")
    localities = await _apply_named(
        session, report, Locality, mid, spec.localities, "населённых пунктов"
    )
    staff = await _apply_staff(session, report, mid, spec, sectors)
    await _apply_policies(session, report, mid, spec, sectors)
    await _apply_routing(session, report, mid, spec, sectors, localities, staff)
    await _apply_calendar(session, report, mid, spec, year)
    await _apply_channels(session, report, mid, spec)
    await _apply_monitoring(session, report, mid, spec)
    await apply_appeals(session, report, mid, spec)
    return report


async def _apply_monitoring(
    session: AsyncSession, report: ApplyReport, mid: int, spec: SetupSpec
) -> None:
    """The watched walls and matching settings; a file without `monitoring` switches it off."""
    m = spec.monitoring
    if m is None:
        row = (
            await session.exec(select(SocialMonitor).where(SocialMonitor.municipality_id == mid))
        ).first()
        if row is not None and row.active:
            row.active = False
            report.counts["мониторинг отключён"] += 1
        return
    await upsert(
        session,
        report,
        SocialMonitor,
        {"municipality_id": mid},
        {
            "sources": [{"owner_id": s.vk, "name": s.name, "read": str(s.read)} for s in m.sources],
            "keywords": list(m.keywords),
            "threshold": m.threshold,
            "backfill_days": m.backfill_days,
            "accept_above": m.accept_above,
            "publish": m.publish,
            "active": True,
        },
        "мониторинга",
    )


async def _apply_channels(
    session: AsyncSession, report: ApplyReport, mid: int, spec: SetupSpec
) -> None:
    """The municipality's bots, by reference to their secrets; a channel the file no longer
    names is switched off. A reference this process cannot resolve is a warning (the bot
    process may have its own environment), not an error."""
    named: dict[Channel, tuple[str, dict[str, Any]]] = {}
    tg, vk = spec.channels.telegram, spec.channels.vk
    if tg is not None:
        named[Channel.telegram] = (f"tg:{tg.token}", tg.model_dump(exclude_none=True))
    if vk is not None:
        named[Channel.vk] = (f"vk:{vk.group_id}", vk.model_dump(exclude_none=True))
    for channel, (key, config) in named.items():
        await upsert(
            session,
            report,
            ChannelBot,
            {"municipality_id": mid, "channel": channel},
            {"key": key, "config": config, "active": True},
            "каналов",
        )
        for field_name in ("token", "secret", "webhook_secret"):
            ref = config.get(field_name)
            if ref:
                try:
                    resolve_secret(ref, what=f"channels.{channel}.{field_name}")
                except Invalid as e:
                    report.warnings.append(f"{e.reason} (бот не запустится, пока его нет)")
    for row in await session.exec(select(ChannelBot).where(ChannelBot.municipality_id == mid)):
        if row.channel not in named and row.active:
            row.active = False
            report.counts["каналов отключено"] += 1


async def _apply_municipality(session: AsyncSession, report: ApplyReport, spec: SetupSpec) -> int:
    m, lunch = spec.municipality, spec.calendar.lunch
    muni = await upsert(
        session,
        report,
        Municipality,
        {"code": m.code},
        {
            "name": m.name,
            "number_prefix": m.number_prefix,
            "tz": m.tz,
            "work_start": m.work_hours.start,
            "work_end": m.work_hours.end,
            "lunch_start": lunch.start if lunch else None,
            "lunch_end": lunch.end if lunch else None,
            "pos_link": m.pos_link,
            "letterhead": m.letterhead.model_dump(exclude_none=True) if m.letterhead else {},
            "confirmed_calendar_years": sorted(spec.calendar.confirmed_years),
            "routing": spec.learned_routing.stored() if spec.learned_routing else {},
        },
        "муниципалитет",
    )
    learned = spec.learned_routing
    if learned is not None and not learned.categories:
        report.warnings.append(
            "routing: нет таблицы categories — стартовая модель ничего не подсказывает; "
            f"подсказки появятся со своей моделью (от {learned.own_from} решений, routing.own_from)"
        )
    return muni.id or 0


async def _apply_named(
    session: AsyncSession,
    report: ApplyReport,
    model: type[Sector] | type[Locality],
    mid: int,
    specs: list[NamedSpec],
    label: str,
) -> Ids:
    """Sectors or localities: a code and a name each."""
    return {
        s.code: (
            await upsert(
                session,
                report,
                model,
                {"municipality_id": mid, "code": s.code},
                {"name": s.name},
                label,
            )
        ).id
        for s in specs
    }


async def _apply_staff(
    session: AsyncSession, report: ApplyReport, mid: int, spec: SetupSpec, sectors: Ids
) -> Ids:
    """Staff the file names, and those it no longer names switched off."""
    staff: Ids = {}
    for s in spec.staff:
        row = await upsert(
            session,
            report,
            Staff,
            {"municipality_id": mid, "code": s.code},
            {
                "name": s.name,
                "role": s.role,
                "position": s.position,
                "sector_id": sectors.get(s.sector or ""),
                "active": s.active,
                "signs": s.signs,
            },
            "сотрудников",
        )
        staff[s.code] = row.id
    for row in await session.exec(select(Staff).where(Staff.municipality_id == mid)):
        if row.code not in staff and row.active:
            row.active = False
            report.counts["сотрудников отключено"] += 1
    return staff


async def _apply_policies(
    session: AsyncSession, report: ApplyReport, mid: int, spec: SetupSpec, sectors: Ids
) -> None:
    for p in spec.policies:
        await upsert(
            session,
            report,
            DeadlinePolicy,
            {"municipality_id": mid, "code": p.code},
            {
                "kind": p.kind,
                "sector_id": sectors.get(p.sector or ""),
                "clock": p.clock,
                "length": p.length,
                "take_clock": p.take.clock,
                "take_length": p.take.length,
                "max_extensions": p.max_extensions,
                "max_extension_days": p.max_extension_days,
                "extension_needs_head": p.extension_needs_head,
                "forward_days": p.forward_days,
                "day_off": p.day_off,
                "auto_close_days": p.auto_close_days,
                "ladder": p.ladder,
            },
            "политик сроков",
        )


async def _apply_routing(
    session: AsyncSession,
    report: ApplyReport,
    mid: int,
    spec: SetupSpec,
    sectors: Ids,
    localities: Ids,
    staff: Ids,
) -> None:
    """Rules in the file's order (keywords stored as lemmas); rules it no longer names switched off."""
    for position, r in enumerate(spec.routing):
        await upsert(
            session,
            report,
            RoutingRule,
            {"municipality_id": mid, "code": r.code},
            {
                "position": position,
                "sector_id": sectors.get(r.sector or ""),
                "keywords": [keyword_lemmas(k) for k in r.keywords],
                "locality_id": localities.get(r.locality or ""),
                "channel": r.channel,
                "kind": r.kind,
                "assignee_id": staff[r.assignee],
                "active": r.active,
            },
            "правил",
        )
    named = {r.code for r in spec.routing}
    for rule in await session.exec(select(RoutingRule).where(RoutingRule.municipality_id == mid)):
        if rule.code not in named and rule.active:
            rule.active = False
            report.counts["правил отключено"] += 1


async def _apply_calendar(
    session: AsyncSession, report: ApplyReport, mid: int, spec: SetupSpec, year: int
) -> None:
    wanted = {o.day: o for o in spec.calendar.overrides}
    for row in await session.exec(
        select(CalendarOverride).where(CalendarOverride.municipality_id == mid)
    ):
        if row.day not in wanted:
            await session.delete(row)
            report.counts["дней календаря удалено"] += 1
    for o in spec.calendar.overrides:
        await upsert(
            session,
            report,
            CalendarOverride,
            {"municipality_id": mid, "day": o.day},
            {"working": o.working, "note": o.note},
            "дней календаря",
        )
    cal = WorkCalendar(
        tz=spec.municipality.tz,
        overrides=[DayOverride(o.day, o.working) for o in spec.calendar.overrides],
        confirmed_years=spec.calendar.confirmed_years,
    )
    for missing in cal.years_without_data(range(year, year + 2)):
        report.warnings.append(
            f"производственный календарь на {missing} год неизвестен пакету holidays: "
            "добавьте переносы в calendar.overrides и год в calendar.confirmed_years"
        )


async def check_apply_setup(session: AsyncSession, *, text: str, clock: Clock) -> ApplyReport:
    """Parse, validate and apply a setup file as one transaction; any error changes nothing."""
    spec = parse_setup(text)
    async with committing(session):
        return await do_apply_setup(session, spec=spec, year=clock.now().year)
