"""Similar-case clusters (类案管理): the periodic grouping job and the
dispatch centre's decisions (confirm, merge, split, dismiss, one reply)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Count, Max, Min, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from appeals import clustering
from appeals.enums import AppealState, ClusterState, EventKind
from appeals.models import Appeal, Cluster, ClusterMember
from appeals.services.common import notify_resident, record_event
from appeals.services.validation import clean_text
from portal.exceptions import ConflictError, InvalidError, NotFoundError
from portal.models import User
from portal.permissions import require

LOCK_KEY = 7_300_202
CLOSED_STATES = (AppealState.RESOLVED, AppealState.RATED, AppealState.CLOSED)
KEPT_STATES = (ClusterState.CONFIRMED, ClusterState.HANDLED, ClusterState.DISMISSED)
# A suggestion needs three appeals: two alike are a coincidence more often than a class of problem.
MIN_SUGGESTION = 3


@dataclass
class ClusterRun:
    candidates: int = 0
    suggested: int = 0
    attached: int = 0
    removed: int = 0


def _candidates(now: dt.datetime, recent_days: int):
    """Open appeals, and any appeal of the last `recent_days`, with an item,
    that a dispatcher has not already placed (confirmed, handled, dismissed)."""
    placed = ClusterMember.objects.filter(cluster__state__in=KEPT_STATES).values("appeal_id")
    return (
        Appeal.objects.filter(item__isnull=False)
        .filter(~Q(state__in=CLOSED_STATES) | Q(submitted_at__gte=now - dt.timedelta(days=recent_days)))
        .exclude(pk__in=placed)
        .only("pk", "item_id", "area_id", "title", "description")
        .order_by("pk")
    )


def refresh_cluster_figures(cluster_ids) -> None:
    for cluster_id in set(cluster_ids):
        figures = Appeal.objects.filter(cluster_membership__cluster_id=cluster_id).aggregate(
            size=Count("pk"), me_too=Sum("me_too_count"), first=Min("submitted_at"), last=Max("submitted_at")
        )
        Cluster.objects.filter(pk=cluster_id).update(
            size=figures["size"] or 0, me_too_total=figures["me_too"] or 0, first_at=figures["first"],
            last_at=figures["last"],
        )


def _label(appeals: list[Appeal], sets: dict[int, frozenset]) -> tuple[str, str]:
    counts = Counter(word for a in appeals for word in sets[a.pk])
    keywords = [w for w, n in counts.most_common(6) if n >= 2][:5]
    label = "、".join(keywords[:3]) if keywords else appeals[0].title
    return label[:80], " ".join(keywords)[:200]


def compute_clusters(*, now: dt.datetime | None = None, recent_days: int = 30,
                     threshold: float = clustering.JACCARD_THRESHOLD, min_size: int = MIN_SUGGESTION) -> ClusterRun:
    """Groups candidates by (item, area) and word similarity (jieba, Jaccard ≥
    threshold). New similar appeals join a confirmed cluster of their item and
    area; the rest form suggested clusters, which keep their ids when their
    members do not change (idempotent: a second run changes nothing)."""
    now = now or timezone.now()
    run = ClusterRun()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
        candidates = list(_candidates(now, recent_days))
        run.candidates = len(candidates)
        sets = {a.pk: clustering.words(f"{a.title} {a.description}") for a in candidates}
        groups: dict[tuple, list[Appeal]] = {}
        for appeal in candidates:
            groups.setdefault((appeal.item_id, appeal.area_id), []).append(appeal)

        confirmed: dict[tuple, list[tuple[int, frozenset]]] = {}
        for member in (
            ClusterMember.objects.filter(cluster__state=ClusterState.CONFIRMED)
            .select_related("appeal", "cluster").order_by("-appeal__submitted_at")
        ):
            key = (member.cluster.item_id, member.cluster.area_id)
            words = clustering.words(f"{member.appeal.title} {member.appeal.description}")
            confirmed.setdefault(key, []).append((member.cluster_id, words))

        current = {m.appeal_id: m.cluster_id for m in ClusterMember.objects.filter(cluster__state=ClusterState.SUGGESTED)}
        wanted: dict[int, int] = {}  # appeal -> cluster
        touched: set[int] = set()
        for key, appeals in groups.items():
            free = []
            for appeal in appeals:
                match = next(
                    (cid for cid, words in confirmed.get(key, []) if clustering.jaccard(sets[appeal.pk], words) >= threshold),
                    None,
                )
                if match is not None:
                    ClusterMember.objects.update_or_create(appeal_id=appeal.pk, defaults={"cluster_id": match})
                    touched.add(match)
                    run.attached += 1
                else:
                    free.append(appeal)
            if len(free) < min_size:
                continue
            edges = [
                (i, j) for i in range(len(free)) for j in range(i + 1, len(free))
                if clustering.jaccard(sets[free[i].pk], sets[free[j].pk]) >= threshold
            ]
            for component in clustering.components(len(free), edges):
                if len(component) < min_size:
                    continue
                members = [free[i] for i in component]
                votes = Counter(current[a.pk] for a in members if a.pk in current)
                reuse = next((cid for cid, _n in votes.most_common() if cid not in touched), None)
                label, keywords = _label(members, sets)
                if reuse is None:
                    cluster = Cluster.objects.create(item_id=key[0], area_id=key[1], label=label, keywords=keywords)
                    reuse = cluster.pk
                    run.suggested += 1
                touched.add(reuse)
                for appeal in members:
                    wanted[appeal.pk] = reuse
        # Suggested memberships that no longer hold go; the rest are set.
        stale = [appeal_id for appeal_id, cid in current.items() if wanted.get(appeal_id) != cid]
        ClusterMember.objects.filter(appeal_id__in=stale, cluster__state=ClusterState.SUGGESTED).delete()
        for appeal_id, cid in wanted.items():
            if current.get(appeal_id) != cid:
                ClusterMember.objects.update_or_create(appeal_id=appeal_id, defaults={"cluster_id": cid})
        empty = Cluster.objects.filter(state=ClusterState.SUGGESTED).exclude(pk__in=touched)
        run.removed = empty.count()
        empty.delete()
        refresh_cluster_figures(touched)
    return run


def _cluster(cluster_id) -> Cluster:
    try:
        cluster = Cluster.objects.select_for_update(no_key=True).filter(pk=int(cluster_id)).first()
    except (TypeError, ValueError):
        cluster = None
    if cluster is None:
        raise NotFoundError(_("类案不存在。"))
    return cluster


@transaction.atomic
def confirm_cluster(*, actor: User, cluster_id: int, label: str = "") -> Cluster:
    """The centre agrees the appeals are one problem; the job keeps adding new similar ones."""
    require(actor, "appeals.manage_clusters")
    cluster = _cluster(cluster_id)
    if cluster.state not in (ClusterState.SUGGESTED, ClusterState.DISMISSED):
        raise ConflictError(_("这个类案已经确认过了。"), code="transition_not_allowed")
    if label.strip():
        cluster.label = clean_text(label, field="label", label=_("类案名称"), minimum=2, maximum=80)
    cluster.state = ClusterState.CONFIRMED
    cluster.confirmed_by = actor
    cluster.save(update_fields=["state", "label", "confirmed_by", "updated_at"])
    return cluster


@transaction.atomic
def dismiss_cluster(*, actor: User, cluster_id: int) -> Cluster:
    """Not one problem: its appeals stay out of future suggestions."""
    require(actor, "appeals.manage_clusters")
    cluster = _cluster(cluster_id)
    if cluster.state == ClusterState.HANDLED:
        raise ConflictError(_("已统一答复的类案不能拆散。"), code="transition_not_allowed")
    cluster.state = ClusterState.DISMISSED
    cluster.save(update_fields=["state", "updated_at"])
    return cluster


@transaction.atomic
def merge_clusters(*, actor: User, target_id: int, source_ids) -> Cluster:
    """Moves every appeal of the source clusters into the target (confirmed); sources are deleted."""
    require(actor, "appeals.manage_clusters")
    try:
        ids = sorted({int(pk) for pk in source_ids} - {int(target_id)})
    except (TypeError, ValueError):
        raise InvalidError(_("请选择要合并的类案。"), field="source_ids") from None
    if not ids:
        raise InvalidError(_("请至少选择一个要并入的类案。"), field="source_ids")
    locked = {c.pk: c for c in Cluster.objects.select_for_update(no_key=True).filter(pk__in=[int(target_id), *ids]).order_by("pk")}
    target = locked.get(int(target_id))
    if target is None or any(pk not in locked for pk in ids):
        raise NotFoundError(_("类案不存在。"))
    if any(locked[pk].state == ClusterState.HANDLED for pk in ids):
        raise ConflictError(_("已统一答复的类案不能再并入其他类案。"), code="transition_not_allowed")
    ClusterMember.objects.filter(cluster_id__in=ids).update(cluster=target)
    Cluster.objects.filter(pk__in=ids).delete()
    if target.state in (ClusterState.SUGGESTED, ClusterState.DISMISSED):
        target.state = ClusterState.CONFIRMED
        target.confirmed_by = actor
        target.save(update_fields=["state", "confirmed_by", "updated_at"])
    refresh_cluster_figures([target.pk])
    target.refresh_from_db()
    return target


@transaction.atomic
def split_cluster(*, actor: User, cluster_id: int, appeal_ids, label: str = "") -> Cluster:
    """Moves the chosen appeals out into a new confirmed cluster of their own."""
    require(actor, "appeals.manage_clusters")
    cluster = _cluster(cluster_id)
    try:
        ids = {int(pk) for pk in appeal_ids}
    except (TypeError, ValueError):
        ids = set()
    members = set(ClusterMember.objects.filter(cluster=cluster).values_list("appeal_id", flat=True))
    if not ids or not ids <= members:
        raise InvalidError(_("请选择这个类案中要拆出的诉求。"), field="appeal_ids")
    if ids == members:
        raise InvalidError(_("不能把全部诉求都拆出去；要拆散整个类案请用“不是类案”。"), field="appeal_ids")
    first = Appeal.objects.filter(pk__in=ids).order_by("submitted_at").first()
    new = Cluster.objects.create(
        item_id=cluster.item_id, area_id=cluster.area_id, state=ClusterState.CONFIRMED, confirmed_by=actor,
        label=(label.strip() or first.public_title or first.title)[:80],
    )
    ClusterMember.objects.filter(cluster=cluster, appeal_id__in=ids).update(cluster=new)
    if cluster.state == ClusterState.SUGGESTED:
        cluster.state = ClusterState.CONFIRMED
        cluster.confirmed_by = actor
        cluster.save(update_fields=["state", "confirmed_by", "updated_at"])
    refresh_cluster_figures([cluster.pk, new.pk])
    new.refresh_from_db()
    return new


def reply_to_cluster(*, actor: User, cluster_id: int, body: str) -> int:
    """One reply from the centre on every appeal of the cluster: a public
    timeline row each and a notice to each resident. Returns how many."""
    require(actor, "appeals.manage_clusters")
    body = clean_text(body, field="body", label=_("统一答复"), minimum=10, maximum=4000)
    with transaction.atomic():
        cluster = _cluster(cluster_id)
        if cluster.state not in (ClusterState.CONFIRMED, ClusterState.HANDLED):
            raise ConflictError(_("请先确认类案，再统一答复。"), code="transition_not_allowed")
        now = timezone.now()
        appeals = list(
            Appeal.objects.filter(cluster_membership__cluster=cluster).select_related("resident").order_by("pk")
        )
        for appeal in appeals:
            record_event(
                appeal=appeal, kind=EventKind.CLUSTER_REPLY, actor=actor, public=True,
                public_text=_("类案统一答复（%(label)s）：%(body)s") % {"label": cluster.label, "body": body},
                reason=_("类案 #%(id)d 统一答复") % {"id": cluster.pk}, at=now,
            )
            notify_resident(appeal, body)
        cluster.state = ClusterState.HANDLED
        cluster.reply = body
        cluster.replied_by = actor
        cluster.replied_at = now
        cluster.save(update_fields=["state", "reply", "replied_by", "replied_at", "updated_at"])
        return len(appeals)
