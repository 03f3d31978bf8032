"""The dispatch centre's queue: appeals waiting to be dispatched, found by
tracking number, the last four digits of the contact phone, words of the
title, description, area or item, and filtered by state, category, area and
how close the dispatch deadline is (issue 21, stumble 8).

Matching by the phone's last four digits never shows the phone: the rows
carry no contact, which stays behind the logged reveal; only staff who may
use the dispatch centre search at all. Partial indexes on the waiting rows
(appeals.models.appeals) keep it fast at a million appeals (make bench
BENCH_ARGS=queue)."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.db.models.functions import Right

from appeals.enums import APPEAL_DISPATCH_STATES
from appeals.models import Appeal, Area, Item
from portal.permissions import require

DUE_SOON = dt.timedelta(minutes=30)
PHONE_LAST_FOUR = re.compile(r"\d{4}")
# A tracking number or a part of one with its digits: DG-2026-000123, 2026-000123, 000123.
TRACKING_PART = re.compile(r"[A-Z]*-?\d{4}-?\d*|\d{5,}")
MAX_WORDS = 5


@dataclass(frozen=True)
class QueueFilters:
    query: str = ""
    state: str = ""
    category_id: int | None = None
    area_id: int | None = None
    due: str = ""  # "", "soon" or "overdue"

    @classmethod
    def of(cls, accepted: dict) -> QueueFilters:
        """From the values QueueSearchForm accepted (the page and the API)."""
        category, area = accepted.get("category"), accepted.get("area")
        return cls(
            query=accepted.get("q") or "", state=accepted.get("state") or "", due=accepted.get("due") or "",
            category_id=category.pk if category is not None else None, area_id=area.pk if area is not None else None,
        )


def _words_match(words: list[str]) -> Q:
    """Every word in the title, the description, the town's or the item's
    name. Towns and items are looked up by id lists (small tables), so each
    part of the OR has its own partial index instead of a join."""
    match = Q()
    for word in words[:MAX_WORDS]:
        match &= (
            Q(title__icontains=word) | Q(description__icontains=word)
            | Q(area_id__in=Area.objects.filter(name__icontains=word).values("pk"))
            | Q(item_id__in=Item.objects.filter(name__icontains=word).values("pk"))
        )
    return match


def _query_match(query: str) -> Q:
    query = unicodedata.normalize("NFKC", query).strip()
    if not query:
        return Q()
    if PHONE_LAST_FOUR.fullmatch(query):
        return Q(phone_last_four=query)
    if TRACKING_PART.fullmatch(query.upper()):
        return Q(tracking_number__icontains=query)
    return _words_match(query.split())


def search_queue(*, actor, filters: QueueFilters, now: dt.datetime) -> QuerySet[Appeal]:
    """Waiting appeals matching `filters`, the earliest dispatch deadline first."""
    require(actor, "appeals.use_dispatch_centre")
    states = [filters.state] if filters.state in APPEAL_DISPATCH_STATES else list(APPEAL_DISPATCH_STATES)
    qs = Appeal.objects.filter(state__in=states)
    if PHONE_LAST_FOUR.fullmatch(filters.query.strip()):
        qs = qs.alias(phone_last_four=Right("contact_phone", 4))
    qs = qs.filter(_query_match(filters.query))
    if filters.category_id:
        qs = qs.filter(item__category_id=filters.category_id)
    if filters.area_id:
        qs = qs.filter(area_id=filters.area_id)
    if filters.due == "overdue":
        qs = qs.filter(dispatch_due_at__lte=now)
    elif filters.due == "soon":
        qs = qs.filter(dispatch_due_at__gt=now, dispatch_due_at__lte=now + DUE_SOON)
    return qs.select_related("item__category", "area").order_by("dispatch_due_at", "pk")
