"""Open311 GeoReport v2 under /open311/v2/ (http://wiki.open311.org/GeoReport_v2).

- GET  services.{fmt}                    the catalogue items as services
- GET  services/{service_code}.{fmt}     service definition (the area attribute)
- POST requests.{fmt}                    create (api_key required)
- GET  requests.{fmt}                    list: service_request_id, service_code,
                                         start_date, end_date, status filters;
                                         paged (page, page_size; Link header)
                                         and cached like the wall
- GET  requests/{service_request_id}.{fmt}
- GET  tokens/{token}.{fmt}
fmt is json or xml. Errors are a list of {code, description} (JSON) or
<errors><error><code/><description/></error></errors> (XML) with the same
HTTP status: the views and services raise the portal's refusals
(portal.exceptions) and :func:`georeport` is the one place that answers them
in that format, as RefusalMiddleware does for pages.

Only published appeals are listed, with the redacted text and the area
instead of the exact address (coordinates rounded to 0.01°); the client that
posted a request can read it back with its api_key.

About 400 lines on purpose: the views answer in the protocol's own formats
(JSON or XML, its error list), so the protocol reads as one module beside
its specification; the writes are appeals.services.open311's.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from decimal import ROUND_HALF_UP, Decimal
from xml.etree import ElementTree as ET

from django.conf import settings
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt

from appeals.enums import AppealState
from appeals.models import Appeal, Area, Item, Open311Token
from appeals.redaction import redact_for
from appeals.services.open311 import check_key, post_request
from portal.exceptions import InvalidError, NotFoundError, PermissionDeniedError, PortalError
from portal.middleware import has_nul_character
from portal.ratelimits import check_rate, count_failure, own_rate_limit
from portal.timeutils import LOCAL_TZ

CLOSED = (AppealState.RESOLVED, AppealState.RATED, AppealState.CLOSED)
DEFAULT_DAYS = 90
# requests.{fmt} is paged (?page=, ?page_size=; Link: rel="next"/"prev"):
# a page is at most MAX_PAGE_SIZE rows, and no deeper than LAST_PAGE
# (OFFSET walks every row before it; the date filters reach the rest).
PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
LAST_PAGE = 1000
# The public list is cached like the wall: this long in Redis, dropped at
# once when an appeal is published or withdrawn (the wall's version), and a
# second in each process in front of Redis.
CACHE_SECONDS = 30
LOCAL_SECONDS = 1


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.astimezone(LOCAL_TZ).isoformat(timespec="seconds") if moment else None


# Characters XML 1.0 cannot carry (most C0 controls, surrogates, U+FFFE/FFFF):
# one of them in an appeal's text would make the whole answer unparseable.
XML_INVALID = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(value) -> str:
    return XML_INVALID.sub("", str(value))


def _xml(root: str, item: str, rows: list[dict]) -> str:
    element = ET.Element(root)
    for row in rows:
        child = ET.SubElement(element, item)
        _fill(child, row)
    return '<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(element, encoding="unicode")


def _fill(element: ET.Element, row: dict) -> None:
    for key, value in row.items():
        sub = ET.SubElement(element, key)
        if isinstance(value, list):
            singular = {"attributes": "attribute", "values": "value"}.get(key, "item")
            for entry in value:
                _fill(ET.SubElement(sub, singular), entry)
        elif isinstance(value, bool):
            sub.text = "true" if value else "false"
        elif value is not None:
            sub.text = xml_text(value)


def respond(fmt: str, rows, *, root: str, item: str, status: int = 200, single: bool = False) -> HttpResponse:
    if fmt == "xml":
        if single:
            element = ET.Element(root)
            _fill(element, rows)
            body = '<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(element, encoding="unicode")
        else:
            body = _xml(root, item, rows)
        return HttpResponse(body, content_type="text/xml; charset=utf-8", status=status)
    return JsonResponse(rows, safe=False, status=status, json_dumps_params={"ensure_ascii": False})


def error(fmt: str, status: int, description: str) -> HttpResponse:
    return respond(fmt, [{"code": status, "description": str(description)}], root="errors", item="error", status=status)


def refusal_answer(fmt: str, refusal: PortalError) -> HttpResponse:
    """A refusal in the spec's error list, with its status (and Retry-After
    when it has one: a rate limit)."""
    response = error(fmt, refusal.status, refusal.message)
    if refusal.retry_after:
        response["Retry-After"] = str(refusal.retry_after)
    return response


def _check_jurisdiction(request: HttpRequest) -> None:
    """Every call's first checks: no NUL character in the address (nothing
    could look it up), and the jurisdiction_id, when given, is ours."""
    if has_nul_character(request):
        raise InvalidError("the address contains a NUL character (%00)")
    value = request.GET.get("jurisdiction_id") or request.POST.get("jurisdiction_id")
    if value and value != settings.APPEALS_OPEN311_JURISDICTION:
        raise NotFoundError(f"jurisdiction_id {value} not found")


def georeport(view):
    """An Open311 view: called with fmt json or xml (anything else is 404,
    answered in JSON) after the jurisdiction checks; any refusal it raises is
    answered by :func:`refusal_answer`."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args, fmt: str, **kwargs) -> HttpResponse:
        if fmt not in ("json", "xml"):
            return error("json", 404, "format must be json or xml")
        try:
            _check_jurisdiction(request)
            return view(request, *args, fmt=fmt, **kwargs)
        except PortalError as refusal:
            return refusal_answer(fmt, refusal)

    return wrapped


def _service(item: Item) -> dict:
    return {
        "service_code": item.code,
        "service_name": item.localised_name,
        "description": f"{item.category.localised_name} › {item.localised_name}（{item.deadline_label}）",
        "metadata": True,
        "type": "realtime",
        "keywords": ",".join(k for k in [item.category.name, *item.keywords.split()] if k),
        "group": item.category.localised_name,
    }


@georeport
def services(request: HttpRequest, fmt: str) -> HttpResponse:
    items = Item.objects.filter(active=True).select_related("category").order_by("category__position", "code")
    return respond(fmt, [_service(i) for i in items], root="services", item="service")


@georeport
def service_definition(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    item = Item.objects.filter(code=code, active=True).first()
    if item is None:
        raise NotFoundError(f"service_code {code} not found")
    areas = [{"key": a.code, "name": a.localised_name} for a in Area.objects.order_by("position", "code")]
    definition = {
        "service_code": item.code,
        "attributes": [
            {"variable": True, "code": "area", "datatype": "singlevaluelist", "required": True,
             "datatype_description": "镇街编码", "order": 1, "description": "问题所在的镇街", "values": areas},
            {"variable": True, "code": "publish", "datatype": "singlevaluelist", "required": False,
             "datatype_description": "yes / no", "order": 2,
             "description": "是否同意隐去个人信息后在问政墙公开" if item.publishable else "本事项不公开",
             "values": [{"key": "yes", "name": "同意公开"}, {"key": "no", "name": "不公开"}]},
        ],
    }
    return respond(fmt, definition, root="service_definition", item="", single=True)


def _round(value) -> str | None:
    if value is None:
        return None
    return str(Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _request_row(appeal: Appeal) -> dict:
    closed = appeal.state in CLOSED
    notes = appeal.resolution if closed and appeal.resolution else appeal.get_state_display()
    return {
        "service_request_id": appeal.tracking_number,
        "status": "closed" if closed else "open",
        "status_notes": redact_for(appeal, str(notes)),
        "service_name": appeal.item.localised_name if appeal.item else None,
        "service_code": appeal.item.code if appeal.item else None,
        "description": appeal.public_description or redactless(appeal),
        "agency_responsible": appeal.primary_unit.localised_name if appeal.primary_unit else None,
        "service_notice": None,
        "requested_datetime": _iso(appeal.submitted_at),
        "updated_datetime": _iso(appeal.updated_at),
        "expected_datetime": _iso(appeal.handling_due_at),
        "address": appeal.area.localised_name,
        "address_id": None,
        "zipcode": None,
        "lat": _round(appeal.latitude),
        "long": _round(appeal.longitude),
        "media_url": None,
    }


def redactless(appeal: Appeal) -> str:
    return redact_for(appeal, appeal.description)


def _visible(request: HttpRequest) -> Q:
    """Published appeals; plus, with a valid api_key, those its client posted."""
    visible = Q(is_public=True)
    api_key = request.GET.get("api_key")
    if api_key:
        try:
            key = check_key(api_key)
        except PermissionDeniedError:
            return visible
        visible |= Q(open311_token__key=key)
    return visible


def _base():
    return Appeal.objects.select_related("item", "area", "primary_unit")


@own_rate_limit  # POST: per API key and per IP (open311.post)
@csrf_exempt
@georeport
def requests(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _post(request, fmt)
    if request.method != "GET":
        return error(fmt, 405, "use GET or POST")
    try:
        page, size = _page(request.GET.get("page"), "page", 1, LAST_PAGE), _page(
            request.GET.get("page_size"), "page_size", PAGE_SIZE, MAX_PAGE_SIZE)
        start = _date(request.GET.get("start_date"), "start_date")
        end = _date(request.GET.get("end_date"), "end_date")
        _statuses(request)
    except ValueError as exc:
        raise InvalidError(str(exc)) from None
    if "api_key" in request.GET:
        # A client's own unpublished requests are in its answer: never shared.
        body, links = _request_list(request, fmt, page=page, size=size, start=start, end=end)
    else:
        body, links = _cached_request_list(request, fmt, page=page, size=size, start=start, end=end)
    response = HttpResponse(body, content_type=_CONTENT_TYPES[fmt])
    if links:
        response["Link"] = links
    return response


_CONTENT_TYPES = {"json": "application/json", "xml": "text/xml; charset=utf-8"}


def _cached_request_list(request: HttpRequest, fmt: str, **query):
    from django.utils.translation import get_language

    from appeals.selectors.public import WALL_VERSION_KEY
    from portal import caching, pagecache

    # Without dates the window ends now: cached per minute rather than per request.
    window = {k: (v.isoformat() if v else None) for k, v in query.items() if k in ("start", "end")}
    filters = (request.GET.get("service_request_id", ""), request.GET.get("service_code", ""),
               request.GET.get("status", ""), window, query["page"], query["size"])
    minute = int(timezone.now().timestamp() // 60) if not (query["start"] or query["end"]) else 0
    # The version is in the process's key too: a publication drops both copies at once.
    key = caching.versioned(f"appeals:open311:{get_language()}:{request.get_host()}:{fmt}:{minute}:{filters}",
                            WALL_VERSION_KEY)
    return pagecache.local(("open311", key), LOCAL_SECONDS,
                           lambda: caching.remember(key, lambda: _request_list(request, fmt, **query), CACHE_SECONDS))


def _request_list(request: HttpRequest, fmt: str, *, page: int, size: int, start, end):
    """The body of one page of requests and its Link header ("" when there is no other page)."""
    qs = _base().filter(_visible(request))
    ids = [i.strip() for i in (request.GET.get("service_request_id") or "").split(",") if i.strip()]
    if ids:
        # The spec: with service_request_id, the other filters are ignored.
        rows = list(qs.filter(tracking_number__in=ids[:MAX_PAGE_SIZE]).order_by("-submitted_at"))
        return _body(fmt, rows), ""
    if start is None and end is None:
        start = timezone.now() - dt.timedelta(days=DEFAULT_DAYS)
    if start is not None:
        qs = qs.filter(submitted_at__gte=start)
    if end is not None:
        qs = qs.filter(submitted_at__lte=end)
    codes = [c.strip() for c in (request.GET.get("service_code") or "").split(",") if c.strip()]
    if codes:
        qs = qs.filter(item__code__in=codes)
    statuses = _statuses(request)
    if statuses == {"open"}:
        qs = qs.exclude(state__in=CLOSED)
    elif statuses == {"closed"}:
        qs = qs.filter(state__in=CLOSED)
    # One row past the page tells whether another follows (no COUNT over every row).
    rows = list(qs.order_by("-submitted_at", "-pk")[(page - 1) * size: page * size + 1])
    links = []
    if len(rows) > size and page < LAST_PAGE:
        links.append(f'<{_page_url(request, page + 1, size)}>; rel="next"')
    if page > 1:
        links.append(f'<{_page_url(request, page - 1, size)}>; rel="prev"')
    return _body(fmt, rows[:size]), ", ".join(links)


def _statuses(request: HttpRequest) -> set[str]:
    statuses = {s.strip() for s in (request.GET.get("status") or "").split(",") if s.strip()}
    if statuses - {"open", "closed"}:
        raise ValueError("status must be open, closed or both (comma-separated)")
    return statuses


def _body(fmt: str, rows: list[Appeal]) -> str:
    return respond(fmt, [_request_row(a) for a in rows], root="service_requests", item="request").content.decode()


def _page_url(request: HttpRequest, page: int, size: int) -> str:
    query = request.GET.copy()
    query["page"], query["page_size"] = str(page), str(size)
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")


def _page(value: str | None, name: str, default: int, maximum: int) -> int:
    if value in (None, ""):
        return default
    if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= maximum:
        raise ValueError(f"{name} must be a whole number from 1 to {maximum}")
    return int(value)


def _date(value: str | None, name: str) -> dt.datetime | None:
    if not value:
        return None
    parsed = parse_datetime(value.replace(" ", "+"))
    if parsed is None:
        raise ValueError(f"{name} must be a W3C datetime, e.g. 2026-11-01T00:00:00+08:00")
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=LOCAL_TZ)


def _post(request: HttpRequest, fmt: str) -> HttpResponse:
    data = request.POST
    check_rate(request, "open311.post", key=data.get("api_key", "")[:64])
    if not data.get("service_code"):
        raise InvalidError("service_code is required")
    posted = post_request(
        api_key=data.get("api_key", ""), service_code=data["service_code"],
        area_code=data.get("attribute[area]", ""), description=data.get("description", ""),
        lat=data.get("lat"), long=data.get("long"), address_string=data.get("address_string", ""),
        first_name=data.get("first_name", ""), last_name=data.get("last_name", ""), phone=data.get("phone", ""),
        email=data.get("email", ""), publish=data.get("attribute[publish]", ""),
    )
    appeal = posted.result.appeal
    notice = f"已受理，办理进度可凭编号 {appeal.tracking_number} 查询。"
    return respond(
        fmt,
        [{"service_request_id": appeal.tracking_number, "token": posted.token, "service_notice": notice, "account_id": None}],
        root="service_requests", item="request", status=201,
    )


@georeport
def request_detail(request: HttpRequest, request_id: str, fmt: str) -> HttpResponse:
    check_rate(request, "tracking.miss", increment=False)
    appeal = _base().filter(_visible(request), tracking_number=request_id).first()
    if appeal is None:
        count_failure(request, "tracking.miss")
        raise NotFoundError(f"service_request_id {request_id} not found")
    return respond(fmt, [_request_row(appeal)], root="service_requests", item="request")


@georeport
def token(request: HttpRequest, token: str, fmt: str) -> HttpResponse:
    check_rate(request, "tracking.miss", increment=False)
    row = Open311Token.objects.select_related("appeal").filter(token=token).first()
    if row is None:
        count_failure(request, "tracking.miss")
        raise NotFoundError(f"token {token} not found")
    return respond(fmt, [{"service_request_id": row.appeal.tracking_number, "token": row.token}],
                   root="service_requests", item="request")
