"""Files to VK the VK way: a photo through the messages upload server, anything else as a
document; the result is an attachment string for messages.send."""

from typing import Any

from bot.vk.transport import VkClient


async def upload_attachment(
    client: VkClient, peer_id: int, name: str, mime: str, content: bytes
) -> str:
    if mime.startswith("image/"):
        server = await client.call("photos.getMessagesUploadServer", {"peer_id": peer_id})
        sent = await client.upload(server["upload_url"], "photo", name, content)
        saved: list[dict[str, Any]] = await client.call(
            "photos.saveMessagesPhoto",
            {"photo": sent["photo"], "server": sent["server"], "hash": sent["hash"]},
        )
        return _ref("photo", saved[0])
    server = await client.call("docs.getMessagesUploadServer", {"type": "doc", "peer_id": peer_id})
    sent = await client.upload(server["upload_url"], "file", name, content)
    saved_doc = await client.call("docs.save", {"file": sent["file"], "title": name})
    return _ref("doc", saved_doc["doc"])


def _ref(kind: str, body: dict[str, Any]) -> str:
    ref = f"{kind}{body['owner_id']}_{body['id']}"
    return f"{ref}_{body['access_key']}" if body.get("access_key") else ref
