"""Read side of appeals: routing, the catalogue, inboxes, queues, timelines."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from django.db.models import BooleanField, Case, CharField, Count, Prefetch, Q, QuerySet, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Concat
from django.http import Http404

from appeals.catalogue_terms import is_pinyin_query, normalise
from appeals.enums import (
    PART_OPEN_STATES,
    ClueState,
    ExtensionState,
    InboxBucket,
    PartState,
)
from appeals.models import (
    Appeal,
    AppealEvent,
    AppealPhoto,
    Area,
    Category,
    Escalation,
    ExtensionRequest,
    Item,
    OnlineClue,
    Responsibility,
    WorkOrder,
)
from appeals.models.work import OPEN_FOR_UNIT
from portal.models import Unit
from portal.permissions import require


@dataclass(frozen=True)
class Route:
    """A routing suggestion from the responsibility list."""

    primary_unit: Unit
    co_units: list[Unit] = field(default_factory=list)
    area_specific: bool = True
    auto_dispatch: bool = True

    @property
    def unambiguous(self) -> bool:
        return self.auto_dispatch


def suggest_route(*, item: Item | None, area: Area | None) -> Route | None:
    """Item + area → unit: the row for the appeal's own area wins over the
    city-wide row (area left empty); no item or no row means the dispatch
    centre decides."""
    if item is None:
        return None
    rows = list(
        Responsibility.objects.filter(Q(area=area) | Q(area__isnull=True), item=item)
        .select_related("primary_unit")
        .prefetch_related(Prefetch("co_units", queryset=Unit.objects.order_by("name")))
    )
    if not rows:
        return None
    row = next((r for r in rows if r.area_id is not None), rows[0])
    return Route(
        primary_unit=row.primary_unit,
        co_units=list(row.co_units.all()),
        area_specific=row.area_id is not None,
        auto_dispatch=row.auto_dispatch,
    )


def catalogue() -> list[Category]:
    items = Prefetch("items", queryset=Item.objects.filter(active=True).order_by("code"))
    return list(Category.objects.prefetch_related(items).order_by("position", "code"))


# A term of the item (its name or a synonym, two characters or more) that the
# resident's words contain: "路灯坏了好几天" names the synonym 路灯.
_TERM_IN_QUERY = (
    "EXISTS (SELECT 1 FROM regexp_split_to_table(appeals_item.name || ' ' || lower(appeals_item.keywords), "
    "'[[:space:],，、;；|/／]+') AS t(term) WHERE char_length(t.term) >= 2 AND strpos(%s, t.term) > 0)"
)


def search_items(query: str, *, limit: int = 30) -> list[Item]:
    """Active items for what a resident typed: the item's name, its synonyms
    and common words (Item.keywords), its category, a term the words contain,
    or the pinyin of any of these (initials "ld" or full "ludeng"), or words
    of its English name. Best matches first: the name, then a synonym, then
    the rest."""
    query = normalise(query)
    qs = Item.objects.filter(active=True).select_related("category")
    if not query:
        return list(qs.order_by("category__position", "code")[:limit])
    qs = qs.alias(term_in_query=RawSQL(_TERM_IN_QUERY, [query], output_field=BooleanField()))
    matches = {
        0: Q(name__iexact=query),
        1: Q(name__icontains=query),
        2: Q(keywords__icontains=query),
        3: Q(term_in_query=True),
        4: Q(category__name__icontains=query),
    }
    if is_pinyin_query(query):
        # Whole initials or syllables ("ld" is 路灯) before a prefix ("ld" of 流动摊贩's "ldtf").
        qs = qs.alias(pinyin_words=Concat(Value(" "), "search_pinyin", Value(" "), output_field=CharField()))
        matches[5] = Q(pinyin_words__contains=f" {query} ")
        matches[6] = Q(pinyin_words__contains=f" {query}")
    # English names by the start of a word, after the pinyin: "ld" is 路灯, not "Building".
    english_word = r"\m" + re.escape(query)
    matches[7] = Q(name_en__iregex=english_word) | Q(category__name_en__iregex=english_word)
    found = Q()
    for match in matches.values():
        found |= match
    rank = Case(*(When(match, then=Value(n)) for n, match in matches.items()), default=Value(9))
    return list(qs.filter(found).annotate(rank=rank).order_by("rank", "category__position", "code")[:limit])


def areas() -> QuerySet[Area]:
    return Area.objects.order_by("position", "code")


def appeals_of_resident(user) -> QuerySet[Appeal]:
    return (
        Appeal.objects.filter(resident=user)
        .select_related("item", "area", "primary_unit")
        .order_by("-submitted_at", "-pk")
    )


def appeal_for_owner(user, tracking_number: str) -> Appeal:
    """The resident's own appeal; anybody else's is 'not found'."""
    appeal = (
        Appeal.objects.select_related("item__category", "area", "primary_unit")
        .filter(tracking_number=tracking_number, resident_id=getattr(user, "pk", None))
        .first()
    )
    if appeal is None:
        raise Http404
    return appeal


def appeal_for_staff(appeal_id) -> Appeal:
    appeal = (
        Appeal.objects.select_related("item__category", "area", "primary_unit", "resident", "submitted_by")
        .filter(pk=appeal_id)
        .first()
    )
    if appeal is None:
        raise Http404
    return appeal


def public_timeline(appeal: Appeal) -> list[AppealEvent]:
    """What the resident sees: public rows only, labelled by role or unit,
    never by a staff member's name, never an internal note."""
    return list(appeal.events.filter(public=True).only(
        "kind", "actor_label", "from_state", "to_state", "public_text", "created_at", "appeal_id"
    ).order_by("created_at", "pk"))


def staff_timeline(appeal: Appeal) -> list[AppealEvent]:
    """Every event, with `actor_name`: staff by name, the resident masked."""
    from appeals.selectors.privacy import name_actors

    return name_actors(list(appeal.events.select_related("actor", "actor_unit").order_by("created_at", "pk")))


def parts_of(appeal: Appeal) -> list[WorkOrder]:
    return list(appeal.work_orders.select_related("unit").order_by("-pk"))


def photo_for_viewer(user, photo_id: int) -> AppealPhoto:
    """A photo of an appeal the user may see (appeals.view_photo); anybody
    else's is 'not found', like the appeal itself."""
    photo = AppealPhoto.objects.select_related("appeal").filter(pk=photo_id).first()
    if photo is None:
        raise Http404
    require(user, "appeals.view_photo", photo.appeal, conceal=True)
    return photo


def photos_of(appeal: Appeal) -> dict[str, list]:
    photos = {"report": [], "after": []}
    for photo in appeal.photos.order_by("kind", "position"):
        photos[photo.kind].append(photo)
    return photos


def bucket_filter(bucket: str, now: dt.datetime) -> Q:
    return OPEN_FOR_UNIT & _bucket_of_open(bucket, now)


def _bucket_of_open(bucket: str, now: dt.datetime) -> Q:
    """Which of a unit's open work orders are in the bucket: on the columns
    the partial index appeals_assignment_open holds (an index-only count)."""
    if bucket == InboxBucket.NEW:
        return Q(state=PartState.DISPATCHED)
    if bucket == InboxBucket.IN_PROGRESS:
        return Q(state__in=[PartState.ACCEPTED, PartState.REPLIED])
    if bucket == InboxBucket.DUE_SOON:
        return Q(due_soon_at__lte=now, due_at__gt=now)
    if bucket == InboxBucket.OVERDUE:
        return Q(due_at__lte=now)
    raise ValueError(bucket)


def unit_inbox(*, unit: Unit, bucket: str, now: dt.datetime) -> QuerySet[WorkOrder]:
    """One bucket of the unit's open work, soonest deadline first: a range of
    the partial index appeals_assignment_open (unit, due_at, id)."""
    return (
        WorkOrder.objects.filter(bucket_filter(bucket, now), unit=unit)
        .select_related("appeal__item__category", "appeal__area")
        .order_by("due_at", "pk")
    )


def unit_inbox_counts(*, unit: Unit, now: dt.datetime) -> dict[str, int]:
    """All four bucket sizes in one query over the unit's open work orders
    only: an index-only scan of appeals_assignment_open, however many
    hundreds of thousands of finished ones the unit has."""
    aggregates = {b.value: Count("pk", filter=_bucket_of_open(b.value, now)) for b in InboxBucket}
    return WorkOrder.objects.filter(OPEN_FOR_UNIT, unit=unit).aggregate(**aggregates)


def escalations_for_parent(*, unit: Unit, limit: int = 20) -> list[Escalation]:
    """Overdue work of the unit's subordinate units, escalated to it."""
    return list(
        Escalation.objects.filter(recipient_unit=unit, recipient="parent_unit")
        .select_related("appeal", "work_order__unit")
        .order_by("-created_at")[:limit]
    )


def overdue_parts(now: dt.datetime) -> QuerySet[WorkOrder]:
    return (
        WorkOrder.objects.filter(OPEN_FOR_UNIT, due_at__lte=now)
        .select_related("appeal", "unit")
        .order_by("due_at", "pk")
    )


def pending_extensions() -> QuerySet[ExtensionRequest]:
    return (
        ExtensionRequest.objects.filter(state=ExtensionState.PENDING)
        .select_related("work_order__appeal", "work_order__unit", "requested_by")
        .order_by("requested_at", "pk")
    )


def open_clues() -> QuerySet[OnlineClue]:
    return OnlineClue.objects.filter(state__in=[ClueState.NEW, ClueState.VERIFIED]).select_related("area")


def part_of_unit(appeal: Appeal, unit: Unit | None) -> WorkOrder | None:
    """The unit's current part of the appeal (open first, else the latest)."""
    if unit is None:
        return None
    parts = list(appeal.work_orders.filter(unit=unit).order_by("-pk"))
    for part in parts:
        if part.state in PART_OPEN_STATES or part.state == PartState.RESOLVED:
            return part
    return parts[0] if parts else None


from appeals.selectors import privacy, public, stats  # noqa: E402  (submodules: selectors.public.*, …)
