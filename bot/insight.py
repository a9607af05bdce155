"""The manager's report and knowledge gaps as text, in the reader's language.

Shared by Telegram (HTML) and the command line (`plain` strips the tags). Labels of audiences,
value chains and topics come from `bot.domain`.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

from babel.dates import format_date, format_interval
from babel.numbers import format_decimal

from bot.domain import AUDIENCE_LABELS, NEWS_LABELS, TOPIC_LABELS, VALUE_CHAIN_LABELS
from bot.i18n import translator
from bot.knowledge import KnowledgeBase
from bot.services.gaps import Gaps
from bot.services.period import Period
from bot.services.reports import Counts, Report

LANGUAGE_NAMES = {"kk": "Қазақша", "ru": "Русский", "en": "English"}
TOP = 6
_TAG = re.compile(r"</?[a-z]+>")

ProviderName = Callable[[str | None], str]


def esc(text: str) -> str:
    """Escape text for Telegram's HTML."""
    return html.escape(text, quote=False)


def provider_namer(kb: KnowledgeBase, lang: str) -> ProviderName:
    """Return a function that names a provider briefly, or the OSS for its own queue."""

    def name(provider_id: str | None) -> str:
        provider = kb.provider(provider_id) if provider_id else None
        return provider.short_name.get(lang) if provider else translator(lang).gettext("the OSS")

    return name


def plain(text: str) -> str:
    """Return the text without its HTML tags and entities, for the terminal."""
    return html.unescape(_TAG.sub("", text))


def number(value: float, lang: str) -> str:
    """Format a count or an amount of hours the way the reader writes numbers."""
    return format_decimal(value, format="#,##0.#", locale=lang)


def hours(value: float | None, lang: str) -> str:
    """Format a number of hours, or a dash when there is none."""
    if value is None:
        return "—"
    return translator(lang).gettext("{hours} h").format(hours=number(value, lang))


def period_label(period: Period, lang: str) -> str:
    """Return the period as people say it: 1–30 Nov 2026."""
    if period.first == period.last:
        return format_date(period.first, "medium", locale=lang)
    return format_interval(period.first, period.last, "yMMMd", locale=lang)


def key_label(kind: str, key: str, lang: str) -> str:
    """Name an audience, value chain, topic, news topic, language or source."""
    _ = translator(lang).gettext
    labels = {
        "audience": AUDIENCE_LABELS,
        "value_chain": VALUE_CHAIN_LABELS,
        "topic": TOPIC_LABELS,
        "news": NEWS_LABELS,
    }.get(kind)
    if not key:
        return {
            "audience": _("not chosen"),
            "value_chain": _("other"),
            "topic": _("free question"),
            "source": _("direct"),
            "language": _("not chosen"),
        }.get(kind, "—")
    if labels is not None and key in labels:
        return _(labels[key][1])
    if kind == "language":
        return LANGUAGE_NAMES.get(key, key)
    return key


def counts_line(counts: Counts, kind: str, lang: str, name: ProviderName | None = None) -> str:
    """List the largest groups with their counts: "Farmer 5, Job seeker 3, other 2"."""
    shown = [
        f"{esc(name(key or None) if name else key_label(kind, key, lang))} {number(n, lang)}"
        for key, n in counts[:TOP]
    ]
    rest = sum(n for _, n in counts[TOP:])
    if rest:
        shown.append(translator(lang).gettext("others") + f" {number(rest, lang)}")
    return ", ".join(shown) or "—"


def report_text(report: Report, lang: str, name: ProviderName) -> str:
    """Return the short report summary in HTML, to fit one Telegram message."""
    tr = translator(lang)
    _ = tr.gettext

    def n(value: float) -> str:
        return number(value, lang)

    lines = [
        "📊 <b>" + _("Report: {period}").format(period=period_label(report.period, lang)) + "</b>",
        "",
        "👥 <b>" + _("New people: {count}").format(count=n(report.people)) + "</b>",
    ]
    if report.people:
        lines += [
            "• "
            + _("Who: {list}").format(
                list=counts_line(report.people_by_audience, "audience", lang)
            ),
            "• "
            + _("Value chains: {list}").format(
                list=counts_line(report.people_by_value_chain, "value_chain", lang)
            ),
            "• "
            + _("Languages: {list}").format(
                list=counts_line(report.people_by_language, "language", lang)
            ),
            "• "
            + _("Came from: {list}").format(
                list=counts_line(report.people_by_source, "source", lang)
            ),
        ]
    lines += ["", "📂 <b>" + _("Cases opened: {count}").format(count=n(report.cases)) + "</b>"]
    if report.cases:
        lines += [
            "• "
            + _("Topics: {list}").format(list=counts_line(report.cases_by_topic, "topic", lang)),
            "• "
            + _("Status now: {list}").format(
                list=", ".join(
                    f"{esc(status_name(status, lang))} {n(count)}"
                    for status, count in report.cases_by_status
                )
            ),
            "⏱ "
            + _("Median time to the first answer: {hours}").format(
                hours=hours(report.median_first_answer_hours, lang)
            ),
            "✅ "
            + _("Median time to resolution: {hours}").format(
                hours=hours(report.median_resolution_hours, lang)
            ),
            "",
            "🏢 <b>" + _("By provider") + "</b>",
        ]
        for figures in report.providers[:12]:
            line = f"• {esc(name(figures.provider_id or None))}: " + tr.ngettext(
                "{count} case", "{count} cases", figures.cases
            ).format(count=n(figures.cases))
            line += "; " + _("first answer {hours}").format(
                hours=hours(figures.median_first_answer_hours, lang)
            )
            line += "; " + _("resolution {hours}").format(
                hours=hours(figures.median_resolution_hours, lang)
            )
            if figures.went_overdue:
                line += "; " + _("overdue {count}").format(count=n(figures.went_overdue))
            lines.append(line)
    lines += [
        "",
        "⚠️ "
        + _("Overdue now: {now}; went overdue in the period: {period}").format(
            now=n(report.overdue_now), period=n(report.went_overdue)
        ),
    ]
    rated = sum(count for _stars, count in report.ratings)
    if rated:
        lines.append(
            "⭐ "
            + _("Ratings: {count}, average {average} of 5").format(
                count=n(rated), average=n(report.rating_average or 0)
            )
        )
    if report.followups_asked:
        outcome = dict(report.outcomes)
        lines.append(
            "📬 "
            + _(
                "Follow-up: asked {asked}; got the service {yes}, did not {no}, still waiting "
                "{waiting}"
            ).format(
                asked=n(report.followups_asked),
                yes=n(outcome.get("yes", 0)),
                no=n(outcome.get("no", 0)),
                waiting=n(outcome.get("waiting", 0)),
            )
        )
    subscribers = tuple((k, v) for k, v in report.subscribers if v)
    if subscribers:
        lines.append(
            "🔔 "
            + _("News subscribers: {list}").format(list=counts_line(subscribers, "news", lang))
        )
    gaps = report.gaps
    lines.append(
        "🔎 "
        + _("Searches that found nothing: {count}").format(count=n(gaps.searches_total))
        + "; "
        + _("cases without an entry: {count}").format(count=n(gaps.cases_total))
    )
    return "\n".join(lines)[:4000]


def status_name(status: str, lang: str) -> str:
    """Name a case status briefly."""
    _ = translator(lang).gettext
    names = {
        "new": _("in the OSS queue"),
        "assigned": _("with the provider"),
        "answered": _("answered"),
        "reopened": _("reopened"),
        "resolved": _("resolved"),
        "closed": _("closed"),
    }
    return names.get(status, status)


def gaps_text(gaps: Gaps, lang: str, name: ProviderName, *, limit: int = 15) -> str:
    """Return what people looked for and did not find, most frequent first, in HTML."""
    tr = translator(lang)
    _ = tr.gettext
    lines = [
        "🔎 <b>"
        + _("Knowledge gaps: {period}").format(period=period_label(gaps.period, lang))
        + "</b>",
        "",
        "<b>"
        + tr.ngettext(
            "{count} search found nothing", "{count} searches found nothing", gaps.searches_total
        ).format(count=number(gaps.searches_total, lang))
        + "</b>",
    ]
    for query in gaps.searches[:limit]:
        lines.append(
            f"• {esc(query.text)} — {number(query.count, lang)} ({' '.join(query.languages)})"
        )
    lines += [
        "",
        "<b>"
        + tr.ngettext(
            "{count} case had no matching entry",
            "{count} cases had no matching entry",
            gaps.cases_total,
        ).format(count=number(gaps.cases_total, lang))
        + "</b>",
    ]
    for gap in gaps.cases[:limit]:
        who = key_label("audience", gap.audience or "", lang)
        if gap.value_chain:
            who += " · " + key_label("value_chain", gap.value_chain, lang)
        lines.append(f"• {esc(who)} → {esc(name(gap.provider_id))} — {number(gap.count, lang)}")
    lines += [
        "",
        _(
            "Searches are kept as typed, with numbers and names masked, and without who "
            "searched; variants of one question count together. Cases are counted without "
            "their questions."
        ),
    ]
    return "\n".join(lines)[:4000]
