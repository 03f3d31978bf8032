"""Fraud review: patterns shared by many accounts (addresses, networks,
browsers, bursts of new accounts), voters by a pseudonym stable within a
campaign, the ballots under review with their evidence, the void records
and the exactness check of the tallies."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import ipaddress
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, Max, Q
from django.utils.crypto import salted_hmac

from cases.models import Campaign
from voting.models import Ballot, VoidBatch


@dataclass(frozen=True)
class Pattern:
    kind: str
    value: str
    accounts: int
    ballots: int
    valid: int
    first: dt.datetime
    last: dt.datetime


# One pass over the campaign's ballots: first one row per voter, address and
# browser (a hash aggregate: about a sixth of the ballots at the demo's
# size), then each pattern groups those rows by an inet or a C-collated key.
# Three grouped scans of the ballots with COUNT(DISTINCT) on text keys took
# most of the review page's 1.3-1.8 s (bench/review.py).
_PER_VOTER = """
WITH per AS MATERIALIZED (
  SELECT voter_id, ip, NULLIF(user_agent, '') COLLATE "C" AS ua, COUNT(*) AS n,
         COUNT(*) FILTER (WHERE voided_at IS NULL) AS valid, MIN(cast_at) AS first, MAX(cast_at) AS last
  FROM voting_ballot WHERE campaign_id = %s GROUP BY 1, 2, 3
)
"""
# kind: (value shown, grouping key, rows considered)
_PATTERN_KINDS = {
    "ip": ("host(ip)", "ip", "ip IS NOT NULL"),
    "subnet": ("text(network(set_masklen(ip, 24)))", "network(set_masklen(ip, 24))", "family(ip) = 4"),
    "user_agent": ("ua", "ua", "ua IS NOT NULL"),
}
_PATTERN_SELECT = """
(SELECT %s AS kind, {value}, COUNT(DISTINCT voter_id) AS accounts, SUM(n) AS ballots, SUM(valid), MIN(first), MAX(last)
 FROM per WHERE {rows} GROUP BY {key} HAVING COUNT(DISTINCT voter_id) >= %s ORDER BY 3 DESC, 4 DESC LIMIT %s)
"""
PATTERN_MIN_ACCOUNTS = {"ip": 5, "subnet": 10, "user_agent": 10}


def suspicious_patterns(campaign: Campaign, *, min_accounts: dict[str, int] | None = None,
                        limit: int = 20) -> dict[str, list[Pattern]]:
    """Addresses, IPv4 /24 networks and browser identification strings that
    many accounts voted from (at least ``min_accounts`` of each kind), the
    most accounts first, ``limit`` of each: one query."""
    wanted = min_accounts or PATTERN_MIN_ACCOUNTS
    params: list = [campaign.pk]
    selects = []
    for kind, least in wanted.items():
        value, key, rows = _PATTERN_KINDS[kind]
        selects.append(_PATTERN_SELECT.format(value=value, key=key, rows=rows))
        params += [kind, least, limit]
    found: dict[str, list[Pattern]] = {kind: [] for kind in wanted}
    with connection.cursor() as cursor:
        cursor.execute(_PER_VOTER + " UNION ALL ".join(selects), params)
        for kind, value, accounts, ballots, valid, first, last in cursor.fetchall():
            found[kind].append(Pattern(kind, str(value), accounts, int(ballots), int(valid), first, last))
    return found


def shared_ips(campaign: Campaign, *, min_accounts: int = 5, limit: int = 20) -> list[Pattern]:
    """IP addresses that many accounts voted from."""
    return suspicious_patterns(campaign, min_accounts={"ip": min_accounts}, limit=limit)["ip"]


def shared_subnets(campaign: Campaign, *, min_accounts: int = 10, limit: int = 20) -> list[Pattern]:
    """IPv4 /24 networks that many accounts voted from."""
    return suspicious_patterns(campaign, min_accounts={"subnet": min_accounts}, limit=limit)["subnet"]


def shared_user_agents(campaign: Campaign, *, min_accounts: int = 10, limit: int = 20) -> list[Pattern]:
    """One browser identification string across many accounts."""
    return suspicious_patterns(campaign, min_accounts={"user_agent": min_accounts}, limit=limit)["user_agent"]


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
    the whole campaign, their ballots, the valid ones, the days they voted,
    the distinct addresses they voted from and when their account was made
    (one query); and the ballot's
    network (/24, or /64 for IPv6), the evidence shown instead of the address."""
    key = _label_key()
    rows = list(
        Ballot.objects.filter(campaign=campaign, voter_id__in={b.voter_id for b in ballots}).order_by()
        .values("voter_id")
        .annotate(n=Count("pk"), valid=Count("pk", filter=Q(voided_at__isnull=True)), days=Count("day", distinct=True),
                  addresses=Count("ip", distinct=True), joined=Max("voter__date_joined"))
    )
    joined = {row["voter_id"]: row["joined"] for row in rows}
    evidence = {row["voter_id"]: VoterEvidence(_label(key, campaign.pk, row["voter_id"]), row["n"], row["valid"],
                                               row["days"], row["addresses"]) for row in rows}
    for ballot in ballots:
        ballot.evidence = evidence[ballot.voter_id]
        ballot.voter_joined = joined[ballot.voter_id]
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
    # The voter's account is not joined here (with_voter_evidence reads when
    # it was made, never who it is), so counting the ballots for the pager
    # scans the ballots alone.
    ballots = Ballot.objects.filter(campaign=campaign).select_related("case", "voided_by")
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
