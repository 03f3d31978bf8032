"""The one path from staff to a resident's identity: the logged reveal.

Everywhere else (pages, API, exports, timelines, the admin) staff see the
resident masked by portal.masking; the name, phone and exact location come
only from reveal_contact, which the dispatch centre and the unit handling
the appeal now may use, with a reason, and which writes one log row."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from appeals.models import Appeal, ContactView
from portal import selectors as portal_selectors
from portal.exceptions import InvalidError, NotFoundError
from portal.models import User
from portal.permissions import require

REASON_MAX_LENGTH = 200


@dataclass(frozen=True)
class ContactDetails:
    name: str
    phone: str
    address: str
    latitude: Decimal | None
    longitude: Decimal | None


def require_reveal(viewer: User, appeal: Appeal) -> None:
    """Refuses (403) anyone outside the reveal rule: callers ask before they
    even read the reason, so a refused reveal says nothing else."""
    require(viewer, "appeals.view_contact", appeal,
            message=_("联系方式和准确位置只对派单中心和正在承办的单位开放。"))


@transaction.atomic
def reveal_contact(*, viewer: User, appeal_id: int, reason: str, via: str = "page") -> ContactDetails:
    """Returns the resident's name, phone and exact location to staff of the
    unit handling the appeal now or to the dispatch centre, and logs who,
    when, which appeal and why. Refused (and nothing logged) for anyone
    else, or without a reason."""
    appeal = Appeal.objects.filter(pk=appeal_id).first()
    if appeal is None:
        raise NotFoundError(_("诉求不存在。"))
    require_reveal(viewer, appeal)
    reason = " ".join((reason or "").split())
    if not reason:
        raise InvalidError(_("请说明查看联系方式的原因。"), code="reason_required", field="reason")
    if len(reason) > REASON_MAX_LENGTH:
        raise InvalidError(_("查看原因最多 %(n)s 个字。") % {"n": REASON_MAX_LENGTH}, code="reason_too_long",
                          field="reason")
    ContactView.objects.create(
        appeal=appeal, viewer=viewer, viewer_unit=portal_selectors.staff_unit_of(viewer), via=via[:16], reason=reason,
    )
    return ContactDetails(
        name=appeal.contact_name, phone=appeal.contact_phone, address=appeal.address,
        latitude=appeal.latitude, longitude=appeal.longitude,
    )
