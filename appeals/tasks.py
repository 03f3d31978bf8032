"""Background jobs of appeals (procrastinate)."""

from __future__ import annotations

from procrastinate.contrib.django import app

from appeals.dashboards import warm_dashboards
from appeals.services.clusters import compute_clusters
from appeals.services.escalation import sweep_deadlines
from appeals.services.ratings import sweep_ratings
from appeals.services.stats import recompute_all, recompute_recent


@app.periodic(cron="* * * * *")
@app.task(queue="appeals", name="appeals.sweep_deadlines", queueing_lock="appeals.sweep_deadlines")
def sweep_appeal_deadlines(timestamp: int) -> dict:
    """Every minute: flag due-soon and overdue work, escalate. Idempotent:
    the Escalation rows' unique key keeps concurrent runs from notifying twice."""
    report = sweep_deadlines()
    return {"due_soon": report.due_soon, "overdue": report.overdue, "dispatch_overdue": report.dispatch_overdue}


@app.periodic(cron="*/10 * * * *")
@app.task(queue="appeals", name="appeals.sweep_ratings", queueing_lock="appeals.sweep_ratings")
def sweep_appeal_ratings(timestamp: int) -> dict:
    """Every 10 minutes: close (or, when the setting allows, auto-rate) appeals
    whose rating window ended. Locks each appeal and re-checks: runs once."""
    report = sweep_ratings()
    return {"closed_unrated": report.closed_unrated, "auto_rated": report.auto_rated}


@app.periodic(cron="*/15 * * * *")
@app.task(queue="appeals", name="appeals.recompute_recent_stats", queueing_lock="appeals.recompute_stats")
def recompute_recent_stats(timestamp: int) -> dict:
    """Every 15 minutes: rebuild the figures of the last 35 local days (idempotent),
    then render today's city dashboards into the cache."""
    rows = recompute_recent(days=35)
    return {"rows": rows, "warmed": warm_dashboards()}


# 03:37, not 03:30: at 03:30 the quarter-hourly job above is deferred with the
# same queueing lock, and the second defer failed (an error in PostgreSQL's
# log, and the nightly rebuild skipped).
@app.periodic(cron="37 3 * * *")
@app.task(queue="appeals", name="appeals.recompute_all_stats", queueing_lock="appeals.recompute_stats")
def recompute_all_stats(timestamp: int) -> dict:
    """Nightly at 03:37: rebuild every day (late replies to old appeals)."""
    rows = recompute_all()
    return {"rows": rows, "warmed": warm_dashboards()}


@app.periodic(cron="5 * * * *")
@app.task(queue="appeals", name="appeals.compute_clusters", queueing_lock="appeals.compute_clusters")
def compute_similar_clusters(timestamp: int) -> dict:
    """Hourly: group open and recent appeals into similar-case clusters (idempotent)."""
    run = compute_clusters()
    return {"candidates": run.candidates, "suggested": run.suggested, "attached": run.attached, "removed": run.removed}
