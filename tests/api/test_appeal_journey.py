"""The 59-ФЗ path end to end over real HTTP, with e-mail through the real outbox sender to a real
SMTP server: an appeal from ПОС (e-mail reply address) received, registered a day later,
forwarded with its covering letter; another left unclear; one extended, returned, signed and
answered, each notice by e-mail; a paper appeal (postal address)
registered at once, extended, answered, signed off by the глава and printed for the post; a
forward to the body complained about refused; a bouncing address keeps its letter."""

from datetime import timedelta
from io import BytesIO

import pytest
from docx import Document
from sqlmodel import select

from integrations.email.config import SmtpConfig
from integrations.email.port import EmailPort
from models import Channel, Letter, LetterStatus
from tests.api.conftest import Api
from tests.appeal_setup import APPEAL_SETUP
from tests.helpers import outbox
from tests.smtp import HOST, SmtpServer
from workflows.outbox.ports import ConsolePort
from workflows.outbox.sender import Sender
from workflows.setup.apply import check_apply_setup

TITLE = "Администрация Тестового муниципального округа"
JOURNEY_SETUP = APPEAL_SETUP.replace(
    "  work_hours:",
    f"  letterhead: {{title: {TITLE}, signatory: Глава Тестового округа}}\n  work_hours:",
)
KIM = "kim.anna@example.ru"
GZHI = "gzhi@example.ru"  # the housing inspection's address in the appeal setup


@pytest.fixture
async def muni(sm, clock) -> int:
    async with sm() as s:
        return (await check_apply_setup(s, text=JOURNEY_SETUP, clock=clock)).municipality_id


async def deliver(smtp: SmtpServer, sm, clock) -> None:
    """One pass of the real sender: e-mail to the SMTP server, staff notices to the log."""
    config = SmtpConfig(host=HOST, port=smtp.port, sender="mcu@testmo.example.ru", timeout=5)
    ports = {Channel.email: EmailPort(config, sm=sm, clock=clock), Channel.console: ConsolePort()}
    await Sender(sm, clock=clock, ports=ports).run_once()


async def act(api: Api, who: str, item: dict, action: str, **body) -> dict:
    r = await api.client.post(
        f"/api/v1/items/{item['id']}/actions/{action}",
        headers=api.auth(who),
        json={"version": item["version"], **body},
    )
    assert r.status_code == 200, r.text
    return r.json()


async def from_pos(
    api: Api,
    muni: int,
    pos_id: str,
    text: str,
    *,
    at: str,
    name: str = "Ким Анна Сергеевна",
    email: str = KIM,
) -> dict:
    """One ПОС record imported by the officer for ПОС: the appeal as received, not registered."""
    record = {
        "pos_id": pos_id,
        "created_at": at,
        "text": text,
        "author": {"name": name, "email": email},
        "fz59": True,
    }
    r = await api.client.post(
        "/api/v1/appeals/pos",
        headers=api.auth("pos"),
        json={"municipality_id": muni, "records": [record]},
    )
    assert r.status_code == 200, r.text
    [result] = r.json()["results"]
    assert result["outcome"] == "created", result
    got = await api.client.get(f"/api/v1/items/{result['item_id']}", headers=api.auth("pos"))
    return got.json()["item"]


async def bodies(api: Api) -> dict[str, int]:
    r = await api.client.get("/api/v1/bodies", headers=api.auth("operator"))
    assert r.status_code == 200, r.text
    found = r.json()
    return {b["code"]: b["id"] for b in (found["bodies"] if isinstance(found, dict) else found)}


async def letters(sm, item_id: int) -> list[Letter]:
    async with sm() as s:
        rows = await s.exec(select(Letter).where(Letter.item_id == item_id).order_by(Letter.id))
        return list(rows)


def text_of(message) -> str:
    return message.get_body(("plain",)).get_content()


async def test_pos_appeal_received_registered_forwarded_by_email(api: Api, muni, sm, clock):
    item = await from_pos(
        api,
        muni,
        "pos-1001",
        "Управляющая компания не ремонтирует крышу дома, течёт в квартиру",
        at="2025-12-01T12:00:00+03:00",
    )
    assert item["status"] == "received" and item["due_at"] is None, "not registered yet"

    clock.advance(timedelta(days=1))  # the officer for ПОС registers it the next day
    item = await act(api, "pos", item, "register")
    assert item["status"] in ("new", "assigned") and item["due_at"] is not None
    with SmtpServer() as smtp:
        await deliver(smtp, sm, clock)
        [registered] = smtp.received
    assert registered.rcpt_tos == [KIM]
    assert registered.header("Subject") == "Ваше обращение зарегистрировано"
    assert TITLE in text_of(registered.message) and item["number"] in text_of(registered.message)

    ids = await bodies(api)
    item = await api.client.get(f"/api/v1/items/{item['id']}", headers=api.auth("operator"))
    item = await act(
        api,
        "operator",
        item.json()["item"],
        "forward",
        body_id=ids["housing"],
        reason="содержание общего имущества многоквартирного дома — жилищный надзор",
    )
    assert item["status"] == "redirected"
    with SmtpServer() as smtp:
        await deliver(smtp, sm, clock)
        got = {m.rcpt_tos[0]: m for m in smtp.received}
    assert set(got) == {KIM, GZHI}
    assert "переадресовано" in got[KIM].header("Subject")
    assert "Жилищная инспекция" in text_of(got[KIM].message)
    covering = text_of(got[GZHI].message)
    assert "течёт в квартиру" in covering and "Ким Анна Сергеевна" in covering
    sent = await letters(sm, item["id"])
    assert [(lt.kind, lt.status) for lt in sent] == [
        ("registered", LetterStatus.sent),
        ("covering", LetterStatus.sent),
        ("forwarded", LetterStatus.sent),
    ]


async def test_pos_appeal_left_unclear_tells_the_citizen_by_email(api: Api, muni, sm, clock):
    item = await from_pos(
        api, muni, "pos-1002", "ну вы знаете сами что там опять", at="2025-12-02T09:00:00+03:00"
    )
    item_id = item["id"]
    item = await act(api, "pos", item, "register")
    item = await act(api, "operator", item, "mark_unclear", reason="unclear: не указано, о чём")
    assert item["status"] == "rejected"
    with SmtpServer() as smtp:
        await deliver(smtp, sm, clock)
        subjects = {m.header("Subject") for m in smtp.received if m.rcpt_tos == [KIM]}
    assert f"О вашем обращении № {item['number']}" in subjects
    body = [lt for lt in await letters(sm, item_id) if lt.kind == "unclear"]
    assert body and "4.1" in body[0].text and body[0].status is LetterStatus.sent


async def test_paper_appeal_extended_signed_and_printed(api: Api, muni, sm, clock):
    r = await api.client.post(
        "/api/v1/appeals",
        headers=api.auth("operator"),
        json={
            "municipality_id": muni,
            "text": "Нет воды в доме третью неделю, прошу заменить трубу",
            "received_at": "2025-12-01T15:00:00+03:00",
            "citizen_name": "Алиев Магомед",
            "citizen_address": "368410, с. Тестовое, ул. Садовая, 5",
            "complained_body": "housing",
        },
    )
    assert r.status_code == 201, r.text
    item = r.json()
    assert item["assignee_id"] is not None, "routed by the water rule"

    # ст. 8 ч. 6: never to the body whose actions it complains about; nothing changes.
    refused = await api.client.post(
        f"/api/v1/items/{item['id']}/actions/forward",
        headers=api.auth("operator"),
        json={
            "version": item["version"],
            "body_id": (await bodies(api))["housing"],
            "reason": "по компетенции",
        },
    )
    assert refused.status_code == 422 and "обжалуются" in refused.text
    again = await api.client.get(f"/api/v1/items/{item['id']}", headers=api.auth("head"))
    assert again.json()["item"]["version"] == item["version"]

    item = await act(api, "water", item, "take")
    item = await act(
        api, "water", item, "request_extension", days=20, reason="нужна замена участка сети"
    )
    item = await act(api, "head", item, "approve_extension")
    clock.advance(timedelta(days=10))
    item = await act(api, "water", item, "draft_answer", text="Участок трубы заменён 12.12.")
    assert item["status"] == "signoff"
    refused = await api.client.post(  # the recipient cannot sign their own answer
        f"/api/v1/items/{item['id']}/actions/sign_answer",
        headers=api.auth("water"),
        json={"version": item["version"]},
    )
    assert refused.status_code == 403
    item = await act(api, "glava", item, "sign_answer")
    assert item["status"] == "answered"

    kinds = [(lt.kind, lt.status) for lt in await letters(sm, item["id"])]
    assert kinds == [
        ("registered", LetterStatus.to_post),
        ("extended", LetterStatus.to_post),
        ("answer", LetterStatus.to_post),
    ]
    queue = await api.client.get(
        "/api/v1/letters", headers=api.auth("operator"), params={"status": "to_post"}
    )
    listed = [lt for lt in queue.json() if lt["item_id"] == item["id"]]
    assert len(listed) == 3
    answer = next(lt for lt in listed if lt["kind"] == "answer")
    doc = await api.client.get(
        f"/api/v1/letters/{answer['id']}/document", headers=api.auth("operator")
    )
    assert doc.status_code == 200
    document = Document(BytesIO(doc.content))
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    words = "\n".join([p.text for p in document.paragraphs] + cells)  # the addressee: a table
    assert TITLE in words and "Участок трубы заменён" in words and "Алиев Магомед" in words
    r = await api.client.post(
        f"/api/v1/letters/{answer['id']}/posted", headers=api.auth("operator")
    )
    assert r.status_code == 200 and r.json()["status"] == "posted"
    timeline = (
        await api.client.get(f"/api/v1/items/{item['id']}", headers=api.auth("head"))
    ).json()["timeline"]
    signed = [e for e in timeline if e["action"] == "sign_answer"]
    assert signed and "Участок трубы заменён" in str(signed[0]["data"])
    assert await outbox(sm, channel=Channel.email) == [], "a postal citizen gets no e-mail"


async def test_a_bouncing_address_keeps_the_letter_and_tells_the_operator(
    api: Api, muni, sm, clock
):
    item = await from_pos(
        api,
        muni,
        "pos-1003",
        "Прошу установить фонарь у остановки",
        at="2025-12-02T09:00:00+03:00",
        name="Сидорова Мария",
        email="nobody@example.ru",
    )
    item_id = item["id"]
    await act(api, "pos", item, "register")
    with SmtpServer(refuse={"nobody@example.ru"}) as smtp:
        await deliver(smtp, sm, clock)
        assert smtp.received == []
    [kept] = await letters(sm, item_id)
    assert kept.status is LetterStatus.bounced and kept.text
    told = await outbox(sm, kind="letter_bounced")
    assert told and all("nobody@" not in str(t.payload) for t in told)


async def test_pos_appeal_extended_signed_and_answered_by_email(api: Api, muni, sm, clock):
    item = await from_pos(
        api,
        muni,
        "pos-1004",
        "Нет воды в доме, прошу заменить трубу на улице",
        at="2025-12-01T18:30:00+03:00",
    )
    item = await act(api, "pos", item, "register")
    assert item["assignee_id"] is not None, "routed by the water rule once registered"
    item = await act(api, "water", item, "take")
    item = await act(api, "water", item, "request_extension", days=15, reason="нужна экспертиза")
    item = await act(api, "head", item, "approve_extension")
    item = await act(api, "water", item, "draft_answer", text="Трубу на улице заменили.")
    returned = await act(api, "head", item, "return_answer", reason="укажите дату работ")
    assert returned["status"] == "in_progress"
    item = await act(
        api, "water", returned, "draft_answer", text="Трубу на улице заменили 15.12.2025."
    )
    item = await act(api, "head", item, "sign_answer")
    assert item["status"] == "answered"
    with SmtpServer() as smtp:
        await deliver(smtp, sm, clock)
        mail = {m.header("Subject"): text_of(m.message) for m in smtp.received}
    assert set(mail) == {
        "Ваше обращение зарегистрировано",
        f"Срок рассмотрения обращения № {item['number']} продлён",
        f"Ответ на обращение № {item['number']}",
    }
    assert "нужна экспертиза" in mail[f"Срок рассмотрения обращения № {item['number']} продлён"]
    answer = mail[f"Ответ на обращение № {item['number']}"]
    assert "заменили 15.12.2025" in answer and "укажите дату" not in answer
