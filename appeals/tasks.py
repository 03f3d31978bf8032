"""Background jobs of appeals (procrastinate)."""

from __future__ import annotations

from procrastinate.contrib.django import app

from appeals.services.escalation import sweep_deadlines


@app.periodic(cron="* * * * *")
@app.task(queue="appeals", name="appeals.sweep_deadlines", queueing_lock="appeals.sweep_deadlines")
def sweep_appeal_deadlines(timestamp: int) -> dict:
    """Every minute: flag due-soon and overdue work, escalate. Idempotent:
    the Escalation rows' unique key keeps concurrent runs from notifying twice."""
    report = sweep_deadlines()
    return {"due_soon": report.due_soon, "overdue": report.overdue, "dispatch_overdue": report.dispatch_overdue}
