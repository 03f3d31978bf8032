"""Read side of the moderation queue: appeals waiting for a moderator, and the
original text beside its redacted form with the masked spans marked."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import Http404

from appeals.enums import Moderation
from appeals.models import Appeal
from appeals.redaction import segments


def moderation_queue() -> QuerySet[Appeal]:
    """Appeals waiting for review, oldest first (partial index appeals_moderation_queue)."""
    return (
        Appeal.objects.filter(moderation=Moderation.PENDING)
        .select_related("item", "area")
        .only("tracking_number", "public_title", "submitted_at", "state", "item__name", "area__name", "item__name_en", "area__name_en")
        .order_by("submitted_at", "id")
    )


@dataclass(frozen=True)
class Review:
    appeal: Appeal
    title_parts: list[tuple[str, str, str]]
    description_parts: list[tuple[str, str, str]]

    @property
    def masked_count(self) -> int:
        return sum(1 for _, _, kind in self.title_parts + self.description_parts if kind)


def review_of(appeal_id: int) -> Review:
    """What the moderator compares: the original and the automatic redaction, span by span."""
    appeal = Appeal.objects.select_related("item", "area", "moderated_by").filter(pk=appeal_id).first()
    if appeal is None:
        raise Http404
    contact = {"contact_name": appeal.contact_name, "contact_phone": appeal.contact_phone}
    return Review(
        appeal=appeal,
        title_parts=segments(appeal.title, **contact),
        description_parts=segments(appeal.description, **contact),
    )
