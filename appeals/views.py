"""Pages of appeals: thin wrappers that parse, call one service or selector, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from appeals import selectors, services
from appeals.enums import AppealState, ClueState, ExtensionState, InboxBucket, PartState
from appeals.exceptions import AppealError
from appeals.forms import (
    AppealForm,
    CallerForm,
    ClueConvertForm,
    ClueForm,
    ClueVerifyForm,
    ContactLogFilterForm,
    ContactRevealForm,
    DispatchForm,
    ExtensionDecisionForm,
    ExtensionForm,
    NoteForm,
    ReasonForm,
    ReplyForm,
    ResolveForm,
    new_token,
)
from appeals.models import Assignment, ExtensionRequest, OnlineClue
from portal import selectors as portal_selectors
from portal.media import private_file_response
from portal.ratelimits import counting_misses, limit_writes
from portal.reauth import reauthentication_required

PAGE_SIZE = 30


def _pk(value) -> int | None:
    return value.pk if value is not None else None


def _form_error(request, form, exc: AppealError) -> None:
    if exc.field and exc.field in form.fields:
        form.add_error(exc.field, str(exc.message))
    else:
        form.add_error(None, str(exc.message))


def _refuse(request, exc: AppealError) -> HttpResponse:
    return render(request, "portal/error.html", {"status": exc.status, "message": exc.message}, status=exc.status)


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
                    resident=request.user, idempotency_key=data["idempotency_key"], item_id=_pk(data["item"]),
                    area_id=data["area"].pk, title=data["title"], description=data["description"],
                    address=data["address"], latitude=data["latitude"], longitude=data["longitude"],
                    contact_name=data["contact_name"], contact_phone=data["contact_phone"],
                    publish_consent=data["publish_consent"], photos=request.FILES.getlist("photos"),
                )
            except AppealError as exc:
                _form_error(request, form, exc)
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
    from appeals.services.ratings import rating_chance

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


def photo(request: HttpRequest, photo_id: int, thumbnail: bool = False) -> HttpResponse:
    """A private appeal photo, for the resident who filed it and the staff who see the appeal."""
    found = selectors.photo_for_viewer(request.user, photo_id)
    return private_file_response(found.thumbnail if thumbnail else found.image)


@login_required
@limit_writes("appeal.rate")
@require_POST
def rate(request: HttpRequest, tracking_number: str) -> HttpResponse:
    with counting_misses(request):
        appeal = selectors.appeal_for_owner(request.user, tracking_number)
    try:
        services.rate_appeal(resident=request.user, appeal_id=appeal.pk, score=request.POST.get("score"),
                             comment=request.POST.get("comment", ""))
    except AppealError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("感谢你的评价。"))
    return redirect("appeals:track", tracking_number=tracking_number)


def _steps(appeal) -> list[dict]:
    order = [AppealState.SUBMITTED, AppealState.DISPATCHED, AppealState.ACCEPTED, AppealState.REPLIED, AppealState.RESOLVED]
    reached = {
        AppealState.SUBMITTED: 0, AppealState.RETURNED: 0, AppealState.REOPENED: 0, AppealState.DISPATCHED: 1,
        AppealState.ACCEPTED: 2, AppealState.REPLIED: 3, AppealState.RESOLVED: 4, AppealState.RATED: 4,
        AppealState.CLOSED: 4,
    }[appeal.state]
    return [{"label": state.label, "done": i <= reached, "current": i == reached} for i, state in enumerate(order)]


@login_required
def staff_detail(request: HttpRequest, appeal_id: int, contact=None, status: int = 200,
                 reveal_form: ContactRevealForm | None = None) -> HttpResponse:
    appeal = selectors.appeal_for_staff(appeal_id)
    user = request.user
    if not user.has_perm("appeals.view_staff_appeal", appeal):
        raise Http404
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
            ExtensionRequest.objects.filter(assignment__appeal=appeal, state=ExtensionState.PENDING)
            .select_related("assignment__unit")
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
    try:
        services.require_reveal(request.user, appeal)
    except AppealError as exc:
        return _refuse(request, exc)
    if not form.is_valid():
        if request.htmx:
            return render(request, "appeals/_reveal_form.html", {"appeal": appeal, "reveal_form": form}, status=400)
        return staff_detail(request, appeal_id, status=400, reveal_form=form)
    try:
        contact = services.reveal_contact(viewer=request.user, appeal_id=appeal_id, reason=form.reason(), via="page")
    except AppealError as exc:
        return _refuse(request, exc)
    if request.htmx:
        return render(request, "appeals/_contact.html", {"contact": contact})
    return staff_detail(request, appeal_id, contact=contact)


LOG_PAGE_SIZE = 25


@login_required
def contact_log(request: HttpRequest) -> HttpResponse:
    """Organisers' audit page: every reveal of a resident's contact (who,
    when, which appeal, why), never the contact itself."""
    if not request.user.has_perm("appeals.view_contact_log"):
        raise PermissionDenied
    form = ContactLogFilterForm(request.GET or None)
    filters = {}
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = {"unit_id": _pk(data["unit"]), "tracking_number": data["appeal"].strip(),
                   "date_from": data["date_from"], "date_to": data["date_to"]}
    rows = selectors.privacy.contact_log(**filters) if not form.is_bound or form.is_valid() else []
    page = Paginator(rows, LOG_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "appeals/contact_log.html", {
        "form": form, "page": page, "extra": ("&" + query.urlencode()) if query else "",
    }, status=400 if form.is_bound and not form.is_valid() else 200)


def _back(appeal_id) -> HttpResponse:
    return redirect("appeals:staff-detail", appeal_id=appeal_id)


@login_required
@require_POST
def dispatch(request: HttpRequest, appeal_id: int) -> HttpResponse:
    form = DispatchForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, errors[0])
        return _back(appeal_id)
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
    except AppealError as exc:
        if exc.status in (403, 404):
            return _refuse(request, exc)
        messages.error(request, exc.message)
        return _back(appeal_id)
    messages.success(request, _("已派单至 %(unit)s。") % {"unit": appeal.primary_unit})
    return redirect("appeals:centre")


PART_ACTIONS = {
    "accept": (None, lambda request, pk, data: services.accept_part(actor=request.user, assignment_id=pk), _("已签收。")),
    "return": (ReasonForm, lambda request, pk, data: services.return_part(actor=request.user, assignment_id=pk, reason=data["reason"]), _("已退回派单中心。")),
    "reply": (ReplyForm, lambda request, pk, data: services.reply_to_appeal(actor=request.user, assignment_id=pk, body=data["body"]), _("答复已发布。")),
    "resolve": (ResolveForm, lambda request, pk, data: services.resolve_appeal(actor=request.user, assignment_id=pk, summary=data["summary"], photos=request.FILES.getlist("photos")), _("已办结。")),
    "extension": (ExtensionForm, lambda request, pk, data: services.request_extension(actor=request.user, assignment_id=pk, extra_working_days=data["extra_working_days"], reason=data["reason"]), _("延期申请已提交派单中心。")),
}


@login_required
@require_POST
def part_action(request: HttpRequest, assignment_id: int, action: str) -> HttpResponse:
    if action not in PART_ACTIONS:
        raise Http404
    form_class, call, done = PART_ACTIONS[action]
    part = Assignment.objects.filter(pk=assignment_id).first()
    if part is None:
        raise Http404
    data = {}
    if form_class is not None:
        form = form_class(request.POST, request.FILES)
        if not form.is_valid():
            if not request.user.has_perm("appeals.work_on_part", part):
                raise PermissionDenied
            for errors in form.errors.values():
                messages.error(request, errors[0])
            return _back(part.appeal_id)
        data = form.cleaned_data
    try:
        call(request, assignment_id, data)
    except AppealError as exc:
        if exc.status in (403, 404):
            return _refuse(request, exc)
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return _back(part.appeal_id)


@login_required
@require_POST
def add_note(request: HttpRequest, appeal_id: int) -> HttpResponse:
    form = NoteForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写备注内容。"))
        return _back(appeal_id)
    try:
        services.add_internal_note(actor=request.user, appeal_id=appeal_id, body=form.cleaned_data["body"])
    except AppealError as exc:
        if exc.status in (403, 404):
            return _refuse(request, exc)
        messages.error(request, exc.message)
    else:
        messages.success(request, _("备注已保存。"))
    return _back(appeal_id)


@login_required
@require_POST
def decide_extension(request: HttpRequest, extension_id: int) -> HttpResponse:
    form = ExtensionDecisionForm(request.POST)
    extension = ExtensionRequest.objects.filter(pk=extension_id).select_related("assignment").first()
    if extension is None:
        raise Http404
    if not form.is_valid():
        messages.error(request, _("请选择同意或不同意。"))
        return _back(extension.assignment.appeal_id)
    try:
        services.decide_extension(actor=request.user, extension_id=extension_id, **form.cleaned_data)
    except AppealError as exc:
        if exc.status in (403, 404):
            return _refuse(request, exc)
        messages.error(request, exc.message)
    else:
        messages.success(request, _("延期申请已处理。"))
    return _back(extension.assignment.appeal_id)


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("appeals.view_unit_inbox"):
        raise PermissionDenied
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


@login_required
def centre(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("appeals.use_dispatch_centre"):
        raise PermissionDenied
    now = timezone.now()
    page = Paginator(selectors.dispatch_queue(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "appeals/centre.html", {
        "page": page, "now": now,
        "overdue": list(selectors.overdue_parts(now)[:20]),
        "extensions": list(selectors.pending_extensions()[:20]),
        "clue_count": selectors.open_clues().count(),
        "to_check": list(selectors.public.rectifications_to_check()[:50]),
    })


@login_required
def caller_intake(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("appeals.file_for_caller"):
        raise PermissionDenied
    form = CallerForm(request.POST or None, initial={"idempotency_key": new_token()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            result = services.file_for_caller(
                actor=request.user, idempotency_key=data["idempotency_key"], item_id=_pk(data["item"]),
                area_id=data["area"].pk, urgency=data["urgency"], title=data["title"],
                description=data["description"], address=data["address"], caller_name=data["caller_name"],
                caller_phone=data["caller_phone"], publish_consent=data["publish_consent"],
            )
        except AppealError as exc:
            _form_error(request, form, exc)
        else:
            messages.success(request, _("已登记来电，编号 %(number)s。") % {"number": result.appeal.tracking_number})
            return redirect("appeals:staff-detail", appeal_id=result.appeal.pk)
    return render(request, "appeals/caller.html", {"form": form})


@login_required
def clues(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("appeals.manage_clues"):
        raise PermissionDenied
    form = ClueForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            clue = services.capture_clue(
                actor=request.user, platform=data["platform"], url=data["url"], summary=data["summary"],
                area_id=_pk(data["area"]),
            )
        except AppealError as exc:
            _form_error(request, form, exc)
        else:
            messages.success(request, _("线索已登记，请核实。"))
            return redirect("appeals:clue", clue_id=clue.pk)
    return render(request, "appeals/clues.html", {
        "form": form,
        "clues": list(OnlineClue.objects.select_related("area", "appeal").order_by("-captured_at")[:50]),
    })


@login_required
def clue_detail(request: HttpRequest, clue_id: int) -> HttpResponse:
    if not request.user.has_perm("appeals.manage_clues"):
        raise PermissionDenied
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
                        actor=request.user, clue_id=clue.pk, item_id=_pk(data["item"]), area_id=data["area"].pk,
                        urgency=data["urgency"], title=data["title"], description=data["description"],
                        address=data["address"], contact_name=data["contact_name"], contact_phone=data["contact_phone"],
                    )
                    messages.success(request, _("已转为工单 %(number)s。") % {"number": result.appeal.tracking_number})
                    return redirect("appeals:staff-detail", appeal_id=result.appeal.pk)
        except AppealError as exc:
            target = verify_form if "verify-genuine" in request.POST else convert_form
            _form_error(request, target, exc)
    return render(request, "appeals/clue_detail.html", {
        "clue": clue, "verify_form": verify_form, "convert_form": convert_form,
        "can_verify": clue.state == ClueState.NEW, "can_convert": clue.state == ClueState.VERIFIED,
    })


def tracking_url(appeal) -> str:
    return reverse("appeals:track", kwargs={"tracking_number": appeal.tracking_number})
