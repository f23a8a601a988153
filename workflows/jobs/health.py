"""Readiness: is the deployment doing its work — the database answers, Redis answers (when
configured), a worker beat recently, the bots that run beat recently, no notice was given
up lately, and social-network monitoring, where switched on, can run and its polls succeed. Each check says why it failed in a short Russian line (never SQL or secrets)."""

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import text

from workflows.incidents.monitoring import get_monitored, get_poll_failures, get_source_states
from workflows.jobs.heartbeat import BOT, WORKER, get_beats, is_fresh
from workflows.jobs.runtime import Runtime
from workflows.outbox.dead import get_dead_count

CHECK_TIMEOUT = 3.0  # a database or Redis that hangs is a failed check, not a hung probe


@dataclass(frozen=True)
class Check:
    ok: bool
    detail: str


@dataclass(frozen=True)
class Readiness:
    checks: dict[str, Check] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks.values())

    @property
    def failed(self) -> list[str]:
        return [name for name, c in self.checks.items() if not c.ok]


async def _database(rt: Runtime) -> Check:
    async with rt.engine.connect() as conn:
        await conn.execute(text("SELECT 1"))
    return Check(True, rt.engine.dialect.name)


async def _redis(url: str) -> Check:
    from redis.asyncio import from_url

    client = from_url(  # type: ignore[no-untyped-call]
        url, socket_connect_timeout=CHECK_TIMEOUT, socket_timeout=CHECK_TIMEOUT
    )
    try:
        await client.ping()
    finally:
        await client.aclose()
    return Check(True, "отвечает")


def _age(seconds: float) -> str:
    return f"{seconds:.0f} с назад"


async def _worker(rt: Runtime) -> Check:
    now = rt.clock.now()
    async with rt.sm() as s:
        beats = await get_beats(s, role=WORKER)
    if not beats:
        return Check(False, "рабочий процесс не запущен (нет сигнала «жив»)")
    latest = beats[0]
    age = (now - latest.beat_at).total_seconds()
    if not is_fresh(latest, now):
        return Check(False, f"рабочий процесс молчит: последний сигнал {_age(age)}")
    return Check(True, f"последний сигнал {_age(max(age, 0))}")


async def _bots(rt: Runtime) -> Check | None:
    """Bots are optional: checked only when a bot process has beaten and not stopped cleanly
    (a clean stop removes its row); like the worker, one fresh beat is enough."""
    now = rt.clock.now()
    async with rt.sm() as s:
        beats = await get_beats(s, role=BOT)
    if not beats:
        return None
    age = (now - beats[0].beat_at).total_seconds()
    if not is_fresh(beats[0], now):
        return Check(False, f"процесс ботов молчит: последний сигнал {_age(age)}")
    return Check(True, f"последний сигнал {_age(max(age, 0))}")


async def _dead_letters(rt: Runtime) -> Check:
    hours = rt.settings.ready_dead_hours
    async with rt.sm() as s:
        n = await get_dead_count(s, since=rt.clock.now() - timedelta(hours=hours))
    if n:
        return Check(
            False,
            f"недоставленных уведомлений за {hours:g} ч: {n} "
            "(устраните причину и отправьте снова: mcu outbox resend --all)",
        )
    return Check(True, f"недоставленных за {hours:g} ч нет")


async def _monitoring(rt: Runtime) -> Check | None:
    """Social-network monitoring, checked only where a setup switched it on: it needs the
    service token to run at all, and its last polls must not have failed; sources that
    became unavailable are said but are VK's side (the operator sees them per source)."""
    async with rt.sm() as s:
        monitored = await get_monitored(s)
        if not monitored:
            return None
        failures = await get_poll_failures(s)
        gone = [
            state
            for m in monitored
            for state in await get_source_states(s, m)
            if not state.available
        ]
    if rt.settings.vk_service_token is None:
        return Check(
            False,
            f"мониторинг соцсетей не запущен: не задан VK_SERVICE_TOKEN — сервисный ключ "
            f"приложения VK (ключ сообщества стены не читает); муниципалитетов с "
            f"мониторингом: {len(monitored)}",
        )
    failed = {m: why for m, why in failures.items() if m in monitored}
    if failed:
        first = next(iter(failed.items()))
        return Check(
            False,
            f"опрос соцсетей не удался у {len(failed)} муниципалитет(ов), "
            f"например № {first[0]}: {first[1]}",
        )
    detail = f"муниципалитетов с мониторингом: {len(monitored)}"
    if gone:
        detail += f"; недоступных источников: {len(gone)} (например, «{gone[0].name}»)"
    return Check(True, detail)


async def _guarded(probe: Callable[[], Awaitable[Check | None]], what: str) -> Check | None:
    try:
        return await asyncio.wait_for(probe(), timeout=CHECK_TIMEOUT)
    except TimeoutError:
        return Check(False, f"{what}: нет ответа за {CHECK_TIMEOUT:g} с")
    except Exception as e:  # the class only: a driver's message may carry the DSN or SQL
        return Check(False, f"{what}: ошибка {type(e).__name__}")


async def get_readiness(rt: Runtime) -> Readiness:
    """Every check, run side by side; the deployment is ready when all pass."""
    url = rt.settings.redis_url
    probes: dict[str, tuple[Callable[[], Awaitable[Check | None]], str]] = {
        "database": (lambda: _database(rt), "база данных"),
        **({"redis": (lambda: _redis(url), "Redis")} if url else {}),
        "worker": (lambda: _worker(rt), "проверка рабочего процесса"),
        "bots": (lambda: _bots(rt), "проверка ботов"),
        "dead_letters": (lambda: _dead_letters(rt), "проверка недоставленных"),
        "monitoring": (lambda: _monitoring(rt), "проверка мониторинга соцсетей"),
    }
    results = await asyncio.gather(*(_guarded(p, what) for p, what in probes.values()))
    return Readiness({n: c for n, c in zip(probes, results, strict=True) if c is not None})
