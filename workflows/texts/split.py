"""Long texts cut into messages on paragraph or word boundaries, before any markup is added."""

LIMIT = 3800  # under Telegram's and VK's 4,096, leaving room for a header line


def split_plain(text: str, limit: int = LIMIT) -> list[str]:
    """Pieces of at most `limit` characters; never cuts inside a word when it can help it."""
    text = text.strip()
    parts: list[str] = []
    while len(text) > limit:
        cut = max(text.rfind("\n\n", 0, limit), text.rfind("\n", 0, limit))
        if cut < limit // 2:
            cut = text.rfind(" ", 0, limit)
        if cut < limit // 2:
            cut = limit  # one very long word: cut it
        parts.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    if text:
        parts.append(text)
    return parts
