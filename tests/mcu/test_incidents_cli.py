"""`mcu incidents precision` as a user runs it: a bad municipality code is one Russian line and
exit 2, too few decisions say so, enough decisions give the precision above each threshold."""

import sqlite3
from pathlib import Path

from tests.mcu.test_cli import clean_env, mcu
from tests.test_embedded import ROOT


def seed(db: Path, accepted: int, dismissed: int) -> None:
    """Decided posts: the accepted scored 0.85, the dismissed 0.65; one automatic acceptance
    at 0.95 that must not count."""
    rows = [(0.85, "accepted", 0)] * accepted + [(0.65, "dismissed", 0)] * dismissed
    rows.append((0.95, "accepted", 1))
    with sqlite3.connect(db) as c:
        c.executemany(
            "INSERT INTO socialpost (municipality_id, owner_id, post_id, comment_id, source,"
            " posted_at, text, link, score, reasons, status, auto, created_at)"
            " VALUES (1, -5, ?, 0, 'Газета', '2026-12-01 09:00:00+00:00', 'Нет воды', 'l', ?,"
            " '[]', ?, ?, '2026-12-01 09:00:00+00:00')",
            [(i + 1, score, status, auto) for i, (score, status, auto) in enumerate(rows)],
        )


def test_precision_of_automatic_acceptance_from_the_command_line(tmp_path: Path) -> None:
    db = tmp_path / "mcu.db"
    env = clean_env(DATABASE_URL=f"sqlite:///{db}")
    assert mcu(["migrate"], env, tmp_path).returncode == 0
    none = mcu(["incidents", "precision"], env, tmp_path)
    assert none.returncode == 2 and "муниципалитетов нет" in none.stderr
    setup = ROOT / "setup" / "bezhta.yaml"
    assert mcu(["setup", "apply", str(setup)], env, tmp_path).returncode == 0

    bad = mcu(["incidents", "precision", "--municipality", "nope"], env, tmp_path)
    assert bad.returncode == 2 and bad.stdout == ""
    assert bad.stderr.strip() == (
        "Ошибка: муниципалитет «nope» не найден: сначала `mcu setup apply файл.yaml`"
    )

    seed(db, accepted=3, dismissed=1)
    few = mcu(["incidents", "precision", "--municipality", "bezhta"], env, tmp_path)
    assert few.returncode == 0, few.stderr
    assert "4 (принято 3, отклонено 1)" in few.stdout
    assert "Слишком мало решений" in few.stdout and "точность" in few.stdout

    seed_more(db)
    out = mcu(["incidents", "precision"], env, tmp_path)  # the only municipality
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert "30 (принято 24, отклонено 6)" in lines[0]
    assert "выключено" in lines[1]
    table = {ln.split()[0]: ln.split()[1:] for ln in lines[3:7]}
    assert table["0.60"] == ["30", "24", "6", "0.800"]
    assert table["0.70"] == ["24", "24", "0", "1.000"]
    assert table["0.90"][:3] == ["0", "0", "0"] and table["0.90"][3] == "мало"


def seed_more(db: Path) -> None:
    with sqlite3.connect(db) as c:
        c.execute("DELETE FROM socialpost")
    seed(db, accepted=24, dismissed=6)
