"""Schemathesis hooks of the API contract run: the few rules the schema
states in words because OpenAPI 3.0 cannot state them (each operation's
description names it). Only schema-valid ("positive") cases that break one
are dropped; negative cases are all sent."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

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


# portal.settings.APPEALS_CITY_BBOX as the contract runs have it (south, west, north, east).
CITY = (Decimal("22.60"), Decimal("113.50"), Decimal("23.20"), Decimal("114.30"))


def _coordinates_in_the_city(body) -> bool:
    """Latitude with longitude or neither, inside the city (the fields' descriptions)."""
    if not isinstance(body, dict):
        return True
    lat, lng = body.get("latitude"), body.get("longitude")
    if lat is None and lng is None:
        return True
    try:
        lat, lng = Decimal(str(lat)).quantize(Decimal("0.000001")), Decimal(str(lng)).quantize(Decimal("0.000001"))
    except (InvalidOperation, ValueError):
        return True  # not a decimal: the schema's pattern refuses it
    south, west, north, east = CITY
    return south <= lat <= north and west <= lng <= east


def _a_report(case) -> bool:
    """An idempotency key in the header or the body (one is required), and
    coordinates in the city."""
    body = case.body if isinstance(case.body, dict) else {}
    headers = {name.lower() for name in (case.headers or {})}
    return ("idempotency-key" in headers or "idempotency_key" in body) and _coordinates_in_the_city(body)


def _a_low_score_says_why(body) -> bool:
    """A score of 1 or 2 needs a comment of at least two characters."""
    if not isinstance(body, dict) or body.get("score") not in (1, 2):
        return True
    return len(str(body.get("comment") or "").strip()) >= 2


def _co_units_are_others(body) -> bool:
    """Co-handling units: distinct, and not the primary unit."""
    co_units = body.get("co_units") if isinstance(body, dict) else None
    if not isinstance(co_units, list):
        return True
    return len(set(co_units)) == len(co_units) and body.get("primary_unit") not in co_units


RULES = {
    "PUT /api/v1/campaigns/{campaign_id}/panel/criteria": _criteria_are_distinct_and_one_is_required,
    "POST /api/v1/case-entries/{id}/screen": _a_deadline_is_in_the_future,
    "POST /api/v1/campaigns/{slug}/screening/bulk": _a_deadline_is_in_the_future,
    "POST /api/v1/appeals/": _a_report,
    "POST /api/v1/appeals/hotline": _a_report,
    "POST /api/v1/appeals/track/{tracking_number}/rate": _a_low_score_says_why,
    "POST /api/v1/appeals/{appeal_id}/dispatch": _co_units_are_others,
}


@schemathesis.hook
def filter_case(context, case) -> bool:
    rule = RULES.get(f"{case.method.upper()} {case.path}")
    if rule is None or case.meta is None or not case.meta.generation.mode.is_positive:
        return True
    return rule(case) if rule is _a_report else rule(case.body)
