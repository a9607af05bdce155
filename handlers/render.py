"""Texts and keyboards of the client journey, built by pure functions from plain values."""

from __future__ import annotations

import dataclasses
import html
from collections.abc import Callable, Sequence
from datetime import date
from urllib.parse import quote

from babel.dates import format_date
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import needs
from bot.domain import AUDIENCE_LABELS, FACET_LABELS, TOPIC_LABELS, VALUE_CHAIN_LABELS
from bot.i18n import translator
from bot.knowledge import Entry, KnowledgeBase
from bot.knowledge.smalltalk import Kind
from bot.services.people import Profile
from bot.settings import LANGUAGES
from handlers.routes import (
    Ask,
    AudienceMenu,
    Callback,
    ChooseAudience,
    ChooseChain,
    ChooseLanguage,
    Contacts,
    EntryCard,
    EntrySection,
    LanguageMenu,
    MainMenu,
    MyCases,
    NeedPage,
    News,
    Section,
    TopicPage,
    button,
)

LANGUAGE_NAMES = {"kk": "Қазақша", "ru": "Русский", "en": "English"}
LANGUAGE_PROMPT = "Тілді таңдаңыз\nВыберите язык\nChoose your language"
PAGE_SIZE = 6
SCREEN_CHARS = 900  # what fits one screen of a small phone without scrolling far
HALF_ROW_CHARS = 20  # a label longer than this is cut on a small phone when two share a row

Button = InlineKeyboardButton
Gettext = Callable[[str], str]


def label(labels: dict[str, tuple[str, str]], key: str, _: Gettext) -> str:
    """Return a button label: the icon and the translated name."""
    icon, name = labels[key]
    return f"{icon} {_(name)}"


def heading(icon: str, title: str, body: str) -> str:
    """Return a bold headed paragraph."""
    return f"{icon} <b>{title}</b>\n{body}"


def rows(buttons: Sequence[Button], per_row: int = 2) -> list[list[Button]]:
    """Lay buttons out up to `per_row` to a row; a long label gets a row of its own.

    Rows are filled in order; a row holds more than one button only while every label in it
    fits `HALF_ROW_CHARS`, so that nothing is cut on a small phone."""
    laid: list[list[Button]] = []
    for item in buttons:
        last = laid[-1] if laid else None
        if (
            last is not None
            and len(last) < per_row
            and all(fits_half(b.text) for b in (*last, item))
        ):
            last.append(item)
        else:
            laid.append([item])
    return laid


def fits_half(text: str) -> bool:
    """Tell whether a label fits half the width of a small phone."""
    return len(text) <= HALF_ROW_CHARS


def home_button(_: Gettext) -> Button:
    return button("🏠 " + _("Main menu"), MainMenu())


def language_keyboard() -> InlineKeyboardMarkup:
    """Offer the three languages, always in the same order, so that a finger learns the place."""
    return InlineKeyboardMarkup(
        [[button(LANGUAGE_NAMES[lang], ChooseLanguage(lang))] for lang in LANGUAGES]
    )


def welcome(_: Gettext) -> str:
    """Say in a line what this is, then ask who they are: one phone screen with the buttons.

    What the bot stores is said by /mydata and before a question is sent."""
    return "\n\n".join(
        (
            _(
                "<b>ODAK centre, Enbekshikazakh district.</b> Answers for farmers, job seekers "
                "and entrepreneurs, and a specialist when you need one."
            ),
            _("<b>Who are you?</b>"),
        )
    )


def audience_question(_: Gettext) -> str:
    return _("<b>Who are you?</b> Choose what fits you best.")


def audience_keyboard(_: Gettext) -> InlineKeyboardMarkup:
    buttons = [
        button(label(AUDIENCE_LABELS, key, _), ChooseAudience(key)) for key in AUDIENCE_LABELS
    ]
    return InlineKeyboardMarkup([[b] for b in buttons])


def value_chain_question(_: Gettext) -> str:
    return _("<b>What do you grow or produce?</b>")


def value_chain_keyboard(_: Gettext) -> InlineKeyboardMarkup:
    buttons = [
        button(label(VALUE_CHAIN_LABELS, key, _), ChooseChain(key)) for key in VALUE_CHAIN_LABELS
    ]
    return InlineKeyboardMarkup(rows(buttons))


def need_label(found: needs.Need, _: Gettext) -> str:
    return f"{found.icon} {_(found.label)}"


def who_line(profile: Profile | None, _: Gettext) -> str:
    """Say in one line whom the menus are chosen for."""
    if profile is None or profile.audience not in AUDIENCE_LABELS:
        return ""
    who = label(AUDIENCE_LABELS, profile.audience, _)
    if profile.audience == "farmer" and profile.value_chain in VALUE_CHAIN_LABELS:
        who += " · " + label(VALUE_CHAIN_LABELS, profile.value_chain, _)
    return who


def main_menu(profile: Profile | None, _: Gettext) -> tuple[str, InlineKeyboardMarkup]:
    """The main menu: what people come with, the news, and who or which language."""
    who = who_line(profile, _)
    text = "🏠 <b>" + _("Main menu") + "</b>\n"
    if who:
        text += _("For: {who}").format(who=who) + "\n"
    text += "\n" + _("What do you need? Choose, or type your question in your own words.")
    audience = profile.audience if profile and profile.audience else None
    chain = (profile.value_chain or "-") if profile else "-"
    keyboard: list[list[Button]] = []
    if audience is not None:
        keyboard.extend(
            [button(need_label(found, _), NeedPage(audience, found.id, chain))]
            for found in needs.needs_for(audience)
        )
    keyboard.append([button("📨 " + _("My questions"), MyCases())])
    keyboard.append([button("🔔 " + _("News"), News())])
    keyboard.append([button("📞 " + _("Contacts"), Contacts())])
    keyboard.extend(
        rows(
            [
                button("👤 " + _("Change who I am"), AudienceMenu()),
                button("🌐 " + _("Language"), LanguageMenu()),
            ]
        )
    )
    return text, InlineKeyboardMarkup(keyboard)


def need_entries(
    kb: KnowledgeBase, press: NeedPage
) -> tuple[needs.Need | None, tuple[Entry, ...], tuple[Entry, ...]]:
    """The need of a button, its entries (of the facet, if one is chosen) and all its entries."""
    found = needs.need(press.audience, press.need)
    if found is None:
        return None, (), ()
    chain = None if press.chain == "-" else press.chain
    every = needs.entries(kb, found, press.audience, chain)
    shown = every if press.facet is None else tuple(e for e in every if e.topic == press.facet)
    return found, shown, every


def need_list(
    found: needs.Need, shown: Sequence[Entry], every: Sequence[Entry], press: NeedPage,
    _: Gettext, lang: str,
) -> tuple[str, InlineKeyboardMarkup]:  # fmt: skip
    """One page of a need's entries; a long list offers its kinds of information as facets."""
    title = need_label(found, _)
    if press.facet is not None:
        title += " · " + label(FACET_LABELS, press.facet, _)
    if not shown:
        text = f"<b>{esc(title)}</b>\n\n" + _(
            "There is nothing here for you yet. You can type your question, or ask the OSS."
        )
        return text, InlineKeyboardMarkup(
            [[button("🙋 " + _("Ask the OSS"), Ask(None))], [home_button(_)]]
        )
    pages = max(1, -(-len(shown) // PAGE_SIZE))
    page = min(max(press.page, 0), pages - 1)
    text = f"<b>{esc(title)}</b>\n" + _("Choose what you need:")
    if pages > 1:
        text += "\n" + _("Page {page} of {pages}").format(page=page + 1, pages=pages)
    keyboard = [
        [button(e.title.get(lang), EntryCard(e.id))]
        for e in shown[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    ]
    at = dataclasses.replace
    paging = []
    if page > 0:
        paging.append(button("◀️ " + _("Back"), at(press, page=page - 1)))
    if page < pages - 1:
        paging.append(button(_("More") + " ▶️", at(press, page=page + 1)))
    keyboard.extend(rows(paging))
    kinds = [key for key in FACET_LABELS if any(e.topic == key for e in every)]
    if press.facet is None and len(every) > PAGE_SIZE and len(kinds) > 1:
        facets = [
            button(label(FACET_LABELS, key, _), at(press, page=0, facet=key)) for key in kinds
        ]
        keyboard.extend(rows(facets))
    elif press.facet is not None:
        keyboard.append([button("⬅️ " + _("All of them"), at(press, page=0, facet=None))])
    keyboard.append([home_button(_)])
    return text, InlineKeyboardMarkup(keyboard)


def entries_for(kb: KnowledgeBase, topic: str, audience: str, chain: str) -> tuple[Entry, ...]:
    """Choose the entries of one topic for an audience; a farmer's chain first, then general."""
    if audience == "farmer" and chain != "-":
        return kb.entries_for(audience=audience, value_chain=chain, topic=topic)
    found = kb.entries_for(audience=audience, topic=topic)
    if audience == "farmer":
        return tuple(e for e in found if not e.value_chains)
    return found


def entry_list(
    entries: Sequence[Entry], topic: str, audience: str, chain: str, page: int, _: Gettext,
    lang: str,
) -> tuple[str, InlineKeyboardMarkup]:  # fmt: skip
    """One page of entry titles as buttons, with paging, back and home."""
    title = label(TOPIC_LABELS, topic, _)
    pages = max(1, -(-len(entries) // PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    shown = entries[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    if not entries:
        text = f"<b>{title}</b>\n\n" + _(
            "There is nothing here for you yet. You can type your question, or ask the OSS."
        )
        keyboard = [
            [button("🙋 " + _("Ask the OSS"), Ask(None))],
            [home_button(_)],
        ]
        return text, InlineKeyboardMarkup(keyboard)
    text = f"<b>{title}</b>\n" + _("Choose what you need:")
    if pages > 1:
        text += "\n" + _("Page {page} of {pages}").format(page=page + 1, pages=pages)
    keyboard = [[button(e.title.get(lang), EntryCard(e.id))] for e in shown]
    paging = []
    if page > 0:
        paging.append(button("◀️ " + _("Back"), TopicPage(topic, audience, chain, page - 1)))
    if page < pages - 1:
        paging.append(button(_("More") + " ▶️", TopicPage(topic, audience, chain, page + 1)))
    if paging:
        keyboard.append(paging)
    keyboard.append([home_button(_)])
    return text, InlineKeyboardMarkup(keyboard)


def reviewed_line(day: date, lang: str, _: Gettext) -> str:
    """Say when the entry was last checked, in the person's language."""
    return "🗓 " + _("Checked on {date}").format(date=format_date(day, "long", locale=lang))


def share_url(bot_username: str, entry: Entry, lang: str) -> str:
    """Return a link that opens Telegram's share dialog with a deep link to the entry."""
    deep_link = f"https://t.me/{bot_username}?start=e-{entry.id}"
    return (
        f"https://t.me/share/url?url={quote(deep_link, safe='')}"
        f"&text={quote(entry.title.get(lang), safe='')}"
    )


def card(
    entry: Entry, lang: str, _: Gettext, *, back: Callback, bot_username: str
) -> tuple[str, InlineKeyboardMarkup]:
    """The answer card: the short answer, when it was checked, and what to do next."""
    text = (
        f"<b>{esc(entry.title.get(lang))}</b>\n\n{esc(entry.summary.get(lang))}\n\n"
        + reviewed_line(entry.reviewed, lang, _)
    )
    buttons = []
    if entry.details or entry.eligibility or entry.fees or entry.duration or entry.legal_basis:
        buttons.append(button("📖 " + _("Details"), EntrySection(entry.id, "more")))
    if entry.steps:
        buttons.append(button("🪜 " + _("Steps"), EntrySection(entry.id, "steps")))
    if entry.documents:
        buttons.append(button("📄 " + _("Documents"), EntrySection(entry.id, "docs")))
    buttons.append(button("📍 " + _("Where and whom"), EntrySection(entry.id, "where")))
    keyboard = rows(buttons)
    keyboard.append([button("🙋 " + _("Ask a specialist"), Ask(entry.id))])
    keyboard.append(
        [
            Button("📤 " + _("Share"), url=share_url(bot_username, entry, lang)),
            button("⬅️ " + _("Back"), back),
        ]
    )
    keyboard.append([home_button(_)])
    return text, InlineKeyboardMarkup(keyboard)


def section_pages(
    entry: Entry, section: str, kb: KnowledgeBase, lang: str, _: Gettext
) -> list[str]:
    """Return the text of one part of an entry, cut into pages that fit a phone screen."""
    title = f"<b>{esc(entry.title.get(lang))}</b>"
    parts: list[str] = []
    if section == "more":
        if entry.details:
            parts.append(esc(entry.details.get(lang)))
        if entry.eligibility:
            parts.append(heading("👥", _("Who can apply"), esc(entry.eligibility.get(lang))))
        if entry.fees:
            parts.append(heading("💳", _("Cost"), esc(entry.fees.get(lang))))
        if entry.duration:
            parts.append(heading("⏱", _("How long it takes"), esc(entry.duration.get(lang))))
        if entry.legal_basis:
            laws = "\n".join(f"• {esc(law.get(lang))}" for law in entry.legal_basis)
            parts.append(heading("⚖️", _("Legal basis"), laws))
    elif section == "steps" and entry.steps:
        parts.append("🪜 <b>" + _("Steps") + "</b>")
        parts.extend(f"{n}. {esc(step)}" for n, step in enumerate(entry.steps.get(lang), 1))
    elif section == "docs" and entry.documents:
        parts.append("📄 <b>" + _("Documents you need") + "</b>")
        parts.extend(f"• {esc(doc)}" for doc in entry.documents.get(lang))
    if not parts:
        parts.append(_("There is nothing more about this yet."))
    return paginate(title, parts)


def paginate(title: str, parts: Sequence[str], limit: int = SCREEN_CHARS) -> list[str]:
    """Group paragraphs into pages of at most `limit` characters, each under the title."""
    pages: list[str] = []
    current: list[str] = []
    for part in _split_long(parts, limit - len(title) - 4):
        candidate = "\n\n".join([title, *current, part])
        if current and len(candidate) > limit:
            pages.append("\n\n".join([title, *current]))
            current = []
        current.append(part)
    pages.append("\n\n".join([title, *current]))
    return pages


def _split_long(parts: Sequence[str], limit: int) -> list[str]:
    pieces: list[str] = []
    for part in parts:
        while len(part) > limit:
            cut = part.rfind(" ", 0, limit)
            cut = cut if cut > limit // 2 else limit
            pieces.append(part[:cut].rstrip())
            part = part[cut:].lstrip()
        pieces.append(part)
    return pieces


def section_keyboard(
    entry: Entry, section: Section, page: int, pages: int, lang: str, _: Gettext,
    extra: Sequence[Button] = (),
) -> InlineKeyboardMarkup:  # fmt: skip
    """The buttons under a part of an entry; `extra` (map pins) one per row first."""
    keyboard: list[list[Button]] = [[b] for b in extra]
    if page < pages - 1:
        keyboard.append([button(_("More") + " ▶️", EntrySection(entry.id, section, page + 1))])
    if section == "more":
        keyboard.extend(
            [[Button(f"🔗 {link.title.get(lang)}", url=link.url)] for link in entry.links[:3]]
        )
    keyboard.append([button("🙋 " + _("Ask a specialist"), Ask(entry.id))])
    keyboard.append([button("⬅️ " + _("Back"), EntryCard(entry.id)), home_button(_)])
    return InlineKeyboardMarkup(keyboard)


def small_talk(kinds: Sequence[Kind], _: Gettext) -> tuple[str, InlineKeyboardMarkup | None]:
    """Answer small talk kindly; a person who asks for a person is offered a specialist.

    Without a keyboard, the main menu follows the answer."""
    if Kind.PERSON in kinds:
        text = "🙋 " + _(
            "Of course. A specialist of the OSS will read your question and answer you here. "
            "Press the button and write what you need."
        )
        keyboard = [[button("🙋 " + _("Ask a specialist"), Ask(None))], [home_button(_)]]
        return text, InlineKeyboardMarkup(keyboard)
    lines = []
    if Kind.GREETING in kinds:
        lines.append("👋 " + _("Hello!"))
    if Kind.THANKS in kinds:
        lines.append("🙏 " + _("You are welcome! I am glad to help."))
    if Kind.GOODBYE in kinds:
        lines.append(_("Goodbye! Write any time you need help."))
    if Kind.WHO in kinds:
        lines.append("🤖 " + _("I am the OSS bot, not a person: I answer from the OSS's guides."))
    if Kind.GOODBYE not in kinds or Kind.WHO in kinds or Kind.GREETING in kinds:
        lines.append(
            _(
                "I help farmers, job seekers, entrepreneurs and families of the district: "
                "subsidies, jobs, starting a business, benefits. When my answer is not enough, "
                "I pass your question to a specialist."
            )
        )
        lines.append(
            _("Write your question in your own words, for example: “{example}”").format(
                example=_("How do I get a subsidy for my orchard?")
            )
        )
    return "\n\n".join(lines), None


def search_results(
    entries: Sequence[Entry], lang: str, _: Gettext, *, unsure: bool = False
) -> tuple[str, InlineKeyboardMarkup]:
    """Offer the best entries found for a typed question, or say honestly that none fits.

    When `unsure`, no entry is clearly the answer: the close ones are offered as a question."""
    if not entries:
        text = _(
            "I did not find an answer to this. Try other words, choose a topic in the menu, "
            "or ask the OSS."
        )
        keyboard = [
            [button("🙋 " + _("Ask the OSS"), Ask(None))],
            [home_button(_)],
        ]
        return text, InlineKeyboardMarkup(keyboard)
    if unsure and len(entries) > 1:
        text = "🤔 " + _("I am not sure what you mean. Is it one of these?")
        none = _("None of these: ask a specialist")
    else:
        text = _("Here is what I found. Choose one:")
        none = _("None of these: ask the OSS")
    keyboard = [[button(e.title.get(lang), EntryCard(e.id, from_search=True))] for e in entries]
    keyboard.append([button("🙋 " + none, Ask(None))])
    keyboard.append([home_button(_)])
    return text, InlineKeyboardMarkup(keyboard)


def esc(text: str) -> str:
    """Escape curated or typed text for Telegram's HTML."""
    return html.escape(text, quote=False)


def stale(lang: str) -> str:
    """The toast for an old or unknown button."""
    return translator(lang).gettext("This button is out of date. Here is the main menu.")


def staff_help(role: str, _: Gettext) -> str:
    """/help for a provider's staff or an OSS manager: their commands and how cases flow."""
    if role == "manager":
        lines = (
            "ℹ️ <b>" + _("Help for the ODAK centre's manager") + "</b>",
            _(
                "New questions arrive here as cards: send each to a provider or answer it "
                "yourself. A provider's answer reaches the person through the bot."
            ),
            _(
                "/cases: all open cases\n/case 42: one case and its messages\n/report: report "
                "for a week or a month\n/gaps: questions the bot could not answer\n/announce: "
                "send news to subscribers\n/invite: invite link for a provider's staff\n/export: "
                "cases as a spreadsheet\n/reload: reload the knowledge base"
            ),
        )
    else:
        lines = (
            "ℹ️ <b>" + _("Help for a provider's staff") + "</b>",
            _(
                "Cases sent to your organisation arrive here as cards. Press “Reply” and write: "
                "the person gets your answer through the bot. Press “Resolved” when it is done."
            ),
            _("/cases: your organisation's open cases\n/case 42: one case and its messages"),
        )
    return "\n\n".join((*lines, _("/menu: main menu\n/language: change language")))
