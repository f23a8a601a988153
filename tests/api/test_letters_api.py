"""The letters API over real HTTP: the "to post" queue and filters (reads audited), the DOCX,
posted, a bounced e-mail copied for the post, and refusals that change nothing."""

from io import BytesIO
from urllib.parse import quote

from docx import Document
from sqlmodel import select

from models import (
    Appeal,
    Channel,
    Citizen,
    ItemKind,
    Letter,
    LetterDelivery,
    LetterStatus,
    ReplyBy,
    Role,
    Staff,
)
from tests.api.conftest import Api
from tests.fixtures import TEST_SETUP
from tests.letters_kit import ADDRESS, FACTS, NAME, TITLE, appeal, letter, letter_setup, write
from workflows.core.actors import Actor
from workflows.items.register import NewItem, check_register_item
from workflows.notifications.letter_delivery import do_mark_letter_bounced
from workflows.notifications.letters import do_write_letter, get_citizen_addressee
from workflows.setup.apply import check_apply_setup
from workflows.staff.tokens import check_create_token

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


async def handler_api(api: Api, sm, clock) -> int:
    """The municipality with a letterhead and a ПОС officer who has a token."""
    muni = await letter_setup(sm, clock)
    async with sm() as s:
        pos = (await s.exec(select(Staff).where(Staff.code == "pos"))).one()
        api.tokens["pos"] = await check_create_token(
            s,
            name=pos.name,
            role=Role.pos_officer,
            municipality_id=muni,
            staff_id=pos.id,
            now=clock.now(),
        )
    return muni


async def bounce(sm, clock, one: Letter) -> None:
    async with sm() as s:
        assert await do_mark_letter_bounced(
            s, letter_id=one.id or 0, reason="сервер почты отказал адресату (550)", now=clock.now()
        )
        await s.commit()


async def test_the_queue_lists_filters_and_audits(api: Api, sm, clock) -> None:
    muni = await handler_api(api, sm, clock)
    by_email = await appeal(sm, clock, muni)
    by_post = await appeal(sm, clock, muni, reply_by=ReplyBy.post)
    mail = await write(sm, clock, by_email)
    paper = await write(sm, clock, by_post)
    covering = await write(sm, clock, by_email, to_body=True)
    r = await api.client.get("/api/v1/letters?status=to_post", headers=api.auth("pos"))
    assert r.status_code == 200, r.text
    [queued] = r.json()
    assert queued["id"] == paper.id and queued["address"] == ADDRESS
    assert queued["addressee"] == NAME and queued["status"] == "to_post" and "text" not in queued
    r = await api.client.get(f"/api/v1/letters?item_id={by_email.id}", headers=api.auth("operator"))
    assert [x["id"] for x in r.json()] == [covering.id, mail.id]  # newest first
    r = await api.client.get("/api/v1/letters?status=sent", headers=api.auth("head"))
    assert r.json() == []
    # Each item whose letters were read has the read in its audit log.
    r = await api.client.get(f"/api/v1/items/{by_post.id}", headers=api.auth("operator"))
    detail = r.json()
    views = [e for e in detail["timeline"] if e["action"] == "view_personal_data"]
    assert views and views[0]["data"] == {"what": "letters"}
    # The card lists the item's letters, without addressee, address or text.
    [brief] = detail["letters"]
    assert brief["number"] == paper.number and brief["status"] == "to_post"
    assert not {"addressee", "address", "text"} & brief.keys()
    r = await api.client.get("/api/v1/letters?status=lost", headers=api.auth("operator"))
    assert r.status_code == 422


async def test_the_document_is_a_docx_with_its_name(api: Api, sm, clock) -> None:
    muni = await handler_api(api, sm, clock)
    item = await appeal(sm, clock, muni, reply_by=ReplyBy.post)
    paper = await write(sm, clock, item)
    r = await api.client.get(f"/api/v1/letters/{paper.id}/document", headers=api.auth("admin"))
    assert r.status_code == 200 and r.headers["content-type"] == DOCX
    name = f"Письмо {item.number}-1.docx"
    disposition = r.headers["content-disposition"]
    assert (
        disposition.startswith("attachment;") and f"filename*=UTF-8''{quote(name)}" in disposition
    )
    words = "\n".join(p.text for p in Document(BytesIO(r.content)).paragraphs)
    assert TITLE in words and "зарегистрировано 02.12.2025" in words
    cells = "\n".join(c.text for t in Document(BytesIO(r.content)).tables for c in t._cells)
    assert NAME in cells and ADDRESS in cells


async def test_posted_once_and_only_from_the_queue(api: Api, sm, clock) -> None:
    muni = await handler_api(api, sm, clock)
    paper = await write(sm, clock, await appeal(sm, clock, muni, reply_by=ReplyBy.post))
    mail = await write(sm, clock, await appeal(sm, clock, muni))
    r = await api.client.post(f"/api/v1/letters/{paper.id}/posted", headers=api.auth("pos"))
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "posted"
    done = await letter(sm, paper.id or 0)
    assert done.status is LetterStatus.posted and done.posted_at == clock.now()
    r = await api.client.post(f"/api/v1/letters/{paper.id}/posted", headers=api.auth("pos"))
    assert r.status_code == 409 and "отправлено почтой" in r.json()["reason"]
    r = await api.client.post(f"/api/v1/letters/{mail.id}/posted", headers=api.auth("operator"))
    assert r.status_code == 409 and "ждёт отправки по e-mail" in r.json()["reason"]
    assert (await letter(sm, mail.id or 0)).status is LetterStatus.pending


async def test_a_bounced_email_is_copied_for_the_post(api: Api, sm, clock) -> None:
    muni = await handler_api(api, sm, clock)
    item = await appeal(sm, clock, muni)
    mail = await write(sm, clock, item)
    r = await api.client.post(f"/api/v1/letters/{mail.id}/by-post", headers=api.auth("operator"))
    assert r.status_code == 409 and "ждёт отправки по e-mail" in r.json()["reason"]
    await bounce(sm, clock, mail)
    r = await api.client.post(f"/api/v1/letters/{mail.id}/by-post", headers=api.auth("operator"))
    assert r.status_code == 201, r.text
    copy = r.json()
    assert copy["delivery"] == "post" and copy["status"] == "to_post"
    assert copy["address"] == ADDRESS and copy["number"] == f"{item.number}/2"
    assert (await letter(sm, copy["id"])).text == mail.text
    assert (await letter(sm, mail.id or 0)).status is LetterStatus.bounced  # the original stays
    r = await api.client.post(f"/api/v1/letters/{mail.id}/by-post", headers=api.auth("operator"))
    assert r.status_code == 409 and "уже составлена" in r.json()["reason"]
    # No postal address: refused, saying so, and nothing is written.
    lone = await appeal(sm, clock, muni, address=None)
    lone_mail = await write(sm, clock, lone)
    await bounce(sm, clock, lone_mail)
    r = await api.client.post(f"/api/v1/letters/{lone_mail.id}/by-post", headers=api.auth("pos"))
    assert r.status_code == 422 and "нет почтового адреса" in r.json()["reason"]
    async with sm() as s:
        rows = await s.exec(select(Letter).where(Letter.item_id == lone.id))
        assert [x.delivery for x in rows] == [LetterDelivery.email]


async def test_refusals_change_nothing(api: Api, sm, clock) -> None:
    muni = await handler_api(api, sm, clock)
    paper = await write(sm, clock, await appeal(sm, clock, muni, reply_by=ReplyBy.post))
    for who in ("curator", "viewer", "water", "lead_zhkh"):
        for method, path in (
            ("GET", "/api/v1/letters"),
            ("GET", f"/api/v1/letters/{paper.id}/document"),
            ("POST", f"/api/v1/letters/{paper.id}/posted"),
        ):
            r = await api.client.request(method, path, headers=api.auth(who))
            assert r.status_code == 403, (who, path, r.text)
            assert "оператор" in r.json()["reason"] or "ролям" in r.json()["reason"]
    r = await api.client.get("/api/v1/letters")
    assert r.status_code == 401
    # Another municipality's letter is not found from here.
    other = await _other_municipality_letter(sm, clock)
    for method, path in (
        ("GET", f"/api/v1/letters/{other.id}/document"),
        ("POST", f"/api/v1/letters/{other.id}/posted"),
        ("POST", f"/api/v1/letters/{other.id}/by-post"),
    ):
        r = await api.client.request(method, path, headers=api.auth("operator"))
        assert r.status_code == 404 and "не найдено" in r.json()["reason"], r.text
    r = await api.client.get("/api/v1/letters", headers=api.auth("operator"))
    assert [x["id"] for x in r.json()] == [paper.id]
    assert (await letter(sm, other.id or 0)).status is LetterStatus.to_post
    assert (await letter(sm, paper.id or 0)).status is LetterStatus.to_post
    r = await api.client.get("/api/v1/letters/999999/document", headers=api.auth("operator"))
    assert r.status_code == 404


async def _other_municipality_letter(sm, clock) -> Letter:
    async with sm() as s:
        report = await check_apply_setup(
            s,
            text=TEST_SETUP.replace("code: testmo", "code: othermo").replace(
                "number_prefix: ТСТ", "number_prefix: ДРГ"
            ),
            clock=clock,
        )
    other = report.municipality_id
    async with sm() as s:
        op = (
            await s.exec(
                select(Staff).where(Staff.code == "operator", Staff.municipality_id == other)
            )
        ).one()
        citizen = Citizen(created_at=clock.now(), name="Сидоров", address="г. Другой, 1")
        s.add(citizen)
        await s.flush()
        item = await check_register_item(
            s,
            clock=clock,
            municipality_id=other,
            new=NewItem(
                kind=ItemKind.appeal_59fz,
                channel=Channel.paper,
                text="Другое обращение",
                citizen_id=citizen.id,
                received_at=clock.now(),
            ),
            actor=Actor.of_staff(op, channel=Channel.api),
        )
    async with sm() as s:
        appeal = await s.get(Appeal, item.id) or Appeal(item_id=item.id or 0)  # made by register
        appeal.reply_by = ReplyBy.post
        s.add(appeal)
        await s.flush()
        to = await get_citizen_addressee(s, item=item)
        assert to is not None
        one = await do_write_letter(
            s, item=item, kind="registered", facts=FACTS, to=to, now=clock.now()
        )
        await s.commit()
        await s.refresh(one)
        return one
