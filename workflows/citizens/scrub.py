"""The text side of erasure: a citizen's data and words taken out of staff texts, JSON values
and weekly workbooks (xlsx: zipped XML), each replaced by one marker."""

import io
import re
import zipfile
from html import unescape
from typing import Any

from workflows.privacy.mask import mask

ERASED = "[удалено по просьбе жителя]"
# Event data values that are structure, not anybody's words: kept for the reports.
_KEEP_KINDS = (int, float, bool, type(None))
_XML_TEXT = re.compile(r"(<t(?:\s[^>]*)?>)(.*?)(</t>)", re.S)


def erase_in_workbook(content: bytes, quoted: list[str]) -> bytes | None:
    """The workbook (xlsx: zipped XML) with every cell that quotes one of the texts replaced;
    None when it quotes none (or is not a workbook)."""
    try:
        source = zipfile.ZipFile(io.BytesIO(content))
    except zipfile.BadZipFile:
        return None
    changed = False

    def cell(m: re.Match[str]) -> str:
        nonlocal changed
        value = " ".join(unescape(m.group(2)).split())
        if value and any(_quotes(value, q) for q in quoted):
            changed = True
            return m.group(1) + ERASED + m.group(3)
        return m.group(0)

    out = io.BytesIO()
    with source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename.endswith(".xml"):
                data = _XML_TEXT.sub(cell, data.decode("utf-8")).encode("utf-8")
            target.writestr(info, data)
    return out.getvalue() if changed else None


def erase_quotes(text: str, quoted: list[str]) -> str:
    """`text` with every quote of the given texts replaced: the whole of one, or its start (12
    characters at least) cut with an ellipsis, as notes clip what they quote."""
    for q in quoted:
        if len(q) < 12:
            continue
        start = text.find(q[:12])
        while start != -1:
            n = 12
            while n < len(q) and start + n < len(text) and text[start + n] == q[n]:
                n += 1
            end = start + n
            if n == len(q) or text.startswith("…", end):
                end += 0 if n == len(q) else 1
                text = text[:start] + ERASED + text[end:]
                start = text.find(q[:12], start + len(ERASED))
            else:
                start = text.find(q[:12], start + 1)
    return text


def _quotes(value: str, text: str) -> bool:
    """A cell quotes a text: the whole of it, or its start cut with an ellipsis."""
    if value == text:
        return True
    return value.endswith("…") and len(value) > 12 and text.startswith(value[:-1])


def strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in strings(v)]
    return []


def literal(text: str) -> re.Pattern[str]:
    """A value as it was written (a phone, a passage of the citizen's words)."""
    return re.compile(re.escape(text), re.I)


def word_forms(found: str) -> re.Pattern[str]:
    """A found value in its case forms (Магомедрасул → …у, …ом)."""
    words = [re.escape(w[:-1] if len(w) > 4 and w[-1] in "аяйоеь" else w) for w in found.split()]
    return re.compile(r"[а-яё]{0,3}\s+".join(words) + r"[а-яё]{0,3}", re.I)


def scrub(value: str, known: list[re.Pattern[str]]) -> str:
    """A staff text about the citizen's item without their data: what we know of them and their
    own words replaced, then what the detector finds."""
    for pattern in known:
        value = pattern.sub(ERASED, value)
    return mask(value)


def scrub_json(
    value: Any,
    known: list[re.Pattern[str]],
    *,
    drop_text: bool = False,
    drop_keys: tuple[str, ...] = (),
) -> Any:
    """A JSON value with the citizen's data out: with `drop_text` every string goes (the
    citizen's own words); keys in `drop_keys` lose their value; other strings are scrubbed."""
    if isinstance(value, dict):
        return {
            k: (
                ERASED
                if k in drop_keys and isinstance(v, str)
                else scrub_json(v, known, drop_text=drop_text, drop_keys=drop_keys)
            )
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [scrub_json(v, known, drop_text=drop_text, drop_keys=drop_keys) for v in value]
    if isinstance(value, str):
        return ERASED if drop_text else scrub(value, known)
    return value if isinstance(value, _KEEP_KINDS) else None
