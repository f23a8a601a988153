"""How an own model's routing threshold should be chosen, judged on development municipalities
(never on the one `bench.routing_curve` reports): for each threshold policy, the share the
learning run routes by itself and its precision, summed over the weeks.

    python -m bench.curve_policies [--municipality Колпинский] [--municipality Петроградский]
                                   [--policy NAME ...] [--jobs 2] [--chunk 5]

A municipality is a comma-separated list of districts, simulated as in `bench.routing_curve`
(same start, sectors, whole-category table, kind of place); its starter is trained once and
keeps the product's default rule: the policies differ only in the own models. The operator's
decisions do not depend on the policy (every item ends in its true sector), so the runs differ
only in which candidate each switches to and what it routes. Figures on stdout.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from datetime import datetime

from bench.curve_sim import LOCAL, Run, Scenario, municipality_rows, simulate, train_starter
from bench.routing import load_rows, log
from bench.routing_curve import START, misses
from workflows.routing.metrics import ThresholdRule

DEVELOPMENT = ("Колпинский", "Петроградский")
# name: (rule, whether the held-out decisions join the out-of-fold ones)
POLICIES: dict[str, tuple[ThresholdRule, bool]] = {
    "share n≥20": (ThresholdRule(min_items=20), False),
    "share n≥50": (ThresholdRule(min_items=50), False),
    "share n≥100": (ThresholdRule(min_items=100), False),
    "share n≥20 floor 0.9": (ThresholdRule(min_items=20, floor=0.9), False),
    "wilson 0.6": (ThresholdRule(min_items=20, level=0.6), False),
    "wilson 0.7": (ThresholdRule(min_items=20, level=0.7), False),
    "wilson 0.8": (ThresholdRule(min_items=20, level=0.8), False),
    "wilson 0.9": (ThresholdRule(min_items=20, level=0.9), False),
    "+held-out share n≥20": (ThresholdRule(min_items=20), True),
    "+held-out wilson 0.7": (ThresholdRule(min_items=20, level=0.7), True),
    "+held-out wilson 0.8": (ThresholdRule(min_items=20, level=0.8), True),
}


def scenario(districts: str) -> Scenario:
    start = datetime.combine(START, datetime.min.time(), tzinfo=LOCAL)
    return Scenario(frozenset(d.strip() for d in districts.split(",") if d.strip()), start)


def run_one(districts: str, policies: Sequence[str]) -> list[tuple[str, str, Run]]:
    """One municipality: its starter once, then the learning run under each policy."""
    rows = load_rows()
    sc = scenario(districts)
    starter, _ = train_starter(rows, sc)
    log(f"{districts}: {len(municipality_rows(rows, sc))} items")
    out = []
    for name in policies:
        rule, held = POLICIES[name]
        t0 = time.monotonic()
        run = simulate(rows, starter, replace(sc, rule=rule, held_out_too=held), learn=True)
        log(f"{districts} / {name}: {time.monotonic() - t0:.0f} s")
        out.append((districts, name, run))
    return out


def line(title: str, runs: Sequence[Run]) -> str:
    """The share routed by itself, its precision and errors, over all weeks of `runs`."""
    weeks = [w for run in runs for w in run.weeks]
    items, auto = sum(w.items for w in weeks), sum(w.auto for w in weeks)
    errors = sum(w.errors for w in weeks)
    prec = f"{(auto - errors) / auto:7.1%}" if auto else f"{'—':>7}"
    return f"  {title:<24} {items:>5} {auto:>5} {auto / items:6.1%} {prec} {errors:>4}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.curve_policies", description=__doc__)
    parser.add_argument("--municipality", action="append", help="districts, comma-separated")
    parser.add_argument("--policy", action="append", choices=sorted(POLICIES))
    parser.add_argument("--jobs", type=int, default=2, help="processes")
    parser.add_argument("--misses", action="store_true", help="list every wrong route")
    parser.add_argument("--chunk", type=int, default=5, help="policies per process task")
    args = parser.parse_args(argv)
    municipalities = args.municipality or list(DEVELOPMENT)
    policies = args.policy or list(POLICIES)
    # a task is a municipality and a few policies: its starter is trained once per task
    tasks = [
        (d, policies[i : i + args.chunk])
        for d in municipalities
        for i in range(0, len(policies), args.chunk)
    ]
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        done = [r for part in pool.map(run_one, *zip(*tasks, strict=True)) for r in part]
    runs = {(d, p): run for d, p, run in done}
    head = f"  {'policy':<24} {'items':>5} {'auto':>5} {'share':>6} {'prec':>7} {'err':>4}"
    for d in municipalities:
        print(f"{d}:\n{head}")
        for p in policies:
            print(line(p, [runs[d, p]]))
    print(f"all development municipalities ({'; '.join(municipalities)}):\n{head}")
    for p in policies:
        print(line(p, [runs[d, p] for d in municipalities]))
    if args.misses:
        rows = load_rows()
        for (d, p), run in runs.items():
            print(f"\n{d} / {p}: " + misses(run, rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
