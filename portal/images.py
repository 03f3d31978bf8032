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
photos of one request, per request (``process_uploads``). At most
``PORTAL_IMAGE_DECODES_PER_PROCESS`` images are decoded at once in a
process, whatever the number of threads, so a burst of uploads cannot
exhaust a web worker (bench/uploads.py measures it).
"""

from __future__ import annotations

import io
import math
import threading
import uuid
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF", "MPO"}
# JPEG (and MPO, a JPEG with extra frames) can be decoded at 1/2, 1/4 or 1/8 scale.
DRAFT_FORMATS = {"JPEG", "MPO"}
# Pillow's own bomb guard (a warning above it, an error above twice it), as a
# net behind the explicit header check in _probe.
Image.MAX_IMAGE_PIXELS = settings.PORTAL_IMAGE_MAX_PIXELS
# Its warning is not needed: _probe refuses those images explicitly.
warnings.filterwarnings("ignore", category=Image.DecompressionBombWarning)
_decoding = threading.BoundedSemaphore(settings.PORTAL_IMAGE_DECODES_PER_PROCESS)


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
    data: bytes
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
    data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ImageRejected(
            _("图片太大，单张不能超过 %(limit)d MB。") % {"limit": max_bytes // 1_048_576},
            code="image_too_large",
        )
    try:
        with Image.open(io.BytesIO(data)) as probe:
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
    return _Probe(data=data, format=image_format, width=width, height=height, decoded_pixels=decoded)


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
    _max_bytes, _max_side, stored_side, thumb_side = _limits()
    with _decoding:
        try:
            with Image.open(io.BytesIO(probe.data)) as source:
                if probe.format in DRAFT_FORMATS:
                    source.draft("RGB", _draft_size(probe.width, probe.height, stored_side))
                source.load()
                # Shrink first, in place, so that nothing full-size is copied;
                # then apply the camera's orientation before EXIF is dropped.
                source.thumbnail((stored_side, stored_side))
                stored = ImageOps.exif_transpose(source).convert("RGB")
        except (OSError, ValueError, Image.DecompressionBombError) as exc:
            raise ImageRejected(_("图片已损坏，无法读取，请换一张。"), code="broken_image") from exc
    thumb = stored.copy()
    thumb.thumbnail((thumb_side, thumb_side))
    stem = uuid.uuid4().hex
    return ProcessedImage(
        image=ContentFile(_encode(stored), name=f"{stem}.jpg"),
        thumbnail=ContentFile(_encode(thumb), name=f"{stem}_thumb.jpg"),
        width=stored.width,
        height=stored.height,
    )


def _encode(picture: Image.Image) -> bytes:
    buffer = io.BytesIO()
    # A fresh JPEG without exif= carries no metadata from the original.
    picture.save(buffer, format="JPEG", quality=85, optimize=True, progressive=True)
    return buffer.getvalue()
