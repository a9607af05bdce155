"""Charts of the manager's report: PNG pictures readable on a phone, one idea each.

Drawn with matplotlib's Agg backend on `Figure` objects (no pyplot state), so they can be
drawn in a worker thread. 1080 pixels wide, large type, DejaVu Sans (bundled with matplotlib,
it covers Kazakh Cyrillic), labels in the reader's language.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from bot.document import wrap
from bot.i18n import translator
from bot.insight import ProviderName, key_label, number, period_label
from bot.services.reports import Report

WIDTH_PX = 1080
DPI = 100
BAR = "#2a7ab0"
FONT = "DejaVu Sans"
MAX_BARS = 13  # the twelve providers and the OSS's own queue


@dataclass(frozen=True)
class Chart:
    """One picture: a file name, a caption and the PNG bytes."""

    name: str
    caption: str
    png: bytes


def _wrap(label: str, width: int) -> str:
    return textwrap.shorten(label, width, placeholder="…") or "—"


def _title_lines(title: str, width_px: float, size: float) -> list[str]:
    """Break a title into lines that fit the picture, by their measured width."""
    return wrap(title, width_px / DPI, size * DPI / 72, bold=True)


def bar_chart(
    title: str,
    labels: Sequence[str],
    values: Sequence[float],
    lang: str,
    *,
    unit: str = "",
    note: str = "",
) -> bytes:
    """Draw one bar per row, its label written above it and its value at its end."""
    rows = len(labels)
    row_in = 1.25
    lines = _title_lines(title, WIDTH_PX * 0.92, 30)
    title_in = 0.55 * len(lines)
    height = 1.65 + title_in + row_in * rows
    figure = Figure(figsize=(WIDTH_PX / DPI, height), dpi=DPI)
    FigureCanvasAgg(figure)
    figure.patch.set_facecolor("white")
    axes = figure.add_axes((0.04, 1.0 / height, 0.92, row_in * rows / height))
    top = max(values) if values and max(values) > 0 else 1
    axes.set_xlim(0, top * 1.22)
    axes.set_ylim(rows - 0.05, -0.05)
    for row, (label, value) in enumerate(zip(labels, values, strict=True)):
        axes.barh(row + 0.62, value, color=BAR, height=0.42, left=0)
        axes.text(0, row + 0.3, _wrap(label, 60), fontsize=24, family=FONT, va="center")
        axes.text(
            value + top * 0.02,
            row + 0.62,
            number(value, lang) + unit,
            va="center",
            fontsize=24,
            family=FONT,
            fontweight="bold",
        )
    axes.set_axis_off()
    figure.text(
        0.04,
        1 - 0.4 / height,
        "\n".join(lines),
        fontsize=30,
        fontweight="bold",
        family=FONT,
        va="top",
        linespacing=1.15,
    )
    if note:
        figure.text(0.04, 0.3 / height, note, fontsize=20, color="#555555", family=FONT)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, facecolor="white")
    return buffer.getvalue()


def report_charts(report: Report, lang: str, name: ProviderName) -> list[Chart]:
    """Draw the report's charts; a chart with nothing to show is left out."""
    _ = translator(lang).gettext
    period = period_label(report.period, lang)
    charts: list[Chart] = []

    def add(
        file: str, title: str, pairs: Sequence[tuple[str, float]], *, counts: bool = True
    ) -> None:
        pairs = [(label, value) for label, value in pairs if value]
        if counts and len(pairs) > MAX_BARS:  # the rest as one visible bar, never dropped
            rest = sum(value for _label, value in pairs[MAX_BARS - 1 :])
            pairs = [*pairs[: MAX_BARS - 1], (_("others"), rest)]
        if pairs:
            png = bar_chart(title, [p[0] for p in pairs], [p[1] for p in pairs], lang, note=period)
            charts.append(Chart(file, f"{title} · {period}", png))

    add(
        "people-by-audience",
        _("New people: who they are"),
        [(key_label("audience", k, lang), v) for k, v in report.people_by_audience],
    )
    add(
        "people-by-source",
        _("New people: where they came from"),
        [(key_label("source", k, lang), v) for k, v in report.people_by_source],
    )
    add(
        "cases-by-provider",
        _("Cases opened, by provider"),
        [(name(k or None), v) for k, v in report.cases_by_provider],
    )
    add(
        "first-answer-by-provider",
        _("Median hours to the first answer"),
        sorted(
            (
                (name(p.provider_id or None), p.median_first_answer_hours)
                for p in report.providers
                if p.median_first_answer_hours is not None
            ),
            key=lambda pair: -pair[1],
        ),
        counts=False,
    )
    add(
        "ratings",
        _("Ratings from clients"),
        [(f"{stars} ★", count) for stars, count in reversed(report.ratings)],
    )
    return charts
