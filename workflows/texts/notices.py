"""Notices: the staff card's headline per kind, and what a citizen is told in the chat they
wrote from. Citizens' items from chats are «сообщения»; text between asterisks is emphasised."""

TITLES: dict[str, str] = {
    "registered": "Ваше сообщение зарегистрировано",
    "taken": "Ваше сообщение взято в работу",
    "clarification_asked": "Исполнитель просит уточнить",
    "answered": "Ответ на ваше сообщение",
    "extended": "Срок рассмотрения продлён",
    "redirected": "Сообщение перенаправлено",
    "rejected": "Сообщение отклонено",
    "merged": "Сообщение объединено с другим",
    "closed": "Сообщение закрыто",
    "assigned": "Новое сообщение",
    "unassigned": "Передано другому исполнителю",
    "triage": "Ждёт распределения",
    "citizen_replied": "Гражданин дополнил сообщение",
    "extension_requested": "Запрошено продление срока",
    "extension_approved": "Продление срока одобрено",
    "extension_denied": "В продлении срока отказано",
    "reopened": "Открыто повторно",
    "answer_signoff": "Ответ ждёт вашей подписи",
    "answer_signed": "Ответ подписан и отправлен заявителю",
    "answer_returned": "Ответ возвращён на доработку",
    "reminder": "Напоминание: срок ответа истекает",
    "escalation": "Эскалация: срок нарушен",
    "escalation_take": "Эскалация: не взято в работу вовремя",
    "dead_letter": "Уведомление не доставлено",
    "letter_bounced": "Письмо по e-mail не доставлено: отправьте почтой",
    "timer_parked": "Напоминание или эскалация не срабатывают",
    "routing_model": "Модель маршрутизации недоступна",
    "routing_updated": "Маршрутизация обновлена",
    "routing_refused": "Маршрутизация не изменена",
    "routing_failed": "Переобучение маршрутизации не удалось",
    "ping": "Напоминание от руководителя",
    "refresh": "Изменения",
    "digest": "Недельная аналитическая записка",
    "reply_approval": "Опубликовать ответ под записью от имени сообщества?",
    "reply_failed": "Ответ на инцидент не опубликован",
    "social_candidates": "Новые публикации из соцсетей на разбор",
    "forwarded_late": "Обращение переадресовано позже 7 дней (ст. 8 ч. 3 59-ФЗ)",
    "unclear_late": "Гражданину сообщено позже 7 дней (ст. 11 ч. 4 59-ФЗ)",
    "to_register": "Поступило обращение 59-ФЗ: зарегистрируйте его в течение 3 дней",
    "registered_late": "Обращение 59-ФЗ зарегистрировано с нарушением трёхдневного срока",
}

CITIZEN: dict[str, str] = {
    "registered": "Ваше сообщение зарегистрировано под номером *{number}*. "
    "Ответ ожидается до {due_date}.",
    "taken": "Ваше сообщение *{number}* взято в работу.",
    "clarification_asked": "По сообщению *{number}* исполнитель просит уточнить:\n\n"
    "{question}\n\nНажмите «Ответить» и напишите ответ.",
    "extended": "Срок рассмотрения сообщения *{number}* продлён до {new_due_date}.",
    "redirected": "Сообщение *{number}* перенаправлено.",
    "rejected": "Сообщение *{number}* отклонено.",
    "merged": "Сообщение *{number}* объединено с {into_number}: это одна и та же проблема, "
    "ответ по нему придёт и вам.",
    "closed": "Сообщение *{number}* закрыто. Спасибо, что сообщили!",
}
# Added under the notice when the payload carries it (and only then: never «Причина: None»).
CITIZEN_REASON = "\nПричина: {reason}"
ANSWER_HEADER = "Ответ по вашему сообщению *{number}*:\n\n"
SOLVED_QUESTION = "Проблема решена?"
