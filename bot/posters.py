"""Printable posters: an A4 page with a QR code that opens the bot with a source tag.

The deep link `https://t.me/<bot>?start=src-<TAG>` makes the bot record TAG as the person's
source, so the manager's report shows which village, market or office brought whom.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

import qrcode
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from bot.i18n import translator

TAG_RE = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
USERNAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{3,31}$")
A4_INCHES = (8.27, 11.69)
PNG_DPI = 200
FONT = "DejaVu Sans"


class PosterError(ValueError):
    """A tag or bot username that cannot make a working link."""


@dataclass(frozen=True)
class Poster:
    """The files of one poster and the link its QR code opens."""

    link: str
    pdf: Path
    png: Path


def deep_link(username: str, tag: str) -> str:
    """Return the link that opens the bot and records `tag` as where the person came from."""
    if not TAG_RE.match(tag):
        raise PosterError(
            f"the source tag {tag!r} must be 1-40 letters, digits, '_' or '-' (e.g. market_1)"
        )
    username = username.removeprefix("@")
    if not USERNAME_RE.match(username):
        raise PosterError(f"{username!r} is not a Telegram bot username (e.g. enbek_oss_bot)")
    return f"https://t.me/{username}?start=src-{tag}"


def _lines(text: str, width: int) -> str:
    return "\n".join(textwrap.wrap(text, width))


def draw(link: str, lang: str) -> Figure:
    """Lay out the A4 page: who the OSS is, what it does, the QR code and the link."""
    _ = translator(lang).gettext
    figure = Figure(figsize=A4_INCHES)
    FigureCanvasAgg(figure)
    figure.patch.set_facecolor("white")
    figure.text(
        0.5, 0.94, _lines(_("One Stop Shop"), 24), ha="center", va="top", fontsize=34,
        fontweight="bold", family=FONT, color="#1d5a85",
    )  # fmt: skip
    figure.text(
        0.5, 0.875, _lines(_("Enbekshikazakh district"), 40), ha="center", va="top",
        fontsize=22, family=FONT,
    )  # fmt: skip
    about = _(
        "The One Stop Shop (OSS) brings together 12 organisations that help farmers, "
        "job seekers and entrepreneurs: opportunities, rules, where to go and how to apply."
    )
    figure.text(
        0.5, 0.82, _lines(about, 52), ha="center", va="top", fontsize=16, family=FONT,
        linespacing=1.5,
    )  # fmt: skip
    figure.text(
        0.5, 0.69, _lines(_("Ask in Kazakh, Russian or English, in Telegram."), 48),
        ha="center", va="top", fontsize=16, family=FONT, fontweight="bold",
    )  # fmt: skip
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    code.add_data(link)
    code.make(fit=True)
    matrix = [[0.0 if dark else 1.0 for dark in row] for row in code.get_matrix()]
    side = 0.56  # of the page's width
    height = side * A4_INCHES[0] / A4_INCHES[1]
    axes = figure.add_axes(((1 - side) / 2, 0.215, side, height))
    axes.imshow(matrix, cmap="gray", interpolation="nearest", vmin=0, vmax=1)
    axes.set_axis_off()
    figure.text(
        0.5, 0.17, _lines(_("Scan the code with your phone's camera to open the bot."), 50),
        ha="center", va="top", fontsize=18, family=FONT,
    )  # fmt: skip
    figure.text(0.5, 0.09, link, ha="center", va="top", fontsize=13, family=FONT, color="#333")
    return figure


def make_poster(tag: str, lang: str, username: str, out_dir: Path) -> Poster:
    """Write poster-<TAG>-<lang>.pdf and .png (A4) into `out_dir`."""
    link = deep_link(username, tag)
    figure = draw(link, lang)
    out_dir.mkdir(parents=True, exist_ok=True)
    pdf = out_dir / f"poster-{tag}-{lang}.pdf"
    png = out_dir / f"poster-{tag}-{lang}.png"
    figure.savefig(pdf, format="pdf")
    figure.savefig(png, format="png", dpi=PNG_DPI)
    return Poster(link, pdf, png)
