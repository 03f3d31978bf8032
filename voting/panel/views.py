"""Pages of the expert panel: the reviewer's queue and scoring form, the
organiser's panel desk and live standings, the public results. Refusals
reach the person through portal.errors: the error page (RefusalMiddleware),
a form error (form_refusal) or a message on the desk (flash_refusal)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from cases.models import Campaign
from portal import exports
from portal.errors import flash_refusal, form_refusal
from portal.exceptions import PortalError
from portal.permissions import require
from portal.reauth import reauthentication_required
from voting.panel import selectors
from voting.panel import services
from voting.panel.models import Review
from voting.panel.enums import Aggregate, VoteMethod
from voting.panel.forms import (
    CriterionFormSet,
    InviteForm,
    PanelSettingsForm,
    PublishForm,
    ReasonForm,
    ReviewForm,
)


# A role refused a panel page: the words of the portal's 403 page (portal.handlers.forbidden).
NOT_YOURS = gettext_lazy("你没有权限查看此页面。如需帮助，请联系主办方。")


def _campaign(slug: str) -> Campaign:
    return get_object_or_404(Campaign, slug=slug)


# --- reviewers ----------------------------------------------------------------


@login_required
def panel_home(request: HttpRequest) -> HttpResponse:
    """Organisers: the panel's progress (and their own queue if they also
    review); reviewers: their campaigns, straight to the queue when one."""
    if request.user.has_perm("voting.view_panel_progress"):
        own = selectors.panel_campaigns(request.user) if request.user.has_perm("voting.view_panel") else []
        return render(request, "voting/panel_progress.html", {
            "panels": selectors.panel_progress(request.user), "campaigns": own,
        })
    require(request.user, "voting.view_panel", message=NOT_YOURS)
    campaigns = selectors.panel_campaigns(request.user)
    if len(campaigns) == 1:
        return redirect("voting:panel-queue", slug=campaigns[0].slug)
    return render(request, "voting/panel_home.html", {"campaigns": campaigns})


@login_required
def panel_queue(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = _campaign(slug)
    require(request.user, "voting.view_panel", message=NOT_YOURS)
    items = selectors.queue(request.user, campaign)
    done = sum(1 for item in items if item.state == "submitted")
    return render(request, "voting/panel_queue.html", {
        "campaign": campaign, "items": items, "done": done, "total": len(items),
    })


@login_required
def panel_case(request: HttpRequest, slug: str, case_id: int) -> HttpResponse:
    campaign = _campaign(slug)
    finalist = selectors.case_for_reviewer(request.user, campaign, case_id)  # 404 unless assigned, no conflict
    case = finalist.case
    criteria = selectors.criteria_of(campaign)
    review = selectors.own_review(request.user, case)
    if request.method == "POST":
        form = ReviewForm(request.POST, criteria=criteria)
        if form.is_valid():
            submit = "submit" in request.POST
            try:
                services.save_review(actor=request.user, campaign=campaign, case_id=case.pk, marks=form.marks(),
                                     comment=form.cleaned_data["comment"], submit=submit)
            except PortalError as error:
                form_refusal(form, error)
            else:
                messages.success(request, _("评分已提交，现在可以看到其他评委的评分。") if submit else _("草稿已保存。"))
                return redirect("voting:panel-case", slug=slug, case_id=case.pk)
    else:
        initial = {"comment": review.comment if review else ""}
        if review:
            initial |= {f"mark_{m.criterion_id}": m.value for m in review.marks.all()}
        form = ReviewForm(initial=initial, criteria=criteria)
    items = selectors.queue(request.user, campaign)
    ids = [item.finalist.case_id for item in items]
    position = ids.index(case.pk) if case.pk in ids else 0
    next_id = next((item.finalist.case_id for item in items[position + 1:] if item.state != "submitted"), None)
    return render(request, "voting/panel_case.html", {
        "campaign": campaign, "finalist": finalist, "entry": case, "images": list(case.images.all()),
        "form": form, "review": review, "locked": bool(review and review.is_submitted),
        "others": selectors.marks_after_submitting(request.user, case),
        "position": position + 1, "total": len(ids), "next_id": next_id,
        "votes": selectors.valid_vote_counts(campaign).get(case.pk, finalist.votes),
    })


# --- organisers --------------------------------------------------------------


def _organiser_campaign(request: HttpRequest, slug: str) -> Campaign:
    campaign = _campaign(slug)
    require(request.user, "voting.manage_panel", campaign, message=NOT_YOURS)
    return campaign


@login_required
def panel_manage(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = _organiser_campaign(request, slug)
    panel = selectors.settings_of(campaign)
    criteria = selectors.criteria_of(campaign)
    submitted, assigned = selectors.completeness(campaign)
    return render(request, "voting/panel_manage.html", {
        "campaign": campaign,
        "settings_form": PanelSettingsForm(initial={
            "finalists": panel.finalists, "aggregate": panel.aggregate, "vote_method": panel.vote_method,
            "vote_weight": panel.vote_weight, "assignment": panel.assignment,
            "reviews_per_case": panel.reviews_per_case, "show_reviewer_names": panel.show_reviewer_names,
        }),
        "criteria": criteria,
        "criteria_frozen": selectors.criteria_frozen(campaign),
        "criteria_formset": CriterionFormSet(prefix="criteria", initial=[
            {"name": c.name, "guidance": c.guidance, "weight": c.weight, "max_mark": c.max_mark, "required": c.required}
            for c in criteria
        ]),
        "cut": selectors.current_cut(campaign),
        "cuts": selectors.cuts(campaign)[:10],
        "finalists": selectors.finalists(campaign),
        "seats": selectors.seats(campaign),
        "invite_form": InviteForm(),
        "reason_form": ReasonForm(),
        "publish_form": PublishForm(),
        "submitted": submitted,
        "assigned": assigned,
        "reviews": selectors.reviews_to_reopen(campaign),
        "skipped": selectors.skipped_for_conflict(campaign),
        "versions": selectors.result_versions(campaign),
    })


def _back(slug: str, anchor: str = "") -> HttpResponse:
    return redirect(reverse("voting:panel-manage", kwargs={"slug": slug}) + (f"#{anchor}" if anchor else ""))


def _act(request: HttpRequest, slug: str, anchor: str, action, success) -> HttpResponse:
    """Runs one action of the panel desk: the service's refusal, or success(result),
    as a message on the desk's section."""
    try:
        result = action()
    except PortalError as error:
        flash_refusal(request, error)
    else:
        messages.success(request, success(result))
    return _back(slug, anchor)


@login_required
@require_POST
def panel_settings(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = _organiser_campaign(request, slug)
    form = PanelSettingsForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("设置未保存：") + " ".join(str(e) for errors in form.errors.values() for e in errors))
        return _back(slug, "settings")
    return _act(request, slug, "settings",
                lambda: services.set_panel_settings(actor=request.user, campaign=campaign, **form.cleaned_data),
                lambda _result: _("评审设置已保存。"))


@login_required
@require_POST
def panel_criteria(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = _organiser_campaign(request, slug)
    formset = CriterionFormSet(request.POST, prefix="criteria")
    if not formset.is_valid():
        messages.error(request, _("评分标准未保存，请检查数字。"))
        return _back(slug, "criteria")
    rows = [f.cleaned_data for f in formset.forms if f.cleaned_data.get("name")]
    return _act(request, slug, "criteria",
                lambda: services.set_criteria(actor=request.user, campaign=campaign, criteria=rows),
                lambda _result: _("评分标准已保存。"))


@login_required
@require_POST
def panel_finalists(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = _organiser_campaign(request, slug)
    form = ReasonForm(request.POST)
    form.is_valid()
    return _act(request, slug, "finalists",
                lambda: services.select_finalists(actor=request.user, campaign=campaign, reason=form.cleaned_data.get("reason", "")),
                lambda cut: _("入围名单已确定：%(n)s 个案例。") % {"n": cut.finalists.count()})


@login_required
@require_POST
def panel_invite(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = _organiser_campaign(request, slug)
    form = InviteForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("邀请未发送：") + " ".join(str(e) for errors in form.errors.values() for e in errors))
        return _back(slug, "reviewers")
    data = form.cleaned_data
    return _act(request, slug, "reviewers",
                lambda: services.invite_reviewer(
                    actor=request.user, campaign=campaign, name=data["name"], title=data["title"], category=data["category"],
                    email=data["email"], phone=data["phone"], unit_ids=[u.pk for u in data["units"]],
                ),
                lambda profile: _("已邀请 %(name)s。") % {"name": profile.name})


@login_required
@require_POST
def panel_assign(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = _organiser_campaign(request, slug)
    return _act(request, slug, "reviewers",
                lambda: services.assign_finalists(actor=request.user, campaign=campaign),
                lambda added: _("新增 %(n)s 项评审任务，%(skipped)s 对评委与案例因利益冲突跳过。")
                % {"n": added, "skipped": len(selectors.skipped_for_conflict(campaign))})


@login_required
@require_POST
def panel_reopen(request: HttpRequest, slug: str, review_id: int) -> HttpResponse:
    campaign = _organiser_campaign(request, slug)
    review = get_object_or_404(Review, pk=review_id, campaign=campaign)
    form = ReasonForm(request.POST)
    form.is_valid()
    return _act(request, slug, "reviews",
                lambda: services.reopen_review(actor=request.user, review=review, reason=form.cleaned_data.get("reason", "")),
                lambda _result: _("评分已重新开放。"))


@login_required
@require_POST
@reauthentication_required
def panel_publish(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = _organiser_campaign(request, slug)
    form = PublishForm(request.POST)
    form.is_valid()
    try:
        version = services.publish_results(actor=request.user, campaign=campaign, reason=form.cleaned_data.get("reason", ""),
                                           override=form.cleaned_data.get("override", False))
    except PortalError as error:
        flash_refusal(request, error)
        return _back(slug, "publish")
    messages.success(request, _("结果已发布（第 %(v)s 版）。") % {"v": version.version})
    return redirect("voting:results", slug=slug)


@login_required
def panel_standings(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = _campaign(slug)
    require(request.user, "voting.view_standings", campaign, message=NOT_YOURS)
    result = selectors.standings(campaign)
    labels = selectors.reviewer_labels(campaign)
    profiles = {p.user_id: p.name for p in selectors.reviewer_profiles()}
    hints = [(profiles.get(h.reviewer_id) or labels.get(h.reviewer_id), h) for h in selectors.hints(result) if h.flagged]
    submitted, assigned = selectors.completeness(campaign)
    return render(request, "voting/panel_standings.html", {
        "campaign": campaign, "result": result, "hints": hints,
        "submitted": submitted, "assigned": assigned,
    })


# --- public results -------------------------------------------------------------


def results(request: HttpRequest, slug: str, version: int | None = None) -> HttpResponse:
    campaign = _campaign(slug)
    published = selectors.published(campaign, version)
    if published is None:
        if version is not None:
            raise Http404
        return render(request, "voting/results_pending.html", {"campaign": campaign}, status=200)
    latest = selectors.published(campaign)
    data = published.breakdown
    return render(request, "voting/results.html", {
        "campaign": campaign, "published": published, "latest": latest, "is_latest": latest.pk == published.pk,
        "data": data, "criteria": data["criteria"],
        "rows": [row | {"averages": [row["criterion_averages"].get(c["key"]) for c in data["criteria"]]}
                 for row in data["rows"]],
        "versions": selectors.result_versions(campaign),
        "aggregate_label": Aggregate(data["settings"]["aggregate"]).label,
        "vote_method_label": VoteMethod(data["settings"]["vote_method"]).label,
        "vote_percent": round(float(data["settings"]["vote_weight"]) * 100),
        "panel_percent": round(float(data["settings"]["panel_weight"]) * 100),
    })


EXPORT_HEADER_BASE = ["名次", "案例", "单位", "有效票数", "票数名次", "票数分", "票数分（精确）", "专家分", "专家分（精确）",
                      "票数部分", "专家部分", "最终得分", "同分处理", "有效评分数"]


def export_rows(data: dict) -> tuple[list[str], list[list]]:
    """One line per reviewer's review (with the case's figures), so every
    mark behind every number is in the file."""
    criteria = data["criteria"]
    header = EXPORT_HEADER_BASE + [f"平均·{c['name']}" for c in criteria] + ["评委"] + [
        c["name"] for c in criteria] + ["评委总分", "标准化后", "是否计入"]
    rows = []
    dropped = {"": "计入", "highest": "去掉最高分", "lowest": "去掉最低分", "incomplete": "不完整，未计入"}
    for row in data["rows"]:
        base = [row["rank"], row["title"], row["unit"], row["votes"], row["vote_rank"], row["vote_score"],
                row["vote_score_exact"], row["panel_score"], row["panel_score_exact"], row["vote_part"],
                row["panel_part"], row["final_score"], row["tie_break"], row["complete_reviews"]]
        base += [row["criterion_averages"].get(c["key"]) for c in criteria]
        for review in row["reviews"] or [None]:
            if review is None:
                rows.append(base + [""] * (len(criteria) + 4))
                continue
            rows.append(base + [review["reviewer"]] + [review["marks"].get(c["key"]) for c in criteria] + [
                review["total"], review["adjusted"], dropped.get(review["dropped"], review["dropped"])])
    return header, rows


def results_export(request: HttpRequest, slug: str, version: int, fmt: str) -> HttpResponse:
    campaign = _campaign(slug)
    published = selectors.published(campaign, version)
    if published is None:
        raise Http404
    header, rows = export_rows(published.breakdown)
    filename = f"results-{campaign.slug}-v{published.version}"
    if fmt == "csv":
        return exports.csv_response(filename=filename, header=header, rows=rows)
    return exports.xlsx_response(filename=filename, sheet=_("评审结果"), header=header, rows=rows)
