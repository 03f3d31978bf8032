"""The public queries of the wall and of the statistics, checked the same way
for the pages, the exports and the API: their filter lists (towns,
categories, units) and the parameters they turn into."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from urllib.parse import urlencode

from appeals.enums import Period
from appeals.forms import StatsQueryForm, WallQueryForm
from appeals.models import Area, Category
from appeals.selectors import public as public_selectors
from appeals.selectors import stats as stats_selectors
from portal import pagecache
from portal.localised import localised_value
from portal.models import Unit


# The filter lists every request checks its query against: a few seconds in
# this process in front of the copy in Redis (two round trips a list).
LISTS_LOCAL_SECONDS = 5


def filter_choices(model) -> list[dict]:
    """The filter's areas or categories (pk and name in the page's language), the same for every view."""
    name = f"choices:{model._meta.model_name}"
    return _localised(pagecache.local((name,), LISTS_LOCAL_SECONDS, lambda: stats_selectors.cached(
        name, lambda: list(model.objects.order_by("position", "code").values("pk", "name", "name_en")))))


def public_units():
    """The units that answer appeals (pk and name in the page's language), for the wall's filter."""
    return _localised(pagecache.local(("units",), LISTS_LOCAL_SECONDS, lambda: stats_selectors.cached(
        "units", lambda: list(Unit.objects.filter(primary_responsibilities__isnull=False).distinct().order_by("name")
                              .values("pk", "name", "name_en")),
        timeout=3600,
    )))


def _localised(rows: list[dict]) -> list[dict]:
    # Both names are cached once; each request picks its language's.
    return [{"pk": row["pk"], "name": localised_value(row, "name")} for row in rows]


def wall_query(data) -> WallQueryForm:
    """The wall's query (page or API) to check against its filter lists; see WallQueryForm."""
    return WallQueryForm(data, categories=filter_choices(Category), areas=filter_choices(Area), units=public_units(),
                         states=public_selectors.public_state_choices())


def wall_filters(cleaned: dict) -> tuple[public_selectors.WallFilters, int]:
    """The filters and page of a checked wall query."""
    filters = public_selectors.WallFilters(
        category_id=cleaned.get("category"), area_id=cleaned.get("area"), unit_id=cleaned.get("unit"),
        state=cleaned.get("state") or "", q=(cleaned.get("q") or "").strip(),
    )
    return filters, cleaned.get("page") or 1


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
    return StatsQueryForm(data, areas=filter_choices(Area), categories=filter_choices(Category))


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
