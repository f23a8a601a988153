"""Training a version and deciding whether it routes: a municipality's own model from its
decisions, or the starter from the spb-appeals corpus. A candidate worse than the model that
routes now on held-out decisions is kept, inactive, with the reason (unless forced)."""

from __future__ import annotations

import asyncio
import gzip
import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from models import Municipality, RoutingModel
from workflows.core.clock import Clock
from workflows.core.errors import Invalid
from workflows.core.tx import committing
from workflows.routing.features import leave_some_out, spb_place_kind
from workflows.routing.labels import get_examples
from workflows.routing.learning import Example, Trained, not_worse, train_on
from workflows.routing.model import ModelUnavailable, TextModel
from workflows.routing.store import (
    OWN,
    STARTER,
    NewVersion,
    do_save_version,
    get_active_row,
    get_routing_row,
    load_model,
)

SPB_TZ = ZoneInfo("Europe/Moscow")
Progress = Callable[[str], None]


@dataclass(frozen=True)
class Outcome:
    row: RoutingModel
    verdict: str  # why it routes now, or why it does not
    before: RoutingModel | None = None  # what routed when it was trained (own or starter)


# Called inside the version's transaction (the weekly run's notices: never a version untold).
Saved = Callable[[AsyncSession, Outcome], Awaitable[None]]


def load_corpus(path: Path, *, sample: int | None = None) -> list[Example]:
    """The spb-appeals lines as examples (category labels, the portal's Moscow time, its kind of
    object as our kind of place, every third left out: `leave_some_out`); `sample`
    keeps that many spread evenly over time, so the newest still come last."""
    if not path.is_file():
        raise Invalid(f"корпус не найден: {path} (укажите --data ПУТЬ)")
    with gzip.open(path, "rt", encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    examples = [
        Example(
            text=r["text"],
            label=r["category"],
            at=datetime.fromisoformat(r["created_at"]).replace(tzinfo=SPB_TZ),
            kind=spb_place_kind(r.get("object")),
        )
        for r in rows
        if r.get("text") and r.get("category")
    ]
    examples.sort(key=lambda e: e.at)
    if sample is not None and 0 < sample < len(examples):
        step = len(examples) / sample
        examples = [examples[int(i * step)] for i in range(sample)]
    kinds = leave_some_out([e.kind for e in examples])  # like our traffic: not everyone is asked
    return [replace(e, kind=k) for e, k in zip(examples, kinds, strict=True)]


def _usable(row: RoutingModel | None) -> TextModel | None:
    """The current model to compare with; one that cannot be read is no obstacle."""
    if row is None:
        return None
    try:
        return load_model(row)
    except ModelUnavailable:
        return None


def _since(row: RoutingModel | None) -> datetime | None:
    until = row.metrics.get("trained_until") if row is not None else None
    return datetime.fromisoformat(until) if isinstance(until, str) else None


async def _train(examples: Sequence[Example], progress: Progress) -> Trained:
    progress(f"обучение на {len(examples)} примерах…")
    try:
        return await asyncio.to_thread(train_on, examples)
    except ValueError as e:  # ours are in Russian; the library's are not for the user
        said = str(e) if any("а" <= ch <= "я" for ch in str(e).lower()) else None
        raise Invalid(
            said or f"обучение не удалось: данных недостаточно ({type(e).__name__})"
        ) from None


def _metrics(trained: Trained) -> dict[str, Any]:
    until = trained.trained_until.isoformat() if trained.trained_until else None
    return {**trained.metrics, "trained_until": until}


def _decide(
    trained: Trained,
    current_row: RoutingModel | None,
    *,
    force: bool,
    map_label: Callable[[str], str | None] | None = None,
) -> tuple[bool, str | None, str]:
    """(active, note, verdict) for a candidate against the model that routes now."""
    current = _usable(current_row)
    ok, verdict = not_worse(
        trained,
        current,
        current_threshold=current_row.metrics.get("threshold") if current_row else None,
        map_label=map_label,
        since=_since(current_row),
    )
    if ok:
        return True, None, verdict
    if force:
        return True, f"включена принудительно (--force), хотя хуже текущей: {verdict}", verdict
    return False, f"не включена: хуже текущей модели ({verdict})", verdict


async def check_train_own(
    session: AsyncSession,
    *,
    municipality: Municipality,
    clock: Clock,
    force: bool = False,
    progress: Progress = lambda _: None,
    on_saved: Saved | None = None,
    examples: Sequence[Example] | None = None,
) -> Outcome:
    """Train the municipality's own model from its decisions (`examples` when the caller has
    read them already) and activate it unless it is worse than what routes now; too little
    history is a refusal that changes nothing. `on_saved` writes what goes with the new version
    in its transaction."""
    mid = municipality.id or 0
    if examples is None:
        examples = await get_examples(session, municipality_id=mid)
    own_from = int((municipality.routing or {}).get("own_from", 300))
    if not examples:
        raise Invalid(
            f"у «{municipality.code}» ещё нет решений по обращениям (назначений, передач, "
            "ответов): обучать не на чем, ничего не изменено; обращения распределяются по "
            "правилам и стартовой модели"
        )
    if len(examples) < own_from and not force:
        raise Invalid(
            f"у «{municipality.code}» {len(examples)} решений, своя модель — от {own_from} "
            "(routing.own_from): пока подсказывает стартовая модель, ничего не изменено "
            "(--force обучит раньше)"
        )
    progress(f"решений для обучения: {len(examples)}")
    trained = await _train(examples, progress)
    current_row = await get_routing_row(session, municipality_id=mid)
    categories: dict[str, str] = (municipality.routing or {}).get("categories") or {}
    mapper = categories.get if current_row is not None and current_row.source != OWN else None
    active, note, verdict = _decide(trained, current_row, force=force, map_label=mapper)
    new = NewVersion(trained.model, OWN, len(examples), _metrics(trained), active, note)
    async with committing(session):
        row = await do_save_version(
            session, municipality_id=mid, owner_code=municipality.code, new=new, now=clock.now()
        )
        outcome = Outcome(row, verdict, current_row)
        if on_saved is not None:
            await on_saved(session, outcome)
    return outcome


async def check_train_starter(
    session: AsyncSession,
    *,
    examples: Sequence[Example],
    clock: Clock,
    force: bool = False,
    progress: Progress = lambda _: None,
) -> Outcome:
    """Train the starter model on the corpus; it replaces the active starter unless worse."""
    trained = await _train(examples, progress)
    current_row = await get_active_row(session, municipality_id=None)
    active, note, verdict = _decide(trained, current_row, force=force)
    new = NewVersion(trained.model, STARTER, len(examples), _metrics(trained), active, note)
    async with committing(session):
        row = await do_save_version(
            session, municipality_id=None, owner_code=STARTER, new=new, now=clock.now()
        )
    return Outcome(row, verdict)
