"""The dashboard's «Письма» desk over real HTTP: the "to post" queue and the bounced e-mails with
addressee and address, the DOCX with the cookie session, «Отправлено почтой» and «Отправить
почтой» by form; a role without letters, a form without the session's token or from another
site — a clear message on the page and nothing changed."""

from io import BytesIO
from zoneinfo import ZoneInfo

import httpx
from docx import Document
from sqlmodel import col, select

from models import (
    ItemEvent,
    ItemKind,
    Letter,
    LetterDelivery,
    LetterStatus,
    ReplyBy,
    RoutingRule,
    Staff,
)
from tests.api.conftest import Api
from tests.api.test_dashboard import browser, rows
from tests.api.test_letters_api import DOCX, bounce, handler_api
from tests.api.test_social_desk import text, token, token_of
from tests.letters_kit import ADDRESS, EMAIL, NAME, TITLE, appeal, letter, write

PAGE = "/dashboard/letters"


async def press(c: httpx.AsyncClient, action: str, letter_id: int | None) -> httpx.Response:
    page = await c.get(PAGE)
    return await c.post(f"{PAGE}/{action}", data={"token": token(page.text), "letter": letter_id})


async def snapshot(api: Api) -> list[dict[str, object]]:
    async with api.rt.sm() as s:
        return [x.model_dump() for x in await s.exec(select(Letter).order_by(col(Letter.id)))]


async def test_the_operator_posts_letters_from_the_dashboard(api: Api, sm, clock) -> None:
    muni = await handler_api(api, sm, clock)
    by_post = await appeal(sm, clock, muni, reply_by=ReplyBy.post)
    paper = await write(sm, clock, by_post)
    by_email = await appeal(sm, clock, muni)
    mail = await write(sm, clock, by_email)
    covering = await write(sm, clock, by_email, to_body=True)
    await bounce(sm, clock, mail)
    async with browser(api, "operator") as c:
        home = await c.get("/dashboard")
        assert 'href="/dashboard/letters"' in home.text, "the main page links the desk"
        social = await c.get("/dashboard/social")
        assert 'href="/dashboard/letters"' in social.text, "and so does the «Соцсети» desk"
        page = await c.get(PAGE)
        assert page.status_code == 200, page.text
        [queued] = rows(page.text, "to-post")
        assert queued[:5] == [paper.number, by_post.number, "о регистрации", NAME, ADDRESS]
        moscow = paper.created_at.astimezone(ZoneInfo("Europe/Moscow"))
        assert queued[5] == moscow.strftime("%d.%m.%Y %H:%M"), "in the municipality's zone"
        [failed] = rows(page.text, "bounced")
        assert failed[:5] == [mail.number, by_email.number, "о регистрации", NAME, EMAIL]
        assert "сервер почты отказал адресату (550)" in failed[6]
        assert "Отправлено почтой" in page.text and "Отправить почтой" in page.text
        assert covering.number not in page.text, "waiting for e-mail: not on the desk"
        async with api.rt.sm() as s:
            views = await s.exec(
                select(ItemEvent).where(
                    ItemEvent.item_id == by_post.id, ItemEvent.action == "view_personal_data"
                )
            )
            assert [e.data for e in views] == [{"what": "letters"}], "the read is audited"

        doc = await c.get(f"{PAGE}/{paper.id}/document")
        assert doc.status_code == 200 and doc.headers["content-type"] == DOCX
        assert "attachment;" in doc.headers["content-disposition"]
        words = "\n".join(p.text for p in Document(BytesIO(doc.content)).paragraphs)
        assert TITLE in words

        done = await press(c, "posted", paper.id)
        assert done.status_code == 303 and done.headers["location"] == f"{PAGE}?done=posted"
        after = await c.get(done.headers["location"])
        assert "отмечено отправленным почтой" in text(after.text)
        assert "Писем к отправке почтой нет" in text(after.text)
        row = await letter(sm, paper.id or 0)
        assert row.status is LetterStatus.posted and row.posted_at == clock.now()

        copied = await press(c, "by-post", mail.id)
        assert copied.status_code == 303, copied.text
        async with sm() as s:
            [copy] = await s.exec(
                select(Letter).where(
                    Letter.item_id == by_email.id, Letter.delivery == LetterDelivery.post
                )
            )
        assert copy.status is LetterStatus.to_post and copy.address == ADDRESS
        page = await c.get(PAGE)
        [queued] = rows(page.text, "to-post")
        assert queued[0] == copy.number and queued[4] == ADDRESS
        assert (await letter(sm, mail.id or 0)).status is LetterStatus.bounced

        again = await press(c, "by-post", mail.id)
        assert again.status_code == 409 and "уже составлена" in text(again.text)
        twice = await press(c, "posted", paper.id)
        assert twice.status_code == 409 and "отправлено почтой" in text(twice.text)
        assert 'id="error"' in twice.text and 'id="to-post"' in twice.text


async def test_refusals_are_shown_and_change_nothing(api: Api, sm, clock) -> None:
    muni = await handler_api(api, sm, clock)
    paper = await write(sm, clock, await appeal(sm, clock, muni, reply_by=ReplyBy.post))
    before = await snapshot(api)
    for who in ("curator", "lead_zhkh"):
        async with browser(api, who) as c:
            home = await c.get("/dashboard")
            assert 'href="/dashboard/letters"' not in home.text, who
            page = await c.get(PAGE)
            assert page.status_code == 403 and "Письма доступны оператору" in text(page.text)
            assert ADDRESS not in page.text and NAME not in page.text, who
            doc = await c.get(f"{PAGE}/{paper.id}/document")
            assert doc.status_code == 403 and "оператору" in doc.text
            form = {"token": token_of(c), "letter": str(paper.id)}
            refused = await c.post(f"{PAGE}/posted", data=form)
            assert refused.status_code == 403 and "оператору" in text(refused.text)
            assert ADDRESS not in refused.text
    async with browser(api, "operator") as c:
        no_token = await c.post(f"{PAGE}/posted", data={"letter": str(paper.id)})
        assert no_token.status_code == 403 and "чужого сайта" in text(no_token.text)
        page = await c.get(PAGE)
        forged = await c.post(f"{PAGE}/posted", data={"token": "0" * 40, "letter": paper.id})
        assert forged.status_code == 403 and "чужого сайта" in text(forged.text)
        foreign = await c.post(
            f"{PAGE}/posted",
            data={"token": token(page.text), "letter": str(paper.id)},
            headers={"Origin": "https://evil.example"},
        )
        assert foreign.status_code == 403
        for bad, status, reason in (
            ("x", 422, "ожидается номер"),
            ("", 422, "не указано письмо"),
            ("999999", 404, "не найдено"),
        ):
            answer = await c.post(f"{PAGE}/posted", data={"token": token(page.text), "letter": bad})
            assert answer.status_code == status and reason in text(answer.text), bad
        missing = await c.get(f"{PAGE}/999999/document")
        assert missing.status_code == 404 and "не найдено" in missing.text
    async with browser(api, "head") as other:
        stale = await other.post(
            f"{PAGE}/posted", data={"token": token(page.text), "letter": str(paper.id)}
        )
        assert stale.status_code == 403, "another session's token is refused"
    async with browser(api) as anonymous:
        assert (
            await anonymous.post(f"{PAGE}/posted", data={"letter": paper.id})
        ).status_code == 401
        assert (await anonymous.get(f"{PAGE}/{paper.id}/document")).status_code == 401
    assert await snapshot(api) == before


async def test_an_incident_officer_is_refused_and_stays_logged_in(api: Api, sm, clock) -> None:
    """A recipient named by a `kind: incident` rule sees the «Соцсети» desk only: the letters
    page refuses them on the page and keeps their session."""
    muni = await handler_api(api, sm, clock)
    paper = await write(sm, clock, await appeal(sm, clock, muni, reply_by=ReplyBy.post))
    async with sm() as s:
        officer = (await s.exec(select(Staff).where(Staff.code == "water"))).one()
        rule = RoutingRule(
            municipality_id=muni, code="inc", kind=ItemKind.incident, assignee_id=officer.id or 0
        )
        s.add(rule)
        await s.commit()
    before = await snapshot(api)
    async with browser(api, "water") as c:
        page = await c.get(PAGE)
        assert page.status_code == 403 and "Письма доступны оператору" in text(page.text)
        assert ADDRESS not in page.text and 'href="/dashboard"' not in page.text
        form = {"token": token_of(c), "letter": str(paper.id)}
        assert (await c.post(f"{PAGE}/posted", data=form)).status_code == 403
        social = await c.get("/dashboard/social")
        assert "публикации на разбор" in social.text, "still logged in, the desk still open"
    assert await snapshot(api) == before
