"""Read side of the resident's privacy: the resident as staff see them
(masked by portal.masking), and the organisers' log of reveals."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet

from appeals.models import Appeal, AppealEvent, ContactView
from portal import timeutils
from portal.masking import mask_name, mask_phone, person_for_staff


@dataclass(frozen=True)
class MaskedContact:
    """The resident on every staff page and API answer: the family name, the
    phone's first three and last four digits, and the location at the level
    the public wall uses (the area, never the exact address)."""

    name: str
    phone: str
    location: str


def masked_contact(appeal: Appeal) -> MaskedContact:
    return MaskedContact(
        name=mask_name(appeal.contact_name), phone=mask_phone(appeal.contact_phone), location=appeal.area.localised_name,
    )


def name_actors(events: list[AppealEvent]) -> list[AppealEvent]:
    """Sets `actor_name` on each event of a staff timeline: staff by name,
    the resident (or any other account) masked."""
    for event in events:
        event.actor_name = person_for_staff(event.actor) if event.actor_id else ""
    return events


def contact_log(
    *, unit_id: int | None = None, tracking_number: str = "", date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> QuerySet[ContactView]:
    """Reveals, newest first, filtered by the viewer's unit, the appeal and
    local days (Asia/Shanghai, both ends included)."""
    rows = ContactView.objects.select_related("appeal", "viewer", "viewer_unit").order_by("-viewed_at", "-pk")
    if unit_id is not None:
        rows = rows.filter(viewer_unit_id=unit_id)
    if tracking_number:
        rows = rows.filter(appeal__tracking_number=tracking_number)
    if date_from is not None:
        rows = rows.filter(viewed_at__gte=timeutils.local_midnight(date_from))
    if date_to is not None:
        rows = rows.filter(viewed_at__lt=timeutils.local_midnight(date_to + dt.timedelta(days=1)))
    return rows
