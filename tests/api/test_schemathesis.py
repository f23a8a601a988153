"""The live API fuzzed by schemathesis from its own /openapi.json, once with an admin token and
once with a curator token: no 5xx, every answer in the declared schema, status code and media
type. The CLI runs as a subprocess over real HTTP against the uvicorn server of the `api`
fixture (a fresh migrated Postgres with the test setup, a few items registered first so reads
meet real rows).

Nothing is excluded: the webhook intakes and the dashboard are not in the schema
(`include_in_schema=False`: their callers are Telegram, VK and a browser, not API clients) and
are covered by their own tests; everything the schema lists, including PUT /setup and
POST /tokens, is fuzzed — the database is the test's own.

The token reaches schemathesis only through its environment (the config file names the
variable), never its command line, and its output is shown only with every token masked.
"""

import asyncio
import json
import os
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from tests.api.conftest import Api

# The four checks the issue names: no server error, the body in the declared schema, the status
# code and the media type declared. (`all` would add checks about business rules, such as
# "valid-looking data is accepted", which a municipality id that does not exist rightly fails.)
CHECKS = (
    "not_a_server_error",
    "response_schema_conformance",
    "status_code_conformance",
    "content_type_conformance",
)
MAX_EXAMPLES = int(os.environ.get("MCU_FUZZ_EXAMPLES", "25"))  # per operation and phase
SEED = int(os.environ.get("MCU_FUZZ_SEED", "311"))
CONFIG = """\
headers = { Authorization = "Bearer ${MCU_FUZZ_TOKEN}", X-Api-Key = "${MCU_FUZZ_TOKEN}" }
"""


@dataclass
class Outcome:
    who: str
    code: int
    seconds: float
    operations: int
    cases: int
    failures: list[str]
    output: str


def masked(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, "***")
    return re.sub(r"(Bearer\s+)\S+", r"\1***", text)


async def fuzz(api: Api, who: str, tmp_path: Path) -> Outcome:
    base = str(api.client.base_url).rstrip("/")
    work = tmp_path / who
    work.mkdir()
    (work / "schemathesis.toml").write_text(CONFIG)
    exe = Path(sys.executable).with_name("schemathesis")
    args = [
        *(str(exe), "--config-file", str(work / "schemathesis.toml"), "run"),
        f"{base}/openapi.json",
        *("--checks", ",".join(CHECKS)),
        *("--phases", "examples,coverage,fuzzing,stateful"),
        *("--max-examples", str(MAX_EXAMPLES), "--seed", str(SEED)),
        *("--generation-database", "none", "--workers", "1", "--no-color"),
        *("--request-timeout", "30", "--continue-on-failure"),
        *("--report", "ndjson", "--report-dir", str(work)),
    ]
    env = {k: v for k, v in os.environ.items() if not k.startswith("MCU_")}
    env["MCU_FUZZ_TOKEN"] = api.tokens[who]
    started = time.monotonic()
    proc = await asyncio.create_subprocess_exec(
        *args,
        cwd=work,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await proc.communicate()
    seconds = time.monotonic() - started
    output = masked(out.decode(errors="replace"), list(api.tokens.values()))
    operations, cases, failures = read_report(work)
    return Outcome(who, proc.returncode or 0, seconds, operations, cases, failures, output)


def read_report(work: Path) -> tuple[int, int, list[str]]:
    """Operations tested, test cases sent, and each failed check (operation: check: title)."""
    events = [
        json.loads(line)
        for path in work.glob("*.ndjson")
        for line in path.read_text().splitlines()
        if line.strip()
    ]
    operations: set[str] = set()
    cases, failures = 0, []
    for event in events:
        finished = event.get("ScenarioFinished")
        if not finished:
            continue
        label = finished.get("recorder", {}).get("label", "")
        operations.add(label)
        recorder = finished.get("recorder", {})
        cases += len(recorder.get("cases", {}))
        for checks in recorder.get("checks", {}).values():
            for check in checks:
                if str(check.get("status")).lower() == "failure":
                    failure = check.get("failure_info") or {}
                    info = failure.get("failure") or {}
                    title = info.get("title", "")
                    detail = " ".join(str(info.get("message", "")).split())[:160]
                    failures.append(f"{label}: {check.get('name')}: {title}: {detail}")
    return len(operations), cases, sorted(set(failures))


async def seed_items(api: Api, muni: int) -> None:
    """A few items, so that reads and actions meet real rows."""
    for text in ("Нет воды, прорвало трубу", "Яма на дороге у школы", "Не горит фонарь"):
        r = await api.client.post(
            "/api/v1/items",
            headers=api.auth("operator"),
            json={"municipality_id": muni, "text": text, "citizen_name": "Иванов И.И."},
        )
        assert r.status_code == 201, r.text


async def test_schemathesis_finds_no_server_error_and_no_schema_violation(
    api: Api, muni: int, tmp_path: Path
) -> None:
    await seed_items(api, muni)
    outcomes = [await fuzz(api, who, tmp_path) for who in ("admin", "curator")]
    for o in outcomes:
        print(
            f"schemathesis as {o.who}: {o.operations} operations, {o.cases} test cases, "
            f"{len(o.failures)} failures, {o.seconds:.0f} s (exit {o.code})"
        )
        for f in o.failures:
            print("  " + f)
    dump = os.environ.get("MCU_FUZZ_DUMP")
    if dump:
        Path(dump).write_text("\n\n".join(o.output for o in outcomes))
    for o in outcomes:
        assert o.operations > 0, o.output[-3000:]
        assert o.code == 0 and not o.failures, o.output[-6000:]
