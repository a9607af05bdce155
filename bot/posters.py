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
from bot.knowledge.model import LANGS
from bot.knowledge.offices import OSS, Offices, schedule

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


def parse_langs(value: str) -> tuple[str, ...]:
    """Read "kk", or "kk+ru" for a page in two languages; raise PosterError otherwise."""
    langs = tuple(value.split("+"))
    if not 1 <= len(langs) <= 2 or len(set(langs)) != len(langs) or not set(langs) <= set(LANGS):
        raise PosterError(f"--lang {value!r}: one of kk, ru, en, or two joined by '+' (kk+ru)")
    return langs


def contact_lines(offices: Offices | None, lang: str) -> list[str]:
    """The OSS's address, phone and hours in `lang`, as far as the knowledge base knows them."""
    if offices is None:
        return []
    _ = translator(lang).gettext
    own = offices.of(OSS)
    address = next((o.address.get(lang) for o in own if o.address), None)
    phones = next((o.phones for o in own if o.phones), ())
    hours = next((o.hours for o in own if o.hours), None)
    lines = []
    if address:
        lines.append(_("Address: {address}").format(address=address))
    if phones:
        lines.append(_("Phone: {phone}").format(phone=", ".join(phones[:2])))
    if hours:
        lines.append(_("Open: {hours}").format(hours=schedule(hours, lang)))
    return lines


def _texts(lang: str) -> dict[str, str]:
    """The poster's own texts in `lang`."""
    _ = translator(lang).gettext
    return {
        "title": _("One Stop Shop"),
        "district": _("Enbekshikazakh district"),
        "about": _(
            "The One Stop Shop (OSS) brings together 12 organisations that help farmers, "
            "job seekers and entrepreneurs: opportunities, rules, where to go and how to apply."
        ),
        "call": _("Ask in Kazakh, Russian or English, in Telegram."),
        "scan": _("Scan the code with your phone's camera to open the bot."),
    }


@dataclass(frozen=True)
class _Block:
    text: str
    size: float
    bold: bool = False
    color: str = "black"

    def height(self) -> float:
        """The block's height as a fraction of the page's height."""
        lines = self.text.count("\n") + 1
        return lines * self.size * 1.45 / 72 / A4_INCHES[1]


def draw(link: str, lang: str | tuple[str, ...], offices: Offices | None = None) -> Figure:
    """Lay out the A4 page: who the OSS is, what it does, the QR code, where and when to find
    it, and the link; in one language or two (each text in both, the first language first)."""
    langs = (lang,) if isinstance(lang, str) else lang
    two = len(langs) > 1
    scale = 0.72 if two else 1.0
    texts = [_texts(code) for code in langs]
    width = int(52 / scale) if two else 52
    top: list[_Block] = []
    for text in texts:
        top.append(_Block(_lines(text["title"], 30), 34 * scale, True, "#1d5a85"))
        top.append(_Block(_lines(text["district"], 48), 22 * scale))
    top += [_Block(_lines(text["about"], width), 16 * scale) for text in texts]
    top += [_Block(_lines(text["call"], width), 16 * scale, True) for text in texts]
    bottom: list[_Block] = []  # from the foot of the page up
    bottom.append(_Block(link, 13, color="#333"))
    bottom += [_Block(_lines(text["scan"], width), 18 * scale) for text in reversed(texts)]
    for code in reversed(langs):
        lines = contact_lines(offices, code)
        if lines:
            contact = "\n".join(_lines(line, int(60 / scale)) for line in lines)
            bottom.append(_Block(contact, 14 * scale, color="#1d5a85"))
    figure = Figure(figsize=A4_INCHES)
    FigureCanvasAgg(figure)
    figure.patch.set_facecolor("white")
    y = 0.96
    for block in top:
        figure.text(
            0.5, y, block.text, ha="center", va="top", fontsize=block.size, family=FONT,
            fontweight="bold" if block.bold else "normal", color=block.color, linespacing=1.3,
        )  # fmt: skip
        y -= block.height() + 0.008
    floor = 0.035
    for block in bottom:
        figure.text(
            0.5, floor, block.text, ha="center", va="bottom", fontsize=block.size, family=FONT,
            color=block.color, linespacing=1.3,
        )  # fmt: skip
        floor += block.height() + 0.012
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    qr.add_data(link)
    qr.make(fit=True)
    matrix = [[0.0 if dark else 1.0 for dark in row] for row in qr.get_matrix()]
    room = y - floor - 0.01  # the height left between the texts, as a fraction of the page
    height = min(room, 0.56 * A4_INCHES[0] / A4_INCHES[1])
    side = height * A4_INCHES[1] / A4_INCHES[0]  # of the page's width
    axes = figure.add_axes(((1 - side) / 2, floor + (room - height) / 2, side, height))
    axes.imshow(matrix, cmap="gray", interpolation="nearest", vmin=0, vmax=1)
    axes.set_axis_off()
    return figure


def make_poster(
    tag: str,
    lang: str | tuple[str, ...],
    username: str,
    out_dir: Path,
    offices: Offices | None = None,
) -> Poster:
    """Write poster-<TAG>-<lang>.pdf and .png (A4) into `out_dir` (<lang> "kk-ru" for two)."""
    link = deep_link(username, tag)
    langs = (lang,) if isinstance(lang, str) else lang
    figure = draw(link, langs, offices)
    out_dir.mkdir(parents=True, exist_ok=True)
    name = "-".join(langs)
    pdf = out_dir / f"poster-{tag}-{name}.pdf"
    png = out_dir / f"poster-{tag}-{name}.png"
    figure.savefig(pdf, format="pdf")
    figure.savefig(png, format="png", dpi=PNG_DPI)
    return Poster(link, pdf, png)
