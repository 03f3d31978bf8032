"""Open311 GeoReport v2 intake: a request POSTed by a client holding an API key.

Refusals are the shared kinds (portal.exceptions); appeals/open311.py is the
one place that answers them in the spec's error list, with their status."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from appeals.enums import Channel
from appeals.models import Area, Item, Open311Key, Open311Token
from appeals.services.intake import IntakeResult, create_appeal, resident_by_verified_phone
from appeals.services.validation import validate_report
from portal.exceptions import InvalidError, NotFoundError, PermissionDeniedError, PortalError


@dataclass(frozen=True)
class Posted:
    result: IntakeResult
    token: str


def check_key(api_key: str) -> Open311Key:
    key = Open311Key.objects.select_related("account").filter(key=(api_key or "").strip(), active=True).first()
    if key is None:
        raise PermissionDeniedError(_("api_key is missing or invalid."))
    return key


def post_request(
    *, api_key: str, service_code: str, area_code: str, description: str, lat=None, long=None,
    address_string: str = "", first_name: str = "", last_name: str = "", phone: str = "", email: str = "",
    publish: str = "",
) -> Posted:
    """Creates an appeal (channel Open311) as the key's account; routed like
    any other appeal. The area comes from the service's required attribute.
    `email` is accepted per the spec but not stored: units call back by phone."""
    key = check_key(api_key)
    item = Item.objects.filter(code=service_code, active=True).first()
    if item is None:
        raise NotFoundError(_("service_code %(code)s not found.") % {"code": service_code})
    if not area_code:
        raise InvalidError(_("attribute[area] is required (see the service definition)."))
    area = Area.objects.filter(code=area_code).first()
    if area is None:
        raise InvalidError(_("attribute[area] %(code)s is not a valid area code.") % {"code": area_code})
    has_point = lat not in (None, "") and long not in (None, "")
    if not has_point and not (address_string or "").strip():
        raise InvalidError(_("A location is required: lat and long, or address_string."))
    if not (phone or "").strip():
        raise InvalidError(_("phone is required so that the handling unit can call back."))
    text = (description or "").strip()
    if not 10 <= len(text) <= 2000:
        raise InvalidError(_("description is required: 10 to 2000 characters."))
    name = f"{last_name or ''}{first_name or ''}".strip() or _("Open311 用户")
    try:
        report = validate_report(
            item_id=item.pk, area_id=area.pk, title=text[:30], description=text,
            address=(address_string or "").strip() or f"{lat},{long}",
            latitude=lat if has_point else None, longitude=long if has_point else None,
            contact_name=name[:40], contact_phone=phone, publish_consent=publish in ("yes", "true", "1"),
        )
    except PortalError as exc:
        field = exc.field or "request"
        raise InvalidError(f"{field}: {exc.message}") from exc
    with transaction.atomic():
        result = create_appeal(
            report=report, submitted_by=key.account, resident=resident_by_verified_phone(report.contact_phone),
            key=uuid.uuid4().hex, channel=Channel.OPEN311, event_text=_("Open311 接口：%(client)s") % {"client": key.name},
        )
        token = Open311Token.objects.create(token=secrets.token_urlsafe(16), appeal=result.appeal, key=key)
    return Posted(result=result, token=token.token)
