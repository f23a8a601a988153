"""Photos, documents and voice messages in VK's attachment shapes, with small valid files."""

from __future__ import annotations

import hashlib
import struct
import zlib
from typing import Any

Json = dict[str, Any]
# Size letters VK gives message photos and the longest side each is scaled to.
PHOTO_SIZES = (("s", 75), ("m", 130), ("x", 604), ("y", 807), ("z", 1080), ("w", 2560))
MESSAGES_ALBUM = -3  # the album id VK reports for photos uploaded into messages
DOC_TYPES = {  # docs.doc `type`: 1 text, 2 archive, 3 gif, 4 image, 5 audio, 6 video, 7 e-book
    **dict.fromkeys(("txt", "doc", "docx", "pdf", "odt", "rtf", "xls", "xlsx", "csv"), 1),
    **dict.fromkeys(("zip", "rar", "7z", "gz", "tar"), 2),
    "gif": 3,
    **dict.fromkeys(("jpg", "jpeg", "png", "bmp", "webp", "heic"), 4),
    **dict.fromkeys(("mp3", "ogg", "oga", "wav", "m4a"), 5),
    **dict.fromkeys(("mp4", "avi", "mov", "mkv", "webm"), 6),
    **dict.fromkeys(("epub", "fb2", "djvu", "mobi"), 7),
}
UNKNOWN_DOC = 8
MIME_BY_EXT = {
    "jpg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "ogg": "audio/ogg",
    "mp3": "audio/mpeg",
    "pdf": "application/pdf",
    "txt": "text/plain",
}


def png(width: int, height: int) -> bytes:
    """A valid RGB PNG of this size (one orange colour)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data)
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = b"".join(b"\x00" + b"\xff\x80\x00" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


TINY_PNG = png(4, 3)
FAKE_OGG = b"OggS\x00\x02" + bytes(22) + b"\x01\x1eOpusHead" + bytes(30)
FAKE_MP3 = b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x00" + bytes(60)


def image_size(content: bytes) -> tuple[int, int] | None:
    """Width and height of a PNG or JPEG (None for anything else)."""
    if content.startswith(b"\x89PNG\r\n\x1a\n") and len(content) >= 24:
        width, height = struct.unpack(">II", content[16:24])
        return int(width), int(height)
    if not content.startswith(b"\xff\xd8"):
        return None
    i = 2
    while i + 9 <= len(content) and content[i] == 0xFF:
        marker = content[i + 1]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", content[i + 5 : i + 9])
            return int(width), int(height)
        i += 2 + int.from_bytes(content[i + 2 : i + 4], "big")
    return None


def image_ext(content: bytes) -> str:
    """The file extension a photo is served with."""
    return "png" if content.startswith(b"\x89PNG") else "jpg"


def access_key(*parts: object) -> str:
    """A stable access_key for a media object."""
    return hashlib.md5(":".join(map(str, parts)).encode()).hexdigest()[:18]


def photo_sizes(url: str, width: int, height: int) -> list[Json]:
    """VK's `sizes`: s, m, x always, larger letters only while the original is larger."""
    sizes: list[Json] = []
    longest = max(width, height, 1)
    previous = 0
    for letter, bound in PHOTO_SIZES:
        if letter not in "smx" and longest <= previous:
            break
        scale = min(1.0, bound / longest)
        sizes.append(
            {
                "type": letter,
                "url": url,
                "width": max(1, round(width * scale)),
                "height": max(1, round(height * scale)),
            }
        )
        previous = bound
    return sizes


def photo_object(
    photo_id: int, owner_id: int, url: str, content: bytes, date: int, text: str = ""
) -> Json:
    """A photos.photo object."""
    width, height = image_size(content) or (1280, 960)
    return {
        "album_id": MESSAGES_ALBUM,
        "date": date,
        "id": photo_id,
        "owner_id": owner_id,
        "access_key": access_key("photo", owner_id, photo_id),
        "sizes": photo_sizes(url, width, height),
        "text": text,
        "has_tags": False,
    }


def doc_object(doc_id: int, owner_id: int, url: str, title: str, size: int, date: int) -> Json:
    """A docs.doc object."""
    ext = title.rsplit(".", 1)[1].lower() if "." in title else ""
    return {
        "id": doc_id,
        "owner_id": owner_id,
        "title": title,
        "size": size,
        "ext": ext,
        "date": date,
        "type": DOC_TYPES.get(ext, UNKNOWN_DOC),
        "url": url,
        "access_key": access_key("doc", owner_id, doc_id),
    }


def audio_message_object(
    audio_id: int, owner_id: int, link_ogg: str, link_mp3: str, duration: int
) -> Json:
    """A messages.audio_message object."""
    return {
        "id": audio_id,
        "owner_id": owner_id,
        "duration": duration,
        "link_ogg": link_ogg,
        "link_mp3": link_mp3,
        "access_key": access_key("audio_message", owner_id, audio_id),
        "waveform": [0, 8, 16, 24, 31, 24, 16, 8, 0][: max(1, min(9, duration * 3))],
    }


def attachment(kind: str, obj: Json) -> Json:
    """One entry of a message's `attachments`."""
    return {"type": kind, kind: obj}


def attachment_ref(kind: str, obj: Json) -> str:
    """The "<type><owner_id>_<id>" string that names a media object in messages.send."""
    prefix = "doc" if kind == "audio_message" else kind
    return f"{prefix}{obj['owner_id']}_{obj['id']}"


def mime_for(ext: str) -> str:
    """The Content-Type a stored file is served with."""
    return MIME_BY_EXT.get(ext.lower(), "application/octet-stream")
