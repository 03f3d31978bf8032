"""Pages of the case registry: the public board and case pages, the units'
entry pages and the organisers' screening list. Thin: parse, call a service
or selector, render."""

from __future__ import annotations

import functools

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases import posters, selectors, services
from cases.enums import BoardSort, EntryAction, EntryState, PhaseKind
from cases.exceptions import CaseError
from cases.forms import BoardFilterForm, DecisionForm, EntryForm, ScreeningFilterForm
from cases.models import Campaign, CaseEntry
from cases.richtext import plain_text
from portal import caching, pagecache
from portal import selectors as portal_selectors
from portal.errors import flash_refusal, form_refusal
from portal.exceptions import InvalidError, PortalError
from portal.exports import csv_response, xlsx_response
from portal.forms import filter_query
from portal.parsing import positive_int
from portal.permissions import require
from portal.reauth import reauthentication_required

POSTER_CACHE_SECONDS = 24 * 3600
DESK_CAMPAIGNS = 5  # the organiser's desk: the latest editions


def permission_required(permission: str):
    """Signed-in users holding `permission` (no object); others get 403."""

    def decorator(view):
        @functools.wraps(view)
        @login_required
        def wrapped(request, *args, **kwargs):
            require(request.user, permission)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


# --- The public board ---------------------------------------------------------


def board(request: HttpRequest, slug: str | None = None) -> HttpResponse:
    """The board of a campaign (the current one without a slug). Visitors who
    are not signed in share one rendering per second (portal.pagecache): a
    share link sends a burst of them to the same page."""
    return pagecache.for_visitors(request, lambda extra: _board(request, slug, extra))


def _board(request: HttpRequest, slug: str | None, extra: dict) -> HttpResponse:
    campaign = get_object_or_404(Campaign, slug=slug) if slug else selectors.current_campaign()
    if campaign is None:
        return render(request, "cases/board_empty.html", extra)
    allow_votes = selectors.phase_has_started(campaign, PhaseKind.VOTING)
    form = BoardFilterForm(request.GET or None, campaign=campaign, allow_votes=allow_votes)
    filters, refusals = filter_query(form)
    sort = filters.get("sort") or BoardSort.NEWEST
    domain = filters.get("domain")
    entries = selectors.board_entries(
        campaign,
        domain_id=domain.pk if domain else None,
        level=filters.get("level") or None,
        q=filters.get("q") or "",
        sort=sort,
    )
    page = Paginator(entries, selectors.BOARD_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "campaign": campaign,
        "form": form,
        "page": page,
        "entries": selectors.shown_covers(page.object_list),  # a cover whose file is gone shows the placeholder
        "query": query.urlencode(),
        "show_votes": allow_votes,
        "filtered": any(filters.get(key) for key in ("q", "domain", "level")),
        "refusals": refusals,
        "timeline": selectors.timeline(campaign),
        "current_phase": selectors.current_phase(campaign),
    }
    partial = request.htmx and request.htmx.target == "board-results"
    template = "cases/_board_results.html" if partial else "cases/board.html"
    # A refused filter comes from an edited link, not the page's own lists (htmx would not show a 400).
    return render(request, template, {**context, **extra}, status=400 if refusals and not partial else 200)


def _visible_entry(request: HttpRequest, pk: int) -> CaseEntry:
    try:
        entry = selectors.board_case(pk)
    except CaseEntry.DoesNotExist as exc:
        raise Http404 from exc
    # Entries not on the board do not exist for the public.
    require(request.user, "cases.view_entry", entry, conceal=True)
    return entry


def case_page(request: HttpRequest, pk: int) -> HttpResponse:
    entry = _visible_entry(request, pk)
    images = selectors.shown_images(entry)  # a photo whose file is gone is left out, not shown broken
    share_image = images[0].image.url if images else reverse("cases:poster", kwargs={"pk": entry.pk})
    return render(
        request,
        "cases/case.html",
        {
            "entry": entry,
            "campaign": entry.campaign,
            "images": images,
            "share_url": request.build_absolute_uri(entry.get_absolute_url()),
            "share_image": request.build_absolute_uri(share_image),
            "share_description": (entry.summary or plain_text(entry.story))[:120],
            "poster_url": reverse("cases:poster", kwargs={"pk": entry.pk}),
            "show_contact": request.user.has_perm("cases.view_entry_contact", entry),
            "current_phase": selectors.current_phase(entry.campaign),
        },
    )


def case_poster(request: HttpRequest, pk: int) -> HttpResponse:
    """The share poster (PNG): title, unit and a QR code to the case page."""
    entry = _visible_entry(request, pk)
    url = request.build_absolute_uri(entry.get_absolute_url())
    png = posters.poster_png(entry, url=url, timeout=POSTER_CACHE_SECONDS)
    response = HttpResponse(png, content_type="image/png")
    if request.GET.get("download"):
        response["Content-Disposition"] = f'attachment; filename="case-{entry.pk}-poster.png"'
    response["Cache-Control"] = "public, max-age=3600"
    return response


# --- Units' entries -----------------------------------------------------------


@permission_required("cases.enter_cases")
def my_entries(request: HttpRequest) -> HttpResponse:
    unit = portal_selectors.staff_unit_of(request.user)
    calls = selectors.open_calls()
    for campaign in calls:
        counts = selectors.live_entry_counts(campaign, unit)
        campaign.track_usage = [(track, counts.get(track.pk, 0)) for track in campaign.tracks.all()]
    return render(
        request,
        "cases/mine.html",
        {"unit": unit, "entries": selectors.entries_of_unit(unit), "open_calls": calls},
    )


def _submitted(request: HttpRequest) -> bool:
    return request.POST.get("action") == "submit"


@permission_required("cases.enter_cases")
def entry_new(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = get_object_or_404(Campaign, slug=slug)
    unit = portal_selectors.staff_unit_of(request.user)
    if not selectors.any_phase_open(campaign, PhaseKind.CALL):
        messages.error(request, services.call_closed_error(campaign, _("新建案例")).message)
        return redirect("cases:mine")
    form = EntryForm(request.POST or None, request.FILES or None, campaign=campaign, initial={"unit": unit})
    if request.method == "POST" and form.is_valid():
        try:
            entry = services.create_entry(
                actor=request.user,
                campaign=campaign,
                unit=form.cleaned_data.get("unit"),
                images=form.cleaned_data["images"],
                submit=_submitted(request),
                **form.content(),
            )
        except PortalError as error:
            form_refusal(form, error)
        else:
            messages.success(
                request, _("案例已提交，等待主办方筛选。") if entry.state == EntryState.SUBMITTED else _("草稿已保存。")
            )
            return redirect("cases:entry", pk=entry.pk)
    return render(request, "cases/entry_form.html", {"form": form, "campaign": campaign, "unit": unit, "entry": None})


def _own_entry(request: HttpRequest, pk: int, permission: str) -> CaseEntry:
    entry = get_object_or_404(CaseEntry.objects.select_related("campaign", "unit", "domain", "track"), pk=pk)
    require(request.user, permission, entry, message=_("只能查看和修改本单位的案例。"))
    return entry


@login_required
def entry_detail(request: HttpRequest, pk: int) -> HttpResponse:
    entry = _own_entry(request, pk, "cases.view_entry_history")
    return render(
        request,
        "cases/entry.html",
        {
            "entry": entry,
            "images": list(entry.images.all()),
            "history": selectors.history(entry),
            "can_change": request.user.has_perm("cases.change_entry", entry),
        },
    )


@login_required
def entry_edit(request: HttpRequest, pk: int) -> HttpResponse:
    entry = _own_entry(request, pk, "cases.change_entry")
    images = list(entry.images.all())
    initial = {field: getattr(entry, field) for field in ("title", "summary", "results", "video_url", "contact_name", "contact_phone")}
    initial |= {"track": entry.track, "domain": entry.domain, "story": entry.story, "unit": entry.unit}
    form = EntryForm(request.POST or None, request.FILES or None, campaign=entry.campaign, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_entry(
                actor=request.user,
                entry=entry,
                changes=form.content(),
                new_images=form.cleaned_data["images"],
                remove_image_ids=[pk for pk in map(positive_int, request.POST.getlist("remove_image")) if pk],
                unit=form.cleaned_data.get("unit"),
                submit=_submitted(request),
            )
        except PortalError as error:
            form_refusal(form, error)
        else:
            messages.success(request, _("修改已保存。") if not _submitted(request) else _("案例已提交，等待主办方筛选。"))
            return redirect("cases:entry", pk=entry.pk)
    return render(
        request,
        "cases/entry_form.html",
        {"form": form, "campaign": entry.campaign, "unit": entry.unit, "entry": entry, "images": images},
    )


@require_POST
@login_required
def entry_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    entry = _own_entry(request, pk, "cases.change_entry")
    try:
        if action == EntryAction.SUBMIT:
            services.submit_entry(actor=request.user, entry=entry)
            messages.success(request, _("案例已提交，等待主办方筛选。"))
        elif action == EntryAction.WITHDRAW:
            services.withdraw_entry(actor=request.user, entry=entry, reason=request.POST.get("reason", ""))
            messages.success(request, _("案例已撤回，名额已释放。"))
        else:
            raise Http404
    except PortalError as error:
        flash_refusal(request, error)
    return redirect("cases:entry", pk=entry.pk)


# --- The organiser's desk -------------------------------------------------------


@permission_required("cases.manage_campaign")
def organiser_desk(request: HttpRequest) -> HttpResponse:
    """Where an organiser lands after signing in: each edition's daily work."""
    return render(request, "cases/desk.html", {"campaigns": list(selectors.campaigns()[:DESK_CAMPAIGNS])})


# --- Screening by organisers ---------------------------------------------------


def _screened(request: HttpRequest, campaign: Campaign):
    """The screening list's filters from the query: the form, the campaign's
    entries they select (all states, for the counts), the state asked for and
    the refusals."""
    units = selectors.units_with_entries(campaign)
    filters_form = ScreeningFilterForm(request.GET or None, campaign=campaign, units=units)
    filters, refusals = filter_query(filters_form)
    base = selectors.screening_entries(
        campaign,
        domain_id=filters["domain"].pk if filters.get("domain") else None,
        unit_id=filters["unit"].pk if filters.get("unit") else None,
        track_id=filters["track"].pk if filters.get("track") else None,
        q=filters.get("q") or "",
    )
    return filters_form, base, filters.get("state") or "", refusals


@permission_required("cases.view_screening")
def screening(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = get_object_or_404(Campaign, slug=slug)
    filters_form, base, state, refusals = _screened(request, campaign)
    entries = base.filter(state=state) if state else base
    decision_form = DecisionForm(request.POST or None)
    if request.method == "POST":
        ids = [positive_int(pk) for pk in request.POST.getlist("entries")]
        if decision_form.is_valid():
            try:
                if None in ids:
                    raise CaseError(_("所选案例编号无效。"), field="entries")
                done = services.screen_entries(
                    actor=request.user,
                    campaign=campaign,
                    entry_ids=ids,
                    decision=decision_form.cleaned_data["decision"],
                    reason=decision_form.cleaned_data["reason"],
                    deadline=decision_form.cleaned_data["deadline"],
                )
            except PortalError as error:
                flash_refusal(request, error)
            else:
                messages.success(
                    request,
                    _("已对 %(n)d 个案例执行“%(action)s”。")
                    % {"n": len(done), "action": EntryAction(decision_form.cleaned_data["decision"]).label},
                )
                return redirect(request.get_full_path())
        else:
            messages.error(request, _("请选择筛选结果。"))
    counts = selectors.state_counts(base)
    page = Paginator(entries, 100).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "cases/screening.html",
        {
            "campaign": campaign,
            "filters_form": filters_form,
            "decision_form": decision_form,
            "page": page,
            "entries": page.object_list,
            "counts": counts,
            "total": sum(n for _s, _l, n in counts),
            "state": state,
            "query": query.urlencode(),
            "current_phase": selectors.current_phase(campaign),
            "refusals": refusals,
        },
        status=400 if refusals else 200,
    )


@permission_required("cases.export_entries")
@reauthentication_required  # contact people's names and phones leave the portal
def screening_export(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    """The entries the screening list shows (its filters), as CSV or Excel."""
    campaign = get_object_or_404(Campaign, slug=slug)
    _form, base, state, refusals = _screened(request, campaign)
    if refusals:
        raise InvalidError(_("筛选条件无效，请在筛选列表中修改后再导出。"), code="invalid_filters")
    rows = selectors.export_rows(base.filter(state=state) if state else base)
    name = f"case-entries-{campaign.slug}"
    if fmt == "xlsx":
        return xlsx_response(filename=name, sheet="案例", header=selectors.EXPORT_HEADER, rows=rows)
    return csv_response(filename=name, header=selectors.EXPORT_HEADER, rows=rows)


@permission_required("cases.view_screening")
def screen_entry(request: HttpRequest, pk: int) -> HttpResponse:
    entry = get_object_or_404(CaseEntry.objects.select_related("campaign", "unit", "domain", "track"), pk=pk)
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.screen_entry(
                actor=request.user,
                entry=entry,
                decision=form.cleaned_data["decision"],
                reason=form.cleaned_data["reason"],
                deadline=form.cleaned_data["deadline"],
            )
        except PortalError as error:
            form_refusal(form, error)
        else:
            messages.success(request, _("筛选结果已记录。"))
            return redirect(reverse("cases:screening", kwargs={"slug": entry.campaign.slug}))
    return render(
        request,
        "cases/screen_entry.html",
        {"entry": entry, "images": list(entry.images.all()), "history": selectors.history(entry), "form": form},
    )
