"""/stats for the head and curators: a week's figures as text, and on an option the charts and
the workbook."""

from zoneinfo import ZoneInfo

from models import Municipality, Role
from workflows.calendar.periods import Period, parse_period, week_period
from workflows.conversation.engine import Turn
from workflows.conversation.parts import Choice, Option, Upload, rich
from workflows.core.errors import Invalid
from workflows.texts import staff as ts
from workflows.texts.words import sentence

ALLOWED = frozenset({Role.head, Role.glava, Role.curator, Role.admin})


def _allowed(t: Turn) -> int | None:
    """The municipality whose figures this person may read, or None."""
    staff = t.staff
    if staff is None or staff.role not in ALLOWED or staff.municipality_id is None:
        return None
    return staff.municipality_id


async def stats(t: Turn, args: str) -> None:
    muni = _allowed(t)
    if muni is None:
        t.say(ts.STATS_ONLY)
        return
    try:
        week = await _week(t, muni, args.strip() or None)
    except Invalid as e:
        t.say(sentence(e.reason) + "\n\n" + ts.STATS_USAGE)
        return
    from workflows.digest.build import note_text

    text = await note_text(t.session, municipality_id=muni, week=week, now=t.rt.clock.now())
    year, number = week.code.split("-W")
    files = Option(ts.STATS_FILES, Choice("sf", int(year), int(number)))
    t.say(_note(text), [files], columns=1)


def _note(html_text: str) -> tuple[str, ...]:
    """The note's own text marks headings in bold HTML; keep them as emphasis."""
    from html import unescape

    out: list[str] = []
    html_text = html_text.replace("<code>", "").replace("</code>", "")
    for i, piece in enumerate(html_text.replace("</b>", "<b>").split("<b>")):
        text = unescape(piece)
        if text:
            out += rich("*{x}*", x=text) if i % 2 else (text,)
    return tuple(out)


async def files(t: Turn, choice: Choice) -> None:
    muni = _allowed(t)
    if muni is None:
        t.say(ts.STATS_ONLY)
        return
    week = await _week(t, muni, f"{choice.a:04d}-W{choice.b:02d}")
    from workflows.digest.build import build_digest

    doc = await build_digest(t.session, municipality_id=muni, week=week, now=t.rt.clock.now())
    t.out += [Upload(f.name, f.mime, f.content) for f in doc.files]


async def _week(t: Turn, municipality_id: int, text: str | None) -> Period:
    muni = await t.session.get(Municipality, municipality_id)
    tz = ZoneInfo(muni.tz if muni else "Europe/Moscow")
    period = parse_period(text or "week", tz=tz, now=t.rt.clock.now())
    if period.days == 1:
        return week_period(period.first, tz)
    if period.days != 7 or period.first.weekday() != 0:
        raise Invalid(ts.NOT_A_WEEK.format(text=text))
    return period


STATS_CHOICES = {"sf": files}
