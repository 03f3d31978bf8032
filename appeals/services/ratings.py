"""Ratings (好差评) and rectification (整改).

- A resolved appeal is rated by its resident (1–5 stars) within the rating
  window (AppealSettings.rating_window_days, default 7 days from resolution).
- A good or middling rating (3–5) closes the appeal.
- A bad rating (1–2) opens a rectification task for the unit that handled
  it, due in AppealSettings.rectification_working_days working days. The unit
  reports what it did; the dispatch centre verifies it (the resident may then
  rate once more, within the window counted from the verification) or reopens
  the appeal (it goes back to dispatch; when resolved again, the resident
  rates it once more). The second rating closes the appeal, whatever it is.
- After the window, an unrated appeal is closed unrated, or rated
  automatically as AppealSettings.auto_rate_score only when
  AppealSettings.auto_rate_after_window is on (default off).
Every step is a row on the timeline.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from appeals import deadlines
from appeals.enums import BAD_SCORES, RATING_LABELS, AppealAction, AppealState, EventKind, RectificationState
from appeals.models import Appeal, AppealSettings, Rating, Rectification
from appeals.services.common import (
    lock_appeal,
    next_appeal_state,
    notify_dispatch_centre,
    notify_resident,
    notify_unit,
    record_event,
    transition_event,
)
from appeals.services.validation import clean_text
from portal.exceptions import ConflictError, InvalidError, NotFoundError
from portal.models import User
from portal.permissions import require
from portal.timeutils import local_text


@dataclass(frozen=True)
class RatingChance:
    """Whether the appeal can be rated now, which round, and until when."""

    round: int
    until: dt.datetime


def rating_chance(appeal: Appeal, *, now: dt.datetime | None = None, config: AppealSettings | None = None) -> RatingChance | None:
    """None when the appeal cannot be rated now (not resolved, window over,
    both ratings used, rectification not yet verified)."""
    now = now or timezone.now()
    config = config or AppealSettings.load()
    window = dt.timedelta(days=config.rating_window_days)
    ratings = list(appeal.ratings.order_by("round"))
    if len(ratings) >= 2:
        return None
    if appeal.state == AppealState.RESOLVED and appeal.resolved_at is not None:
        # First rating, or the second after a reopened appeal was resolved again.
        until = appeal.resolved_at + window
        return RatingChance(round=len(ratings) + 1, until=until) if now <= until else None
    if appeal.state == AppealState.RATED and len(ratings) == 1 and ratings[0].score in BAD_SCORES:
        verified = appeal.rectifications.filter(state=RectificationState.VERIFIED).order_by("-checked_at").first()
        if verified is None or verified.checked_at is None:
            return None
        until = verified.checked_at + window
        return RatingChance(round=2, until=until) if now <= until else None
    return None


def _close(appeal: Appeal, *, actor: User | None, text: str, now: dt.datetime) -> None:
    previous = appeal.state
    appeal.state = next_appeal_state(previous, AppealAction.CLOSE)
    appeal.save(update_fields=["state", "updated_at"])
    transition_event(appeal=appeal, actor=actor, unit=None, from_state=previous, to_state=appeal.state,
                     public_text=text, at=now)


def _record_rating(appeal: Appeal, *, round_: int, score: int, comment: str, resident: User | None,
                   automatic: bool, now: dt.datetime) -> Rating:
    try:
        with transaction.atomic():
            rating = Rating.objects.create(
                appeal=appeal, unit_id=appeal.primary_unit_id, resident=resident, round=round_, score=score,
                comment=comment, automatic=automatic, created_at=now,
            )
    except IntegrityError:
        raise ConflictError(_("这次评价已经提交过了。"), code="already_rated") from None
    previous = appeal.state
    appeal.state = next_appeal_state(previous, AppealAction.RATE)
    appeal.save(update_fields=["state", "updated_at"])
    label = RATING_LABELS[score]
    if automatic:
        text = _("评价期已过，按规定自动记为“%(label)s”。") % {"label": label}
    else:
        text = _("市民评价：%(label)s（%(score)d 星）") % {"label": label, "score": score}
        if round_ == 2:
            text = _("市民再次评价：%(label)s（%(score)d 星）") % {"label": label, "score": score}
        if comment:
            text += f"：{comment}"
    transition_event(appeal=appeal, actor=resident, unit=None, from_state=previous, to_state=appeal.state,
                     public_text=text, at=now)
    return rating


def _open_rectification(appeal: Appeal, rating: Rating, *, config: AppealSettings, now: dt.datetime) -> Rectification:
    if appeal.primary_unit_id is None:
        raise ConflictError(_("诉求没有承办单位，无法下发整改。"), code="no_unit")
    due = deadlines.add_working_days(now, config.rectification_working_days)
    rectification = Rectification.objects.create(
        appeal=appeal, rating=rating, unit_id=appeal.primary_unit_id, created_at=now, due_at=due
    )
    record_event(
        appeal=appeal, kind=EventKind.RECTIFICATION, actor=None, unit=None, to_state=RectificationState.OPEN,
        public_text=_("差评已转为整改任务，%(unit)s 须在 %(due)s 前整改，派单中心将核实。")
        % {"unit": appeal.primary_unit.name, "due": local_text(due)},
        reason=_("差评整改，时限 %(days)d 个工作日") % {"days": config.rectification_working_days}, at=now,
    )
    notify_unit(
        appeal.primary_unit_id,
        _("差评整改：%(number)s") % {"number": appeal.tracking_number},
        _("市民评价“%(label)s”，请在 %(due)s 前整改并提交整改情况。") % {"label": RATING_LABELS[rating.score], "due": local_text(due)},
        appeal=appeal,
    )
    notify_dispatch_centre(_("差评：%(number)s") % {"number": appeal.tracking_number}, rating.comment or "", appeal=appeal)
    return rectification


def rate_appeal(*, resident: User, appeal_id: int, score, comment: str = "") -> Rating:
    """The resident rates their resolved appeal (see the module's rules)."""
    try:
        score = int(score)
    except (TypeError, ValueError):
        score = 0
    if not 1 <= score <= 5:
        raise InvalidError(_("请选择 1 到 5 星。"), code="invalid_score", field="score")
    comment = (comment or "").strip()
    if len(comment) > 500:
        raise InvalidError(_("评价内容太长了，最多 500 个字。"), code="too_long", field="comment")
    if score in BAD_SCORES and len(comment) < 2:
        raise InvalidError(_("不满意时请写明原因，单位将据此整改。"), code="reason_required", field="comment")
    with transaction.atomic():
        appeal = lock_appeal(appeal_id)
        require(resident, "appeals.rate_appeal", appeal, message=_("只能评价自己提交的诉求。"))
        config = AppealSettings.load()
        now = timezone.now()
        chance = rating_chance(appeal, now=now, config=config)
        if chance is None:
            raise ConflictError(_rating_refusal(appeal, now, config), code="rating_not_open")
        rating = _record_rating(appeal, round_=chance.round, score=score, comment=comment, resident=resident,
                                automatic=False, now=now)
        if score in BAD_SCORES and chance.round == 1:
            _open_rectification(appeal, rating, config=config, now=now)
        else:
            _close(appeal, actor=None, text=_("评价完成，诉求归档。"), now=now)
        return rating


def _rating_refusal(appeal: Appeal, now: dt.datetime, config: AppealSettings) -> str:
    count = appeal.ratings.count()
    if count >= 2 or appeal.state == AppealState.CLOSED:
        return _("这件诉求的评价已经结束。")
    if appeal.state == AppealState.RATED:
        if appeal.rectifications.filter(state__in=[RectificationState.OPEN, RectificationState.SUBMITTED]).exists():
            return _("单位正在整改，派单中心核实后你可以再评价一次。")
        return _("再次评价的期限已过。")
    if appeal.state == AppealState.RESOLVED:
        return _("评价期限（办结后 %(days)d 天）已过。") % {"days": config.rating_window_days}
    return _("诉求办结后才能评价。")


def require_rectifier(actor: User, rectification_id: int) -> Rectification:
    """The rectification, for staff of the unit that owes it (404 for no such
    task, 403 for anyone else); asked before the report is read."""
    rectification = Rectification.objects.filter(pk=rectification_id).first()
    if rectification is None:
        raise NotFoundError(_("整改任务不存在。"))
    require(actor, "appeals.rectify", rectification, message=_("这项整改不属于你的单位。"))
    return rectification


def submit_rectification(*, actor: User, rectification_id: int, report: str) -> Rectification:
    """The unit reports what it did about the bad rating (once per task)."""
    rectification = require_rectifier(actor, rectification_id)
    report = clean_text(report, field="report", label=_("整改情况"), minimum=10, maximum=4000)
    with transaction.atomic():
        appeal = lock_appeal(rectification.appeal_id)
        rectification = Rectification.objects.select_for_update(no_key=True).get(pk=rectification.pk)
        if rectification.state != RectificationState.OPEN:
            raise ConflictError(_("整改情况已经提交过了。"), code="transition_not_allowed")
        now = timezone.now()
        rectification.state = RectificationState.SUBMITTED
        rectification.report = report
        rectification.submitted_by = actor
        rectification.submitted_at = now
        rectification.save(update_fields=["state", "report", "submitted_by", "submitted_at"])
        late = not rectification.on_time
        record_event(
            appeal=appeal, kind=EventKind.RECTIFICATION, actor=actor, unit=rectification.unit,
            from_state=RectificationState.OPEN, to_state=RectificationState.SUBMITTED,
            public_text=_("整改情况：%(report)s") % {"report": report},
            reason=_("逾期提交") if late else _("按时提交"), at=now,
        )
        notify_dispatch_centre(_("整改待核实：%(number)s") % {"number": appeal.tracking_number}, report, appeal=appeal)
        return rectification


def check_rectification(*, actor: User, rectification_id: int, verified: bool, note: str) -> Rectification:
    """The dispatch centre checks the rectification: verified (the resident
    may rate once more) or not (the appeal is reopened and goes back to dispatch)."""
    require(actor, "appeals.check_rectification")
    note = clean_text(note, field="note", label=_("核实意见"), minimum=2, maximum=2000)
    with transaction.atomic():
        rectification = Rectification.objects.filter(pk=rectification_id).first()
        if rectification is None:
            raise NotFoundError(_("整改任务不存在。"))
        appeal = lock_appeal(rectification.appeal_id)
        rectification = Rectification.objects.select_for_update(no_key=True).get(pk=rectification.pk)
        if rectification.state != RectificationState.SUBMITTED:
            raise ConflictError(_("单位提交整改情况后才能核实。"), code="transition_not_allowed")
        now = timezone.now()
        rectification.state = RectificationState.VERIFIED if verified else RectificationState.REOPENED
        rectification.checked_by = actor
        rectification.checked_at = now
        rectification.check_note = note
        rectification.save(update_fields=["state", "checked_by", "checked_at", "check_note"])
        if verified:
            until = now + dt.timedelta(days=AppealSettings.load().rating_window_days)
            text = _("派单中心核实整改到位：%(note)s。请在 %(until)s 前再评价一次。") % {"note": note, "until": local_text(until)}
            record_event(appeal=appeal, kind=EventKind.RECTIFICATION, actor=actor,
                         from_state=RectificationState.SUBMITTED, to_state=RectificationState.VERIFIED,
                         public_text=text, reason=note, at=now)
            notify_resident(appeal, text)
        else:
            previous = appeal.state
            appeal.state = next_appeal_state(previous, AppealAction.REOPEN)
            appeal.save(update_fields=["state", "updated_at"])
            text = _("派单中心核实整改未到位：%(note)s。诉求重新办理。") % {"note": note}
            transition_event(appeal=appeal, actor=actor, unit=None, from_state=previous, to_state=appeal.state,
                             reason=note, public_text=text, at=now)
            notify_resident(appeal, text)
            notify_unit(rectification.unit_id, _("整改未通过：%(number)s") % {"number": appeal.tracking_number}, note,
                        appeal=appeal)
        return rectification


@dataclass
class RatingSweep:
    closed_unrated: int = 0
    auto_rated: int = 0


def _expired(now: dt.datetime, window: dt.timedelta) -> Q:
    verified_long_ago = Rectification.objects.filter(
        appeal=OuterRef("pk"), state=RectificationState.VERIFIED, checked_at__lte=now - window
    )
    return Q(state=AppealState.RESOLVED, resolved_at__lte=now - window) | (
        Q(state=AppealState.RATED) & Exists(verified_long_ago)
    )


def sweep_ratings(*, now: dt.datetime | None = None, batch: int = 500) -> RatingSweep:
    """After the window: close unrated appeals, or rate them automatically when
    the setting allows it. Each appeal in its own transaction, locked and
    re-checked, so two workers (or a rerun) act once."""
    now = now or timezone.now()
    config = AppealSettings.load()
    window = dt.timedelta(days=config.rating_window_days)
    report = RatingSweep()
    ids = list(Appeal.objects.filter(_expired(now, window)).order_by("pk").values_list("pk", flat=True)[:batch])
    for appeal_id in ids:
        with transaction.atomic():
            appeal = Appeal.objects.select_for_update(no_key=True, skip_locked=True).filter(
                _expired(now, window), pk=appeal_id
            ).first()
            if appeal is None or not _pending(appeal):
                continue
            rounds = appeal.ratings.count()
            if config.auto_rate_after_window:
                _record_rating(appeal, round_=rounds + 1, score=config.auto_rate_score, comment="", resident=None,
                               automatic=True, now=now)
                _close(appeal, actor=None, text=_("评价完成，诉求归档。"), now=now)
                report.auto_rated += 1
            else:
                _close(appeal, actor=None, text=_("评价期已过，市民未评价，诉求归档（不计入满意率）。"), now=now)
                report.closed_unrated += 1
    return report


def _pending(appeal: Appeal) -> bool:
    """The appeal still waits for a rating (the window is what ran out)."""
    ratings = appeal.ratings.count()
    if appeal.state == AppealState.RESOLVED:
        return ratings < 2
    return appeal.state == AppealState.RATED and ratings == 1
