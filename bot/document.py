"""The report as one printable document: an A4 PDF for the alliance's steering committee.

Pages are matplotlib `Figure` objects (no pyplot state, so it can run in a worker thread)
written with `PdfPages`. Type is DejaVu Sans, bundled with matplotlib, which has every Kazakh
letter. Text is wrapped by its measured width, never cut and never run off the page. Charts
print in black and white: bars have hatches and greys of different darkness, lines have
markers and dash patterns. Every page says the period, when the document was made and its
page number. Bars and lines are drawn as pictures (`rasterized`), their labels as text, so the
text can be searched and copied.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache, partial
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D

from bot.i18n import translator
from bot.insight import ProviderName, hours, key_label, number, period_label, status_name
from bot.services.reports import Headline, MonthFigures, Report

PAGE_W, PAGE_H = 8.27, 11.69  # A4, inches
MARGIN = 0.7
TOP, BOTTOM = 0.7, 0.8
WIDTH = PAGE_W - 2 * MARGIN
FONT = "DejaVu Sans"
DPI = 200  # of the pictures of bars and lines
LINE = 1.3  # line height, in font sizes
# Fills that stay apart on a black-and-white printer: darkness and hatch both differ.
FILLS = (
    {"color": "#1f4e79", "hatch": ""},
    {"color": "#f4b183", "hatch": "///"},
    {"color": "#a6a6a6", "hatch": "..."},
)
TREND_STYLES = (("o", "-"), ("s", "--"), ("^", "-."), ("D", ":"))
GAP_ROWS = 15
MAX_BARS = 15  # in a chart of people; beyond, "others"
_SPACES = re.compile(r" +")  # no-break spaces keep "1 686" and "2026 ж." whole
_MEASURE = FigureCanvasAgg(Figure(dpi=72)).get_renderer()  # type: ignore[no-untyped-call]


@lru_cache(maxsize=16)
def _font(size: float, bold: bool) -> FontProperties:
    return FontProperties(family=FONT, size=size, weight="bold" if bold else "normal")


@lru_cache(maxsize=8192)
def text_width(text: str, size: float, bold: bool = False) -> float:
    """Return the width of one line of text in inches."""
    width, _height, _descent = _MEASURE.get_text_width_height_descent(
        text, _font(size, bold), ismath=False
    )
    return float(width) / 72


def wrap(text: str, width: float, size: float, bold: bool = False) -> list[str]:
    """Break text into lines no wider than `width` inches; a word too long is split."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in _SPACES.split(paragraph.strip(" ")):
            if not word:
                continue
            candidate = f"{line} {word}" if line else word
            if text_width(candidate, size, bold) <= width:
                line = candidate
                continue
            if line:
                lines.append(line)
            while text_width(word, size, bold) > width and len(word) > 1:
                cut = len(word)
                while cut > 1 and text_width(word[:cut] + "-", size, bold) > width:
                    cut -= 1
                lines.append(word[:cut] + "-")
                word = word[cut:]
            line = word
        lines.append(line)
    return lines


@dataclass(frozen=True)
class Column:
    """A column of a table: its header, its width in inches and how it is aligned."""

    header: str
    width: float
    align: str = "left"


class Pages:
    """A4 pages filled from the top; a block that does not fit starts the next page."""

    def __init__(self) -> None:
        self.figures: list[Figure] = []
        self.y = 0.0
        self.new_page()

    @property
    def figure(self) -> Figure:
        return self.figures[-1]

    def new_page(self) -> None:
        figure = Figure(figsize=(PAGE_W, PAGE_H))
        figure.patch.set_facecolor("white")
        self.figures.append(figure)
        self.y = TOP

    def need(self, height: float) -> None:
        """Start a new page unless `height` inches still fit on this one."""
        if self.y + height > PAGE_H - BOTTOM and self.y > TOP:
            self.new_page()

    def gap(self, height: float) -> None:
        self.y += height

    def text(
        self,
        text: str,
        size: float = 10,
        *,
        bold: bool = False,
        color: str = "black",
        x: float = MARGIN,
        width: float = WIDTH,
        after: float = 0.08,
    ) -> None:
        lines = wrap(text, width, size, bold)
        height = len(lines) * size * LINE / 72
        self.need(height)
        self.figure.text(
            x / PAGE_W,
            1 - self.y / PAGE_H,
            "\n".join(lines),
            fontsize=size,
            family=FONT,
            fontweight="bold" if bold else "normal",
            color=color,
            va="top",
            linespacing=LINE,
        )
        self.y += height + after

    def heading(self, text: str) -> None:
        self.need(1.2)  # a heading never ends a page
        self.gap(0.12)
        self.text(text, 14, bold=True, after=0.12)

    def axes(self, height: float, *, left: float = 0.0, right: float = 0.0) -> Axes:
        """Return axes `height` inches high across the page, after room for labels."""
        self.need(height)
        axes = self.figure.add_axes(
            (
                (MARGIN + left) / PAGE_W,
                1 - (self.y + height) / PAGE_H,
                (WIDTH - left - right) / PAGE_W,
                height / PAGE_H,
            )
        )
        self.y += height
        return axes

    def rule(self, weight: float = 0.6) -> None:
        self.figure.add_artist(
            Line2D(
                [MARGIN / PAGE_W, (PAGE_W - MARGIN) / PAGE_W],
                [1 - self.y / PAGE_H] * 2,
                color="black",
                linewidth=weight,
            )
        )

    def table(
        self, columns: Sequence[Column], rows: Sequence[Sequence[str]], size: float = 9
    ) -> None:
        """Draw a table, its header repeated on every page it runs onto."""

        def row_lines(cells: Sequence[str], bold: bool) -> list[list[str]]:
            pairs = zip(cells, columns, strict=True)
            return [wrap(cell, column.width - 0.08, size, bold) for cell, column in pairs]

        def draw(cells: list[list[str]], bold: bool) -> None:
            height = max(len(lines) for lines in cells) * size * LINE / 72 + 0.06
            x = MARGIN
            for lines, column in zip(cells, columns, strict=True):
                right = column.align == "right"
                self.figure.text(
                    (x + (column.width - 0.04 if right else 0.02)) / PAGE_W,
                    1 - (self.y + 0.03) / PAGE_H,
                    "\n".join(lines),
                    fontsize=size,
                    family=FONT,
                    fontweight="bold" if bold else "normal",
                    ha="right" if right else "left",
                    va="top",
                    linespacing=LINE,
                )
                x += column.width
            self.y += height

        header = row_lines([c.header for c in columns], True)
        header_height = max(len(lines) for lines in header) * size * LINE / 72 + 0.06

        def start() -> None:
            draw(header, True)
            self.rule(0.8)

        self.need(header_height + 0.3)
        start()
        for row in rows:
            cells = row_lines(row, False)
            height = max(len(lines) for lines in cells) * size * LINE / 72 + 0.06
            if self.y + height > PAGE_H - BOTTOM:
                self.new_page()
                start()
            draw(cells, False)
        self.rule(0.4)
        self.gap(0.15)

    def finish(self, footer: str, page_label: Callable[[int, int], str]) -> bytes:
        """Number the pages, add the footer and return the PDF."""
        buffer = io.BytesIO()
        total = len(self.figures)
        with PdfPages(buffer, metadata={"Creator": "oss-bot"}) as pdf:
            for index, figure in enumerate(self.figures, 1):
                y = BOTTOM / 2 / PAGE_H
                figure.text(MARGIN / PAGE_W, y, footer, fontsize=8, family=FONT, color="#404040")
                figure.text(
                    (PAGE_W - MARGIN) / PAGE_W,
                    y,
                    page_label(index, total),
                    fontsize=8,
                    family=FONT,
                    ha="right",
                    color="#404040",
                )
                pdf.savefig(figure, dpi=DPI)
        return buffer.getvalue()


def _wrapped_label(label: str, width: float, size: float) -> str:
    return "\n".join(wrap(label, width, size)[:3])


def bar_chart(
    pages: Pages,
    title: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    lang: str,
    *,
    unit: Callable[[float], str] | None = None,
    label_width: float = 2.4,
) -> None:
    """Draw horizontal bars, one group per label, one bar per series, values at their ends."""
    size = 8
    rows = len(labels)
    lines = [min(3, len(wrap(label, label_width - 0.1, size))) for label in labels]
    per_row = max(0.14 * len(series) + 0.08, *(n * size * LINE / 72 + 0.04 for n in lines))
    height = max(0.4, rows * per_row + 0.1)
    title_lines = len(wrap(title, WIDTH, 11, True))
    pages.need(title_lines * 11 * LINE / 72 + 0.25 + height + 0.3)  # title and bars together
    pages.text(title, 11, bold=True, after=0.04)
    if len(series) > 1:
        legend = "    ".join(
            f"{['■', '▨', '▒'][i]} {name}" for i, (name, _values) in enumerate(series)
        )
        pages.text(legend, 8, color="#404040", after=0.04)
    axes = pages.axes(height, left=label_width, right=0.2)
    top = max([v or 0 for _name, values in series for v in values] + [0])
    top = top if top > 0 else 1
    bar = min(0.8 / len(series), 0.36)
    for s, (_name, values) in enumerate(series):
        fill = FILLS[s % len(FILLS)]
        offsets = [row + (s - (len(series) - 1) / 2) * bar for row in range(rows)]
        axes.barh(
            offsets,
            [v or 0 for v in values],
            height=bar * 0.92,
            color=fill["color"],
            hatch=fill["hatch"],
            edgecolor="black",
            linewidth=0.5,
            rasterized=True,
        )
        for offset, value in zip(offsets, values, strict=True):
            shown = "—" if value is None else (unit(value) if unit else number(value, lang))
            axes.text(
                (value or 0) + top * 0.01, offset, shown, va="center", fontsize=7, family=FONT
            )
    axes.set_yticks(range(rows))
    axes.set_yticklabels(
        [_wrapped_label(label, label_width - 0.1, size) for label in labels],
        fontsize=size,
        family=FONT,
    )
    axes.set_ylim(rows - 0.5, -0.5)
    axes.set_xlim(0, top * 1.18)
    axes.tick_params(axis="x", labelsize=7, labelfontfamily=FONT)
    axes.tick_params(axis="y", length=0)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.grid(axis="x", color="#d0d0d0", linewidth=0.5)
    axes.set_axisbelow(True)
    pages.gap(0.3)


def trend_chart(
    axes: Axes, title: str, months: Sequence[str], values: Sequence[float | None], style: int
) -> None:
    """Draw one monthly series as a line with markers; a month without a value is a gap."""
    marker, dash = TREND_STYLES[style % len(TREND_STYLES)]
    points = [math.nan if v is None else v for v in values]
    axes.plot(
        range(len(points)),
        points,
        marker=marker,
        linestyle=dash,
        color="#1f4e79",
        markerfacecolor="white",
        markeredgecolor="black",
        linewidth=1.4,
        markersize=4,
        rasterized=True,
    )
    axes.set_title(title, fontsize=9, family=FONT, loc="left", fontweight="bold", wrap=False)
    axes.set_xticks(range(len(months)))
    axes.set_xticklabels(months, fontsize=6, family=FONT)
    axes.tick_params(axis="y", labelsize=7, labelfontfamily=FONT)
    finite = [p for p in points if not math.isnan(p)]
    axes.set_ylim(0, (max(finite) if finite and max(finite) > 0 else 1) * 1.15)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.grid(axis="y", color="#d0d0d0", linewidth=0.5)


def _change(now: float | None, before: float | None, lang: str, *, share: bool = True) -> str:
    if now is None or before is None:
        return "—"
    delta = round(now - before, 1)  # as precise as the figures are shown
    if delta == 0:
        return "="
    arrow = "▲" if delta > 0 else "▼"
    text = f"{arrow} {'+' if delta > 0 else '−'}{number(abs(delta), lang)}"
    if share and before:
        text += f" ({'+' if delta > 0 else '−'}{number(round(abs(delta) / before * 100), lang)}%)"
    return text


def _headline_rows(
    now: Headline, before: Headline | None, lang: str
) -> list[tuple[str, str, str, str]]:
    _ = translator(lang).gettext

    def h(value: float | None) -> str:
        return hours(value, lang)

    def n(value: float | None) -> str:
        return "—" if value is None else number(value, lang)

    figures: list[tuple[str, str, Callable[[Any], str], bool]] = [
        (_("New people"), "people", n, True),
        (_("Cases opened"), "cases", n, True),
        (_("Cases resolved"), "resolved", n, True),
        (_("Median hours to the first answer"), "median_first_answer_hours", h, False),
        (_("Median hours to resolution"), "median_resolution_hours", h, False),
        (_("Went overdue in the period"), "went_overdue", n, True),
        (_("Average rating"), "rating_average", n, False),
        (_("Clients who got the service"), "got_service", n, True),
        (_("Searches that found nothing"), "searches_not_found", n, True),
        (_("Announcement messages delivered"), "announcements_delivered", n, True),
    ]
    rows = []
    for label, field, show, share in figures:
        value = getattr(now, field)
        previous = getattr(before, field) if before else None
        rows.append(
            (
                label,
                show(value),
                show(previous) if before else "—",
                _change(value, previous, lang, share=share),
            )
        )
    return rows


def _month_labels(trends: Sequence[MonthFigures], lang: str) -> list[str]:
    labels = []
    for index, month in enumerate(trends):
        label = format_date(month.month, "LLL", locale=lang)
        if index == 0 or month.month.month == 1:
            label += f"\n{month.month.year}"
        labels.append(label)
    return labels


def report_pdf(
    report: Report,
    lang: str,
    name: ProviderName,
    *,
    providers: Sequence[str],
    previous: Report | None = None,
    trends: Sequence[MonthFigures] = (),
    tz: ZoneInfo | None = None,
) -> bytes:
    """Return the period's report as an A4 PDF in the reader's language.

    `providers` are the ids of every provider of the knowledge base: each gets a bar, with
    no cases too, so that a small provider shows as small rather than absent.
    """
    tr = translator(lang)
    _ = tr.gettext

    def n(value: float) -> str:
        return number(value, lang)

    period = period_label(report.period, lang)
    made: datetime = report.generated_at.astimezone(tz) if tz else report.generated_at
    made_text = format_datetime(made, "d MMMM y, HH:mm", locale=lang)
    pages = Pages()

    # ---- first page: the headline figures and their change --------------------------------
    pages.text(_("One Stop Shop: report for {period}").format(period=period), 20, bold=True)
    pages.text(_("Made on {date}").format(date=made_text), 10, color="#404040", after=0.02)
    if previous is not None:
        pages.text(
            _("Compared with the previous period: {period}").format(
                period=period_label(previous.period, lang)
            ),
            10,
            color="#404040",
        )
    pages.heading(_("Headline figures"))
    pages.table(
        [
            Column(_("Figure"), 3.0),
            Column(_("This period"), 1.2, "right"),
            Column(_("Previous period"), 1.2, "right"),
            Column(_("Change"), 1.47, "right"),
        ],
        _headline_rows(report.headline, previous.headline if previous else None, lang),
        size=10,
    )
    status = ", ".join(
        f"{status_name(key, lang)} {n(count)}" for key, count in report.cases_by_status
    )
    pages.text(
        _("Cases now: {list}").format(list=status or "—")
        + " · "
        + _("Overdue now: {count}").format(count=n(report.overdue_now)),
        9,
    )
    if not report.cases and not report.people:
        pages.text(_("Nobody new came and no case was opened in this period."), 10, bold=True)

    # ---- cases by provider -----------------------------------------------------------------
    pages.new_page()
    pages.heading(_("Cases and providers"))
    figures = {p.provider_id: p for p in report.providers}
    order = [*providers, *(p for p in figures if p and p not in providers)]
    if "" in figures:
        order.append("")
    rows = [figures.get(p) for p in order]
    labels = [name(p or None) for p in order]
    bar_chart(
        pages,
        _("Cases opened, by provider"),
        labels,
        [(_("Cases"), [f.cases if f else 0 for f in rows])],
        lang,
    )
    bar_chart(
        pages,
        _("Median hours to the first answer and to resolution, by provider"),
        labels,
        [
            (_("First answer"), [f.median_first_answer_hours if f else None for f in rows]),
            (_("Resolution"), [f.median_resolution_hours if f else None for f in rows]),
        ],
        lang,
        unit=partial(hours, lang=lang),
    )
    pages.table(
        [
            Column(_("Provider"), 1.9),
            Column(_("Cases"), 0.95, "right"),
            Column(_("Resolved"), 0.9, "right"),
            Column(_("Median hours to the first answer"), 1.05, "right"),
            Column(_("Median hours to resolution"), 1.05, "right"),
            Column(_("Went overdue"), 1.02, "right"),
        ],
        [
            (
                label,
                n(f.cases) if f else "0",
                n(f.resolved) if f else "0",
                hours(f.median_first_answer_hours if f else None, lang),
                hours(f.median_resolution_hours if f else None, lang),
                n(f.went_overdue) if f else "0",
            )
            for label, f in zip(labels, rows, strict=True)
        ],
    )

    # ---- people reached --------------------------------------------------------------------
    pages.heading(_("People reached"))
    for title, kind, counts in (
        (_("New people: who they are"), "audience", report.people_by_audience),
        (_("New people: value chains"), "value_chain", report.people_by_value_chain),
        (_("New people: where they came from"), "source", report.people_by_source),
        (_("New people: languages"), "language", report.people_by_language),
    ):
        if not counts:
            pages.text(f"{title}: —", 10)
            continue
        labels = [key_label(kind, key, lang) for key, _count in counts[: MAX_BARS - 1]]
        values = [count for _key, count in counts[: MAX_BARS - 1]]
        if len(counts) >= MAX_BARS:  # many sources: the rest as one bar, the page stays a page
            labels.append(_("others"))
            values.append(sum(count for _key, count in counts[MAX_BARS - 1 :]))
        bar_chart(pages, title, labels, [(_("New people"), values)], lang, label_width=2.0)

    # ---- value chains and sources ----------------------------------------------------------
    pages.need(2.6)  # the heading, a title, the table's header and its first rows together
    pages.heading(_("Value chains and sources"))
    for title, kind, groups in (
        (_("By value chain"), "value_chain", report.by_value_chain),
        (_("By source"), "source", report.by_source),
    ):
        pages.need(1.8)
        pages.text(title, 11, bold=True, after=0.04)
        pages.table(
            [
                Column(_("Value chain") if kind == "value_chain" else _("Source"), 1.3),
                Column(_("New people"), 0.85, "right"),
                Column(_("Cases"), 0.95, "right"),
                Column(_("Resolved"), 0.9, "right"),
                Column(_("Median hours to the first answer"), 1.05, "right"),
                Column(_("Average rating"), 0.9, "right"),
                Column(_("Got the service"), 0.92, "right"),
            ],
            [
                (
                    key_label(kind, g.key, lang),
                    n(g.people),
                    n(g.cases),
                    n(g.resolved),
                    hours(g.median_first_answer_hours, lang),
                    "—" if g.rating_average is None else n(g.rating_average),
                    n(g.got_service),
                )
                for g in groups
            ]
            or [("—", "0", "0", "0", "—", "—", "0")],
        )
    if report.by_value_chain:
        bar_chart(
            pages,
            _("Cases opened, by value chain"),
            [key_label("value_chain", g.key, lang) for g in report.by_value_chain],
            [(_("Cases"), [g.cases for g in report.by_value_chain])],
            lang,
            label_width=2.0,
        )

    # ---- ratings and follow-up -------------------------------------------------------------
    pages.heading(_("Ratings and follow-up"))
    bar_chart(
        pages,
        _("Ratings from clients"),
        [f"{stars} ★" for stars, _count in reversed(report.ratings)],
        [(_("Ratings"), [count for _stars, count in reversed(report.ratings)])],
        lang,
        label_width=1.0,
    )
    outcome = dict(report.outcomes)
    bar_chart(
        pages,
        _("Did the clients get the service? (asked {count})").format(
            count=n(report.followups_asked)
        ),
        [_("Got the service"), _("Did not get it"), _("Still waiting for it")],
        [(_("Clients"), [outcome.get(k, 0) for k in ("yes", "no", "waiting")])],
        lang,
        label_width=2.0,
    )

    # ---- trends ----------------------------------------------------------------------------
    if trends:
        pages.new_page()
        pages.heading(
            tr.ngettext("The last {count} month", "The last {count} months", len(trends)).format(
                count=n(len(trends))
            )
        )
        months = _month_labels(trends, lang)
        series: tuple[tuple[str, list[float | None]], ...] = (
            (_("Cases opened"), [m.opened for m in trends]),
            (_("Cases resolved"), [m.resolved for m in trends]),
            (_("Median hours to the first answer"), [m.median_first_answer_hours for m in trends]),
            (_("New people"), [m.new_people for m in trends]),
        )
        for style, (title, points) in enumerate(series):
            pages.gap(0.25)
            trend_chart(pages.axes(1.75, left=0.45), title, months, points, style)
            pages.gap(0.35)

    # ---- gaps and announcements ------------------------------------------------------------
    pages.new_page()
    pages.heading(_("What people asked and did not find"))
    gaps = report.gaps
    pages.text(
        tr.ngettext(
            "{count} search found nothing", "{count} searches found nothing", gaps.searches_total
        ).format(count=n(gaps.searches_total))
        + "; "
        + _("cases without an entry: {count}").format(count=n(gaps.cases_total)),
        10,
    )
    if gaps.searches:
        pages.table(
            [
                Column(_("Words people typed (numbers and names masked)"), 5.1),
                Column(_("Times"), 0.8, "right"),
                Column(_("Language"), 0.97),
            ],
            [(gap.text, n(gap.count), " ".join(gap.languages)) for gap in gaps.searches[:GAP_ROWS]],
        )
    pages.heading(_("Announcements"))
    a = report.announcements
    pages.text(
        _(
            "Announcements sent: {count}; messages delivered {delivered} of {recipients}; "
            "blocked the bot {blocked}; failed {failed}; not yet known {waiting}"
        ).format(
            count=n(a.announcements),
            delivered=n(a.delivered),
            recipients=n(a.recipients),
            blocked=n(a.blocked),
            failed=n(a.failed),
            waiting=n(a.waiting),
        ),
        10,
    )
    subscribers = [(k, v) for k, v in report.subscribers if v]
    if subscribers:
        pages.text(
            _("News subscribers: {list}").format(
                list=", ".join(f"{key_label('news', k, lang)} {n(v)}" for k, v in subscribers)
            ),
            10,
        )
    footer = _("Report for {period}, made on {date}").format(period=period, date=made_text)

    def page_label(page: int, total: int) -> str:
        return _("Page {page} of {pages}").format(page=page, pages=total)

    return pages.finish(footer, page_label)
