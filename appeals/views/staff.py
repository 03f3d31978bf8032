"""Staff pages about one appeal, shared by the units handling it and the
dispatch centre: the staff page with its forms, the logged reveal of the
resident's contact, internal notes; the organisers' log of reveals.
Thin: parse, call one service or selector, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from appeals import selectors, services
from appeals.enums import ExtensionState, PartState
from appeals.forms import (
    ContactLogFilterForm,
    ContactRevealForm,
    DispatchForm,
    ExtensionDecisionForm,
    ExtensionForm,
    NoteForm,
    ReasonForm,
    ReplyForm,
    ResolveForm,
)
from appeals.models import ExtensionRequest
from appeals.views.common import INPUT_REFUSALS, NOT_YOUR_PAGE, back_to_appeal, pk_of
from portal import selectors as portal_selectors
from portal.errors import flash_refusal
from portal.permissions import require
from portal.reauth import reauthentication_required


@login_required
def staff_detail(request: HttpRequest, appeal_id: int, contact=None, status: int = 200,
                 reveal_form: ContactRevealForm | None = None) -> HttpResponse:
    appeal = selectors.appeal_for_staff(appeal_id)
    user = request.user
    require(user, "appeals.view_staff_appeal", appeal, conceal=True)
    unit = portal_selectors.staff_unit_of(user)
    my_part = selectors.part_of_unit(appeal, unit)
    context = {
        "appeal": appeal,
        "timeline": selectors.staff_timeline(appeal),
        "parts": selectors.parts_of(appeal),
        "photos": selectors.photos_of(appeal),
        "replies": list(appeal.replies.select_related("unit").order_by("created_at")),
        "my_part": my_part,
        "masked": selectors.privacy.masked_contact(appeal),
        "contact": contact,
        "can_view_contact": user.has_perm("appeals.view_contact", appeal),
        "reveal_form": reveal_form or ContactRevealForm(),
        "can_note": user.has_perm("appeals.add_note", appeal),
        "note_form": NoteForm(),
        "now": timezone.now(),
    }
    if user.has_perm("appeals.dispatch_appeal") and appeal.is_awaiting_dispatch:
        route = selectors.suggest_route(item=appeal.item, area=appeal.area)
        context["route"] = route
        context["dispatch_form"] = DispatchForm(initial={
            "item": appeal.item_id, "urgency": appeal.urgency,
            "primary_unit": route.primary_unit.pk if route else None,
            "co_units": [u.pk for u in route.co_units] if route else [],
        })
    if user.has_perm("appeals.decide_extension"):
        context["extensions"] = list(
            ExtensionRequest.objects.filter(work_order__appeal=appeal, state=ExtensionState.PENDING)
            .select_related("work_order__unit")
        )
        context["decision_form"] = ExtensionDecisionForm()
    if my_part is not None and user.has_perm("appeals.work_on_part", my_part):
        context.update(_part_forms(my_part, appeal))
    rectification = selectors.public.open_rectification(appeal)
    context.update({
        "rectification": rectification,
        "can_rectify": rectification is not None and rectification.state == "open"
        and user.has_perm("appeals.rectify", rectification),
        "can_check": rectification is not None and rectification.state == "submitted"
        and user.has_perm("appeals.check_rectification"),
        "ratings": selectors.public.ratings_of(appeal),
        "can_edit_public": user.has_perm("appeals.edit_public_text"),
        "notifications": list(portal_selectors.notifications_about(appeal)),
    })
    return render(request, "appeals/staff_detail.html", context, status=status)


def _part_forms(part, appeal) -> dict:
    now = timezone.now()
    open_ = part.state in (PartState.DISPATCHED, PartState.ACCEPTED, PartState.REPLIED)
    return {
        "can_accept": part.state == PartState.DISPATCHED,
        "can_return": part.state in (PartState.DISPATCHED, PartState.ACCEPTED) and now <= part.return_until,
        "return_form": ReasonForm(),
        "can_reply": part.state in (PartState.ACCEPTED, PartState.REPLIED),
        "reply_form": ReplyForm(),
        "can_resolve": part.is_primary and part.state == PartState.REPLIED,
        "resolve_form": ResolveForm(),
        "can_extend": open_ and not part.extensions.filter(state=ExtensionState.PENDING).exists(),
        "extension_form": ExtensionForm(),
    }


@login_required
@require_POST
@reauthentication_required
def reveal_contact(request: HttpRequest, appeal_id: int) -> HttpResponse:
    """The logged reveal (the only page that shows a resident's identity)."""
    form = ContactRevealForm(request.POST)
    # Anyone outside the rule is refused before their reason is even read.
    appeal = selectors.appeal_for_staff(appeal_id)
    services.require_reveal(request.user, appeal)
    if not form.is_valid():
        if request.htmx:
            return render(request, "appeals/_reveal_form.html", {"appeal": appeal, "reveal_form": form}, status=400)
        return staff_detail(request, appeal_id, status=400, reveal_form=form)
    contact = services.reveal_contact(viewer=request.user, appeal_id=appeal_id, reason=form.reason(), via="page")
    if request.htmx:
        return render(request, "appeals/_contact.html", {"contact": contact})
    return staff_detail(request, appeal_id, contact=contact)


LOG_PAGE_SIZE = 25


@login_required
def contact_log(request: HttpRequest) -> HttpResponse:
    """Organisers' audit page: every reveal of a resident's contact (who,
    when, which appeal, why), never the contact itself."""
    require(request.user, "appeals.view_contact_log", message=NOT_YOUR_PAGE)
    form = ContactLogFilterForm(request.GET or None)
    filters = {}
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = {"unit_id": pk_of(data["unit"]), "tracking_number": data["appeal"].strip(),
                   "date_from": data["date_from"], "date_to": data["date_to"]}
    rows = selectors.privacy.contact_log(**filters) if not form.is_bound or form.is_valid() else []
    page = Paginator(rows, LOG_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "appeals/contact_log.html", {
        "form": form, "page": page, "extra": ("&" + query.urlencode()) if query else "",
    }, status=400 if form.is_bound and not form.is_valid() else 200)


@login_required
@require_POST
def add_note(request: HttpRequest, appeal_id: int) -> HttpResponse:
    form = NoteForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写备注内容。"))
        return back_to_appeal(appeal_id)
    try:
        services.add_internal_note(actor=request.user, appeal_id=appeal_id, body=form.cleaned_data["body"])
    except INPUT_REFUSALS as refusal:
        flash_refusal(request, refusal)
    else:
        messages.success(request, _("备注已保存。"))
    return back_to_appeal(appeal_id)
