"""Tallies and snapshots: CaseEntry.vote_count brought up to the tally shards
(at most every ROLLUP_EVERY_SECONDS while votes arrive, and by the task
queue after a burst), a rebuild of the tallies from the ballots, and the
per-minute snapshots behind the chart."""

from __future__ import annotations

import datetime as dt
import logging
import time

from django.core.cache import cache
from django.db import connection, transaction

from cases.enums import PhaseKind
from cases.models import Campaign
from portal import caching, timeutils
from voting import selectors
from voting.models import TALLY_SHARDS, VoteSnapshot


# CaseEntry.vote_count follows the tallies at most this often while votes arrive.
ROLLUP_EVERY_SECONDS = 2
ROLLUP_TASK = "voting.rollup_vote_counts"  # the task (voting.tasks) that runs rollup_vote_counts

logger = logging.getLogger(__name__)


# Per process: when this process last asked Redis for the rollup slot.
_rollup_asked: dict[int, float] = {}


def rollup_due(campaign_id: int) -> bool:
    """At most one rollup of vote_count per ROLLUP_EVERY_SECONDS across all
    processes: each process asks Redis for the slot at most that often, so
    an accepted vote usually costs no Redis round trip at all."""
    moment = time.monotonic()
    if moment - _rollup_asked.get(campaign_id, -ROLLUP_EVERY_SECONDS) < ROLLUP_EVERY_SECONDS:
        return False
    _rollup_asked[campaign_id] = moment
    try:
        return bool(cache.add(f"voting:rollup:{campaign_id}", 1, ROLLUP_EVERY_SECONDS))
    except Exception:  # the vote is committed; the periodic job rolls up anyway
        logger.warning("voting: could not take the rollup slot of campaign %s", campaign_id, exc_info=True)
        return False


def rollup_and_defer(campaign_id: int) -> None:
    """Bring CaseEntry.vote_count up to the tallies now, and defer a run
    after the burst to catch the votes that came after this one (the
    periodic job is the backstop)."""
    rollup_vote_counts(campaign_id=campaign_id)
    defer_rollup(campaign_id=campaign_id)


def defer_rollup(*, campaign_id: int) -> None:
    """Queue one rollup run ROLLUP_EVERY_SECONDS from now, unless one is
    queued already.

    The queued run is usually still waiting when the next slot comes (it is
    scheduled past the slot), so it is looked for first: a defer that hits
    the queueing lock is a unique violation, an ERROR line in PostgreSQL's
    log every slot while voting is open. Only the holder of the Redis slot
    (rollup_due) gets here, so the look and the defer do not race in normal
    operation; AlreadyEnqueued still covers the rare case."""
    from procrastinate import exceptions as procrastinate_exceptions
    from procrastinate.contrib.django import app
    from procrastinate.contrib.django.models import ProcrastinateJob

    lock = f"voting-rollup-{campaign_id}"
    if ProcrastinateJob.objects.filter(queueing_lock=lock, status="todo").exists():
        return
    try:
        # By its name: voting.tasks registers the task at start-up and imports
        # this module, which therefore does not import it back.
        app.configure_task(
            ROLLUP_TASK, allow_unknown=False, queueing_lock=lock, schedule_in={"seconds": ROLLUP_EVERY_SECONDS + 1}
        ).defer(campaign_id=campaign_id)
    except procrastinate_exceptions.AlreadyEnqueued:
        pass


def rollup_vote_counts(*, campaign_id: int) -> int:
    """Copy the tallies' sums into CaseEntry.vote_count (the board sorts on
    it). Idempotent; returns the number of entries changed."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE cases_caseentry e SET vote_count = s.n
            FROM (SELECT e2.id AS case_id, COALESCE(SUM(t.votes), 0) AS n
                  FROM cases_caseentry e2 LEFT JOIN voting_casetally t ON t.case_id = e2.id
                  WHERE e2.campaign_id = %s GROUP BY e2.id) s
            WHERE e.id = s.case_id AND e.vote_count <> s.n
            """,
            [campaign_id],
        )
        changed = cursor.rowcount
    caching.forget(selectors.counts_key(campaign_id))
    return changed


def recount_tallies(*, campaign_id: int) -> None:
    """Rebuild a campaign's tallies from its non-void ballots (repair after a
    restore or a manual fix; not needed in normal operation). Locks the
    campaign's tally rows so no vote lands in between."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("LOCK TABLE voting_casetally IN SHARE ROW EXCLUSIVE MODE")
        cursor.execute("DELETE FROM voting_casetally WHERE campaign_id = %s", [campaign_id])
        cursor.execute(
            f"""
            INSERT INTO voting_casetally (case_id, campaign_id, shard, votes)
            SELECT case_id, campaign_id, voter_id %% {TALLY_SHARDS}, COUNT(*)
            FROM voting_ballot WHERE campaign_id = %s AND voided_at IS NULL
            GROUP BY case_id, campaign_id, voter_id %% {TALLY_SHARDS}
            """,
            [campaign_id],
        )
    rollup_vote_counts(campaign_id=campaign_id)


def take_snapshot(*, campaign_id: int, moment: dt.datetime | None = None, replace: bool = False) -> VoteSnapshot:
    """The campaign's totals at this minute (idempotent per campaign+minute)."""
    minute = (moment or timeutils.now()).replace(second=0, microsecond=0)
    totals = selectors.totals(campaign_id, fresh=True)
    defaults = {"total_votes": totals.votes, "voided_votes": totals.voided, "voters": totals.voters}
    if replace:
        snapshot, _c = VoteSnapshot.objects.update_or_create(campaign_id=campaign_id, minute=minute, defaults=defaults)
    else:
        snapshot, _c = VoteSnapshot.objects.get_or_create(campaign_id=campaign_id, minute=minute, defaults=defaults)
    caching.forget(selectors.totals_key(campaign_id))
    return snapshot


def voting_open_campaign_ids(moment: dt.datetime | None = None) -> list[int]:
    moment = moment or timeutils.now()
    return list(
        Campaign.objects.filter(
            phases__kind=PhaseKind.VOTING, phases__starts_at__lte=moment, phases__ends_at__gt=moment
        ).values_list("pk", flat=True).distinct()
    )
