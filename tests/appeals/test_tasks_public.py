"""The periodic jobs of issue 7 call their services and are safe to rerun."""

from __future__ import annotations

import datetime as dt

import time_machine

from appeals.models import Cluster, DailyStat, StatsRun
from appeals.tasks import compute_similar_clusters, recompute_recent_stats, sweep_appeal_ratings


def test_rating_sweep_task_closes_after_the_window(resolved):
    with time_machine.travel(resolved.resolved_at + dt.timedelta(days=8), tick=False):
        assert sweep_appeal_ratings(timestamp=0) == {"closed_unrated": 1, "auto_rated": 0}
        assert sweep_appeal_ratings(timestamp=0) == {"closed_unrated": 0, "auto_rated": 0}


def test_stats_task_rebuilds_and_warms(resolved):
    first = recompute_recent_stats(timestamp=0)
    rows = sorted(DailyStat.objects.values_list("day", "received", "completed", "dispatched"))
    second = recompute_recent_stats(timestamp=0)
    assert first["rows"] == second["rows"] >= 1 and first["warmed"] == 8
    assert sorted(DailyStat.objects.values_list("day", "received", "completed", "dispatched")) == rows
    assert StatsRun.objects.filter(finished_at__isnull=False).count() == 2


def test_cluster_task_is_idempotent(world, file_appeal):
    for text in ("工地凌晨一点还在打桩施工，噪音太大睡不着", "工地晚上十二点以后还在打桩，噪音吵得睡不着觉",
                 "半夜工地打桩机一直响，噪音扰民，希望禁止夜间打桩施工"):
        file_appeal(title="夜间打桩噪音", description=text)
    assert compute_similar_clusters(timestamp=0)["suggested"] == 1
    assert compute_similar_clusters(timestamp=0) == {"candidates": 3, "suggested": 0, "attached": 0, "removed": 0}
    assert Cluster.objects.count() == 1
