"""A resident's pages: file an appeal (随手拍), follow it, rate the result,
withdraw consent to publish; the photos of an appeal.
Thin: parse, call one service or selector, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from appeals import selectors, services
from appeals.enums import AppealState
from appeals.forms import AppealForm, new_token
from appeals.services.ratings import rating_chance
from appeals.views.common import INPUT_REFUSALS, pk_of
from portal.errors import flash_refusal, form_refusal
from portal.exceptions import PortalError
from portal.media import private_file_response
from portal.ratelimits import counting_misses, limit_writes


def home(request: HttpRequest) -> HttpResponse:
    mine = None
    if request.user.is_authenticated:
        mine = list(selectors.appeals_of_resident(request.user)[:20])
    return render(request, "appeals/home.html", {"mine": mine})


@login_required
@limit_writes("appeal.file")
def new_appeal(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("appeals.file_appeal"):
        messages.warning(request, _("提交诉求前，请先验证你的邮箱或手机号。"))
        return redirect("account_email")
    if request.method == "POST":
        form = AppealForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                result = services.file_appeal(
                    resident=request.user, idempotency_key=data["idempotency_key"], item_id=pk_of(data["item"]),
                    area_id=data["area"].pk, title=data["title"], description=data["description"],
                    address=data["address"], latitude=data["latitude"], longitude=data["longitude"],
                    contact_name=data["contact_name"], contact_phone=data["contact_phone"],
                    publish_consent=data["publish_consent"], photos=request.FILES.getlist("photos"),
                )
            except PortalError as refusal:
                form_refusal(form, refusal)
            else:
                if result.created:
                    messages.success(request, _("已收到你的诉求，编号 %(number)s。") % {"number": result.appeal.tracking_number})
                return redirect("appeals:track", tracking_number=result.appeal.tracking_number)
        # A failed submission keeps its token: fixing and resending is still one appeal.
    else:
        initial = {"idempotency_key": new_token(), "contact_name": request.user.display_name}
        if request.user.phone:
            initial["contact_phone"] = request.user.phone.removeprefix("+86")
        form = AppealForm(initial=initial)
    selected = form["item"].value() if form.is_bound else None
    return render(request, "appeals/new.html", {
        "form": form,
        "catalogue": selectors.catalogue(),
        "selected_item": str(selected or ""),
    })


def item_picker(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:40]
    selected = request.GET.get("item", "")
    items = selectors.search_items(query) if query.strip() else None
    return render(request, "appeals/_picker_results.html", {
        "items": items, "query": query, "selected_item": selected,
        "catalogue": None if items is not None else selectors.catalogue(),
    })


@login_required
def track(request: HttpRequest, tracking_number: str) -> HttpResponse:
    with counting_misses(request):
        appeal = selectors.appeal_for_owner(request.user, tracking_number)
    return render(request, "appeals/track.html", {
        "appeal": appeal,
        "timeline": selectors.public_timeline(appeal),
        "photos": selectors.photos_of(appeal),
        "steps": _steps(appeal),
        "chance": rating_chance(appeal),
        "ratings": selectors.public.ratings_of(appeal),
        "rectification": selectors.public.open_rectification(appeal),
        "scores": [(5, _("非常满意")), (4, _("满意")), (3, _("基本满意")), (2, _("不满意")), (1, _("非常不满意"))],
    })


def _steps(appeal) -> list[dict]:
    order = [AppealState.SUBMITTED, AppealState.DISPATCHED, AppealState.ACCEPTED, AppealState.REPLIED, AppealState.RESOLVED]
    reached = {
        AppealState.SUBMITTED: 0, AppealState.RETURNED: 0, AppealState.REOPENED: 0, AppealState.DISPATCHED: 1,
        AppealState.ACCEPTED: 2, AppealState.REPLIED: 3, AppealState.RESOLVED: 4, AppealState.RATED: 4,
        AppealState.CLOSED: 4,
    }[appeal.state]
    return [{"label": state.label, "done": i <= reached, "current": i == reached} for i, state in enumerate(order)]


@login_required
@limit_writes("appeal.rate")
@require_POST
def rate(request: HttpRequest, tracking_number: str) -> HttpResponse:
    with counting_misses(request):
        appeal = selectors.appeal_for_owner(request.user, tracking_number)
    try:
        services.rate_appeal(resident=request.user, appeal_id=appeal.pk, score=request.POST.get("score"),
                             comment=request.POST.get("comment", ""))
    except INPUT_REFUSALS as refusal:
        flash_refusal(request, refusal)
    else:
        messages.success(request, _("感谢你的评价。"))
    return redirect("appeals:track", tracking_number=tracking_number)


@login_required
@require_POST
def withdraw_consent(request: HttpRequest, tracking_number: str) -> HttpResponse:
    appeal = selectors.appeal_for_owner(request.user, tracking_number)
    services.withdraw_publish_consent(user=request.user, appeal_id=appeal.pk)
    messages.success(request, _("已撤回公开同意，这条诉求不再在问政墙展示。"))
    return redirect("appeals:track", tracking_number=tracking_number)


def photo(request: HttpRequest, photo_id: int, thumbnail: bool = False) -> HttpResponse:
    """A private appeal photo, for the resident who filed it and the staff who see the appeal."""
    found = selectors.photo_for_viewer(request.user, photo_id)
    return private_file_response(found.thumbnail if thumbnail else found.image)
