"""The learning curve of a new municipality, simulated on the real spb-appeals trace: how the
share routed automatically grows week by week as the operator's decisions teach its own model,
and what that routing's precision is, beside a model that never learns.

    python -m bench.routing_curve [--sample N] [--weeks N] [--own-from 300]
                                  [--districts Петродворцовый,Курортный,Кронштадтский]
                                  [--start 2020-12-07] [--table whole|all] [--whole-share 0.9]
                                  [--text-only]

The choices, and why they are honest:
- The new municipality is three small suburban districts of the trace (Петродворцовый,
  Курортный, Кронштадтский: about 40 messages a week between them) from Monday 2020-12-07; its
  items arrive in their real time order. Its eight sectors do not follow the portal's
  categories: an item's true sector (what the operator decides) comes from its `reason`, one of
  126 sub-topics, by `bench.curve_sectors.SECTORS`; «Благоустройство» and «Содержание МКД» are
  split between several sectors. The models read `text` and the kind of place, never `reason`
  nor `category`: the simulated citizen answered the bot's «Что это за место?», and the answer is the
  trace's `object` as one of our kinds of place (`spb_place_kind`: «Дом» is a house, «Двор» a
  yard, …, anything else «other»); the starter learns from it on the other districts, the own
  models on the decisions, and every suggestion reads it. `--text-only` leaves it out (the
  curve before the bot asked).
- The starter is trained (`train_on`, labels = categories) on the other 15 districts' messages
  older than the start: never on the new municipality, never on the future. When it routes, its
  top category is mapped to a sector by the setup's table, one sector per category (the one most
  of that category's items go to in the starter's own rows: `category_table`).
  With `--table whole` (the default) the table maps only the categories at least
  `--whole-share` (0.9) of whose items in the starter's own rows go to one sector, as a sensible
  administrator would write it: «Благоустройство» and «Содержание МКД» are left out, the product
  never suggests them, so their items go to the operator (and become the own model's labels).
  With `--table all` every category is mapped and the table is lossy: a roads item of
  «Благоустройство» is routed to cleaning. The starter's threshold is train_on's, chosen out of
  fold for 99% precision on categories, so it does not stop such routes: they are counted as
  errors. Either way the own model learns the real sectors.
- Each item is routed by itself when the active model's top label (as a sector) has a
  confidence ≥ the threshold; a text the model declines (empty, not Russian) goes to the
  operator. Otherwise the operator decides. Every item ends with a label = its true sector:
  the operator's choice, or the recipient's reassignment of a wrongly routed item (counted as an
  auto-routing error), or an accepted route. The simulation assumes every wrong route is
  reassigned before the week ends: a recipient who keeps a wrong item would hide an error.
- At each week's end, once there are ≥ `--own-from` decisions, an own model is trained on all of
  them (`train_on`, precision goal 0.99: the newest fifth held out, threshold out of fold by
  `learning.RULE`: the lowest confidence above which at least 20 out-of-fold decisions were
  right with a Wilson lower bound, at 60%, of at least 0.99; chosen on other districts by
  `bench.curve_policies`, because the observed share on a few hundred decisions let a model
  route on a handful of lucky items), and
  it replaces the active model only if `not_worse`, judged on the candidate's held-out
  decisions newer than anything the active model was fit on (the starter through its table):
  the share it would route by itself at the precision goal (0 if it misses the goal there)
  must be larger, or equal with a higher macro-F1. So a candidate that routes nothing may
  replace a starter that routes below the goal: the operator then decides, and nobody has to
  reassign the starter's wrong routes.
  Every candidate is a version, switched to or refused, and printed with the verdict.
- The same items are routed by the starter alone (it never learns) for the side-by-side columns.
- The trace ends on a Friday: the last week is short. With `--sample`, a seeded random subset of
  the whole trace is used (fewer items a week, a weaker starter): for development only.

Figures on stdout, progress on stderr.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from bench.curve_sectors import category_shares, describe, true_sector
from bench.curve_sim import (
    LOCAL,
    OWN_FROM,
    TABLES,
    WHOLE,
    Run,
    Scenario,
    municipality_rows,
    simulate,
    starter_rows,
    starter_table,
    train_starter,
)
from bench.routing import load_rows, log

DISTRICTS = ("Петродворцовый", "Курортный", "Кронштадтский")
START = date(2020, 12, 7)  # a Monday


def share(n: int, of: int) -> str:
    return f"{n / of:6.1%}" if of else f"{'—':>6}"


def precision(auto: int, errors: int) -> str:
    return f"{(auto - errors) / auto:6.1%}" if auto else f"{'—':>6}"


def threshold(t: float | None) -> str:
    return f"{t:6.3f}" if t is not None else f"{'нет':>6}"


def curve(learning: Run, starter_only: Run) -> str:
    """One line a week: the learning run, then the starter-only run; totals at the end."""
    head = (
        f"{'week':>4} {'from':<10} {'items':>5} | {'auto':>6} {'prec':>6} {'oper':>5}"
        f" {'err':>4} {'model':<8} {'thresh':>6} | {'auto':>6} {'prec':>6} {'oper':>5} {'err':>4}"
    )
    lines = [f"{'':22}| learns from decisions{'':19}| starter only", head]
    for n, (a, b) in enumerate(zip(learning.weeks, starter_only.weeks, strict=True), start=1):
        lines.append(
            f"{n:>4} {a.start:%Y-%m-%d} {a.items:>5} | {share(a.auto, a.items)}"
            f" {precision(a.auto, a.errors)} {a.operator:>5} {a.errors:>4} {a.model:<8}"
            f" {threshold(a.threshold)} | {share(b.auto, b.items)} {precision(b.auto, b.errors)}"
            f" {b.operator:>5} {b.errors:>4}"
        )
    lines.append(totals("total", learning, starter_only, 0))
    own = next((i for i, w in enumerate(learning.weeks) if w.model != "starter"), None)
    if own is not None:
        lines.append(totals(f"from week {own + 1}", learning, starter_only, own))
    return "\n".join(lines)


def totals(title: str, learning: Run, starter_only: Run, first: int) -> str:
    """The sums over the weeks from `first` on, in the curve's columns."""
    parts = [f"{title:<15} {sum(w.items for w in learning.weeks[first:]):>5}"]
    for run, gap in ((learning, 15), (starter_only, 0)):
        weeks = run.weeks[first:]
        items, auto = sum(w.items for w in weeks), sum(w.auto for w in weeks)
        errors, oper = sum(w.errors for w in weeks), sum(w.operator for w in weeks)
        parts.append(f"{share(auto, items)} {precision(auto, errors)} {oper:>5} {errors:>4}")
        parts[-1] += " " * gap
    return " | ".join(parts)


def versions(run: Run) -> str:
    """The version history: each candidate, its figures and the verdict."""
    lines = ["versions (trained at the end of the week; switched only if not worse):"]
    for v in run.versions:
        f1 = f"{v.held_out_f1:.3f}" if v.held_out_f1 is not None else "—"
        state = "switched" if v.switched else "refused "
        lines.append(
            f"  week {v.week:>2} {v.name:<8} on {v.decisions:>4} decisions, threshold"
            f" {threshold(v.threshold).strip()}, held-out macro-F1 {f1}: {state} ({v.verdict})"
        )
    if not run.versions:
        lines.append("  none: fewer decisions than --own-from")
    return "\n".join(lines)


def shorten(text: str, width: int = 70) -> str:
    """A text on one line, cut to `width` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def misses(run: Run, rows: Sequence[dict[str, Any]]) -> str:
    """Every wrong route: the week, the confidence, the sector it went to, its true sector (and
    the reason that makes it so), the text shortened."""
    by_id = {r["id"]: r for r in rows}
    lines = ["wrong routes (week, model, confidence, routed -> true sector: reason; text):"]
    for n, week in enumerate(run.weeks, start=1):
        for miss in week.wrong:
            r = by_id[miss.id]
            lines.append(
                f"  week {n:>2} {week.model:<8} {miss.p:.3f} {miss.sector} -> {true_sector(r)}:"
                f" {shorten(r['reason'], 60)}; «{shorten(r['text'])}»"
            )
    if len(lines) == 1:
        lines.append("  none")
    return "\n".join(lines)


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.routing_curve", description=__doc__)
    parser.add_argument("--sample", type=int, help="a seeded random subset of N messages")
    parser.add_argument("--weeks", type=int, help="weeks to simulate (default: to the end)")
    parser.add_argument("--own-from", type=int, default=OWN_FROM, help="decisions before own")
    parser.add_argument("--districts", default=",".join(DISTRICTS))
    parser.add_argument("--start", type=date.fromisoformat, default=START)
    parser.add_argument(
        "--table", choices=TABLES, default="whole", help="map only whole categories, or all"
    )
    parser.add_argument(
        "--whole-share", type=float, default=WHOLE, help="share of one sector for 'whole'"
    )
    parser.add_argument(
        "--text-only", action="store_true", help="the models read the text, not the kind of place"
    )
    args = parser.parse_args(argv)
    if args.weeks is not None and args.weeks < 1:
        parser.error("--weeks: нужно хотя бы одна неделя")
    if not 0.5 < args.whole_share <= 1.0:
        parser.error("--whole-share: доля должна быть больше 0,5 и не больше 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run both simulations and print the curve, the totals and the version history."""
    args = parse(argv)
    t0 = time.monotonic()
    start = datetime.combine(args.start, datetime.min.time(), tzinfo=LOCAL)
    districts = frozenset(d.strip() for d in args.districts.split(",") if d.strip())
    sc = Scenario(
        districts,
        start,
        args.weeks,
        args.own_from,
        table=args.table,
        whole_share=args.whole_share,
        kinds=not args.text_only,
    )
    rows = load_rows(args.sample)
    known = {r["district"] for r in rows}
    if not districts or not districts <= known:
        print(f"неизвестные районы: {', '.join(sorted(districts - known)) or '—'}", file=sys.stderr)
        return 2
    items = municipality_rows(rows, sc)
    if not items:
        print("у муниципалитета нет обращений после начала", file=sys.stderr)
        return 2
    log(f"starter: training on {len(starter_rows(rows, sc))} messages of other districts")
    starter, trained = train_starter(rows, sc)
    log(f"simulating {len(items)} items, learning")
    learning = simulate(rows, starter, sc, learn=True, progress=log)
    log("simulating the starter alone")
    alone = simulate(rows, starter, sc, learn=False)
    defaults = {
        "own_from": OWN_FROM,
        "districts": ",".join(DISTRICTS),
        "start": START,
        "table": "whole",
        "whole_share": WHOLE,
    }
    flags = "".join(
        f" --{k.replace('_', '-')}" + ("" if v is True else f" {v}")
        for k, v in vars(args).items()
        if v is not None and v is not False and defaults.get(k) != v
    )
    print(f"$ python -m bench.routing_curve{flags}")
    print(
        f"municipality: {', '.join(sorted(districts))} from {args.start}: {len(items)} items"
        f" in {len(learning.weeks)} weeks"
    )
    print(describe(items, starter_table(rows, sc), category_shares(starter_rows(rows, sc))))
    m = trained.metrics
    print(
        f"starter: {len(starter.trained_ids)} messages of the other districts before the start"
        f" (newest {starter.fit_until:%Y-%m-%d %H:%M}), 15 categories; held-out accuracy"
        f" {m['accuracy']:.3f}, macro-F1 {m['macro_f1']:.3f}; threshold"
        f" {threshold(starter.threshold).strip()}"
    )
    rule = sc.rule
    print(
        f"own model from {args.own_from} decisions; precision goal {sc.precision:.2f}; its"
        f" threshold needs ≥ {rule.min_items} out-of-fold decisions above it, "
        + (f"Wilson lower bound at {rule.level:.0%}" if rule.level else "their share")
        + " ≥ the goal\n"
    )
    print(curve(learning, alone))
    print()
    print(versions(learning))
    print()
    print(misses(learning, rows))
    print(f"\nruntime {time.monotonic() - t0:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
