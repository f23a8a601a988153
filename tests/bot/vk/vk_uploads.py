"""Uploads into messages: photos (getMessagesUploadServer, upload, saveMessagesPhoto) and
documents or voice messages (docs.getMessagesUploadServer, upload, docs.save)."""

from __future__ import annotations

import hashlib
import json

from tests.bot.vk.vk_media import (
    attachment,
    attachment_ref,
    audio_message_object,
    doc_object,
    image_ext,
    photo_object,
)
from tests.bot.vk.vk_methods import api_method
from tests.bot.vk.vk_rules import Params, VkError, invalid
from tests.bot.vk.vk_state import GroupState, Json

UPLOAD_SERVER = 850136  # the "server" number upload answers carry
DOC_UPLOAD_TYPES = ("doc", "audio_message")


def upload_hash(group: GroupState, photo: str) -> str:
    """The `hash` a photo upload answers with and saveMessagesPhoto checks."""
    return hashlib.md5(f"{group.token}:{photo}".encode()).hexdigest()


def accept_upload(group: GroupState, kind: str, content: bytes | None, name: str) -> Json:
    """What an upload URL answers: a photo (photo, server, hash) or a document (file)."""
    if kind == "photo":
        entries: list[Json] = []
        if content is not None:
            key = f"P{group.next_seq():08d}"
            group.uploads[key] = (kind, content, name)
            entries.append({"photo": key, "sizes": [], "kid": hashlib.md5(content).hexdigest()})
        photo = json.dumps(entries)
        return {"server": UPLOAD_SERVER, "photo": photo, "hash": upload_hash(group, photo)}
    if content is None:
        return {"error": "file not found"}
    key = f"D{group.next_seq():08d}|{hashlib.md5(content).hexdigest()}"
    group.uploads[key] = (kind, content, name)
    return {"file": key}


def _upload_peer(group: GroupState, p: Params) -> None:
    """Uploads into messages are refused (901) for a user the community may not write to."""
    if p.has("peer_id"):
        group.reachable(p.integer("peer_id") or 0)


@api_method("photos.getMessagesUploadServer")
def photos_get_messages_upload_server(group: GroupState, p: Params) -> Json:
    """Where to POST a photo (field `photo`, or file0.. as vk_api's VkUpload names them)."""
    _upload_peer(group, p)
    url = f"{group.env.url}/upload/photo/{group.id}"
    return {"album_id": -3, "upload_url": url, "user_id": 0, "group_id": group.id}


@api_method("photos.saveMessagesPhoto")
def photos_save_messages_photo(group: GroupState, p: Params) -> list[Json]:
    """Turn an upload into photos that messages.send can attach."""
    raw = p.text("photo", required=True) or ""
    if p.integer("server") != UPLOAD_SERVER:
        raise VkError(118)
    if p.text("hash") != upload_hash(group, raw):
        raise VkError(121)
    try:
        entries = json.loads(raw)
    except ValueError:
        raise VkError(129) from None
    if not isinstance(entries, list) or not entries:
        raise invalid("photos_list is invalid")
    env, saved = group.env, []
    for entry in entries:
        upload = group.uploads.pop(entry.get("photo", "") if isinstance(entry, dict) else "", None)
        if upload is None:
            raise VkError(129)
        content = upload[1]
        stored = env.add_file(content, image_ext(content))
        photo = photo_object(env.next_id(), -group.id, stored.url, content, env.date())
        env.media[attachment_ref("photo", photo)] = attachment("photo", photo)
        saved.append(photo)
    return saved


@api_method("docs.getMessagesUploadServer")
def docs_get_messages_upload_server(group: GroupState, p: Params) -> Json:
    """Where to POST a document or a voice message (field `file`)."""
    kind = p.text("type") or "doc"
    if kind not in DOC_UPLOAD_TYPES:
        raise invalid(f"type must be one of {', '.join(DOC_UPLOAD_TYPES)}")
    _upload_peer(group, p)
    return {"upload_url": f"{group.env.url}/upload/doc/{group.id}/{kind}"}


@api_method("docs.save")
def docs_save(group: GroupState, p: Params) -> Json:
    """Turn an upload into a doc (or an audio_message) that messages.send can attach."""
    upload = group.uploads.pop(p.text("file", required=True) or "", None)
    if upload is None:
        raise VkError(105)
    kind, content, name = upload
    env = group.env
    if kind == "audio_message":
        ogg, mp3 = env.add_file(content, "ogg"), env.add_file(content, "mp3")
        obj = audio_message_object(env.next_id(), -group.id, ogg.url, mp3.url, duration=1)
    else:
        title = p.text("title") or name
        ext = title.rsplit(".", 1)[1] if "." in title else ""
        stored = env.add_file(content, ext)
        obj = doc_object(env.next_id(), -group.id, stored.url, title, len(content), env.date())
    env.media[attachment_ref(kind, obj)] = attachment(kind, obj)
    return {"type": kind, kind: obj}
