"""Telegram's HTML subset parsed with html.parser into plain text and UTF-16 message entities."""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any, NoReturn

SIMPLE_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "code": "code",
    "pre": "pre",
    "tg-spoiler": "spoiler",
}
NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
WHITESPACE = " \t\r\n"

Entity = dict[str, Any]


class EntityParseError(ValueError):
    """The text is not valid Telegram HTML; the message follows Telegram's wording."""


def utf16_len(text: str) -> int:
    """Length of text in UTF-16 code units, as Telegram counts offsets and limits."""
    return len(text.encode("utf-16-le")) // 2


@dataclass
class _Open:
    """A start tag waiting for its end tag."""

    tag: str
    entity: Entity | None
    offset: int
    language: str | None = None


class _TelegramHtml(HTMLParser):
    """Event handler that builds text and entities, refusing anything Telegram would refuse."""

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=False)
        self._source = source
        self._line_starts = [0] + [i + 1 for i, ch in enumerate(source) if ch == "\n"]
        self.parts: list[str] = []
        self.length = 0
        self.stack: list[_Open] = []
        self.entities: list[Entity] = []

    def _offset(self, delta: int = 0) -> int:
        """Character offset in the source of the current event plus delta."""
        line, col = self.getpos()
        return self._line_starts[line - 1] + col + delta

    def _byte(self, delta: int = 0) -> int:
        """UTF-8 byte offset of the current event, as Telegram reports positions."""
        return len(self._source[: self._offset(delta)].encode())

    def _fail(self, message: str) -> NoReturn:
        """Abort parsing with Telegram's description."""
        raise EntityParseError(message)

    def _emit(self, text: str) -> None:
        """Append decoded text."""
        self.parts.append(text)
        self.length += utf16_len(text)

    def handle_data(self, data: str) -> None:
        """Plain text: a raw '<' or '&' means the author forgot to escape it."""
        data = data[: len(self._source) - self._offset()]  # drop the end sentinel
        for i, ch in enumerate(data):
            if ch in "<&":
                self._fail(f'Unescaped "{ch}" at byte offset {self._byte(i)}')
        self._emit(data)

    def _check_semicolon(self, name: str) -> None:
        """An entity must end with ';'."""
        end = self._offset(1 + len(name))
        if self._source[end : end + 1] != ";":
            self._fail(f'Unescaped "&" at byte offset {self._byte()}')

    def handle_entityref(self, name: str) -> None:
        """Named entity: only lt, gt, amp and quot exist in Telegram's HTML."""
        self._check_semicolon(name)
        if name not in NAMED_ENTITIES:
            self._fail(f'Unsupported HTML entity "&{name};" at byte offset {self._byte()}')
        self._emit(NAMED_ENTITIES[name])

    def handle_charref(self, name: str) -> None:
        """Numeric entity, decimal or hexadecimal."""
        self._check_semicolon("#" + name)
        try:
            code = int(name[1:], 16) if name[:1] in "xX" else int(name)
            char = chr(code)
        except (ValueError, OverflowError):
            self._fail(f'Invalid HTML entity "&#{name};" at byte offset {self._byte()}')
        if code == 0 or 0xD800 <= code <= 0xDFFF:
            self._fail(f'Invalid HTML entity "&#{name};" at byte offset {self._byte()}')
        self._emit(char)

    def _entity_for(
        self, tag: str, attrs: dict[str, str | None]
    ) -> tuple[Entity | None, str | None]:
        """The entity a start tag opens (None for a bare <a>) and a <code> language."""
        if tag in SIMPLE_TAGS:
            language = attrs.get("class") or ""
            lang = language[9:] if tag == "code" and language.startswith("language-") else None
            return {"type": SIMPLE_TAGS[tag]}, lang
        if tag == "a":
            href = attrs.get("href")
            return ({"type": "text_link", "url": href} if href else None), None
        if tag == "span":
            if attrs.get("class") != "tg-spoiler":
                self._fail('Tag "span" must have class "tg-spoiler"')
            return {"type": "spoiler"}, None
        if tag == "blockquote":
            kind = "expandable_blockquote" if "expandable" in attrs else "blockquote"
            return {"type": kind}, None
        if tag == "tg-emoji":
            emoji_id = attrs.get("emoji-id")
            if not emoji_id:
                self._fail('Tag "tg-emoji" must have attribute "emoji-id"')
            return {"type": "custom_emoji", "custom_emoji_id": emoji_id}, None
        self._fail(f'Unsupported start tag "{tag}" at byte offset {self._byte()}')

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Open an entity."""
        entity, language = self._entity_for(tag, dict(attrs))
        self.stack.append(_Open(tag, entity, self.length, language))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Self-closing tags do not exist in Telegram's HTML."""
        self._fail(f'Unsupported start tag "{tag}/" at byte offset {self._byte()}')

    def handle_endtag(self, tag: str) -> None:
        """Close the innermost entity; the end tag must match it."""
        if not self.stack:
            self._fail(f"Unexpected end tag at byte offset {self._byte()}")
        top = self.stack[-1]
        if top.tag != tag:
            self._fail(
                f"Unmatched end tag at byte offset {self._byte()}, "
                f'expected "</{top.tag}>", found "</{tag}>"'
            )
        self.stack.pop()
        length = self.length - top.offset
        if top.entity is None or length <= 0:
            return
        parent = self.stack[-1] if self.stack else None
        if top.tag == "code" and parent is not None and parent.tag == "pre":
            if top.language and parent.entity is not None:
                parent.entity["language"] = top.language
            return
        self.entities.append({**top.entity, "offset": top.offset, "length": length})

    def _unsupported(self) -> NoReturn:
        """Comments, declarations and processing instructions are refused."""
        self._fail(f"Unsupported start tag at byte offset {self._byte()}")

    def handle_comment(self, data: str) -> None:
        """<!-- ... -->: refused."""
        self._unsupported()

    def handle_decl(self, decl: str) -> None:
        """<!DOCTYPE ...>: refused."""
        self._unsupported()

    def handle_pi(self, data: str) -> None:
        """<?...>: refused."""
        self._unsupported()

    def unknown_decl(self, data: str) -> None:
        """<![CDATA[...]]> and the like: refused."""
        self._unsupported()

    def finish(self) -> tuple[str, list[Entity]]:
        """Flush the parser and check every tag was closed."""
        self.close()
        if self.stack:
            self._fail(f'Can\'t find end tag corresponding to start tag "{self.stack[-1].tag}"')
        return "".join(self.parts), sort_entities(self.entities)


def sort_entities(entities: list[Entity]) -> list[Entity]:
    """Order entities as Telegram does: by offset, outer (longer) first."""
    return sorted(entities, key=lambda e: (e["offset"], -e["length"]))


def parse_html(source: str) -> tuple[str, list[Entity]]:
    """Parse Telegram HTML into (text, entities); raise EntityParseError like the Bot API."""
    parser = _TelegramHtml(source)
    # html.parser silently drops a '&' cut by the end of input: a sentinel space avoids that.
    parser.feed(source + " ")
    return parser.finish()


def strip_formatted(text: str, entities: list[Entity]) -> tuple[str, list[Entity]]:
    """Trim leading/trailing whitespace as Telegram does, shifting and clipping entities."""
    stripped = text.strip(WHITESPACE)
    lead = utf16_len(text[: len(text) - len(text.lstrip(WHITESPACE))])
    total = utf16_len(stripped)
    kept: list[Entity] = []
    for entity in entities:
        start = max(entity["offset"] - lead, 0)
        end = min(entity["offset"] + entity["length"] - lead, total)
        if end > start:
            kept.append({**entity, "offset": start, "length": end - start})
    return stripped, kept
