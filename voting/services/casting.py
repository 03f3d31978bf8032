"""Casting a vote: ``cast_vote``, the one way a vote is counted (pages and API
call it), its one SQL statement, the refusals a voter reads, and the purge
of the idempotency answers. Over 300 lines on purpose: the statement and
the code that runs, retries and answers it are read together."""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
from contextlib import nullcontext
from dataclasses import dataclass

import psycopg
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction
from django.utils.translation import gettext_lazy

from cases.enums import EntryState, PhaseKind
from portal import metrics, timeutils
from portal.models import User
from voting.enums import REFUSAL_STATUS, Refusal
from voting.exceptions import VotingError
from voting.models import TALLY_SHARDS, VoteRequest, VotingRules
from voting.services.tallies import rollup_and_defer, rollup_due


IDEMPOTENCY_KEY_MAX = 64


# The sentence a voter reads for each refusal (what happened, what to do),
# translated when a refusal is answered: one lookup per refusal, not the
# whole table (a storm refuses about one attempt in five).
_REFUSAL_MESSAGES = {
    Refusal.WINDOW_CLOSED: gettext_lazy("现在不在投票时间内，投票开放期间再来吧。"),
    Refusal.NOT_SIGNED_IN: gettext_lazy("请先登录，再为喜欢的案例投票。"),
    Refusal.NOT_VERIFIED: gettext_lazy("请先验证你的手机号或邮箱，验证后即可投票。"),
    Refusal.PHONE_NOT_VERIFIED: gettext_lazy(
        "本次投票每人限用一个账号：请先在“我的账号”中验证你的手机号，验证后即可投票。"),
    Refusal.DAILY_QUOTA_USED: gettext_lazy("你今天的 %(n)s 票已经投完了，明天 0 点（北京时间）后可以再投。"),
    Refusal.ALREADY_VOTED_TODAY: gettext_lazy("你今天已经为这个案例投过票了，明天可以再投。"),
    Refusal.NOT_ON_BOARD: gettext_lazy("这个案例不在本届点赞榜上，不能投票。"),
    Refusal.RATE_LIMITED: gettext_lazy("操作太频繁，请稍后再试。"),
    Refusal.UNAVAILABLE: gettext_lazy("投票服务暂时不可用，你的票没有计入，请稍后再试。"),
}


def refusal_message(code: str, *, per_day: int | None = None) -> str:
    """The sentence a voter reads for a refusal, in the active language."""
    if code == Refusal.DAILY_QUOTA_USED:
        return _REFUSAL_MESSAGES[code] % {"n": per_day or ""}
    return str(_REFUSAL_MESSAGES[code])


def refuse(code: str, **extra) -> VotingError:
    per_day = extra.pop("per_day", None)
    return VotingError(refusal_message(code, per_day=per_day), code=code, status=REFUSAL_STATUS[code], **extra)


@dataclass(frozen=True)
class VoteAccepted:
    case_id: int
    count: int  # the case's non-void ballots right after this one
    votes_left: int  # the voter's votes left today in this campaign
    per_day: int
    replayed: bool = False
    title: str = ""


def client_ip(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def shard_of(voter_id: int) -> int:
    return voter_id % TALLY_SHARDS


def _rule_default(name: str) -> str:
    """The default of one voting rule (the VotingRules field's, which a
    campaign without a rules row votes under) as an SQL literal."""
    value = VotingRules._meta.get_field(name).default
    return ("true" if value else "false") if isinstance(value, bool) else str(int(value))


# The whole vote is this one statement, run in autocommit (one round trip;
# profiling the vote path under load showed round trips, not SQL, as its
# cost). On one snapshot it reads the stored answer of the idempotency key,
# the case, the window, the rules and what the voter used today; inserts the
# ballot unless a rule refuses it (the per-case quota is the ballot's unique
# key); bumps the voter's day counter only where it stays under the quota and
# the case's tally shard; stores the answer under the key. Two requests of
# one voter racing for the last vote of the day (or with one key) meet on
# the counter row (or the key) and the loser aborts the whole statement
# through voting_vote_race(); cast_vote retries it against the committed
# state, which then refuses (or replays) without writing.
_CAST_SQL = """
WITH prior AS (
    SELECT status, payload FROM voting_voterequest
    WHERE %(key)s::varchar IS NOT NULL AND voter_id = %(voter)s AND key = %(key)s
), ctx AS (
    SELECT COALESCE(e.state = %(on_board)s, false) AS on_board, COALESCE(e.title, '') AS title,
           COALESCE(p.starts_at <= %(now)s AND %(now)s < p.ends_at, false) AS in_window,
           COALESCE(r.votes_per_day, {votes_per_day}) AS per_day,
           COALESCE(r.votes_per_case_per_day, {votes_per_case_per_day}) AS per_case,
           COALESCE(r.allow_unverified, {allow_unverified}) AS allow_unverified,
           COALESCE(r.require_verified_phone, {require_verified_phone}) AS require_phone,
           COALESCE((SELECT d.used FROM voting_voterday d
                     WHERE d.voter_id = %(voter)s AND d.campaign_id = %(campaign)s AND d.day = %(day)s), 0) AS used,
           (SELECT COUNT(*) FROM voting_ballot x
            WHERE x.voter_id = %(voter)s AND x.case_id = %(case)s AND x.day = %(day)s) AS mine
    FROM (SELECT 1) one
    LEFT JOIN cases_caseentry e ON e.id = %(case)s AND e.campaign_id = %(campaign)s
    LEFT JOIN LATERAL (
        SELECT ph.starts_at, ph.ends_at FROM cases_phase ph
        WHERE ph.campaign_id = %(campaign)s AND ph.kind = %(voting)s
          AND (ph.track_id IS NULL OR ph.track_id = e.track_id)
        ORDER BY ph.track_id IS NULL LIMIT 1
    ) p ON true
    LEFT JOIN voting_votingrules r ON r.campaign_id = %(campaign)s
    WHERE NOT EXISTS (SELECT 1 FROM prior)
), checked AS (
    SELECT ctx.*, CASE
        WHEN NOT on_board THEN 'not_on_board'
        WHEN NOT in_window THEN 'window_closed'
        WHEN NOT (allow_unverified OR %(verified)s) THEN 'not_verified'
        WHEN require_phone AND NOT %(phone_verified)s THEN 'phone_not_verified'
        WHEN used >= per_day THEN 'daily_quota_used'
        WHEN mine >= per_case THEN 'already_voted_today'
    END AS refusal
    FROM ctx
), b AS (
    INSERT INTO voting_ballot (campaign_id, case_id, voter_id, day, slot, cast_at, ip, user_agent, void_reason)
    SELECT %(campaign)s, %(case)s, %(voter)s, %(day)s, mine + 1, %(now)s, %(ip)s, %(ua)s, ''
    FROM checked WHERE refusal IS NULL
    ON CONFLICT (voter_id, case_id, day, slot) DO NOTHING
    RETURNING id
), q AS (
    INSERT INTO voting_voterday (voter_id, campaign_id, day, used)
    SELECT %(voter)s, %(campaign)s, %(day)s, 1 FROM b
    ON CONFLICT (voter_id, campaign_id, day)
    DO UPDATE SET used = voting_voterday.used + 1 WHERE voting_voterday.used < (SELECT per_day FROM checked)
    RETURNING used
), t AS (
    INSERT INTO voting_casetally (case_id, campaign_id, shard, votes)
    SELECT %(case)s, %(campaign)s, %(shard)s, 1 FROM b
    ON CONFLICT (case_id, shard) DO UPDATE SET votes = voting_casetally.votes + 1
    RETURNING votes
), outcome AS (
    SELECT CASE WHEN NOT EXISTS (SELECT 1 FROM b) THEN COALESCE(refusal, 'already_voted_today')
                WHEN NOT EXISTS (SELECT 1 FROM q) THEN voting_vote_race('daily quota')
                ELSE 'accepted' END AS code,
           COALESCE((SELECT SUM(x.votes) FROM voting_casetally x WHERE x.case_id = %(case)s AND x.shard <> %(shard)s), 0)
             + COALESCE((SELECT votes FROM t),
                        (SELECT x.votes FROM voting_casetally x WHERE x.case_id = %(case)s AND x.shard = %(shard)s), 0)
             AS count,
           COALESCE((SELECT used FROM q), used) AS used, per_day, title
    FROM checked
), stored AS (
    INSERT INTO voting_voterequest (voter_id, key, created_at, status, payload)
    SELECT %(voter)s, %(key)s, %(now)s, CASE code {statuses} END,
           jsonb_build_object('code', code, 'count', count, 'used', used, 'per_day', per_day, 'title', title)
    FROM outcome WHERE %(key)s::varchar IS NOT NULL
    ON CONFLICT (voter_id, key) DO NOTHING
    RETURNING id
)
SELECT o.code, o.count, o.used, o.per_day, o.title,
       CASE WHEN o.code = 'accepted' AND %(key)s::varchar IS NOT NULL AND NOT EXISTS (SELECT 1 FROM stored)
            THEN voting_vote_race('idempotency key') END,
       EXISTS (SELECT 1 FROM stored), (SELECT status FROM prior), (SELECT payload FROM prior)
FROM (SELECT 1) one LEFT JOIN outcome o ON true
""".format(
    statuses=" ".join(f"WHEN '{code}' THEN {status}" for code, status in [("accepted", 201), *REFUSAL_STATUS.items()]),
    **{rule: _rule_default(rule)
       for rule in ("votes_per_day", "votes_per_case_per_day", "allow_unverified", "require_verified_phone")},
)
# Sent with its runs of whitespace collapsed (its literals hold none): psycopg
# caches the conversion of its %(name)s placeholders only for statements up
# to 4,096 characters (psycopg._queries.MAX_CACHED_STATEMENT_LENGTH); at
# 4,208 the statement was parsed again on every vote (the vote profile of
# bench/votes.py's plan showed _query2pg_nocache in every request).
_CAST_SQL = " ".join(_CAST_SQL.split())
assert len(_CAST_SQL) <= 4096, "the vote statement outgrew psycopg's query cache"
VOTE_RACE_SQLSTATE = "VR001"  # raised by voting_vote_race() (migration 0004)

# Refusals that answer with the voter's votes left today.
_COUNTED_REFUSALS = {Refusal.DAILY_QUOTA_USED, Refusal.ALREADY_VOTED_TODAY}


def _outcome(code: str, *, case_id: int, count: int, used: int, per_day: int, title: str,
             replayed: bool = False) -> VoteAccepted | VotingError:
    votes_left = max(0, per_day - used)
    if code == "accepted":
        return VoteAccepted(case_id=case_id, count=count, votes_left=votes_left, per_day=per_day,
                            replayed=replayed, title=title)
    return refuse(code, per_day=per_day, case_id=case_id, count=count, title=title, replayed=replayed,
                  votes_left=votes_left if code in _COUNTED_REFUSALS else None)


def _replay(case_id: int, payload: dict | str) -> VoteAccepted | VotingError:
    payload = json.loads(payload) if isinstance(payload, str) else payload  # Django hands jsonb over as text
    per_day = payload.get("per_day") or VotingRules._meta.get_field("votes_per_day").default
    return _outcome(payload.get("code") or "accepted", case_id=case_id, count=payload.get("count") or 0,
                    used=payload.get("used", per_day - (payload.get("votes_left") or 0)), per_day=per_day,
                    title=payload.get("title", ""), replayed=True)


def _run_cast(params: dict) -> tuple:
    """Run the vote statement as a prepared statement of this connection:
    planning the statement cost PostgreSQL about as much as running it
    (EXPLAIN ANALYZE: ~1 ms each), and Django's cursors bind on the client,
    so they never prepare. Behind a PgBouncer that cannot keep prepared
    statements (settings.PORTAL_PREPARE_VOTE off) it is sent unprepared.
    Inside a caller's transaction a savepoint keeps a raced statement from
    breaking it; on its own the statement commits."""
    db = connections[DEFAULT_DB_ALIAS]  # the proxy `connection` looks this up again on every attribute
    with transaction.atomic() if db.in_atomic_block else nullcontext():
        db.ensure_connection()
        with db.wrap_database_errors, psycopg.Cursor(db.connection) as cursor:
            cursor.execute(_CAST_SQL, params, prepare=settings.PORTAL_PREPARE_VOTE)
            return cursor.fetchone()


def _is_vote_race(error: DatabaseError) -> bool:
    return getattr(error.__cause__, "sqlstate", None) == VOTE_RACE_SQLSTATE


def cast_vote(
    *,
    voter: User | None,
    campaign_id: int,
    case_id: int,
    ip: str | None = None,
    user_agent: str = "",
    idempotency_key: str | None = None,
    now: dt.datetime | None = None,
) -> VoteAccepted:
    """Count one vote for a case on the board of a campaign, or refuse it.

    Accepted only inside the campaign's voting phase, for a case on its
    board, from a signed-in voter who is verified (unless the campaign allows
    unverified accounts) and, when the campaign requires it (the default),
    holds a verified phone number (one person, one vote account), within the campaign's daily quota and per-case
    daily quota (local day, Asia/Shanghai). The ballot, the daily counter and
    the tally commit together (one statement) before this returns. With an
    idempotency key the first answer (accepted or refused) is stored with it
    and a repeat returns that answer without voting again. A refusal is
    raised as a VotingError carrying the case's count and, for the quotas,
    the votes left today, so its answer needs no further query.
    """
    if voter is None or not voter.is_authenticated:
        raise refuse(Refusal.NOT_SIGNED_IN, case_id=case_id)
    now = now or timeutils.now()
    key = (idempotency_key or "").strip()[:IDEMPOTENCY_KEY_MAX] or None
    params = {
        "voter": voter.pk, "campaign": campaign_id, "case": case_id, "day": timeutils.local_day(now), "now": now,
        "ip": client_ip(ip), "ua": (user_agent or "")[:300], "shard": shard_of(voter.pk), "key": key,
        "verified": voter.verified_at is not None, "phone_verified": bool(voter.phone and voter.phone_verified),
        "on_board": EntryState.ACCEPTED, "voting": PhaseKind.VOTING,
    }
    for attempt in range(3):
        try:
            code, count, used, per_day, title, _race, stored, _status, payload = _run_cast(params)
            break
        except DatabaseError as error:
            if attempt == 2 or not _is_vote_race(error):
                raise
    if payload is not None:
        outcome = _replay(case_id, payload)
    elif key and not stored:
        # The same key's first request committed while this one ran (its
        # refusal here wrote nothing): answer what the first one answered.
        first = VoteRequest.objects.filter(voter=voter, key=key).values_list("payload", flat=True).first()
        outcome = _replay(case_id, first) if first else _outcome(
            code, case_id=case_id, count=count, used=used, per_day=per_day, title=title)
    else:
        outcome = _outcome(code, case_id=case_id, count=count, used=used, per_day=per_day, title=title)
    if isinstance(outcome, VotingError):
        raise outcome
    if not outcome.replayed:
        metrics.count_vote()
    if not outcome.replayed and rollup_due(campaign_id):
        rollup_and_defer(campaign_id)
    return outcome


def purge_vote_requests(*, older_than: dt.timedelta = dt.timedelta(days=2)) -> int:
    """Idempotency answers are kept two days (a retry comes within minutes)."""
    deleted, _detail = VoteRequest.objects.filter(created_at__lt=timeutils.now() - older_than).delete()
    return deleted
