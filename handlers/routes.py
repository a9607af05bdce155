"""Every button's data, declared once: its prefix, its typed fields, how it packs and parses.

A family of buttons is a frozen dataclass that subclasses `Callback` with its prefix:

    @dataclass(frozen=True)
    class Confirm(Callback, prefix="ok"):
        case: int = number()
        solved: bool = yes_no("y", "n")

`Confirm(7, True).pack()` gives "ok:7:y"; `Confirm.parse("ok:7:y")` gives the value back, and
anything else (a forged, garbled or too long string, a final newline) gives None. Fields are
written in order, separated by ":"; optional fields come last and are left out at their default,
so buttons already sent keep their exact wire format. `button()` is the one way to put a value on
a button: nothing else in the adapter writes or splits callback data.

Which handler a family goes to, and who may press it, is the table in `handlers/__init__.py`;
`Role` and `allowed()` here decide the coarse role in one place, before the handler runs. Finer
checks (a provider's staff only for their own cases) stay with the service.
"""

from __future__ import annotations

import dataclasses
import enum
import re
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, Generic, Literal, TypeVar, get_args, get_type_hints

from telegram import InlineKeyboardButton, Update

from bot.knowledge import AUDIENCES, LANGS, TOPICS, VALUE_CHAINS
from bot.needs import NEED_IDS
from bot.services.subscriptions import TOPICS as NEWS_TOPICS
from handlers.context import BotContext

MAX_BYTES = 64  # Telegram's limit on callback data

# Closed sets of words a button carries: the core's keys (audiences, value chains, topics, news
# topics, languages) as `str` checked against the core's tuples, the adapter's own as `Literal`.
CHAINS = (*VALUE_CHAINS, "-")  # "-": no value chain
Section = Literal["more", "steps", "docs", "where"]
DraftStep = Literal["send", "phone", "cancel"]
FollowUpAnswer = Literal["yes", "no", "waiting"]
# A provider's step on a case: r(eply), d(one: resolved), x (return to the OSS).
ProviderStep = Literal["r", "d", "x"]
# A segment field of an announcement (a(udience), v(alue chain), l(anguage), t(opic)), or a step:
# p(re)v(iew), go (send), yes (surely), x (cancel), re (send again those whose outcome is unknown).
DraftField = Literal["a", "v", "l", "t"]
AnnounceStep = Literal["a", "v", "l", "t", "pv", "go", "yes", "x", "re"]
ANY = "*"  # an announcement's segment field set to "any"

ENTRY_ID = r"[a-z0-9-]{3,40}"
PROVIDER_ID = r"[a-z0-9_]{2,24}"
OFFICE_ID = r"[a-z][a-z0-9_]{1,23}"
PERIOD = r"w|m|lw|lm|\d{8}-\d{8}"  # `Period.code`: this/last week or month, or two dates


# ---- fields --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Codec:
    """How one field is written in button data: its pattern, and the way there and back.

    A field is `Annotated[type, codec]`; a field with a default is optional: it is left out of
    the data at its default, and it comes after the required ones."""

    pattern: str
    dump: Callable[[Any], str] = str
    load: Callable[[str], Any] = str


def number(digits: int = 9) -> Codec:
    """A whole number of at most `digits` digits."""
    return Codec(rf"\d{{1,{digits}}}", str, int)


def one_of(choices: Any) -> Codec:
    """One of the words of a `Literal[...]` type or of a tuple."""
    words = choices if isinstance(choices, tuple) else get_args(choices)
    return Codec("|".join(re.escape(word) for word in words))


def entry_or_none() -> Codec:
    """An entry id, or None written as "-" (a question about no particular entry)."""
    return Codec(
        rf"{ENTRY_ID}|-", lambda v: "-" if v is None else str(v), lambda s: None if s == "-" else s
    )


def yes_no(yes: str, no: str) -> Codec:
    """A yes or no, written as `yes` or `no`."""
    return Codec(f"{yes}|{no}", lambda v: yes if v else no, lambda s: s == yes)


def flag(mark: str) -> Codec:
    """A mark: present is True (give the field the default False)."""
    return Codec(re.escape(mark), lambda v: mark, lambda s: True)


CaseId = Annotated[int, number()]
AnnouncementId = Annotated[int, number()]
Page = Annotated[int, number(3)]
EntryId = Annotated[str, Codec(ENTRY_ID)]
ProviderId = Annotated[str, Codec(PROVIDER_ID)]
PeriodCode = Annotated[str, Codec(PERIOD)]
Audience = Annotated[str, one_of(AUDIENCES)]
Chain = Annotated[str, one_of(CHAINS)]
Topic = Annotated[str, one_of(TOPICS)]
NewsTopic = Annotated[str, one_of(NEWS_TOPICS)]


# ---- families ------------------------------------------------------------------------------

C = TypeVar("C", bound="Callback")
FAMILIES: list[type[Callback]] = []  # every family, in the order declared


class Callback:
    """The data of one family of buttons; subclasses are frozen dataclasses with a prefix."""

    prefix: ClassVar[str]

    def __init_subclass__(cls, *, prefix: str, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not re.fullmatch(r"[a-z]{1,8}", prefix):
            raise ValueError(f"bad button prefix {prefix!r}")
        cls.prefix = prefix
        FAMILIES.append(cls)

    def valid(self) -> bool:
        """Tell whether the fields make sense together (a family may say more)."""
        return True

    def pack(self) -> str:
        """Write the value as button data; refuse a value that would not parse back."""
        fields = _layout(type(self)).fields
        values = [getattr(self, field.name) for field in fields]
        last = len(fields)
        while last and fields[last - 1].optional and values[last - 1] == fields[last - 1].default:
            last -= 1
        parts = [self.prefix] + [
            f.codec.dump(v) for f, v in zip(fields[:last], values[:last], strict=True)
        ]
        data = ":".join(parts)
        if len(data.encode()) > MAX_BYTES or type(self).parse(data) != self:
            raise ValueError(f"{self!r} does not make valid button data ({data!r})")
        return data

    @classmethod
    def parse(cls: type[C], data: str) -> C | None:
        """Read button data of this family; None for anything that is not exactly that."""
        layout = _layout(cls)
        if len(data) > MAX_BYTES or not data.isascii():
            return None
        match = layout.regex.fullmatch(data)
        if match is None:
            return None
        value = cls(**{f.name: f.codec.load(match[f.name]) for f in layout.fields if match[f.name]})
        return value if value.valid() else None

    @classmethod
    def pattern(cls) -> re.Pattern[str]:
        """The whole-string pattern of this family's data (for PTB's CallbackQueryHandler)."""
        return _layout(cls).regex


@dataclass(frozen=True)
class _Field:
    name: str
    codec: Codec
    optional: bool
    default: Any


@dataclass(frozen=True)
class _Layout:
    fields: tuple[_Field, ...]
    regex: re.Pattern[str]


_LAYOUTS: dict[type[Callback], _Layout] = {}


def _layout(cls: type[Callback]) -> _Layout:
    """The fields and the pattern of a family, worked out once."""
    if cls not in _LAYOUTS:
        _LAYOUTS[cls] = _make_layout(cls)
    return _LAYOUTS[cls]


def _make_layout(cls: type[Callback]) -> _Layout:
    hints = get_type_hints(cls, include_extras=True)
    fields = []
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        codecs = [m for m in getattr(hints[f.name], "__metadata__", ()) if isinstance(m, Codec)]
        if len(codecs) != 1:
            raise TypeError(f"{cls.__name__}.{f.name}: not Annotated with one Codec")
        optional = f.default is not dataclasses.MISSING
        fields.append(_Field(f.name, codecs[0], optional, f.default))
    pattern, tail = re.escape(cls.prefix), ""
    for field in fields:
        group = f":(?P<{field.name}>{field.codec.pattern})"
        if field.optional:  # nested: a later optional field only after an earlier one
            pattern += "(?:" + group
            tail += ")?"
        elif tail:
            raise TypeError(f"{cls.__name__}.{field.name}: required after an optional field")
        else:
            pattern += group
    return _Layout(tuple(fields), re.compile(pattern + tail + r"\Z"))


def button(label: str, press: Callback) -> InlineKeyboardButton:
    """An inline button that sends `press`."""
    return InlineKeyboardButton(label, callback_data=press.pack())


# The client's journey


@dataclass(frozen=True)
class ChooseLanguage(Callback, prefix="lang"):
    lang: Annotated[str, one_of(LANGS)]


@dataclass(frozen=True)
class LanguageMenu(Callback, prefix="language"):
    pass


@dataclass(frozen=True)
class AudienceMenu(Callback, prefix="who"):
    pass


@dataclass(frozen=True)
class ChooseAudience(Callback, prefix="aud"):
    audience: Audience


@dataclass(frozen=True)
class ChooseChain(Callback, prefix="vc"):
    chain: Chain


@dataclass(frozen=True)
class MainMenu(Callback, prefix="m"):
    pass


@dataclass(frozen=True)
class TopicPage(Callback, prefix="t"):
    topic: Topic
    audience: Audience
    chain: Chain
    page: Page


@dataclass(frozen=True)
class NeedPage(Callback, prefix="n"):
    """A need's list for an audience and value chain; a facet (a kind of information) keeps one
    kind only."""

    audience: Audience
    need: Annotated[str, one_of(NEED_IDS)]
    chain: Chain
    page: Page = 0
    facet: Annotated[str | None, one_of(TOPICS)] = None


@dataclass(frozen=True)
class MyCases(Callback, prefix="my"):
    """The person's own questions."""


@dataclass(frozen=True)
class MyCase(Callback, prefix="mc"):
    """One of the person's own questions, with what they can do about it."""

    case: CaseId


# A client ends their question: s(olved), w(ithdraw: asks "sure?"), wy (withdraw: surely).
SettleStep = Literal["s", "w", "wy"]


@dataclass(frozen=True)
class Settle(Callback, prefix="st"):
    case: CaseId
    step: Annotated[SettleStep, one_of(SettleStep)]


@dataclass(frozen=True)
class EntryCard(Callback, prefix="e"):
    entry: EntryId
    from_search: Annotated[bool, flag("s")] = False  # "Back" then leads to the main menu


@dataclass(frozen=True)
class EntrySection(Callback, prefix="d"):
    entry: EntryId
    section: Annotated[Section, one_of(Section)]
    page: Annotated[int, number(2)] = 0


@dataclass(frozen=True)
class Ask(Callback, prefix="ask"):
    entry: Annotated[str | None, entry_or_none()]


@dataclass(frozen=True)
class Consent(Callback, prefix="cs"):
    entry: Annotated[str | None, entry_or_none()]


@dataclass(frozen=True)
class DraftAction(Callback, prefix="dr"):
    step: Annotated[DraftStep, one_of(DraftStep)]


@dataclass(frozen=True)
class WriteBack(Callback, prefix="cr"):
    case: CaseId


@dataclass(frozen=True)
class Confirm(Callback, prefix="ok"):
    case: CaseId
    solved: Annotated[bool, yes_no("y", "n")]


@dataclass(frozen=True)
class Rate(Callback, prefix="rt"):
    case: CaseId
    stars: Annotated[int, Codec("[1-5]", str, int)]


@dataclass(frozen=True)
class FollowUp(Callback, prefix="fu"):
    case: CaseId
    answer: Annotated[FollowUpAnswer, one_of(FollowUpAnswer)]


@dataclass(frozen=True)
class Forget(Callback, prefix="fg"):
    erase: Annotated[bool, yes_no("yes", "no")]


@dataclass(frozen=True)
class News(Callback, prefix="nw"):
    topic: Annotated[str | None, one_of(NEWS_TOPICS)] = None  # None: the news screen


@dataclass(frozen=True)
class Unsubscribe(Callback, prefix="un"):
    announcement: AnnouncementId


@dataclass(frozen=True)
class Contacts(Callback, prefix="ct"):
    """The OSS's contacts (no owner), or the offices of one provider."""

    owner: Annotated[str | None, Codec(PROVIDER_ID)] = None


@dataclass(frozen=True)
class OfficePin(Callback, prefix="pin"):
    """Send an office's map pin."""

    office: Annotated[str, Codec(OFFICE_ID)]


# The OSS side: cases


@dataclass(frozen=True)
class CaseHistory(Callback, prefix="cv"):
    case: CaseId


@dataclass(frozen=True)
class CaseList(Callback, prefix="cl"):
    page: Page


@dataclass(frozen=True)
class ChooseProvider(Callback, prefix="ca"):
    case: CaseId


@dataclass(frozen=True)
class Assign(Callback, prefix="cp"):
    case: CaseId
    provider: ProviderId


@dataclass(frozen=True)
class CloseCase(Callback, prefix="cc"):
    case: CaseId


@dataclass(frozen=True)
class ProviderAction(Callback, prefix="pr"):
    case: CaseId
    step: Annotated[ProviderStep, one_of(ProviderStep)]


@dataclass(frozen=True)
class CreateInvite(Callback, prefix="inv"):
    provider: ProviderId


# The OSS side: insight and announcements


@dataclass(frozen=True)
class Report(Callback, prefix="rp"):
    period: PeriodCode


@dataclass(frozen=True)
class Export(Callback, prefix="rx"):
    period: PeriodCode


@dataclass(frozen=True)
class Gaps(Callback, prefix="gp"):
    period: Annotated[str, Codec(r"7|30|90|\d{8}-\d{8}")]  # the last N days, or two dates


@dataclass(frozen=True)
class Announcement(Callback, prefix="an"):
    """The draft (no step); a segment field's options (a field); a value chosen for a field
    (a field and a value, `ANY` for any); or a step: preview, send, yes, cancel, send again."""

    announcement: AnnouncementId
    step: Annotated[AnnounceStep | None, one_of(AnnounceStep)] = None
    value: Annotated[str | None, Codec(r"[a-z_]{2,16}|\*")] = None

    def valid(self) -> bool:
        return self.value is None or self.step in get_args(DraftField)


# ---- who may press what --------------------------------------------------------------------


class Role(enum.Enum):
    """The coarse role a command or button needs."""

    ANYONE = "anyone"
    STAFF = "staff"  # a provider's staff or an OSS manager
    MANAGER = "manager"


async def allowed(role: Role, update: Update, context: BotContext) -> bool:
    """Tell whether the sender has `role`."""
    user = update.effective_user
    if role is Role.ANYONE:
        return True
    if user is None:
        return False
    if role is Role.MANAGER:
        return user.id in context.svc.settings.manager_ids
    actor = await context.svc.cases.actor(user.id)
    return actor.role in ("staff", "manager")


Handler = Callable[[Update, BotContext], Coroutine[Any, Any, None]]


@dataclass(frozen=True)
class Route(Generic[C]):
    """A family of buttons, the handler that gets its parsed value, and who may press it.

    `denied` answers someone without the role (None: "out of date" and the main menu)."""

    family: type[C]
    handler: Callable[[Update, BotContext, C], Awaitable[None]]
    role: Role = Role.ANYONE
    denied: Handler | None = None


@dataclass(frozen=True)
class Command:
    """A command, its handler and who may use it (others are told it is unknown)."""

    name: str
    handler: Handler
    role: Role = Role.ANYONE
