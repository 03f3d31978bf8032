"""Private details: shown to the dispatch centre and the units on the work
order only, and every staff view is logged."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from appeals.exceptions import AppealError
from appeals.models import Appeal, ContactView
from appeals.services.common import require
from portal import selectors as portal_selectors
from portal.models import User


@dataclass(frozen=True)
class ContactDetails:
    name: str
    phone: str
    address: str
    latitude: Decimal | None
    longitude: Decimal | None


@transaction.atomic
def reveal_contact(*, viewer: User, appeal_id: int, via: str = "page") -> ContactDetails:
    """Returns the resident's name, phone and exact location, and logs the view."""
    appeal = Appeal.objects.filter(pk=appeal_id).first()
    if appeal is None:
        raise AppealError(_("诉求不存在。"), code="not_found", status=404)
    require(viewer, "appeals.view_contact", appeal,
            message=_("联系方式和准确位置只对派单中心和承办单位开放。"))
    ContactView.objects.create(
        appeal=appeal, viewer=viewer, viewer_unit=portal_selectors.staff_unit_of(viewer), via=via[:16]
    )
    return ContactDetails(
        name=appeal.contact_name, phone=appeal.contact_phone, address=appeal.address,
        latitude=appeal.latitude, longitude=appeal.longitude,
    )
