"""Public pages: the appeals wall (问政墙), the statistics dashboards, the unit
ranking; and the follow-up pages of staff (rectifications, clusters, public text).
Thin: parse, call one service or selector, render."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from appeals import charts, selectors, services
from appeals.enums import ClusterState, Period
from appeals.exceptions import AppealError
from appeals.forms import StatsQueryForm, WallQueryForm
from appeals.models import Area, Category, UnitRankingAward
from appeals.selectors import public as public_selectors
from appeals.selectors import stats as stats_selectors
from appeals.templatetags.appeals_stats import figure, figure_cells, table_cells
from portal import exports, pagecache
from portal.ratelimits import counting_misses, limit_writes
from portal.forms import filter_query
from portal.models import Unit


def _refuse(request, exc: AppealError) -> HttpResponse:
    return render(request, "portal/error.html", {"status": exc.status, "message": exc.message}, status=exc.status)


# --- the wall ------------------------------------------------------------------

WALL_CACHE_SECONDS = 30
# The filter lists every request checks its query against: a few seconds in
# this process in front of the copy in Redis (two round trips a list).
LISTS_LOCAL_SECONDS = 5


def wall(request: HttpRequest) -> HttpResponse:
    """The list part is cached as HTML for 30 s per query and language, and
    dropped at once when an appeal is published or withdrawn (wall version).
    Visitors who are not signed in share one rendering of the whole page per
    second and process (portal.pagecache), as on the case board."""
    return pagecache.for_visitors(request, lambda extra: _wall(request, extra))


def _wall(request: HttpRequest, extra: dict) -> HttpResponse:
    from django.core.cache import cache
    from django.utils.safestring import mark_safe

    from appeals.services.publication import WALL_VERSION_KEY

    # A refused part of the query is named on the page, which lists without it (400).
    accepted, refusals = filter_query(wall_query(request.GET))
    filters, page = wall_filters(accepted)
    key = f"appeals:wall:{cache.get(WALL_VERSION_KEY, 0)}:{get_language()}:{filters}:{page}"
    body = cache.get(key)
    if body is None:
        body = render_to_string("appeals/_wall_body.html", _wall_context(filters, page))
        cache.set(key, body, WALL_CACHE_SECONDS)
    return render(request, "appeals/wall.html", {"body": mark_safe(body), "refusals": refusals, **extra},  # noqa: S308 (our own rendered template)
                  status=400 if refusals else 200)


def wall_query(data) -> WallQueryForm:
    """The wall's query (page or API) to check against its filter lists; see WallQueryForm."""
    return WallQueryForm(data, categories=_choices(Category), areas=_choices(Area), units=_public_units(),
                         states=public_selectors.public_state_choices())


def wall_filters(cleaned: dict) -> tuple[public_selectors.WallFilters, int]:
    """The filters and page of a checked wall query."""
    filters = public_selectors.WallFilters(
        category_id=cleaned.get("category"), area_id=cleaned.get("area"), unit_id=cleaned.get("unit"),
        state=cleaned.get("state") or "", q=(cleaned.get("q") or "").strip(),
    )
    return filters, cleaned.get("page") or 1


def _wall_context(filters: public_selectors.WallFilters, page: int) -> dict:
    rows, has_next = public_selectors.wall_page(filters, page=page)
    query = {"category": filters.category_id, "area": filters.area_id, "unit": filters.unit_id,
             "state": filters.state, "q": filters.q}
    return {
        "rows": rows, "page": page, "has_next": has_next, "filters": filters,
        "query": urlencode({name: value for name, value in query.items() if value}),
        "categories": _choices(Category), "areas": _choices(Area), "units": _public_units(), "states": public_selectors.public_state_choices(),
    }


def _public_units():
    return pagecache.local(("units",), LISTS_LOCAL_SECONDS, lambda: stats_selectors.cached(
        "units", lambda: list(Unit.objects.filter(primary_responsibilities__isnull=False).distinct().order_by("name").values("pk", "name")),
        timeout=3600,
    ))


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
    except AppealError as exc:
        if exc.status == 404:
            raise Http404 from None
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已记录“我也遇到”。") if added else _("你已经点过“我也遇到”了。"))
    return redirect("appeals:wall-detail", tracking_number=tracking_number)


@login_required
def public_text(request: HttpRequest, appeal_id: int) -> HttpResponse:
    if not request.user.has_perm("appeals.edit_public_text"):
        raise PermissionDenied
    appeal = selectors.appeal_for_staff(appeal_id)
    error = None
    if request.method == "POST":
        try:
            services.edit_public_text(
                actor=request.user, appeal_id=appeal.pk, title=request.POST.get("title", ""),
                description=request.POST.get("description", ""), hidden=request.POST.get("hidden") == "on",
            )
        except AppealError as exc:
            error = exc
        else:
            messages.success(request, _("公开内容已保存。"))
            return redirect("appeals:staff-detail", appeal_id=appeal.pk)
    return render(request, "appeals/public_text.html", {
        "appeal": appeal, "error": error,
        "title": request.POST.get("title", appeal.public_title), "description": request.POST.get("description", appeal.public_description),
        "hidden": request.POST.get("hidden") == "on" if request.method == "POST" else appeal.public_hidden,
    }, status=error.status if error else 200)


# --- statistics ------------------------------------------------------------------

@dataclass(frozen=True)
class StatsParams:
    period: str
    anchor: dt.date
    start: dt.date
    end: dt.date
    area_id: int | None
    category_id: int | None

    @property
    def label(self) -> str:
        if self.start == self.end:
            return f"{self.start:%Y-%m-%d}"
        return f"{self.start:%Y-%m-%d} – {self.end:%Y-%m-%d}"

    def query(self, **extra) -> str:
        values = {"period": self.period, "date": self.anchor.isoformat()}
        if self.area_id:
            values["area"] = self.area_id
        if self.category_id:
            values["category"] = self.category_id
        values.update(extra)
        return urlencode(values)


def stats_query(data) -> StatsQueryForm:
    """A statistics query (page, export or API) to check against the towns
    and categories of the filter lists; see StatsQueryForm."""
    return StatsQueryForm(data, areas=_choices(Area), categories=_choices(Category))


def stats_params(cleaned: dict) -> StatsParams:
    """From a checked query: period (default month), date (default today), town, category."""
    period = cleaned.get("period") or Period.MONTH
    anchor = cleaned.get("date") or stats_selectors.today()
    start, end = stats_selectors.period_range(period, anchor)
    return StatsParams(period, anchor, start, end, cleaned.get("area"), cleaned.get("category"))


def dashboard_params(data) -> StatsParams:
    """A dashboard's parameters. Any date of a period shows that period, so
    the date is taken as the period's first day and the cached rendering is
    shared by every date in it."""
    params = stats_params(data)
    return replace(params, anchor=params.start)


def _dashboard_context(params: StatsParams, unit: Unit | None) -> dict:
    """Everything the figures part of a dashboard shows (computed on a cache miss)."""
    unit_id = unit.pk if unit else None
    slice_ = {"unit_id": unit_id, "area_id": params.area_id, "category_id": params.category_id}
    points = stats_selectors.trend(period=params.period, anchor=params.anchor, **slice_)
    parts = stats_selectors.slices(start=params.start, end=params.end, **slice_)
    definitions = stats_selectors.FIGURES
    areas_all, categories_all = _choices(Area), _choices(Category)
    context = {
        "figures": parts.total,
        "trend": [(p.label, table_cells([p.figures.received, p.figures.completed, figure(p.figures.satisfaction_rate, "rate")]))
                  for p in points],
        "trend_svg": charts.trend_svg(points, title=_("受理量与办结量趋势")),
        "categories": _table(parts.category, definitions),
        "categories_svg": charts.bars_svg(parts.category, title=_("各大类受理量")),
        "areas": _table(parts.area, definitions),
        "params": params, "periods": _periods(params), "unit": unit, "definitions": definitions,
        "headers": [(str(d.label), str(d.definition)) for d in definitions],
        "areas_all": areas_all, "categories_all": categories_all,
        # The town and category the view is narrowed to, named beside its period.
        "scope": [a["name"] for a in areas_all if a["pk"] == params.area_id]
        + [c["name"] for c in categories_all if c["pk"] == params.category_id],
        "previous": params.query(date=stats_selectors.shift(params.period, params.start, -1).isoformat()),
        "next": params.query(date=stats_selectors.shift(params.period, params.start, 1).isoformat()),
    }
    if unit is None:
        context.update({
            "ranking": _ranking_rows(stats_selectors.rank(parts.unit, min_received=_min_received(params))[:30], params),
            "formula": stats_selectors.RANKING_FORMULA, "min_received": _min_received(params),
        })
    else:
        context["score"] = stats_selectors.unit_score(context["figures"])[0]
    return context


def _table(rows, definitions) -> list[tuple]:
    """(name, cells as HTML) per row of a breakdown."""
    unclassified = _("未分类")
    return [(str(row.key) if row.key else unclassified, figure_cells(row.figures, definitions)) for row in rows]


RANKING_RATES = ("on_time_completion_rate", "satisfaction_rate", "reply_rate", "on_time_rectification_rate")


def _ranking_rows(ranking, params: StatsParams) -> list[dict]:
    """The ranking table's rows, formatted once (links keep the view's period and filters)."""
    query = params.query()
    return [{"rank": r.rank, "name": r.unit.name, "score": r.score, "received": r.figures.received,
             "url": f"{reverse('appeals:unit-dashboard', args=[r.unit.pk])}?{query}",
             "rates": table_cells(figure(getattr(r.figures, key), "rate") for key in RANKING_RATES)} for r in ranking]


def _choices(model) -> list[dict]:
    """The filter's areas or categories (pk and name), the same for every view."""
    name = f"choices:{model._meta.model_name}"
    return pagecache.local((name,), LISTS_LOCAL_SECONDS, lambda: stats_selectors.cached(
        name, lambda: list(model.objects.order_by("position", "code").values("pk", "name"))))


def dashboard_body(params: StatsParams, unit: Unit | None) -> str:
    """The figures part of a dashboard as HTML, rendered once per view,
    language and rebuild of the figures."""
    key = f"dash-html:{get_language()}:{unit.pk if unit else 0}:{params.query()}"
    # A settled period's figures outlive the periodic rebuilds, and so does its rendering.
    settled = stats_selectors.is_settled(params.end)
    return stats_selectors.cached(
        key, lambda: render_to_string("appeals/_dashboard_body.html", _dashboard_context(params, unit)), timeout=900,
        settled=settled,
    )


def hot_clusters_html() -> str:
    """The city dashboard's high-frequency clusters (the last 30 days, whatever
    the period shown): apart from the figures, once per rebuild and language."""
    return stats_selectors.cached(f"hot-clusters:{get_language()}", lambda: render_to_string(
        "appeals/_hot_clusters.html", {"clusters": public_selectors.high_frequency_clusters(limit=6)}))


def warm_dashboards() -> int:
    """Renders the city dashboards of today (each period, each language) after
    a rebuild, so no visitor waits for a cold computation of the usual views."""
    from django.conf import settings
    from django.utils import translation

    count = 0
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            hot_clusters_html()
            for period in Period.values:
                dashboard_body(dashboard_params({"period": period}), None)
                count += 1
    return count


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


def _min_received(params: StatsParams) -> int:
    """Small periods rank units with fewer appeals (a day has few)."""
    return {Period.DAY: 3, Period.WEEK: 5, Period.MONTH: 10, Period.YEAR: 20}[Period(params.period)]


def _periods(params: StatsParams) -> list[dict]:
    return [{"value": value, "label": label, "current": value == params.period} for value, label in Period.choices]


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


# --- follow-up work (staff) ------------------------------------------------------------

@login_required
@require_POST
def submit_rectification(request: HttpRequest, rectification_id: int) -> HttpResponse:
    try:
        rectification = services.submit_rectification(
            actor=request.user, rectification_id=rectification_id, report=request.POST.get("report", "")
        )
    except AppealError as exc:
        if exc.status in (403, 404):
            return _refuse(request, exc)
        messages.error(request, exc.message)
        return redirect(request.POST.get("back") or "appeals:inbox")
    messages.success(request, _("整改情况已提交，等待派单中心核实。"))
    return redirect("appeals:staff-detail", appeal_id=rectification.appeal_id)


@login_required
@require_POST
def check_rectification(request: HttpRequest, rectification_id: int) -> HttpResponse:
    verdict = request.POST.get("verdict")
    try:
        rectification = services.check_rectification(
            actor=request.user, rectification_id=rectification_id, verified=verdict == "verified",
            note=request.POST.get("note", "") if verdict in ("verified", "reopen") else "",
        )
    except AppealError as exc:
        if exc.status in (403, 404):
            return _refuse(request, exc)
        messages.error(request, exc.message if verdict in ("verified", "reopen") else _("请选择核实结果并填写意见。"))
        return redirect("appeals:centre")
    messages.success(request, _("核实结果已保存。"))
    return redirect("appeals:staff-detail", appeal_id=rectification.appeal_id)


@login_required
def clusters(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("appeals.view_clusters"):
        raise PermissionDenied
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
    if not request.user.has_perm("appeals.view_clusters"):
        raise PermissionDenied
    cluster = public_selectors.cluster_detail(cluster_id)
    if request.method == "POST":
        action = CLUSTER_ACTIONS.get(request.POST.get("action", ""))
        if action is None:
            messages.error(request, _("未知操作。"))
        else:
            try:
                result = action[0](request, cluster.pk)
            except AppealError as exc:
                if exc.status in (403, 404):
                    return _refuse(request, exc)
                messages.error(request, exc.message)
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
