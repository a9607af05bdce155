"""The words people use for the needs the base answers, mapped to the words the base uses.

Villagers say "мал дәрігері" (animal doctor) where an entry says "ветеринар", "тля" where it
says "зиянкестер", "чип" where it says "бирка", "пекарня" where it says "бизнес". Each concept
below lists how people say it (triggers) and the words of the base it stands for (targets), in
any of the three languages: a trigger found in a message searches its targets too, so a
Russian word in a Kazakh message finds the Kazakh entry. The mapping is one way: "корова"
means "livestock" to search, "livestock" does not mean "корова".

Triggers are matched on the normalised skeleton (so every script of Kazakh is covered), as the
start of a word ("бирк" matches "бирку", "биркасы"); triggers of three letters or fewer must
match a whole word, and so must a trigger written with a final "=" ("tax=": "tax" is not the
start of "taxi", nor of "такси", whose skeletons begin with the same letters). A trigger of
several words matches those words in a row.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from bot.knowledge.normalize import normalize
from bot.knowledge.words import is_ending

# concept: (triggers, targets). Written as people write them; normalised when loaded.
# fmt: off
_CONCEPTS: dict[str, tuple[str, str]] = {
    "vet": (
        "мал дәрігер | малдәрігер | мал дариг | малдариг | mal darig | maldarig | ветврач"
        " | вет врач | ветеринар | ветстанц | ветпункт | veterinar | vet | мал емде",
        "ветеринар | ветеринарлық | ветстанция | vet | veterinary",
    ),
    "vaccination": (
        "екпе | екпесі | вакцин | прививк | привит | привив | vaccin | vaksin | ekpe",
        "вакцинация | екпе | vaccination | vaccinated",
    ),
    "animal-tag": (
        "бирк | birk | чип | chip | сырға | sirga | ear tag | идентифик | identif | тег салу",
        "бирка | сырға | идентификация | ear tag | identification | чипирование",
    ),
    "livestock": (
        "сиыр | корова | коров | cow | cattle | ірі қара | крс | бұзау | телен | телят | calf"
        " | calves | тана | тёлк | телк | heifer | қой | овец | овц | sheep | ешкі | коз | goat"
        " | жылқы | лошад | horse | мал | скот | livestock",
        "мал | скот | livestock | animals",
    ),
    "animal-illness": (
        "ящур | понос | іш өт | мастит | желін | вымя | udder | отёл | отел | бұзаула | не встаёт"
        " | не встает | тамақ жемей | тамақ ішпей | тамак ишпей | tamaq ishpei | not eating"
        " | жем жемей",
        "sick | sick cow | заболела | ауырып қалды | ауырса | больная",
    ),
    "pests": (
        "тля | тли | тлю | tly | aphid | колорад | жук | қоңыз | коныз | құрт | kurt | qurt"
        " | червь | черви | червив | worm | вредител | зиянкес | pest | плодожорк | моль | moth"
        " | шірік | гниль | парша | scab | мучнист | ақ дақ | пятн | сарғай | дәрілеу | опрыск"
        " | spray | обработ",
        "зиянкестер | аурулар | вредители | болезни | pests | diseases | пестицид | pesticides",
    ),
    "unemployed": (
        "жұмыссыз | zhumissiz | jumyssyz | безработ | unemploy | jobless | без работы"
        " | жұмыс жоқ | жумыс жок | jumys joq | сократил | қысқарт | уволил | жұмыстан шық"
        " | жумыстан шыг | lost my job | laid off | остался без",
        "жұмыссыз | безработный | unemployed | job seeker | жұмыс іздеуші",
    ),
    "sole-proprietor": (
        "ип | жк | жеке кәсіпкер | индивидуальн предприним | sole proprietor | self employed"
        " | individual entrepreneur | ie",
        "ИП | ЖК | жеке кәсіпкер | индивидуальный предприниматель | individual entrepreneur",
    ),
    "farm": (
        "шаруа қожалығ | шаруа кожалыг | sharua qojalyg | şarua qojalyğ | кх | кфх | крестьянск"
        " | фермерск | фермерств | peasant farm | шаруашылығымды | шаруашылыгымды"
        " | sharuashylygymdy",
        "шаруа қожалығы | крестьянское хозяйство | peasant farm",
    ),
    "leasing": (
        "лизинг | lizing | leasing | lease | рассрочк",
        "лизинг | leasing",
    ),
    "loan": (
        "несие | nesie | кредит | kredit | займ | заем | loan | credit | қарыз | микрокредит",
        "кредит | несие | loan | микрокредит",
    ),
    "machinery": (
        "трактор | комбайн | техника | technika | machinery | combine | сеялк | плуг | traktor",
        "техника | трактор | machinery",
    ),
    "targeted-aid": (
        "атаулы | atauly | асп | әак | адресн | targeted | low income | малоимущ | малообеспеч"
        " | аз қамтылған | аз камтылган | az qamtylgan | табысы аз | зарплата аз | не хватает",
        "атаулы әлеуметтік көмек | адресная социальная помощь | targeted social assistance",
    ),
    "selling": (
        "сату | сатам | сатқым | саткым | сатсам | сатып жатыр | satu | satam | продат | продаж"
        " | прода | sell | selling | өткіз | откиз | otkiz | сдать | сдаю | сдаём | сдаем | сдат"
        " | сбыт | buyer | покупател | алушы | оптом | перекупщик | делдал | middlem",
        "сату | продать | sell | сбыт | buyer",
    ),
    "storage": (
        "қойма | koima | qoima | хранил | холодильн | тоңазыт | тоназыт | storage | cold store"
        " | склад | сақтау | сактау | saqtau | хранен",
        "қойма | хранилище | storage | сақтау",
    ),
    "greenhouse": (
        "теплиц | жылыжай | jylyjai | zhylyzhai | greenhouse | парник",
        "жылыжай | теплица | greenhouse",
    ),
    "irrigation": (
        "су | суы | суға | суды | suar | полив | арық | арык | arik | aryq | канал | irrigat"
        " | вода | воды | water | су жет | су жоқ | су жок | su joq | su jet | суы жок"
        " | тамшылат | капельн | drip",
        "суару | полив | irrigation | су | вода | water",
    ),
    "land": (
        "жер телім | жер учаск | земельн | земл | участок | участк | land | plot | гектар"
        " | hectare | пашн | жайылым | пастбищ | pasture | jer",
        "жер телімі | земельный участок | land plot | жер",
    ),
    "tax": (
        "салық | салык | salyq | salyk | налог | tax= | taxes | taxation | декларац | deklarac"
        " | 910 | упрощ | соцплатеж",
        "салық | налог | tax | декларация",
    ),
    "apple": (
        "алма | яблок | яблон | яблоч | apple | alma | апорт | сад | orchard | бағы | бағым"
        " | багы | багым | bagy",
        "алма | яблоки | apple | бақ | сад | orchard",
    ),
    "vegetables": (
        "картоп | картош | картоф | kartop | potato | сәбіз | морков | carrot | қияр | огур"
        " | cucumber | қызанақ | помидор | томат | tomato | пияз | onion | капуст | қырыққабат"
        " | cabbage | овощ | көкөніс | кокинис | kokonis | vegetable | огород | бақша | бакша"
        " | baqsha | qiyar | qyzanaq | қызылша",
        "көкөніс | овощи | vegetables",
    ),
    "training": (
        "курс | kurs | course | обучен | переучи | переобуч | training | retrain | мамандық"
        " | мамандыг | профессия | професси | trade | learn | үйрен",
        "кәсіптік оқыту | обучение | training | курсы | оқыту",
    ),
    "youth-practice": (
        "жастар практика | jastar praktika | молодёжн практик | молодежн практик"
        " | youth practice | стажир | internship | первую работу | first job | тәжірибем жоқ"
        " | опыта нет | no experience",
        "жастар практикасы | молодёжная практика | youth practice | first job",
    ),
    "legal-help": (
        "заңгер | zangger | заңгер кеңес | юрист | адвокат | lawyer | legal",
        "тегін заң көмегі | юридическая помощь | legal help",
    ),
    "insurance": (
        "сақтандыр | страхов | insur | қырау | үсік | заморозк | мороз | frost | hail | бұршақ"
        " | град",
        "сақтандыру | страхование | insurance",
    ),
    "export": (
        "экспорт | export | ресей | россия | росси | russia | қытай | китай | china | шетел"
        " | за рубеж | abroad | границ | шекара",
        "экспорт | export",
    ),
    "cooperative": (
        "кооператив | kooperativ | cooperative | co op | coop | объедин | бірік",
        "кооператив | cooperative",
    ),
    "planting-material": (
        "көшет | кошет | саженц | seedling | питомник | nursery",
        "көшет | саженцы | seedlings",
    ),
    "business-start": (
        "пекарн | наубайхана | кафе | цех | магазин | дүкен | shop | workshop | шеберхана"
        " | тігін | швейн | sewing | своё дело | свое дело | своего дела | own business"
        " | өз бизнес | oz biznes | кәсіп аш",
        "бизнес | кәсіп | business",
    ),
    "subsidy": (
        "субсид | subsid | господдерж | мемлекеттік қолдау | мемлекет | memleket | state support"
        " | деньги от государства | funding | грант | grant",
        "субсидия | господдержка | subsidy | state support",
    ),
    "seasonal-work": (
        "маусымдық | маусымдык | сезонн | seasonal | временн | подработ | уақытша | temporary"
        " | летом | жазда | summer job",
        "маусымдық жұмыс | сезонная работа | seasonal work | временная работа",
    ),
    "milk": (
        "сүт | сут | sut | молок | малак | milk | dairy | сауу | қаймақ | каймак | иримшик"
        " | ірімшік | творог | сыр",
        "сүт | молоко | milk",
    ),
}
# fmt: on


@dataclass(frozen=True)
class Concept:
    """A need as people say it (triggers) and as the base says it (targets)."""

    name: str
    triggers: tuple[tuple[str, ...], ...]
    targets: tuple[str, ...]


def _split(forms: str) -> list[str]:
    """Return the forms of a `|`-separated list."""
    return [form.strip() for form in forms.split("|") if form.strip()]


_WHOLE = "="  # a trigger word written with this at its end is matched as a whole word only


def _parse_trigger(form: str) -> tuple[str, ...]:
    """Return the normalised words of a trigger, the last marked when it is a whole word."""
    whole = form.endswith(_WHOLE)
    words = normalize(form.removesuffix(_WHOLE)).split()
    if whole and words:
        words[-1] += _WHOLE
    return tuple(words)


CONCEPTS: tuple[Concept, ...] = tuple(
    Concept(
        name,
        tuple(trigger for t in _split(triggers) if (trigger := _parse_trigger(t))),
        tuple(_split(targets)),
    )
    for name, (triggers, targets) in _CONCEPTS.items()
)

_SHORT = 3  # a trigger word this short is a whole word, or that word and a Kazakh ending
_TINY = 2  # a trigger word this short is a whole word only: "су" (water) is not "сүті" (milk)


def _says(word: str, trigger: str) -> bool:
    """Tell whether a typed word is a form of one word of a trigger."""
    if trigger.endswith(_WHOLE):
        return word == trigger[: -len(_WHOLE)]
    if not word.startswith(trigger):
        return False
    rest = word[len(trigger) :]
    if not rest or len(trigger) > _SHORT:
        return True
    return len(trigger) > _TINY and is_ending(rest, chains=False)


# Triggers by their first word, so that a typed word is only checked against the triggers
# whose first word it starts with: one dictionary look-up per prefix of the typed word.
_BY_FIRST: dict[str, list[tuple[Concept, tuple[str, ...]]]] = {}
for _concept in CONCEPTS:
    for _trigger in _concept.triggers:
        _BY_FIRST.setdefault(_trigger[0].removesuffix(_WHOLE), []).append((_concept, _trigger))


@lru_cache(maxsize=20_000)
def _starting(word: str) -> tuple[tuple[Concept, tuple[str, ...]], ...]:
    """Return the (concept, trigger) pairs whose first word `word` says."""
    return tuple(
        pair
        for size in range(1, len(word) + 1)
        for pair in _BY_FIRST.get(word[:size], ())
        if _says(word, pair[1][0])
    )


def find_concepts(words: list[str]) -> dict[int, tuple[tuple[Concept, ...], int]]:
    """Return, by position in `words`, the concepts said from there and how many words say them."""
    found: dict[int, tuple[tuple[Concept, ...], int]] = {}
    for position, word in enumerate(words):
        said: dict[str, Concept] = {}
        length = 0
        for concept, trigger in _starting(word):
            if position + len(trigger) <= len(words) and all(
                _says(words[position + i], part) for i, part in enumerate(trigger[1:], 1)
            ):
                said.setdefault(concept.name, concept)
                length = max(length, len(trigger))
        if said:
            found[position] = (tuple(said.values()), length)
    return found
