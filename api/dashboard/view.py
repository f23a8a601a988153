"""The page's filters as typed (GET parameters, plain strings) and what they resolve to for this
caller: a bad value is a Russian message on the page, never a 500 nor a JSON error."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import Request
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Channel, ItemKind, Municipality, Role
from workflows.calendar.periods import Period, parse_period, week_period
from workflows.core.actors import Actor
from workflows.core.errors import Forbidden, Invalid, NotFound
from workflows.items.transitions import CHANNEL_RU, KIND_RU
from workflows.reports.scope import Scope, parse_cut
from workflows.setup.read import get_municipalities, get_setup

DEFAULT_PERIOD = "last-week"
DEFAULT_TZ = "Europe/Moscow"  # the regional view (all municipalities) counts Moscow days
# The cut's choices on the page (the citizen-facing channels; any channel works in the URL).
CHANNEL_CHOICES = [
    (c.value, CHANNEL_RU[c])
    for c in (Channel.telegram, Channel.vk, Channel.pos, Channel.api, Channel.paper)
]
KIND_CHOICES = [(k.value, KIND_RU[k]) for k in ItemKind]
FILTERS = ("period", "municipality", "sector", "channel", "kind")


@dataclass
class View:
    """What the page shows: the caller, the filters as typed, and what they resolved to."""

    actor: Actor
    raw: dict[str, str]
    period: Period | None = None
    municipalities: list[Municipality] = field(default_factory=list)
    municipality: Municipality | None = None
    sectors: list[tuple[int, str]] = field(default_factory=list)
    sector_id: int | None = None
    channels: tuple[Channel, ...] | None = None
    kinds: tuple[ItemKind, ...] | None = None

    @property
    def scope(self) -> Scope:
        if self.actor.municipality_id is not None:  # a bound token never sees past its own
            ids: tuple[int, ...] | None = (self.actor.municipality_id,)
        else:
            ids = None if self.municipality is None else (self.municipality.id or 0,)
        return Scope(ids, self.sector_id, channels=self.channels, kinds=self.kinds)

    @property
    def sector_name(self) -> str:
        return dict(self.sectors).get(self.sector_id or 0, "")

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.municipality.tz if self.municipality else DEFAULT_TZ)

    def query(self, **override: str) -> str:
        """The filters as a query string (the period in its canonical form)."""
        params = {"period": self.period.code if self.period else self.raw.get("period", "")}
        if self.actor.municipality_id is None and self.municipality is not None:
            params["municipality"] = str(self.municipality.id)
        if self.sector_id is not None and self.actor.role is not Role.sector_lead:
            params["sector"] = str(self.sector_id)
        for key, cut in (("channel", self.channels), ("kind", self.kinds)):
            if cut is not None:
                params[key] = ",".join(v.value for v in cut)
        params.update(override)
        return urlencode({k: v for k, v in params.items() if v})


def raw_filters(request: Request) -> dict[str, str]:
    q = request.query_params
    return {k: q.get(k, "").strip()[:100] for k in FILTERS}


def _int(text: str, what: str) -> int | None:
    if not text:
        return None
    if not text.isdigit() or len(text) > 18:
        raise Invalid(f"{what}: ожидается номер из списка, получено «{text[:40]}»")
    return int(text)


async def resolve_view(s: AsyncSession, view: View, *, now: datetime) -> None:
    """Check the filters against what the caller may see; fills the view or raises."""
    actor = view.actor
    view.municipalities = await get_municipalities(s, actor=actor)
    wanted = _int(view.raw["municipality"], "муниципалитет")
    if actor.municipality_id is not None:
        if wanted is not None and wanted != actor.municipality_id:
            raise Forbidden("Нет доступа к этому муниципалитету: токен выдан для другого.")
        wanted = actor.municipality_id
    if wanted is not None:
        found = [m for m in view.municipalities if m.id == wanted]
        if not found:
            raise NotFound(f"Муниципалитет {wanted} не найден.")
        view.municipality = found[0]
        setup = await get_setup(s, municipality_id=wanted)
        view.sectors = [(x["id"], x["name"]) for x in setup["sectors"]]
    try:
        view.period = parse_period(view.raw["period"] or DEFAULT_PERIOD, tz=view.tz, now=now)
    except Invalid as e:
        raise Invalid(e.reason[:1].upper() + e.reason[1:] + ".") from None
    sector = _int(view.raw["sector"], "сектор")
    if actor.role is Role.sector_lead:
        if sector is not None and sector != actor.sector_id:
            raise Forbidden("Руководитель блока видит только свой сектор.")
        sector = actor.sector_id
    if sector is not None:
        if view.municipality is None:
            raise Invalid("Чтобы выбрать сектор, сначала выберите муниципалитет.")
        if sector not in dict(view.sectors):
            raise NotFound(
                f"Сектор {sector} не найден в муниципалитете «{view.municipality.name}»."
            )
    view.sector_id = sector
    try:
        view.channels, view.kinds = parse_cut(
            channel=[view.raw["channel"]], kind=[view.raw["kind"]]
        )
    except Invalid as e:
        raise Invalid(e.reason[:1].upper() + e.reason[1:] + ".") from None


def eight_weeks(period: Period) -> Period:
    """The eight Monday-weeks that end with the period's last week."""
    last = week_period(period.last, period.tz)
    first = last.first - timedelta(weeks=7)
    return Period(first, last.last, period.tz, f"{first}..{last.last}")
