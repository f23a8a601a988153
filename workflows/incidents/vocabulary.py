"""What a municipality's posts are matched against: its words, its sectors' words, its places."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property

from workflows.core.words import keyword_lemmas, lemma, words

# Words that say something is wrong, in lemma form; a municipality adds its own.
PROBLEM_WORDS = (
    "нет",
    "не работать",
    "отключить",
    "отключение",
    "авария",
    "прорвать",
    "прорыв",
    "течь",
    "утечка",
    "сломать",
    "сломаться",
    "разрушить",
    "размыть",
    "затопить",
    "обрушиться",
    "упасть",
    "обрыв",
    "оборвать",
    "холодно",
    "замерзать",
    "грязь",
    "вонь",
    "опасно",
    "опасный",
    "помочь",
    "помогите",
    "срочно",
    "жаловаться",
    "жалоба",
    "невозможно",
    "никто",
    "сколько можно",
    "сколько ждать",
    "сколько еще",
    "ремонт",
    "перекрыть",
    "завалить",
    "сидеть без",
    "беда",
    "проблема",
    "пропасть",
    "дыра",
    "трещина",
    "провал",
    "мерзнуть",
    "неделя",
    "бездействие",
    "кошмар",
    "куча",
    "гореть",
    "искрить",
    "сухо",
    "пустой",
    "починить",
    "чинить",
    "не идти",
    "так и не",
    "так и",
    "до сих пор",
    "опять",
    "не дать",
    "закрыть",
    "сгореть",
    "рухнуть",
    "наладить",
    "темнота",
    "замерзнуть",
    "ждать",
    "камень",
    "мусорка",
    "лопнуть",
    "переполнить",
    "переполненный",
    "разбитый",
    "забитый",
    "латать",
    "забить",
    "разбить",
    "обещать",
    "опасность",
    "не мочь",
    "не вывозить",
    "молчать",
    "не приехать",
    "запах",
    "холод",
    "испортиться",
)
# Adverts, greetings and official news: a post carrying these is rarely a complaint.
ADVERT_WORDS = (
    "продать",
    "продавать",
    "в наличие",
    "поступление",
    "завоз",
    "широкий выбор",
    "бесплатно",
    "гарантия",
    "личка",
    "писать в личный",
    "ватсап",
    "whatsapp",
    "ждать вы",
    "приходить за",
    "продаваться",
    "куплю",
    "купить",
    "скидка",
    "акция",
    "цена",
    "заказ",
    "доставка",
    "рубль",
    "руб",
    "недорого",
    "аренда",
    "сдаваться",
    "обращаться по телефон",
    "звонить",
    "ассортимент",
    "магазин",
    "распродажа",
    "предлагать",
    "услуга",
    "прайс",
    "опт",
    "товар",
)
GREETING_WORDS = (
    "поздравлять",
    "поздравление",
    "день рождение",
    "праздник",
    "юбилей",
    "свадьба",
    "счастье",
    "желать",
    "здоровье",
    "благодарить",
    "спасибо",
    "соболезнование",
    "светлый память",
)
NEWS_WORDS = (
    "состояться",
    "турнир",
    "соревнование",
    "чемпионат",
    "победитель",
    "концерт",
    "мероприятие",
    "информировать",
    "уведомлять",
    "плановый",
    "сообщать",
    "пресс-служба",
    "приглашать",
    "конкурс",
    "выставка",
    "заседание",
    "собрание",
    "завершиться",
    "завершить",
    "торжественный",
    "открытие",
    "награждение",
    "команда",
    "матч",
    "призер",
    "олимпиада",
    "итог",
    "приносить извинение",
    "напоминать",
    "уважаемый житель",
    "график",
    "делегация",
    "посетить",
    "гость",
    "публичный слушание",
)
# Questions and requests that are not complaints: «Кто знает…», «Подскажите…».
QUESTION_WORDS = (
    "кто знать",
    "кто-нибудь знать",
    "кто-то знать",
    "подсказать",
    "кто может",
)
# Places outside any municipality that uses this list by default: the districts bordering
# Bezhta (Цунтинский, Тляратинский, Цумадинский, Шамильский, Чародинский, Ботлихский,
# Хунзахский) by their centres and villages, and Dagestan's towns. A municipality's own
# localities are never elsewhere; its setup cannot add here yet (monitoring keeps `keywords`).
ELSEWHERE_PLACES = (
    "Цунта",
    "Кидеро",
    "Шаитли",
    "Хутрах",
    "Генух",
    "Хибиятль",
    "Шапих",
    "Цебари",
    "Мокок",
    "Тлярата",
    "Гведыш",
    "Кутлаб",
    "Тохота",
    "Салда",
    "Цумада",
    "Агвали",
    "Тинди",
    "Хушет",
    "Гигатли",
    "Хебда",
    "Чарода",
    "Цуриб",
    "Ботлих",
    "Ансалта",
    "Хунзах",
    "Махачкала",
    "Хасавюрт",
    "Буйнакск",
    "Кизляр",
    "Кизилюрт",
    "Каспийск",
    "Избербаш",
    "Дербент",
)


@dataclass(frozen=True)
class Vocabulary:
    """A municipality's matching words: `sectors` maps a sector code to its keywords (the routing
    rules'), `localities` are its places, `elsewhere` places of other districts it borders."""

    localities: tuple[str, ...]
    sectors: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    keywords: tuple[str, ...] = ()
    elsewhere: tuple[str, ...] = ()

    @cached_property
    def problem_phrases(self) -> frozenset[str]:
        return frozenset(keyword_lemmas(k) for k in (*PROBLEM_WORDS, *self.keywords))

    @cached_property
    def sector_phrases(self) -> Mapping[str, str]:
        """Each sector keyword in lemma form, with the sector it belongs to."""
        return {keyword_lemmas(k): code for code, ks in self.sectors.items() for k in ks}

    @cached_property
    def negative_phrases(self) -> Mapping[str, str]:
        kinds = (
            ("advert", ADVERT_WORDS),
            ("greeting", GREETING_WORDS),
            ("news", NEWS_WORDS),
            ("question", QUESTION_WORDS),
        )
        return {keyword_lemmas(k): kind for kind, ks in kinds for k in ks}

    @cached_property
    def elsewhere_places(self) -> tuple[str, ...]:
        """The built-in places outside and the setup's own, minus any of its localities."""
        ours = {name.lower() for name in self.localities}
        places = dict.fromkeys((*ELSEWHERE_PLACES, *self.elsewhere))
        return tuple(p for p in places if p.lower() not in ours)


def from_mapping(data: Mapping[str, object]) -> Vocabulary:
    """A vocabulary from its YAML/JSON form (lists of strings; sectors a mapping of lists)."""

    def strings(key: str) -> tuple[str, ...]:
        value = data.get(key) or []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValueError(f"«{key}»: нужен список строк")
        return tuple(value)

    sectors = data.get("sectors") or {}
    if not isinstance(sectors, dict):
        raise ValueError("«sectors»: нужно соответствие «блок: [слова]»")
    return Vocabulary(
        localities=strings("localities"),
        sectors={str(k): tuple(str(w) for w in v) for k, v in sectors.items()},
        keywords=strings("keywords"),
        elsewhere=strings("elsewhere"),
    )


# Case endings and adjective suffixes a place name takes: «Бежта» -> «в Бежте», «из Бежты»,
# «бежтинский», «Тлядал» -> «в Тлядале», «тлядальская». Names are rarely in the dictionary.
_ENDINGS = (
    "",
    "о",
    "а",
    "у",
    "е",
    "ы",
    "и",
    "ой",
    "ом",
    "ою",
    "ам",
    "ах",
    "ами",
    "ь",
    "я",
    "ю",
    "ей",
)
_ADJECTIVE = ("инск", "ск", "ьск", "енск")


def place_stem(name_word: str) -> str:
    """The part of a place word that does not change between its forms."""
    w = name_word.lower().replace("ё", "е")
    return w[:-1] if len(w) > 4 and w[-1] in "аяеоыиьй" else w


def is_place_form(word: str, name_word: str) -> bool:
    """Whether a text word is a case form or the adjective of one word of a place's name."""
    stem = place_stem(name_word)
    if not word.startswith(stem):  # dictionary words of a name («Нижний») decline their own way
        return word[:2] == name_word[:2].lower() and lemma(word) == lemma(name_word)
    rest = word[len(stem) :]
    if rest in _ENDINGS:
        return True
    return any(rest.startswith(a) and len(rest) - len(a) <= 3 for a in _ADJECTIVE)


def find_places(text_words: list[str], names: Iterable[str]) -> list[str]:
    """The names (multi-word too) whose words occur one after another in the text, in any form."""
    found = []
    for name in names:
        parts = words(name)
        if not parts:
            continue
        n = len(parts)
        for i in range(len(text_words) - n + 1):
            if all(is_place_form(text_words[i + j], parts[j]) for j in range(n)):
                found.append(name)
                break
    return found
