"""Files in Telegram: a Telegram file is sent by its id; a file that came through another
channel (a VK citizen's photo) is fetched from there and uploaded."""

from aiogram.types import BufferedInputFile

from models import Attachment, Channel
from workflows.jobs.runtime import Runtime


async def telegram_file(rt: Runtime, attachment: Attachment) -> str | BufferedInputFile:
    if attachment.channel is Channel.telegram or attachment.channel not in rt.fetchers:
        return attachment.file_id  # Telegram's own (staff attach through Telegram or the API)
    content = await rt.fetch_file(attachment.channel, attachment.file_id)
    name = "photo.jpg" if attachment.kind == "photo" else attachment.kind
    return BufferedInputFile(content, filename=name)
