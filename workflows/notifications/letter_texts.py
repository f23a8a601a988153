"""What the letters of the 59-ФЗ path say: a subject and paragraphs for each kind, filled from
the item's facts. The law's wording is paraphrased, each letter names its article."""

from typing import Any

from workflows.core.errors import Invalid

LAW = "Федерального закона от 02.05.2006 № 59-ФЗ «О порядке рассмотрения обращений граждан РФ»"

# kind: (subject, paragraphs); {placeholders} come from the item and the action.
LETTERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "registered": (
        "Ваше обращение зарегистрировано",
        (
            "Ваше обращение, поступившее {received_date}, зарегистрировано {registered_date} "
            "под номером {number}.",
            "Ответ будет дан не позднее {due_date} (часть 1 статьи 12 " + LAW + ").",
        ),
    ),
    "forwarded": (
        "Ваше обращение № {number} переадресовано",
        (
            "Решение вопросов, поставленных в вашем обращении от {registered_date} № {number}, "
            "не входит в компетенцию администрации.",
            "В соответствии с частью 3 статьи 8 " + LAW + " обращение направлено для "
            "рассмотрения по компетенции, ответ вам даст этот орган: {body_name}.",
        ),
    ),
    "covering": (
        "О направлении обращения по компетенции",
        (
            "В соответствии с частью 3 статьи 8 " + LAW + " направляем для рассмотрения по "
            "компетенции обращение гражданина ({citizen_name}), зарегистрированное "
            "{registered_date} под номером {number}. Заявитель уведомлён о переадресации.",
            "Просим дать ответ заявителю по адресу, указанному в обращении.",
            "Текст обращения:\n{text}",
        ),
    ),
    # ст. 11 ч. 1: an appeal without a surname or a reply address that reports an offence goes
    # to the body by its competence; nobody can be told, and the body cannot answer anyone.
    "covering_anonymous": (
        "О направлении обращения по компетенции",
        (
            "В соответствии с частью 1 статьи 11 " + LAW + " направляем для рассмотрения по "
            "компетенции обращение, зарегистрированное {registered_date} под номером {number}, "
            "в котором содержатся сведения о противоправном деянии. Фамилия заявителя или "
            "почтовый адрес для ответа в обращении не указаны, заявитель не уведомлялся.",
            "Текст обращения:\n{text}",
        ),
    ),
    "extended": (
        "Срок рассмотрения обращения № {number} продлён",
        (
            "Срок рассмотрения вашего обращения от {registered_date} № {number} продлён до "
            "{new_due_date} (часть 2 статьи 12 " + LAW + ").",
            "Причина: {reason}.",
        ),
    ),
    "answer": (
        "Ответ на обращение № {number}",
        ("На ваше обращение от {registered_date} № {number} сообщаем следующее.", "{answer}"),
    ),
    "unclear": (
        "О вашем обращении № {number}",
        (
            "Ваше обращение от {registered_date} № {number} рассмотрено. {why}",
            "В соответствии с частями 4 и 4.1 статьи 11 " + LAW + " ответ на такое обращение не "
            "даётся. Вы можете направить обращение повторно, изложив суть вопроса ясно.",
        ),
    ),
    "abusive": (
        "О вашем обращении № {number}",
        (
            "Ваше обращение от {registered_date} № {number} содержит нецензурные либо "
            "оскорбительные выражения, угрозы жизни, здоровью или имуществу должностного лица.",
            "В соответствии с частью 3 статьи 11 " + LAW + " оно оставлено без ответа по "
            "существу поставленных вопросов. Сообщаем о недопустимости злоупотребления правом.",
        ),
    ),
    "stopped": (
        "О прекращении переписки по вашему вопросу",
        (
            "В вашем обращении от {registered_date} № {number} содержится вопрос, на который "
            "вам многократно давались письменные ответы по существу (последний — по обращению "
            "№ {previous_number}), и не приводятся новые доводы или обстоятельства.",
            "В соответствии с частью 5 статьи 11 " + LAW + " принято решение о безосновательности "
            "очередного обращения и о прекращении переписки по данному вопросу.",
        ),
    ),
}


def compose(kind: str, facts: dict[str, Any]) -> tuple[str, str]:
    """The subject and the text (paragraphs separated by blank lines) of a letter of `kind`."""
    if kind not in LETTERS:
        raise Invalid(f"неизвестный вид письма «{kind}»")
    subject, paragraphs = LETTERS[kind]
    try:
        return subject.format_map(facts), "\n\n".join(p.format_map(facts) for p in paragraphs)
    except KeyError as e:  # a programming error: the caller forgot a fact the letter needs
        raise Invalid(f"письму «{kind}» не хватает сведения {e}") from e
