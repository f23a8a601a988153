"""Training from decisions: no history and too little are refusals that change nothing; a new
version routes unless it is worse than the current one on held-out decisions (--force); the
CLI trains the starter on a sample of spb-appeals and reports every version."""

import os
import subprocess
import sys
from datetime import timedelta

import pytest
from sqlmodel import col, select

from models import Municipality, RoutingModel
from tests.helpers import act, actor, register, staff
from tests.logscan import record
from tests.test_embedded import ROOT
from tests.workflows.routing.routing_kit import ROADS, ZHKH, with_routing
from workflows.core.errors import Invalid
from workflows.core.tx import committing
from workflows.items.transitions import Action
from workflows.routing.labels import get_examples
from workflows.routing.model import TextModel
from workflows.routing.store import OWN, NewVersion, do_save_version, get_routing_row
from workflows.routing.training import check_train_own
from workflows.setup.apply import check_apply_setup

# The newest decisions speak of things the older ones never did: a model trained without them
# (the candidate, on its held-out part) misses some, one that saw them all does not.
NEW_ZHKH = ["засорился мусоропровод на этаже", "мусоропровод воняет на лестнице"] * 3
NEW_ROADS = ["разрушен павильон автобусной остановки", "на остановке нет навеса"] * 3


async def municipality(sm, clock, **kw):
    async with sm() as s:
        report = await check_apply_setup(s, text=with_routing(**kw), clock=clock)
        return await s.get(Municipality, report.municipality_id)


async def decide(sm, clock, muni, pairs: list[tuple[str, str]]) -> None:
    """Each text registered, left for triage, and assigned by the operator to a sector's lead."""
    op = await actor(sm, "operator")
    leads = {"zhkh": await staff(sm, "lead_zhkh"), "roads": await staff(sm, "lead_roads")}
    for text, sector in pairs:
        clock.advance(timedelta(minutes=7))
        item = await register(sm, clock, muni, text)
        await act(sm, clock, item, Action.assign, op, assignee_id=leads[sector].id)


def interleaved(zhkh: list[str], roads: list[str]) -> list[tuple[str, str]]:
    return [
        p for pair in zip(zhkh, roads, strict=True) for p in ((pair[0], "zhkh"), (pair[1], "roads"))
    ]


def history() -> list[tuple[str, str]]:
    """60 decisions, oldest first: 48 on the usual things, the newest 12 on new ones."""
    old = interleaved(ZHKH * 2, ROADS * 2)
    pairs = old + old[:8] + interleaved(NEW_ZHKH, NEW_ROADS)
    return [(f"{t} ({i})", s) for i, (t, s) in enumerate(pairs)]


async def rows(sm) -> list[RoutingModel]:
    async with sm() as s:
        return list(await s.exec(select(RoutingModel).order_by(col(RoutingModel.id))))


async def test_no_history_and_too_little_change_nothing(sm, clock, routing_dir):
    m = await municipality(sm, clock, own_from=300)
    async with sm() as s:
        with pytest.raises(Invalid, match="нет решений"):
            await check_train_own(s, municipality=m, clock=clock)
    await decide(sm, clock, m.id, history()[:10])
    async with sm() as s:
        with pytest.raises(Invalid, match="10 решений, своя модель — от 300"):
            await check_train_own(s, municipality=m, clock=clock)
    async with sm() as s:
        with pytest.raises(Invalid, match="мало решений"):  # forced, still under 40
            await check_train_own(s, municipality=m, clock=clock, force=True)
    assert await rows(sm) == [] and not routing_dir.exists()


async def test_a_worse_model_is_kept_inactive_with_the_reason(sm, clock, routing_dir):
    m = await municipality(sm, clock, own_from=40)
    await decide(sm, clock, m.id, history())
    async with sm() as s:
        first = await check_train_own(s, municipality=m, clock=clock)
    assert first.row.active and first.row.version == 1 and "текущей модели нет" in first.verdict
    assert set(first.row.labels) == {"roads", "zhkh"} and first.row.trained_on == 60
    assert first.row.metrics["held_out"] == 12 and first.row.metrics["trained_on"] == 48
    assert 0 <= first.row.metrics["macro_f1"] <= 1
    # A model that has seen every decision, held-out ones included, becomes the current one.
    async with sm() as s:
        seen = await get_examples(s, municipality_id=m.id)
    knows_all = TextModel.train([e.text for e in seen], [e.label for e in seen])
    async with sm() as s, committing(s):
        current = await do_save_version(
            s,
            municipality_id=m.id,
            owner_code=m.code,
            new=NewVersion(knows_all, OWN, len(seen), {"threshold": None}, active=True),
            now=clock.now(),
        )
    async with sm() as s:
        refused = await check_train_own(s, municipality=m, clock=clock)
    assert not refused.row.active and refused.row.version == 3
    assert refused.row.note is not None and "хуже текущей" in refused.row.note
    assert (routing_dir / refused.row.file).is_file()  # kept, for the report and --force
    async with sm() as s:
        assert (await get_routing_row(s, municipality_id=m.id)).id == current.id
        forced = await check_train_own(s, municipality=m, clock=clock, force=True)
    assert forced.row.active and "принудительно" in (forced.row.note or "")
    assert [r.active for r in await rows(sm)] == [False, False, False, True]


def mcu(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "-m", "mcu", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    record("mcu-routing", done.stderr)
    return done


async def test_the_cli_trains_the_starter_refuses_no_history_and_reports(
    sm, clock, routing_dir, pg_database
):
    await municipality(sm, clock, auto_at=0.9)
    keep = ("PATH", "HOME", "LANG", "LC_ALL")
    env = {k: v for k, v in os.environ.items() if k in keep}
    env |= {
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": pg_database,
        "MCU_ROUTING_DIR": str(routing_dir),
    }
    none = mcu(["routing", "train", "--municipality", "testmo"], env)
    assert none.returncode == 2 and "нет решений" in none.stderr, none.stderr
    assert "Traceback" not in none.stderr and await rows(sm) == []
    starter = mcu(["routing", "train", "--starter", "--sample", "600"], env)
    assert starter.returncode == 0, starter.stderr
    assert "чтение корпуса" in starter.stderr and "обучение на 600 примерах" in starter.stderr
    assert starter.stdout.startswith("Модель starter v1: включена; текущей модели нет")
    (row,) = await rows(sm)
    assert row.municipality_id is None and row.active and row.trained_on == 600
    assert (routing_dir / row.file).stat().st_size == row.size_bytes
    report = mcu(["routing", "report", "--municipality", "testmo"], env)
    assert report.returncode == 0, report.stderr
    out = report.stdout
    assert "решений в истории 0 (своя модель — от 40)" in out and "auto_at: 0.9" in out
    assert "Действует: starter v1" in out and "Свои модели: нет" in out
    assert "* v1" in out and "обучена на 600" in out
    f1 = row.metrics["macro_f1"]
    assert f"macro-F1 {f1:.3f}" in out and "P@80 " in out and "отложено 120" in out
