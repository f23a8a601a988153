"""The 59-ФЗ appeals API over real HTTP: a paper appeal entered, the ПОС import (idempotent,
refusals per record), the queues of the officer for ПОС, the глава and the head; and the ПОС
import from the command line."""

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import update
from sqlmodel import func, select

from models import Item, ItemStatus, Letter, LetterStatus
from tests.api.conftest import Api
from tests.appeal_setup import APPEAL_SETUP
from tests.logscan import record
from tests.mcu.test_cli import clean_env
from tests.test_embedded import ROOT
from workflows.setup.apply import check_apply_setup


@pytest.fixture
async def muni(sm, clock) -> int:
    async with sm() as s:
        return (await check_apply_setup(s, text=APPEAL_SETUP, clock=clock)).municipality_id


def at(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def pos_record(pos_id: str, *, fz59: bool = True, **kw) -> dict:
    return {
        "pos_id": pos_id,
        "created_at": "2025-12-01T12:00:00+03:00",
        "text": "Прошу отремонтировать дорогу у школы",
        "author": {"name": "Ким Анна", "email": "kim@example.ru"},
        "fz59": fz59,
        **kw,
    }


async def enter(api: Api, muni: int, who: str = "operator", **kw) -> dict:
    body = {
        "municipality_id": muni,
        "text": "Жалоба: не вывозят мусор",
        "received_at": "2025-12-01T15:00:00+03:00",
        "citizen_name": "Иванов Иван",
        "citizen_address": "368410, с. Тестовое, ул. Садовая, 5",
        **kw,
    }
    r = await api.client.post("/api/v1/appeals", headers=api.auth(who), json=body)
    return {"status_code": r.status_code, **r.json()}


async def test_a_paper_appeal_over_http(api: Api, muni, sm):
    item = await enter(api, muni, complained_official="мастер Петров")
    assert item["status_code"] == 201, item
    assert item["status"] == "new"
    assert at(item["received_at"]) == datetime(2025, 12, 1, 12, tzinfo=UTC)
    assert at(item["registered_at"]) == datetime(2025, 12, 2, 7, tzinfo=UTC), "registered now"
    async with sm() as s:
        [letter] = list(await s.exec(select(Letter)))
    assert letter.status is LetterStatus.to_post and "Садовая" in letter.address
    received = await enter(api, muni, who="pos", register_now=False)
    assert received["status"] == "received" and received["due_at"] is None
    r = await api.client.post(
        f"/api/v1/items/{received['id']}/actions/register",
        headers=api.auth("pos"),
        json={"version": received["version"]},
    )
    assert r.status_code == 200 and r.json()["status"] == "new", r.text
    assert r.json()["due_at"] is not None


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"received_at": None}, "received_at"),
        ({"received_at": "2025-12-01T15:00:00"}, "received_at"),
        ({"citizen_email": "иванов@"}, "адрес электронной почты «иванов@» неверен"),
        ({"complained_body": "court"}, "орган «court» не найден"),
        ({"reply_by": "email"}, "укажите адрес электронной почты заявителя"),
        ({"received_at": "2024-01-01T10:00:00+03:00"}, "дата поступления старше года"),
    ],
)
async def test_bad_paper_appeals_are_refused(api: Api, muni, sm, change, why):
    got = await enter(api, muni, **change)
    assert got["status_code"] == 422 and why in got["reason"], got
    async with sm() as s:
        assert (await s.exec(select(func.count()).select_from(Item))).one() == 0


async def test_who_may_enter_and_import(api: Api, muni):
    assert (await enter(api, muni, who="curator"))["status_code"] == 403
    assert (await enter(api, muni, who="water"))["status_code"] == 403
    r = await api.client.post(
        "/api/v1/appeals/pos",
        headers=api.auth("glava"),
        json={"municipality_id": muni, "records": []},
    )
    assert r.status_code == 403
    r = await api.client.post(
        "/api/v1/appeals/pos",
        headers=api.auth("pos"),
        json={"municipality_id": muni + 100, "records": [pos_record("1")]},
    )
    assert r.status_code == 404 and "не найден" in r.json()["reason"]


async def test_pos_import_over_http(api: Api, muni, sm):
    records = [
        pos_record("1"),
        pos_record("2", fz59=False),
        pos_record("3", created_at="вчера"),
        pos_record("4", author={"name": "Ли", "email": "li@@"}),
    ]
    body = {"municipality_id": muni, "records": records}
    r = await api.client.post("/api/v1/appeals/pos", headers=api.auth("pos"), json=body)
    assert r.status_code == 200, r.text
    got = r.json()
    assert (got["created"], got["repeat"], got["refused"]) == (2, 0, 2)
    outcomes = [(x["pos_id"], x["outcome"]) for x in got["results"]]
    assert outcomes == [("1", "created"), ("2", "created"), ("3", "refused"), ("4", "refused")]
    assert got["results"][2]["reason"] == "created_at: нужна дата со временем и часовым поясом"
    r = await api.client.post("/api/v1/appeals/pos", headers=api.auth("operator"), json=body)
    again = r.json()
    assert (again["created"], again["repeat"], again["refused"]) == (0, 2, 2)
    assert again["results"][0]["number"] == got["results"][0]["number"]
    async with sm() as s:
        assert (await s.exec(select(func.count()).select_from(Item))).one() == 2


async def test_the_queues_of_each_role(api: Api, muni, sm, clock):
    imported = await api.client.post(
        "/api/v1/appeals/pos",
        headers=api.auth("pos"),
        json={
            "municipality_id": muni,
            "records": [pos_record("10"), pos_record("11", fz59=False, text="Нет воды в доме")],
        },
    )
    received, pos_message = (x["item_id"] for x in imported.json()["results"])
    paper = await enter(api, muni, text="Жалоба на дорогу")  # routed to the road man
    triaged = await enter(api, muni, text="Прошу навести порядок")  # new: waits for triage
    signoff = await enter(api, muni, text="Жалоба на шум")
    async with sm() as s:
        await s.execute(
            update(Item).where(Item.id == signoff["id"]).values(status=ItemStatus.signoff)
        )
        await s.commit()
    clock.advance(timedelta(days=45))  # the registered appeals are overdue now

    async def queue(who: str) -> list[int]:
        r = await api.client.get("/api/v1/appeals/queue", headers=api.auth(who))
        assert r.status_code == 200, r.text
        return [i["id"] for i in r.json()["items"]]

    pos = await queue("pos")
    assert set(pos) == {received, pos_message}
    glava = await queue("glava")
    assert set(glava) == {paper["id"], triaged["id"], signoff["id"]}
    head = await queue("head")
    assert set(head) >= set(glava) and pos_message not in head
    r = await api.client.get("/api/v1/appeals/queue", headers=api.auth("water"))
    assert r.status_code == 403 and "ответственного за ПОС" in r.json()["reason"]


def test_import_pos_from_the_command_line(tmp_path: Path) -> None:
    db = tmp_path / "mcu.db"
    env = clean_env(DATABASE_URL=f"sqlite:///{db}", PYTHONPATH=str(ROOT))  # this tree's code

    def mcu(*args: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [sys.executable, "-m", "mcu", *args],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )
        record("mcu-cli", done.stderr)
        return done

    assert mcu("migrate").returncode == 0
    assert mcu("setup", "apply", str(ROOT / "setup" / "bezhta.yaml")).returncode == 0
    yesterday = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    records = [
        pos_record("C1", created_at=yesterday),
        pos_record("C2", created_at=yesterday, fz59=False),
        pos_record("C3", created_at="2020-01-01T10:00:00+03:00"),
    ]
    path = tmp_path / "pos.json"
    path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    first = mcu("appeals", "import-pos", str(path), "--municipality", "bezhta")
    assert first.returncode == 1, first.stderr  # one record refused
    lines = first.stdout.splitlines()
    assert lines[0] == "Записей в файле: 3"
    assert lines[1].startswith("[1/3] ПОС C1: создано БЖТ-")
    assert lines[2].startswith("[2/3] ПОС C2: создано БЖТ-")
    assert lines[3] == "[3/3] ПОС C3: отказ: дата поступления старше года: проверьте её"
    assert lines[4] == "Итого: создано 2, уже было 0, отказано 1."
    again = mcu("appeals", "import-pos", str(path), "--municipality", "bezhta")
    assert "Итого: создано 0, уже было 2, отказано 1." in again.stdout
    missing = mcu("appeals", "import-pos", str(tmp_path / "nope.json"), "--municipality", "bezhta")
    assert missing.returncode == 2 and "не найден" in missing.stderr


@pytest.mark.parametrize("who", ["glava", "pos"])
async def test_the_new_roles_log_in_to_the_dashboard_and_read_reports(api: Api, muni, who):
    async with httpx.AsyncClient(base_url=str(api.client.base_url), timeout=30) as c:
        r = await c.post("/dashboard/login", data={"token": api.tokens[who]})
        assert r.status_code == 303, r.text
        assert (await c.get("/dashboard")).status_code == 200
    r = await api.client.get(
        "/api/v1/reports/summary", headers=api.auth(who), params={"period": "2025-W48"}
    )
    assert r.status_code == 200, r.text
