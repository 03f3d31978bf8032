"""Public pages: the appeals wall (问政墙) with "me too", the statistics
dashboards and their export, the unit ranking award.
Thin: parse, call one service or selector, render."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from appeals import services
from appeals.dashboards import dashboard_body, hot_clusters_html
from appeals.models import Area, Category, UnitRankingAward
from appeals.queries import (
    StatsParams,
    dashboard_params,
    filter_choices,
    public_units,
    stats_params,
    stats_query,
    wall_filters,
    wall_query,
)
from appeals.selectors import public as public_selectors
from appeals.selectors import stats as stats_selectors
from appeals.views.common import INPUT_REFUSALS
from portal import caching, exports, pagecache
from portal.errors import flash_refusal
from portal.forms import filter_query
from portal.models import Unit
from portal.ratelimits import counting_misses, limit_writes


WALL_CACHE_SECONDS = 30


def wall(request: HttpRequest) -> HttpResponse:
    """The list part is cached as HTML for 30 s per query and language, and
    dropped at once when an appeal is published or withdrawn (wall version).
    Visitors who are not signed in share one rendering of the whole page per
    second and process (portal.pagecache), as on the case board."""
    return pagecache.for_visitors(request, lambda extra: _wall(request, extra))


def _wall(request: HttpRequest, extra: dict) -> HttpResponse:
    from django.utils.safestring import mark_safe

    # A refused part of the query is named on the page, which lists without it (400).
    accepted, refusals = filter_query(wall_query(request.GET))
    filters, page = wall_filters(accepted)
    body = caching.remember(f"appeals:wall:{get_language()}:{filters}:{page}",
                            lambda: render_to_string("appeals/_wall_body.html", _wall_context(filters, page)),
                            WALL_CACHE_SECONDS, versioned_by=public_selectors.WALL_VERSION_KEY)
    return render(request, "appeals/wall.html", {"body": mark_safe(body), "refusals": refusals, **extra},  # noqa: S308 (our own rendered template)
                  status=400 if refusals else 200)


def _wall_context(filters: public_selectors.WallFilters, page: int) -> dict:
    rows, has_next = public_selectors.wall_page(filters, page=page)
    query = {"category": filters.category_id, "area": filters.area_id, "unit": filters.unit_id,
             "state": filters.state, "q": filters.q}
    return {
        "rows": rows, "page": page, "has_next": has_next, "filters": filters,
        "query": urlencode({name: value for name, value in query.items() if value}),
        "categories": filter_choices(Category), "areas": filter_choices(Area), "units": public_units(), "states": public_selectors.public_state_choices(),
    }


def wall_detail(request: HttpRequest, tracking_number: str) -> HttpResponse:
    """A published appeal; visitors who are not signed in share one rendering a second."""
    return pagecache.for_visitors(request, lambda extra: _wall_detail(request, tracking_number, extra))


def _wall_detail(request: HttpRequest, tracking_number: str, extra: dict) -> HttpResponse:
    with counting_misses(request):
        appeal = public_selectors.published_appeal(tracking_number)
    return render(request, "appeals/wall_detail.html", {
        **extra,
        "appeal": appeal,
        "replies": public_selectors.public_replies(appeal),
        "resolution": public_selectors.public_resolution(appeal),
        "timeline": public_selectors.public_wall_timeline(appeal),
        "ratings": public_selectors.ratings_of(appeal),
        "me_too": public_selectors.has_me_too(appeal, request.user),
        "own": request.user.is_authenticated and appeal.resident_id == request.user.pk,
    })


@login_required
@limit_writes("appeal.me_too")
@require_POST
def me_too(request: HttpRequest, tracking_number: str) -> HttpResponse:
    with counting_misses(request):
        appeal = public_selectors.published_appeal(tracking_number)
    try:
        appeal, added = services.add_me_too(user=request.user, appeal_id=appeal.pk)
    except INPUT_REFUSALS as refusal:
        flash_refusal(request, refusal)
    else:
        messages.success(request, _("已记录“我也遇到”。") if added else _("你已经点过“我也遇到”了。"))
    return redirect("appeals:wall-detail", tracking_number=tracking_number)


def _dashboard(request: HttpRequest, unit: Unit | None) -> HttpResponse:
    """Visitors who are not signed in share one rendering of the page per
    second and process (portal.pagecache); the figures part is cached until
    the next rebuild for everyone (dashboard_body)."""
    return pagecache.for_visitors(request, lambda extra: _render_dashboard(request, unit, extra))


def _render_dashboard(request: HttpRequest, unit: Unit | None, extra: dict) -> HttpResponse:
    from django.utils.safestring import mark_safe

    # A refused part of the query is named on the page, which shows its default instead (400).
    accepted, refusals = filter_query(stats_query(request.GET))
    params = dashboard_params(accepted)
    body = dashboard_body(params, unit)
    clusters = "" if unit else hot_clusters_html()
    # Our own rendered templates.
    return render(request, "appeals/dashboard.html", {"body": mark_safe(body), "clusters": mark_safe(clusters),  # noqa: S308
                                                      "params": params, "unit": unit, "refusals": refusals, **extra},
                  status=400 if refusals else 200)


def dashboard(request: HttpRequest) -> HttpResponse:
    return _dashboard(request, None)


def unit_dashboard(request: HttpRequest, unit_id: int) -> HttpResponse:
    return _dashboard(request, get_object_or_404(Unit, pk=unit_id))


def stats_rows(params: StatsParams, by: str, unit_id: int | None = None) -> tuple[list[str], list[list]]:
    """Header and rows of a breakdown: the same figures as the pages and the API."""
    header = [{"unit": _("单位"), "area": _("镇街"), "category": _("大类")}[by]]
    header += [str(f.label) for f in stats_selectors.FIGURES]
    header += [_("办结量"), _("评价数"), _("差评数"), _("到期整改数")]
    rows = []
    for row in stats_selectors.breakdown(by=by, start=params.start, end=params.end, unit_id=unit_id,
                                         area_id=params.area_id, category_id=params.category_id):
        f = row.figures
        values = [str(row.key or _("未派单/未分类"))]
        for definition in stats_selectors.FIGURES:
            value = f.value(definition.key)
            values.append(None if value is None else (float(value) if definition.kind != "count" else value))
        values += [f.completed, f.ratings, f.ratings_bad, f.rectifications_due]
        rows.append(values)
    return header, rows


def stats_export(request: HttpRequest) -> HttpResponse:
    """XLSX of a breakdown (by unit, area or category) for the chosen period."""
    if not request.user.has_perm("appeals.export_stats"):
        return redirect(f"/accounts/login/?next={request.get_full_path()}")
    accepted, refusals = filter_query(stats_query(request.GET))
    if refusals:
        return render(request, "portal/error.html", {"status": 400, "message": " ".join(refusals)}, status=400)
    params, by = stats_params(accepted), accepted.get("by") or "unit"
    header, rows = stats_rows(params, by, accepted.get("unit"))
    return exports.xlsx_response(
        filename=f"appeals-stats-{by}-{params.start:%Y%m%d}-{params.end:%Y%m%d}", sheet=_("诉求统计"),
        header=header, rows=rows,
    )


def award(request: HttpRequest, track_id: int) -> HttpResponse:
    award = get_object_or_404(UnitRankingAward.objects.select_related("track__campaign"), track_id=track_id)
    return render(request, "appeals/award.html", {
        "award": award, "rows": stats_selectors.award_ranking(award), "formula": stats_selectors.RANKING_FORMULA,
        "definitions": stats_selectors.FIGURES,
    })
