"""What a conversation takes in and gives out, in no channel's terms.

Input events are what a person did (wrote, sent a photo, pressed an option, typed a command);
outputs are messages made of neutral parts (text with safe emphasis, options, a request for a
place, an item card, a file). Telegram, VK and any later channel map to and from these."""

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Strong(str):
    """A piece of text shown with emphasis (bold in HTML, as is in plain text)."""


Rich = tuple[str, ...]  # segments; a Strong segment is emphasised, every segment is escaped


def rich(template: str, **values: Any) -> Rich:
    """A catalogue template to segments: text between asterisks is emphasised. The values are
    put in after the split, so nothing a person typed can turn into markup."""
    pieces = template.split("*")
    out: list[str] = []
    for i, piece in enumerate(pieces):
        text = piece.format(**values) if values else piece
        if text:
            out.append(Strong(text) if i % 2 else text)
    return tuple(out)


def plain(segments: Rich) -> str:
    """The text without emphasis."""
    return "".join(segments)


# ---- input events --------------------------------------------------------------------------


def typed(text: str) -> str:
    """What a person typed, as a channel hands it over, without NUL characters (nothing can
    store them, and no one means them): every channel's mapper passes text through here."""
    return text.replace("\x00", "")


@dataclass(frozen=True)
class Choice:
    """A pressed option: a short action code and up to three numbers (fits any channel's
    button payload: Telegram's 64 bytes, VK's 255)."""

    act: str
    a: int = 0
    b: int = 0
    c: int = 0


@dataclass(frozen=True)
class Text:
    text: str


@dataclass(frozen=True)
class Command:
    name: str  # without the slash, lower case
    args: str = ""


@dataclass(frozen=True)
class File:
    """A photo, voice message or document, by the channel's file id."""

    kind: str  # photo, voice, document
    file_id: str
    caption: str = ""


@dataclass(frozen=True)
class Place:
    lat: float
    lon: float


@dataclass(frozen=True)
class Contact:
    """A shared phone contact: we never ask for it and never keep it."""


@dataclass(frozen=True)
class Other:
    """Anything else (a sticker, a poll, a video note)."""

    what: str = ""


@dataclass(frozen=True)
class Pressed:
    """A pressed option, with the message it was on (so that message can be edited)."""

    choice: Choice
    message_id: int | None = None


Event = Text | Command | File | Place | Contact | Other | Pressed


# ---- outputs -------------------------------------------------------------------------------


class Keyboard(StrEnum):
    """A standing keyboard under the input field (channels without one ignore it)."""

    menu = "menu"  # the main menu
    place = "place"  # «send my location» and «cancel»
    remove = "remove"


@dataclass(frozen=True)
class Option:
    label: str
    choice: Choice


@dataclass(frozen=True)
class Say:
    """A new message: text, options under it, and optionally a standing keyboard. A `brief`
    one is a refusal of a press (an old button, someone else's item): a channel may show it
    as a passing notice on the button instead (VK's snackbar)."""

    text: Rich
    options: tuple[Option, ...] = ()
    columns: int = 2
    keyboard: Keyboard | None = None
    brief: bool = False


@dataclass(frozen=True)
class Edit:
    """Replace the text (and options) of the message whose option was pressed."""

    text: Rich
    options: tuple[Option, ...] = ()
    columns: int = 2


@dataclass(frozen=True)
class Unbutton:
    """Remove the options from the message whose option was pressed."""


@dataclass(frozen=True)
class Card:
    """An item as a staff card with the actions its viewer may take: new, or redrawn in place
    of the pressed message."""

    item_id: int
    redraw: bool = False


@dataclass(frozen=True)
class Upload:
    """A file we made (a chart, a workbook)."""

    name: str
    mime: str
    content: bytes = field(repr=False)


Output = Say | Edit | Unbutton | Card | Upload


def to_json(outputs: list[Output]) -> list[dict[str, Any]]:
    """Outputs kept with the dialog, so that a redelivered update gets the same reply.
    Uploads are not kept (they are made again on request)."""
    kept: list[dict[str, Any]] = []
    for o in outputs:
        if isinstance(o, Say | Edit):
            kept.append(
                {
                    "t": type(o).__name__,
                    "text": [[s, isinstance(s, Strong)] for s in o.text],
                    "options": [
                        [x.label, x.choice.act, x.choice.a, x.choice.b, x.choice.c]
                        for x in o.options
                    ],
                    "columns": o.columns,
                    "keyboard": getattr(o, "keyboard", None),
                    "brief": getattr(o, "brief", False),
                }
            )
        elif isinstance(o, Card):
            kept.append({"t": "Card", "item_id": o.item_id, "redraw": o.redraw})
        elif isinstance(o, Unbutton):
            kept.append({"t": "Unbutton"})
    return kept


def from_json(kept: list[dict[str, Any]]) -> list[Output]:
    out: list[Output] = []
    for k in kept:
        if k["t"] in ("Say", "Edit"):
            text = tuple(Strong(s) if bold else s for s, bold in k["text"])
            options = tuple(Option(lb, Choice(act, a, b, c)) for lb, act, a, b, c in k["options"])
            if k["t"] == "Say":
                kb = Keyboard(k["keyboard"]) if k.get("keyboard") else None
                out.append(Say(text, options, k["columns"], kb, bool(k.get("brief"))))
            else:
                out.append(Edit(text, options, k["columns"]))
        elif k["t"] == "Card":
            out.append(Card(k["item_id"], k["redraw"]))
        elif k["t"] == "Unbutton":
            out.append(Unbutton())
    return out
