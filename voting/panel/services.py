"""Writes of the expert panel: one function per business action, each in one
transaction with its permission checked inside. The arithmetic of the
standings is in voting.panel.standings; this module decides *who* and *when*.

Permissions are django-rules predicates (voting.panel.rules) asked through
portal.permissions.require; refusals are the shared portal.exceptions kinds.

Over 400 lines on purpose: the panel's writes are one chain read top to
bottom (settings and criteria, finalists, reviewers, reviews, publication)
that shares the organisers' refusal and the number parsing of marks; it
becomes a package by concept when one of those parts grows."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.enums import PhaseKind
from cases.models import Campaign, Phase
from portal import selectors as portal_selectors
from portal import services as portal_services
from portal import notifications, timeutils
from portal.enums import Role
from portal.exceptions import ConflictError, InvalidError, NotFoundError
from portal.models import Unit, User
from portal.permissions import require
from portal.selectors import conflicted_units, conflicted_units_of
from voting.panel import phases, selectors
from voting.panel.models import (
    FINALISTS_MAX,
    FINALISTS_MIN,
    REVIEWS_PER_CASE_MAX,
    REVIEWS_PER_CASE_MIN,
    Criterion,
    Finalist,
    FinalistCut,
    Mark,
    PanelEvent,
    PanelSeat,
    PanelSettings,
    ResultVersion,
    Review,
    ReviewAssignment,
    ReviewerProfile,
)
from voting.panel.enums import Aggregate, AssignmentMode, PanelAction, ReviewerCategory, ReviewState, VoteMethod
from voting.panel.standings import select_finalists as cut_finalists


# The refusal of every organiser's action (403 permission_denied), as worded before issue 20.
ORGANISERS_ONLY = gettext_lazy("只有主办方可以执行此操作。")


# --- settings and criteria ----------------------------------------------------


def check_settings(*, finalists: int, aggregate: str, vote_method: str, vote_weight, assignment: str,
                   reviews_per_case: int) -> Decimal:
    """The panel settings' bounds and choices (the table's constraints say
    the same); returns the vote weight as a Decimal. Asked by
    set_panel_settings and the campaign set-up wizard alike."""
    if not FINALISTS_MIN <= finalists <= FINALISTS_MAX:
        raise InvalidError(_("入围案例数应在 %(min)d 到 %(max)d 之间。") % {"min": FINALISTS_MIN, "max": FINALISTS_MAX},
                           field="finalists")
    if aggregate not in Aggregate.values:
        raise InvalidError(_("未知的专家分计算方法。"), field="aggregate")
    if vote_method not in VoteMethod.values:
        raise InvalidError(_("未知的票数分计算方法。"), field="vote_method")
    if assignment not in AssignmentMode.values:
        raise InvalidError(_("未知的分配方式。"), field="assignment")
    try:
        vote_weight = Decimal(vote_weight)
    except (InvalidOperation, TypeError, ValueError):
        raise InvalidError(_("票数权重应在 0 到 1 之间，最多两位小数；专家权重 = 1 − 票数权重。"),
                           field="vote_weight") from None
    if not Decimal(0) <= vote_weight <= Decimal(1) or vote_weight != vote_weight.quantize(Decimal("0.01")):
        raise InvalidError(_("票数权重应在 0 到 1 之间，最多两位小数；专家权重 = 1 − 票数权重。"), field="vote_weight")
    if not REVIEWS_PER_CASE_MIN <= reviews_per_case <= REVIEWS_PER_CASE_MAX:
        raise InvalidError(_("每个案例至少评审人数应在 %(min)d 到 %(max)d 之间。")
                           % {"min": REVIEWS_PER_CASE_MIN, "max": REVIEWS_PER_CASE_MAX}, field="reviews_per_case")
    return vote_weight


@transaction.atomic
def set_panel_settings(
    *,
    actor: User | None,
    campaign: Campaign,
    finalists: int,
    aggregate: str,
    vote_method: str,
    vote_weight: Decimal,
    assignment: str,
    reviews_per_case: int,
    show_reviewer_names: bool,
) -> PanelSettings:
    """Set how finalists are chosen and scored. Methods and weights are
    fixed once results have been published (a correction may change them,
    through a new version)."""
    require(actor, "voting.manage_panel", campaign, message=ORGANISERS_ONLY)
    vote_weight = check_settings(finalists=finalists, aggregate=aggregate, vote_method=vote_method,
                                 vote_weight=vote_weight, assignment=assignment, reviews_per_case=reviews_per_case)
    panel, _created = PanelSettings.objects.select_for_update(no_key=True).get_or_create(campaign=campaign)
    panel.finalists = finalists
    panel.aggregate = aggregate
    panel.vote_method = vote_method
    panel.vote_weight = vote_weight
    panel.panel_weight = Decimal(1) - vote_weight
    panel.assignment = assignment
    panel.reviews_per_case = reviews_per_case
    panel.show_reviewer_names = show_reviewer_names
    panel.save()
    campaign._panel_settings = panel
    return panel


def ensure_default_criteria(campaign: Campaign) -> list[Criterion]:
    """有效性 40 / 创新性 30 / 反响度 30 (each marked out of its weight) when
    the campaign has none yet."""
    if not Criterion.objects.filter(campaign=campaign).exists():
        Criterion.objects.bulk_create([
            Criterion(campaign=campaign, name=name, weight=weight, max_mark=weight, guidance=guidance, position=i)
            for i, (name, weight, guidance) in enumerate(selectors.DEFAULT_CRITERIA)
        ], ignore_conflicts=True)
    return selectors.criteria_of(campaign)


def _decimal(value, field: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError) as exc:
        raise InvalidError(_("请输入数字。"), field=field) from exc
    if not number.is_finite():
        raise InvalidError(_("请输入数字。"), field=field)
    return number


@transaction.atomic
def set_criteria(*, actor: User | None, campaign: Campaign, criteria: list[dict]) -> list[Criterion]:
    """Replace a campaign's criteria (name, guidance, weight, max mark,
    required). Refused once the first review has been submitted."""
    require(actor, "voting.manage_panel", campaign, message=ORGANISERS_ONLY)
    Campaign.objects.select_for_update(no_key=True).filter(pk=campaign.pk).first()
    if selectors.criteria_frozen(campaign):
        raise ConflictError(_("已有评委提交评分，评分标准已锁定，不能再修改。"), code="criteria_frozen")
    if not criteria:
        raise InvalidError(_("至少需要一项评分标准。"), field="criteria")
    names = set()
    cleaned = []
    for position, item in enumerate(criteria):
        name = str(item.get("name", "")).strip()
        if not name or len(name) > 30:
            raise InvalidError(_("每项评分标准都需要名称（不超过 30 字）。"), field="criteria")
        if name in names:
            raise InvalidError(_("评分标准名称不能重复：%(name)s") % {"name": name}, field="criteria")
        names.add(name)
        weight = _decimal(item.get("weight"), "criteria")
        max_mark = _decimal(item.get("max_mark", weight), "criteria")
        if not Decimal(0) < weight <= Decimal(1000) or not Decimal(0) < max_mark <= Decimal(1000):
            raise InvalidError(_("权重和满分必须大于 0。"), field="criteria")
        cleaned.append(Criterion(
            campaign=campaign, name=name, guidance=str(item.get("guidance", "")).strip(), weight=weight,
            max_mark=max_mark, required=bool(item.get("required", True)), position=position,
        ))
    if not any(c.required for c in cleaned):
        raise InvalidError(_("至少需要一项必评标准。"), field="criteria")
    # Draft marks point at the old criteria; they were never submitted.
    Mark.objects.filter(criterion__campaign=campaign).delete()
    Criterion.objects.filter(campaign=campaign).delete()
    Criterion.objects.bulk_create(cleaned)
    return selectors.criteria_of(campaign)


# --- finalists ---------------------------------------------------------------


@transaction.atomic
def select_finalists(*, actor: User | None, campaign: Campaign, reason: str = "") -> FinalistCut:
    """The top N cases by valid votes become finalists, every case tied at the
    cut included; the cut is stored with the counts it used. Run by the
    system when voting closes (idempotent: an existing cut stays), or by an
    organiser, who must give a reason to recompute an existing cut."""
    require(actor, "voting.manage_panel", campaign, message=ORGANISERS_ONLY)
    Campaign.objects.select_for_update(no_key=True).filter(pk=campaign.pk).first()
    existing = selectors.current_cut(campaign)
    if existing is not None and actor is None:
        return existing
    reason = reason.strip()
    if existing is not None and not reason:
        raise InvalidError(_("重新计算入围名单需要填写原因。"), code="reason_required", field="reason")
    voting = Phase.objects.filter(campaign=campaign, kind=PhaseKind.VOTING).first()
    if voting is not None and timeutils.now() < voting.ends_at:
        raise ConflictError(_("公众投票尚未结束，投票结束后才能确定入围名单。"), code="voting_open")
    counts = selectors.valid_vote_counts(campaign)
    if not counts:
        raise ConflictError(_("此活动没有上榜案例。"), code="no_cases")
    n = selectors.settings_of(campaign).finalists
    result = cut_finalists(counts, n)
    if existing is not None:
        FinalistCut.objects.filter(pk=existing.pk).update(is_current=False)
    cut = FinalistCut.objects.create(
        campaign=campaign, actor=actor, n=n, cut_votes=result.cut_votes,
        counts={str(k): v for k, v in sorted(counts.items())}, reason=reason,
    )
    Finalist.objects.bulk_create([
        Finalist(cut=cut, case_id=case_id, votes=votes, vote_rank=rank) for case_id, votes, rank in result.finalists
    ])
    PanelEvent.objects.create(
        campaign=campaign, actor=actor, reason=reason,
        action=PanelAction.FINALISTS_RECOMPUTED if existing else PanelAction.FINALISTS_SELECTED,
        data={"cut": cut.pk, "n": n, "cut_votes": result.cut_votes, "finalists": result.case_ids,
              "tied_at_cut": list(result.tied_at_cut)},
    )
    ensure_default_criteria(campaign)
    return cut


def campaigns_due_for_finalists() -> list[int]:
    """Campaigns whose voting has closed and that have no finalists yet."""
    return list(
        Campaign.objects.filter(phases__kind=PhaseKind.VOTING, phases__ends_at__lte=timeutils.now())
        .exclude(finalist_cuts__isnull=False)
        .values_list("pk", flat=True)
    )


# --- reviewers ---------------------------------------------------------------


@transaction.atomic
def invite_reviewer(
    *,
    actor: User | None,
    campaign: Campaign,
    name: str,
    category: str,
    title: str = "",
    email: str = "",
    phone: str = "",
    unit_ids: list[int] | None = None,
) -> ReviewerProfile:
    """Put a reviewer on the campaign's panel: the account (found or created
    by email or phone) gets the reviewer role, one affiliation per unit, and
    an invitation with a link to sign in with a one-time code."""
    require(actor, "voting.manage_panel", campaign, message=ORGANISERS_ONLY)
    name, email, phone = name.strip(), email.strip().lower(), phone.strip()
    if not name:
        raise InvalidError(_("请填写评委姓名。"), field="name")
    if category not in ReviewerCategory.values:
        raise InvalidError(_("请选择评委类别。"), field="category")
    if bool(email) == bool(phone):
        raise InvalidError(_("请填写邮箱或手机号（二选一）。"), field="email")
    if phone and not phone.lstrip("+").isdigit():
        raise InvalidError(_("手机号格式不正确。"), field="phone")
    units = list(Unit.objects.filter(pk__in=unit_ids or []))
    if len(units) != len(set(unit_ids or [])):
        raise NotFoundError(_("所选单位不存在。"), field="unit_ids")
    # The account that verified the contact, else one with no other way in:
    # never one that merely typed the expert's address or number in.
    user = (
        portal_selectors.account_with_verified_email(email) or portal_selectors.unclaimed_email_signup(email)
        if email
        else portal_selectors.account_with_verified_phone(phone) or portal_selectors.unclaimed_phone_signup(phone)
    )
    if user is None:
        user = User.objects.create_user(email=email or None, phone=phone or None, display_name=name)
        if email:
            from allauth.account.models import EmailAddress

            EmailAddress.objects.get_or_create(user=user, email=email, defaults={"primary": True, "verified": False})
    portal_services.grant_role(actor=None, user=user, role=Role.REVIEWER)
    for unit in units:
        portal_services.grant_role(actor=None, user=user, role=Role.REVIEWER, unit=unit)
    profile, _created = ReviewerProfile.objects.update_or_create(
        user=user, defaults={"name": name, "title": title.strip(), "category": category}
    )
    PanelSeat.objects.get_or_create(campaign=campaign, reviewer=user, defaults={"invited_by": actor})
    # A conflict can appear after assignment: drop assignments of conflicted units
    # that have no submitted review (submitted ones stay visible to organisers).
    ReviewAssignment.objects.filter(campaign=campaign, reviewer=user, case__unit__in=list(conflicted_units(user))).exclude(
        case__panel_reviews__reviewer=user, case__panel_reviews__state=ReviewState.SUBMITTED
    ).delete()
    link = settings.SITE_URL.rstrip("/") + reverse("account_request_login_code")
    queue = settings.SITE_URL.rstrip("/") + reverse("voting:panel-queue", kwargs={"slug": campaign.slug})
    text = _(
        "%(name)s，您好：诚邀您担任“%(campaign)s”专家评审。请打开 %(link)s ，用本%(channel)s获取验证码登录，"
        "登录后进入评审页 %(queue)s 。"
    ) % {"name": name, "campaign": campaign.title, "link": link, "queue": queue,
         "channel": _("邮箱") if email else _("手机号")}

    if email:
        notifications.queue_email(
            to=[email], subject=_("专家评审邀请：%(campaign)s") % {"campaign": campaign.title}, body=text, about=profile
        )
    else:
        notifications.queue_sms(phone=phone, text=text, about=profile)
    return profile


@transaction.atomic
def assign_finalists(*, actor: User | None, campaign: Campaign) -> int:
    """Give the finalists to the panel: everyone scores every finalist
    (default), or balanced subsets so each finalist gets at least K reviews
    from the least-loaded eligible reviewers. Never a case of a unit the
    reviewer belongs to, nor of its parent or child units (the desk lists
    the skipped pairs: selectors.skipped_for_conflict). Existing assignments
    stay; returns how many were added."""
    require(actor, "voting.manage_panel", campaign, message=ORGANISERS_ONLY)
    Campaign.objects.select_for_update(no_key=True).filter(pk=campaign.pk).first()
    entries = selectors.finalists(campaign)
    if not entries:
        raise ConflictError(_("还没有入围名单，请先确定入围案例。"), code="no_finalists")
    reviewers = list(
        User.objects.filter(panel_seats__campaign=campaign, is_active=True).order_by("pk")
    )
    if not reviewers:
        raise ConflictError(_("评委名单为空，请先邀请评委。"), code="no_reviewers")
    panel = selectors.settings_of(campaign)
    blocked = conflicted_units_of(reviewers)
    existing = set(ReviewAssignment.objects.filter(campaign=campaign).values_list("case_id", "reviewer_id"))
    load = {r.pk: 0 for r in reviewers}
    for _case, reviewer_id in existing:
        if reviewer_id in load:
            load[reviewer_id] += 1
    new = []
    for finalist in entries:
        case = finalist.case
        eligible = [r.pk for r in reviewers if case.unit_id not in blocked[r.pk]]
        have = [rid for rid in eligible if (case.pk, rid) in existing]
        if panel.assignment == AssignmentMode.ALL_TO_ALL:
            chosen = [rid for rid in eligible if (case.pk, rid) not in existing]
        else:
            wanted = panel.reviews_per_case - len(have)
            if len(eligible) < panel.reviews_per_case:
                raise ConflictError(
                    _("“%(case)s”只有 %(n)s 位没有利益冲突的评委，达不到每案 %(k)s 人，请增加评委或降低人数。")
                    % {"case": case.title, "n": len(eligible), "k": panel.reviews_per_case},
                    code="not_enough_reviewers",
                )
            pool = sorted((rid for rid in eligible if (case.pk, rid) not in existing), key=lambda rid: (load[rid], rid))
            chosen = pool[:max(wanted, 0)]
        for rid in chosen:
            load[rid] += 1
            new.append(ReviewAssignment(campaign=campaign, case=case, reviewer_id=rid))
    ReviewAssignment.objects.bulk_create(new)
    if new:
        PanelEvent.objects.create(campaign=campaign, actor=actor, action=PanelAction.ASSIGNED,
                                  data={"added": len(new), "mode": panel.assignment})
    return len(new)


# --- reviews -----------------------------------------------------------------


def require_review_task(actor: User, campaign: Campaign, case_id: int) -> Finalist:
    """The finalist `actor` may score; any other (not a finalist, not
    assigned, a conflict of interest) answers as one that does not exist.
    The API asks before it reads the marks."""
    finalist = (
        Finalist.objects.filter(cut__campaign=campaign, cut__is_current=True, case_id=case_id)
        .select_related("case").first()
    )
    not_found = _("找不到这个评审任务。")
    if finalist is None:
        raise NotFoundError(not_found)
    require(actor, "voting.score_case", finalist.case, message=not_found, conceal=True)
    return finalist


@transaction.atomic
def save_review(
    *,
    actor: User,
    campaign: Campaign,
    case_id: int,
    marks: dict[int, object],
    comment: str = "",
    submit: bool = False,
) -> Review:
    """Save a reviewer's marks for one assigned finalist as a draft, or submit
    them, only inside the expert-review phase. Marks are range-checked against
    each criterion's maximum; submitting needs every required criterion. A
    submitted review is locked."""
    case = require_review_task(actor, campaign, case_id).case
    phases.check_review_open(campaign, track_id=case.track_id)
    criteria = {c.pk: c for c in selectors.criteria_of(campaign)}
    if not criteria:
        raise ConflictError(_("评分标准尚未设置。"), code="no_criteria")
    review, _created = Review.objects.get_or_create(
        case=case, reviewer=actor, defaults={"campaign": campaign}
    )
    review = Review.objects.select_for_update(no_key=True).get(pk=review.pk)
    if review.state == ReviewState.SUBMITTED:
        raise ConflictError(_("评分已提交并锁定；如需修改，请联系主办方重新开放。"), code="locked")
    cleaned: dict[int, Decimal | None] = {}
    for key, raw in marks.items():
        try:
            criterion = criteria[int(key)]
        except (KeyError, ValueError, TypeError) as exc:
            raise InvalidError(_("未知的评分标准。"), field="marks") from exc
        field = f"mark_{criterion.pk}"
        if raw is None or raw == "":
            cleaned[criterion.pk] = None
            continue
        value = _decimal(raw, field)
        if value != value.quantize(Decimal("0.1")):
            raise InvalidError(_("“%(name)s”最多保留一位小数。") % {"name": criterion.name}, field=field)
        if not Decimal(0) <= value <= criterion.max_mark:
            raise InvalidError(
                _("“%(name)s”的分数应在 0 到 %(max)s 之间。") % {"name": criterion.name, "max": format(criterion.max_mark.normalize(), "f")},
                code="out_of_range", field=field,
            )
        cleaned[criterion.pk] = value
    if len(comment) > 2000:
        raise InvalidError(_("评语不能超过 2000 字。"), field="comment")
    current = {m.criterion_id: m for m in Mark.objects.filter(review=review)}
    for criterion_id, value in cleaned.items():
        if criterion_id in current:
            if current[criterion_id].value != value:
                Mark.objects.filter(pk=current[criterion_id].pk).update(value=value)
        else:
            Mark.objects.create(review=review, criterion_id=criterion_id, value=value)
    values = {c: m.value for c, m in current.items()} | cleaned
    review.comment = comment.strip()
    if submit:
        missing = [c.name for c in criteria.values() if c.required and values.get(c.pk) is None]
        if missing:
            raise InvalidError(
                _("提交前请为以下必评标准打分：%(names)s。") % {"names": "、".join(missing)},
                code="incomplete", field=f"mark_{next(c.pk for c in criteria.values() if c.name == missing[0])}",
            )
        review.state = ReviewState.SUBMITTED
        review.submitted_at = timeutils.now()
        PanelEvent.objects.create(campaign=campaign, actor=actor, review=review, action=PanelAction.REVIEW_SUBMITTED,
                                  data={"case": case.pk, "marks": {str(k): str(v) for k, v in values.items()}})
        PanelSettings.objects.get_or_create(campaign=campaign)
        PanelSettings.objects.filter(campaign=campaign, criteria_frozen_at__isnull=True).update(
            criteria_frozen_at=review.submitted_at
        )
    review.save()
    return review


@transaction.atomic
def reopen_review(*, actor: User, review: Review, reason: str) -> Review:
    """An organiser unlocks a submitted review so its reviewer can change it (recorded)."""
    require(actor, "voting.reopen_review", review.campaign, message=ORGANISERS_ONLY)
    review = Review.objects.select_for_update(no_key=True).get(pk=review.pk)
    if review.state != ReviewState.SUBMITTED:
        raise ConflictError(_("只有已提交的评分可以重新开放。"), code="not_submitted")
    reason = reason.strip()
    if not reason:
        raise InvalidError(_("重新开放评分需要填写原因。"), code="reason_required", field="reason")
    review.state = ReviewState.DRAFT
    review.save(update_fields=["state", "updated_at"])
    PanelEvent.objects.create(campaign_id=review.campaign_id, actor=actor, review=review,
                              action=PanelAction.REVIEW_REOPENED, reason=reason, data={"case": review.case_id})
    return review


# --- publication -------------------------------------------------------------


@transaction.atomic
def publish_results(*, actor: User, campaign: Campaign, reason: str = "", override: bool = False) -> ResultVersion:
    """Publish the standings as they stand. Needs every assigned review
    submitted, or an override with a reason. Published results are frozen:
    publishing again is a correction, a new version with its reason. Neither
    before the results phase has started."""
    require(actor, "voting.publish_results", campaign, message=ORGANISERS_ONLY)
    Campaign.objects.select_for_update(no_key=True).filter(pk=campaign.pk).first()
    phases.check_results_started(campaign)
    reason = reason.strip()
    if selectors.current_cut(campaign) is None:
        raise ConflictError(_("还没有入围名单，无法发布结果。"), code="no_finalists")
    submitted, assigned = selectors.completeness(campaign)
    if assigned == 0:
        raise ConflictError(_("还没有分配评审任务，无法发布结果。"), code="no_assignments")
    incomplete = submitted < assigned
    if incomplete and not override:
        raise ConflictError(
            _("还有 %(n)s 份评分未提交。请等待全部提交，或勾选“未全部完成时发布”并填写原因。") % {"n": assigned - submitted},
            code="reviews_missing",
        )
    if incomplete and not reason:
        raise InvalidError(_("评审未全部完成时发布需要填写原因。"), code="reason_required", field="reason")
    latest = selectors.published(campaign)
    if latest is not None and not reason:
        raise InvalidError(_("结果已发布；发布更正版本需要填写更正原因。"), code="reason_required", field="reason")
    result = selectors.standings(campaign)
    version = (latest.version + 1) if latest else 1
    try:
        with transaction.atomic():
            published = ResultVersion.objects.create(
                campaign=campaign, version=version, published_by=actor, reason=reason, override=incomplete,
                breakdown=selectors.breakdown(campaign, result),
            )
    except IntegrityError as exc:
        raise ConflictError(_("另一位主办方刚刚发布了结果，请刷新后再试。")) from exc
    PanelEvent.objects.create(
        campaign=campaign, actor=actor, reason=reason,
        action=PanelAction.RESULTS_CORRECTED if latest else PanelAction.RESULTS_PUBLISHED,
        data={"version": version, "override": incomplete, "submitted": submitted, "assigned": assigned},
    )
    return published
