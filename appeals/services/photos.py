"""Photos of an appeal (随手拍 and results): checked and re-encoded without
EXIF by portal.images, then stored at the next free positions."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _

from appeals.models import Appeal, AppealPhoto
from portal.exceptions import InvalidError
from portal.images import ImageRejected, process_uploads
from portal.models import User


def process_photos(photos, *, field: str = "photos") -> list:
    photos = [p for p in (photos or []) if p]
    if len(photos) > settings.APPEALS_MAX_PHOTOS:
        raise InvalidError(
            _("最多上传 %(n)d 张照片。") % {"n": settings.APPEALS_MAX_PHOTOS}, code="too_many_photos", field=field
        )
    try:
        return process_uploads(photos)
    except ImageRejected as exc:
        message = exc.message if exc.number is None else _("第 %(n)d 张照片：%(message)s") % {
            "n": exc.number, "message": exc.message}
        raise InvalidError(message, code=exc.code, field=field) from exc


def save_photos(*, appeal: Appeal, processed: list, kind: str, user: User) -> None:
    start = appeal.photos.filter(kind=kind).count()
    for offset, picture in enumerate(processed):
        photo = AppealPhoto(appeal=appeal, kind=kind, position=start + offset, uploaded_by=user,
                            width=picture.width, height=picture.height)
        photo.image.save(picture.image.name, picture.image, save=False)
        photo.thumbnail.save(picture.thumbnail.name, picture.thumbnail, save=False)
        photo.save()
