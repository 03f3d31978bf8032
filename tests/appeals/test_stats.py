"""Statistics: every figure's definition on a small hand-built week, the
ranking formula, periods, idempotent rebuilds, the dashboard, API and XLSX."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from appeals.enums import AppealState, Period
from appeals.models import DailyStat, Rating, Rectification, WeeklyStat
from appeals.selectors import stats
from appeals.services import stats as stats_services
from portal.models import Unit
from tests import factories

TZ = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2030, 3, 20, 12, 0, tzinfo=TZ)
WEEK = (dt.date(2030, 3, 4), dt.date(2030, 3, 10))  # Monday to Sunday


def at(day: int, hour: int = 0, minute: int = 0, month: int = 3) -> dt.datetime:
    return dt.datetime(2030, month, day, hour, minute, tzinfo=TZ)


@pytest.fixture
def week(db):
    """Six appeals, four ratings, two rectifications around the week of 4–10 March 2030."""
    u1 = factories.UnitFactory(name="一号单位")
    u2 = factories.UnitFactory(name="二号单位")
    area = factories.AreaFactory(name="统计镇")
    c1 = factories.AppealCategoryFactory(code="S1", name="统计大类一")
    c2 = factories.AppealCategoryFactory(code="S2", name="统计大类二")
    i1 = factories.AppealItemFactory(category=c1, code="S1-01")
    i2 = factories.AppealItemFactory(category=c2, code="S2-01")

    def appeal(**kw):
        return factories.AppealFactory(area=area, **kw)

    a1 = appeal(item=i1, primary_unit=u1, state=AppealState.CLOSED, submitted_at=at(4, 9), dispatch_due_at=at(4, 11),
                first_dispatched_at=at(4, 10), dispatched_at=at(4, 10), handling_due_at=at(6, 23, 59),
                first_reply_at=at(5, 8), resolved_at=at(5, 9))
    a2 = appeal(item=i1, primary_unit=u1, state=AppealState.RATED, submitted_at=at(4, 10), dispatch_due_at=at(4, 12),
                first_dispatched_at=at(4, 13), dispatched_at=at(4, 18), return_count=1, handling_due_at=at(7, 23, 59),
                first_reply_at=at(7, 9), resolved_at=at(8, 10))
    appeal(item=i2, primary_unit=u1, state=AppealState.ACCEPTED, urgency="urgent", submitted_at=at(5, 8),
           dispatch_due_at=at(5, 8, 30), first_dispatched_at=at(5, 8, 20), dispatched_at=at(5, 8, 20),
           handling_due_at=at(5, 20))
    a4 = appeal(item=i2, primary_unit=u2, state=AppealState.CLOSED, submitted_at=at(6, 9), dispatch_due_at=at(6, 11),
                first_dispatched_at=at(6, 9, 30), dispatched_at=at(6, 9, 30), handling_due_at=at(11, 23, 59),
                first_reply_at=at(6, 15), resolved_at=at(7, 9))
    appeal(item=i1, state=AppealState.SUBMITTED, submitted_at=at(10, 20), dispatch_due_at=at(10, 22))
    a6 = appeal(item=i1, primary_unit=u2, state=AppealState.RATED, submitted_at=at(1, 12), dispatch_due_at=at(1, 14),
                first_dispatched_at=at(1, 13), dispatched_at=at(1, 13), handling_due_at=at(4, 23, 59),
                first_reply_at=at(2, 10), resolved_at=at(4, 12))
    Rating.objects.create(appeal=a1, unit=u1, score=5, created_at=at(5, 12))
    Rating.objects.create(appeal=a4, unit=u2, score=4, created_at=at(7, 12))
    bad6 = Rating.objects.create(appeal=a6, unit=u2, score=2, comment="不满意", created_at=at(4, 15))
    bad2 = Rating.objects.create(appeal=a2, unit=u1, score=1, comment="很不满意", created_at=at(8, 12))
    Rectification.objects.create(appeal=a6, rating=bad6, unit=u2, state="verified", created_at=at(4, 15),
                                 due_at=at(8, 23, 59), report="已整改", submitted_at=at(7, 10), checked_at=at(7, 15))
    Rectification.objects.create(appeal=a2, rating=bad2, unit=u1, state="open", created_at=at(8, 12), due_at=at(9, 23, 59))
    stats_services.recompute_daily_stats(first_day=dt.date(2030, 2, 25), last_day=dt.date(2030, 3, 17), now=NOW)
    return {"u1": u1, "u2": u2, "area": area, "c1": c1, "c2": c2}


def test_city_figures_of_the_week(week):
    f = stats.figures(start=WEEK[0], end=WEEK[1])
    # 受理量: A1–A5 (A6 was submitted the week before).
    assert f.received == 5
    # 答复率: of A1–A5, A1, A2 and A4 have a reply.
    assert (f.replied, f.reply_rate) == (3, Decimal("0.6000"))
    # 一次派准率: first dispatched in the week A1–A4; A2 was returned.
    assert (f.dispatched, f.right_first_time, f.right_first_time_rate) == (4, 3, Decimal("0.7500"))
    # 按时派单率: dispatch deadlines in the week A1–A5; A2 late, A5 never dispatched.
    assert (f.dispatch_due, f.dispatched_on_time, f.on_time_dispatch_rate) == (5, 3, Decimal("0.6000"))
    # 按时办结率: handling deadlines in the week A1, A2, A3, A6 (A4's is next Monday); on time A1, A6; A3 still open.
    assert (f.handling_due, f.completed_on_time, f.on_time_completion_rate) == (4, 2, Decimal("0.5000"))
    # 平均办理时长: resolved in the week A1 24 h, A2 96 h, A4 24 h, A6 72 h.
    assert (f.completed, f.average_handling_hours) == (4, Decimal("54.0"))
    # 满意率 / 差评率: ratings 5, 4, 2, 1.
    assert (f.ratings, f.satisfaction_rate, f.bad_review_rate) == (4, Decimal("0.5000"), Decimal("0.5000"))
    # 整改按时率: due in the week R1 (verified, reported on time) and R2 (never reported).
    assert (f.rectifications_due, f.on_time_rectification_rate) == (2, Decimal("0.5000"))


def test_unit_figures_of_the_week(week):
    u1 = stats.figures(start=WEEK[0], end=WEEK[1], unit_id=week["u1"].pk)
    assert (u1.received, u1.reply_rate, u1.right_first_time_rate, u1.on_time_dispatch_rate) == (
        3, Decimal("0.6667"), Decimal("0.6667"), Decimal("0.6667"))
    assert (u1.on_time_completion_rate, u1.average_handling_hours) == (Decimal("0.3333"), Decimal("60.0"))
    assert (u1.satisfaction_rate, u1.bad_review_rate, u1.on_time_rectification_rate) == (
        Decimal("0.5000"), Decimal("0.5000"), Decimal("0.0000"))
    u2 = stats.figures(start=WEEK[0], end=WEEK[1], unit_id=week["u2"].pk)
    assert (u2.received, u2.reply_rate, u2.on_time_completion_rate, u2.average_handling_hours) == (
        1, Decimal("1.0000"), Decimal("1.0000"), Decimal("48.0"))
    assert u2.on_time_rectification_rate == Decimal("1.0000")


def test_empty_denominators_are_undefined_not_zero(week):
    f = stats.figures(start=dt.date(2031, 1, 1), end=dt.date(2031, 1, 31))
    assert f.received == 0 and f.satisfaction_rate is None and f.average_handling_hours is None
    assert f.on_time_rectification_rate is None


def test_breakdown_by_category_and_area(week):
    rows = {str(r.key): r.figures for r in stats.breakdown(by="category", start=WEEK[0], end=WEEK[1])}
    assert rows["统计大类一"].received == 3 and rows["统计大类二"].received == 2
    areas = stats.breakdown(by="area", start=WEEK[0], end=WEEK[1])
    assert [(str(r.key), r.figures.received) for r in areas] == [("统计镇", 5)]


def test_breakdown_names_follow_renames_at_the_next_rebuild_and_new_units_at_once(week, django_assert_num_queries):
    def names():
        return {str(r.key) for r in stats.slices(start=WEEK[0], end=WEEK[1]).unit if r.key}

    assert names() == {"一号单位", "二号单位"}
    with django_assert_num_queries(1):  # the figures; the names are held
        names()
    week["u1"].name = "一号单位（新）"
    week["u1"].save()
    assert "一号单位" in names()  # like the cached dashboards, until the figures are rebuilt
    stats_services.recompute_daily_stats(first_day=WEEK[0], last_day=WEEK[1], now=NOW)
    assert names() == {"一号单位（新）", "二号单位"}
    newcomer = factories.UnitFactory(name="三号单位")
    WeeklyStat.objects.create(week=WEEK[0], unit=newcomer, received=1)  # a week's figures come from its weekly rows
    assert "三号单位" in names()


def test_ranking_follows_the_published_formula(week):
    rows = stats.unit_ranking(start=WEEK[0], end=WEEK[1], min_received=1)
    # U2: 100 × (0.35×1 + 0.35×0.5 + 0.20×1 + 0.10×1) = 82.50
    # U1: 100 × (0.35×0.3333 + 0.35×0.5 + 0.20×0.6667 + 0.10×0) = 42.4995 → 42.50
    assert [(r.rank, r.unit.name, r.score) for r in rows] == [(1, "二号单位", Decimal("82.50")), (2, "一号单位", Decimal("42.50"))]
    assert [r.unit.name for r in stats.unit_ranking(start=WEEK[0], end=WEEK[1], min_received=2)] == ["一号单位"]


def test_ranking_ties_share_a_rank(db):
    area = factories.AreaFactory(name="并列镇")
    item = factories.AppealItemFactory(code="T-01")
    units = [factories.UnitFactory(name=name) for name in ("甲单位", "乙单位", "丙单位")]
    for unit, resolved in zip(units, (at(2, 10, month=4), at(2, 10, month=4), None)):
        factories.AppealFactory(
            area=area, item=item, primary_unit=unit, state=AppealState.RESOLVED if resolved else AppealState.ACCEPTED,
            submitted_at=at(1, 9, month=4), dispatch_due_at=at(1, 11, month=4), first_dispatched_at=at(1, 10, month=4),
            dispatched_at=at(1, 10, month=4), handling_due_at=at(3, 23, 59, month=4), first_reply_at=at(1, 15, month=4),
            resolved_at=resolved,
        )
    stats_services.recompute_daily_stats(first_day=dt.date(2030, 3, 30), last_day=dt.date(2030, 4, 7), now=NOW + dt.timedelta(days=30))
    rows = stats.unit_ranking(start=dt.date(2030, 4, 1), end=dt.date(2030, 4, 7), min_received=1)
    assert [(r.rank, r.unit.name, r.score) for r in rows] == [
        (1, "甲单位", Decimal("65.00")), (1, "乙单位", Decimal("65.00")), (3, "丙单位", Decimal("30.00"))]


def test_periods_and_trend(week):
    assert stats.period_range(Period.WEEK, dt.date(2030, 3, 6)) == WEEK
    assert stats.period_range(Period.MONTH, dt.date(2030, 2, 14)) == (dt.date(2030, 2, 1), dt.date(2030, 2, 28))
    assert stats.period_range(Period.YEAR, dt.date(2030, 2, 14)) == (dt.date(2030, 1, 1), dt.date(2030, 12, 31))
    assert stats.period_range(Period.DAY, dt.date(2030, 2, 14)) == (dt.date(2030, 2, 14),) * 2
    points = stats.trend(period=Period.WEEK, anchor=dt.date(2030, 3, 6))
    assert len(points) == 12 and points[-1].start == WEEK[0]
    assert (points[-1].figures.received, points[-2].figures.received) == (5, 1)
    days = stats.trend(period=Period.DAY, anchor=dt.date(2030, 3, 10))
    assert [p.figures.received for p in days[-7:]] == [2, 1, 1, 0, 0, 0, 1]


def test_rebuild_is_idempotent(week):
    before = sorted(DailyStat.objects.values_list("day", "unit_id", "category_id", "received", "ratings"))
    stats_services.recompute_daily_stats(first_day=dt.date(2030, 3, 1), last_day=dt.date(2030, 3, 12), now=NOW)
    stats_services.recompute_daily_stats(first_day=dt.date(2030, 3, 1), last_day=dt.date(2030, 3, 12), now=NOW)
    assert sorted(DailyStat.objects.values_list("day", "unit_id", "category_id", "received", "ratings")) == before


def test_a_window_rebuild_sums_its_weeks_and_months_again_from_the_daily_rows(week):
    from django.db.models import Sum
    from django.db.models.functions import TruncMonth, TruncWeek

    from appeals.models import MonthlyStat, WeeklyStat

    # 2030-03-05 is a Tuesday: the window cuts a week at each end.
    stats_services.recompute_daily_stats(first_day=dt.date(2030, 3, 5), last_day=dt.date(2030, 3, 12), now=NOW)
    for model, column, trunc in ((WeeklyStat, "week", TruncWeek), (MonthlyStat, "month", TruncMonth)):
        by_days = dict(DailyStat.objects.annotate(bucket=trunc("day")).values("bucket").annotate(n=Sum("received"))
                       .values_list("bucket", "n"))
        rolled = dict(model.objects.values(column).annotate(n=Sum("received")).values_list(column, "n"))
        assert rolled == by_days and sum(rolled.values()) > 0, column


def test_definitions_are_one_per_figure_and_in_the_docstring():
    keys = [f.key for f in stats.FIGURES]
    assert len(keys) == len(set(keys)) == 9
    for label in ("受理量", "一次派准率", "按时派单率", "按时办结率", "平均办理时长", "答复率", "满意率", "差评率", "整改按时率"):
        assert label in stats.__doc__


def test_dashboard_page_shows_figures_with_tooltips(client, week):
    response = client.get("/appeals/stats/?period=week&date=2030-03-06")
    body = response.content.decode()
    assert response.status_code == 200
    assert '<dd id="figure-received">5</dd>' in body
    assert '<dd id="figure-on_time_completion_rate">50.00%</dd>' in body
    assert '<dd id="figure-average_handling_hours">54.0 小时</dd>' in body
    assert 'role="tooltip"' in body and "已有承办单位公开答复的比例" in body
    charts = [part.split("</svg>")[0] for part in body.split("<svg")[1:]]
    assert len(charts) == 2 and not any("<script" in chart for chart in charts)
    # A week ranks units with at least 5 appeals: none here (the formula is still published).
    assert "本期没有达到最低受理量的单位" in body and "0.35 × 按时办结率" in body
    unit_page = client.get(f"/appeals/stats/units/{week['u1'].pk}/?period=week&date=2030-03-06").content.decode()
    assert '<dd id="figure-received">3</dd>' in unit_page


def test_dashboard_queries_are_constant_and_cached(client, week, django_assert_max_num_queries):
    client.get("/appeals/stats/?period=week&date=2030-03-06")
    with django_assert_max_num_queries(6):
        client.get("/appeals/stats/?period=week&date=2030-03-06")


def test_api_and_xlsx_give_the_same_figures(client, week, resident):
    data = client.get("/api/v1/appeals/stats?period=week&date=2030-03-06").json()
    assert data["figures"]["received"] == 5 and data["figures"]["satisfaction_rate"] == 0.5
    assert {d["key"] for d in data["definitions"]} >= {"reply_rate", "bad_review_rate"}
    ranking = client.get("/api/v1/appeals/stats/ranking?period=year&date=2030-03-06").json()
    assert "0.35 × 按时办结率" in ranking["formula"]
    assert client.get("/api/v1/appeals/stats?period=fortnight").status_code == 400
    assert client.get("/appeals/stats/export.xlsx?period=week&date=2030-03-06&by=unit").status_code == 302
    client.force_login(resident)
    response = client.get("/appeals/stats/export.xlsx?period=week&date=2030-03-06&by=unit")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.values)
    assert rows[0][:3] == ("单位", "受理量", "一次派准率")
    by_unit = {r[0]: r for r in rows[1:]}
    assert by_unit["一号单位"][1] == 3 and by_unit["二号单位"][4] == 1.0


def test_stats_export_of_a_formula_like_unit_name_does_not_run_it(client, week, resident):
    Unit.objects.filter(name="一号单位").update(name="=1+1单位")
    stats_services.recompute_all()
    client.force_login(resident)
    response = client.get("/appeals/stats/export.xlsx?period=week&date=2030-03-06&by=unit")
    cells = [c for c in load_workbook(io.BytesIO(response.content)).active["A"] if c.value == "=1+1单位"]
    assert cells and all(c.data_type == "s" and c.quotePrefix for c in cells)


@pytest.mark.parametrize("query, refusal", [
    ("period=fortnight", "统计周期只能是日、周、月或年。"),
    ("date=2030-02-30", "日期应写作 年-月-日，如 2026-03-05。"),
    ("date=9999-12-31&period=year", "只能查询 2000 年到 2099 年的数据。"),  # the calendar's end: was a server error
    ("date=0001-01-01", "只能查询 2000 年到 2099 年的数据。"),
    ("area=999999", "没有这个镇街。"),
    ("area=abc", "没有这个镇街。"),
    ("category=999999", "没有这个大类。"),
])
def test_a_bad_dashboard_query_is_named_on_the_page_which_shows_its_default(client, week, query, refusal):
    response = client.get(f"/appeals/stats/?{query}")
    html = response.content.decode()
    assert response.status_code == 400
    assert 'role="alert"' in html and refusal in html
    assert 'id="figure-received"' in html  # the default view is still there
    api = client.get(f"/api/v1/appeals/stats/breakdown?{query}")
    # The API names a well-formed id of nothing as a path would: 404.
    assert api.status_code == (404 if query.endswith("=999999") else 400) and refusal in api.json()["error"]["message"]


def test_a_town_added_after_the_lists_were_cached_is_not_refused(client, week):
    assert client.get("/appeals/stats/").status_code == 200  # the filter lists are cached now
    town = factories.AreaFactory(name="新设街道")
    assert client.get(f"/appeals/stats/?area={town.pk}").status_code == 200
    assert client.get(f"/api/v1/appeals/public?area={town.pk}").status_code == 200


def test_a_good_dashboard_query_names_its_town_and_category(client, week):
    query = f"period=week&date=2030-03-06&area={week['area'].pk}&category={week['c1'].pk}"
    response = client.get(f"/appeals/stats/?{query}")
    assert response.status_code == 200 and 'role="alert"' not in response.content.decode()
    assert "统计镇 · 统计大类一" in response.content.decode()
    assert client.get(f"/api/v1/appeals/stats?{query}").json()["figures"]["received"] == 3


def test_api_and_export_refuse_an_unknown_unit_or_breakdown(client, week, resident):
    assert client.get("/api/v1/appeals/stats?unit=999999").json()["error"]["fields"] == {"unit": ["没有这个单位。"]}
    assert client.get(f"/api/v1/appeals/stats?unit={week['u1'].pk}&period=week&date=2030-03-06").json()[
        "figures"]["received"] == 3
    client.force_login(resident)
    refused = client.get("/appeals/stats/export.xlsx?by=town")
    assert refused.status_code == 400 and "分组只能是 unit、area 或 category。" in refused.content.decode()
    assert client.get("/appeals/stats/export.xlsx?unit=999999").status_code == 400


def test_one_scan_slices_match_the_separate_queries(week):
    parts = stats.slices(start=WEEK[0], end=WEEK[1])
    assert parts.total == stats.figures(start=WEEK[0], end=WEEK[1])
    for by in ("unit", "area", "category"):
        separate = stats.breakdown(by=by, start=WEEK[0], end=WEEK[1])
        assert [(r.key, r.figures) for r in getattr(parts, by)] == [(r.key, r.figures) for r in separate]
    only_u1 = stats.slices(start=WEEK[0], end=WEEK[1], unit_id=week["u1"].pk)
    assert only_u1.total == stats.figures(start=WEEK[0], end=WEEK[1], unit_id=week["u1"].pk)


def test_warming_renders_todays_city_dashboards(week, django_assert_max_num_queries, client):
    from appeals.dashboards import warm_dashboards

    assert warm_dashboards() == 8  # four periods, two languages
    with django_assert_max_num_queries(2):
        assert client.get("/appeals/stats/").status_code == 200


def test_best_unit_award_track_is_the_ranking_of_its_period(client, week):
    award = factories.UnitRankingAwardFactory(period_start=WEEK[0], period_end=WEEK[1], min_received=1, winners=1)
    assert award.track.kind == "best_unit"
    rows = stats.award_ranking(award)
    assert [(r.rank, r.unit.name, r.score) for r in rows] == [(1, "二号单位", Decimal("82.50"))]
    body = client.get(f"/appeals/stats/awards/{award.track_id}/").content.decode()
    assert "二号单位" in body and "82.50" in body and "一号单位" not in body
    assert client.get("/appeals/stats/awards/999999/").status_code == 404


def test_a_cold_piece_asked_for_at_once_is_computed_once():
    import threading
    import time

    from appeals.selectors import stats as stats_selectors

    calls, results = [], []
    barrier = threading.Barrier(6)

    def compute():
        calls.append(1)
        time.sleep(0.3)  # long enough for every other thread to arrive
        return "figures"

    def ask():
        barrier.wait()
        results.append(stats_selectors.cached("burst-test", compute))

    threads = [threading.Thread(target=ask) for _n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == ["figures"] * 6
    assert len(calls) == 1


def test_a_piece_is_computed_when_redis_is_down(settings):
    from appeals.selectors import stats as stats_selectors

    closed = "redis://127.0.0.1:1/0"
    settings.CACHES = {alias: {**config, "LOCATION": closed} for alias, config in settings.CACHES.items()}
    assert stats_selectors.cached("down-test", lambda: "computed") == "computed"


@pytest.mark.django_db
@pytest.mark.parametrize("first, last", [
    ("2026-03-01", "2026-03-31"),  # one whole month
    ("2026-02-14", "2026-05-09"),  # edges of partial months around whole ones
    ("2026-03-05", "2026-03-20"),  # inside one month
    ("2025-12-01", "2026-11-30"),  # a year of whole months
    ("2026-03-02", "2026-03-08"),  # one whole week (Monday to Sunday)
    ("2026-03-04", "2026-03-26"),  # whole weeks between partial ones
])
def test_weekly_and_monthly_rows_give_the_same_figures_as_the_daily_rows(first, last):
    import datetime as dt
    import random

    from appeals.models import MonthlyStat
    from appeals.selectors import stats as stats_selectors
    from appeals.services import stats as stats_services

    rng = random.Random(5)
    units = [factories.UnitFactory() for _n in range(3)]
    day, rows = dt.date(2025, 11, 20), []
    while day <= dt.date(2026, 12, 5):
        for unit in units:
            rows.append(DailyStat(day=day, unit=unit, received=rng.randint(0, 9), completed=rng.randint(0, 9),
                                  ratings=rng.randint(0, 3), handling_seconds=rng.randint(0, 10**6)))
        day += dt.timedelta(days=1)
    DailyStat.objects.bulk_create(rows)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(stats_services.ROLLUP_SQL["month"], {"first": dt.date(2025, 11, 1), "next": dt.date(2027, 1, 1)})
        cursor.execute(stats_services.ROLLUP_SQL["week"], {"first": dt.date(2025, 11, 17), "next": dt.date(2026, 12, 7)})
    assert MonthlyStat.objects.count() == 14 * 3
    assert WeeklyStat.objects.count() == 55 * 3
    start, end = dt.date.fromisoformat(first), dt.date.fromisoformat(last)
    by_days = stats_selectors.figures(start=start, end=end)
    sliced = stats_selectors.slices(start=start, end=end)
    assert sliced.total == by_days
    one = units[1]
    assert stats_selectors.slices(start=start, end=end, unit_id=one.pk).total == stats_selectors.figures(
        start=start, end=end, unit_id=one.pk)
    for period in ("week", "month", "year"):
        points = stats_selectors.trend(period=period, anchor=end)
        for point in points:
            bucket_end = stats_selectors.period_range(period, point.start)[1]
            assert point.figures == stats_selectors.figures(start=point.start, end=bucket_end), (period, point.start)


def test_any_date_of_a_month_shows_that_month_from_one_cached_rendering(week, client, django_assert_max_num_queries):
    first = client.get("/appeals/stats/?period=month&date=2026-03-05").content.decode()
    with django_assert_max_num_queries(2):
        second = client.get("/appeals/stats/?period=month&date=2026-03-20").content.decode()
    assert "2026-03-01 – 2026-03-31" in first and "2026-03-01 – 2026-03-31" in second


@pytest.fixture
def renders(monkeypatch):
    """How many times a dashboard's figures were computed and rendered."""
    from appeals import dashboards

    calls = []
    real = dashboards.dashboard_context

    def counting(params, unit):
        calls.append(params.start)
        return real(params, unit)

    monkeypatch.setattr(dashboards, "dashboard_context", counting)
    return calls


@pytest.mark.django_db
def test_a_settled_period_keeps_its_rendering_across_the_periodic_rebuild(client, renders, next_second):
    today = stats.today()
    settled = f"/appeals/stats/?period=month&date={today - dt.timedelta(days=120):%Y-%m-%d}"
    recent = f"/appeals/stats/?period=month&date={today:%Y-%m-%d}"
    for url in (settled, recent, settled, recent):
        assert client.get(url).status_code == 200
    assert len(renders) == 2  # each rendered once
    stats_services.recompute_recent()  # the last 35 days: the recent month may change, the settled one cannot
    next_second()  # past the visitors' page copies
    client.get(settled)
    client.get(recent)
    assert len(renders) == 3 and renders[-1] == stats.period_range("month", today)[0]
    stats_services.recompute_all()  # reaches back: everything is drawn again
    next_second()
    client.get(settled)
    assert len(renders) == 4


def test_visitors_share_a_dashboard_page_for_a_second_and_the_signed_in_never(client, week, next_second):
    unit_page = f"/appeals/stats/units/{week['u1'].pk}/?period=week&date=2030-03-06"
    for url in ("/appeals/stats/?period=week&date=2030-03-06", unit_page):
        assert client.get(url)["X-Page-Cache"] == "miss"
        assert client.get(url)["X-Page-Cache"] == "hit"
    next_second()
    assert client.get(unit_page)["X-Page-Cache"] == "miss"
    client.force_login(factories.ResidentFactory())
    response = client.get(unit_page)
    assert "X-Page-Cache" not in response and "一号单位" in response.content.decode()


@pytest.mark.django_db
def test_hot_clusters_follow_the_rebuilds_even_on_a_settled_period(client, next_second):
    settled = f"/appeals/stats/?period=month&date={stats.today() - dt.timedelta(days=120):%Y-%m-%d}"
    assert "高频类案" not in client.get(settled).content.decode()
    factories.ClusterFactory(label="新城路段路灯不亮")
    stats_services.recompute_recent()
    next_second()
    html = client.get(settled).content.decode()
    assert "高频类案（近30天）" in html and "新城路段路灯不亮" in html


def test_the_rebuild_the_tables_and_the_figures_share_one_list_of_counters():
    import dataclasses

    from appeals.models import MonthlyStat

    for model in (DailyStat, WeeklyStat, MonthlyStat):
        fields = [f.name for f in model._meta.concrete_fields if f.name not in ("id", "day", "week", "month", "unit", "area", "category")]
        assert fields == stats.COUNTERS, model
    assert [f.name for f in dataclasses.fields(stats.Figures)] == stats.COUNTERS
    assert all(f" AS {counter}" in stats_services.SQL for counter in stats.COUNTERS)


def test_a_rating_counts_as_good_or_bad_by_the_scores_the_ratings_service_uses(db):
    from appeals.enums import BAD_SCORES, GOOD_SCORES

    unit = factories.UnitFactory()
    for score in range(1, 6):
        appeal = factories.AppealFactory(primary_unit=unit, state=AppealState.RATED, submitted_at=at(4, 9),
                                         resolved_at=at(4, 12))
        Rating.objects.create(appeal=appeal, unit=unit, score=score, comment="评价理由", created_at=at(5, 12))
    stats_services.recompute_daily_stats(first_day=WEEK[0], last_day=WEEK[1], now=NOW)
    figures = stats.figures(start=WEEK[0], end=WEEK[1], unit_id=unit.pk)
    assert (figures.ratings, figures.ratings_good, figures.ratings_bad) == (5, len(GOOD_SCORES), len(BAD_SCORES))


@pytest.mark.django_db
def test_on_time_rectification_is_one_rule_in_python_and_in_the_statistics_sql():
    """Rectification.on_time / rectified_on_time and the rebuild's SQL give the
    same answer at the edges: a report at the very deadline, a microsecond
    after it, across a weekend and a holiday, unverified or never reported."""
    from django.db import connection

    from appeals import deadlines

    friday = at(8, 15)  # Friday 8 March 2030: one working day later is Monday 11, 23:59:59 local
    monday_due = deadlines.add_working_days(friday, 1)
    assert monday_due == dt.datetime(2030, 3, 11, 23, 59, 59, tzinfo=TZ)
    factories.HolidayFactory(date=dt.date(2030, 3, 12))  # Tuesday off: one working day after Monday is Wednesday
    wednesday_due = deadlines.add_working_days(at(11, 9), 1)
    assert wednesday_due == dt.datetime(2030, 3, 13, 23, 59, 59, tzinfo=TZ)
    micro = dt.timedelta(microseconds=1)
    cases = [  # (due, submitted, state)
        (monday_due, monday_due, "verified"),  # at the very deadline
        (monday_due, monday_due + micro, "verified"),  # a microsecond late
        (monday_due, monday_due - micro, "verified"),
        (monday_due, at(10, 12), "verified"),  # over the weekend, before the working day ends
        (monday_due, at(12, 0), "verified"),  # the next local day (a holiday) has begun
        (wednesday_due, at(13, 23, 59), "verified"),
        (wednesday_due, wednesday_due + micro, "reopened"),
        (wednesday_due, wednesday_due, "submitted"),  # on time, not yet verified
        (wednesday_due, wednesday_due, "reopened"),  # on time, but not rectified
        (wednesday_due, None, "open"),  # never reported
    ]
    rows = [factories.RectificationFactory(created_at=friday, due_at=due, submitted_at=submitted, state=state,
                                           report="已整改" if submitted else "")
            for due, submitted, state in cases]
    for row in rows:
        row.refresh_from_db()  # the values as PostgreSQL holds them
    assert [r.on_time for r in rows] == [True, False, True, True, False, True, False, True, True, False]
    assert [r.rectified_on_time for r in rows] == [True, False, True, True, False, True, False, False, False, False]

    from appeals.models import Rectification

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT x.id, {Rectification.on_time_sql('x')}, {Rectification.rectified_on_time_sql('x')} "
                       "FROM appeals_rectification x")
        in_sql = {pk: (on_time, rectified) for pk, on_time, rectified in cursor.fetchall()}
    assert in_sql == {r.pk: (r.on_time, r.rectified_on_time) for r in rows}

    stats_services.recompute_daily_stats(first_day=dt.date(2030, 3, 11), last_day=dt.date(2030, 3, 13), now=NOW)
    for day, due in ((dt.date(2030, 3, 11), monday_due), (dt.date(2030, 3, 13), wednesday_due)):
        figures = stats.figures(start=day, end=day)
        mine = [r for r in rows if r.due_at == due]
        assert (figures.rectifications_due, figures.rectifications_on_time) == (
            len(mine), sum(r.rectified_on_time for r in mine)), day
