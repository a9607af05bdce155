"""Where, when, who: the Contacts screen, offices on an answer's "where" part, and map pins."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from babel.dates import format_date, get_day_names
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest

from bot.knowledge import OSS, Entry, KnowledgeBase, Office, office_status
from bot.knowledge.offices import schedule
from handlers.common import ack, show, stale_button, user_id
from handlers.context import BotContext
from handlers.render import Gettext, esc, heading, home_button, paginate
from handlers.routes import Ask, Contacts, OfficePin, button

log = logging.getLogger(__name__)

Button = InlineKeyboardButton


def clock_time(moment: datetime) -> str:
    """Return "9:00" or "18:30"."""
    return f"{moment.hour}:{moment.minute:02d}"


def status_line(office: Office, kb: KnowledgeBase, now: datetime, lang: str, _: Gettext) -> str:
    """Say whether the office is open now and until when, or when it opens."""
    if office.hours is None:
        return ""
    status = office_status(office.hours, now, kb.offices.closed_dates)
    if status.open:
        if status.closes is None:
            return "🟢 " + _("Open now, around the clock")
        return "🟢 " + _("Open now, closes at {time}").format(time=clock_time(status.closes))
    line = "🔴 "
    if status.holiday:
        line += _("Today is a public holiday.") + " "
    if status.opens is None:
        return line + _("Closed now")
    days = (status.opens.date() - now.date()).days
    at = clock_time(status.opens)
    if days == 0:
        return line + _("Closed now, opens today at {time}").format(time=at)
    if days == 1:
        return line + _("Closed now, opens tomorrow at {time}").format(time=at)
    if days < 7:
        day = str(get_day_names("wide", locale=lang)[status.opens.weekday()])
    else:
        day = format_date(status.opens.date(), "EEEE, d MMMM", locale=lang)
    return line + _("Closed now, opens {day} at {time}").format(day=day, time=at)


def owner_name(kb: KnowledgeBase, owner: str, lang: str, _: Gettext) -> str:
    """Return the name of whoever the office belongs to."""
    provider = kb.provider(owner)
    return provider.name.get(lang) if provider else _("One Stop Shop of Enbekshikazakh district")


def office_title(office: Office, kb: KnowledgeBase, lang: str, _: Gettext) -> str:
    return office.name.get(lang) if office.name else owner_name(kb, office.owner, lang, _)


def office_block(office: Office, kb: KnowledgeBase, now: datetime, lang: str, _: Gettext) -> str:
    """Everything known about one office, a line each; what is not known is said plainly."""
    lines = [f"🏢 <b>{esc(office_title(office, kb, lang, _))}</b>"]
    if office.address:
        lines.append(f"📫 {esc(office.address.get(lang))}")
    else:
        lines.append("📫 " + _("The address is not in the bot yet."))
    if office.hours:
        lines.append(f"🕘 {schedule(office.hours, lang)}")
        lines.append(status_line(office, kb, now, lang, _))
    if office.phones:
        lines.append("☎️ " + ", ".join(office.phones))  # plain +7... text: Telegram links it
    if office.website:
        lines.append(f"🌐 {esc(office.website)}")
    if office.telegram:
        lines.append(f"✈️ Telegram: {office.telegram}")
    return "\n".join(lines)


def pin_buttons(
    offices: Sequence[Office], kb: KnowledgeBase, lang: str, _: Gettext
) -> list[Button]:
    """A "map" button for each office whose place on the map is known."""
    return [
        button(
            "📍 " + _("Map: {name}").format(name=office_title(office, kb, lang, _))[:60],
            OfficePin(office.id),
        )
        for office in offices
        if office.location is not None
    ]


def oss_line(kb: KnowledgeBase, lang: str, _: Gettext) -> str:
    """The OSS's address and phone in one line for the case confirmation; "" when unknown."""
    offices = kb.offices.of(OSS)
    address = next((o.address.get(lang) for o in offices if o.address), None)
    phone = next((o.phones[0] for o in offices if o.phones), None)
    if address and phone:
        return "🏢 " + _("The OSS: {address}, phone {phone}.").format(
            address=esc(address), phone=phone
        )
    if address:
        return "🏢 " + _("The OSS: {address}.").format(address=esc(address))
    if phone:
        return "☎️ " + _("The OSS's phone: {phone}.").format(phone=phone)
    return ""


def contacts_screen(
    kb: KnowledgeBase, owner: str | None, now: datetime, lang: str, _: Gettext
) -> tuple[str, InlineKeyboardMarkup]:
    """The OSS's offices (owner None) or one provider's, with map buttons."""
    keyboard: list[list[Button]] = []
    if owner is None or owner == OSS:
        offices = kb.offices.of(OSS)
        title = "📞 <b>" + _("Contacts of the One Stop Shop") + "</b>"
        if offices:
            text = "\n\n".join([title, *(office_block(o, kb, now, lang, _) for o in offices)])
        else:
            text = "\n\n".join(
                (
                    title,
                    _("The OSS's address and phone number are not in the bot yet."),
                    _(
                        "You can reach the OSS right here: press “Ask a specialist” and write "
                        "your question. The OSS answers you in this chat, and you get a case "
                        "number."
                    ),
                )
            )
        keyboard.extend([b] for b in pin_buttons(offices, kb, lang, _))
        keyboard.append([button("🙋 " + _("Ask a specialist"), Ask(None))])
        others = [p for p in kb.offices.owners() if p != OSS and kb.provider(p) is not None]
        keyboard.extend(
            [button("🏢 " + provider.short_name.get(lang), Contacts(provider.id))]
            for provider in (kb.provider(p) for p in others)
            if provider is not None
        )
    else:
        offices = kb.offices.of(owner)
        title = f"🏢 <b>{esc(owner_name(kb, owner, lang, _))}</b>"
        if offices:
            text = "\n\n".join([title, *(office_block(o, kb, now, lang, _) for o in offices)])
        else:
            text = (
                title
                + "\n\n"
                + _(
                    "This organisation's address is not in the bot yet. "
                    "Ask the OSS: it will tell you."
                )
            )
        keyboard.extend([b] for b in pin_buttons(offices, kb, lang, _))
        keyboard.append([button("⬅️ " + _("Back"), Contacts())])
    keyboard.append([home_button(_)])
    return text, InlineKeyboardMarkup(keyboard)


def local_now(context: BotContext) -> datetime:
    """The time now where the OSS is."""
    return context.svc.clock().astimezone(context.svc.settings.tz)


async def contacts_command(update: Update, context: BotContext) -> None:
    """/contacts: the OSS's addresses, hours and phones."""
    text, keyboard = contacts_screen(context.svc.kb, None, local_now(context), context.lang,
                                     context._)  # fmt: skip
    await show(update, context, text, keyboard)


async def contacts_button(update: Update, context: BotContext, press: Contacts) -> None:
    """The Contacts screen from the main menu, or a provider's offices."""
    await ack(update)
    text, keyboard = contacts_screen(
        context.svc.kb, press.owner, local_now(context), context.lang, context._
    )
    await show(update, context, text, keyboard)


async def send_pin(update: Update, context: BotContext, press: OfficePin) -> None:
    """Send the office's map pin; if Telegram refuses the venue, the place as text and a link."""
    kb = context.svc.kb
    office = kb.offices.get(press.office)
    if office is None or office.location is None:
        await stale_button(update, context)
        return
    await ack(update)
    _ = context._
    title = office_title(office, kb, context.lang, _)
    point = office.location
    address = office.address.get(context.lang) if office.address else ""
    try:
        await context.bot.send_venue(
            user_id(update),
            latitude=point.latitude,
            longitude=point.longitude,
            title=title[:100],
            address=(address or f"{point.latitude:.5f}, {point.longitude:.5f}")[:100],
        )
    except BadRequest as exc:
        log.warning("Venue of office %s refused: %s", office.id, exc.message)
        link = (
            f"https://www.openstreetmap.org/?mlat={point.latitude:.5f}&mlon={point.longitude:.5f}"
            f"#map=17/{point.latitude:.5f}/{point.longitude:.5f}"
        )
        lines = [f"📍 <b>{esc(title)}</b>"]
        if address:
            lines.append(esc(address))
        lines.append(_("On the map: {link}").format(link=esc(link)))
        await context.bot.send_message(user_id(update), "\n".join(lines))


def where_pages(
    entry: Entry, kb: KnowledgeBase, now: datetime, lang: str, _: Gettext
) -> tuple[list[str], list[Button]]:
    """An answer's "where to go" part: the place the entry names, then each provider with its
    offices (or the OSS's when no provider is named), and a map button for each office."""
    parts: list[str] = []
    if entry.where:
        parts.append(heading("📍", _("Where to go"), esc(entry.where.get(lang))))
    shown: list[Office] = []
    for provider_id in entry.providers or (OSS,):
        provider = kb.provider(provider_id)
        offices = kb.offices.of(provider_id)
        shown.extend(offices)
        if offices:
            parts.extend(office_block(o, kb, now, lang, _) for o in offices)
            continue
        if provider is None:
            continue
        lines = [f"🏢 <b>{esc(provider.name.get(lang))}</b>"]
        contacts = provider.contacts
        if contacts.address:
            lines.append(f"📫 {esc(contacts.address.get(lang))}")
        if contacts.hours:
            lines.append(f"🕘 {esc(contacts.hours.get(lang))}")
        if contacts.phone:
            lines.append(f"☎️ {esc(contacts.phone)}")
        if contacts.website:
            lines.append(f"🌐 {esc(contacts.website)}")
        parts.append("\n".join(lines))
    parts.append(
        _("If you are not sure whom to contact, press “Ask a specialist”: the OSS will help.")
    )
    title = f"<b>{esc(entry.title.get(lang))}</b>"
    return paginate(title, parts), pin_buttons(shown, kb, lang, _)
