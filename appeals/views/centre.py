"""The dispatch centre's pages: the dispatch queue, hotline calls and online
clues, dispatching, extensions, checks of rectifications, the public text
and its moderation before publication, similar-case clusters.
Thin: parse, call one service or selector, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from appeals import charts, selectors, services
from appeals.enums import ClueState, ClusterState
from appeals.forms import (
    CallerForm,
    ClueConvertForm,
    ClueForm,
    ClueVerifyForm,
    DispatchForm,
    ExtensionDecisionForm,
    QueueSearchForm,
    new_token,
)
from appeals.models import ExtensionRequest, OnlineClue
from appeals.selectors import moderation as moderation_selectors
from appeals.selectors import public as public_selectors
from appeals.selectors import queue as queue_selectors
from appeals.selectors.queue import QueueFilters
from appeals.views.common import INPUT_REFUSALS, NOT_YOUR_PAGE, PAGE_SIZE, back_to_appeal, pk_of
from portal.errors import flash_refusal, form_refusal
from portal.exceptions import PortalError
from portal.forms import filter_query
from portal.permissions import require


@login_required
def centre(request: HttpRequest) -> HttpResponse:
    require(request.user, "appeals.use_dispatch_centre", message=NOT_YOUR_PAGE)
    now = timezone.now()
    search = QueueSearchForm(request.GET or None)
    accepted, refusals = filter_query(search)
    filters = QueueFilters.of(accepted)
    queue = queue_selectors.search_queue(actor=request.user, filters=filters, now=now)
    page = Paginator(queue, PAGE_SIZE).get_page(request.GET.get("page"))
    kept = request.GET.copy()
    kept.pop("page", None)
    return render(request, "appeals/centre.html", {
        "page": page, "now": now, "search": search, "refusals": refusals, "searching": filters != QueueFilters(),
        "extra": f"&{kept.urlencode()}" if kept else "",
        "overdue": list(selectors.overdue_parts(now)[:20]),
        "extensions": list(selectors.pending_extensions()[:20]),
        "clue_count": selectors.open_clues().count(),
        "to_check": list(selectors.public.rectifications_to_check()[:50]),
    }, status=400 if refusals else 200)


@login_required
def caller_intake(request: HttpRequest) -> HttpResponse:
    require(request.user, "appeals.file_for_caller", message=NOT_YOUR_PAGE)
    form = CallerForm(request.POST or None, initial={"idempotency_key": new_token()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            result = services.file_for_caller(
                actor=request.user, idempotency_key=data["idempotency_key"], item_id=pk_of(data["item"]),
                area_id=data["area"].pk, urgency=data["urgency"], title=data["title"],
                description=data["description"], address=data["address"], caller_name=data["caller_name"],
                caller_phone=data["caller_phone"], publish_consent=data["publish_consent"],
            )
        except PortalError as refusal:
            form_refusal(form, refusal)
        else:
            messages.success(request, _("已登记来电，编号 %(number)s。") % {"number": result.appeal.tracking_number})
            return redirect("appeals:staff-detail", appeal_id=result.appeal.pk)
    return render(request, "appeals/caller.html", {"form": form})


@login_required
def clues(request: HttpRequest) -> HttpResponse:
    require(request.user, "appeals.manage_clues", message=NOT_YOUR_PAGE)
    form = ClueForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            clue = services.capture_clue(
                actor=request.user, platform=data["platform"], url=data["url"], summary=data["summary"],
                area_id=pk_of(data["area"]),
            )
        except PortalError as refusal:
            form_refusal(form, refusal)
        else:
            messages.success(request, _("线索已登记，请核实。"))
            return redirect("appeals:clue", clue_id=clue.pk)
    return render(request, "appeals/clues.html", {
        "form": form,
        "clues": list(OnlineClue.objects.select_related("area", "appeal").order_by("-captured_at")[:50]),
    })


@login_required
def clue_detail(request: HttpRequest, clue_id: int) -> HttpResponse:
    require(request.user, "appeals.manage_clues", message=NOT_YOUR_PAGE)
    clue = OnlineClue.objects.select_related("area", "appeal").filter(pk=clue_id).first()
    if clue is None:
        raise Http404
    verify_form = ClueVerifyForm(prefix="verify")
    convert_form = ClueConvertForm(prefix="convert", initial={"area": clue.area_id, "description": clue.summary})
    if request.method == "POST":
        try:
            if "verify-genuine" in request.POST:
                verify_form = ClueVerifyForm(request.POST, prefix="verify")
                if verify_form.is_valid():
                    services.verify_clue(actor=request.user, clue_id=clue.pk, **verify_form.cleaned_data)
                    messages.success(request, _("核实结果已保存。"))
                    return redirect("appeals:clue", clue_id=clue.pk)
            else:
                convert_form = ClueConvertForm(request.POST, prefix="convert")
                if convert_form.is_valid():
                    data = convert_form.cleaned_data
                    result = services.convert_clue(
                        actor=request.user, clue_id=clue.pk, item_id=pk_of(data["item"]), area_id=data["area"].pk,
                        urgency=data["urgency"], title=data["title"], description=data["description"],
                        address=data["address"], contact_name=data["contact_name"], contact_phone=data["contact_phone"],
                    )
                    messages.success(request, _("已转为工单 %(number)s。") % {"number": result.appeal.tracking_number})
                    return redirect("appeals:staff-detail", appeal_id=result.appeal.pk)
        except PortalError as refusal:
            form_refusal(verify_form if "verify-genuine" in request.POST else convert_form, refusal)
    return render(request, "appeals/clue_detail.html", {
        "clue": clue, "verify_form": verify_form, "convert_form": convert_form,
        "can_verify": clue.state == ClueState.NEW, "can_convert": clue.state == ClueState.VERIFIED,
    })


@login_required
@require_POST
def dispatch(request: HttpRequest, appeal_id: int) -> HttpResponse:
    form = DispatchForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, errors[0])
        return back_to_appeal(appeal_id)
    data = form.cleaned_data
    co_units = list(data["co_units"])
    instructions = {data["primary_unit"].pk: data["primary_instructions"]}
    instructions.update({u.pk: data["co_instructions"] for u in co_units})
    try:
        appeal = services.dispatch_appeal(
            actor=request.user, appeal_id=appeal_id, item_id=data["item"].pk, urgency=data["urgency"],
            primary_unit_id=data["primary_unit"].pk, co_unit_ids=[u.pk for u in co_units],
            instructions=instructions, reason=data["reason"],
        )
    except INPUT_REFUSALS as refusal:
        flash_refusal(request, refusal)
        return back_to_appeal(appeal_id)
    messages.success(request, _("已派单至 %(unit)s。") % {"unit": appeal.primary_unit})
    return redirect("appeals:centre")


@login_required
@require_POST
def decide_extension(request: HttpRequest, extension_id: int) -> HttpResponse:
    form = ExtensionDecisionForm(request.POST)
    extension = ExtensionRequest.objects.filter(pk=extension_id).select_related("work_order").first()
    if extension is None:
        raise Http404
    if not form.is_valid():
        messages.error(request, _("请选择同意或不同意。"))
        return back_to_appeal(extension.work_order.appeal_id)
    try:
        services.decide_extension(actor=request.user, extension_id=extension_id, **form.cleaned_data)
    except INPUT_REFUSALS as refusal:
        flash_refusal(request, refusal)
    else:
        messages.success(request, _("延期申请已处理。"))
    return back_to_appeal(extension.work_order.appeal_id)


@login_required
@require_POST
def check_rectification(request: HttpRequest, rectification_id: int) -> HttpResponse:
    verdict = request.POST.get("verdict")
    try:
        rectification = services.check_rectification(
            actor=request.user, rectification_id=rectification_id, verified=verdict == "verified",
            note=request.POST.get("note", "") if verdict in ("verified", "reopen") else "",
        )
    except INPUT_REFUSALS as refusal:
        messages.error(request, refusal.message if verdict in ("verified", "reopen") else _("请选择核实结果并填写意见。"))
        return redirect("appeals:centre")
    messages.success(request, _("核实结果已保存。"))
    return redirect("appeals:staff-detail", appeal_id=rectification.appeal_id)


@login_required
def public_text(request: HttpRequest, appeal_id: int) -> HttpResponse:
    require(request.user, "appeals.edit_public_text", message=NOT_YOUR_PAGE)
    appeal = selectors.appeal_for_staff(appeal_id)
    error = None
    if request.method == "POST":
        try:
            services.edit_public_text(
                actor=request.user, appeal_id=appeal.pk, title=request.POST.get("title", ""),
                description=request.POST.get("description", ""), hidden=request.POST.get("hidden") == "on",
            )
        except INPUT_REFUSALS as refusal:
            error = refusal
        else:
            messages.success(request, _("公开内容已保存。"))
            return redirect("appeals:staff-detail", appeal_id=appeal.pk)
    return render(request, "appeals/public_text.html", {
        "appeal": appeal, "error": error,
        "title": request.POST.get("title", appeal.public_title), "description": request.POST.get("description", appeal.public_description),
        "hidden": request.POST.get("hidden") == "on" if request.method == "POST" else appeal.public_hidden,
    }, status=error.status if error else 200)


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    require(request.user, "appeals.moderate_publication", message=NOT_YOUR_PAGE)
    return render(request, "appeals/moderation_queue.html", {"appeals": list(moderation_selectors.moderation_queue()[:100])})


@login_required
def review(request: HttpRequest, appeal_id: int) -> HttpResponse:
    require(request.user, "appeals.moderate_publication", message=NOT_YOUR_PAGE)
    found = moderation_selectors.review_of(appeal_id)
    appeal = found.appeal
    error = None
    if request.method == "POST":
        publish = request.POST.get("decision") == "publish"
        try:
            services.moderate_appeal(
                actor=request.user, appeal_id=appeal.pk, publish=publish, title=request.POST.get("title", ""),
                description=request.POST.get("description", ""), reason=request.POST.get("reason", ""),
            )
        except INPUT_REFUSALS as refusal:
            error = refusal
        else:
            messages.success(request, _("已公开到问政墙。") if publish else _("已决定不予公开。"))
            return redirect("appeals:moderation")
    return render(request, "appeals/moderation_review.html", {
        "review": found, "appeal": appeal, "error": error,
        "title": request.POST.get("title", appeal.public_title),
        "description": request.POST.get("description", appeal.public_description),
        "reason": request.POST.get("reason", ""),
    }, status=error.status if error else 200)


@login_required
def clusters(request: HttpRequest) -> HttpResponse:
    require(request.user, "appeals.view_clusters", message=NOT_YOUR_PAGE)
    state = request.GET.get("state") or ""
    refusals = [] if not state or state in ClusterState.values else [_("没有这个类案状态。")]
    if refusals:
        state = ""
    return render(request, "appeals/clusters.html", {
        "clusters": list(public_selectors.clusters(state or None)[:100]), "state": state, "states": ClusterState.choices,
        "refusals": refusals,
    }, status=400 if refusals else 200)


CLUSTER_ACTIONS = {
    "confirm": (lambda r, c: services.confirm_cluster(actor=r.user, cluster_id=c, label=r.POST.get("label", "")), _("已确认为类案。")),
    "dismiss": (lambda r, c: services.dismiss_cluster(actor=r.user, cluster_id=c), _("已标记为不是类案。")),
    "merge": (lambda r, c: services.merge_clusters(actor=r.user, target_id=c, source_ids=r.POST.getlist("source_ids")), _("已合并。")),
    "split": (lambda r, c: services.split_cluster(actor=r.user, cluster_id=c, appeal_ids=r.POST.getlist("appeal_ids"),
                                                  label=r.POST.get("label", "")), _("已拆分为新的类案。")),
    "reply": (lambda r, c: services.reply_to_cluster(actor=r.user, cluster_id=c, body=r.POST.get("body", "")), _("统一答复已发给类案中的每位市民。")),
}


@login_required
def cluster_detail(request: HttpRequest, cluster_id: int) -> HttpResponse:
    require(request.user, "appeals.view_clusters", message=NOT_YOUR_PAGE)
    cluster = public_selectors.cluster_detail(cluster_id)
    if request.method == "POST":
        action = CLUSTER_ACTIONS.get(request.POST.get("action", ""))
        if action is None:
            messages.error(request, _("未知操作。"))
        else:
            try:
                result = action[0](request, cluster.pk)
            except INPUT_REFUSALS as refusal:
                flash_refusal(request, refusal)
            else:
                messages.success(request, action[1])
                if request.POST.get("action") == "split":
                    return redirect("appeals:cluster", cluster_id=result.pk)
        return redirect("appeals:cluster", cluster_id=cluster.pk)
    weeks = public_selectors.cluster_trend(cluster)
    return render(request, "appeals/cluster.html", {
        "cluster": cluster, "members": public_selectors.cluster_members(cluster), "weeks": weeks,
        "weeks_svg": charts.weekly_svg(weeks, title=_("每周诉求数")) if weeks else "",
        "units": public_selectors.cluster_units(cluster),
        "others": list(public_selectors.clusters().filter(item_id=cluster.item_id).exclude(pk=cluster.pk)[:20]),
        "can_manage": request.user.has_perm("appeals.manage_clusters"),
    })
