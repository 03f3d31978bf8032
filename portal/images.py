"""The one image pipeline: every uploaded photo goes through ``process_upload``.

An upload is checked by its content (Pillow must decode it fully, and it must
be JPEG, PNG, WebP or GIF), its size and its pixel dimensions; then it is
re-encoded, which drops EXIF and GPS data, and a thumbnail is made. Nothing
is stored until both files are ready; a bad upload raises ``ImageRejected``
with a message for the person who sent it.

Memory is bounded before anything is decoded, from the headers alone: a
JPEG is decoded at the smallest power-of-two scale that still covers the
stored size (Pillow's draft mode), other formats at full size, and the
pixels that decoding will produce are capped per image and, over all the
photos of one request, per request (``process_uploads``).

All pixel work of a process (decoding, shrinking, encoding) runs on
``PORTAL_IMAGE_DECODES_PER_PROCESS`` threads of its own (one by default),
whatever the number of web threads: glibc gives each thread that allocates
its own malloc arena and keeps what an image freed there for that thread, so
four web threads each decoding in turn held four images' worth of memory
(measured: +390 MB in one process against +110 MB from one thread). The
decoded image is never copied at full size: its colour bands are shrunk one
at a time and the full-size image is closed before they are merged. A burst
of uploads therefore costs a web worker one image's decoding, about 5 bytes
a decoded pixel at most (bench/uploads.py measures it).
"""

from __future__ import annotations

import io
import math
import uuid
import warnings
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF", "MPO"}
# JPEG (and MPO, a JPEG with extra frames) can be decoded at 1/2, 1/4 or 1/8 scale.
DRAFT_FORMATS = {"JPEG", "MPO"}
# Pillow's own bomb guard (a warning above it, an error above twice it), as a
# net behind the explicit header check in _probe.
Image.MAX_IMAGE_PIXELS = settings.PORTAL_IMAGE_MAX_PIXELS
# Its warning is not needed: _probe refuses those images explicitly.
warnings.filterwarnings("ignore", category=Image.DecompressionBombWarning)
# The colour bands of the modes shrunk band by band (others are converted first).
BANDS = {"RGB": "RGB", "RGBA": "RGB", "RGBX": "RGB", "L": "L", "LA": "L"}
# EXIF orientation → the transposition that shows the picture upright (as ImageOps.exif_transpose).
UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_decoder = ThreadPoolExecutor(settings.PORTAL_IMAGE_DECODES_PER_PROCESS, thread_name_prefix="image-decode")


class ImageRejected(ValueError):
    def __init__(self, message: str, code: str, number: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.number = number  # which photo of the request (1-based), when known


@dataclass(frozen=True)
class ProcessedImage:
    image: ContentFile
    thumbnail: ContentFile
    width: int
    height: int


def _limits() -> tuple[int, int, int, int]:
    return (
        settings.PORTAL_IMAGE_MAX_BYTES,
        settings.PORTAL_IMAGE_MAX_SIDE,
        settings.PORTAL_IMAGE_STORED_SIDE,
        settings.PORTAL_IMAGE_THUMB_SIDE,
    )


@dataclass(frozen=True)
class _Probe:
    upload: UploadedFile  # read again to decode: the request holds no copy of its bytes
    format: str
    width: int
    height: int
    decoded_pixels: int  # what decoding will produce (after the JPEG draft scale)


def _draft_size(width: int, height: int, stored_side: int) -> tuple[int, int]:
    """The size to ask Pillow's draft mode for: the image scaled so its long
    side is the stored side (draft then picks the smallest scale covering it)."""
    ratio = min(1.0, stored_side / max(width, height))
    return max(1, math.ceil(width * ratio)), max(1, math.ceil(height * ratio))


def _decoded_pixels(image_format: str, width: int, height: int, stored_side: int) -> int:
    if image_format not in DRAFT_FORMATS:
        return width * height
    want_w, want_h = _draft_size(width, height, stored_side)
    scale = 1
    while scale < 8 and width // (scale * 2) >= want_w and height // (scale * 2) >= want_h:
        scale *= 2
    return math.ceil(width / scale) * math.ceil(height / scale)


def _probe(upload: UploadedFile) -> _Probe:
    """Reads and checks an upload from its bytes and header, decoding nothing."""
    max_bytes, max_side, stored_side, _thumb_side = _limits()
    if upload.size is not None and upload.size > max_bytes:
        raise ImageRejected(
            _("图片太大（%(size).1f MB），单张不能超过 %(limit)d MB。")
            % {"size": upload.size / 1_048_576, "limit": max_bytes // 1_048_576},
            code="image_too_large",
        )
    upload.seek(0, io.SEEK_END)
    if upload.tell() > max_bytes:
        raise ImageRejected(
            _("图片太大，单张不能超过 %(limit)d MB。") % {"limit": max_bytes // 1_048_576},
            code="image_too_large",
        )
    upload.seek(0)
    try:
        with Image.open(upload) as probe:
            image_format = probe.format
            width, height = probe.size
            probe.verify()
    except Image.DecompressionBombError as exc:
        raise ImageRejected(
            _("图片像素过多，单张不能超过 %(limit)d 万像素。") % {"limit": settings.PORTAL_IMAGE_MAX_PIXELS // 10_000},
            code="image_too_big",
        ) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ImageRejected(_("这不是有效的图片文件，请上传 JPG、PNG 或 WebP 格式的照片。"), code="not_an_image") from exc
    if image_format not in ACCEPTED_FORMATS:
        raise ImageRejected(_("不支持的图片格式，请上传 JPG、PNG 或 WebP 格式的照片。"), code="unsupported_format")
    if width > max_side or height > max_side:
        raise ImageRejected(
            _("图片尺寸过大（%(w)d×%(h)d），长边不能超过 %(limit)d 像素。") % {"w": width, "h": height, "limit": max_side},
            code="image_too_big",
        )
    if width * height > settings.PORTAL_IMAGE_MAX_PIXELS:
        raise ImageRejected(
            _("图片像素过多，单张不能超过 %(limit)d 万像素。") % {"limit": settings.PORTAL_IMAGE_MAX_PIXELS // 10_000},
            code="image_too_big",
        )
    decoded = _decoded_pixels(image_format, width, height, stored_side)
    if decoded > settings.PORTAL_IMAGE_MAX_DECODED_PIXELS:
        # A PNG or WebP of this size would need hundreds of MB to decode.
        raise ImageRejected(
            _("图片尺寸过大（%(w)d×%(h)d），PNG、WebP 或 GIF 图片请先缩小到 %(limit)d 万像素以内，或改用 JPG。")
            % {"w": width, "h": height, "limit": settings.PORTAL_IMAGE_MAX_DECODED_PIXELS // 10_000},
            code="image_too_big",
        )
    return _Probe(upload=upload, format=image_format, width=width, height=height, decoded_pixels=decoded)


def process_upload(upload: UploadedFile) -> ProcessedImage:
    return process_uploads([upload])[0]


def process_uploads(uploads: Sequence[UploadedFile]) -> list[ProcessedImage]:
    """Every photo of one request: all are checked from their headers, and the
    pixels they would decode to are held to the request's budget, before any
    is decoded. A refusal names the photo (``ImageRejected.number``)."""
    probes = _each_numbered(_probe, uploads)
    budget = settings.PORTAL_IMAGE_REQUEST_PIXELS
    if sum(probe.decoded_pixels for probe in probes) > budget:
        raise ImageRejected(
            _("这些照片合计太大，请减少张数或缩小后再传（一次合计不超过 %(limit)d 万像素）。") % {"limit": budget // 10_000},
            code="images_too_big",
        )
    return _each_numbered(_decode, probes)


def _each_numbered(step, items: Sequence) -> list:
    """`step` on each item; a refusal names which photo (1-based) it was."""
    done = []
    for number, item in enumerate(items, start=1):
        try:
            done.append(step(item))
        except ImageRejected as exc:
            exc.number = number
            raise
    return done


def _decode(probe: _Probe) -> ProcessedImage:
    """Decodes and re-encodes one probed photo on the process's decoding thread."""
    try:
        stored, thumbnail, size = _decoder.submit(_render, probe).result()
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise ImageRejected(_("图片已损坏，无法读取，请换一张。"), code="broken_image") from exc
    stem = uuid.uuid4().hex
    return ProcessedImage(
        image=ContentFile(stored, name=f"{stem}.jpg"),
        thumbnail=ContentFile(thumbnail, name=f"{stem}_thumb.jpg"),
        width=size[0],
        height=size[1],
    )


def _render(probe: _Probe) -> tuple[bytes, bytes, tuple[int, int]]:
    """The stored JPEG, its thumbnail and its size (runs on the decoding thread)."""
    _max_bytes, _max_side, stored_side, thumb_side = _limits()
    probe.upload.seek(0)
    with Image.open(probe.upload) as source:
        if probe.format in DRAFT_FORMATS:
            source.draft("RGB", _draft_size(probe.width, probe.height, stored_side))
        source.load()
        # The camera's orientation, read before the pixels are shrunk and EXIF is dropped.
        upright = UPRIGHT.get(source.getexif().get(ExifTags.Base.Orientation))
        stored = _shrink(source, stored_side)
    if upright is not None:
        stored = stored.transpose(upright)
    thumb = stored.resize(_fit(stored.size, thumb_side), Image.Resampling.BICUBIC, reducing_gap=2.0)
    return _encode(stored), _encode(thumb), stored.size


def _fit(size: tuple[int, int], side: int) -> tuple[int, int]:
    """`size` scaled down (never up) so that its long side is at most `side`."""
    ratio = min(1.0, side / max(size))
    return max(1, round(size[0] * ratio)), max(1, round(size[1] * ratio))


def _shrink(source: Image.Image, side: int) -> Image.Image:
    """The decoded image as RGB at most `side` on its long side, never copied at
    full size in 4 bytes a pixel: each colour band (1 byte a pixel) is shrunk in
    turn, and the full-size image is closed before the bands are merged. Alpha
    is dropped, as converting to RGB would."""
    if source.mode not in BANDS:
        # Bilevel to grey (1 byte a pixel either way); palette, 16-bit grey and
        # CMYK to RGB, a full-size copy of a PNG at most 5 bytes a pixel in all
        # (a JPEG is already drafted).
        converted = source.convert("L" if source.mode == "1" else "RGB")
        source.close()
        source = converted
    target = _fit(source.size, side)
    mode = BANDS[source.mode]
    bands = []
    for name in mode:
        band = source.getchannel(name)
        bands.append(band.resize(target, Image.Resampling.BICUBIC, reducing_gap=2.0))
        band.close()
    source.close()
    return Image.merge(mode, bands).convert("RGB")


def _encode(picture: Image.Image) -> bytes:
    buffer = io.BytesIO()
    # A fresh JPEG without exif= carries no metadata from the original.
    picture.save(buffer, format="JPEG", quality=85, optimize=True, progressive=True)
    return buffer.getvalue()
