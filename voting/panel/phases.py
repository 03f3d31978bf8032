"""When the panel may act: the campaign's expert-review phase (专家评审) gates
the reviewers' saving and submitting, and its results phase (结果公布) gates
publishing results and every correction after them. Checked inside the
services, so the desk, the queue and the API are refused alike and nothing is
written. The phases are read from the database, never from a campaign's
cached timeline, so a boundary an organiser just moved counts at once.
A track with a phase of its own is gated by it (a finalist's review by its
track's review phase; publishing by every track's results phase)."""

from __future__ import annotations

import datetime as dt

from django.db.models import F, Q
from django.utils.translation import gettext as _

from cases.enums import PhaseKind
from cases.models import Campaign, Phase, Track
from portal import timeutils
from portal.exceptions import ConflictError


def _phase(campaign: Campaign, kind: str, track_id: int | None = None) -> Phase | None:
    """The track's own phase of this kind, else the campaign's (fresh from the database)."""
    found = Phase.objects.filter(campaign_id=campaign.pk, kind=kind).filter(
        Q(track__isnull=True) | Q(track_id=track_id)
    )
    return found.order_by(F("track_id").asc(nulls_last=True)).first()


def check_review_open(
    campaign: Campaign, moment: dt.datetime | None = None, *, track_id: int | None = None
) -> None:
    """Refuse a reviewer's save or submit outside the expert-review phase
    (of the finalist's track when it has its own)."""
    moment = moment or timeutils.now()
    phase = _phase(campaign, PhaseKind.REVIEW, track_id)
    if phase is None:
        raise ConflictError(_("此活动没有设置专家评审阶段，现在不能保存评分。请联系主办方设置评审时间。"),
                            code="review_phase_missing")
    if moment < phase.starts_at:
        raise ConflictError(_("专家评审阶段尚未开始（%(start)s 开始），现在不能保存评分。")
                            % {"start": timeutils.local_text(phase.starts_at)}, code="review_not_started")
    if moment >= phase.ends_at:
        raise ConflictError(_("专家评审阶段已于 %(end)s 结束，评分不能再保存或提交。如需延长，请联系主办方。")
                            % {"end": timeutils.local_text(phase.ends_at)}, code="review_closed")


def check_results_started(campaign: Campaign, moment: dt.datetime | None = None) -> None:
    """Refuse publishing (a first version or a correction) before the results
    phase starts: the campaign's, and each track's own where it has one (the
    publication covers every track)."""
    moment = moment or timeutils.now()
    own = list(Phase.objects.filter(campaign_id=campaign.pk, kind=PhaseKind.RESULTS, track__isnull=False))
    tracks = set(Track.objects.filter(campaign_id=campaign.pk).values_list("pk", flat=True))
    if not tracks or tracks - {phase.track_id for phase in own}:
        _check_results(_phase(campaign, PhaseKind.RESULTS), moment)
    for phase in own:
        _check_results(phase, moment)


def _check_results(phase: Phase | None, moment: dt.datetime) -> None:
    if phase is None:
        raise ConflictError(_("此活动没有设置结果公布阶段，不能发布结果。请先在活动时间线中设置结果公布阶段。"),
                            code="results_phase_missing")
    if moment < phase.starts_at:
        raise ConflictError(_("结果公布阶段尚未开始（%(start)s 开始），现在不能发布结果。如需提前发布，请先调整活动时间线。")
                            % {"start": timeutils.local_text(phase.starts_at)}, code="results_not_started")
