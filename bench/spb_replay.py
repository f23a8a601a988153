"""Replay the real spb-appeals trace (St Petersburg portal, Oct 2020 - Apr 2021) into a database
and build the weekly note of one week from it.

    python -m bench.spb_replay [--database-url URL] [--week 2021-W08] [--out docs/example-digest]
                               [--limit N]

Without --database-url the replay goes into a scratch database (migrated, dropped at the end);
with it, into that database (migrated to head first), where it stays for the API and dashboard.
The municipality `spb-replay` is created through the ordinary YAML setup apply: sectors are the
portal's 15 categories, localities its 18 districts, one recipient per district (the district
administration), a head and a curator, and a message policy of 8 working days. The portal has
no single legal term for these messages: the 8 working days are an assumption of this replay.

Items are loaded as they stood at `until` (the end of the chosen week): whatever happened later
(a take, an answer, a closure) is left out, and messages sent later are not loaded, so "open now"
and "overdue now" in the note mean "at the end of that week". Working times (take_wsec,
answer_wsec) come from a per-day table of cumulative working seconds, checked against
WorkCalendar.working_time_between on a sample of rows.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import gzip
import json
import os
import re
import statistics
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import yaml
from sqlalchemy import delete, insert, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlmodel import col
from sqlmodel import select as orm_select
from sqlmodel.ext.asyncio.session import AsyncSession

from bench.support import Progress, temp_database
from models import (
    Channel,
    DeadlineClock,
    DeadlinePolicy,
    Item,
    ItemKind,
    ItemStatus,
    Locality,
    Municipality,
    Sector,
    Staff,
)
from models.db import make_engine, make_sessionmaker
from models.migrate import upgrade_head_async
from workflows.calendar.deadlines import add_length, get_calendar
from workflows.calendar.periods import Period, parse_period
from workflows.calendar.work_calendar import WorkCalendar
from workflows.core.clock import FakeClock
from workflows.reports.growth import get_growth
from workflows.reports.heatmap import get_weekly_counts
from workflows.reports.scope import Scope
from workflows.reports.summary import get_summary
from workflows.routing.categories import SPB_CATEGORIES
from workflows.setup.apply import check_apply_setup

if TYPE_CHECKING:
    import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(
    os.environ.get(
        "MCU_SPB_APPEALS", ROOT.parent / "shared" / "data" / "spb-appeals" / "appeals.jsonl.gz"
    )
)
TZ = ZoneInfo("Europe/Moscow")
CODE = "spb-replay"
NAME = "Санкт-Петербург (реплей портала)"
PREFIX = "СПБ"
POLICY_DAYS = 8  # an assumption of the replay: the portal's terms vary by reason
DEFAULT_WEEK = "2021-W08"
DEFAULT_OUT = ROOT / "docs" / "example-digest"
CHUNK = 2_000
CHECK_EVERY = 97  # every so many rows, the fast working time is checked against the calendar

# The portal's topics (the starter model's labels) and districts, most frequent first.
CATEGORIES = SPB_CATEGORIES
DISTRICTS = (
    "Невский",
    "Выборгский",
    "Калининский",
    "Центральный",
    "Московский",
    "Кировский",
    "Приморский",
    "Красносельский",
    "Красногвардейский",
    "Фрунзенский",
    "Адмиралтейский",
    "Пушкинский",
    "Василеостровский",
    "Петроградский",
    "Колпинский",
    "Петродворцовый",
    "Курортный",
    "Кронштадтский",
)

_LATIN = {
    **dict(zip("абвгдезийклмнопрстуфы", "abvgdeziyklmnoprstufy", strict=True)),
    **{"ё": "e", "ж": "zh", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch"},
    **{"ъ": "", "ь": "", "э": "e", "ю": "yu", "я": "ya"},
}


# ---- the municipality -------------------------------------------------------------------------


def slug(name: str, limit: int = 40) -> str:
    """An ascii code for a Russian name: transliterated, dashes between words, whole words only."""
    latin = "".join(_LATIN.get(ch, ch) for ch in name.lower())
    words = re.findall(r"[a-z0-9]+", latin)
    out: str = words[0][:limit]
    for word in words[1:]:
        if len(out) + 1 + len(word) > limit:
            break
        out += "-" + word
    while "-" in out and len(out.rsplit("-", 1)[1]) <= 3:  # no dangling «и», «или», «с»
        out = out.rsplit("-", 1)[0]
    return out


def district_genitive(district: str) -> str:
    """«Адмиралтейский» → «Адмиралтейского» (every district name ends in -ий or -ый)."""
    if not district.endswith(("ий", "ый")):
        raise ValueError(f"unexpected district name {district!r}")
    return district[:-2] + "ого"


def recipient_code(district: str) -> str:
    """The staff code of a district's administration."""
    return "adm-" + slug(district)


def setup_yaml() -> str:
    """The municipality's setup file, as an administrator would write it."""
    spec = {
        "municipality": {"code": CODE, "name": NAME, "number_prefix": PREFIX, "tz": TZ.key},
        "sectors": [{"code": slug(c), "name": c} for c in CATEGORIES],
        "localities": [{"code": slug(d), "name": f"{d} район"} for d in DISTRICTS],
        "staff": [
            {"code": "head", "name": "Руководитель МЦУ (реплей)", "role": "head"},
            {"code": "curator", "name": "Куратор МЦУ (реплей)", "role": "curator"},
        ]
        + [
            {
                "code": recipient_code(d),
                "name": f"Администрация {district_genitive(d)} района",
                "role": "recipient",
                "position": "ответственный за сообщения портала в районе",
            }
            for d in DISTRICTS
        ],
        "policies": [
            {
                "code": "message",
                "kind": "message",
                "clock": "working_days",
                "length": POLICY_DAYS,
                "take": {"clock": "working_days", "length": 1},
            }
        ],
    }
    header = (
        "# spb-replay: the St Petersburg portal trace (bench/spb_replay.py).\n"
        f"# The message term of {POLICY_DAYS} working days is an assumption of the replay.\n"
    )
    return header + yaml.safe_dump(spec, allow_unicode=True, sort_keys=False, width=100)


@dataclass(frozen=True)
class Ids:
    """Database ids the replayed rows point at."""

    municipality_id: int
    policy: DeadlinePolicy
    sectors: dict[str, int]  # category -> sector id
    localities: dict[str, int]  # district -> locality id
    recipients: dict[str, int]  # district -> staff id


async def apply_municipality(session: AsyncSession) -> Ids:
    """Create or update the spb-replay municipality through the YAML setup apply."""
    report = await check_apply_setup(
        session, text=setup_yaml(), clock=FakeClock(datetime(2021, 1, 1, tzinfo=UTC))
    )
    mid = report.municipality_id

    async def codes(table: Any) -> dict[str, int]:
        rows = await session.exec(
            orm_select(table.id, table.code).where(table.municipality_id == mid)
        )
        return {code: id_ for id_, code in rows.all()}

    sectors, localities, staff = await codes(Sector), await codes(Locality), await codes(Staff)
    policy = (
        await session.exec(
            orm_select(DeadlinePolicy).where(
                DeadlinePolicy.municipality_id == mid, DeadlinePolicy.code == "message"
            )
        )
    ).one()
    return Ids(
        municipality_id=mid,
        policy=policy,
        sectors={c: sectors[slug(c)] for c in CATEGORIES},
        localities={d: localities[slug(d)] for d in DISTRICTS},
        recipients={d: staff[recipient_code(d)] for d in DISTRICTS},
    )


# ---- working time -----------------------------------------------------------------------------


class WorkingSeconds:
    """Working seconds counted from a fixed origin, one table row per local day: the working
    time between two moments is the difference of two lookups (a bisect), the same figure as
    WorkCalendar.working_time_between without its walk over the days in between."""

    def __init__(self, calendar: WorkCalendar, first: date, last: date) -> None:
        tz = calendar.tz
        days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
        self.midnights: list[float] = []
        self.starts: list[float] = []
        self.lengths: list[float] = []
        self.before: list[float] = []  # working seconds from the origin to each local midnight
        total = 0.0
        for day in days:
            midnight = datetime.combine(day, time(0), tz).timestamp()
            self.midnights.append(midnight)
            self.before.append(total)
            if calendar.is_working_day(day):
                start = calendar.next_working_moment(datetime.combine(day, time(0), tz))
                length = (calendar.day_end(day) - start).total_seconds()
                self.starts.append(start.timestamp())
                self.lengths.append(length)
                total += length
            else:
                self.starts.append(midnight)
                self.lengths.append(0.0)
        self.end = datetime.combine(last + timedelta(days=1), time(0), tz).timestamp()

    def at(self, ts: float) -> float:
        """Working seconds from the origin to the Unix time `ts`."""
        if not self.midnights[0] <= ts < self.end:
            raise ValueError(f"moment {ts} outside the table's days")
        i = bisect.bisect_right(self.midnights, ts) - 1
        return self.before[i] + min(max(ts - self.starts[i], 0.0), self.lengths[i])

    def between(self, a: datetime, b: datetime) -> int:
        """Whole working seconds in [a, b), as the lifecycle stamps them (zero if b <= a)."""
        return int(max(0.0, self.at(b.timestamp()) - self.at(a.timestamp())))

    def at_many(self, ts: np.ndarray) -> np.ndarray:
        """`at` for an array of Unix times (for bulk loads)."""
        import numpy as np

        if ts.size and (ts.min() < self.midnights[0] or ts.max() >= self.end):
            raise ValueError("moments outside the table's days")
        i = np.searchsorted(np.asarray(self.midnights), ts, side="right") - 1
        starts, lengths = np.asarray(self.starts)[i], np.asarray(self.lengths)[i]
        out: np.ndarray = np.asarray(self.before)[i] + np.clip(ts - starts, 0.0, lengths)
        return out


def check_working_seconds(
    calendar: WorkCalendar, ws: WorkingSeconds, pairs: Sequence[tuple[datetime, datetime]]
) -> int:
    """Compare the fast working time with the calendar's own on some (start, end) pairs;
    raises on the first difference, returns how many were checked."""
    for a, b in pairs:
        slow = int(calendar.working_time_between(a, b).total_seconds())
        fast = ws.between(a, b)
        if fast != slow:
            raise RuntimeError(f"working time {a}..{b}: table {fast} s, calendar {slow} s")
    return len(pairs)


class DeadlineCache:
    """A policy's deadline from a registration moment; day-based clocks cached per local date."""

    def __init__(self, calendar: WorkCalendar, clock: DeadlineClock, length: int) -> None:
        self.calendar, self.clock, self.length = calendar, clock, length
        self._by_day: dict[date, datetime] = {}

    def __call__(self, start: datetime) -> datetime:
        if self.clock is DeadlineClock.working_hours:
            return add_length(self.calendar, start, self.clock, self.length)
        day = start.astimezone(self.calendar.tz).date()
        due = self._by_day.get(day)
        if due is None:
            due = self._by_day[day] = add_length(self.calendar, start, self.clock, self.length)
        return due


# ---- the trace --------------------------------------------------------------------------------


def read_trace(path: Path = DATA, limit: int | None = None) -> Iterator[dict[str, Any]]:
    """The trace's messages, oldest first; at most `limit`."""
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for n, line in enumerate(f):
            if limit is not None and n >= limit:
                return
            yield json.loads(line)


def moment(value: str | None) -> datetime | None:
    """A portal timestamp (Moscow wall time, no zone) as an aware UTC datetime; None if empty."""
    if not value:
        return None
    return datetime.fromisoformat(value).replace(tzinfo=TZ).astimezone(UTC)


def before(value: str | None, until: datetime | None) -> datetime | None:
    """The moment if it happened before `until` (or there is no `until`)."""
    at = moment(value)
    return at if at is not None and (until is None or at < until) else None


@dataclass
class Loader:
    """Turns trace lines into item rows for one municipality."""

    ids: Ids
    ws: WorkingSeconds
    due: DeadlineCache
    take_due: DeadlineCache
    until: datetime | None

    def row(self, rec: dict[str, Any]) -> dict[str, Any] | None:
        """The item as it stood at `until`; None if it was sent later."""
        registered = moment(rec["created_at"])
        assert registered is not None
        if self.until is not None and registered >= self.until:
            return None
        taken = before(rec["review_at"], self.until)
        answered = before(rec["answered_at"], self.until)
        closed = before(rec["closed_at"], self.until)
        if closed is not None:
            status = ItemStatus.closed
        elif answered is not None:
            status = ItemStatus.answered
        elif taken is not None:
            status = ItemStatus.in_progress
        else:
            status = ItemStatus.assigned
        solved = True if closed is not None and rec["closed_how"] == "citizen_confirmed" else None
        local_year = registered.astimezone(TZ).year
        ids = self.ids
        return {
            "municipality_id": ids.municipality_id,
            "number": f"{PREFIX}-{local_year}-{rec['id']}",
            "kind": ItemKind.message,
            "status": status,
            "channel": Channel.pos,
            "sector_id": ids.sectors[rec["category"]],
            "locality_id": ids.localities[rec["district"]],
            "lat": rec["lat"],
            "lon": rec["lon"],
            "text": rec["text"] or "(без текста)",
            "assignee_id": ids.recipients[rec["district"]],
            "policy_id": ids.policy.id,
            "registered_at": registered,
            "take_due_at": self.take_due(registered),
            "due_at": self.due(registered),
            "extensions": 0,
            "taken_at": taken,
            "answered_at": answered,
            "closed_at": closed,
            "answer_text": (rec["answer"] or None) if answered is not None else None,
            "solved": solved,
            "take_wsec": None if taken is None else self.ws.between(registered, taken),
            "answer_wsec": None if answered is None else self.ws.between(registered, answered),
            "reopens": 0,
            "version": 1,
            "updated_at": max(m for m in (registered, taken, answered, closed) if m is not None),
        }


async def insert_rows(
    conn: AsyncConnection, rows: Iterator[dict[str, Any]], progress: Progress | None
) -> int:
    """Core executemany in chunks; returns the rows inserted."""
    table = Item.__table__  # type: ignore[attr-defined]
    done, chunk = 0, []
    for row in rows:
        chunk.append(row)
        if len(chunk) == CHUNK:
            await conn.execute(insert(table), chunk)
            done += len(chunk)
            chunk = []
            if progress is not None and done % (10 * CHUNK) == 0:
                progress(f"  {done:,} items inserted")
    if chunk:
        await conn.execute(insert(table), chunk)
        done += len(chunk)
    return done


def build_rows(
    calendar: WorkCalendar,
    ids: Ids,
    records: list[dict[str, Any]],
    until: datetime | None,
    progress: Progress | None,
) -> list[dict[str, Any]]:
    """Item rows for the trace's messages sent before `until`; the fast working time is
    checked against the calendar's own on every CHECK_EVERY-th row."""
    moments = [moment(r[k]) for r in records for k in ("created_at", "review_at", "answered_at")]
    known = [m for m in moments if m is not None] or [datetime(2020, 10, 1, tzinfo=UTC)]
    days = [m.astimezone(TZ).date() for m in (min(known), max(known))]
    ws = WorkingSeconds(calendar, days[0], days[1])
    policy = ids.policy
    loader = Loader(
        ids,
        ws,
        DeadlineCache(calendar, policy.clock, policy.length),
        DeadlineCache(calendar, policy.take_clock, policy.take_length),
        until,
    )
    rows = [r for r in map(loader.row, records) if r is not None]
    sample = [
        (r["registered_at"], r[k])
        for r in rows[::CHECK_EVERY]
        for k in ("taken_at", "answered_at")
        if r[k] is not None
    ]
    checked = check_working_seconds(calendar, ws, sample)
    if progress is not None:
        progress(f"{len(rows):,} items built; working time equal to the calendar's on {checked}")
    return rows


async def replay(
    engine_or_url: AsyncEngine | str,
    *,
    limit: int | None = None,
    until: datetime | None = None,
    data: Path = DATA,
    progress: Progress | None = None,
) -> int:
    """Create or update the spb-replay municipality and replace its items with the first
    `limit` messages of the trace as they stood at `until`; returns the municipality's id."""
    engine = make_engine(engine_or_url) if isinstance(engine_or_url, str) else engine_or_url
    table = Item.__table__  # type: ignore[attr-defined]
    try:
        async with make_sessionmaker(engine)() as s:
            ids = await apply_municipality(s)
            muni = await s.get(Municipality, ids.municipality_id)
            assert muni is not None
            calendar = await get_calendar(s, municipality=muni)
        records = list(read_trace(data, limit))
        if progress is not None:
            progress(f"read {len(records):,} messages of the trace from {data.name}")
        rows = build_rows(calendar, ids, records, until, progress)
        async with engine.begin() as conn:  # one transaction: the old replay or the new one
            await conn.execute(delete(table).where(table.c.municipality_id == ids.municipality_id))
            n = await insert_rows(conn, iter(rows), progress)
        if engine.dialect.name == "postgresql":
            async with engine.connect() as conn:
                await conn.execution_options(isolation_level="AUTOCOMMIT")
                await conn.execute(text("ANALYZE item"))
        if progress is not None:
            progress(f"{n:,} items of municipality {ids.municipality_id} in the database")
        return ids.municipality_id
    finally:
        if isinstance(engine_or_url, str):
            await engine.dispose()


# ---- the weekly note --------------------------------------------------------------------------


async def why_this_week(session: AsyncSession, municipality_id: int, week: Period) -> list[str]:
    """Lines that say what makes the week worth a note: its volume, its growth points and the
    problems behind them."""
    scope = Scope((municipality_id,))
    trend = Period(week.first - timedelta(weeks=8), week.last, TZ, "trend")
    weeks = await get_weekly_counts(session, scope=scope, period=trend, now=week.end)
    received = [w[1] for w in weeks]
    before_ = received[:-1]
    snow = [await snowy(session, municipality_id, p) for p in (week.previous(), week)]
    lines = [
        f"{week.code} ({week.label}): {received[-1]:,} messages received, against a mean of"
        f" {statistics.mean(before_):,.0f} a week over the 8 weeks before"
        f" (min {min(before_):,}, max {max(before_):,});",
        f"  {snow[1]:,} of them mention snow or ice (снег, сосульки, наледь, гололёд),"
        f" {snow[0]:,} the week before",
    ]
    for g in await get_growth(session, scope=scope, week=week):
        lines.append(
            f"  growth: {g.dimension} «{g.name}»: {g.count} against a normal {g.baseline:g}"
            f" a week (x{g.ratio:g}, p = {g.p_value:.1e})"
        )
        named = [p for p in g.problems if not p.other]
        if named:
            lines.append("    about: " + "; ".join(f"{p.label} {p.count}" for p in named))
    return lines


SNOW = re.compile(r"снег|сосул|налед|наледь|гололед|гололёд", re.IGNORECASE)


async def snowy(session: AsyncSession, municipality_id: int, period: Period) -> int:
    """Messages registered in the period whose text mentions snow or ice."""
    texts = await session.exec(
        orm_select(Item.text).where(
            Item.municipality_id == municipality_id,
            col(Item.registered_at) >= period.start,
            col(Item.registered_at) < period.end,
        )
    )
    return sum(1 for t in texts if SNOW.search(t))


async def write_note(
    session: AsyncSession, *, municipality_id: int, week: Period, now: datetime, out: Path
) -> list[Path]:
    """Build the week's note with the digest builder and write its text and files to `out`."""
    from workflows.digest.build import build_digest  # the lead's module; imported when needed

    doc = await build_digest(session, municipality_id=municipality_id, week=week, now=now)
    out.mkdir(parents=True, exist_ok=True)
    for stale in [*out.glob("*.png"), *out.glob("*.xlsx")]:
        stale.unlink()
    written = [out / "note.txt"]
    written[0].write_text(doc.text + "\n", encoding="utf-8")
    for part in doc.files:
        path = out / Path(part.name).name
        path.write_bytes(part.content)
        written.append(path)
    return written


def readme(week: Period, why: list[str], summary: dict[str, Any], files: list[Path]) -> str:
    """The output folder's README: what these files are and what the replay assumed."""
    listed = "\n".join(f"- `{p.name}`" for p in files)
    return f"""# Example weekly note: St Petersburg portal, {week.code}

Generated by `python -m bench.spb_replay --week {week.code}` from the real trace
`shared/data/spb-appeals` (47,896 messages to the portal «Наш Санкт-Петербург», Oct 2020 –
Apr 2021; personal data masked at the source). Do not edit by hand: run the command again.

{listed}

`note.txt` is the Telegram HTML text the head and the curator receive; the PNG charts and the
XLSX workbook are its attachments.

Why this week ({week.label}): {WHY.get(week.code, "see the figures the command printed")}

```
{chr(10).join(why)}
```

What each growth point is about («Главное — рост» at the top of the note, and the lines under
each point) comes from `workflows/reports/causes.py`: the point's items of the week grouped by
the similarity of their texts (TF-IDF of lemmas over the week, LSA, a greedy clustering), each
group labelled by its nouns most typical against the rest of the week and of the point, with
the numbers of its most central items; the few that fit no group are «прочее». The note shows
labels, counts and item numbers, and one excerpt a point, masked; `python -m bench.causes`
times the grouping and prints the groups of the week's three first points.

How the replay maps the portal:
- municipality `spb-replay`, created through the ordinary YAML setup apply; sectors = the 15
  portal categories, localities = the 18 districts, one recipient per district (its
  administration), a head and a curator;
- **assumption**: a message must be answered within {POLICY_DAYS} working days (the portal's
  terms differ by reason and are not in the trace), taken within 1 working day; "late",
  "overdue" and "on time" in the note are measured against that assumed term;
- registered = the citizen's message, taken = handed to the responsible body (`review_at`),
  answered = the first final answer, closed = closed; "solved" = the citizen confirmed it
  (`closed_how = citizen_confirmed`); the trace never records a "not solved", so the note's
  «решено» share is 100 % of those who said anything, by construction;
- the state is the one at the end of the week, {now_text(week)}: later takes, answers
  and closures are not loaded, nor messages sent later; "open now" means open at that moment;
- working time on the Russian production calendar, Moscow time, 09:00–18:00.

Figures of the week (get_summary):
- received {summary["received"]:,}, answered {summary["answered"]:,}, of them late \
{summary["answered_late"]:,};
- median time to answer {summary["answer_median_h"]} working hours;
- open at the end of the week {summary["open_now"]:,}, of them overdue {summary["overdue_now"]:,}.
"""


WHY = {
    DEFAULT_WEEK: "winter, the busiest week of the trace so far, with snow and ice in more than a"
    " quarter of the messages and roofs (snow, icicles) at 2.6 times their normal. It had only"
    " 3 working days (22 February 2021 was a day off moved from Saturday 20 February, 23"
    " February a holiday), hence fewer answers than the week before.",
}


def now_text(week: Period) -> str:
    """The replay's `now` in Moscow time, for the README."""
    return week.end.astimezone(TZ).strftime("%Y-%m-%d %H:%M") + " Moscow time"


# ---- entry point ------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command-line options."""
    p = argparse.ArgumentParser(
        prog="python -m bench.spb_replay",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--database-url", help="a database to keep the replay in (default: scratch)")
    p.add_argument("--week", default=DEFAULT_WEEK, help="ISO week of the note, e.g. 2021-W08")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="folder for the note's files")
    p.add_argument("--limit", type=int, help="replay only the first N messages of the trace")
    args = p.parse_args(argv)
    args.period = parse_period(args.week, tz=TZ, now=datetime.now(UTC))
    if "W" not in args.period.code:
        p.error("--week takes an ISO week such as 2021-W08")
    return args


async def run_on(url: str, args: argparse.Namespace, progress: Progress) -> None:
    """Replay into `url`, then build and write the note."""
    week: Period = args.period
    engine = make_engine(url)
    try:
        mid = await replay(engine, limit=args.limit, until=week.end, progress=progress)
        async with make_sessionmaker(engine)() as s:
            why = await why_this_week(s, mid, week)
            summary = await get_summary(s, scope=Scope((mid,)), period=week, now=week.end)
        progress("chosen week:\n" + "\n".join(why))
        async with make_sessionmaker(engine)() as s:
            files = await write_note(s, municipality_id=mid, week=week, now=week.end, out=args.out)
        (args.out / "README.md").write_text(readme(week, why, vars(summary), files), "utf-8")
        progress(f"note of {week.code} written: " + ", ".join(str(p) for p in files))
    finally:
        await engine.dispose()


async def run(args: argparse.Namespace) -> None:
    """Into the given database, or a scratch one."""
    progress = Progress()
    if args.database_url:
        await upgrade_head_async(args.database_url)
        await run_on(args.database_url, args, progress)
    else:
        async with temp_database("mcu_spb") as url:
            progress(f"scratch database {url.rsplit('/', 1)[1]} migrated to head")
            await run_on(url, args, progress)
    progress("done")


def main(argv: list[str] | None = None) -> int:
    """Replay the trace and write the week's note."""
    asyncio.run(run(parse_args(argv)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
