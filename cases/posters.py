"""Share posters: a PNG per case with its title, unit and a QR code to its
page, sized for WeChat Moments (750 × 1334), worded in the request's language
(the CJK font draws Latin letters too)."""

from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from pathlib import Path

import qrcode
from django.conf import settings
from django.db.models.fields.files import FieldFile
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from PIL import Image, ImageDraw, ImageFont

from cases.models import CaseEntry
from cases.selectors import photo_in_storage
from portal import caching

logger = logging.getLogger(__name__)


class CoverState(StrEnum):
    """What became of the case's photo on its poster."""

    DRAWN = "drawn"
    NONE = "none"
    MISSING = "missing"
    UNREADABLE = "unreadable"

WIDTH, HEIGHT = 750, 1334
RED = (164, 22, 26)
INK = (31, 31, 31)
MUTED = (85, 85, 85)
FONT_CANDIDATES = [
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/noto/NotoSansCJK-Regular.ttc",
]


@lru_cache(maxsize=16)
def font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """A CJK font when one is installed; otherwise Pillow's own (which draws
    Latin text only, but the poster is still made and the QR code works)."""
    configured = getattr(settings, "CASES_POSTER_FONT", "")
    for candidate in [configured, *FONT_CANDIDATES]:
        if candidate and Path(candidate).exists():
            return ImageFont.truetype(candidate, size)
    return ImageFont.load_default(size=size)


# A Latin word with the space after it stays whole on a line; any other
# character (Chinese has no spaces) may end one.
_TOKENS = re.compile(r"[0-9A-Za-z\u00c0-\u024f'’&.,:;!?()\-]+ *|.", re.DOTALL)


def wrap(draw: ImageDraw.ImageDraw, text: str, face, max_width: int, max_lines: int) -> list[str]:
    """Break text by width between words, or between characters in Chinese
    and in a word too long for a line; the last line ends in … if text is left."""
    lines: list[str] = []
    current = ""
    tokens = [piece for token in _TOKENS.findall(text)
              for piece in ([token] if draw.textlength(token.rstrip(), font=face) <= max_width else list(token))]
    for token in tokens:
        if draw.textlength((current + token).rstrip(), font=face) > max_width and current:
            lines.append(current.rstrip())
            current = token.lstrip()
            if len(lines) == max_lines:
                break
        else:
            current += token
    else:
        if current.strip():
            lines.append(current.rstrip())
        return lines
    last = lines[-1]
    while last and draw.textlength(last + "…", font=face) > max_width:
        last = last[:-1]
    lines[-1] = last.rstrip() + "…"
    return lines


def fitting_size(draw: ImageDraw.ImageDraw, text: str, sizes: tuple[int, ...], max_width: int) -> int:
    """The largest of the sizes at which the text fits on one line (else the smallest)."""
    return next((size for size in sizes if draw.textlength(text, font=font(size)) <= max_width), sizes[-1])


def qr_image(url: str, size: int) -> Image.Image:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2, box_size=10)
    code.add_data(url)
    code.make(fit=True)
    return code.make_image(fill_color="black", back_color="white").get_image().convert("RGB").resize((size, size))


def cover_photo(entry: CaseEntry) -> FieldFile | None:
    """The entry's first photo, as recorded; whether its file is still in
    storage is only learnt by opening it (one storage call on object
    storage is worth sparing on every poster view)."""
    first = next(iter(entry.images.all()), None)
    return first.image if first is not None else None


def open_cover(photo: FieldFile | None) -> tuple[Image.Image | None, CoverState]:
    """The photo decoded, or None with the reason: a photo whose file went
    missing (a lost volume, a half-restored backup) or is no picture must not
    cost the case its poster."""
    if photo is None:
        return None, CoverState.NONE
    try:
        with photo.open("rb") as handle:
            cover = Image.open(handle)
            cover.load()
    except FileNotFoundError:
        logger.warning("photo file %s is missing; poster drawn without it", photo.name)
        return None, CoverState.MISSING
    except (OSError, Image.DecompressionBombError, ValueError):
        logger.warning("photo file %s cannot be decoded; poster drawn without it", photo.name)
        return None, CoverState.UNREADABLE
    return cover, CoverState.DRAWN


def poster_png(entry: CaseEntry, *, url: str, timeout: float) -> bytes:
    """The entry's poster, cached by what it shows. A poster drawn without its
    missing photo is checked against storage on each view, so the photo
    reappears once its file is back; every other poster costs no storage call."""
    photo = cover_photo(entry)
    # The names (campaign, domain, unit) are edited without touching the entry: a day's cache at most.
    key = f"cases:poster:{get_language()}:{entry.pk}:{entry.updated_at.timestamp()}:{photo.name if photo else ''}:{url}"

    def draw() -> tuple[bytes, str]:
        cover, state = open_cover(photo)
        return render_poster(entry, url=url, cover=cover), state

    def still_true(held: tuple[bytes, str]) -> bool:
        return held[1] != CoverState.MISSING or not photo_in_storage(photo)

    png, _state = caching.remember(key, draw, timeout, accept=still_true)
    return png


@dataclass(frozen=True)
class PosterWords:
    """Every text a poster draws, in the current language."""

    edition: str
    tagline: str
    domain: str
    title: str
    unit: str
    scan: str
    call: str
    footer: str


def poster_words(entry: CaseEntry) -> PosterWords:
    """The poster's words: its own in the current language, the edition's,
    domain's and unit's names in English where kept (else in Chinese); the
    case's title as its unit wrote it."""
    return PosterWords(
        edition=entry.campaign.localised_title,
        tagline=_("我为群众办实事 · 优秀案例"),
        domain=f"#{entry.domain.localised_name}",
        title=entry.title,
        unit=entry.unit.localised_name,
        scan=_("长按识别二维码"),
        call=_("查看案例，为TA点赞"),
        footer=_("民心榜 · 市民点赞榜"),
    )


def render_poster(entry: CaseEntry, *, url: str, cover: Image.Image | None = None) -> bytes:
    words = poster_words(entry)
    canvas = Image.new("RGB", (WIDTH, HEIGHT), (255, 255, 255))
    draw = ImageDraw.Draw(canvas)
    # Header band with the edition's name (smaller type for a longer name, as English ones are).
    draw.rectangle((0, 0, WIDTH, 150), fill=RED)
    size = fitting_size(draw, words.edition, (40, 36, 32, 28), WIDTH - 96)
    draw.text((48, 40), wrap(draw, words.edition, font(size), WIDTH - 96, 1)[0], font=font(size), fill=(255, 255, 255))
    draw.text((48, 98), words.tagline, font=font(26), fill=(255, 235, 235))

    top = 190
    if cover is not None:
        picture = cover.convert("RGB")
        ratio = min((WIDTH - 96) / picture.width, 420 / picture.height)
        picture = picture.resize((max(1, int(picture.width * ratio)), max(1, int(picture.height * ratio))))
        canvas.paste(picture, ((WIDTH - picture.width) // 2, top))
        top += picture.height + 36
    else:
        draw.rectangle((48, top, WIDTH - 48, top + 12), fill=RED)
        top += 48

    domain = wrap(draw, words.domain, font(26), WIDTH - 96 - 28, 1)[0]
    draw.rounded_rectangle((48, top, 48 + draw.textlength(domain, font=font(26)) + 28, top + 44), 10, fill=(253, 236, 236))
    draw.text((62, top + 6), domain, font=font(26), fill=RED)
    top += 70
    for line in wrap(draw, words.title, font(46), WIDTH - 96, 3):
        draw.text((48, top), line, font=font(46), fill=INK)
        top += 62
    top += 10
    for line in wrap(draw, words.unit, font(30), WIDTH - 96, 2):
        draw.text((48, top), line, font=font(30), fill=MUTED)
        top += 42

    qr_size = 260
    qr_top = HEIGHT - qr_size - 120
    canvas.paste(qr_image(url, qr_size), (48, qr_top))
    # Beside the QR code: two lines at most each, English being the longer.
    left, room = 48 + qr_size + 32, WIDTH - 48 - (48 + qr_size + 32)
    line_top = qr_top + 40
    for text, size, colour in ((words.scan, 32, INK), (words.call, 30, RED)):
        for line in wrap(draw, text, font(size), room, 2):
            draw.text((left, line_top), line, font=font(size), fill=colour)
            line_top += size + 12
        line_top += 14
    draw.text((48, HEIGHT - 80), words.footer, font=font(26), fill=MUTED)

    buffer = io.BytesIO()
    canvas.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
