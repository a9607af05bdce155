"""Words that carry no topic in Kazakh, Russian and English: they never drive a match."""

from __future__ import annotations

from bot.knowledge.normalize import normalize

# Function words, pronouns, question words and particles, greetings and politeness, and the
# all-purpose verbs of a question ("get", "need", "can"). Written as people write them; they are
# normalised below, so the Russian-keyboard and Latin spellings of the Kazakh ones are covered.
_KK = """
мен сен сіз ол біз сендер сіздер олар менің сенің сіздің оның біздің олардың маған саған
сізге оған бізге оларға мені сені сізді оны бізді оларды менде сенде сізде онда бізде
өзім өзің өзіңіз өзі өз өзіме өзіне осы сол бұл мына ана анау мынау осында сонда мұнда
және мен пен бен да де та те ма ме ба бе па пе ғой қой ше шы ші екен еді ғана тек
мен де әлде немесе бірақ ал яғни үшін туралы бойынша арқылы дейін кейін соң бері сияқты
қалай қайда қашан қанша неше не неге неліктен кім кімге кімнің қай қандай қайсы
қалайша нені неден нешінші неменеге
келеді келеди келед бар жоқ иә жоқпын емес болады болама бола болмайды болса болу болып бар ма
керек керекпін кереги қажет қажетпін мүмкін мумкин болар
алу алуға алсам аламын алам алмақпын алғым алайын алып алды алған алатын
істеу істеймін істей істеуге жасау жасауға
білу білгім білсем білейін айтыңызшы айтып айтыңыз айтшы көрсетіңіз
сәлем сәлеметсіз сәлеметсіздер салем салам саламатсыз ассалаумағалейкум
сәлеметсізбе қайырлы таң күн кеш рахмет рақмет рахмат көп өтінемін
жақсы ия иа ok ok ок қалайсың қалайсыз қалайсыңдар жақсымын тамаша
қалды қалдым қалдық қалып жатыр жатырмын жатырмыз отыр отырмын тұр тұрмын еді екен
болды болдым болып тиіс тиісті
өте тым көп аз ең
аудан ауданы ауданында облыс облысы облысында қазақстан Есік Есікте Шелек Түрген Саймасай
"""

_RU = """
я ты вы он она оно мы они мне тебе вам ему ей нам им меня тебя вас его её нас их мой моя
моё мои твой ваш ваша ваши наш наша наши свой своя свои своё своего своей своим свою своих
себя себе сам сама это этот эта эти
тот та те то тут там здесь так такой такая такое такие таких такую такого тоже
и а но или да нет не ни же ли бы вот ну уже еще ещё тоже также только даже
в во на с со к ко по о об от до из у за для при про без над под через между после перед
как где куда откуда когда что чем чего кто кого кому почему зачем какой какая какое какие
каких каким какую сколько чей чья чьё чьи который которая которые
есть был была были быть будет будут буду может могу можно можете могу ли
нужно надо нужен нужна нужны хочу хотим хочет хотел хотела хотелось бы
получить получать получу получение сделать делать
подскажите скажите расскажите объясните помогите пожалуйста пжл плиз
узнать знать интересует интересно вопрос
здравствуйте здрасте привет приветствую добрый день утро вечер салам спасибо благодарю
хорошо ладно ок окей дела делишки норм нормально
очень большое много мало самый самая самое хороший хорошая хорошее хорошие хорошую лучший
лучшая лучшее лучшие лучше
создать сделать делать
район района районе область области казахстан казахстане Есик Есике Шелек Тургень Алматы
Алматинская Алматинской село селе
"""

# The stop words of Snowball's Russian and English lists that the lists above miss, and the
# words of a story that describe the person, not the need: age, time, family address, villages
# of the district, politeness. A story keeps its meaning for a person; search reads the need.
_KK_CONTEXT = """
бірақ енді ғой тағы әлі сосын содан сонда шығар шығарар мүмкін сияқты ешқандай ешкім
жаным апа аға әпке бауырым бауырлар достым ағай апай қарындас
көмектесіңізші көмектесіңіз көмектесіңіздерші айтыңыздаршы айтып жіберіңізші айтсаңыздар
түсіндіріңізші түсіндіріңіздерші білесіздер білесіз айтыңыздар
жастамын жастамыз жаста жасымда жасым жасар жасқа жыл жылдан жылы жылдың жылдай бойы ай айдан
апта аптадан күннен бүгін ертең кеше қазір биыл былтыр тез шұғыл жедел
ауылынан ауылында ауылынанмын ауылданмын ауылымызда тұрамын тұрамыз жазып отырмын
Байсейіт Қызылқайрат Байтерек Малыбай Қаракемер Ават Қайнар Рахат Балтабай Асы Шырғанақ
Есіктен Есіктенмін Шелектен Түргеннен Тургеннен Байтеректен Алматыда Алматыға
бір екі үш төрт бес алты жеті сегіз тоғыз он жиырма отыз қырық елу
"""

_RU_CONTEXT = """
нибудь опять уж ведь потом ничего ней чтоб будто раз ж тогда этот того потому этого совсем
ним этом один почти тем чтобы нее сейчас всех никогда наконец два об другой хоть больше всего
них разве три эту моя впрочем свою этой иногда чуть том нельзя более всегда конечно всю
было был была были будет него неё нему ему ей им ими нам вам
какой-то какие-то какая-то какое-то какой-нибудь какие-нибудь что-нибудь что-то кто-то
заранее вообще просто правда слышал слышала говорят сказал сказала пишу живу живём живем
лет года год годы месяц месяца месяцев неделю недели день дня дней сегодня завтра вчера
сейчас срочно быстро уже второй третий
один одна одно два две три четыре пять шесть семь восемь девять десять двадцать тридцать
"""

_EN = """
i me my mine you your yours he him his she her it its we us our they them their this that
these those there here
a an the and or but not no yes so too also only even just
in on at to of for from with by about as into onto over under after before between
how what where when who whom whose why which
is are was were be been am do does did done have has had will would shall should can could
must
get got getting want wanted need needs needed like would please pls plz tell know
hello hi hey good morning afternoon evening thanks thank ok okay fine
very much many more most lot lots best better
district region kazakhstan don't doesn't didn't isn't aren't can't won't i'm it's
myself yourself himself herself itself ourselves themselves being having doing
until while against through during above below up down out off again further then once
all any both each few other some such nor own same than s t don now
year years old month months week weeks day days ago today tomorrow yesterday urgent urgently
village live living lives dear sir madam
one two three four five six seven eight nine ten twenty thirty
"""


def _normalised(words: str) -> frozenset[str]:
    """Return the normalised forms of a whitespace-separated word list."""
    return frozenset(token for word in words.split() for token in normalize(word).split())


# English stop words only stop words typed in Latin letters: "ТОО" (a company form) is not "too".
STOP_WORDS_CYRILLIC: frozenset[str] = (
    _normalised(_KK) | _normalised(_RU) | _normalised(_KK_CONTEXT) | _normalised(_RU_CONTEXT)
)
STOP_WORDS: frozenset[str] = STOP_WORDS_CYRILLIC | _normalised(_EN)
