"""The learning-curve bench on a small sample: nothing is trained on the future or on the new
municipality's items before the starter, the runs agree until the first switch, totals add up."""

from datetime import date, datetime

import pytest

from bench.curve_sim import (
    CATEGORY_SECTOR,
    LOCAL,
    Run,
    Scenario,
    at,
    municipality_rows,
    simulate,
    train_starter,
)
from bench.routing import DATA, load_rows
from bench.routing_curve import DISTRICTS, START, curve, main

pytestmark = pytest.mark.skipif(not DATA.exists(), reason=f"trace not found at {DATA}")

SC = Scenario(
    frozenset(DISTRICTS), datetime.combine(START, datetime.min.time(), tzinfo=LOCAL), own_from=50
)


@pytest.fixture(scope="module")
def runs() -> tuple[list[dict], Run, Run]:
    rows = load_rows(9_000)
    starter, _ = train_starter(rows, SC)
    return rows, simulate(rows, starter, SC, learn=True), simulate(rows, starter, SC, learn=False)


def test_the_starter_never_sees_the_new_municipality_nor_its_time(runs) -> None:
    rows, learning, _ = runs
    by_id = {r["id"]: r for r in rows}
    starter = learning.models["starter"]
    assert len(starter.trained_ids) > 1_000
    for i in starter.trained_ids:
        assert by_id[i]["district"] not in SC.districts and at(by_id[i]) < SC.start
    assert starter.fit_until < SC.start


def test_no_model_routes_an_item_older_than_its_newest_training_example(runs) -> None:
    rows, learning, _ = runs
    by_id = {r["id"]: r for r in rows}
    assert len(learning.models) > 1, [v.verdict for v in learning.versions]  # one switch at least
    for week in learning.weeks:
        model = learning.models[week.model]
        assert model.since <= week.start and model.fit_until < week.start
        for i in week.routed_ids:
            assert week.start <= at(by_id[i]) and at(by_id[i]) >= model.since
    for name, model in learning.models.items():
        if name == "starter":
            continue
        # an own model learns only from the municipality's items that arrived before it routed
        trained = [by_id[i] for i in model.trained_ids]
        assert len(trained) >= SC.own_from
        assert all(r["district"] in SC.districts and at(r) < model.since for r in trained)
        assert max(at(r) for r in trained) == model.fit_until


def test_the_model_switches_only_when_not_worse_and_the_runs_agree_until_then(runs) -> None:
    _, learning, alone = runs
    switched = [v.name for v in learning.versions if v.switched]
    used = list(dict.fromkeys(w.model for w in learning.weeks if w.model != "starter"))
    # the last switch may come after the last week; every model that routed was switched to
    assert used == switched[: len(used)] and set(switched) <= set(learning.models)
    assert {w.model for w in alone.weeks} == {"starter"} and not alone.versions
    first = next(i for i, w in enumerate(learning.weeks) if w.model != "starter")
    for a, b in zip(learning.weeks[:first], alone.weeks[:first], strict=True):
        assert (a.items, a.errors, a.routed_ids) == (b.items, b.errors, b.routed_ids)


def test_totals_add_up_and_the_starter_routes_precisely(runs) -> None:
    rows, learning, alone = runs
    items = municipality_rows(rows, SC)
    assert {CATEGORY_SECTOR[r["category"]] for r in items} >= {"blago", "mkd"}
    for run in (learning, alone):
        assert sum(w.items for w in run.weeks) == len(items)
        assert all(0 <= w.errors <= w.auto == len(w.routed_ids) <= w.items for w in run.weeks)
    auto = sum(w.auto for w in alone.weeks)
    errors = sum(w.errors for w in alone.weeks)
    assert auto > 10 and (auto - errors) / auto >= 0.9  # a wrong sector table would show here
    total = next(line for line in curve(learning, alone).splitlines() if line.startswith("total"))
    left, right = total.split("|")[1:]
    for part, run in ((left, learning), (right, alone)):
        oper, err = map(int, part.split()[2:4])
        assert (oper, err) == (sum(w.operator for w in run.weeks), sum(w.errors for w in run.weeks))


def test_an_unknown_district_is_refused_in_russian(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--sample", "500", "--districts", "Бежтинский"]) == 2
    captured = capsys.readouterr()
    assert "неизвестные районы: Бежтинский" in captured.err and captured.out == ""
    assert main(["--sample", "500", "--start", str(date(2021, 5, 3))]) == 2
    assert "нет обращений после начала" in capsys.readouterr().err
