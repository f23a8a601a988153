"""What a citizen is told by a notice, in neutral parts: the messages in order (texts with their
options, photos by attachment), rendered by each channel's port. The same words in every
channel; only the rendering differs."""

from dataclasses import dataclass
from typing import Any

from workflows.conversation.parts import Choice, Option, Rich, rich
from workflows.texts import citizen as tc
from workflows.texts import notices as tn
from workflows.texts.split import split_plain
from workflows.texts.words import iso_to_ru

REASONED = ("extended", "redirected", "rejected")
STAFF_PHOTOS = 3  # photos of the answer sent after its text


@dataclass(frozen=True)
class Line:
    """One message of a notice: text with options, or a photo (an attachment's index)."""

    text: Rich = ()
    options: tuple[Option, ...] = ()
    photo: int | None = None


def citizen_lines(kind: str, payload: dict[str, Any], item_id: int, photos: int) -> list[Line]:
    """The messages for a citizen's notice (empty: citizens get no such notice in chat).
    `photos` is how many staff photos the item's answer has."""
    if kind == "answered":
        return _answer(payload, item_id, photos)
    template = tn.CITIZEN.get(kind)
    if template is None:
        return []
    fields = {
        "number": str(payload.get("number") or ""),
        "due_date": iso_to_ru(str(payload.get("due_date") or "—")),
        "new_due_date": iso_to_ru(str(payload.get("new_due_date") or "—")),
        "question": str(payload.get("question") or ""),
        "into_number": str(payload.get("into_number") or ""),
    }
    text = rich(template, **fields)
    reason = payload.get("reason")
    if reason and kind in REASONED:
        text += rich(tn.CITIZEN_REASON, reason=str(reason)[:1000])
    options = (Option(tc.REPLY, Choice("det", item_id)),) if kind == "clarification_asked" else ()
    return [Line(text, options)]


def _answer(payload: dict[str, Any], item_id: int, photos: int) -> list[Line]:
    """The answer in full (split if long), staff photos, then «Проблема решена?»."""
    answer = str(payload.get("answer", ""))
    header = rich(tn.ANSWER_HEADER, number=str(payload.get("number", "")))
    lines = [
        Line((*header, part) if i == 0 else (part,)) for i, part in enumerate(split_plain(answer))
    ]
    lines += [Line(photo=i) for i in range(min(photos, STAFF_PHOTOS))]
    options = (
        Option(tc.SOLVED, Choice("ok", item_id)),
        Option(tc.UNSOLVED, Choice("no", item_id)),
    )
    lines.append(Line(rich(tn.SOLVED_QUESTION), options))
    return lines
