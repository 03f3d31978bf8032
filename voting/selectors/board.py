"""The public side of a vote: its rules and window, the live counts (from
the tally shards, cached two seconds), a voter's day, the totals, the
leaderboard and its chart."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import connection
from django.db.models import Sum
from django.utils.translation import gettext as _

from cases import selectors as case_selectors
from cases.enums import EntryState, PhaseKind
from cases.models import Campaign, CaseEntry, Phase
from portal import caching, timeutils
from voting.models import Ballot, CaseTally, VoidBatch, VoteSnapshot, VoterDay, VotingRules

COUNTS_CACHE_SECONDS = 2
OWN_VOTE_MARGIN = dt.timedelta(seconds=1)


def rules_of(campaign: Campaign) -> VotingRules:
    """The campaign's rules, or the defaults when none were set."""
    cached = getattr(campaign, "_voting_rules", None)
    if cached is None:
        cached = VotingRules.objects.filter(campaign=campaign).first() or VotingRules(campaign=campaign)
        campaign._voting_rules = cached
    return cached


def window(campaign: Campaign, track: int | None = None) -> Phase | None:
    """The voting window: the track's own voting phase, else the campaign's."""
    return case_selectors.phase_for(campaign, PhaseKind.VOTING, track)


def is_open(campaign: Campaign, moment: dt.datetime | None = None, *, track: int | None = None) -> bool:
    return case_selectors.phase_is_open(campaign, PhaseKind.VOTING, moment, track=track)


def case_window(entry: CaseEntry) -> Phase | None:
    """The window in which votes for this case count (its track's)."""
    return window(entry.campaign, entry.track_id)


def live_counts(campaign_id: int, *, newer_than: dt.datetime | None = None) -> dict[int, int]:
    """Non-void ballots per case (sum of the tally shards), two seconds old at
    most. ``newer_than`` (a voter's last vote) refuses a copy that may not
    hold that vote, so residents always see their own votes counted while
    everyone else shares the cached copy."""
    def compute():
        computed_at = timeutils.now()
        return computed_at, dict(
            CaseTally.objects.filter(campaign_id=campaign_id).values_list("case_id").annotate(n=Sum("votes"))
        )

    def holds_the_vote(held) -> bool:
        # A vote's time is taken before its statement commits: a copy made
        # within a second after it may predate the commit.
        return newer_than is None or held[0] > newer_than + OWN_VOTE_MARGIN

    return caching.remember(counts_key(campaign_id), compute, COUNTS_CACHE_SECONDS, accept=holds_the_vote)[1]


def counts_key(campaign_id: int) -> str:
    """The shared copy of live_counts (dropped by the rollup: services.rollup_vote_counts)."""
    return f"voting:counts:{campaign_id}"


def count_of(entry: CaseEntry) -> int:
    return live_counts(entry.campaign_id).get(entry.pk, 0)


@dataclass(frozen=True)
class VoterToday:
    used: int
    per_day: int
    voted_case_ids: frozenset[int]
    last_vote_at: dt.datetime | None = None

    @property
    def left(self) -> int:
        return max(0, self.per_day - self.used)


def voter_today(user, campaign: Campaign, moment: dt.datetime | None = None) -> VoterToday | None:
    """What a signed-in voter has used today in a campaign (None for visitors)."""
    if not getattr(user, "is_authenticated", False):
        return None
    day = timeutils.local_day(moment)
    rules = rules_of(campaign)
    used = VoterDay.objects.filter(voter=user, campaign=campaign, day=day).values_list("used", flat=True).first() or 0
    ballots = list(
        Ballot.objects.filter(voter=user, campaign=campaign, day=day).values_list("case_id", "cast_at")
    ) if used else []
    return VoterToday(used=used, per_day=rules.votes_per_day, voted_case_ids=frozenset(case for case, _at in ballots),
                      last_vote_at=max((at for _case, at in ballots), default=None))


@dataclass(frozen=True)
class Totals:
    votes: int
    voided: int
    voters: int
    voters_as_of: dt.datetime | None


def totals(campaign_id: int, *, fresh: bool = False) -> Totals:
    """Valid votes (tallies), voided votes (void records) and distinct voters
    (counted by the snapshot job; ``fresh`` counts them now)."""
    return caching.remember(totals_key(campaign_id), lambda: _totals(campaign_id, fresh=fresh),
                            COUNTS_CACHE_SECONDS, refresh=fresh)


def totals_key(campaign_id: int) -> str:
    """The shared copy of totals (dropped by a snapshot: services.take_snapshot)."""
    return f"voting:totals:{campaign_id}"


def _totals(campaign_id: int, *, fresh: bool) -> Totals:
    votes = sum(live_counts(campaign_id).values()) if not fresh else (
        CaseTally.objects.filter(campaign_id=campaign_id).aggregate(n=Sum("votes"))["n"] or 0
    )
    voided = VoidBatch.objects.filter(campaign_id=campaign_id).aggregate(n=Sum("ballot_count"))["n"] or 0
    if fresh:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT COUNT(DISTINCT voter_id) FROM voting_ballot WHERE campaign_id = %s AND voided_at IS NULL",
                [campaign_id],
            )
            voters, as_of = cursor.fetchone()[0], timeutils.now()
    else:
        latest = VoteSnapshot.objects.filter(campaign_id=campaign_id).order_by("-minute").first()
        voters, as_of = (latest.voters, latest.minute) if latest else (0, None)
    return Totals(votes=votes, voided=voided, voters=voters, voters_as_of=as_of)


@dataclass(frozen=True)
class LeaderboardRow:
    rank: int
    entry: CaseEntry
    votes: int
    share: float  # percent of all valid votes


def leaderboard(campaign: Campaign) -> list[LeaderboardRow]:
    """Cases on the board by valid votes; ties share a rank (1, 2, 2, 4)."""
    counts = live_counts(campaign.pk)
    entries = list(
        CaseEntry.objects.filter(campaign=campaign, state=EntryState.ACCEPTED).select_related("unit", "domain")
    )
    entries.sort(key=lambda e: (-counts.get(e.pk, 0), e.title, e.pk))
    total = sum(counts.get(e.pk, 0) for e in entries) or 0
    rows, rank, previous = [], 0, None
    for position, entry in enumerate(entries, start=1):
        votes = counts.get(entry.pk, 0)
        if votes != previous:
            rank, previous = position, votes
        rows.append(LeaderboardRow(rank=rank, entry=entry, votes=votes, share=100.0 * votes / total if total else 0.0))
    return rows


def chart_points(campaign: Campaign, *, max_points: int = 240) -> list[tuple[dt.datetime, int]]:
    """Cumulative valid votes over time from the snapshots, thinned to at
    most `max_points` (always keeping the latest)."""
    rows = list(VoteSnapshot.objects.filter(campaign=campaign).order_by("minute").values_list("minute", "total_votes"))
    if len(rows) > max_points:
        step = len(rows) / max_points
        rows = [rows[int(i * step)] for i in range(max_points - 1)] + [rows[-1]]
    return rows


def chart_svg(campaign: Campaign) -> str:
    """The votes-over-time chart as inline SVG (pygal, no JavaScript)."""
    points = chart_points(campaign)
    key = f"voting:chart:{campaign.pk}:{len(points)}:{points[-1] if points else ''}"
    return caching.remember(key, lambda: _chart(points), 60)


def _chart(points: list) -> str:
    import pygal

    from portal import charts

    # Short time labels, centred under their point: room for half of one at each side.
    days = (points[-1][0] - points[0][0]).days if points else 0
    label = "%m-%d" if days >= 1 else "%H:%M"
    chart = pygal.DateTimeLine(
        style=charts.style(), show_legend=False, show_dots=False, fill=True, width=charts.WIDTH, height=240,
        x_label_rotation=0, disable_xml_declaration=True, js=[], show_y_guides=True, margin=12,
        margin_left=30, margin_right=30, x_value_formatter=lambda moment: moment.strftime(label),
        value_formatter=lambda n: f"{n:,.0f}", truncate_label=-1, x_labels_major_count=3, show_minor_x_labels=False,
    )
    chart.title = _("累计有效票数")
    # pygal works in naive times: hand it Beijing time.
    chart.add(_("有效票数"), [(minute.astimezone(timeutils.LOCAL_TZ).replace(tzinfo=None), total)
                             for minute, total in points])
    return charts.clean(chart.render(is_unicode=True))
