"""The live API fuzzed by schemathesis from its own /openapi.json, once with an admin token and
once with a curator token: no 5xx, every answer in the declared schema, status code, media type
and headers, 405s with a true `Allow`. The CLI runs as a subprocess over real HTTP against the
uvicorn server of the `api` fixture (a fresh migrated Postgres with the test setup; a few items
registered first, so reads and actions meet real rows).

No operation is excluded: everything the schema lists, PUT /setup and POST /tokens too, is
fuzzed (the database is the test's own). The Telegram and VK webhooks and the dashboard are not
in the schema (`include_in_schema=False`: Telegram, VK and a browser call them, not API
clients); their hostile input is tested in test_hostile_input.py and test_dashboard.py.

The token reaches schemathesis only through its environment (the config file names the
variable), never its command line; schemathesis filters it from what it prints and reports,
and what this test shows is masked again. Knobs for a longer hunt: MCU_FUZZ_EXAMPLES,
MCU_FUZZ_SEED, MCU_FUZZ_CHECKS.
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

# Every check but two that judge business rules, not the contract: positive_data_acceptance
# wants any schema-valid value accepted (a period "abc" is a string, an id of a municipality that
# does not exist an integer: both rightly refused), negative_data_rejection wants any value off
# the schema refused (an empty `start_date=` is read as absent, as Open311 clients expect).
EXCLUDED = ("positive_data_acceptance", "negative_data_rejection")
CHECKS = os.environ.get("MCU_FUZZ_CHECKS")  # a comma-separated choice instead of these
MAX_EXAMPLES = int(
    os.environ.get("MCU_FUZZ_EXAMPLES", "30")
)  # per operation and phase (a longer hunt: 200)
SEED = int(os.environ.get("MCU_FUZZ_SEED", "311"))
# /readyz answers 503 by design while a part is down (no worker runs here): that answer is
# declared, with its body checked like any other; only "a 5xx is a bug" does not hold for it.
# (In the file, not on the command line, whose --checks would override the operation's.)
CONFIG = (
    """\
headers = { Authorization = "Bearer ${MCU_FUZZ_TOKEN}", X-Api-Key = "${MCU_FUZZ_TOKEN}" }

[checks]
"""
    + "".join(f"{name}.enabled = false\n" for name in EXCLUDED)
    + """
[[operations]]
include-path = "/readyz"
checks.not_a_server_error.enabled = false
"""
)
STATEFUL = "Stateful tests"  # the label of the stateful phase's scenarios in the report


@dataclass
class Outcome:
    who: str
    code: int
    seconds: float
    operations: int
    cases: int
    failures: list[str]
    output: str

    def summary(self) -> str:
        return (
            f"schemathesis as {self.who}: {self.operations} operations, {self.cases} test cases, "
            f"{len(self.failures)} failures, {self.seconds:.0f} s (exit {self.code})"
        )


def masked(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, "***")
    return re.sub(r"(Bearer\s+)\S+", r"\1***", text)


def command(base: str, work: Path) -> list[str]:
    exe = Path(sys.executable).with_name("schemathesis")  # the one of this interpreter
    return [
        *(str(exe), "--config-file", str(work / "schemathesis.toml"), "run"),
        f"{base}/openapi.json",
        *(("--checks", CHECKS) if CHECKS else ()),
        *("--phases", "examples,coverage,fuzzing,stateful"),
        *("--max-examples", str(MAX_EXAMPLES), "--seed", str(SEED)),
        # One worker: threads in one 3.11 process have broken hypothesis' ast.parse ("AST
        # constructor recursion depth mismatch"), an error of the tool, not of the API.
        *("--workers", "1", "--generation-database", "none", "--no-color"),
        *("--request-timeout", "30", "--continue-on-failure"),
        *("--report", "ndjson", "--report-dir", str(work)),
    ]


async def fuzz(api: Api, who: str, tmp_path: Path) -> Outcome:
    work = tmp_path / who
    work.mkdir()
    (work / "schemathesis.toml").write_text(CONFIG)
    env = {k: v for k, v in os.environ.items() if not k.startswith("MCU_")}
    env["MCU_FUZZ_TOKEN"] = api.tokens[who]
    started = time.monotonic()
    proc = await asyncio.create_subprocess_exec(
        *command(str(api.client.base_url).rstrip("/"), work),
        cwd=work,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await proc.communicate()
    seconds = time.monotonic() - started
    written = out + b"".join(p.read_bytes() for p in work.glob("*.ndjson"))
    leaked = [w for w, t in api.tokens.items() if t.encode() in written]
    assert not leaked, f"schemathesis printed or reported the tokens of {leaked}"
    output = masked(out.decode(errors="replace"), list(api.tokens.values()))
    operations, cases, failures = read_report(work)
    return Outcome(who, proc.returncode or 0, seconds, operations, cases, failures, output)


def read_report(work: Path) -> tuple[int, int, list[str]]:
    """Operations tested, test cases sent, and each failed check (operation: check: what)."""
    operations: set[str] = set()
    cases, failures = 0, set()
    for path in work.glob("*.ndjson"):
        for line in path.read_text().splitlines():
            finished = json.loads(line).get("ScenarioFinished") if line.strip() else None
            if not finished:
                continue
            recorder = finished.get("recorder", {})
            label = recorder.get("label", "")
            if label != STATEFUL:
                operations.add(label)
            cases += len(recorder.get("cases", {}))
            for checks in recorder.get("checks", {}).values():
                for check in checks:
                    if str(check.get("status")).lower() != "success":
                        info = (check.get("failure_info") or {}).get("failure") or {}
                        what = " ".join(str(info.get("message", "")).split())[:160]
                        failures.add(f"{label}: {check.get('name')}: {info.get('title')}: {what}")
    return len(operations), cases, sorted(failures)


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
        print(o.summary(), *(f"  {f}" for f in o.failures), sep="\n")
    for o in outcomes:
        assert o.operations >= 20 and o.cases > 20 * o.operations, o.summary() + o.output[-3000:]
        assert o.code == 0 and not o.failures, o.summary() + "\n" + o.output[-6000:]
