"""The rendered, cached parts of the statistics dashboards (the figures of a
period, the city's high-frequency clusters), shared by the dashboard pages
and by the task that warms them after each rebuild of the figures."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from appeals import charts
from appeals.enums import Period
from appeals.models import Area, Category
from appeals.queries import StatsParams, dashboard_params, filter_choices
from appeals.selectors import public as public_selectors
from appeals.selectors import stats as stats_selectors
from appeals.templatetags.appeals_stats import figure, figure_cells, table_cells
from portal.models import Unit


def dashboard_context(params: StatsParams, unit: Unit | None) -> dict:
    """Everything the figures part of a dashboard shows (computed on a cache miss)."""
    unit_id = unit.pk if unit else None
    slice_ = {"unit_id": unit_id, "area_id": params.area_id, "category_id": params.category_id}
    points = stats_selectors.trend(period=params.period, anchor=params.anchor, **slice_)
    parts = stats_selectors.slices(start=params.start, end=params.end, **slice_)
    definitions = stats_selectors.FIGURES
    areas_all, categories_all = filter_choices(Area), filter_choices(Category)
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
    return [{"rank": r.rank, "name": r.unit.localised_name, "score": r.score, "received": r.figures.received,
             "url": f"{reverse('appeals:unit-dashboard', args=[r.unit.pk])}?{query}",
             "rates": table_cells(figure(getattr(r.figures, key), "rate") for key in RANKING_RATES)} for r in ranking]


def _min_received(params: StatsParams) -> int:
    """Small periods rank units with fewer appeals (a day has few)."""
    return {Period.DAY: 3, Period.WEEK: 5, Period.MONTH: 10, Period.YEAR: 20}[Period(params.period)]


def _periods(params: StatsParams) -> list[dict]:
    return [{"value": value, "label": label, "current": value == params.period} for value, label in Period.choices]


def dashboard_body(params: StatsParams, unit: Unit | None) -> str:
    """The figures part of a dashboard as HTML, rendered once per view,
    language and rebuild of the figures."""
    key = f"dash-html:{get_language()}:{unit.pk if unit else 0}:{params.query()}"
    # A settled period's figures outlive the periodic rebuilds, and so does its rendering.
    settled = stats_selectors.is_settled(params.end)
    return stats_selectors.cached(
        key, lambda: render_to_string("appeals/_dashboard_body.html", dashboard_context(params, unit)), timeout=900,
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
