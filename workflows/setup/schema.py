"""The setup file of a municipality, as an administrator writes it (YAML) and the API takes it."""

import re
from datetime import date, time
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from models import Channel, DayOffRule, DeadlineClock, ItemKind, Publish, Role
from workflows.calendar.deadlines import LadderStep, parse_hhmm
from workflows.core.errors import Invalid
from workflows.setup.appeal_spec import BodySpec, LetterheadSpec
from workflows.setup.routing_spec import LearnedRoutingSpec, split_routing

Code = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$", description="латиница, цифры, _ и -")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class WorkHours(Strict):
    start: str = "09:00"
    end: str = "18:00"

    @model_validator(mode="after")
    def _order(self) -> "WorkHours":
        try:
            start, end = parse_hhmm(self.start), parse_hhmm(self.end)
        except Invalid as e:
            raise ValueError(e.reason) from e
        if start >= end:
            raise ValueError("рабочий день должен начинаться раньше, чем кончается")
        return self


class MunicipalitySpec(Strict):
    code: str = Code
    name: str = Field(min_length=2, max_length=300)
    number_prefix: str = Field(min_length=1, max_length=8, pattern=r"^[А-ЯЁA-Z0-9]+$")
    tz: str = "Europe/Moscow"
    work_hours: WorkHours = WorkHours()
    pos_link: str | None = Field(default=None, max_length=500)
    letterhead: LetterheadSpec | None = None

    @field_validator("tz")
    @classmethod
    def _tz(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError) as e:
            raise ValueError(f"неизвестный часовой пояс «{v}»") from e
        return v


class NamedSpec(Strict):
    code: str = Code
    name: str = Field(min_length=1, max_length=300)


class StaffSpec(NamedSpec):
    role: Role
    position: str | None = Field(default=None, max_length=300)
    sector: str | None = None
    active: bool = True
    signs: bool = False  # may sign off 59-ФЗ answers (the head and глава always may)

    @model_validator(mode="after")
    def _lead_has_sector(self) -> "StaffSpec":
        if self.role is Role.sector_lead and self.sector is None:
            raise ValueError(f"руководителю блока «{self.code}» нужен sector")
        return self


class TakeSpec(Strict):
    clock: DeadlineClock = DeadlineClock.working_hours
    length: int = Field(default=4, ge=1, le=720)


class PolicySpec(Strict):
    code: str = Code
    kind: ItemKind
    sector: str | None = None
    clock: DeadlineClock
    length: int = Field(ge=1, le=365)
    take: TakeSpec = TakeSpec()
    max_extensions: int = Field(default=1, ge=0, le=10)
    max_extension_days: int = Field(default=30, ge=1, le=365)
    extension_needs_head: bool = False
    forward_days: int | None = Field(default=None, ge=1, le=60)
    # A calendar-day deadline on a day off: next (the default) or previous working day.
    day_off: DayOffRule = DayOffRule.next
    auto_close_days: int = Field(default=7, ge=1, le=90)
    ladder: list[dict[str, Any]] = Field(default_factory=list)

    @field_validator("ladder")
    @classmethod
    def _ladder(cls, v: list[dict[str, Any]]) -> list[dict[str, Any]]:
        try:
            steps = [LadderStep.parse(s) for s in v]
        except Invalid as e:
            raise ValueError(e.reason) from e
        codes = [s.code for s in steps]
        if len(set(codes)) != len(codes):
            raise ValueError("коды шагов эскалации должны быть разными")
        return v


class RuleSpec(Strict):
    code: str = Code
    sector: str | None = None
    keywords: list[str] = Field(default_factory=list, max_length=200)
    locality: str | None = None
    channel: Channel | None = None
    kind: ItemKind | None = None
    assignee: str
    active: bool = True


class OverrideSpec(Strict):
    day: date
    working: bool
    note: str = Field(default="", max_length=300)


class LunchSpec(Strict):
    """The daily lunch break: not counted in working hours."""

    start: str
    end: str

    @model_validator(mode="after")
    def _order(self) -> "LunchSpec":
        try:
            start, end = parse_hhmm(self.start), parse_hhmm(self.end)
        except Invalid as e:
            raise ValueError(e.reason) from e
        if start >= end:
            raise ValueError(f"обед {self.start}–{self.end} должен кончаться позже, чем начинается")
        return self


class CalendarSpec(Strict):
    confirmed_years: list[int] = Field(default_factory=list)
    overrides: list[OverrideSpec] = Field(default_factory=list)
    lunch: LunchSpec | None = None


SECRET_REF = re.compile(r"^(env:[A-Za-z_][A-Za-z0-9_]{0,127}|file:/\S{1,500})$")


def _secret_ref(value: str | None) -> str | None:
    if value is not None and not SECRET_REF.match(value):
        raise ValueError(
            "секреты в файле настройки не хранятся: укажите env:ИМЯ_ПЕРЕМЕННОЙ или file:/путь"
        )
    return value


class TelegramChannelSpec(Strict):
    """The municipality's Telegram bot. Municipalities naming the same token share the bot."""

    token: str
    webhook_secret: str | None = None
    username: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_]{5,32}$")  # for invites

    _refs = field_validator("token", "webhook_secret")(_secret_ref)


class VkChannelSpec(Strict):
    """The municipality's VK community. Municipalities naming the same group share it."""

    group_id: int = Field(gt=0, lt=2**31)
    token: str
    callback: bool = False  # events by Callback API (/vk/callback/<group_id>); else Long Poll
    secret: str | None = None
    confirmation: str | None = Field(default=None, pattern=r"^[A-Za-z0-9]{1,64}$")

    _refs = field_validator("token", "secret")(_secret_ref)

    @model_validator(mode="after")
    def _callback_needs(self) -> "VkChannelSpec":
        if self.callback and (self.secret is None or self.confirmation is None):
            raise ValueError("для Callback API нужны secret и confirmation")
        return self


class ChannelsSpec(Strict):
    telegram: TelegramChannelSpec | None = None
    vk: VkChannelSpec | None = None


class WallRead(StrEnum):
    """What of a watched wall to read."""

    posts = "posts"
    comments = "comments"
    both = "both"


class SourceSpec(Strict):
    """A public VK wall: a community (negative id) or a page (positive)."""

    vk: int = Field(gt=-(2**63), lt=2**63)
    name: str = Field(min_length=1, max_length=300)
    read: WallRead = WallRead.both

    @field_validator("vk")
    @classmethod
    def _owner(cls, v: int) -> int:
        if v == 0:
            raise ValueError("id стены VK не может быть 0 (сообщество — отрицательное число)")
        return v


class MonitoringSpec(Strict):
    """Social-network monitoring: the walls to watch and how posts are matched."""

    sources: list[SourceSpec] = Field(default_factory=list, max_length=1000)
    keywords: list[str] = Field(default_factory=list, max_length=500)
    threshold: float = Field(default=0.5, ge=0, le=1)
    backfill_days: int = Field(default=3, ge=0, le=60)
    # From this score a candidate becomes (or joins) an incident without the operator.
    accept_above: float | None = Field(default=None, ge=0, le=1)
    publish: Publish = Publish.approve

    @model_validator(mode="after")
    def _distinct(self) -> "MonitoringSpec":
        ids = [s.vk for s in self.sources]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"источник указан дважды: {', '.join(map(str, dupes))}")
        if any(not re.search(r"\w", k) for k in self.keywords):
            raise ValueError("пустое ключевое слово")
        if self.accept_above is not None and self.accept_above < self.threshold:
            raise ValueError(
                f"accept_above ({self.accept_above}) ниже порога кандидата threshold "
                f"({self.threshold}): без оператора принималось бы то, что не кандидат"
            )
        return self


class SetupSpec(Strict):
    municipality: MunicipalitySpec
    sectors: list[NamedSpec] = Field(default_factory=list)
    localities: list[NamedSpec] = Field(default_factory=list)
    staff: list[StaffSpec] = Field(default_factory=list)
    policies: list[PolicySpec] = Field(default_factory=list)
    routing: list[RuleSpec] = Field(default_factory=list)
    # Filled from a `routing:` mapping (its `rules` are the list above); not a key of its own.
    # None: the setup has rules only (or none), and the learned routing stays off for it.
    learned_routing: LearnedRoutingSpec | None = None
    calendar: CalendarSpec = CalendarSpec()
    channels: ChannelsSpec = ChannelsSpec()
    monitoring: MonitoringSpec | None = None
    bodies: list[BodySpec] = Field(default_factory=list)

    _split = model_validator(mode="before")(split_routing)

    @model_validator(mode="after")
    def _references(self) -> "SetupSpec":
        problems: list[str] = []
        for name, entries in (
            ("sectors", self.sectors),
            ("localities", self.localities),
            ("staff", self.staff),
            ("policies", self.policies),
            ("routing", self.routing),
            ("bodies", self.bodies),
        ):
            codes = [e.code for e in entries]
            dupes = sorted({c for c in codes if codes.count(c) > 1})
            if dupes:
                problems.append(f"{name}: повторяются коды {', '.join(dupes)}")
        sectors = {s.code for s in self.sectors}
        localities = {loc.code for loc in self.localities}
        staff = {s.code: s for s in self.staff}
        for s in self.staff:
            if s.sector and s.sector not in sectors:
                problems.append(f"staff {s.code}: нет блока «{s.sector}»")
        for p in self.policies:
            if p.sector and p.sector not in sectors:
                problems.append(f"policies {p.code}: нет блока «{p.sector}»")
        for r in self.routing:
            if r.sector and r.sector not in sectors:
                problems.append(f"routing {r.code}: нет блока «{r.sector}»")
            if r.locality and r.locality not in localities:
                problems.append(f"routing {r.code}: нет населённого пункта «{r.locality}»")
            if r.assignee not in staff:
                problems.append(f"routing {r.code}: нет сотрудника «{r.assignee}»")
            elif not staff[r.assignee].active:
                problems.append(f"routing {r.code}: сотрудник «{r.assignee}» неактивен")
            for k in r.keywords:
                if not re.search(r"\w", k):
                    problems.append(f"routing {r.code}: пустое ключевое слово")
        if self.learned_routing is not None:
            problems += self.learned_routing.problems(sectors)
        days = [o.day for o in self.calendar.overrides]
        if len(set(days)) != len(days):
            problems.append("calendar: один день указан дважды")
        problems += _hours_problems(self.municipality.work_hours, self.calendar.lunch)
        if problems:
            raise ValueError("; ".join(problems))
        return self


def _hours_problems(hours: WorkHours, lunch: LunchSpec | None) -> list[str]:
    """A lunch break inside working hours, and a day that survives its pre-holiday hour."""
    start, end = parse_hhmm(hours.start), parse_hhmm(hours.end)
    minutes = _minutes(end) - _minutes(start)
    if lunch is not None:
        lo, hi = parse_hhmm(lunch.start), parse_hhmm(lunch.end)
        if not start < lo < hi < end:
            return [
                f"calendar.lunch: обед {lunch.start}–{lunch.end} должен быть внутри рабочего дня "
                f"{hours.start}–{hours.end}"
            ]
        minutes -= _minutes(hi) - _minutes(lo)
    if minutes <= 60:
        return [
            "рабочий день без обеда должен быть длиннее часа: накануне праздника он на час короче"
        ]
    return []


def _minutes(t: time) -> int:
    return t.hour * 60 + t.minute
