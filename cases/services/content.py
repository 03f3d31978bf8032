"""An entry's content as a unit types it: text fields cleaned and bounded,
the fields a submission needs, and images checked and re-encoded before
anything is stored."""

from __future__ import annotations

import re
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import URLValidator
from django.utils.translation import gettext as _

from cases import richtext
from cases.exceptions import CaseError
from cases.models import MAX_IMAGES_PER_ENTRY, SUMMARY_MAX_CHARS, Campaign, CaseEntry, EntryImage
from portal.images import ImageRejected, ProcessedImage, process_uploads


_PHONE = re.compile(r"^[0-9+\-\s()（）转]{5,32}$")


def _clean_text(value: str | None, *, field: str, label: str, max_length: int, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        raise CaseError(_("请填写%(label)s。") % {"label": label}, code="required", field=field)
    if len(value) > max_length:
        raise CaseError(
            _("%(label)s不能超过 %(max)d 个字（现在 %(n)d 个）。") % {"label": label, "max": max_length, "n": len(value)},
            code="too_long",
            field=field,
        )
    return value


def clean_content(campaign: Campaign, data: dict) -> dict:
    """Validate and normalise the fields a unit writes; only keys present in
    `data` are checked (partial updates)."""
    clean: dict = {}
    if "track" in data:
        track = data["track"]
        if track is None or track.campaign_id != campaign.pk:
            raise CaseError(_("请选择本届活动的奖项。"), code="bad_track", field="track")
        clean["track"] = track
    if "domain" in data:
        domain = data["domain"]
        if domain is None or domain.campaign_id != campaign.pk:
            raise CaseError(_("请选择本届活动的领域。"), code="bad_domain", field="domain")
        clean["domain"] = domain
    if "title" in data:
        clean["title"] = _clean_text(data["title"], field="title", label=_("标题"), max_length=80, required=True)
    if "summary" in data:
        clean["summary"] = _clean_text(data["summary"], field="summary", label=_("摘要"), max_length=SUMMARY_MAX_CHARS)
    if "story" in data:
        story = data["story"] or ""
        if richtext.has_unsafe_markup(story):
            raise CaseError(
                _("案例全文含有脚本或不安全的代码（如 <script>、onclick、javascript: 链接），请删除后再保存。"),
                code="unsafe_story",
                field="story",
            )
        clean["story"] = richtext.sanitise_story(_clean_text(story, field="story", label=_("案例全文"), max_length=20000))
    if "results" in data:
        clean["results"] = _clean_text(data["results"], field="results", label=_("取得成效"), max_length=2000)
    if "video_url" in data:
        url = (data["video_url"] or "").strip()
        if url:
            try:
                URLValidator(schemes=["http", "https"])(url)
            except ValidationError as exc:
                raise CaseError(
                    _("视频链接必须是以 https:// 开头的完整网址。"), code="bad_video_url", field="video_url"
                ) from exc
        clean["video_url"] = url
    if "contact_name" in data:
        clean["contact_name"] = _clean_text(data["contact_name"], field="contact_name", label=_("联系人"), max_length=40)
    if "contact_phone" in data:
        phone = _clean_text(data["contact_phone"], field="contact_phone", label=_("联系电话"), max_length=32)
        if phone and not _PHONE.match(phone):
            raise CaseError(_("联系电话只能包含数字、空格、+ 和 -。"), code="bad_phone", field="contact_phone")
        clean["contact_phone"] = phone
    return clean


REQUIRED_TO_SUBMIT = [
    ("summary", "摘要"),
    ("story", "案例全文"),
    ("results", "取得成效"),
    ("contact_name", "联系人"),
    ("contact_phone", "联系电话"),
]


def check_complete(values: dict, image_count: int) -> None:
    missing = [(field, label) for field, label in REQUIRED_TO_SUBMIT if not values.get(field)]
    if image_count < 1:
        missing.append(("images", "至少一张图片"))
    if missing:
        raise CaseError(
            _("提交前请补全：%(fields)s。草稿已可保存，补全后再提交。") % {"fields": "、".join(_(label) for _f, label in missing)},
            code="incomplete",
            field=missing[0][0],
        )


def process_images(uploads: Sequence[UploadedFile], already: int) -> list[ProcessedImage]:
    """Check and re-encode every upload before anything is stored."""
    uploads = [upload for upload in uploads if upload]
    if already + len(uploads) > MAX_IMAGES_PER_ENTRY:
        raise CaseError(
            _("每个案例最多 %(max)d 张图片（已有 %(have)d 张，又选了 %(new)d 张）。")
            % {"max": MAX_IMAGES_PER_ENTRY, "have": already, "new": len(uploads)},
            code="too_many_images",
            field="images",
        )
    try:
        return process_uploads(uploads)
    except ImageRejected as exc:
        message = exc.message if exc.number is None else _("第 %(n)d 张图片（%(name)s）：%(message)s") % {
            "n": exc.number, "name": getattr(uploads[exc.number - 1], "name", ""), "message": exc.message}
        raise CaseError(message, code=exc.code, field="images") from exc


def store_images(entry: CaseEntry, processed: list[ProcessedImage]) -> None:
    used = set(entry.images.values_list("position", flat=True))
    free = (position for position in range(MAX_IMAGES_PER_ENTRY) if position not in used)
    for item, position in zip(processed, free):
        EntryImage.objects.create(
            entry=entry, position=position, image=item.image, thumbnail=item.thumbnail, width=item.width, height=item.height
        )
