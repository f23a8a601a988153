"""Load for the webhook intake benches: realistic Telegram message updates, each with its own
update_id, POSTed by many concurrent clients for a fixed time. wrk (with a generated Lua script)
when it is installed (`apt-get install wrk`), else a Python generator on aiohttp (`post_load`,
which bench.vk also feeds its VK events through, for a time or a number of requests)."""

import asyncio
import itertools
import json
import re
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
THREAD_SPAN = 10_000_000  # wrk thread k numbers its updates from base + k * THREAD_SPAN
TEXTS = (
    "Здравствуйте! На улице Ленина, 12 уже третий день нет холодной воды. Когда дадут?",
    "Во дворе дома 5 по Садовой яма на дороге, машины объезжают по тротуару.",
    "Не горят фонари на Школьной улице от магазина до остановки, детям страшно ходить.",
    "Прорыв трубы у колонки на Заречной, вода течёт по улице, всё замерзает.",
    "Контейнеры на площадке у дома 3 не вывозят неделю, мусор разносит ветер.",
)
FIRST_NAMES = ("Иван", "Мария", "Патимат", "Магомед", "Анна")
DATE = 1_764_662_400  # 2 Dec 2025, a working morning


@dataclass
class LoadResult:
    """What one load run did: updates sent, acknowledged (200), acknowledged as duplicates,
    refused or failed, and for how long; latency percentiles in ms where measured."""

    client: str
    generated: int
    ok: int
    duplicates: int
    failed: int
    seconds: float
    p50_ms: float | None = None
    p99_ms: float | None = None

    @property
    def rate(self) -> float:
        """Acknowledged updates per second."""
        return self.ok / self.seconds if self.seconds > 0 else 0.0


def telegram_update(update_id: int) -> dict[str, Any]:
    """A private-chat text message as Telegram posts it to a webhook."""
    user_id = 700_000_000 + update_id % 5_000
    name = FIRST_NAMES[update_id % len(FIRST_NAMES)]
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id % 100_000 + 1,
            "from": {"id": user_id, "is_bot": False, "first_name": name, "language_code": "ru"},
            "chat": {"id": user_id, "first_name": name, "type": "private"},
            "date": DATE,
            "text": TEXTS[update_id % len(TEXTS)],
        },
    }


def update_body(update_id: int) -> bytes:
    """The update as the JSON body of the POST (UTF-8, Cyrillic unescaped)."""
    return json.dumps(telegram_update(update_id), ensure_ascii=False).encode()


def client_kind(wanted: str) -> str:
    """'wrk' or 'python': what `wanted` ('auto', 'wrk', 'python') means on this machine."""
    if wanted == "auto":
        return "wrk" if shutil.which("wrk") else "python"
    if wanted == "wrk" and shutil.which("wrk") is None:
        raise RuntimeError("wrk is not installed (apt-get install wrk), use --client python")
    return wanted


async def run_load(
    url: str, *, client: str, seconds: float, connections: int, first_id: int, secret: str
) -> LoadResult:
    """POST updates numbered from first_id for `seconds` with `connections` clients."""
    if client == "wrk":
        return await wrk_load(
            url, seconds=seconds, connections=connections, first_id=first_id, secret=secret
        )
    return await python_load(
        url, seconds=seconds, connections=connections, first_id=first_id, secret=secret
    )


# --- wrk ------------------------------------------------------------------------------------


def lua_string(value: str) -> str:
    """A Lua long-bracket string literal holding `value` verbatim."""
    level = 0
    while f"]{'=' * level}]" in value:
        level += 1
    eq = "=" * level
    return f"[{eq}[{value}]{eq}]"


def body_pieces(variant: int) -> list[str]:
    """The body of variant `variant` (update_id ≡ variant mod len(TEXTS)) cut where the ids go."""
    marker = 987_654_321_000 + variant  # a number that appears nowhere else in the body
    probe = telegram_update(marker)
    msg = probe["message"]
    text = json.dumps(probe, ensure_ascii=False)
    text = text.replace(f'"message_id": {msg["message_id"]}', '"message_id": @MSG@')
    text = text.replace(str(msg["from"]["id"]), "@USER@")
    text = text.replace(str(marker), "@ID@")
    return re.split(r"(@ID@|@MSG@|@USER@)", text)


def wrk_script(first_id: int, secret: str) -> str:
    """A wrk Lua script: unique ids per thread, the secret header, counters read back in done()."""
    variants = []
    for v in range(len(TEXTS)):
        parts = ", ".join(lua_string(p) for p in body_pieces(v))
        variants.append(f"  {{{parts}}},")
    return f"""
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["{SECRET_HEADER}"] = {lua_string(secret)}
local variants = {{
{chr(10).join(variants)}
}}
local threads = {{}}
local started = 0
function setup(thread)
  thread:set("base", {first_id} + started * {THREAD_SPAN})
  started = started + 1
  table.insert(threads, thread)
end
counter, ok, dup, bad = 0, 0, 0, 0
function request()
  local id = base + counter
  counter = counter + 1
  -- the same text as telegram_update(id): its name and text depend on id mod 5
  local parts = variants[(id % {len(TEXTS)}) + 1]
  local values = {{ ["@ID@"] = id, ["@MSG@"] = id % 100000 + 1, ["@USER@"] = 700000000 + id % 5000 }}
  local out = {{}}
  for i, p in ipairs(parts) do
    if values[p] ~= nil then out[i] = string.format("%d", values[p]) else out[i] = p end
  end
  return wrk.format(nil, nil, nil, table.concat(out))
end
function response(status, headers, body)
  if status == 200 then
    ok = ok + 1
    if string.find(body, '"duplicate":true', 1, true) then dup = dup + 1 end
  else
    bad = bad + 1
  end
end
function done(summary, latency, requests)
  local g, o, d, b = 0, 0, 0, 0
  for _, t in ipairs(threads) do
    g = g + t:get("counter"); o = o + t:get("ok"); d = d + t:get("dup"); b = b + t:get("bad")
  end
  io.write(string.format("BENCH_RESULT %d %d %d %d %d %d %d\\n", g, o, d, b,
    summary.duration, latency:percentile(50), latency:percentile(99)))
end
"""


async def wrk_load(
    url: str, *, seconds: float, connections: int, first_id: int, secret: str
) -> LoadResult:
    """One wrk run (2 threads) with the generated script; its counters parsed from stdout."""
    with tempfile.TemporaryDirectory(prefix="mcu_bench_wrk_") as tmp:
        script = Path(tmp) / "updates.lua"
        script.write_text(wrk_script(first_id, secret))
        proc = await asyncio.create_subprocess_exec(
            "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{max(1, round(seconds))}s",
            "--timeout",
            "10s",
            "-s",
            str(script),
            url,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await proc.communicate()
    found = re.search(r"BENCH_RESULT ([\d ]+)", out.decode())
    if proc.returncode != 0 or found is None:
        raise RuntimeError(f"wrk failed ({proc.returncode}): {out.decode()} {err.decode()}")
    g, ok, dup, bad, micros, p50, p99 = (int(x) for x in found.group(1).split())
    return LoadResult("wrk", g, ok, dup, bad, micros / 1e6, p50 / 1000, p99 / 1000)


# --- Python (aiohttp) ----------------------------------------------------------------------


async def python_load(
    url: str, *, seconds: float, connections: int, first_id: int, secret: str
) -> LoadResult:
    """`connections` aiohttp clients posting Telegram updates until the time is up."""
    headers = {SECRET_HEADER: secret, "Content-Type": "application/json"}
    return await post_load(
        url,
        body=update_body,
        headers=headers,
        connections=connections,
        first_id=first_id,
        seconds=seconds,
    )


async def post_load(
    url: str,
    *,
    body: Callable[[int], bytes],
    headers: dict[str, str],
    connections: int,
    first_id: int,
    seconds: float | None = None,
    total: int | None = None,
) -> LoadResult:
    """`connections` aiohttp clients posting `body(n)` for n from first_id, each request
    awaited, until `seconds` are up or `total` requests have been sent (whichever is given)."""
    if seconds is None and total is None:
        raise ValueError("post_load needs seconds or total")
    ids = itertools.count(first_id)
    latencies: list[float] = []
    counts = {"ok": 0, "dup": 0, "bad": 0, "generated": 0}
    connector = aiohttp.TCPConnector(limit=connections)
    t0 = time.monotonic()
    deadline = t0 + seconds if seconds is not None else float("inf")

    async def client(session: aiohttp.ClientSession) -> None:
        while time.monotonic() < deadline and (total is None or counts["generated"] < total):
            data = body(next(ids))
            counts["generated"] += 1
            start = time.monotonic()
            try:
                async with session.post(url, data=data, headers=headers) as resp:
                    reply = await resp.read()
            except aiohttp.ClientError:
                counts["bad"] += 1
                continue
            latencies.append(time.monotonic() - start)
            if resp.status != 200:
                counts["bad"] += 1
                continue
            counts["ok"] += 1
            counts["dup"] += b'"duplicate":true' in reply

    async with aiohttp.ClientSession(connector=connector) as session:
        await asyncio.gather(*(client(session) for _ in range(connections)))
    elapsed = time.monotonic() - t0
    latencies.sort()
    p50 = latencies[len(latencies) // 2] * 1000 if latencies else None
    p99 = latencies[int(len(latencies) * 0.99)] * 1000 if latencies else None
    return LoadResult(
        "python", counts["generated"], counts["ok"], counts["dup"], counts["bad"], elapsed, p50, p99
    )
