"""The checks shared by every channel that brings in or writes about an
appeal: required text with its length, phone numbers, coordinates in the
city, catalogue item and area, submission tokens, and a whole report."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.utils.translation import gettext as _

from appeals.models import Area, Item
from portal.exceptions import InvalidError, NotFoundError

MOBILE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}$")
TOKEN = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


@dataclass(frozen=True)
class Report:
    """The validated fields of a report (whichever channel brought it)."""

    item: Item | None
    area: Area
    title: str
    description: str
    address: str
    latitude: Decimal | None
    longitude: Decimal | None
    contact_name: str
    contact_phone: str
    publish_consent: bool


def clean_text(value, *, field: str, label: str, minimum: int, maximum: int) -> str:
    """The stripped text, refused (naming the field) when shorter than `minimum` or longer than `maximum`."""
    text = (value or "").strip()
    if len(text) < minimum:
        raise InvalidError(
            _("请填写%(label)s（至少 %(n)d 个字）。") % {"label": label, "n": minimum}, code="required", field=field
        )
    if len(text) > maximum:
        raise InvalidError(
            _("%(label)s太长了，最多 %(n)d 个字。") % {"label": label, "n": maximum}, code="too_long", field=field
        )
    return text


def normalise_phone(value: str) -> str:
    phone = re.sub(r"[\s()]", "", value or "")
    phone = phone.removeprefix("+86")
    if not (MOBILE.match(phone) or LANDLINE.match(phone)):
        raise InvalidError(
            _("请填写有效的手机号（11位）或固定电话（如 0769-22223333）。"), code="invalid_phone", field="contact_phone"
        )
    return phone


def _coordinate(value, field: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise InvalidError(_("位置坐标格式不正确。"), code="invalid_coordinates", field=field) from None
    if not number.is_finite():
        raise InvalidError(_("位置坐标格式不正确。"), code="invalid_coordinates", field=field)
    return number.quantize(Decimal("0.000001"))


def check_coordinates(latitude, longitude) -> tuple[Decimal | None, Decimal | None]:
    """Both or neither; inside Dongguan's bounding box."""
    lat, lng = _coordinate(latitude, "latitude"), _coordinate(longitude, "longitude")
    if (lat is None) != (lng is None):
        raise InvalidError(_("位置坐标不完整，请重新定位或清除定位。"), code="invalid_coordinates", field="latitude")
    if lat is None:
        return None, None
    south, west, north, east = settings.APPEALS_CITY_BBOX
    if not (Decimal(str(south)) <= lat <= Decimal(str(north)) and Decimal(str(west)) <= lng <= Decimal(str(east))):
        raise InvalidError(
            _("定位不在东莞市范围内。请在现场重新定位，或清除定位只填写地址。"),
            code="outside_city",
            field="latitude",
        )
    return lat, lng


def find_item(item_id) -> Item | None:
    if item_id in (None, ""):
        return None
    try:
        item = Item.objects.select_related("category").filter(pk=int(item_id), active=True).first()
    except (TypeError, ValueError):
        item = None
    if item is None:
        # A well-formed id of nothing is 404, as a path naming nothing answers; anything else is bad input.
        refusal = NotFoundError if _well_formed_id(item_id) else InvalidError
        raise refusal(_("所选的诉求分类不存在或已停用，请重新选择，或选“不确定”。"), code="unknown_item", field="item")
    return item


def find_area(area_id) -> Area:
    try:
        area = Area.objects.filter(pk=int(area_id)).first()
    except (TypeError, ValueError):
        area = None
    if area is None:
        refusal = NotFoundError if _well_formed_id(area_id) else InvalidError
        raise refusal(_("请选择问题所在的镇街。"), code="unknown_area", field="area")
    return area


def _well_formed_id(value) -> bool:
    """An id that could name a row (a whole number): one naming nothing is a 404, anything else a 400."""
    return isinstance(value, int) or (isinstance(value, str) and value.strip().lstrip("-").isdigit())


def validate_report(
    *, item_id, area_id, title, description, address, latitude=None, longitude=None,
    contact_name, contact_phone, publish_consent=False,
) -> Report:
    item = find_item(item_id)
    area = find_area(area_id)
    lat, lng = check_coordinates(latitude, longitude)
    return Report(
        item=item,
        area=area,
        title=clean_text(title, field="title", label=_("标题"), minimum=4, maximum=80),
        description=clean_text(description, field="description", label=_("问题描述"), minimum=10, maximum=2000),
        address=clean_text(address, field="address", label=_("详细地址"), minimum=4, maximum=200),
        latitude=lat,
        longitude=lng,
        contact_name=clean_text(contact_name, field="contact_name", label=_("联系人"), minimum=1, maximum=40),
        contact_phone=normalise_phone(contact_phone),
        publish_consent=bool(publish_consent),
    )


def check_token(idempotency_key: str) -> str:
    key = (idempotency_key or "").strip()
    if not TOKEN.match(key):
        raise InvalidError(
            _("提交令牌无效，请刷新页面后重新提交。"), code="invalid_idempotency_key", field="idempotency_key"
        )
    return key
