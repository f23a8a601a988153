"""The session's log scan fails a run whose logs hold a test citizen's data or a secret — in
this process's records and in a subprocess's output — and says where, never the whole value."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from tests.forbidden import forbidden, secret
from tests.logscan import ENV, KEEP, find, masked
from tests.test_embedded import ROOT

LEAKY = """
import logging
import subprocess
import sys

from tests.forbidden import secret
from tests.logscan import log_path

TOKEN = secret("leaky-token-for-the-scan-test", "токен для проверки")


def test_logs_a_citizen(tmp_path):
    logging.getLogger("leaky").warning("жалоба от Магомедрасул Гаджиев")


def test_a_child_prints_a_phone_and_a_token():
    with log_path("child").open("ab") as out:
        code = "print('звонить +79031234567'); print('with ' + %r)" % TOKEN
        subprocess.run([sys.executable, "-c", code], stdout=out, check=True)


def test_logs_an_api_token():
    logging.getLogger("leaky").info("выдан mcu_" + "A" * 43)
"""

CLEAN = """
import logging


def test_logs_nothing_of_note():
    logging.getLogger("clean").warning("обращение ТСТ-2025-000001 принято")
"""


def run_pytest(tmp_path: Path, source: str) -> subprocess.CompletedProcess[str]:
    """A separate pytest run with our conftest (and so the scan) over one test file."""
    (tmp_path / "test_sample.py").write_text(source)
    env = {k: v for k, v in os.environ.items() if k not in (ENV, KEEP)}  # a session of its own
    env["PYTHONPATH"] = str(ROOT)
    args = ["-q", "-p", "tests.conftest", "-p", "no:cacheprovider", "--rootdir", str(tmp_path)]
    return subprocess.run(
        [sys.executable, "-m", "pytest", *args, str(tmp_path / "test_sample.py")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_run_that_leaks_fails_and_says_where(tmp_path: Path) -> None:
    done = run_pytest(tmp_path, LEAKY)
    out = done.stdout
    assert done.returncode == 1, out
    assert "3 passed" in out, "the tests pass; the scan fails the run"
    assert "имя Маг…(20 симв.)" in out and "test_sample.py::test_logs_a_citizen" in out
    assert "телефон +79…(12 симв.) ×1 в child-" in out
    assert "токен для проверки lea…(29 симв.)" in out
    assert "токен API (mcu_…)" in out and "test_logs_an_api_token" in out
    for whole in ("Магомедрасул Гаджиев", "+79031234567", "leaky-token-for-the-scan-test"):
        assert whole not in out, f"printed whole: {whole}"
    kept = re.search(r"журналы оставлены в (\S+)\)", out)
    assert kept, out
    shutil.rmtree(kept.group(1))  # kept for a person to look at; this one was on purpose


def test_a_clean_run_passes_and_says_so(tmp_path: Path) -> None:
    done = run_pytest(tmp_path, CLEAN)
    assert done.returncode == 0, done.stdout
    assert "Проверка журналов: ничего лишнего" in done.stdout


def test_find_names_each_value_once_with_its_line_masked() -> None:
    token = secret("scan-unit-token-123", "токен")
    data = f"a\nb {token} и Гасанов Магомед\nc {token}\nmcu_{'B' * 43}\n".encode()
    hits = {(what, value): (count, line) for what, value, count, line in find(data, forbidden())}
    assert hits[("токен", token)] == (2, f"b {masked(token)} и {masked('Гасанов Магомед')}")
    assert hits[("имя", "Гасанов")][0] == 1
    assert hits[("токен API (mcu_…)", "mcu_" + "B" * 43)][0] == 1
