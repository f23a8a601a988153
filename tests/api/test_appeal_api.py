"""59-ФЗ over HTTP: the answer through sign-off, the extension's limit, the repeated appeal."""

from models import ItemKind
from tests.api.conftest import Api
from tests.workflows.appeals.people import appeal


async def post(api: Api, who: str, url: str, **body) -> tuple[int, dict]:
    r = await api.client.post(url, headers=api.auth(who), json=body)
    return r.status_code, r.json()


async def test_answer_draft_sign_and_follow_up_over_http(api: Api, sm, clock, muni):
    item = await appeal(sm, clock, muni)
    base = f"/api/v1/items/{item.id}"
    code, body = await post(api, "water", f"{base}/actions/take", version=item.version)
    assert code == 200, body
    v = body["version"]
    code, body = await post(api, "water", f"{base}/actions/answer", version=v, text="Починили")
    assert code == 422 and "draft_answer" in body["reason"], body
    code, body = await post(
        api, "water", f"{base}/actions/draft_answer", version=v, text="Починили"
    )
    assert code == 200 and body["status"] == "signoff", body
    v = body["version"]
    code, body = await post(api, "water", f"{base}/actions/sign_answer", version=v)
    assert code == 403, body
    code, body = await post(api, "head", f"{base}/actions/sign_answer", version=v)
    assert code == 200 and body["status"] == "answered" and body["answered_at"], body
    code, body = await post(api, "curator", f"{base}/follow-up", text="Снова нет воды")
    assert code == 403, body
    code, new = await post(api, "operator", f"{base}/follow-up", text="Снова нет воды")
    assert code == 201, new
    assert new["kind"] == ItemKind.appeal_59fz and new["id"] != item.id and new["due_at"]
    timeline = (await api.client.get(base, headers=api.auth("operator"))).json()["timeline"]
    assert timeline[-1]["action"] == "followed_up"
    assert timeline[-1]["data"]["follow_up_item_id"] == new["id"]


async def test_61_days_is_refused_with_the_reason(api: Api, sm, clock, muni):
    item = await appeal(sm, clock, muni)
    code, body = await post(
        api,
        "head",
        f"/api/v1/items/{item.id}/actions/extend",
        version=item.version,
        days=61,
        reason="много работы",
    )
    assert code == 422, body
    assert "1–30 дн." in body["reason"] and "указано 61" in body["reason"], body
    code, body = await post(
        api,
        "head",
        f"/api/v1/items/{item.id}/actions/extend",
        version=item.version,
        days=400,
        reason="много работы",
    )
    assert code == 422 and "365" in str(body), body  # the edge's own bound
