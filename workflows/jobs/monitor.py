"""The `monitor` job: every municipality with monitoring on has its watched walls read once
every MCU_MONITOR_SECONDS. When a poll is due is kept in Postgres (when each began), so a
restarted worker or a lost arq cron only delays a poll, and the job may be checked as often
as one likes. One municipality's failure is logged and kept for `mcu health`; the others go on."""

import asyncio
import logging
from datetime import timedelta

from sqlalchemy.exc import DBAPIError

from workflows.escalation.retries import describe
from workflows.incidents.monitoring import (
    check_begin_poll,
    check_poll_failed,
    get_due_monitors,
)
from workflows.jobs.runtime import Runtime

log = logging.getLogger(__name__)
POLLING = asyncio.Lock()  # one poll at a time in a process (the advisory lock: in a deployment)
_told: set[int] = set()  # runtimes already told there is no service token (said once)


def failure_reason(error: BaseException) -> str:
    """A failed poll in a short line fit for logs and the health check: VK's error code, or
    the error's type — never a driver's text (it carries SQL and the posts' words)."""
    code = getattr(error, "code", None)
    if isinstance(code, int) and not isinstance(error, DBAPIError):
        hint = {5: " (ключ VK_SERVICE_TOKEN неверен или отозван)", 27: " (это ключ сообщества)"}
        return f"VK ответил ошибкой {code}{hint.get(code, '')}"
    return describe(error)


async def run_due_polls(rt: Runtime, *, stop: asyncio.Event | None = None) -> int:
    """Poll every municipality that is due; how many new posts and comments were read."""
    every = timedelta(seconds=rt.settings.monitor_seconds)
    async with rt.sm() as s:
        due = await get_due_monitors(s, now=rt.clock.now(), every=every)
    poller = rt.wall_poller
    if not due:
        return 0
    if poller is None:
        if id(rt) not in _told:
            _told.add(id(rt))
            log.warning(
                "мониторинг соцсетей не запущен: не задан VK_SERVICE_TOKEN "
                "(муниципалитетов с мониторингом: %s)",
                len(due),
            )
        return 0
    total = 0
    for municipality_id in due:
        if stop is not None and stop.is_set():
            break
        async with rt.sm() as s:
            await check_begin_poll(s, municipality_id=municipality_id, now=rt.clock.now())
        try:
            reports = await poller(municipality_id=municipality_id)
        except Exception as e:  # the next municipality is read all the same
            reason = failure_reason(e)
            log.error("мониторинг: опрос муниципалитета %s не удался: %s", municipality_id, reason)
            async with rt.sm() as s:
                await check_poll_failed(
                    s, municipality_id=municipality_id, reason=reason, now=rt.clock.now()
                )
            continue
        new = sum(r.new for r in reports)
        gone = sum(not r.available for r in reports)
        total += new
        if new or gone:
            log.info(
                "мониторинг: муниципалитет %s — новых %s, недоступных источников %s",
                municipality_id,
                new,
                gone,
            )
    return total
