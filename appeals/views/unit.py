"""A unit's pages: its inbox of work orders, the actions on its part of an
appeal (accept, return, reply, resolve, ask for more time), rectifications.
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

from appeals import selectors, services
from appeals.enums import InboxBucket
from appeals.forms import ExtensionForm, ReasonForm, ReplyForm, ResolveForm
from appeals.models import WorkOrder
from appeals.views.common import INPUT_REFUSALS, NOT_YOUR_PAGE, PAGE_SIZE, back_to_appeal
from portal import selectors as portal_selectors
from portal.errors import flash_refusal
from portal.permissions import require


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    require(request.user, "appeals.view_unit_inbox", message=NOT_YOUR_PAGE)
    unit = portal_selectors.staff_unit_of(request.user)
    bucket = request.GET.get("bucket") or InboxBucket.NEW
    # An edited link names a list that does not exist: say so and show the new work.
    refusals = [] if bucket in InboxBucket.values else [_("没有这个工单列表。")]
    if refusals:
        bucket = InboxBucket.NEW
    now = timezone.now()
    page = Paginator(selectors.unit_inbox(unit=unit, bucket=bucket, now=now), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "appeals/inbox.html", {
        "unit": unit, "bucket": bucket, "buckets": InboxBucket.choices, "page": page, "now": now,
        "counts": selectors.unit_inbox_counts(unit=unit, now=now),
        "escalated": selectors.escalations_for_parent(unit=unit),
        "rectifications": list(selectors.public.rectifications_for_unit(unit)[:50]), "refusals": refusals,
    }, status=400 if refusals else 200)


PART_ACTIONS = {
    "accept": (None, lambda request, pk, data: services.accept_part(actor=request.user, work_order_id=pk), _("已签收。")),
    "return": (ReasonForm, lambda request, pk, data: services.return_part(actor=request.user, work_order_id=pk, reason=data["reason"]), _("已退回派单中心。")),
    "reply": (ReplyForm, lambda request, pk, data: services.reply_to_appeal(actor=request.user, work_order_id=pk, body=data["body"]), _("答复已发布。")),
    "resolve": (ResolveForm, lambda request, pk, data: services.resolve_appeal(actor=request.user, work_order_id=pk, summary=data["summary"], photos=request.FILES.getlist("photos")), _("已办结。")),
    "extension": (ExtensionForm, lambda request, pk, data: services.request_extension(actor=request.user, work_order_id=pk, extra_working_days=data["extra_working_days"], reason=data["reason"]), _("延期申请已提交派单中心。")),
}


@login_required
@require_POST
def part_action(request: HttpRequest, work_order_id: int, action: str) -> HttpResponse:
    if action not in PART_ACTIONS:
        raise Http404
    form_class, call, done = PART_ACTIONS[action]
    part = WorkOrder.objects.filter(pk=work_order_id).first()
    if part is None:
        raise Http404
    data = {}
    if form_class is not None:
        form = form_class(request.POST, request.FILES)
        if not form.is_valid():
            require(request.user, "appeals.work_on_part", part, message=NOT_YOUR_PAGE)
            for errors in form.errors.values():
                messages.error(request, errors[0])
            return back_to_appeal(part.appeal_id)
        data = form.cleaned_data
    try:
        call(request, work_order_id, data)
    except INPUT_REFUSALS as refusal:
        flash_refusal(request, refusal)
    else:
        messages.success(request, done)
    return back_to_appeal(part.appeal_id)


@login_required
@require_POST
def submit_rectification(request: HttpRequest, rectification_id: int) -> HttpResponse:
    try:
        rectification = services.submit_rectification(
            actor=request.user, rectification_id=rectification_id, report=request.POST.get("report", "")
        )
    except INPUT_REFUSALS as refusal:
        flash_refusal(request, refusal)
        return redirect(request.POST.get("back") or "appeals:inbox")
    messages.success(request, _("整改情况已提交，等待派单中心核实。"))
    return redirect("appeals:staff-detail", appeal_id=rectification.appeal_id)
