"""Forwarding an appeal to the competent body (59-ФЗ ст. 8 ч. 3): the covering letter to the
body, the notice to the citizen, never to the body complained about (ч. 6); late is allowed,
recorded and told to the head."""

from typing import Any

from models import AppealOutcome
from workflows.core.errors import Invalid
from workflows.items.appeal.basis import days_late, get_standing, letter_date
from workflows.items.appeal.bodies import get_forward_body
from workflows.items.effects import MAX_REASON, Call, Effect, clean_text
from workflows.items.transitions import Action
from workflows.notifications.letters import body_addressee, do_write_letter


async def forward(c: Call) -> Effect:
    """Close the appeal as forwarded, with its letters written in the same transaction."""
    standing = await get_standing(c, Action.forward)
    appeal = standing.appeal
    body = await get_forward_body(
        c.session, municipality_id=c.item.municipality_id, body_id=c.data.body_id
    )
    if appeal.complained_body_id == body.id:
        raise Invalid(
            f"«{body.name}» — орган, на действия которого жалуется гражданин: по части 6 статьи 8 "
            "59-ФЗ обращение нельзя направлять в орган, на действия которого в нём обжалуются. "
            "Выберите другой орган (например, вышестоящий или прокуратуру)."
        )
    reason = clean_text(c.data.reason, what="причина переадресации", limit=MAX_REASON)
    registered = letter_date(c, c.item.registered_at)
    facts: dict[str, Any] = {"registered_date": registered, "text": c.item.text}
    if standing.anonymous:  # ст. 11 ч. 1: an offence reported anonymously; nobody to tell
        kind = "covering_anonymous"
    else:
        kind, facts["citizen_name"] = "covering", standing.citizen_name
    covering = await do_write_letter(
        c.session, item=c.item, kind=kind, facts=facts, to=body_addressee(body), now=c.now
    )
    letters = [covering.id]
    if not standing.anonymous and standing.addressee is not None:
        notice = await do_write_letter(
            c.session,
            item=c.item,
            kind="forwarded",
            facts={"registered_date": registered, "body_name": body.name},
            to=standing.addressee,
            now=c.now,
        )
        letters.append(notice.id)
    appeal.outcome = AppealOutcome.forwarded
    appeal.forwarded_body_id, appeal.forwarded_at = body.id, c.now
    c.session.add(appeal)
    e = Effect.empty()
    e.changes = {"closed_at": c.now, "resolution_reason": reason}
    e.data = {"body_id": body.id, "letter_ids": letters}
    late = days_late(c, c.item.forward_due_at)
    if late is not None:
        e.data |= {"late": True, "days": late}
        e.heads.append(("forwarded_late", {"days": late, "body": body.name}))
    return e
