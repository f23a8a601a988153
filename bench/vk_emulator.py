"""The VK API emulator for bench.vk, in this process or in a process of its own (as VK is
another machine: its clock does not stop while our event loop or GIL is busy).

    python -m bench.vk_emulator --group G --token T --users U0 N [--latency S] --out FILE

prints the API base on its first line, serves until SIGTERM, then writes what it saw to FILE.
"""

import argparse
import asyncio
import contextlib
import json
import signal
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.bot.vk.emulator import VkApiEmulator

ROOT = Path(__file__).resolve().parent.parent


async def prepared(
    group: int, token: str, users: range, latency: float, name: str = "Администрация"
) -> VkApiEmulator:
    """A started emulator (VK's limits: 20 requests a second per token) with the community
    and these users, who allowed its messages; every method call answered `latency` s after
    it was counted (VK's own time and the way back; 0: loopback)."""
    emu = VkApiEmulator()
    await emu.start()
    emu.add_group(group, token, name)
    for uid in users:
        await emu.user(uid).allow_messages(group, notify=False)
    if latency > 0:
        invoke = emu.server.invoke

        async def slowed(method: str, values: dict[str, str]) -> Any:
            answer = await invoke(method, values)
            await asyncio.sleep(latency)
            return answer

        emu.server.invoke = slowed  # type: ignore[method-assign]
    return emu


def seen(emu: VkApiEmulator, group: int) -> dict[str, Any]:
    """What the emulator counted: limit, requests, errors by code, when each message was
    created (monotonic, comparable across processes on Linux), dedupes by random_id."""
    st = emu.stats
    return {
        "limit_per_s": emu.limits.per_second,
        "requests": dict(st.requests),
        "errors": {str(k): v for k, v in st.errors.items()},
        "sent_at": list(st.sent_at),
        "peak_sends_in_1s": st.sends_per_second(),
        "peak_requests_in_1s": st.peak_per_second(),
        "deduped": emu.group(group).deduped,
    }


@dataclass
class Emulated:
    """Where the emulator answers; what it saw, once the context has exited."""

    api_base: str
    where: str
    figures: dict[str, Any] = field(default_factory=dict)


@contextlib.asynccontextmanager
async def emulator(
    *, group: int, token: str, users: range, latency: float, own_process: bool
) -> AsyncIterator[Emulated]:
    """The emulator, prepared, here or in its own OS process; stopped on exit."""
    if not own_process:
        emu = await prepared(group, token, users, latency)
        handle = Emulated(emu.api_base, "this process")
        try:
            yield handle
        finally:
            handle.figures = seen(emu, group)
            await emu.stop()
        return
    with tempfile.TemporaryDirectory(prefix="mcu_bench_vkemu_") as tmp:
        out = Path(tmp) / "seen.json"
        cmd = [sys.executable, "-m", "bench.vk_emulator", "--group", str(group)]
        cmd += ["--token", token, "--users", str(users.start), str(len(users))]
        cmd += ["--latency", str(latency), "--out", str(out)]
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE)
        try:
            assert proc.stdout is not None
            line = await asyncio.wait_for(asyncio.to_thread(proc.stdout.readline), 60)
            if not line.strip():
                raise RuntimeError(f"the emulator process did not start ({proc.poll()})")
            handle = Emulated(line.decode().strip(), "its own process")
            yield handle
        finally:
            proc.terminate()
            await asyncio.to_thread(proc.wait, 30)
        handle.figures = json.loads(out.read_text())


async def serve(args: argparse.Namespace) -> None:
    users = range(args.users[0], args.users[0] + args.users[1])
    emu = await prepared(args.group, args.token, users, args.latency)
    print(emu.api_base, flush=True)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    Path(args.out).write_text(json.dumps(seen(emu, args.group)))
    await emu.stop()


def main(argv: list[str] | None = None) -> int:
    """Serve the emulator until SIGTERM, then write what it saw."""
    p = argparse.ArgumentParser(prog="python -m bench.vk_emulator")
    p.add_argument("--group", type=int, required=True)
    p.add_argument("--token", required=True)
    p.add_argument("--users", type=int, nargs=2, metavar=("FIRST", "COUNT"), required=True)
    p.add_argument("--latency", type=float, default=0.0)
    p.add_argument("--out", required=True)
    asyncio.run(serve(p.parse_args(argv)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
