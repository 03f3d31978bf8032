"""Background jobs of public voting (procrastinate). Each takes ids, calls a
service and is idempotent."""

from __future__ import annotations

from procrastinate.contrib.django import app

from portal import timeutils
from voting import services


@app.task(queue="voting", name=services.ROLLUP_TASK)
def rollup_vote_counts(campaign_id: int) -> None:
    """CaseEntry.vote_count catches up with the tallies after a burst."""
    services.rollup_vote_counts(campaign_id=campaign_id)


@app.periodic(cron="* * * * *")
@app.task(queue="voting", name="voting.snapshot_open_votes")
def snapshot_open_votes(timestamp: int) -> None:
    """Every minute while a vote is open: one snapshot per campaign+minute
    (unique in the database) for the chart, and a rollup of vote_count."""
    moment = timeutils.now()
    for campaign_id in services.voting_open_campaign_ids(moment):
        services.rollup_vote_counts(campaign_id=campaign_id)
        services.take_snapshot(campaign_id=campaign_id, moment=moment)


@app.periodic(cron="41 4 * * *")
@app.task(queue="maintenance", name="voting.purge_vote_requests")
def purge_vote_requests(timestamp: int) -> None:
    services.purge_vote_requests()


# --- Expert panel (issue 5) ---------------------------------------------------


@app.periodic(cron="* * * * *")
@app.task(queue="voting", name="voting.select_due_finalists")
def select_due_finalists(timestamp: int) -> None:
    """Every minute: campaigns whose voting has closed get their finalists
    (an existing cut is never replaced by the system)."""
    from cases.models import Campaign
    from portal.exceptions import PortalError
    from voting.panel import services as panel_services

    for campaign in Campaign.objects.filter(pk__in=panel_services.campaigns_due_for_finalists()):
        try:
            panel_services.select_finalists(actor=None, campaign=campaign)
        except PortalError:
            continue  # nothing on the board: nothing to select
