"""Schemathesis hooks of the API contract run: the few rules the schema
states in words because OpenAPI 3.0 cannot state them (each operation's
description names it). Only schema-valid ("positive") cases that break one
are dropped; negative cases are all sent."""

from __future__ import annotations

import datetime as dt

import schemathesis


def _criteria_are_distinct_and_one_is_required(body) -> bool:
    criteria = body.get("criteria") if isinstance(body, dict) else None
    if not isinstance(criteria, list):
        return True
    names = [str(c.get("name", "")).strip() for c in criteria if isinstance(c, dict)]
    return len(set(names)) == len(names) and any(c.get("required", True) for c in criteria if isinstance(c, dict))


def _a_deadline_is_in_the_future(body) -> bool:
    deadline = body.get("deadline") if isinstance(body, dict) else None
    if not isinstance(deadline, str):
        return True
    try:
        moment = dt.datetime.fromisoformat(deadline.replace("Z", "+00:00"))
    except ValueError:
        return True
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment > dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=5)


RULES = {
    "PUT /api/v1/campaigns/{campaign_id}/panel/criteria": _criteria_are_distinct_and_one_is_required,
    "POST /api/v1/case-entries/{id}/screen": _a_deadline_is_in_the_future,
    "POST /api/v1/campaigns/{slug}/screening/bulk": _a_deadline_is_in_the_future,
}


@schemathesis.hook
def filter_case(context, case) -> bool:
    rule = RULES.get(f"{case.method.upper()} {case.path}")
    if rule is None or case.meta is None or not case.meta.generation.mode.is_positive:
        return True
    return rule(case.body)
