"""The session's log scan: every line the test run logs — in this process and in the `mcu`
processes the tests start — is searched for the test citizens' personal data and the tests'
secrets (tests/forbidden.py); anything found fails the run.

How it is wired:
- tests/conftest.py registers `LogScan` (pytest_configure); it makes one directory for the
  session's logs and exports it as MCU_TEST_LOG_DIR.
- In process: a handler on the root logger writes every record (exception texts included)
  to <dir>/pytest.log through the product's own formatter (mcu/logs.py, as `mcu` writes its
  lines), with the root at INFO as in production.
- Subprocesses: a test sends their output to `log_path("name")` (a file in <dir>), or calls
  `watch(path)` on a file it keeps elsewhere (its tmp_path); `record(name, text)` keeps output
  captured in memory.
- After each test, once its fixtures are torn down, the new bytes of every such file are
  searched (bytes.find per value: a few ms a test); at the session's end what was found is
  listed (values masked) and the exit status set to failed; the logs are kept then (or always
  with MCU_TEST_KEEP_LOGS=1), else removed.
"""

import logging
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from mcu.logs import make_handler
from tests.forbidden import SHAPES, forbidden

ENV = "MCU_TEST_LOG_DIR"
KEEP = "MCU_TEST_KEEP_LOGS"  # set: the logs stay after a clean run too
_active: "LogScan | None" = None


@dataclass(frozen=True)
class Finding:
    what: str
    value: str
    file: str
    test: str
    count: int
    line: str


def masked(value: str) -> str:
    """Enough to recognise a value, never the whole of it."""
    return f"{value[:3]}…({len(value)} симв.)"


def _directory() -> Path:
    if _active is not None:
        return _active.dir
    return Path(os.environ.get(ENV) or tempfile.mkdtemp(prefix="mcu-test-logs-"))


def log_path(name: str) -> Path:
    """A new file in the session's log directory for a subprocess's output; it is scanned."""
    directory = _directory()
    directory.mkdir(parents=True, exist_ok=True)
    fd, path = tempfile.mkstemp(prefix=f"{name}-", suffix=".log", dir=directory)
    os.close(fd)
    return watch(Path(path))


def watch(path: Path) -> Path:
    """Scan this file (a subprocess's log the test keeps in its tmp_path) from now on."""
    if _active is not None:
        _active.offsets.setdefault(Path(path), 0)
    return path


def record(name: str, text: str) -> None:
    """Keep output a test captured in memory (a command's stderr) among the scanned logs."""
    log_path(name).write_text(text, encoding="utf-8")


def find(data: bytes, values: dict[str, str]) -> list[tuple[str, str, int, str]]:
    """(what, value, count, first line) for each value or secret shape found in `data`."""
    hits = []
    for value, what in values.items():
        needle = value.encode()
        at = data.find(needle)
        if at >= 0:
            hits.append((what, value, data.count(needle), _line(data, at, values)))
    for what, shape in SHAPES.items():
        found = [t for t in shape.findall(data) if t.decode() not in values]  # not twice
        if found:
            token = found[0].decode()
            hits.append((what, token, len(found), _line(data, data.find(found[0]), {token: what})))
    return hits


def _line(data: bytes, at: int, values: dict[str, str]) -> str:
    start, end = data.rfind(b"\n", 0, at) + 1, data.find(b"\n", at)
    line = data[start : end if end >= 0 else len(data)].decode(errors="replace")
    for value in sorted(values, key=len, reverse=True):
        line = line.replace(value, masked(value))
    return line[:240]


class LogScan:
    def __init__(self, directory: Path) -> None:
        self.dir = directory
        self.main = directory / "pytest.log"
        self.offsets: dict[Path, int] = {self.main: 0}
        self.findings: list[Finding] = []
        self.scanned = 0
        self.seconds = 0.0
        self.handler: logging.Handler | None = None

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        self.handler = make_handler(self.main.open("a", encoding="utf-8"), "text")
        root = logging.getLogger()
        root.addHandler(self.handler)
        if root.getEffectiveLevel() > logging.INFO:
            root.setLevel(logging.INFO)  # what production writes

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_teardown(self, item: pytest.Item):  # type: ignore[no-untyped-def]
        yield
        self.scan(item.nodeid)

    def scan(self, test: str) -> None:
        started = time.perf_counter()
        values = forbidden()
        for path, offset in list(self.offsets.items()):
            try:
                with path.open("rb") as f:
                    f.seek(offset)
                    data = f.read()
            except FileNotFoundError:
                continue
            self.offsets[path] = offset + len(data)
            self.scanned += len(data)
            for what, value, count, line in find(data, values) if data else ():
                self.findings.append(Finding(what, value, path.name, test, count, line))
        self.seconds += time.perf_counter() - started

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        self.scan("после тестов")
        if self.handler is not None:
            logging.getLogger().removeHandler(self.handler)
            self.handler.close()
        if self.findings:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED
        elif not os.environ.get(KEEP):  # kept only to be looked at
            shutil.rmtree(self.dir, ignore_errors=True)

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        tr = terminalreporter
        summary = f"{len(self.offsets)} файлов, {self.scanned / 1e6:.2f} МБ, {self.seconds:.2f} с"
        if not self.findings:
            kept = f"; журналы в {self.dir}" if os.environ.get(KEEP) else ""
            tr.write_line(f"Проверка журналов: ничего лишнего ({summary}{kept})")
            return
        tr.write_sep("=", "В журналах тестов — персональные данные или секреты", red=True)
        for f in self.findings:
            tr.write_line(f"{f.what} {masked(f.value)} ×{f.count} в {f.file} (тест {f.test}):")
            tr.write_line(f"    {f.line}")
        tr.write_line(f"({summary}; журналы оставлены в {self.dir})")


def install(config: pytest.Config) -> None:
    """Called from tests/conftest.py's pytest_configure."""
    global _active
    if _active is not None:
        return
    directory = Path(tempfile.mkdtemp(prefix="mcu-test-logs-"))
    os.environ[ENV] = str(directory)
    _active = LogScan(directory)
    config.pluginmanager.register(_active, "mcu-logscan")
