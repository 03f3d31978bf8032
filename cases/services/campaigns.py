"""Campaigns and their timeline: creating a campaign with its phases, domains
and tracks, and moving a phase."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from cases.enums import PHASE_ORDER, PhaseKind, TrackKind
from cases.exceptions import CaseError
from cases.models import Campaign, Domain, Phase, PhaseChange, Track
from portal import timeutils
from portal.enums import AuditAction
from portal.models import User
from portal.permissions import require
from portal.services import record_audit


DEFAULT_DOMAINS = ["教育", "医疗卫生", "文化体育", "社会保障", "城市安全", "交通", "环境保护", "政务服务", "社区服务"]
DEFAULT_TRACKS = [(TrackKind.TYPICAL_CASE, "典型案例")]


def check_timeline(spans: Iterable[tuple[str, dt.datetime, dt.datetime]]) -> None:
    """Each phase starts before it ends, and phases follow each other in
    their natural order (征集 → 初审 → 投票 → 评审 → 公布) without overlapping
    (gaps are allowed). The one check of a timeline: the set-up wizard, the
    admin's phase rows and set_phase ask it; the database's exclusion
    constraint holds the overlap rule too. A refusal names the phase's field
    (``<kind>_starts_at`` / ``<kind>_ends_at``)."""
    ordered = sorted(spans, key=lambda span: PHASE_ORDER.index(span[0]))
    for kind, starts_at, ends_at in ordered:
        if starts_at >= ends_at:
            raise CaseError(
                _("「%(phase)s」的结束时间必须晚于开始时间。") % {"phase": PhaseKind(kind).label},
                code="phase_empty",
                field=f"{kind}_ends_at",
            )
    for (kind, starts_at, ends_at), (next_kind, next_start, _e) in zip(ordered, ordered[1:]):
        if next_start < starts_at:
            raise CaseError(
                _("「%(next)s」（自 %(start)s）排在「%(phase)s」（自 %(own)s）之前：阶段须按 征集、初审、投票、评审、公布 的顺序。")
                % {
                    "next": PhaseKind(next_kind).label,
                    "start": timeutils.local_text(next_start),
                    "phase": PhaseKind(kind).label,
                    "own": timeutils.local_text(starts_at),
                },
                code="phase_order",
                field=f"{next_kind}_starts_at",
            )
        if next_start < ends_at:
            raise CaseError(
                _("「%(phase)s」（至 %(end)s）与「%(next)s」（自 %(start)s）时间重叠：阶段不能重叠，请先调整相邻阶段。")
                % {
                    "phase": PhaseKind(kind).label,
                    "end": timeutils.local_text(ends_at),
                    "next": PhaseKind(next_kind).label,
                    "start": timeutils.local_text(next_start),
                },
                code="phase_overlap",
                field=f"{next_kind}_starts_at",
            )


@transaction.atomic
def create_campaign(
    *,
    actor: User | None,
    slug: str,
    title: str,
    year: int,
    phases: dict[str, tuple[dt.datetime, dt.datetime]],
    description: str = "",
    entry_limit_per_track: int = 3,
    tracks: Sequence[tuple[str, str]] = DEFAULT_TRACKS,
    domains: Sequence[str] = DEFAULT_DOMAINS,
) -> Campaign:
    """A new edition with its timeline, award tracks and domains."""
    require(actor, "cases.manage_campaign", message=_("只有主办方可以创建活动。"))
    if Campaign.objects.filter(slug=slug).exists():
        raise CaseError(_("网址标识“%(slug)s”已被使用。") % {"slug": slug}, code="slug_taken", field="slug")
    unknown = set(phases) - set(PhaseKind.values)
    if unknown:
        raise CaseError(_("未知阶段：%(kinds)s") % {"kinds": "、".join(sorted(unknown))}, code="unknown_phase")
    check_timeline((kind, start, end) for kind, (start, end) in phases.items())
    campaign = Campaign.objects.create(
        slug=slug, title=title, year=year, description=description, entry_limit_per_track=entry_limit_per_track
    )
    Phase.objects.bulk_create(
        Phase(campaign=campaign, kind=kind, starts_at=start, ends_at=end) for kind, (start, end) in phases.items()
    )
    Track.objects.bulk_create(
        Track(campaign=campaign, kind=kind, name=name, position=index) for index, (kind, name) in enumerate(tracks)
    )
    Domain.objects.bulk_create(
        Domain(campaign=campaign, name=name, position=index) for index, name in enumerate(domains)
    )
    return campaign


def _check_track(campaign: Campaign, track: Track | None) -> None:
    if track is not None and track.campaign_id != campaign.pk:
        raise CaseError(_("该奖项不属于本届活动。"), code="unknown_track", field="track")


def check_phase(
    *, campaign: Campaign, kind: str, starts_at: dt.datetime, ends_at: dt.datetime, track: Track | None = None
) -> None:
    """Would these times fit the timeline (the campaign's, or the track's
    own when ``track`` is given)? (forms ask first)"""
    _check_track(campaign, track)
    own = Phase.objects.filter(campaign=campaign, track=track)
    spans = [(p.kind, p.starts_at, p.ends_at) for p in own if p.kind != kind]
    check_timeline([*spans, (kind, starts_at, ends_at)])


@transaction.atomic
def set_phase(
    *,
    actor: User | None,
    campaign: Campaign,
    kind: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    reason: str,
    track: Track | None = None,
) -> Phase:
    """Add a phase or move its boundaries. Every move is recorded with who,
    when, the old and new times and why; phases never overlap (checked here
    under a lock, and by the database's exclusion constraint). With
    ``track`` the phase is that track's own (overriding the campaign's phase
    of the kind for it) and the order and overlap rules hold within the
    track's own timeline."""
    require(actor, "cases.manage_campaign", message=_("只有主办方可以调整活动阶段。"))
    if kind not in PhaseKind.values:
        raise CaseError(_("未知阶段。"), code="unknown_phase", field="kind")
    reason = (reason or "").strip()
    if not reason:
        raise CaseError(_("请填写调整原因，它会记入阶段调整记录。"), code="reason_required", field="reason")
    _check_track(campaign, track)
    # Lock the campaign's phases (by pk) so that two moves cannot interleave.
    locked = list(Phase.objects.select_for_update(no_key=True).filter(campaign=campaign).order_by("pk"))
    track_id = track.pk if track is not None else None
    current = [p for p in locked if p.track_id == track_id]
    existing = next((p for p in current if p.kind == kind), None)
    spans = [(p.kind, p.starts_at, p.ends_at) for p in current if p.kind != kind] + [(kind, starts_at, ends_at)]
    check_timeline(spans)
    if existing and existing.starts_at == starts_at and existing.ends_at == ends_at:
        return existing
    old_start, old_end = (existing.starts_at, existing.ends_at) if existing else (None, None)
    try:
        with transaction.atomic():
            if existing is None:
                existing = Phase.objects.create(
                    campaign=campaign, track=track, kind=kind, starts_at=starts_at, ends_at=ends_at
                )
            else:
                existing.starts_at, existing.ends_at = starts_at, ends_at
                existing.save(update_fields=["starts_at", "ends_at"])
    except IntegrityError as exc:
        raise CaseError(_("阶段时间与其他阶段重叠。"), code="phase_overlap", field="starts_at") from exc
    PhaseChange.objects.create(
        phase=existing,
        actor=actor,
        old_starts_at=old_start,
        old_ends_at=old_end,
        new_starts_at=starts_at,
        new_ends_at=ends_at,
        reason=reason,
    )
    if actor is not None:  # a person's move, not the demo's seeding
        record_audit(actor=actor, action=AuditAction.PHASE_MOVED, campaign=campaign.title,
                     phase=str(PhaseKind(kind).label), reason=reason)
    return existing
