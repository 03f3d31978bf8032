"""The one image pipeline: every uploaded photo goes through ``process_upload``.

An upload is checked by its content (Pillow must decode it fully, and it must
be JPEG, PNG, WebP or GIF), its size and its pixel dimensions; then it is
re-encoded, which drops EXIF and GPS data, and a thumbnail is made. Nothing
is stored until both files are ready; a bad upload raises ``ImageRejected``
with a message for the person who sent it.
"""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF", "MPO"}
# Refuse decompression bombs early: Pillow warns at this many pixels.
Image.MAX_IMAGE_PIXELS = 60_000_000


class ImageRejected(ValueError):
    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


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


def process_upload(upload: UploadedFile) -> ProcessedImage:
    max_bytes, max_side, stored_side, thumb_side = _limits()
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
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as exc:
        raise ImageRejected(_("这不是有效的图片文件，请上传 JPG、PNG 或 WebP 格式的照片。"), code="not_an_image") from exc
    if image_format not in ACCEPTED_FORMATS:
        raise ImageRejected(_("不支持的图片格式，请上传 JPG、PNG 或 WebP 格式的照片。"), code="unsupported_format")
    if width > max_side or height > max_side:
        raise ImageRejected(
            _("图片尺寸过大（%(w)d×%(h)d），长边不能超过 %(limit)d 像素。") % {"w": width, "h": height, "limit": max_side},
            code="image_too_big",
        )
    try:
        with Image.open(io.BytesIO(data)) as source:
            source.load()
            # Apply the camera's orientation before the EXIF block is dropped.
            picture = ImageOps.exif_transpose(source).convert("RGB")
    except (OSError, ValueError) as exc:
        raise ImageRejected(_("图片已损坏，无法读取，请换一张。"), code="broken_image") from exc

    stored = picture.copy()
    stored.thumbnail((stored_side, stored_side))
    thumb = picture.copy()
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
