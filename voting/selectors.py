"""Read side of public voting: rules, live counts, the leaderboard, the chart
and the fraud-review figures. Nothing here counts ballots for a public page:
counts come from the tally shards (cached two seconds) and the distinct
voters from the latest snapshot."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import ipaddress
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, F, Q, Sum
from django.utils.crypto import salted_hmac
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


def window(campaign: Campaign) -> Phase | None:
    return case_selectors.phase(campaign, PhaseKind.VOTING)


def is_open(campaign: Campaign, moment: dt.datetime | None = None) -> bool:
    return case_selectors.phase_is_open(campaign, PhaseKind.VOTING, moment)


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

    chart = pygal.DateTimeLine(
        style=charts.style(), show_legend=False, show_dots=False, fill=True, width=charts.WIDTH, height=240,
        x_label_rotation=0, disable_xml_declaration=True, js=[], show_y_guides=True, margin=12,
        x_value_formatter=lambda moment: moment.strftime("%m-%d %H:%M"),
        value_formatter=lambda n: f"{n:,.0f}", truncate_label=-1, x_labels_major_count=3, show_minor_x_labels=False,
    )
    chart.title = _("累计有效票数")
    # pygal works in naive times: hand it Beijing time.
    chart.add(_("有效票数"), [(minute.astimezone(timeutils.LOCAL_TZ).replace(tzinfo=None), total)
                             for minute, total in points])
    return charts.clean(chart.render(is_unicode=True))


# --- Fraud review ----------------------------------------------------------------


@dataclass(frozen=True)
class Pattern:
    kind: str
    value: str
    accounts: int
    ballots: int
    valid: int
    first: dt.datetime
    last: dt.datetime


def _patterns(sql: str, params: list, kind: str) -> list[Pattern]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [Pattern(kind, str(value), accounts, ballots, valid, first, last)
                for value, accounts, ballots, valid, first, last in cursor.fetchall()]


_GROUPED = """
SELECT {expr} AS value, COUNT(DISTINCT voter_id), COUNT(*), COUNT(*) FILTER (WHERE voided_at IS NULL),
       MIN(cast_at), MAX(cast_at)
FROM voting_ballot WHERE campaign_id = %s AND {expr} IS NOT NULL {extra}
GROUP BY 1 HAVING COUNT(DISTINCT voter_id) >= %s
ORDER BY 2 DESC, 3 DESC LIMIT %s
"""


def shared_ips(campaign: Campaign, *, min_accounts: int = 5, limit: int = 20) -> list[Pattern]:
    """IP addresses that many accounts voted from."""
    return _patterns(_GROUPED.format(expr="host(ip)", extra=""), [campaign.pk, min_accounts, limit], "ip")


def shared_subnets(campaign: Campaign, *, min_accounts: int = 10, limit: int = 20) -> list[Pattern]:
    """IPv4 /24 networks that many accounts voted from."""
    expr = "text(network(set_masklen(ip, 24)))"
    return _patterns(_GROUPED.format(expr=expr, extra="AND family(ip) = 4"), [campaign.pk, min_accounts, limit], "subnet")


def shared_user_agents(campaign: Campaign, *, min_accounts: int = 10, limit: int = 20) -> list[Pattern]:
    """One browser identification string across many accounts."""
    return _patterns(
        _GROUPED.format(expr="NULLIF(user_agent, '')", extra=""), [campaign.pk, min_accounts, limit], "user_agent"
    )


@dataclass(frozen=True)
class Burst:
    starts_at: dt.datetime
    ends_at: dt.datetime
    accounts: int
    ballots: int
    valid: int


def new_account_bursts(campaign: Campaign, *, window_minutes: int = 10, new_hours: int = 24, min_accounts: int = 10,
                       limit: int = 20) -> list[Burst]:
    """Windows in which many accounts made less than `new_hours` before their
    vote voted: sign-up farms voting right after sign-up."""
    seconds = window_minutes * 60
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT to_timestamp(floor(extract(epoch FROM b.cast_at) / %s) * %s) AS w,
                   COUNT(DISTINCT b.voter_id), COUNT(*), COUNT(*) FILTER (WHERE b.voided_at IS NULL)
            FROM voting_ballot b JOIN portal_user u ON u.id = b.voter_id
            WHERE b.campaign_id = %s AND b.cast_at - u.date_joined < make_interval(hours => %s)
            GROUP BY 1 HAVING COUNT(DISTINCT b.voter_id) >= %s
            ORDER BY 2 DESC LIMIT %s
            """,
            [seconds, seconds, campaign.pk, new_hours, min_accounts, limit],
        )
        return [Burst(start, start + dt.timedelta(seconds=seconds), accounts, ballots, valid)
                for start, accounts, ballots, valid in cursor.fetchall()]


# --- Voters by pseudonym ----------------------------------------------------------
#
# Fraud review needs to tell voters apart, not to know who they are: each
# voter is a short keyed label, stable within one campaign and unlinkable
# across campaigns or to the account id without the server's key. A voter's
# identity reaches staff only through appeals' logged reveal, never here.

VOTER_LABEL_PREFIX = "V-"
_LABEL_CHARS = 10  # base32: 50 bits, so no two of a campaign's voters share one in practice


def _label_key() -> bytes:
    return salted_hmac("voting.voter-label", b"").digest()


def _label(key: bytes, campaign_id: int, voter_id: int) -> str:
    digest = hmac.new(key, f"{campaign_id}:{voter_id}".encode(), hashlib.sha256).digest()
    return VOTER_LABEL_PREFIX + base64.b32encode(digest[:8]).decode()[:_LABEL_CHARS]


def voter_label(*, campaign_id: int, voter_id: int) -> str:
    """A voter's pseudonym in one campaign (e.g. V-K3J9QZ2MXA)."""
    return _label(_label_key(), campaign_id, voter_id)


def normalise_voter_label(value: str) -> str:
    value = "".join((value or "").split()).upper()
    return value if value.startswith(VOTER_LABEL_PREFIX) else VOTER_LABEL_PREFIX + value


def voters_labelled(campaign: Campaign, label: str) -> list[int]:
    """The voters of the campaign behind a pseudonym: one, or none for a
    label that is not of this campaign (a list, so that a caller voiding by
    it can refuse the never-seen case of two)."""
    label = normalise_voter_label(label)
    key = _label_key()
    voters = Ballot.objects.filter(campaign=campaign).values_list("voter_id", flat=True).order_by().distinct()
    return [voter_id for voter_id in voters.iterator(chunk_size=10_000) if _label(key, campaign.pk, voter_id) == label]


@dataclass(frozen=True)
class VoterEvidence:
    label: str
    ballots: int
    valid: int
    days: int
    addresses: int


def with_voter_evidence(campaign: Campaign, ballots: list[Ballot]) -> list[Ballot]:
    """Sets on each ballot of a review page its voter's pseudonym and, over
    the whole campaign, their ballots, the valid ones, the days they voted
    and the distinct addresses they voted from (one query); and the ballot's
    network (/24, or /64 for IPv6), the evidence shown instead of the address."""
    key = _label_key()
    rows = (
        Ballot.objects.filter(campaign=campaign, voter_id__in={b.voter_id for b in ballots}).order_by()
        .values("voter_id")
        .annotate(n=Count("pk"), valid=Count("pk", filter=Q(voided_at__isnull=True)), days=Count("day", distinct=True),
                  addresses=Count("ip", distinct=True))
    )
    evidence = {row["voter_id"]: VoterEvidence(_label(key, campaign.pk, row["voter_id"]), row["n"], row["valid"],
                                               row["days"], row["addresses"]) for row in rows}
    for ballot in ballots:
        ballot.evidence = evidence[ballot.voter_id]
        ballot.network = _network(ballot.ip)
    return ballots


def _network(ip) -> str:
    if not ip:
        return ""
    address = ipaddress.ip_address(str(ip))
    return str(ipaddress.ip_network(f"{address}/{24 if address.version == 4 else 64}", strict=False))


def review_ballots(campaign: Campaign, *, ip: str = "", subnet: str = "", voter: str = "",
                   user_agent: str = "", starts_at: dt.datetime | None = None, ends_at: dt.datetime | None = None,
                   show_void: bool = True):
    """Ballots matching the reviewer's filters, newest first; `voter` is a
    pseudonym (voter_label)."""
    # The voter's account is not loaded: the review needs when it was made, not who it is.
    ballots = (Ballot.objects.filter(campaign=campaign).select_related("case", "voided_by")
               .annotate(voter_joined=F("voter__date_joined")))
    if ip:
        ballots = ballots.filter(ip=ip)
    if subnet:
        ballots = ballots.extra(where=["voting_ballot.ip << %s::inet"], params=[subnet])
    if voter:
        ballots = ballots.filter(voter_id__in=voters_labelled(campaign, voter))
    if user_agent:
        ballots = ballots.filter(user_agent=user_agent)
    if starts_at:
        ballots = ballots.filter(cast_at__gte=starts_at)
    if ends_at:
        ballots = ballots.filter(cast_at__lt=ends_at)
    if not show_void:
        ballots = ballots.filter(voided_at__isnull=True)
    return ballots.order_by("-cast_at", "-pk")


def void_batches(campaign: Campaign):
    return VoidBatch.objects.filter(campaign=campaign).select_related("actor").order_by("-at", "-pk")


def tally_check(campaign_id: int) -> dict:
    """Exactness check (tests, the benchmark): valid ballots vs tallies vs
    vote_count, and the most votes any voter cast on one day."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FILTER (WHERE voided_at IS NULL), COUNT(*) FROM voting_ballot WHERE campaign_id = %s",
            [campaign_id],
        )
        valid, ballots = cursor.fetchone()
        cursor.execute("SELECT COALESCE(SUM(votes), 0) FROM voting_casetally WHERE campaign_id = %s", [campaign_id])
        tallied = cursor.fetchone()[0]
        cursor.execute("SELECT COALESCE(SUM(vote_count), 0) FROM cases_caseentry WHERE campaign_id = %s", [campaign_id])
        shown = cursor.fetchone()[0]
        cursor.execute(
            "SELECT COALESCE(MAX(n), 0) FROM (SELECT COUNT(*) n FROM voting_ballot WHERE campaign_id = %s"
            " GROUP BY voter_id, day) s",
            [campaign_id],
        )
        max_per_day = cursor.fetchone()[0]
        cursor.execute(
            "SELECT COALESCE(MAX(n), 0) FROM (SELECT COUNT(*) n FROM voting_ballot WHERE campaign_id = %s"
            " GROUP BY voter_id, case_id, day) s",
            [campaign_id],
        )
        max_per_case = cursor.fetchone()[0]
        cursor.execute(
            "SELECT COUNT(*) FROM voting_voterday d WHERE campaign_id = %s AND used <> (SELECT COUNT(*)"
            " FROM voting_ballot b WHERE b.voter_id = d.voter_id AND b.campaign_id = d.campaign_id AND b.day = d.day)",
            [campaign_id],
        )
        counter_mismatch = cursor.fetchone()[0]
    return {"ballots": ballots, "valid": valid, "tallied": tallied, "shown": shown, "max_per_day": max_per_day,
            "max_per_case_day": max_per_case, "counter_mismatch": counter_mismatch}
