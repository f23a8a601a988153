"""The simulation behind `bench.routing_curve`: a new municipality's items week by week, routed
by the active model or decided by the operator, its own model retrained on those decisions and
switched to only when `not_worse`. An item's true sector is its reason's (`true_sector`); the
starter reaches sectors through its category table (`Scenario.table`: only the categories that go
whole to one sector, or all of them). Every model reads the text and the kind of place the
simulated citizen gave when the bot asked «Что это за место?» (the trace's `object`, `kind`), unless the
scenario is text only. Pure: no printing; the bench module explains the choices."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from bench.curve_sectors import category_table, true_sector
from workflows.routing.features import leave_some_out, spb_place_kind
from workflows.routing.learning import (
    PRECISION,
    RULE,
    Example,
    Trained,
    not_worse,
    train_on,
)
from workflows.routing.metrics import ThresholdRule
from workflows.routing.model import TextModel

LOCAL = ZoneInfo("Europe/Moscow")  # the trace's `created_at` is local time without a zone
WEEK = timedelta(days=7)
OWN_FROM = 300
WHOLE = 0.9  # a category goes whole to one sector when this share of its items does
TABLES = ("whole", "all")


def at(row: dict[str, Any]) -> datetime:
    """When a message arrived, as an aware datetime."""
    return datetime.fromisoformat(row["created_at"]).replace(tzinfo=LOCAL)


@dataclass(frozen=True)
class Scenario:
    districts: frozenset[str]  # the spb districts that play the new municipality
    start: datetime  # its first day: items from it on; the starter sees only older messages
    weeks: int | None = None  # None: until the trace ends
    own_from: int = OWN_FROM  # decisions before the municipality trains a model of its own
    precision: float = PRECISION
    table: str = "whole"  # "whole": only categories that go whole to one sector; "all": every one
    whole_share: float = WHOLE
    kinds: bool = (
        True  # the citizen answered «Что это за место?»; False: the models read the text only
    )
    rule: ThresholdRule = RULE  # how sure an own model's threshold must be
    held_out_too: bool = False  # choose it on the held-out decisions as well as out of fold


def kind(row: dict[str, Any], sc: Scenario) -> str | None:
    """Where the problem is, as the citizen answered «Что это за место?»: the portal's object kind as a
    PlaceKind value (None when the scenario is text only)."""
    return spb_place_kind(row["object"]) if sc.kinds else None


def example(row: dict[str, Any], label: str, sc: Scenario) -> Example:
    """A row as a training example: its text, the kind of place, the label and its time."""
    return Example(row["text"], label, at(row), kind(row, sc))


@dataclass
class Active:
    """The model that routes now: what it predicts is mapped to a sector by `to_sector`."""

    name: str  # "starter", "own v1", …
    model: TextModel
    threshold: float | None
    to_sector: Callable[[str], str | None] | None  # None: its labels are sectors already
    fit_until: datetime  # the newest example it was fit on
    since: datetime  # the moment it began to route (the end of the week it was trained at)
    trained_ids: frozenset[int]  # the rows it was fit on: what the tests check


class Route(NamedTuple):
    sector: str | None  # what the active model suggests, as a sector (None: nothing)
    alone: bool  # whether it routes by itself
    p: float  # the top label's confidence (0 when there is no suggestion)


class Miss(NamedTuple):
    """A wrong route: the item, the sector it was sent to, at what confidence."""

    id: int
    sector: str
    p: float


@dataclass(frozen=True)
class Week:
    start: datetime
    items: int
    auto: int  # routed by the model alone
    errors: int  # of them, reassigned by the recipient: a wrong sector
    model: str
    threshold: float | None
    routed_ids: tuple[int, ...] = ()
    wrong: tuple[Miss, ...] = ()  # the routes the recipients reassigned

    @property
    def operator(self) -> int:
        return self.items - self.auto


@dataclass(frozen=True)
class Version:
    """One candidate trained at a week's end, switched to or refused."""

    week: int
    name: str
    decisions: int
    threshold: float | None
    held_out_f1: float | None
    switched: bool
    verdict: str


@dataclass
class Run:
    weeks: list[Week] = field(default_factory=list)
    versions: list[Version] = field(default_factory=list)
    models: dict[str, Active] = field(default_factory=dict)  # every model that routed, by name


def municipality_rows(rows: Sequence[dict[str, Any]], sc: Scenario) -> list[dict[str, Any]]:
    """The new municipality's items from its start, in time order (and within `weeks`)."""
    end = sc.start + WEEK * sc.weeks if sc.weeks is not None else None
    mine = [r for r in rows if r["district"] in sc.districts and at(r) >= sc.start]
    return [r for r in mine if end is None or at(r) < end]


def starter_rows(rows: Sequence[dict[str, Any]], sc: Scenario) -> list[dict[str, Any]]:
    """What the starter may learn from: the other districts' messages older than the start."""
    return [r for r in rows if r["district"] not in sc.districts and at(r) < sc.start]


def starter_table(rows: Sequence[dict[str, Any]], sc: Scenario) -> dict[str, str]:
    """The setup's category table, written from the starter's own rows: with `table="whole"` only
    the categories at least `whole_share` of whose items go to one sector."""
    if sc.table not in TABLES:
        raise ValueError(f"неизвестная таблица категорий: {sc.table}")
    whole = sc.whole_share if sc.table == "whole" else None
    return category_table(starter_rows(rows, sc), whole=whole)


def train_starter(rows: Sequence[dict[str, Any]], sc: Scenario) -> tuple[Active, Trained]:
    """The starter on categories, its threshold from train_on; when it routes, its category is
    mapped to a sector by the setup's table, written from the same rows (`starter_table`): a
    category the table leaves out is never routed, the operator decides it."""
    picked = starter_rows(rows, sc)
    table = starter_table(rows, sc)
    # as the product's starter (`load_corpus`): the portal asked everyone, our bot does not
    said = leave_some_out([kind(r, sc) for r in picked])
    examples = [
        replace(example(r, r["category"], sc), kind=k) for r, k in zip(picked, said, strict=True)
    ]
    trained = train_on(examples, precision=sc.precision)
    active = Active(
        name="starter",
        model=trained.model,
        threshold=trained.threshold,
        to_sector=table.get,
        fit_until=max(at(r) for r in picked),
        since=sc.start,
        trained_ids=frozenset(r["id"] for r in picked),
    )
    return active, trained


def route(active: Active, row: dict[str, Any], sc: Scenario) -> Route:
    """The sector the active model suggests for an item (its text and the kind of place the
    citizen named), and whether it may route by itself."""
    top = active.model.suggest(row["text"], k=1, kind=kind(row, sc))
    if not top:
        return Route(None, False, 0.0)
    label, p = top[0].label, top[0].p
    sector = active.to_sector(label) if active.to_sector else label
    alone = sector is not None and active.threshold is not None and p >= active.threshold
    return Route(sector, alone, p)


def simulate(
    rows: Sequence[dict[str, Any]],
    starter: Active,
    sc: Scenario,
    *,
    learn: bool,
    progress: Callable[[str], None] = lambda _: None,
) -> Run:
    """Week by week: route, collect each item's decision, retrain at the week's end (when
    `learn`) and switch if the candidate is not worse than the active model."""
    items = municipality_rows(rows, sc)
    run = Run(models={starter.name: starter})
    active = starter
    decided: list[tuple[int, Example]] = []
    n_weeks = sc.weeks if sc.weeks is not None else -(-(at(items[-1]) - sc.start) // WEEK)
    for w in range(n_weeks):
        begin, end = sc.start + WEEK * w, sc.start + WEEK * (w + 1)
        routed: list[int] = []
        wrong: list[Miss] = []
        week_items = [r for r in items if begin <= at(r) < end]
        for r in week_items:
            truth = true_sector(r)  # from its reason: what the operator would decide
            got = route(active, r, sc)
            if got.alone:
                routed.append(r["id"])
                if got.sector != truth:
                    wrong.append(Miss(r["id"], str(got.sector), got.p))
            # the operator's choice, or the recipient's reassignment, or the accepted route:
            # either way the item ends in its true sector, and that is the label
            decided.append((r["id"], example(r, truth, sc)))
        auto, errors = len(routed), len(wrong)
        run.weeks.append(
            Week(
                begin,
                len(week_items),
                auto,
                errors,
                active.name,
                active.threshold,
                tuple(routed),
                tuple(wrong),
            )
        )
        progress(f"week {w + 1}: {len(week_items)} items, {auto} routed by {active.name}")
        if learn and len(decided) >= sc.own_from:
            active = _retrain(run, active, decided, sc, week=w + 1, now=end)
    return run


def _retrain(
    run: Run,
    active: Active,
    decided: Sequence[tuple[int, Example]],
    sc: Scenario,
    *,
    week: int,
    now: datetime,
) -> Active:
    """Train a candidate on every decision so far; the new active model (or the same one)."""
    name = f"own v{len(run.versions) + 1}"
    examples = [e for _, e in decided]
    try:
        candidate = train_on(
            examples, precision=sc.precision, rule=sc.rule, held_out_too=sc.held_out_too
        )
    except ValueError as e:
        run.versions.append(Version(week, name, len(examples), None, None, False, str(e)))
        return active
    ok, verdict = not_worse(
        candidate,
        active.model,
        current_threshold=active.threshold,
        map_label=active.to_sector,
        since=active.fit_until,
    )
    f1 = candidate.metrics.get("macro_f1")
    run.versions.append(Version(week, name, len(examples), candidate.threshold, f1, ok, verdict))
    if not ok:
        return active
    new = Active(
        name=name,
        model=candidate.model,
        threshold=candidate.threshold,
        to_sector=None,
        fit_until=max(e.at for e in examples),
        since=now,
        trained_ids=frozenset(i for i, _ in decided),
    )
    run.models[name] = new
    return new
