"""Small talk in a message: greetings, thanks, goodbyes, "who are you", "I want a person".

Often the first thing a person types is "сәлеметсіз бе" or "здравствуйте", and many write a
greeting and their question in one message ("салем, мне нужна субсидия на сад"). `read` finds
the small talk at the start and at the end of a message, in Kazakh (any script), Russian and
English, and returns what is left: the question to search. It knows nothing of Telegram.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from bot.knowledge.normalize import normalize
from bot.knowledge.words import one_edit


class Kind(enum.StrEnum):
    """A kind of small talk."""

    GREETING = "greeting"
    THANKS = "thanks"
    GOODBYE = "goodbye"
    WHO = "who"  # who are you, are you a robot, what can you do
    PERSON = "person"  # I want a person: an operator, a specialist


# Written as people write them; normalised when loaded, so each line covers Kazakh in Cyrillic,
# in Russian letters and in Latin at once.
# fmt: off
_PHRASES: dict[Kind, str] = {
    Kind.GREETING: """
        сәлем | сәлеметсіз бе | сәлеметсізбе | сәлеметсіздер ме | сәлеметсіздерме | салам
        ассалаумағалейкум | ассалаумағалейкүм | ассалаума ғалейкум | салам алейкум | салем алейкум
        сәлем алейкум | уағалейкумассалам | қайырлы таң | қайырлы күн | қайырлы кеш
        қалайсыз | қалайсың | қалайсыздар | жағдай қалай | жағдайыңыз қалай | саламатсыз ба
        здравствуйте | здраствуйте | здрасте | здрасьте | здравствуй | привет | приветствую
        добрый день | добрый вечер | доброе утро | доброго дня | салют | как дела | как вы
        как поживаете | hello | hi | hey | hallo | good morning | good afternoon | good evening
        greetings | how are you | salem | salemetsiz be | assalaumagaleikum | salam aleikum
        sälem | sälemetsız be | qaiyrly kun | qalaisyz | qalaisyn
    """,
    Kind.THANKS: """
        рахмет | рақмет | рахмат | рахмет сізге | көп рахмет | рахмет көп | рақмет көп
        үлкен рахмет | алғыс айтамын
        спасибо | спасибо большое | большое спасибо | спасибо за помощь | спасибо заранее
        благодарю | благодарим | спс | thank you | thanks | thank you very much | thanks a lot
        many thanks | thx | raqmet | rahmet | rakhmet | raqmet kop | rahmet kop
    """,
    Kind.GOODBYE: """
        сау болыңыз | сау бол | сау болыңыздар | көріскенше | қош | қош болыңыз | хош
        до свидания | досвидания | пока | всего доброго | всего хорошего | bye | goodbye
        good bye | see you | sau bolynyz | sau bol
    """,
    Kind.WHO: """
        сен кімсің | сіз кімсіз | кімсің | кімсіз | бұл кім | кім бұл | сен робот па
        сен ботсың ба | робот па | бот па | сен не істей аласың | не істей аласыз
        кто это | кто ты | кто вы | ты кто | вы кто | ты бот | вы бот | ты робот | вы робот
        это бот | это робот | что ты умеешь | что вы умеете | who are you | what are you
        are you a bot | are you a robot | are you human | are you a human | what can you do
        sen kimsin | siz kimsiz | sen robot pa
    """,
    Kind.PERSON: """
        маман керек | маманмен сөйлескім келеді | маманмен сөйлесу | маманға | оператор
        оператор керек | адам керек | тірі адам | тірі адаммен | адаммен сөйлесу
        живой человек | живым человеком | нужен человек | человек нужен | позовите человека
        поговорить с человеком | соедините с оператором | оператора | нужен специалист
        с менеджером | real person | a human | a person | talk to a person | talk to someone
        human please | operator | maman kerek | operator kerek | а не бот | а не робот
        not a bot | not a robot | специалистом | специалист
    """,
}
# fmt: on

_PHRASE_TABLE: tuple[tuple[tuple[str, ...], Kind], ...] = tuple(
    sorted(
        (
            (tuple(normalize(phrase).split()), kind)
            for kind, text in _PHRASES.items()
            for phrase in text.replace("\n", "|").split("|")
            if normalize(phrase)
        ),
        key=lambda item: -len(item[0]),  # the longest phrase first
    )
)
# Words that may sit between small talk and a question without meaning anything themselves.
_FILLERS = frozenset(
    normalize(word)
    for word in """
    мен мне я men i мырза ханым апа аға апай ағай бауырым бауырлар достым dosym досым
    уважаемые уважаемый
    дорогие пожалуйста please dear sir madam және и and ещё еще тағы да же ну ок ok окей
    """.split()
)
# Words that lead into small talk ("мне нужен живой человек", "I want to talk to a person").
_LEADS = frozenset(
    normalize(word)
    for word in """
    мне нужен нужна нужно хочу хотел хотела можно позовите дайте поговорить связаться с со
    мен маған керек i want need can could to talk speak with please let me a an real
    """.split()
)
_MAX_LEADS = 4
_ASKED = (Kind.PERSON, Kind.WHO)  # small talk that a lead-in may come before
_WORD = re.compile(r"[^\W_]+(?:['’ʼ`-][^\W_]+)*")
_TYPO_MIN = 7  # a word of a phrase this long may be typed with one mistake


@dataclass(frozen=True)
class SmallTalk:
    """What small talk a message holds, and its question part."""

    kinds: tuple[Kind, ...]
    question: str  # the rest of the message, as typed; "" when nothing but small talk is left

    @property
    def only_small_talk(self) -> bool:
        """Tell whether the message is small talk and nothing else."""
        return bool(self.kinds) and not self.question


def _same(typed: str, word: str) -> bool:
    """Tell whether a typed word is a word of a phrase, allowing one typo in a long word."""
    return typed == word or (len(word) >= _TYPO_MIN and one_edit(typed, word))


def _phrase_at(words: list[str], start: int) -> tuple[int, Kind] | None:
    """Return the length and kind of the longest phrase starting at `start`, if any."""
    for phrase, kind in _PHRASE_TABLE:
        end = start + len(phrase)
        if end <= len(words) and all(
            _same(words[start + i], part) for i, part in enumerate(phrase)
        ):
            return len(phrase), kind
    return None


def _phrase_before(words: list[str], end: int) -> tuple[int, Kind] | None:
    """Return the length and kind of the longest phrase ending at `end`, if any."""
    for phrase, kind in _PHRASE_TABLE:
        start = end - len(phrase)
        if start >= 0 and all(_same(words[start + i], part) for i, part in enumerate(phrase)):
            return len(phrase), kind
    return None


def read(text: str) -> SmallTalk:
    """Find the small talk at the start and the end of `text`; return it and the question."""
    matches = list(_WORD.finditer(text))
    words = [normalize(m.group()).replace(" ", "") for m in matches]
    kinds: list[Kind] = []
    start, end = 0, len(words)
    # From the start: greetings, "who are you", "I want a person", and fillers between them.
    while start < end:
        leads = 0
        while leads < _MAX_LEADS and start + leads < end and words[start + leads] in _LEADS:
            leads += 1
        found = _phrase_at(words, start + leads)
        if found is not None and start + leads + found[0] <= end:
            kinds.append(found[1])
            start += leads + found[0]
        elif kinds and words[start] in _FILLERS:
            start += 1
        else:
            break
    # From the end: thanks and goodbyes ("..., рахмет", "спасибо заранее").
    tail: list[Kind] = []
    while end > start:
        found = _phrase_before(words, end)
        if found is not None and end - found[0] >= start:
            tail.append(found[1])
            end -= found[0]
        elif tail and words[end - 1] in _FILLERS:
            end -= 1
        else:
            break
    while tail and tail[-1] in _ASKED and end > start and words[end - 1] in _LEADS | _FILLERS:
        end -= 1  # "can I talk to a real person": the lead-in goes with the small talk
    kinds.extend(reversed(tail))
    if not kinds:
        return SmallTalk((), text.strip())
    question = ""
    if start < end:
        # As typed, with its closing "?" but without the comma before the thanks.
        stop = matches[end].start() if end < len(words) else len(text)
        question = text[matches[start].start() : stop].strip().rstrip(",;:-—").strip()
    return SmallTalk(tuple(dict.fromkeys(kinds)), question)
