"""Read side of the public wall (问政墙) and the follow-up work (ratings,
rectifications, clusters)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncWeek
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from appeals.enums import AppealState, ClusterState, RectificationState
from appeals.models import Appeal, AppealEvent, Cluster, MeToo, Rating, Rectification, Reply
from appeals.redaction import redact_for
from portal.localised import localised_value

# Every cached rendering of published appeals (the wall's pages, Open311's
# lists) is kept under this version: publishing, withdrawing or hiding an
# appeal bumps it once committed (services.publication).
WALL_VERSION_KEY = "appeals:wall:version"

# What the public filter "state" offers: coarse, resident-facing groups.
PUBLIC_STATES = {
    "waiting": (AppealState.SUBMITTED, AppealState.RETURNED, AppealState.REOPENED),
    "handling": (AppealState.DISPATCHED, AppealState.ACCEPTED, AppealState.REPLIED),
    "done": (AppealState.RESOLVED, AppealState.RATED, AppealState.CLOSED),
}
PUBLIC_STATE_LABELS = {"waiting": _("待派单"), "handling": _("办理中"), "done": _("已办结")}


def public_state_choices() -> list[tuple[str, str]]:
    """The public "state" filter's groups with their labels (the wall's list and its check)."""
    return [(key, str(PUBLIC_STATE_LABELS[key])) for key in PUBLIC_STATES]


@dataclass(frozen=True)
class WallFilters:
    category_id: int | None = None
    area_id: int | None = None
    unit_id: int | None = None
    state: str = ""
    q: str = ""

    @property
    def lists_in_use(self) -> int:
        """How many of the list filters (all but the search words) narrow the wall."""
        return sum(1 for value in (self.category_id, self.area_id, self.unit_id, self.state) if value)


def published_appeals(filters: WallFilters) -> QuerySet[Appeal]:
    """Public appeals, newest first (partial index appeals_appeal_wall)."""
    qs = Appeal.objects.filter(is_public=True)
    if filters.category_id:
        qs = qs.filter(category_id=filters.category_id)
    if filters.area_id:
        qs = qs.filter(area_id=filters.area_id)
    if filters.unit_id:
        qs = qs.filter(primary_unit_id=filters.unit_id)
    if filters.state in PUBLIC_STATES:
        qs = qs.filter(state__in=PUBLIC_STATES[filters.state])
    if filters.q:
        qs = qs.filter(Q(public_title__icontains=filters.q) | Q(public_description__icontains=filters.q))
    return (
        qs.select_related("item__category", "area", "primary_unit")
        .only(
            "tracking_number", "state", "public_title", "public_description", "submitted_at", "me_too_count",
            "item__name", "item__category__name", "area__name", "primary_unit__name",
            "item__name_en", "item__category__name_en", "area__name_en", "primary_unit__name_en",
        )
        .order_by("-submitted_at", "-id")
    )


def wall_page(filters: WallFilters, *, page: int, size: int = 20) -> tuple[list[Appeal], bool]:
    """One page and whether another follows (no COUNT over a million rows)."""
    page = max(page, 1)
    rows = list(published_appeals(filters)[(page - 1) * size: page * size + 1])
    return rows[:size], len(rows) > size


def published_appeal(tracking_number: str) -> Appeal:
    appeal = (
        Appeal.objects.select_related("item__category", "area", "primary_unit")
        .filter(tracking_number=tracking_number, is_public=True)
        .first()
    )
    if appeal is None:
        raise Http404
    return appeal


@dataclass
class PublicReply:
    unit: str
    body: str
    created_at: dt.datetime


def public_replies(appeal: Appeal) -> list[PublicReply]:
    """Units' replies, redacted like the appeal (a reply may quote a phone number
    or greet the resident by name: the appeal's contact is masked too)."""
    return [
        PublicReply(unit=r.unit.localised_name, body=redact_for(appeal, r.body), created_at=r.created_at)
        for r in Reply.objects.filter(appeal=appeal).select_related("unit").order_by("created_at", "pk")
    ]


def public_resolution(appeal: Appeal) -> str:
    """The unit's result summary as published: redacted, and only once resolved."""
    return redact_for(appeal, appeal.resolution) if appeal.resolved_at and appeal.resolution else ""


def public_wall_timeline(appeal: Appeal) -> list[AppealEvent]:
    """The public timeline with its free text redacted (ratings' words, replies)."""
    events = list(
        appeal.events.filter(public=True)
        .only("kind", "actor_label", "from_state", "to_state", "public_text", "created_at", "appeal_id")
        .order_by("created_at", "pk")
    )
    for event in events:
        event.public_text = redact_for(appeal, event.public_text)
    return events


def ratings_of(appeal: Appeal) -> list[Rating]:
    return list(appeal.ratings.order_by("round"))


def has_me_too(appeal: Appeal, user) -> bool:
    return bool(user and user.is_authenticated and MeToo.objects.filter(appeal=appeal, user=user).exists())


def rectifications_for_unit(unit) -> QuerySet[Rectification]:
    return (
        Rectification.objects.filter(unit=unit, state=RectificationState.OPEN)
        .select_related("appeal", "rating")
        .order_by("due_at", "pk")
    )


def rectifications_to_check() -> QuerySet[Rectification]:
    return (
        Rectification.objects.filter(state=RectificationState.SUBMITTED)
        .select_related("appeal", "unit", "rating")
        .order_by("submitted_at", "pk")
    )


def open_rectification(appeal: Appeal) -> Rectification | None:
    return appeal.rectifications.filter(
        state__in=[RectificationState.OPEN, RectificationState.SUBMITTED]
    ).select_related("unit", "rating").first()


# --- clusters ---------------------------------------------------------------

def clusters(state: str | None = None) -> QuerySet[Cluster]:
    qs = Cluster.objects.select_related("item", "area")
    if state:
        qs = qs.filter(state=state)
    else:
        qs = qs.exclude(state=ClusterState.DISMISSED)
    return qs.order_by("-size", "-last_at", "-pk")


def high_frequency_clusters(*, limit: int = 8, days: int = 30, now: dt.datetime | None = None) -> list[Cluster]:
    """Clusters raised most often lately (appeals + residents' "me too"), dismissed ones left out."""
    from django.db.models import F
    from django.utils import timezone

    since = (now or timezone.now()) - dt.timedelta(days=days)
    return list(
        Cluster.objects.exclude(state=ClusterState.DISMISSED).filter(last_at__gte=since)
        .select_related("item", "area")
        .annotate(weight_sum=F("size") + F("me_too_total"))
        .order_by("-weight_sum", "-last_at", "-pk")[:limit]
    )


def cluster_detail(cluster_id) -> Cluster:
    cluster = Cluster.objects.select_related("item__category", "area").filter(pk=cluster_id).first()
    if cluster is None:
        raise Http404
    return cluster


def cluster_members(cluster: Cluster) -> list[Appeal]:
    return list(
        Appeal.objects.filter(cluster_membership__cluster=cluster)
        .select_related("primary_unit", "area")
        .order_by("-submitted_at", "-pk")
    )


def cluster_trend(cluster: Cluster) -> list[tuple[dt.date, int]]:
    """Appeals per week (local weeks) of the cluster."""
    from portal.timeutils import LOCAL_TZ

    rows = (
        Appeal.objects.filter(cluster_membership__cluster=cluster)
        .annotate(week=TruncWeek("submitted_at", tzinfo=LOCAL_TZ)).values("week").annotate(n=Count("pk")).order_by("week")
    )
    return [(r["week"].date(), r["n"]) for r in rows]


def cluster_units(cluster: Cluster) -> list[tuple[str, int]]:
    rows = (
        Appeal.objects.filter(cluster_membership__cluster=cluster)
        .values("primary_unit__name", "primary_unit__name_en").annotate(n=Count("pk")).order_by("-n", "primary_unit__name")
    )
    return [(localised_value(r, "primary_unit__name") or "—", r["n"]) for r in rows]
