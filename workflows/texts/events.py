"""An item's timeline as the citizen reads it: audit actions in plain words."""

EVENT_RU = {
    "register": "зарегистрировано",
    "assign": "передано исполнителю",
    "reassign": "передано другому исполнителю",
    "take": "взято в работу",
    "ask_clarification": "запрошено уточнение",
    "clarify": "вы дали уточнение",
    "add_details": "вы дополнили",
    "answer": "дан ответ",
    "approve_extension": "срок продлён",
    "extend": "срок продлён",
    "redirect": "перенаправлено",
    "reject": "отклонено",
    "merge": "объединено с другим",
    "share_answer": "дан ответ по объединённому сообщению",
    "close": "закрыто",
    "confirm": "вы подтвердили решение",
    "reopen": "открыто повторно",
    "rate": "вы оценили ответ",
}
