"""The weekly retraining: due on Monday 03:00 local and not before, once a week even when run
twice or by two processes, a missed week made up once; `retrain: false` and too little history
do nothing; the head and the operators are told of a switch or a refusal (in Telegram too); a
failure stops no other municipality and is told to the operators once."""

import logging
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Channel, ItemKind, Municipality, Outbox, RoutingModel, Staff
from models.settings import Settings
from tests.bot.harness import running_system, text_of
from tests.fixtures import TEST_SETUP
from tests.helpers import act
from tests.workflows.routing.routing_kit import ROADS, ZHKH, with_routing
from tests.workflows.routing.test_training import interleaved
from workflows.core.actors import Actor
from workflows.core.clock import FakeClock, ShiftedClock
from workflows.items.register import NewItem, check_register_item
from workflows.items.transitions import Action
from workflows.jobs.runtime import Runtime
from workflows.jobs.tasks import JOBS, RETRAIN_LOCK, deployment_lock, retrain_routing
from workflows.routing import weekly
from workflows.routing.weekly import due_since, run_due_retraining
from workflows.setup.apply import check_apply_setup

Sm = async_sessionmaker[AsyncSession]
MSK = ZoneInfo("Europe/Moscow")
MONDAY = datetime(2025, 12, 8, 3, 0, tzinfo=MSK)  # the decisions are made on Tuesday 2 December
OTHER = TEST_SETUP.replace("code: testmo", "code: othermo").replace("ТСТ", "ДРГ")


async def apply(sm: Sm, clock: FakeClock, text: str) -> int:
    async with sm() as s:
        return (await check_apply_setup(s, text=text, clock=clock)).municipality_id


async def decide(sm: Sm, clock: FakeClock | ShiftedClock, muni: int, n: int) -> None:
    """n of the routing tests' decisions: registered, then assigned by the operator to a lead."""
    async with sm() as s:
        people = {
            p.code: p for p in await s.exec(select(Staff).where(Staff.municipality_id == muni))
        }
    op = Actor.of_staff(people["operator"], channel=Channel.api)
    pairs = interleaved(ZHKH * 4, ROADS * 4)[:n]  # topics the held-out part shares with the rest
    for i, (text, sector) in enumerate(pairs):
        text = f"{text} ({i})"
        clock.advance(timedelta(minutes=7))
        async with sm() as s:
            item = await check_register_item(
                s,
                clock=clock,
                municipality_id=muni,
                new=NewItem(kind=ItemKind.message, channel=Channel.paper, text=text),
                actor=op,
            )
        await act(sm, clock, item, Action.assign, op, assignee_id=people[f"lead_{sector}"].id)


async def versions(sm: Sm, muni: int | None = None) -> list[RoutingModel]:
    q = select(RoutingModel).order_by(col(RoutingModel.id))
    if muni is not None:
        q = q.where(RoutingModel.municipality_id == muni)
    async with sm() as s:
        return list(await s.exec(q))


async def notices(sm: Sm, kind: str | None = None) -> list[tuple[str, str, str]]:
    """(kind, staff code, text) of the routing notices in the outbox."""
    async with sm() as s:
        codes = {p.id: p.code for p in await s.exec(select(Staff))}
        rows = await s.exec(select(Outbox).order_by(col(Outbox.id)))
        return [
            (r.kind, codes[r.staff_id], r.payload["text"])
            for r in rows
            if r.kind.startswith("routing_") and (kind is None or r.kind == kind)
        ]


def runtime(engine: AsyncEngine, sm: Sm, clock: FakeClock) -> Runtime:
    config = Settings.model_validate({"MCU_ENV": "test", "MCU_WEEKLY_NOTE": False})
    return Runtime(engine, sm, clock, config)


def test_due_since_is_the_last_monday_three_local() -> None:
    moscow = Municipality(code="y", name="y", number_prefix="Y", tz="Europe/Moscow")
    far = Municipality(code="x", name="x", number_prefix="X", tz="Asia/Vladivostok")
    assert due_since(moscow, MONDAY) == MONDAY
    assert due_since(moscow, MONDAY - timedelta(minutes=1)) == MONDAY - timedelta(days=7)
    assert due_since(moscow, MONDAY + timedelta(days=6, hours=20)) == MONDAY
    # Monday 03:00 in Vladivostok is Sunday 20:00 in Moscow: the far east's week is due first.
    sunday_evening = datetime(2025, 12, 7, 20, 0, tzinfo=MSK)
    assert due_since(far, sunday_evening) == datetime(2025, 12, 8, 3, 0, tzinfo=ZoneInfo(far.tz))
    assert due_since(moscow, sunday_evening) == MONDAY - timedelta(days=7)


async def test_due_monday_three_once_only_and_the_head_told_the_figures(
    engine: AsyncEngine, sm: Sm, clock: FakeClock, routing_dir
) -> None:
    assert JOBS["retrain_routing"] is retrain_routing
    muni = await apply(sm, clock, with_routing(auto_at=0.6, own_from=40))
    await decide(sm, clock, muni, 60)
    rt = runtime(engine, sm, clock)
    clock.set(MONDAY - timedelta(minutes=1))
    assert await retrain_routing(rt) == 0 and await versions(sm) == []
    clock.set(MONDAY)
    assert await retrain_routing(rt) == 1
    assert await retrain_routing(rt) == 0  # once only
    clock.set(MONDAY + timedelta(days=3))
    assert await retrain_routing(rt) == 0  # still this week
    (row,) = await versions(sm)
    assert row.active and row.version == 1 and row.trained_on == 60
    assert row.created_at == MONDAY
    told = await notices(sm)
    assert sorted(code for _, code, _ in told) == ["head", "operator"]
    kind, _, text = told[0]
    m = row.metrics
    share, precision = round(100 * m["auto_share"]), f"{100 * m['auto_precision']:.1f}"
    assert kind == "routing_updated"
    assert text == (
        f"Версия 1, обучена на 60 решениях; сама направляет {share}% при точности "
        f"{precision.replace('.', ',')}% на отложенных решениях "
        "(было: модели не было, распределял оператор)."
    )
    assert "сосульки" not in text and "крыш" not in text  # figures, never a citizen's words


async def test_a_missed_week_is_made_up_once_and_a_refusal_is_told(
    engine: AsyncEngine, sm: Sm, clock: FakeClock, routing_dir
) -> None:
    muni = await apply(sm, clock, with_routing(own_from=40))
    await decide(sm, clock, muni, 60)
    rt = runtime(engine, sm, clock)
    clock.set(MONDAY + timedelta(hours=1))
    assert await retrain_routing(rt) == 1
    # Down over the next two Mondays, back on Wednesday: one training, not two.
    clock.set(MONDAY + timedelta(days=16, hours=9))
    assert await retrain_routing(rt) == 1
    assert await retrain_routing(rt) == 0
    first, second = await versions(sm)
    assert second.created_at == MONDAY + timedelta(days=16, hours=9)
    # The same decisions again: no better than the model that has seen them all.
    assert first.active and not second.active and "хуже текущей" in (second.note or "")
    refused = await notices(sm, "routing_refused")
    assert sorted(code for _, code, _ in refused) == ["head", "operator"]
    text = refused[0][2]
    assert text.startswith("Новая версия 2 не включена: сама направила бы ")
    assert "у текущей" in text and text.endswith("; работает версия 1.")
    assert len(await notices(sm, "routing_updated")) == 2  # v1's, to the head and the operator


async def test_another_process_training_means_this_one_does_not(
    engine: AsyncEngine, sm: Sm, clock: FakeClock, routing_dir
) -> None:
    muni = await apply(sm, clock, with_routing(own_from=40))
    await decide(sm, clock, muni, 60)
    rt = runtime(engine, sm, clock)
    clock.set(MONDAY)
    async with deployment_lock(rt, RETRAIN_LOCK) as held:  # as another process would hold it
        assert held
        assert await retrain_routing(rt) == 0
    assert await versions(sm) == []
    assert await retrain_routing(rt) == 1


async def test_retrain_false_and_too_little_history_do_nothing_and_say_nothing(
    sm: Sm, clock: FakeClock, routing_dir, caplog: pytest.LogCaptureFixture
) -> None:
    off = with_routing(own_from=40).replace(
        "  own_from: 40\n", "  own_from: 40\n  retrain: false\n"
    )
    muni = await apply(sm, clock, off)
    async with sm() as s:
        assert (await s.get(Municipality, muni)).routing["retrain"] is False
    await decide(sm, clock, muni, 60)
    clock.set(MONDAY)
    assert await run_due_retraining(sm, clock) == 0
    assert await versions(sm) == [] and await notices(sm) == []
    # Back on, but too little history: one info line, no version, no notice.
    await apply(sm, clock, with_routing(own_from=80))
    caplog.set_level(logging.INFO, logger="workflows.routing.weekly")
    assert await run_due_retraining(sm, clock) == 0
    assert await run_due_retraining(sm, clock) == 0
    said = [r.getMessage() for r in caplog.records if r.name == "workflows.routing.weekly"]
    assert said == ["переобучение маршрутизации «testmo» пропущено: 60 решений, нужно от 80"]
    assert await versions(sm) == [] and await notices(sm) == []
    assert not routing_dir.exists()


async def test_one_municipality_failing_stops_no_other_and_operators_told_once(
    sm: Sm, clock: FakeClock, routing_dir, caplog: pytest.LogCaptureFixture
) -> None:
    first = await apply(sm, clock, with_routing(own_from=40))
    second = await apply(sm, clock, with_routing(own_from=40, base=OTHER))
    await decide(sm, clock, first, 60)
    await decide(sm, clock, second, 60)
    routing_dir.mkdir(parents=True)
    (routing_dir / "testmo").write_text("not a folder")  # its model file cannot be written
    clock.set(MONDAY)
    assert await run_due_retraining(sm, clock) == 1
    assert [r.municipality_id for r in await versions(sm)] == [second]
    failed = await notices(sm, "routing_failed")
    assert [code for _, code, _ in failed] == ["operator"]
    assert failed[0][2] == (
        "Переобучение модели маршрутизации не удалось: файл модели не записан "
        "(FileExistsError): проверьте место на диске и права на каталог MCU_ROUTING_DIR. "
        "Работает распределение правилами и оператором, без модели, "
        "ничего не изменено. Повторить вручную: «mcu routing train --municipality testmo»; "
        "подробности — в журнале."
    )
    assert any("«testmo» не удалось" in r.getMessage() for r in caplog.records)
    assert await run_due_retraining(sm, clock) == 0  # not again this week in this process
    weekly.forget_settled()  # a restart: tried once more, the operators not told twice
    assert await run_due_retraining(sm, clock) == 0
    assert len(await notices(sm, "routing_failed")) == 1
    updated = await notices(sm, "routing_updated")
    assert len(updated) == 2  # the second municipality's head and operator


async def test_the_head_reads_the_notice_in_telegram(engine: AsyncEngine, sm: Sm, routing_dir):
    muni = await apply(sm, FakeClock(datetime(2025, 12, 2, 7, 0, tzinfo=UTC)), with_routing())
    async with running_system(engine) as sys:
        head = await sys.staff_user("head", 9300)
        await decide(sm, sys.clock, muni, 60)
        sys.clock.set(MONDAY + timedelta(minutes=1))
        assert await retrain_routing(sys.rt) == 1
        note = await sys.expect(head, "Маршрутизация обновлена")
        assert "Версия 1, обучена на 60 решениях; сама направляет" in text_of(note)
        assert "(было: модели не было, распределял оператор)." in text_of(note)
