"""What the bot says to staff: terse, one sentence a refusal, never the citizen's name."""

from workflows.items.transitions import Action

JOINED = "Готово: вы подключены как «{name}». Новые сообщения будут приходить сюда. Ваши: /inbox"
ALREADY_STAFF = "Вы подключены как сотрудник: {name}. Ваши сообщения: /inbox"
STAFF_HINT = "Ваши сообщения: /inbox. Кнопки на карточках — действия."
STAFF_HINT_STATS = "\nСводка за неделю: /stats"
STAFF_ONLY = "Эта команда для сотрудников."
STAFF_BUTTON_ONLY = "Эта кнопка для сотрудников."
UNKNOWN_BUTTON = "Эта кнопка устарела. Откройте карточку заново: /inbox."

INBOX_EMPTY = "Открытых сообщений нет. 👍"
INBOX_TITLE = "Открытые сообщения: {total}"
INBOX_LINE = "{flag}*{number}* · {status} · до {due}\n   {text}"
NO_DEADLINE = "без срока"

PROMPTS: dict[Action, str] = {
    Action.answer: "Напишите ответ гражданину (он увидит его целиком). Можно фото с подписью.",
    Action.draft_answer: "Напишите ответ заявителю. Он уйдёт письмом после подписи "
    "руководителя или главы; до тех пор его можно вернуть на доработку.",
    Action.return_answer: "Что исправить в ответе? Исполнитель увидит этот текст.",
    Action.ask_clarification: "Напишите вопрос гражданину.",
    Action.redirect: "Куда и почему перенаправлено? Гражданин увидит этот текст.",
    Action.reject: "Причина отклонения (гражданин увидит её):",
    Action.forward: "Почему вопрос не в компетенции администрации? Причина останется в деле; "
    "органу уйдёт сопроводительное письмо, гражданину — уведомление.",
    Action.deny_extension: "Причина отказа в продлении:",
    Action.extend: "Причина продления (гражданин увидит её):",
    Action.request_extension: "Причина продления (для руководителя и гражданина):",
}
INCIDENT_ANSWER = (
    "Напишите ответ жителям: его опубликуют под записью в VK от имени сообщества "
    "(если так настроено — после одобрения). Без имён сотрудников и внутренних пометок."
)
PROMPT_TAIL = "\nОтменить — /cancel или кнопка ниже."
PROMPT_FOR = "Сообщение {number}. "
CANCEL = "❌ Отменить"
PROMPT_CANCELLED = "Отменено, по сообщению {number} ничего не изменилось."
COMMAND_AT_PROMPT = (
    "Команда /{name} не выполнена: сейчас я жду текст для сообщения {number}. "
    "Напишите его или отмените: /cancel."
)
NEED_TEXT = "Нужен текст. Отменить — /cancel."
PHOTO_ONLY_ANSWER = "Фото можно приложить только к ответу. Здесь нужен текст."
PHOTO_NOT_IN_LETTER = (
    "Ответ на обращение уходит письмом, фото к нему не прикладывается. Нужен текст."
)
PHOTO_NEEDS_CAPTION = "Добавьте к фото подпись — это и будет ответ гражданину."
DONE = "Готово, карточка обновится."
DONE_PHOTO = "Готово, ответ с фото отправлен."
PICK_PERSON = "Кому передать {number}?"
PICK_DAYS = "На сколько продлить срок по {number}?"
DAYS = "+{days} дн."
HANDED = "{number}: передано."
PICK_BODY = "В какой орган переадресовать {number}? (В орган, на который жалуются, нельзя.)"
NO_BODIES = "Переадресовать {number} некуда: органы не заданы в настройке (bodies:)."
NOBODY_TO_PICK = "Передать {number} некому: других исполнителей нет."
MOVED_ON = "Сообщение {number} уже изменилось, ничего не сделано. Карточка обновлена."
NOT_ALLOWED = "У вас нет права на это действие по сообщению {number}."
NOT_FOUND = "Сообщение не найдено."

STATS_ONLY = "Команда /stats доступна руководителю МЦУ и кураторам."
STATS_USAGE = (
    "Сводка за неделю: /stats — текущая неделя, /stats last-week — прошлая, "
    "/stats 2026-W47 — любая неделя, /stats 2026-11-18 — неделя с этой датой."
)
STATS_FILES = "📊 Графики и таблица XLSX"
NOT_A_WEEK = "«{text}» — не неделя."

# ---- the card -------------------------------------------------------------------------------
CARD_HEAD = "*{number}* · {kind} · {status}"
CARD_SECTOR = "Блок: {sector}"
CARD_CHANNEL = "Канал: {channel}"
CARD_NO_SECTOR = "не указан"
CARD_PLACE = "Место: {place}"
CARD_WHERE = "Где: {where}"  # the citizen's «Где это?» (a kind of place, not an address)
CARD_COORDS = "Координаты: {lat:.5f}, {lon:.5f}"
CARD_ASSIGNEE = "Исполнитель: {name}"
CARD_NO_DEADLINE = "Срок: не установлен"
CARD_OVERDUE = "⚠️ Просрочено на {days} (срок {due})"
CARD_DUE_TODAY = "Срок: {due}, истекает сегодня"
CARD_DUE = "Срок: {due}, осталось {days}"
CARD_DAY_OFF_PREVIOUS = "Срок, выпавший на выходной, — в предыдущий рабочий день (по регламенту)."
CARD_ASSUMED = (
    "ℹ️ Срок рассчитан по предполагаемому календарю: переносы выходных на этот год ещё не утверждены"
)
CARD_EXTENSION = "Запрошено продление на {days}"
CARD_ANSWER = "Ответ: {answer}"
# Duplicates across citizens: the item it looks like, by number only (never that citizen's words).
CARD_DUP = "Похоже на {number}"
CARD_DUP_SAME = "Похоже на {number} (гражданин ответил: та же проблема)"
CARD_DUP_OTHER = "Похоже на {number} (гражданин ответил: другая проблема)"
CARD_MERGE = "🔗 Объединить с {number}"
MERGED_INTO = "{number} объединено с {into}: ответ по {into} получит и автор {number}."
MERGE_REASON = "та же проблема, что и в другом сообщении"
CARD_PING = "🔔 Напомнить исполнителю"
CARD_SUGGESTED = "➡️ {sector} ({p}%)"  # the routing model's suggestion: to the sector's lead
NO_SECTOR_LEAD = "У блока нет руководителя: назначьте {number} через «👤 Назначить»."
CARD_MASKED = "🔒 Личные данные скрыты, полный текст — в панели МЦУ"

# An incident's answer for the wall: the approval request's and the refusal alert's buttons.
REPLY_PUBLISH = "📢 Опубликовать"
REPLY_SKIP = "🙅 Не публиковать"
REPLY_RETRY = "🔁 Повторить публикацию"
REPLY_APPROVED = "Ответ одобрен: он появится под записью от имени сообщества."
REPLY_DECLINED = "Ответ не будет опубликован под записью."
REPLY_RETRIED = "Публикация ответа будет повторена."
